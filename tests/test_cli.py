"""The CLI contract: exit codes, one-line errors, masked credentials, saved-inventory reports."""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from piiscan.cli import cli
from piiscan.detectors import nlp

# not a reserved domain: a default scan sets example.com addresses aside
EMAILS = [f"person{i}@corp-mail.com" for i in range(12)]


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


@pytest.mark.parametrize(("level", "named"), [("high", True), ("very_high", False)])
def test_fail_on_names_the_assets_that_crossed_it(shop_db: Path, level: str, named: bool) -> None:
    code, _, err = run("scan", f"sqlite:///{shop_db}", "--fail-on", level, *RULES)
    listed = [line.split() for line in err.splitlines() if line.startswith("  ")]
    if named:
        assert f"fail-on {level}: 1 asset(s) at or above {level}:" in err
        assert listed == [["high", "customers", f"(sqlite:///{shop_db})"]]
    else:
        assert code == 0 and "fail-on" not in err


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
def test_usage_errors_exit_2_with_one_line(
    args: tuple[str, ...], message: str, shop_db: Path
) -> None:
    args = tuple(a.replace("sqlite:///x.db", f"sqlite:///{shop_db}") for a in args)
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
    missing = tmp_path / "not-a-database.db"  # exists, but no SQLite file: cannot be opened
    missing.write_bytes(b"this is not a database" * 100)
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
    assert missing.read_bytes() == b"this is not a database" * 100  # never modified


