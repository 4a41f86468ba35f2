"""End to end with the real detectors and NER model: demo golden file, PostgreSQL, bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from piiscan.config import Config
from piiscan.demo import build_demo
from piiscan.model import Inventory
from piiscan.reports.loading import validate_inventory_dict
from piiscan.scanning.scanner import Scanner

GOLDEN = Path(__file__).parent / "golden" / "demo_inventory.json"


def normalized(inventory: Inventory, root: Path) -> dict:
    """The inventory with the run's time and temporary paths replaced by placeholders."""
    text = json.dumps(inventory.to_dict(), indent=2, ensure_ascii=False)
    data = json.loads(text.replace(str(root), "<demo>"))
    data["generated_at"] = "<time>"
    return data


def fields_of(inventory: Inventory, asset: str) -> dict[str, set[str]]:
    [a] = [a for a in inventory.assets if a.asset == asset]
    return {f.name: {e.type for e in f.entities} for f in a.fields}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, ner_scanner: Scanner):
    root = tmp_path_factory.mktemp("demo")
    paths = build_demo(root)
    inventory = ner_scanner.scan([f"sqlite:///{paths.database}", str(paths.files)])
    return root, inventory


def test_demo_inventory_matches_golden_file(demo) -> None:
    root, inventory = demo
    data = normalized(inventory, root)
    validate_inventory_dict(data)
    if os.environ.get("PIISCAN_REGEN_GOLDEN"):
        GOLDEN.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    assert data == json.loads(GOLDEN.read_text()), (
        "demo inventory changed; if intended, regenerate with "
        "PIISCAN_REGEN_GOLDEN=1 pytest tests/test_scan_e2e.py"
    )


@pytest.mark.parametrize(
    ("asset", "field", "expected"),
    [
        ("customers", "email", {"EMAIL_ADDRESS"}),
        ("customers", "phone", {"PHONE_NUMBER"}),
        ("customers", "date_of_birth", {"DATE_OF_BIRTH"}),
        ("customers", "first_name", {"PERSON"}),
        ("customers", "signup_ip", {"IP_ADDRESS"}),
        ("customers", "loyalty_tier", set()),
        ("orders", "card_number", {"CREDIT_CARD"}),
        ("orders", "sku", set()),
        ("orders", "tracking_number", set()),
        ("orders", "item_name", set()),
        ("staff", "national_insurance_number", {"UK_NINO"}),
        ("staff", "salary", {"SALARY"}),
        ("web_events", "user_agent", {"USER_AGENT"}),
        ("web_events", "latitude", {"GEO_COORDINATE"}),
        ("product_catalog", "product_name", set()),
        ("exports/customers_eu.jsonl", "contact.email", {"EMAIL_ADDRESS"}),
        ("hr/payroll.json", "bank.iban", {"IBAN_CODE"}),
    ],
)
def test_demo_columns_are_classified(demo, asset: str, field: str, expected: set[str]) -> None:
    assert fields_of(demo[1], asset)[field] == expected


def test_demo_levels_errors_and_no_raw_values(demo) -> None:
    root, inventory = demo
    levels = {a.asset: a.sensitivity for a in inventory.assets}
    assert levels["orders"] == "very_high"  # card numbers
    assert levels["customers"] == "high"
    assert levels["exports/daily_sales.parquet"] is None
    assert levels["product_catalog"] is None
    assert {(e.asset, e.reason.split(":")[0]) for e in inventory.errors} == {
        ("broken/corrupt.parquet", "corrupt.parquet is not a Parquet file (no PAR1 magic)"),
    }
    [empty] = [a for a in inventory.assets if a.asset == "broken/empty.csv"]
    assert empty.notes == ("empty file: nothing to scan",)  # a note, not an error
    text = json.dumps(inventory.to_dict())
    db = sa.create_engine(f"sqlite:///{root / 'shop.db'}")
    with db.connect() as conn:
        raw = [
            r[0]
            for r in conn.execute(
                sa.text(
                    "SELECT email FROM customers UNION ALL SELECT phone FROM customers "
                    "UNION ALL SELECT card_number FROM orders "
                    "UNION ALL SELECT last_name FROM customers"
                )
            )
        ]
    db.dispose()
    leaked = [v for v in raw if len(v) > 4 and v in text]
    assert leaked == []


def test_text_findings_have_lines_and_offsets(demo) -> None:
    [log] = [a for a in demo[1].assets if a.asset == "logs/app.log"]
    assert log.findings
    for finding in log.findings:
        assert finding.line >= 1 and 0 <= finding.start < finding.end
    assert {"EMAIL_ADDRESS", "IP_ADDRESS"} <= {f.entity for f in log.findings}


