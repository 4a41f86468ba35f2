"""A default scan sets reserved/test values aside and counts them; pseudonym tokens never
match a detector, in any mode; the demo counts its reserved-range data as real."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from piiscan.cli import cli
from piiscan.config import Config
from piiscan.demo import RESERVED_NOTE
from piiscan.scanning.scanner import Scanner

EMAILS = [f"person{i}@example.com" for i in range(12)]
PHONES = [f"(212) 555-01{i:02d}" for i in range(12)]
RULES = ("--spacy-model", "none", "--no-progress")


@pytest.fixture
def test_db(tmp_path: Path) -> Path:
    path = tmp_path / "fixtures.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (email TEXT, phone TEXT, sku TEXT)")
        conn.executemany(
            "INSERT INTO customers VALUES (?, ?, ?)",
            [(e, p, f"SKU-{i:05d}") for i, (e, p) in enumerate(zip(EMAILS, PHONES, strict=True))],
        )
    conn.close()
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_reserved_values_are_set_aside_and_counted(test_db: Path) -> None:
    code, out, _ = run("scan", f"sqlite:///{test_db}", "--format", "json", "--fail-on", "high",
                       *RULES)  # fmt: skip
    assert code == 0
    [asset] = json.loads(out)["assets"]
    fields = {f["name"]: f for f in asset["fields"]}
    assert asset["sensitivity"] is None
    assert fields["email"]["entities"] == [] and fields["email"]["status"] == "none_found"
    assert fields["email"]["reserved"] == {"EMAIL_ADDRESS": 12}
    assert fields["phone"]["reserved"] == {"PHONE_NUMBER": 12}
    assert "reserved" not in fields["sku"]
    assert not any(v in out for v in EMAILS + PHONES)


def test_no_default_allow_list_counts_them_as_real(test_db: Path) -> None:
    code, out, _ = run("scan", f"sqlite:///{test_db}", "--format", "json", "--fail-on", "high",
                       "--no-default-allow-list", *RULES)  # fmt: skip
    assert code == 1
    [asset] = json.loads(out)["assets"]
    fields = {f["name"]: f for f in asset["fields"]}
    assert [e["type"] for e in fields["email"]["entities"]] == ["EMAIL_ADDRESS"]
    assert "reserved" not in fields["email"]


@pytest.mark.parametrize(
    ("fmt", "line"),
    [
        ("table", "email: 12 values set aside as reserved/test (EMAIL_ADDRESS)"),
        ("markdown", "email: 12 values set aside as reserved/test (EMAIL_ADDRESS)"),
        ("html", "email: 12 values set aside as reserved/test (EMAIL_ADDRESS)"),
    ],
)
def test_reports_say_what_was_set_aside(test_db: Path, fmt: str, line: str) -> None:
    code, out, _ = run("scan", f"sqlite:///{test_db}", "--format", fmt, *RULES)
    assert code == 0
    assert line in out
    assert "phone: 12 values set aside as reserved/test (PHONE" in out


def test_text_documents_count_what_they_set_aside(tmp_path: Path) -> None:
    doc = tmp_path / "notes.txt"
    doc.write_text(
        "Mail person1@example.com or call (212) 555-0143.\nReal one: jane.doe@corp-mail.com\n",
        encoding="utf-8",
    )
    inventory = Scanner(Config(spacy_model="none", progress=False)).scan([str(doc)])
    [asset] = inventory.assets
    [body] = asset.fields
    assert dict(body.reserved) == {"EMAIL_ADDRESS": 1, "PHONE_NUMBER": 1}
    assert [(f.entity, f.line) for f in asset.findings] == [("EMAIL_ADDRESS", 2)]


# -- pseudonym tokens never match a detector --------------------------------------------

TOKENS = {
    "first_name": "Person 3FA9C2D1E4B5",
    "country": "LOCATION_6c483c2eaffe",
    "nationality": "NRP_0a1b2c3d4e5f",
    "religion": "RELIGION_9f8e7d6c5b4a",
    "diagnosis": "MEDICAL_CONDITION_1234abcd5678",
    "session_cookie": "COOKIE_ID_8f2ef4737451",
    "gender": "GENDER_ba23831d2331",
    "ssn": "US_SSN_d4aa8351ccfa",
    "password": "<PASSWORD>",
}


@pytest.fixture(scope="module")
def token_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("tokens") / "tokens.db"
    cols = list(TOKENS)
    with sqlite3.connect(path) as conn:
        conn.execute(f"CREATE TABLE people ({', '.join(c + ' TEXT' for c in cols)}, notes TEXT)")
        rows = []
        for i in range(30):
            values = [v[:-2] + f"{i:02d}" if v[-1] != ">" else v for v in TOKENS.values()]
            note = (f"{values[0]} from {values[1]} ({values[2]}, {values[3]}) reported "
                    f"{values[4]}; see {values[5]} and {values[8]}.")  # fmt: skip
            rows.append((*values, note))
        conn.executemany(f"INSERT INTO people VALUES ({', '.join('?' * (len(cols) + 1))})", rows)
    conn.close()
    return f"sqlite:///{path}"


@pytest.mark.parametrize("ignore_reserved", [True, False])
@pytest.mark.parametrize("model", ["none", pytest.param("ner", marks=pytest.mark.ner)])
def test_pseudonym_tokens_never_match(
    token_db: str, model: str, ignore_reserved: bool, request: pytest.FixtureRequest
) -> None:
    spacy_model = request.getfixturevalue("spacy_model") if model == "ner" else "none"
    config = Config(spacy_model=spacy_model, progress=False, ignore_reserved=ignore_reserved)
    [asset] = Scanner(config).scan([token_db]).assets
    assert [(f.name, [e.type for e in f.entities]) for f in asset.fields if f.entities] == []
    assert (asset.sensitivity, asset.gdpr, asset.findings) == (None, None, ())


# -- the demo counts its reserved-range data as real, and says so ------------------------


def test_demo_counts_reserved_values_as_real_and_says_so(tmp_path: Path) -> None:
    code, out, err = run("demo", "--dir", str(tmp_path / "demo"), *RULES)
    assert code == 0
    assert f"warning: {RESERVED_NOTE}" in err
    inventory = json.loads((tmp_path / "demo" / "inventory.json").read_text(encoding="utf-8"))
    assert RESERVED_NOTE in inventory["warnings"]
    [customers] = [a for a in inventory["assets"] if a["asset"] == "customers"]
    fields = {f["name"]: f for f in customers["fields"]}
    assert [e["type"] for e in fields["email"]["entities"]] == ["EMAIL_ADDRESS"]
    assert "customers" in out
