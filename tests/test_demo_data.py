"""The embedded demo: deterministic, well-formed, and made of reserved, fictional values."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from piiscan.checksums import iban_mod97, luhn_valid
from piiscan.demo import DemoPaths, build_demo

TEXT_FILES = (
    "exports/newsletter_subscribers.csv",
    "exports/customers_eu.jsonl",
    "logs/app.log",
    "notes/support_notes.md",
    "hr/payroll.json",
    "broken/corrupt.parquet",
    "broken/empty.csv",
)
EMAIL = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
RESERVED_DOMAINS = {"example.com", "example.org", "example.net"}


def luhn_ok(number: str) -> bool:
    digits = "".join(c for c in number if c.isdigit())
    return len(digits) >= 13 and luhn_valid(digits)


def iban_ok(code: str) -> bool:
    return iban_mod97(code.replace(" ", "")) == 1


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoPaths:
    return build_demo(tmp_path_factory.mktemp("demo"))


def _rows(db: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _dump(db: Path) -> list[str]:
    con = sqlite3.connect(db)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def test_same_seed_same_bytes(demo: DemoPaths, tmp_path: Path) -> None:
    again = build_demo(tmp_path / "again")
    for rel in TEXT_FILES:
        assert (demo.files / rel).read_bytes() == (again.files / rel).read_bytes(), rel
    assert _dump(demo.database) == _dump(again.database)
    assert pq.read_table(demo.files / "exports/daily_sales.parquet").equals(
        pq.read_table(again.files / "exports/daily_sales.parquet"))


def test_other_seed_other_data(demo: DemoPaths, tmp_path: Path) -> None:
    other = build_demo(tmp_path / "other", seed=8)
    assert _dump(demo.database) != _dump(other.database)


@pytest.mark.parametrize(("table", "count"), [
    ("customers", 200), ("orders", 500), ("staff", 40), ("web_events", 1000),
    ("support_tickets", 100), ("product_catalog", 40),
])
def test_tables_and_row_counts(demo: DemoPaths, table: str, count: int) -> None:
    assert _rows(demo.database, f"SELECT count(*) FROM {table}") == [(count,)]


@pytest.mark.parametrize(("table", "target"), [
    ("orders", "customers"), ("orders", "product_catalog"), ("staff", "staff"),
    ("support_tickets", "customers"),
])
def test_foreign_keys_declared(demo: DemoPaths, table: str, target: str) -> None:
    targets = {row[2] for row in _rows(demo.database, f"PRAGMA foreign_key_list({table})")}
    assert target in targets


def test_foreign_keys_hold(demo: DemoPaths) -> None:
    assert _rows(demo.database, "PRAGMA foreign_key_check") == []


def test_primary_keys(demo: DemoPaths) -> None:
    info = _rows(demo.database, "PRAGMA table_info(orders)")
    assert [r[1] for r in info if r[5]] == ["order_id"]


def _all_text(demo: DemoPaths) -> str:
    parts = [p.read_text(encoding="utf-8") for p in demo.files.rglob("*")
             if p.is_file() and p.suffix != ".parquet"]
    for table in ("customers", "staff", "support_tickets"):
        parts.extend(str(v) for row in _rows(demo.database, f"SELECT * FROM {table}")
                     for v in row)
    return "\n".join(parts)


def test_emails_use_reserved_domains(demo: DemoPaths) -> None:
    domains = set(EMAIL.findall(_all_text(demo)))
    assert domains
    assert domains <= RESERVED_DOMAINS


def test_phones_are_fictional(demo: DemoPaths) -> None:
    phones = [r[0] for r in _rows(demo.database, "SELECT phone FROM customers")]
    assert all(re.fullmatch(r"\(\d{3}\) 555-01\d\d|\+44 20 7946 0\d{3}", p) for p in phones)


def test_ips_are_documentation_ranges(demo: DemoPaths) -> None:
    ips = [r[0] for r in _rows(demo.database, "SELECT ip_address FROM web_events")]
    ips += [r[0] for r in _rows(demo.database, "SELECT signup_ip FROM customers")]
    doc = re.compile(r"(192\.0\.2|198\.51\.100|203\.0\.113)\.\d{1,3}|2001:db8:[0-9a-f:]+")
    assert all(doc.fullmatch(ip) for ip in ips)
    assert any(":" in ip for ip in ips)


def test_card_numbers_pass_luhn(demo: DemoPaths) -> None:
    rows = _rows(demo.database, "SELECT card_number, card_last4 FROM orders")
    assert all(luhn_ok(card) and card.endswith(last4) for card, last4 in rows)
    in_text = re.findall(r"\d{4} \d{4} \d{4} \d{4}", _all_text(demo))
    assert in_text
    assert all(luhn_ok(card) for card in in_text)


def test_ibans_pass_mod97(demo: DemoPaths) -> None:
    payroll = json.loads((demo.files / "hr/payroll.json").read_text(encoding="utf-8"))
    ibans = [p["bank"]["iban"] for p in payroll]
    assert {i[:2] for i in ibans} == {"GB", "DE"}
    assert all(iban_ok(i) for i in ibans)


def test_ninos_have_valid_prefixes(demo: DemoPaths) -> None:
    ninos = [r[0] for r in _rows(demo.database, "SELECT national_insurance_number FROM staff")]
    pattern = re.compile(r"(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
                         r" \d\d \d\d \d\d [A-D]")
    assert all(pattern.fullmatch(n) for n in ninos)


def test_files_layout(demo: DemoPaths) -> None:
    csv_head = (demo.files / "exports/newsletter_subscribers.csv").read_text().splitlines()[0]
    assert csv_head.count(";") == 3
    first = json.loads((demo.files / "exports/customers_eu.jsonl").read_text().splitlines()[0])
    assert set(first) == {"id", "name", "contact", "address"}
    assert set(first["contact"]) == {"email", "phone"}
    sales = pq.read_table(demo.files / "exports/daily_sales.parquet")
    assert sales.column_names == ["date", "sku", "units", "revenue"]
    assert (demo.files / "broken/empty.csv").stat().st_size == 0
    with pytest.raises(Exception):  # noqa: B017 - any pyarrow error will do
        pq.read_table(demo.files / "broken/corrupt.parquet")


def test_misleading_item_names_are_products(demo: DemoPaths) -> None:
    names = {r[0] for r in _rows(demo.database, "SELECT DISTINCT item_name FROM orders")}
    assert {"Madison Armchair", "Jackson Table"} & names
