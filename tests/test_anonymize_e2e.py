"""End to end: `piiscan anonymize` on realistic data, verified by a re-scan.

The data (tests/anon_data.py) uses real-looking domains, phones, SSNs and cards, so the
verification passing on the copy — and failing when a policy keeps e-mails — shows the
operators replaced them.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import spacy
from anon_data import build_database, build_files
from click.testing import CliRunner

from piiscan.anonymize.keys import Keyring
from piiscan.anonymize.runner import anonymize, deanonymize
from piiscan.cli import cli
from piiscan.config import Config
from piiscan.detection import FREE_TEXT_NOT_VERIFIED
from piiscan.detectors import nlp

KEY = "k" * 32


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("anon-src")
    build_database(root / "shop.db")
    build_files(root / "files")
    return root


@pytest.fixture(scope="module")
def config(spacy_model: str) -> Config:
    return Config(spacy_model=spacy_model, progress=False)


def digest(path: Path) -> str:
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    return hashlib.sha256(b"".join(
        p.relative_to(path).as_posix().encode() + p.read_bytes()
        for p in sorted(path.rglob("*")) if p.is_file())).hexdigest()


def raw_values(db: Path) -> list[str]:
    con = sqlite3.connect(db)
    rows = con.execute("SELECT full_name, email, phone, ssn, card_number FROM customers").fetchall()
    con.close()
    return [v for r in rows for v in r]


def all_bytes(path: Path) -> bytes:
    return path.read_bytes() if path.is_file() else b"".join(
        p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file())


@pytest.fixture(scope="module")
def shop_result(data: Path, config: Config, tmp_path_factory: pytest.TempPathFactory):
    before = digest(data / "shop.db")
    out = tmp_path_factory.mktemp("anon-out") / "shop-anon.db"
    result = anonymize(f"sqlite:///{data / 'shop.db'}", str(out), config, Keyring(KEY))
    assert digest(data / "shop.db") == before, "the source was modified"
    return out, result


@pytest.mark.ner
def test_database_copy_keeps_schema_rows_and_joins(data: Path, shop_result) -> None:
    out, result = shop_result
    assert result.exit_code == 0, result.manifest
    src, dst = sqlite3.connect(data / "shop.db"), sqlite3.connect(out)
    schema = "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name"
    assert [n for n, _ in dst.execute(schema)] == [n for n, _ in src.execute(schema)]
    for table in ("customers", "orders", "tickets", "products"):
        count = f"SELECT COUNT(*) FROM {table}"
        assert dst.execute(count).fetchone() == src.execute(count).fetchone()
        cols = f"PRAGMA table_info({table})"
        assert dst.execute(cols).fetchall() == src.execute(cols).fetchall()
        fks = f"PRAGMA foreign_key_list({table})"
        assert dst.execute(fks).fetchall() == src.execute(fks).fetchall()
    join_on_id = ("SELECT COUNT(*) FROM orders o JOIN customers c "
                  "ON c.customer_id = o.customer_id")
    join_on_email = "SELECT COUNT(*) FROM orders o JOIN customers c ON c.email = o.customer_email"
    assert dst.execute(join_on_id).fetchone() == src.execute(join_on_id).fetchone()
    assert dst.execute(join_on_email).fetchone() == src.execute(join_on_email).fetchone()
    assert dst.execute("PRAGMA foreign_key_check").fetchall() == []
    # types kept: a date stays an ISO date, numbers stay numbers
    dob, limit = dst.execute("SELECT date_of_birth, credit_limit FROM customers").fetchone()
    assert len(dob) == 10 and dob.endswith("-01-01")
    assert isinstance(limit, float)


@pytest.mark.ner
def test_database_copy_holds_no_source_value_and_passes_verification(data: Path,
                                                                      shop_result) -> None:
    out, result = shop_result
    body = all_bytes(out)
    leaked = [v for v in raw_values(data / "shop.db") if v.encode() in body]
    assert leaked == []
    assert result.verification is not None and result.verification.passed
    manifest = result.manifest_path.read_bytes()
    assert not [v for v in raw_values(data / "shop.db") if v.encode() in manifest]
    assert KEY.encode() not in manifest
    fields = {(a["asset"], f["field"]): f["operator"]
              for a in result.manifest["assets"] for f in a["fields"]}
    assert fields[("customers", "email")] == fields[("orders", "customer_email")] == "pseudonym"
    assert fields[("customers", "card_number")] == "surrogate"
    assert fields[("customers", "date_of_birth")] == "generalize"
    assert result.manifest["assets"][0]["rows_in"] == result.manifest["assets"][0]["rows_out"]


@pytest.mark.ner
def test_file_tree_copy_keeps_formats_and_passes_verification(
        data: Path, config: Config, tmp_path: Path) -> None:
    src = data / "files"
    before = digest(src)
    out = tmp_path / "files-anon"
    result = anonymize(str(src), str(out), config, Keyring(KEY))
    assert digest(src) == before
    assert result.exit_code == 0, result.verification
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in src.iterdir())
    assert pq.read_schema(out / "spend.parquet") == pq.read_schema(src / "spend.parquet")
    assert (out / "app.log").read_text().count("\n") == (src / "app.log").read_text().count("\n")
    with (src / "customers.csv").open() as a, (out / "customers.csv").open() as b:
        src_rows, out_rows = list(csv.DictReader(a)), list(csv.DictReader(b))
    assert len(src_rows) == len(out_rows)
    assert [r["id"] for r in src_rows] == [r["id"] for r in out_rows]
    source_values = [r[k] for r in src_rows for k in ("name", "email", "phone", "card")]
    body = all_bytes(out)
    assert [v for v in source_values if v.encode() in body] == []
    # the same e-mail gets the same pseudonym in the CSV, the JSONL and the Parquet file
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    assert out_rows[0]["email"].endswith("@example.com")
    spend = pq.read_table(out / "spend.parquet").column("email").to_pylist()
    assert {r["email"] for r in out_rows} & {e["user"]["email"] for e in events}
    assert {r["email"] for r in out_rows} & set(spend)
    # free text: only the spans changed, the rest of each line kept
    first = (out / "app.log").read_text().splitlines()[0]
    assert first.startswith("2024-05-01 INFO password reset requested by user-")


@pytest.mark.ner
def test_verification_fails_when_the_policy_keeps_emails(
        data: Path, config: Config, tmp_path: Path) -> None:
    policy = tmp_path / "keep-emails.yaml"
    policy.write_text("anonymization:\n  entities:\n    EMAIL_ADDRESS: {operator: keep}\n")
    result = anonymize(str(data / "files"), str(tmp_path / "out"),
                       Config(spacy_model=config.spacy_model, policy_path=str(policy)),
                       Keyring(KEY))
    assert result.exit_code == 1
    left = {(leak["asset"], leak["field"]) for leak in result.verification.leaks}
    assert ("customers.csv", "email") in left


def test_same_key_same_output_other_key_other_output(data: Path, tmp_path: Path) -> None:
    rules = Config(spacy_model="none")
    outs = []
    for i, key in enumerate((KEY, KEY, "z" * 32)):
        out = tmp_path / f"o{i}"
        anonymize(str(data / "files" / "customers.csv"), str(out / "c.csv"), rules,
                  Keyring(key), verify_level=None)
        outs.append((out / "c.csv").read_bytes())
    assert outs[0] == outs[1]
    assert outs[0] != outs[2]


def test_encrypted_fields_are_restored_by_deanonymize(data: Path, tmp_path: Path) -> None:
    policy = tmp_path / "encrypt.yaml"
    policy.write_text("anonymization:\n  entities:\n    EMAIL_ADDRESS: {operator: encrypt}\n")
    cfg = Config(spacy_model="none", policy_path=str(policy))
    src = data / "files" / "customers.csv"
    anon = tmp_path / "anon" / "customers.csv"
    result = anonymize(str(src), str(anon), cfg, Keyring(KEY), verify_level=None)
    assert b"@gmail.com" not in anon.read_bytes()
    restored = tmp_path / "restored" / "customers.csv"
    deanonymize(str(anon), str(restored), result.manifest_path, Keyring(KEY), cfg)
    with src.open() as a, restored.open() as b:
        assert [r["email"] for r in csv.DictReader(a)] == [r["email"] for r in csv.DictReader(b)]
    with pytest.raises(Exception, match="not the one"):
        deanonymize(str(anon), str(tmp_path / "r2.csv"), result.manifest_path,
                    Keyring("w" * 32), cfg)


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("case", ["no key", "target inside source", "target exists"])
def test_cli_usage_errors_exit_2(case: str, data: Path, tmp_path: Path) -> None:
    src = data / "files"
    target, env = tmp_path / "t", {"PIISCAN_ANON_KEY": KEY}
    if case == "no key":
        env = {"PIISCAN_ANON_KEY": ""}
    elif case == "target inside source":
        target = src / "anon"
    else:
        target.mkdir()
    code, _out, err = invoke("anonymize", str(src), "--to", str(target), "--spacy-model",
                             "none", "--no-progress", env=env)
    assert code == 2, err
    assert err.startswith("Error:")
    assert not (src / "anon").exists()


def test_cli_generate_key_and_summary(data: Path, tmp_path: Path) -> None:
    code, key, _ = invoke("anonymize", "--generate-key")
    assert code == 0 and len(key.strip()) >= 32
    code, out, err = invoke("anonymize", str(data / "files" / "customers.csv"), "--to",
                            str(tmp_path / "c.csv"), "--spacy-model", "none", "--no-progress",
                            env={"PIISCAN_ANON_KEY": key.strip()})
    assert code == 0, err
    assert "1 asset(s) written" in out and "verification passed" in out
    assert json.loads((tmp_path / "c.csv.manifest.json").read_text())["assets"][0]["rows_out"] \
        == 80


@pytest.mark.postgres
def test_sqlite_to_postgres_and_back(data: Path, tmp_path: Path,
                                     pg_database) -> None:
    rules = Config(spacy_model="none")
    pg = pg_database()
    there = anonymize(f"sqlite:///{data / 'shop.db'}", pg, rules, Keyring(KEY),
                      manifest_path=tmp_path / "m1.json")
    assert there.exit_code == 0, (there.report.failed, there.verification)
    back = tmp_path / "back.db"
    again = anonymize(pg, str(back), rules, Keyring(KEY), manifest_path=tmp_path / "m2.json")
    assert again.exit_code == 0, (again.report.failed, again.verification)
    src, dst = sqlite3.connect(data / "shop.db"), sqlite3.connect(back)
    for table in ("customers", "orders", "tickets", "products"):
        count = f"SELECT COUNT(*) FROM {table}"
        assert dst.execute(count).fetchone() == src.execute(count).fetchone()
    join = "SELECT COUNT(*) FROM orders o JOIN customers c ON c.email = o.customer_email"
    assert dst.execute(join).fetchone() == src.execute(join).fetchone()
    leaked = [v for v in raw_values(data / "shop.db")[1::5] if v.encode() in back.read_bytes()]
    assert leaked == []


# -- free text needs a model; verification says what it could see -----------------------
NO_MODEL_INSTALLED = not any(spacy.util.is_package(n) for n in nlp.INSTALLED_CANDIDATES)
NO_MODEL = {"PIISCAN_ANON_KEY": KEY, "PIISCAN_SPACY_MODEL": ""}


def ticket_names(db: Path) -> list[str]:
    con = sqlite3.connect(db)
    names = [r[0] for r in con.execute(
        "SELECT DISTINCT c.full_name FROM tickets t JOIN customers c USING (customer_id)")]
    con.close()
    return names


@pytest.mark.skipif(not NO_MODEL_INSTALLED, reason="an en_core_web pipeline is installed")
@pytest.mark.parametrize("plan_from", ["scan", "inventory"])
def test_free_text_without_a_model_is_refused_before_anything_is_written(
        plan_from: str, data: Path, tmp_path: Path) -> None:
    db = data / "shop.db"
    extra: list[str] = []
    if plan_from == "inventory":  # a rule-only inventory: its free_text flags decide
        inv = tmp_path / "inv.json"
        code, _, err = invoke("scan", f"sqlite:///{db}", "--spacy-model", "none", "-f", "json",
                              "-o", str(inv), "--no-progress")
        assert code == 0, err
        extra = ["--inventory", str(inv)]
    target = tmp_path / "anon.db"
    code, out, err = invoke("anonymize", f"sqlite:///{db}", "--to", str(target),
                            "--no-progress", *extra, env=NO_MODEL)
    assert code == 2, err
    errors = [line for line in err.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1
    assert "tickets.body" in errors[0]
    for fix in ("python -m spacy download en_core_web_lg", "en_core_web_sm",
                "--spacy-model PATH", "--allow-rule-only"):
        assert fix in errors[0]
    assert not [n for n in ticket_names(db) if n in err + out]
    assert not target.exists() and not Path(f"{target}.manifest.json").exists()


@pytest.mark.parametrize("opt_in", [["--allow-rule-only"], ["--spacy-model", "none"]],
                         ids=["allow-rule-only", "spacy-model-none"])
def test_rule_only_opt_in_says_free_text_is_not_verified(
        opt_in: list[str], data: Path, tmp_path: Path) -> None:
    target = tmp_path / "anon.db"
    code, out, err = invoke("anonymize", f"sqlite:///{data / 'shop.db'}", "--to", str(target),
                            "--no-progress", *opt_in, env=NO_MODEL)
    assert code in (0, 1), err
    closing = [line for line in out.splitlines() if line.startswith("verification")]
    assert len(closing) == 1
    assert f"rule-only: {FREE_TEXT_NOT_VERIFIED}" in closing[0]
    assert "sampled 2000 rows per table" in closing[0]
    manifest = json.loads(Path(f"{target}.manifest.json").read_text())
    assert FREE_TEXT_NOT_VERIFIED in manifest["verification"]["limits"]
    assert manifest["verification"]["detection"]["mode"] == "rule-only"
    assert any(FREE_TEXT_NOT_VERIFIED in w and "tickets.body" in w for w in manifest["warnings"])
    assert f"warning: {FREE_TEXT_NOT_VERIFIED}" in err


@pytest.mark.parametrize(
    ("policy", "passes"),
    [
        ("DATE_OF_BIRTH: {operator: date_shift, max_days: 30}", False),  # still birth dates
        ("DATE_OF_BIRTH: {operator: redact}", None),
    ],
    ids=["date-shift", "redact"],
)
def test_verification_passes_exactly_when_scan_fail_on_would(
        policy: str, passes: bool | None, data: Path, tmp_path: Path) -> None:
    rules = tmp_path / "policy.yaml"
    rules.write_text(f"anonymization:\n  entities:\n    {policy}\n")
    target = tmp_path / "anon.db"
    code, out, err = invoke("anonymize", f"sqlite:///{data / 'shop.db'}", "--to", str(target),
                            "--policy", str(rules), "--spacy-model", "none", "--no-progress",
                            env={"PIISCAN_ANON_KEY": KEY})
    assert code in (0, 1), err
    passed = "verification passed" in out
    manifest = json.loads(Path(f"{target}.manifest.json").read_text())
    assert manifest["verification"]["passed"] is passed
    assert "accepted" not in manifest["verification"]
    if passes is not None:
        assert passed is passes
    if "date_shift" in policy:
        left = [leak for leak in manifest["verification"]["leaks"]
                if (leak["asset"], leak["field"]) == ("customers", "date_of_birth")]
        assert left and left[0]["operator"] == "date_shift"
        assert ("LEFT: customers.date_of_birth (high: DATE_OF_BIRTH) kept by date_shift - "
                "choose a coarser operator or --verify-level very_high") in err
    rescan, _, _ = invoke("scan", f"sqlite:///{target}", "--fail-on", "high", "--policy",
                          str(rules), "--spacy-model", "none", "--no-progress", "-f", "json")
    assert (rescan == 0) is passed


@pytest.mark.parametrize(("full", "sampled"), [(False, 50), (True, None)])
def test_verification_records_its_sampling(
        full: bool, sampled: int | None, data: Path, tmp_path: Path) -> None:
    cfg = Config(spacy_model="none", sample_rows=50, progress=False)
    result = anonymize(f"sqlite:///{data / 'shop.db'}", str(tmp_path / "a.db"), cfg,
                       Keyring(KEY), verify_full=full)
    v = result.verification
    assert v is not None and v.sampled_rows == sampled
    assert result.manifest["verification"]["sampled_rows"] == sampled
    assert ("sampled 50 rows per table" in v.limits) is not full
    assert result.manifest["verification"]["detection"]["mode"] == "rule-only"
