"""Issue 19 item 3: structured values inside cells are scanned, anonymized and verified.

JSON in a text or ``jsonb`` column is read as fields (``profile.contact.email``) like a
JSON file's records; binary cells are sniffed (text is read, images are reported as not
examined and never copied); a column where only a few cells hold personal data is
reported with its share and anonymized value by value; a CHECK constraint's literal is
not copied into the copy's schema, and the verification reads the schema too. Every
byte of the copy and its manifest is searched for the planted canaries."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from piiscan.anonymize.keys import Keyring
from piiscan.anonymize.plan import Plan
from piiscan.anonymize.runner import anonymize, verify
from piiscan.config import Config
from piiscan.policy import load_policy
from piiscan.scanning.scanner import Scanner
from piiscan.testing.canaries import Canaries, leaks

ROWS = 400
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
CONFIG = Config(spacy_model="none", progress=False)


def build(path: Path, c: Canaries) -> None:
    ssn = c.ssn(99)  # only in the CHECK constraint
    conn = sqlite3.connect(path)
    conn.execute(f"""CREATE TABLE people (id INTEGER PRIMARY KEY, profile TEXT, doc BLOB,
                     photo BLOB, contact TEXT, code TEXT CHECK (code <> '{ssn}'))""")
    rows = []
    for i in range(ROWS):
        profile = json.dumps({"contact": {"email": c.email(i)}, "ids": {"ssn": c.ssn(i)},
                              "tags": ["vip"], "n": i})
        doc = f"Contact {c.email(1000 + i)} for the invoice.".encode()
        contact = c.email(2000 + i) if i % 20 == 0 else f"ORD-{100000 + 7 * i}"
        rows.append((i, profile, doc, PNG, contact, f"C{i}"))
    conn.executemany("INSERT INTO people VALUES (?, ?, ?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Canaries]:
    c = Canaries()
    path = tmp_path_factory.mktemp("cells") / "shop.db"
    build(path, c)
    return path, c


def test_scan_reads_json_paths_text_blobs_images_and_minorities(
    planted: tuple[Path, Canaries]
) -> None:
    path, c = planted
    inventory = Scanner(CONFIG).scan([f"sqlite:///{path}"])
    (people,) = inventory.assets
    fields = {f.name: f for f in people.fields}
    assert "profile" not in fields  # every cell was JSON: read as its paths
    assert {e.type for e in fields["profile.contact.email"].entities} == {"EMAIL_ADDRESS"}
    assert {e.type for e in fields["profile.ids.ssn"].entities} == {"US_SSN"}
    assert fields["profile.n"].status == "none_found"
    assert {e.type for e in fields["doc"].entities} == {"EMAIL_ADDRESS"}
    assert fields["photo"].status == "not_scanned" and fields["photo"].nulls == 0
    (minority,) = fields["contact"].entities
    assert (minority.type, minority.minority) == ("EMAIL_ADDRESS", True)
    assert 0 < minority.share < 0.2 and fields["contact"].status == "personal"
    notes = "\n".join(people.notes)
    assert "column profile: 400 JSON value(s) read as fields profile.*" in notes
    assert "column photo: 400 binary value(s) not examined (PNG image 400)" in notes
    assert "field contact: EMAIL_ADDRESS in a minority of its values" in notes
    assert leaks(c.all, texts=[json.dumps(inventory.to_dict())]) == []


def test_anonymized_copy_holds_no_planted_value(planted: tuple[Path, Canaries],
                                                tmp_path: Path) -> None:
    path, c = planted
    out = tmp_path / "copy.db"
    result = anonymize(f"sqlite:///{path}", str(out), CONFIG, Keyring("k" * 32),
                       allow_rule_only=True, verify_full=True)
    assert result.verification is not None and result.verification.passed, result.manifest
    assert leaks(c.all, paths=[out, result.manifest_path]) == []
    conn = sqlite3.connect(out)
    rows = conn.execute("SELECT profile, doc, photo, contact FROM people ORDER BY id").fetchall()
    schema = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'people'").fetchone()[0]
    conn.close()
    profile = json.loads(rows[0][0])
    assert profile["tags"] == ["vip"] and profile["n"] == 0  # the document's shape is kept
    assert profile["contact"]["email"].endswith("@example.com")
    assert isinstance(rows[0][1], bytes) and b"for the invoice" in rows[0][1]
    assert {r[2] for r in rows} == {None}  # images are never copied unexamined
    assert rows[1][3] == "ORD-100007"  # the minority column keeps its other values
    assert rows[0][3].endswith("@example.com")
    assert "CHECK" not in schema.upper()
    notes = "\n".join(result.manifest["assets"][0]["notes"])
    assert "check constraint not copied" in notes
    assert "binary value(s) not copied, written as NULL (PNG image 400)" in notes
    fields = {f["field"]: f for f in result.manifest["assets"][0]["fields"]}
    assert fields["contact"]["mode"] == "text"
    assert fields["profile.contact.email"]["values_changed"] == ROWS


def test_verification_reads_the_schema(tmp_path: Path) -> None:
    c = Canaries()
    copy = tmp_path / "copy.db"
    conn = sqlite3.connect(copy)
    conn.execute(f"CREATE TABLE t (id INTEGER, code TEXT CHECK (code <> '{c.ssn()}'), "
                 f"mail TEXT DEFAULT '{c.email()}')")
    conn.commit()
    conn.close()
    result = verify(str(copy), CONFIG, load_policy(None), Plan(), "high")
    schema = [leak for leak in result.leaks if leak["field"] == "(schema)"]
    assert {(leak["notes"][0], tuple(leak["entities"])) for leak in schema} == {
        ("check constraint holds personal data", ("US_SSN",)),
        ("column default holds personal data", ("EMAIL_ADDRESS",)),
    }
    assert not result.passed
    assert leaks(c.all, texts=[json.dumps(result.to_dict())]) == []


@pytest.mark.postgres
def test_postgres_jsonb_and_bytea(pg_database, tmp_path: Path) -> None:
    c = Canaries()
    values = ", ".join(
        f"({i}, '{json.dumps({'who': {'email': c.email(i)}, 'n': i})}'::jsonb, "
        f"convert_to('mail {c.email(500 + i)} please', 'UTF8'))"
        for i in range(60))
    url = pg_database("CREATE TABLE t (id integer PRIMARY KEY, data jsonb, note bytea);"
                      f"INSERT INTO t VALUES {values};")
    inventory = Scanner(CONFIG).scan([url])
    fields = {f.name: f for f in inventory.assets[0].fields}
    assert {e.type for e in fields["data.who.email"].entities} == {"EMAIL_ADDRESS"}
    assert {e.type for e in fields["note"].entities} == {"EMAIL_ADDRESS"}
    out = tmp_path / "copy.db"
    result = anonymize(url, str(out), CONFIG, Keyring("k" * 32), allow_rule_only=True)
    assert result.verification is not None and result.verification.passed, result.manifest
    assert leaks(c.all, paths=[out, result.manifest_path]) == []
    engine = sa.create_engine(f"sqlite:///{out}")
    with engine.connect() as conn:
        data = conn.execute(sa.text("SELECT data FROM t WHERE id = 3")).scalar()
    engine.dispose()
    assert json.loads(data)["n"] == 3
