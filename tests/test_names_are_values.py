"""Issue 19 item 1: values become names.

A headerless CSV or sheet made its first data row the column names; JSON objects keyed by
e-mail addresses made one field per address; file, folder, archive-member and object
names reached every output raw, and the anonymized copy kept all of them while
verification passed. Here: the header decision and the JSON map rule as tables of cases,
the name scanner on real detectors, and real CLI runs over a tree of planted canaries
(piiscan/testing/canaries.py) whose every artefact - each report format, the ``--state`` file, the
anonymized copy and its manifest, stdout and stderr - is searched for them.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from piiscan.anonymize.plan import Plan
from piiscan.anonymize.runner import verify
from piiscan.config import Config
from piiscan.connectors.readers.flatten import flatten
from piiscan.connectors.readers.headers import cell_kind, header_is_data, is_value_key
from piiscan.name_scan import NAME_FIELD, NameScanner, prepared
from piiscan.policy import load_policy
from piiscan.scanning.scanner import Scanner
from piiscan.testing.canaries import Canaries, leaks

PIISCAN = [str(Path(sys.executable).parent / "piiscan")]
FORMATS = ("json", "table", "csv", "parquet", "markdown", "html")
KEY = "k" * 32


# -- is the first row a header? ----------------------------------------------------------
@pytest.mark.parametrize(("first", "below", "is_data"), [
    # real headers, several languages, over typed data
    (["name", "email", "dob"], [["Ann Lee", "ann@corp-mail.com", "1985-03-02"]], False),
    (["Nachname", "Geburtsdatum", "Betrag"], [["Meier", "02.03.1985", "12,50"]], False),
    (["Apellido", "Fecha de nacimiento", "Edad"], [["García", "1985-03-02", "42"]], False),
    (["nom", "prénom", "code postal"], [["Dupont", "Jean", "75001"]], False),
    (["氏名", "電話番号"], [["山田", "090-1234-5678"]], False),
    # numeric headers: years over amounts
    (["region", "2019", "2020", "2021"], [["north", "120", "98", "131"],
                                          ["south", "80", "77", "90"]], False),
    (["region", "20240131", "20240229"], [["north", "120", "98"]], False),
    (["Revenue (in 1000000)", "Units"], [["12.5", "3"]], False),
    # all-caps codes over codes and numbers
    (["ID", "SKU", "QTY"], [["1", "A-100", "3"], ["2", "B-200", "5"]], False),
    # words over words: kept as the header (its names are then scanned as values)
    (["London", "Paris"], [["Rome", "Oslo"]], False),
    (["id", "email"], [], False),  # a header alone
    # headerless: a cell no header holds
    (["Margaret", "margaret@corp-mail.com"], [["John", "john@corp-mail.com"]], True),
    (["219-73-4999", "Margaret Thornbury"], [], True),
    (["+1 415 867 5309", "mobile"], [], True),
    (["10.1.2.3", "gateway"], [["10.1.2.4", "printer"]], True),
    (["AB1234567", "passport"], [], True),
    # headerless: the first row is shaped like the rows below it
    (["Margaret", "42", "1985-03-02"], [["John", "37", "1990-11-20"]], True),
    (["1985", "Boston"], [["1990", "Paris"], ["1979", "Rome"]], True),
    (["3", "12.50", "2024-01-02"], [["4", "7.25", "2024-01-03"]], True),
])
def test_header_or_data(first: list[str], below: list[list[str]], is_data: bool) -> None:
    assert header_is_data(first, below) is is_data


@pytest.mark.parametrize(("cell", "kind"), [
    ("", "empty"), (None, "empty"), ("email", "text"), ("Date of birth", "text"),
    ("jane.doe@corp-mail.com", "email"), ("219-73-4999", "id"), ("+44 20 7946 0958", "id"),
    ("4111 1111 1111 1111", "id"), ("192.168.0.1", "id"), ("1985-03-02", "date"),
    ("02.03.1985", "date"), ("2024-01-02T10:00:00Z", "date"), ("2019", "year"),
    ("42", "number"), ("1,250.75", "number"), ("Q3 2024", "text"), ("B2B", "text"),
    ("20240131", "date"), ("219734999", "id"), ("AB1234567", "id"),
    ("Revenue (in 1000000)", "text"),
])
def test_cell_kinds(cell: str | None, kind: str) -> None:
    assert cell_kind(cell) == kind


# -- JSON objects keyed by values ----------------------------------------------------------
@pytest.mark.parametrize(("record", "fields"), [
    ({"users": {"a@corp-mail.com": {"plan": "pro"}, "b@corp-mail.com": {"plan": "free"}}},
     {"users{key}": '["a@corp-mail.com", "b@corp-mail.com"]', "users{}.plan": '["pro", "free"]'}),
    ({"jo@corp-mail.com": {"age": 41}}, {"{key}": '["jo@corp-mail.com"]', "{}.age": "[41]"}),
    ({"sales": {"2024-01-02": 3, "2024-01-03": 5, "total": 8}},
     {"sales.total": 8, "sales{key}": '["2024-01-02", "2024-01-03"]', "sales{}": "[3, 5]"}),
    ({"name": "x", "address": {"city": "Oslo"}}, {"name": "x", "address.city": "Oslo"}),
])
def test_value_keys_become_one_field(record: dict, fields: dict) -> None:
    assert flatten(record) == fields


def test_a_map_of_many_keys_is_two_fields_whatever_its_keys() -> None:
    users = {f"user{i}": {"plan": "pro", "seats": i} for i in range(500)}
    assert sorted(flatten({"users": users})) == ["users{key}", "users{}.plan", "users{}.seats"]
    assert [is_value_key(k) for k in ("user1", "42", "jo@corp-mail.com", "plan")] == [
        False, True, True, False]


# -- the name scanner -------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "path", "read"), [
    ("219-73-4999_Margaret_Thornbury.txt", True, "219-73-4999 Margaret Thornbury    "),
    ("jane_doe@corp-mail.com", True, "jane_doe@corp-mail.com"),
    ("Margaret.Thornbury.pdf", True, "Margaret Thornbury    "),
    ("report.2024.1.csv", True, "report 2024.1    "),
    ("US_SSN_3fa9c2d1e4b5_x.csv", True, " " * 20 + "x    "),
    ("first_name", False, "first name"),
])
def test_names_are_read_like_text(name: str, path: bool, read: str) -> None:
    assert prepared(name, path=path) == read


@pytest.fixture(scope="module")
def rules_names() -> NameScanner:
    """The name scanner of a rule-only scan (no NER model): e-mails, SSNs, phones…"""
    return Scanner(Config(spacy_model="none", hash_key=b"k1")).names


@pytest.mark.parametrize(("raw", "shown"), [
    ("hr/219-73-4999_review.txt", "hr/2***9_review.txt"),
    ("jane.doe@corp-mail.com/notes.txt", "j***@corp-mail.com/notes.txt"),
    ("backup.zip/staff/219-73-4999.csv", "backup.zip/staff/2***9.csv"),
    ("exports/2024/people.parquet", "exports/2024/people.parquet"),
    ("US_SSN_3fa9c2d1e4b5/EMAIL_ADDRESS_0c1d2e3f4a5b.csv",
     "US_SSN_3fa9c2d1e4b5/EMAIL_ADDRESS_0c1d2e3f4a5b.csv"),  # pseudonym tokens: no value
])
def test_asset_names_mask_the_detected_spans_only(rules_names: NameScanner, raw: str,
                                                   shown: str) -> None:
    named = rules_names.path(raw)
    assert named.display == shown
    assert named.personal is (raw != shown)


def test_hashed_names_are_keyed_and_deterministic(rules_names: NameScanner) -> None:
    def hashed(key: bytes) -> str:
        names = Scanner(Config(spacy_model="none", evidence="hash", hash_key=key)).names
        return names.path("hr/219-73-4999_review.txt").display

    first = hashed(b"key-1")
    assert first == hashed(b"key-1") != hashed(b"key-2")
    assert first.startswith("hr/#") and first.endswith("_review.txt")
    assert "219" not in first
    none = Scanner(Config(spacy_model="none", evidence="none")).names
    assert none.path("hr/219-73-4999_review.txt").display == "hr/***_review.txt"


@pytest.mark.ner
@pytest.mark.parametrize(("field", "personal"), [
    # labels, several languages: never a person or a place
    ("first_name", False), ("Nachname", False), ("Fecha de nacimiento", False),
    ("Apellido", False), ("Date of birth", False), ("customer id", False),
    ("Straße", False), ("London", False), ("items[].sku", False), ("users{key}", False),
    # values
    ("Margaret Thornbury", True), ("people.Margaret Thornbury.age", True),
    ("jo@corp-mail.com", True), ("219-73-4999", True),
])
def test_field_names_holding_values(spacy_model: str, field: str, personal: bool) -> None:
    names = _ner_names(spacy_model)
    assert names.field(field).personal is personal, names.field(field)


_NER: dict[str, NameScanner] = {}


def _ner_names(model: str) -> NameScanner:
    if model not in _NER:
        _NER[model] = Scanner(Config(spacy_model=model, hash_key=b"k")).names
    return _NER[model]


# -- canaries through every output ------------------------------------------------------------
def plant(root: Path, c: Canaries) -> dict[str, str]:
    """A tree whose names and first rows hold canaries; returns what a test looks for."""
    root.mkdir(parents=True)
    first, last = c.name(0).split(" ")
    c.custom(last)
    rows = [(c.name(i), c.ssn(i), c.email(i)) for i in range(1, 6)]
    # a headerless CSV: its first row is data
    (root / "contacts.csv").write_text("".join(f"{n},{s},{e}\n" for n, s, e in rows))
    # JSON keyed by e-mail addresses, and a key that is a person's name
    (root / "accounts.json").write_text(json.dumps({
        "accounts": {c.email(10): {"plan": "pro"}, c.email(11): {"plan": "free"}},
        c.name(12): {"age": 41},
    }))
    # a header row of words whose names hold a person (kept as the header: the name
    # scan masks it, the copy rewrites it), and a Parquet column named by an address
    (root / "teams.csv").write_text(
        f"{c.name(50)},office\n" + "".join(f"{w},{o}\n" for w, o in [("sales", "north"),
                                                                    ("legal", "south")]))
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({c.email(51): ["pro", "free"], "seats": [3, 5]}),
                   root / "plans.parquet")
    # a file and a folder named after people
    (root / "hr").mkdir()
    (root / "hr" / f"{c.ssn(20)}_{first}_{last}.txt").write_text("quarterly review: fine\n")
    (root / c.email(21)).mkdir()
    (root / c.email(21) / "notes.txt").write_text("nothing personal here\n")
    # an archive member
    with zipfile.ZipFile(root / "backup.zip", "w") as zf:
        zf.writestr(f"staff/{c.ssn(30)}.csv", "team,floor\nsales,3\n")
    # an unreadable file named by a value: an error in the scan, skipped by the copy
    (root / f"{c.ssn(60)}.pdf").write_bytes(b"%PDF-1.4 not really")
    # a headerless worksheet
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in [(c.name(40), c.ssn(40), c.email(40)), (c.name(41), c.ssn(41), c.email(41))]:
        ws.append(row)
    wb.save(root / "sheet.xlsx")
    return {"last": last}


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run([*PIISCAN, *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})


@pytest.mark.ner
def test_names_and_first_rows_never_reach_an_output(tmp_path: Path, spacy_model: str) -> None:
    c = Canaries()
    src, out = tmp_path / "src", tmp_path / "out"
    plant(src, c)
    out.mkdir()
    model = ("--spacy-model", spacy_model)
    texts: list[str] = []
    scans = [
        run("scan", str(src), *model, "--format", "json", "--output", str(out / "scan.json"),
            "--state", str(out / "state.db"), "--progress", "-vv"),
        run("scan", str(src), *model, "--format", "json", "--output", str(out / "again.json"),
            "--state", str(out / "state.db"), "--progress"),  # carried over from the state
        run("scan", str(src), *model, "--format", "table"),
    ]
    for fmt in FORMATS:
        scans.append(run("report", str(out / "scan.json"), "--format", fmt,
                         "--output", str(out / f"report.{fmt}")))
    anon = run("anonymize", str(src), "--to", str(out / "copy"), *model, "-v", "--progress",
               env={"PIISCAN_ANON_KEY": KEY})
    for done in [*scans, anon]:
        texts += [done.stdout, done.stderr]
    assert [s.returncode for s in scans] == [0] * len(scans), [s.stderr for s in scans]
    assert anon.returncode == 0, anon.stderr

    assert leaks(c.all, texts=texts, paths=[out]) == []

    # ...and the names were read as what they hold, not dropped
    inventory = json.loads((out / "scan.json").read_text())
    assets = {a["asset"]: a for a in inventory["assets"]}
    named = {name: {e["type"] for f in a["fields"] if f["name"] == NAME_FIELD
                    for e in f["entities"]} for name, a in assets.items()}
    in_hr = set().union(*(v for k, v in named.items() if k.startswith("hr/")))
    assert {"US_SSN", "PERSON"} <= in_hr
    assert any(v == {"EMAIL_ADDRESS"} for k, v in named.items() if k.endswith("/notes.txt"))
    assert any("US_SSN" in v for k, v in named.items() if k.startswith("backup.zip/"))
    assert "PERSON" in named["accounts.json"]
    contacts = {f["name"]: f for f in assets["contacts.csv"]["fields"]}
    assert sorted(contacts) == ["column_1", "column_2", "column_3"]
    assert contacts["column_2"]["entities"][0]["counts"]["sampled"] == 5  # the first row too
    assert any(n.startswith("no header row") for n in assets["contacts.csv"]["notes"])
    assert [e["asset"] for e in inventory["errors"]] == ["2***" + c.ssn(60)[-1] + ".pdf"]
    sheet = next(a for k, a in assets.items() if k.startswith("sheet.xlsx/"))
    assert [f["name"] for f in sheet["fields"]] == ["column_1", "column_2", "column_3"]
    accounts = {f["name"]: f for f in assets["accounts.json"]["fields"]}
    assert [e["type"] for e in accounts["accounts{key}"]["entities"]] == ["EMAIL_ADDRESS"]

    # the copy: names renamed, keys and first row transformed, verified, counted
    manifest = json.loads((out / "copy.manifest.json").read_text())
    assert manifest["verification"]["passed"] is True
    assert manifest["names_rewritten"]["paths"] == 2
    assert manifest["names_rewritten"]["fields"] >= 1
    copied = sorted(p.relative_to(out / "copy").as_posix()
                    for p in (out / "copy").rglob("*") if p.is_file())
    assert "contacts.csv" in copied and "accounts.json" in copied
    assert any(p.startswith("hr/US_SSN_") and p.endswith(".txt") for p in copied), copied
    assert any(p.startswith("EMAIL_ADDRESS_") and p.endswith("/notes.txt") for p in copied)
    assert len((out / "copy" / "contacts.csv").read_text().splitlines()) == 5  # no header
    teams = (out / "copy" / "teams.csv").read_text().splitlines()
    assert teams[0].endswith(",office") and teams[1:] == ["sales,north", "legal,south"]
    import pyarrow.parquet as pq

    assert pq.read_schema(out / "copy" / "plans.parquet").names[1] == "seats"


@pytest.mark.ner
def test_verification_fails_when_a_name_in_the_copy_holds_personal_data(
        tmp_path: Path, spacy_model: str) -> None:
    c = Canaries()
    copy = tmp_path / "copy"
    (copy / "hr").mkdir(parents=True)
    (copy / "hr" / f"{c.ssn()}_{c.name().replace(' ', '_')}.txt").write_text("fine\n")
    (copy / "clean.json").write_text(json.dumps({c.email(): {"plan": "pro"}}))
    config = Config(spacy_model=spacy_model, hash_key=b"k")
    result = verify(str(copy), config, load_policy(None), Plan(), "high")
    assert not result.passed
    leaked = {(leak["asset"].split("/")[0], leak["field"]) for leak in result.leaks}
    assert ("hr", NAME_FIELD) in leaked
    assert ("clean.json", "{key}") in leaked
    assert leaks(c.all, texts=[json.dumps(result.to_dict())]) == []


def test_s3_keys_are_masked_in_every_output(tmp_path: Path, s3_bucket, s3_env: str) -> None:
    c = Canaries()
    bucket, _client = s3_bucket({
        f"hr/{c.ssn()}_review.csv": b"team,floor\nsales,3\n",
        f"{c.email()}/notes.txt": b"nothing personal here\n",
    })
    out = tmp_path / "out"
    out.mkdir()
    common = ("--spacy-model", "none", "--endpoint-url", s3_env)
    texts = []
    for fmt in FORMATS:
        done = run("scan", f"s3://{bucket}", *common, "--format", fmt,
                   "--output", str(out / f"scan.{fmt}"), "--state", str(out / "state.db"),
                   "--progress", "-vv", env={"PIISCAN_HASH_KEY": "h" * 32})
        assert done.returncode == 0, done.stderr
        texts += [done.stdout, done.stderr]
    assert leaks(c.all, texts=texts, paths=[out]) == []
    inventory = json.loads((out / "scan.json").read_text())
    assert sorted(a["asset"] for a in inventory["assets"]) == [
        "c***@corp-mail.com/notes.txt", "hr/2***" + c.ssn()[-1] + "_review.csv"]


def test_database_names_holding_values_are_masked_and_the_copy_refused(
        tmp_path: Path) -> None:
    c = Canaries()
    db = tmp_path / "crm.db"
    with sqlite3.connect(db) as conn:
        conn.execute(f'CREATE TABLE "{c.email()}" (id INTEGER PRIMARY KEY, "{c.ssn()}" TEXT)')
        conn.execute(f'INSERT INTO "{c.email()}" VALUES (1, \'x\')')
        conn.execute("CREATE TABLE plain (id INTEGER PRIMARY KEY, note TEXT)")
    conn.close()
    out = tmp_path / "out"
    out.mkdir()
    scan = run("scan", f"sqlite:///{db}", "--spacy-model", "none", "--format", "json",
               "--output", str(out / "scan.json"), "--state", str(out / "state.db"))
    anon = run("anonymize", f"sqlite:///{db}", "--to", str(out / "copy.db"),
               "--spacy-model", "none", "--allow-rule-only", env={"PIISCAN_ANON_KEY": KEY})
    assert scan.returncode == 0, scan.stderr
    assert anon.returncode == 2 and "table or column names hold personal data" in anon.stderr
    assert not (out / "copy.db").exists()
    assert leaks(c.all, texts=[scan.stdout, scan.stderr, anon.stdout, anon.stderr],
                 paths=[out]) == []
    [asset] = [a for a in json.loads((out / "scan.json").read_text())["assets"]
               if a["asset"] != "plain"]
    name_field = next(f for f in asset["fields"] if f["name"] == NAME_FIELD)
    assert {e["type"] for e in name_field["entities"]} == {"EMAIL_ADDRESS", "US_SSN"}


def test_state_keeps_no_masked_name_it_could_confuse(tmp_path: Path) -> None:
    """Masked names may coincide: without a hash key an asset named by a value is not kept
    in the state file (it is rescanned); with one, under a keyed fingerprint."""
    c = Canaries()
    src = tmp_path / "src"
    src.mkdir()
    (src / f"{c.ssn(1)}.csv").write_text("team\nsales\n")
    (src / "plain.csv").write_text("team\nsales\n")

    def recorded(key: bytes | None) -> list[str]:
        state = tmp_path / f"state-{bool(key)}.db"
        scanner = Scanner(Config(spacy_model="none", state_path=str(state), hash_key=key))
        scanner.scan([str(src)])
        scanner.close()
        conn = sqlite3.connect(state)
        rows = [r[0] for r in conn.execute("SELECT asset FROM objects ORDER BY asset")]
        conn.close()
        return rows

    assert recorded(None) == ["plain.csv"]
    assert recorded(b"key") == ["2***" + c.ssn(1)[-1] + ".csv", "plain.csv"]
    assert leaks(c.all, paths=[tmp_path / "state-True.db", tmp_path / "state-False.db"]) == []


def test_an_unreadable_asset_named_by_a_value_is_reported_masked(tmp_path: Path) -> None:
    c = Canaries()
    (tmp_path / f"{c.ssn()}.json").write_text("{not json")
    inventory = Scanner(Config(spacy_model="none")).scan([str(tmp_path)])
    [error] = inventory.errors
    assert error.asset == "2***" + c.ssn()[-1] + ".json"
    assert leaks(c.all, texts=[json.dumps(inventory.to_dict())]) == []



def test_a_name_the_detectors_fail_on_is_masked_whole() -> None:
    """A broken detector must not let names through: the part is masked, not reported."""
    def broken(texts: list[str], field: str | None) -> list:
        raise RuntimeError("backend down")

    from piiscan.masking import EvidenceEncoder

    names = NameScanner(broken, load_policy(None), EvidenceEncoder("masked"))
    named = names.path("hr/219-73-4999_review.txt")
    assert named.display == "***/***"
    assert named.personal and "219-73-4999_review.txt" in named.secrets
    masked = names.apply([], named)
    assert masked.fields == []  # nothing found, nothing claimed
    assert masked.notes == ["name not checked for personal data (a detector failed): shown masked"]
