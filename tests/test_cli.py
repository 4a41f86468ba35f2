"""The CLI contract: exit codes, one-line errors, masked credentials, saved-inventory reports."""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from piiscan.cli import cli
from piiscan.detectors import nlp

EMAILS = [f"person{i}@example.com" for i in range(12)]


@pytest.fixture
def shop_db(tmp_path: Path) -> Path:
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, sku TEXT)")
        conn.executemany(
            "INSERT INTO customers (email, sku) VALUES (?, ?)",
            [(e, f"SKU-{i:05d}") for i, e in enumerate(EMAILS)],
        )
    conn.close()
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


RULES = ("--spacy-model", "none", "--no-progress")


def test_scan_json_is_an_inventory_without_raw_values(shop_db: Path) -> None:
    code, out, _ = run("scan", f"sqlite:///{shop_db}", "--format", "json", *RULES)
    assert code == 0
    inventory = json.loads(out)
    [asset] = inventory["assets"]
    fields = {f["name"]: f for f in asset["fields"]}
    assert [e["type"] for e in fields["email"]["entities"]] == ["EMAIL_ADDRESS"]
    assert fields["sku"]["status"] == "none_found"
    assert asset["sensitivity"] == "high"
    assert not any(e in out for e in EMAILS)


@pytest.mark.parametrize(("level", "code"), [("high", 1), ("very_high", 0), ("low", 1)])
def test_fail_on_sets_exit_code(shop_db: Path, level: str, code: int) -> None:
    assert run("scan", f"sqlite:///{shop_db}", "--fail-on", level, *RULES)[0] == code


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("scan", "nosuchdialect://u:hunter2@h/db"), "Error:"),
        (("scan", "sqlite:///x.db", "--policy", "/nonexistent.yaml"), "policy file not found"),
        (
            ("scan", "sqlite:///x.db", "--spacy-model", "/no/such/model"),
            "spaCy model path not found",
        ),
        (
            ("scan", "sqlite:///x.db", "--format", "xml", "--spacy-model", "none"),
            "unknown reporter 'xml'",
        ),
        (("scan", "ftp2://host/path"), "Error:"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args: tuple[str, ...], message: str) -> None:
    code, out, err = run(*args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err + out
    assert "hunter2" not in err + out
    assert len([line for line in err.splitlines() if line.startswith("Error:")]) == 1


def test_unreachable_source_is_recorded_and_the_rest_is_scanned(
    shop_db: Path, tmp_path: Path
) -> None:
    out_file = tmp_path / "inv.json"
    missing = tmp_path / "missing.db"
    code, _, err = run(
        "scan",
        f"sqlite:///{missing}",
        f"sqlite:///{shop_db}",
        "--format",
        "json",
        "-o",
        str(out_file),
        *RULES,
    )
    assert code == 2
    assert "warning:" in err
    inventory = json.loads(out_file.read_text())
    assert [a["asset"] for a in inventory["assets"]] == ["customers"]
    [error] = inventory["errors"]
    assert error["asset"] is None and str(missing) in error["source"]
    assert not missing.exists()  # a source is never created or modified


def test_report_rerenders_a_saved_inventory(shop_db: Path, tmp_path: Path) -> None:
    saved = tmp_path / "inv.json"
    run("scan", f"sqlite:///{shop_db}", "-f", "json", "-o", str(saved), *RULES)
    code, out, _ = run("report", str(saved), "--format", "table")
    assert code == 0
    assert "customers" in out and "EMAIL_ADDRESS" in out
    code, out, _ = run("report", str(saved), "--format", "json")
    assert json.loads(out) == json.loads(saved.read_text())
    assert run("report", str(saved), "--fail-on", "medium")[0] == 1


def test_report_on_a_truncated_inventory_exits_2(tmp_path: Path) -> None:
    broken = tmp_path / "inv.json"
    broken.write_text('{"schema_version": "1.0", "assets": [')
    code, _, err = run("report", str(broken))
    assert code == 2 and err.startswith("Error:")


def test_plugins_lists_builtins() -> None:
    code, out, _ = run("plugins")
    assert code == 0
    for name in ("sql", "files", "presidio", "column_names", "json", "table"):
        assert f"  {name} " in out


@pytest.mark.parametrize(
    "command", ["scan", "report", "plugins", "demo", "matrix", "ropa", "policy"]
)
def test_every_command_has_help(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0 and len(out.splitlines()) > 3


def test_rule_only_mode_warns_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("PIISCAN_SPACY_MODEL", raising=False)
    monkeypatch.setattr(nlp.spacy.util, "is_package", lambda name: False)
    nlp._warn_rule_only.cache_clear()
    with caplog.at_level(logging.WARNING):
        first = nlp.resolve_model(None)
        second = nlp.resolve_model(None)
    assert first.name == second.name == "rule-only" and not first.has_ner
    assert sum("rule-only" in r.getMessage() for r in caplog.records) == 1


def test_explicit_uninstalled_model_is_an_error_not_a_download() -> None:
    from piiscan.errors import UsageError

    with pytest.raises(UsageError, match="not installed"):
        nlp.resolve_model("en_core_web_xl_not_installed")


def test_binary_report_goes_to_a_file_and_reads_back(shop_db: Path, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    saved, table = tmp_path / "inv.json", tmp_path / "fields.parquet"
    run("scan", f"sqlite:///{shop_db}", "-f", "json", "-o", str(saved), *RULES)
    code, _, err = run("report", str(saved), "-f", "parquet", "-o", str(table))
    assert code == 0 and "written to" in err
    rows = pq.read_table(table).to_pylist()
    assert {(r["asset"], r["field"]) for r in rows} >= {("customers", "email")}
    assert not any(e in str(rows) for e in EMAILS)


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    missing = [name for name in cli.commands if f"piiscan {name}" not in readme]
    assert missing == []


def test_progress_ends_with_a_summary_and_the_scanning_time(shop_db: Path) -> None:
    code, _, err = run(
        "scan", f"sqlite:///{shop_db}", "--format", "json", "--spacy-model", "none", "--progress"
    )
    assert code == 0
    last = err.strip().splitlines()[-1].strip()
    assert re.fullmatch(r"scanned 1 assets, 12 rows, 0 errors in \d+\.\d s", last), last