@pytest.mark.parametrize(
    "source", ["./no/such/folder", "no-such-file.csv", "sqlite:///no/such/shop.db"]
)
def test_missing_path_is_one_error_line_before_any_model_loads(
    source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_model(*_args: object) -> None:
        raise AssertionError("the model was loaded for a missing path")

    monkeypatch.chdir(tmp_path)
    from piiscan.detectors import presidio_detector

    monkeypatch.setattr(presidio_detector, "build_engines", no_model)
    out_file = tmp_path / "inv.json"
    code, out, err = run("scan", source, "-o", str(out_file), "--no-progress")
    assert code == 2
    assert err.splitlines()[-1].startswith("Error: ") and "no such" in err
    assert len(err.splitlines()) == 1 and out == ""
    assert not out_file.exists()  # no empty report


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


def _real_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed ``piiscan`` in its own process (logging set up as for a user)."""
    # no PIISCAN_* setting of the caller, but the tests' plugin isolation (conftest.py)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PIISCAN_") or k == "PIISCAN_PLUGINS"}
    return subprocess.run(
        [sys.executable, "-c", "from piiscan.cli import main; main()", *args],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )


@pytest.fixture
def folder_with_a_broken_file(tmp_path: Path) -> Path:
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "people.csv").write_text("email\n" + "".join(f"a{i}@gmail.com\n" for i in range(9)))
    (folder / "broken.parquet").write_text("not parquet\n")
    return folder


@pytest.mark.parametrize(
    ("args", "quiet"),
    [
        (["scan", "files", "--no-progress"], False),
        (["-q", "scan", "files", "--no-progress"], True),
        (["scan", "files", "--no-progress", "-q"], True),  # after the subcommand too
        (["scan", "-q", "files", "--no-progress"], True),
    ],
)
def test_warnings_have_one_style_and_q_silences_them_anywhere(
    folder_with_a_broken_file: Path, args: list[str], quiet: bool
) -> None:
    proc = _real_cli(folder_with_a_broken_file.parent, *args)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert not [x for x in lines if x.startswith("WARNING")]  # one spelling: "warning:"
    warnings = [x for x in lines if x.startswith("warning: ")]
    if quiet:
        assert lines == []
    else:
        assert any("broken.parquet" in x for x in warnings)  # the unreadable file
        assert any("rule-only" in x for x in warnings)  # no model installed: said once
        assert len([x for x in warnings if "rule-only" in x]) == 1
    assert "EMAIL_ADDRESS" in proc.stdout and "a1@gmail.com" not in proc.stdout


# -- --include / --exclude (docs/selection.md) ---------------------------------------------
@pytest.fixture
def exports(tmp_path: Path) -> Path:
    root = tmp_path / "exports"
    root.mkdir()
    (root / "people.csv").write_text(
        "name,email,internal_notes\nAnn,ann@example.com,called about the refund\n")
    (root / "orders.json").write_text('[{"id": 1, "email": "bob@example.com"}]')
    return root


def scanned_fields(out: str) -> dict[str, list[str]]:
    return {a["asset"]: [f["name"] for f in a["fields"]] for a in json.loads(out)["assets"]}


def test_readme_include_exclude_example_does_what_it_says(exports: Path) -> None:
    """`piiscan scan ./exports --include '*.csv' --exclude '*.internal_notes'`."""
    code, out, err = run("scan", str(exports), "--include", "*.csv", "--exclude",
                         "*.internal_notes", "-f", "json", *RULES)
    assert code == 0
    assert scanned_fields(out) == {"people.csv": ["name", "email"]}
    assert "matched no" not in err


def test_a_pattern_that_matches_nothing_is_a_warning(exports: Path, shop_db: Path) -> None:
    code, out, err = run("scan", str(exports), f"sqlite:///{shop_db}", "--exclude",
                         "*.internal_note", "--exclude", "customers.sku", "--include",
                         "*.csv", "--include", "customers", "-f", "json", *RULES)
    assert code == 0
    line = "--exclude '*.internal_note' matched no table, file or field"
    assert [x for x in err.splitlines() if "matched no" in x] == [f"warning: {line}"]
    assert line in json.loads(out)["warnings"]
    assert scanned_fields(out) == {"people.csv": ["name", "email", "internal_notes"],
                                   "customers": ["id", "email"]}


def test_exclude_a_column_by_its_name_on_sql(shop_db: Path) -> None:
    code, out, err = run("scan", f"sqlite:///{shop_db}", "--exclude", "email", "-f", "json",
                         *RULES)
    assert code == 0 and "matched no" not in err
    assert scanned_fields(out) == {"customers": ["id", "sku"]}


@pytest.mark.parametrize("command", ["scan", "spark-scan"])
def test_include_exclude_help_points_to_the_grammar(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0
    text = " ".join(out.split())
    assert "--include GLOB" in text and "--exclude GLOB" in text
    assert "docs/selection.md" in text


def test_output_to_a_named_pipe_writes_through_it_and_keeps_it(
    shop_db: Path, tmp_path: Path
) -> None:
    """``-o /dev/null`` (any device or named pipe) is written in place: a temporary file
    renamed onto it would have replaced the device itself. Tried on a FIFO of our own."""
    import stat
    import threading

    saved = tmp_path / "inv.json"
    run("scan", f"sqlite:///{shop_db}", "-f", "json", "-o", str(saved), *RULES)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    code, _, err = run("report", str(saved), "-f", "markdown", "-o", str(fifo))
    reader.join(timeout=30)
    assert code == 0, err
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # still the pipe, not a regular file
    assert b"# Personal data report" in received[0]
    assert not list(tmp_path.glob("pipe.partial*"))


def test_missing_store_extra_is_one_error_line_before_any_model_loads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib.util

    from piiscan.detectors import presidio_detector
    from piiscan.install import install_command

    if importlib.util.find_spec("gcsfs") is not None:
        pytest.skip("gcsfs is installed here")

    def no_model(*_args: object) -> None:
        raise AssertionError("the model was loaded before the missing extra was found")

    monkeypatch.setattr(presidio_detector, "build_engines", no_model)
    code, out, err = run("scan", "gs://bucket/exports", "--no-progress")
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"Error: gs:// sources need an optional dependency: {install_command('gcs')}"
    ]


@pytest.mark.parametrize(("quiet", "lines"), [((), 1), (("-q",), 0)])
def test_q_silences_the_written_to_line(
    shop_db: Path, tmp_path: Path, quiet: tuple[str, ...], lines: int
) -> None:
    out_file = tmp_path / "inv.json"
    code, _, err = run("scan", f"sqlite:///{shop_db}", "-f", "json", "-o", str(out_file),
                       *RULES, *quiet)
    assert code == 0 and out_file.is_file()
    assert len([x for x in err.splitlines() if "written to" in x]) == lines