@pytest.mark.postgres
def test_postgresql_scan_masks_the_password(postgres_url: str, ner_scanner: Scanner) -> None:
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS e2e_people"))
        conn.execute(
            sa.text(
                "CREATE TABLE e2e_people (id serial primary key, full_name text, email text, "
                "ssn text, note text)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO e2e_people (full_name, email, ssn, note) VALUES "
                + ", ".join(
                    f"('Maria Garcia {i}', 'maria{i}@example.com', '078-05-{1120 + i}', "
                    f"'order {i} shipped')"
                    for i in range(20)
                )
            )
        )
    engine.dispose()
    inventory = ner_scanner.scan([postgres_url])
    people = fields_of(inventory, "e2e_people")
    assert people["email"] == {"EMAIL_ADDRESS"}
    assert people["ssn"] == {"US_SSN"}
    assert people["note"] == set()
    password = sa.engine.make_url(postgres_url).password
    assert password and password not in json.dumps(inventory.to_dict())
    assert all("***" in s for s in inventory.sources)


def test_bad_files_become_errors_and_the_rest_is_scanned(
    tmp_path: Path, ner_scanner: Scanner
) -> None:
    (tmp_path / "good.csv").write_text(
        "email,city\n" + "".join(f"user{i}@example.com,Leeds\n" for i in range(10))
    )
    (tmp_path / "latin1.csv").write_bytes(
        b"name;email\n"
        + "".join(f"José Müller;jose{i}@example.org\n" for i in range(10)).encode("cp1252")
    )
    (tmp_path / "header_only.csv").write_text("email,phone\n")
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "binary.csv").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "table.parquet").write_text("not parquet at all")
    (tmp_path / "bad.json").write_text('{"a": [1, 2')
    inventory = ner_scanner.scan([str(tmp_path)])
    errors = {e.asset for e in inventory.errors}
    assert errors == {"binary.csv", "table.parquet", "bad.json"}
    assert all(e.reason for e in inventory.errors)
    [empty] = [a for a in inventory.assets if a.asset == "empty.csv"]
    assert (empty.complete, empty.rows_scanned, empty.fields) == (True, 0, ())
    assert "empty file: nothing to scan" in empty.notes
    assert fields_of(inventory, "good.csv")["email"] == {"EMAIL_ADDRESS"}
    assert fields_of(inventory, "latin1.csv")["email"] == {"EMAIL_ADDRESS"}
    [header_only] = [a for a in inventory.assets if a.asset == "header_only.csv"]
    assert {f.status for f in header_only.fields} == {"insufficient"}


def test_library_scan_is_reusable_and_deterministic(tmp_path: Path, spacy_model: str) -> None:
    (tmp_path / "a.csv").write_text(
        "contact\n" + "".join(f"+44 20 7946 0{100 + i}\n" for i in range(10))
    )
    config = Config(spacy_model=spacy_model, hash_key=b"k", evidence="hash", ignore_reserved=False)
    scanner = Scanner(config)  # Ofcom drama numbers: counted as real
    first, second = scanner.scan([str(tmp_path)]), scanner.scan([str(tmp_path)])
    assert first.assets == second.assets
    [verdict] = first.assets[0].fields[0].entities
    assert verdict.type == "PHONE_NUMBER"
    assert all(e.startswith("hmac-sha256:") for e in verdict.evidence)


@pytest.mark.parametrize(
    ("column", "values", "expected"),
    [
        ("zip", ["2134", "9021", "1010", "3000", "8001", "2000"], {"POSTAL_CODE"}),
        ("birth_year", ["1985", "1990", "1972", "2001", "1964", "1958"], {"BIRTH_YEAR"}),
        ("year_of_birth", ["1985", "1990", "1972", "2001", "1964", "1958"], {"BIRTH_YEAR"}),
        # a date of birth generalized to the year: a birth year, whatever the column says
        ("date_of_birth", ["1985", "1990", "1972", "2001", "1964", "1958"], {"BIRTH_YEAR"}),
        ("dob", ["1985-01-01", "1990-01-01", "1972-01-01", "2001-01-01", "1964-01-01"],
         {"BIRTH_YEAR"}),
        # a real one has a 1 January now and then: still a date of birth
        ("dob", ["1985-01-01", "1990-03-17", "1972-11-02", "2001-06-30", "1964-09-09",
                 "1958-12-24"], {"DATE_OF_BIRTH"}),
        ("SEX", ["1", "2", "2", "1", "2", "1"], {"GENDER"}),
        (
            "Card Number",
            [
                "8638-5407-3631-8196",
                "7106-4239-7093-1515",
                "1234-5678-9012-3456",
                "9696-3083-1559-8901",
                "2360-8701-6034-2161",
            ],
            {"CREDIT_CARD"},
        ),
        ("Age Group", ["25 to 39", "40 to 64", "65 and older", "under 18", "18-24"], {"AGE"}),
        ("year", ["1985", "1990", "1972", "2001", "1964", "1958"], set()),
        ("Card Type", ["Debit", "Credit", "Debit (Prepaid)", "Debit", "Credit"], set()),
    ],
)
def test_column_name_lifts_weak_value_shapes(
    tmp_path: Path, ner_scanner: Scanner, column: str, values: list[str], expected: set[str]
) -> None:
    import csv

    with (tmp_path / "t.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([column])
        writer.writerows([v] for v in values * 3)
    assert fields_of(ner_scanner.scan([str(tmp_path)]), "t.csv")[column] == expected
