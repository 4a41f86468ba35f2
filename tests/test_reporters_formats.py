"""CSV, Parquet, Markdown and HTML reporters: golden files, round trip, escaping, no network.

The inventory is the hand-made one from ``test_reporters.py``. Regenerate the golden files
after an intended output change with ``python scripts/regen_golden.py``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_reporters import MASKED_URL, render, small_inventory

from piiscan.model import FieldResult, Inventory
from piiscan.registry import Registry
from piiscan.reports.csv_reporter import CsvReporter
from piiscan.reports.html_reporter import HtmlReporter
from piiscan.reports.markdown_reporter import MarkdownReporter, md
from piiscan.reports.parquet_reporter import SCHEMA, ParquetReporter
from piiscan.reports.rows import NAMES, NOTHING_FOUND, field_rows

GOLDEN = Path(__file__).parent / "golden"
TEXT_REPORTERS = {"csv": CsvReporter, "md": MarkdownReporter, "html": HtmlReporter}
HOSTILE = ("<script>alert(1)</script>", "a|b")


def golden_outputs() -> dict[str, str]:
    """File name → expected content; ``scripts/regen_golden.py`` writes these."""
    inv = small_inventory()
    return {f"inventory_small.{ext}": render(cls, inv) for ext, cls in TEXT_REPORTERS.items()}


def empty_inventory() -> Inventory:
    return Inventory(
        tool={"name": "piiscan", "version": "0.1.0"},
        settings={},
        policy={},
        detectors=(),
        sources=(),
        assets=(),
    )


def hostile_inventory() -> Inventory:
    """The small inventory with hostile names in an asset, a field and the evidence."""
    inv = small_inventory()
    customers = inv.assets[0]
    email = customers.fields[1]
    fields = [replace(email, name=name) for name in HOSTILE]
    evil = replace(
        customers,
        asset="<img src=x onerror=alert(1)>|t",
        fields=(*fields, replace(customers.fields[0], name="<b>x</b>")),
    )
    return replace(inv, assets=(evil, *inv.assets[1:]))


def parquet_bytes(inv: Inventory) -> bytes:
    buf = io.BytesIO()
    ParquetReporter().write(inv, buf)
    return buf.getvalue()


@pytest.mark.parametrize("name", sorted(golden_outputs()))
def test_output_matches_golden_file(name: str) -> None:
    expected = (GOLDEN / name).read_text(encoding="utf-8")
    assert golden_outputs()[name] == expected, (
        f"{name} changed; if intended run: python scripts/regen_golden.py"
    )


@pytest.mark.parametrize(
    ("name", "cls", "binary"),
    [
        ("csv", CsvReporter, False),
        ("parquet", ParquetReporter, True),
        ("markdown", MarkdownReporter, False),
        ("html", HtmlReporter, False),
    ],
)
def test_reporters_register_under_their_format_name(name: str, cls: type, binary: bool) -> None:
    assert Registry().get("reporter", name) is cls
    assert cls.name == name
    assert cls.binary is binary


# -- CSV and Parquet: one row per field ------------------------------------------------------
def test_csv_has_a_header_and_one_row_per_field_in_inventory_order() -> None:
    inv = small_inventory()
    rows = list(csv.DictReader(io.StringIO(render(CsvReporter, inv))))
    fields = [(a.asset, f.name) for a in inv.assets for f in a.fields]
    assert [(r["asset"], r["field"]) for r in rows if r["status"] != "error"] == fields
    assert list(rows[0]) == list(NAMES)


@pytest.mark.parametrize(
    ("field", "column", "value"),
    [
        ("email", "entity_types", "EMAIL_ADDRESS"),
        ("email", "evidence", "j***@example.com;m***@example.org"),
        ("email", "confidence", "0.97"),
        ("email", "asset_sensitivity", "very_high"),
        ("card_number", "categories", "customer_records;sensitive"),
        ("card_number", "sensitivity", "very_high"),
        ("(text)", "entity_types", "EMAIL_ADDRESS;PHONE_NUMBER"),
        ("(text)", "kind", "text"),
        ("payload.customer.contact_details.primary_email_address", "top_entity", "EMAIL_ADDRESS"),
        ("id", "entity_types", ""),
        ("id", "status", "none_found"),
        ("nickname", "status", "insufficient"),
        ("payload.legacy", "data_type", ""),
    ],
)
def test_csv_cells(field: str, column: str, value: str) -> None:
    rows = csv.DictReader(io.StringIO(render(CsvReporter, small_inventory())))
    assert next(r for r in rows if r["field"] == field)[column] == value


def test_csv_lists_errors_with_their_reason() -> None:
    rows = list(csv.DictReader(io.StringIO(render(CsvReporter, small_inventory()))))
    errors = [(r["asset"], r["note"]) for r in rows if r["status"] == "error"]
    assert errors == [
        ("public.audit_log", "permission denied for table audit_log"),
        ("", "no connector for this source"),
    ]


def test_parquet_round_trips_to_the_csv_rows() -> None:
    inv = small_inventory()
    table = pq.read_table(io.BytesIO(parquet_bytes(inv)))
    assert table.schema.equals(SCHEMA)
    assert table.to_pylist() == list(field_rows(inv))
    email = next(r for r in table.to_pylist() if r["field"] == "email")
    assert email["sampled"] == 198 and email["confidence"] == pytest.approx(0.97)
    assert table.schema.field("sampled").type == pa.int64()
    assert table.schema.field("confidence").type == pa.float64()


def test_parquet_is_identical_for_the_same_inventory() -> None:
    inv = small_inventory()
    assert parquet_bytes(inv) == parquet_bytes(inv)


# -- nothing found is said, not left blank ---------------------------------------------------
@pytest.mark.parametrize("ext", sorted(TEXT_REPORTERS))
def test_empty_inventory_says_nothing_was_found(ext: str) -> None:
    out = render(TEXT_REPORTERS[ext], empty_inventory())
    assert "no personal data found" in out.lower()


def test_empty_inventory_parquet_says_nothing_was_found() -> None:
    rows = pq.read_table(io.BytesIO(parquet_bytes(empty_inventory()))).to_pylist()
    assert [(r["status"], r["note"]) for r in rows] == [("none_found", NOTHING_FOUND)]


@pytest.mark.parametrize("cls", [MarkdownReporter, HtmlReporter])
def test_clean_scan_says_nothing_was_found_and_how_much_was_scanned(cls: type) -> None:
    inv = small_inventory()
    clean = replace(inv, assets=(inv.assets[3],), errors=())
    out = render(cls, clean)
    assert "No personal data found (1 asset scanned)." in out


@pytest.mark.parametrize("cls", [MarkdownReporter, HtmlReporter])
def test_unreadable_sources_are_flagged_as_incomplete(cls: type) -> None:
    inv = small_inventory()
    out = render(cls, replace(inv, assets=()))
    assert "No personal data found (no asset was scanned). 2 could not be read" in out
    assert "no connector for this source" in out


# -- escaping --------------------------------------------------------------------------------
def test_html_escapes_hostile_names() -> None:
    out = render(HtmlReporter, hostile_inventory())
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "&lt;img src=x onerror=alert(1)&gt;|t" in out
    assert "<script" not in out.lower() and "<img" not in out.lower() and "<b>x" not in out


def test_markdown_escapes_hostile_names() -> None:
    out = render(MarkdownReporter, hostile_inventory())
    assert "| &lt;script&gt;alert(1)&lt;/script&gt; |" in out
    assert "| a\\|b |" in out
    assert "<script" not in out and "<img" not in out and "<b>" not in out
    table = [line for line in out.splitlines() if "EMAIL_ADDRESS (0.97" in line]
    assert table and all(len(re.findall(r"(?<!\\)\|", line)) == 5 for line in table)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card_number", "card_number"),
        ("_private", "\\_private"),
        ("a|b", "a\\|b"),
        ("x*y", "x\\*y"),
        ("[link](u)", "\\[link\\](u)"),
        ("a & <b>", "a &amp; &lt;b&gt;"),
        ("two\nlines", "two lines"),
        ("back\\slash", "back\\\\slash"),
    ],
)
def test_markdown_cell_escaping(text: str, expected: str) -> None:
    assert md(text) == expected


# -- self-contained, masked ------------------------------------------------------------------
def test_html_is_self_contained() -> None:
    out = render(HtmlReporter, small_inventory())
    assert "http://" not in out and "https://" not in out
    assert "<script" not in out.lower()
    assert re.search(r"\b(src|href)=\"(?!#)", out) is None  # only in-page links
    assert "@import" not in out and "url(" not in out
    assert "default-src 'none'" in out


@pytest.mark.parametrize(
    "expected",
    [
        '<span class="badge very_high"',
        "public.customers",
        "<details open",
        "<svg",
        'class="heat"',
        "line 3:10-27",
        "notes row 4:12-22",
        "<code>a***@example.net</code>",
        "permission denied for table audit_log",
        "2026-11-20T10:00:00+00:00",
    ],
)
def test_html_shows(expected: str) -> None:
    assert expected in render(HtmlReporter, small_inventory())


@pytest.mark.parametrize("cls", [MarkdownReporter, HtmlReporter])
def test_most_sensitive_asset_comes_first(cls: type) -> None:
    inv = small_inventory()
    out = render(cls, replace(inv, assets=tuple(reversed(inv.assets))))
    positions = [out.rindex(a.asset) for a in inv.assets[:3]] + [out.rindex("public.products")]
    assert positions[0] < positions[-1]
    assert positions[0] == min(positions)


@pytest.mark.parametrize("ext", sorted(TEXT_REPORTERS))
def test_raw_url_password_is_masked(ext: str) -> None:
    out = render(TEXT_REPORTERS[ext], small_inventory("postgresql://app:Tr0ub4dor@db/crm"))
    assert "Tr0ub4dor" not in out
    assert "app:***@db/crm" in out


@pytest.mark.parametrize("ext", sorted(TEXT_REPORTERS))
def test_only_given_evidence_is_shown(ext: str) -> None:
    inv = small_inventory()
    out = render(TEXT_REPORTERS[ext], inv).replace(MASKED_URL, "").replace("\\*", "*")
    given = {e for a in inv.assets for f in a.fields for v in f.entities for e in v.evidence}
    given |= {t.evidence for a in inv.assets for t in a.findings}
    given |= {t.evidence for a in inv.assets for f in a.fields for t in f.findings}
    shown = set(re.findall(r"[\w+]+\*\*\*[\w.@-]*", out))
    assert shown and shown <= {g for g in given}


def test_field_without_entities_in_a_personal_asset_is_listed_as_clean() -> None:
    inv = small_inventory()
    extra = replace(inv.assets[0], fields=(FieldResult("zip", "TEXT", "none_found", 10, 0),))
    out = render(HtmlReporter, replace(inv, assets=(extra,)))
    assert "No personal data in: zip" in out
