"""Reporters: golden files, JSON round trip, line width, colour, and no invented values.

The inventory below is hand-made and holds masked evidence only. Regenerate the golden
files after an intended output change with ``python scripts/regen_golden.py``.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from piiscan.model import (
    AssetResult,
    EntityVerdict,
    FieldResult,
    Inventory,
    ScanError,
    TextFinding,
)
from piiscan.pipeline import summarize
from piiscan.registry import Registry
from piiscan.reports.json_reporter import JsonReporter
from piiscan.reports.table_reporter import WIDTH, TableReporter

GOLDEN = Path(__file__).parent / "golden"
MASKED_URL = "postgresql://app:***@db.internal:5432/crm?sslpassword=***"
FILES = "/data/exports"


def _ev(
    type_: str,
    conf: float,
    k: int,
    n: int,
    low: float,
    high: float,
    evidence: tuple[str, ...] = (),
    name: bool = False,
) -> EntityVerdict:
    return EntityVerdict(
        type=type_,
        confidence=conf,
        matched=k,
        sampled=n,
        share=round(k / n, 3),
        share_low=low,
        share_high=high,
        name_signal=name,
        evidence=evidence,
    )


def inventory_of(assets: tuple[AssetResult, ...] = ()) -> Inventory:
    """A minimal inventory holding ``assets`` (for tests that build their own assets)."""
    return Inventory(
        tool={"name": "piiscan", "version": "0.1.0"},
        settings={},
        policy={},
        detectors=(),
        sources=(),
        assets=assets,
        generated_at="2026-11-20T10:00:00+00:00",
    )


def small_inventory(source: str = MASKED_URL) -> Inventory:
    """A deterministic inventory covering every kind of record the reporters render."""
    customers = AssetResult(
        source=source,
        asset="public.customers",
        kind="table",
        rows_scanned=200,
        complete=True,
        fields=(
            FieldResult("id", "INTEGER", "none_found", 200, 0),
            FieldResult(
                "email",
                "VARCHAR(120)",
                "personal",
                198,
                2,
                entities=(
                    _ev(
                        "EMAIL_ADDRESS",
                        0.97,
                        198,
                        198,
                        0.981,
                        1.0,
                        ("j***@example.com", "m***@example.org"),
                        name=True,
                    ),
                ),
                categories=("identifiers",),
                sensitivity="high",
                gdpr="personal",
            ),
            FieldResult(
                "card_number",
                "VARCHAR(19)",
                "personal",
                200,
                0,
                entities=(_ev("CREDIT_CARD", 0.95, 196, 200, 0.95, 0.992, ("4***",)),),
                categories=("customer_records", "sensitive"),
                sensitivity="very_high",
                gdpr="personal",
            ),
            FieldResult(
                "birth_date",
                "DATE",
                "personal",
                200,
                0,
                entities=(_ev("DATE_OF_BIRTH", 0.62, 200, 200, 0.981, 1.0, ("1***",), name=True),),
                categories=("identifiers", "protected_class"),
                sensitivity="high",
                gdpr="personal",
            ),
            FieldResult(
                "notes",
                "TEXT",
                "personal",
                120,
                80,
                entities=(_ev("PERSON", 0.71, 9, 120, 0.039, 0.137, ("J***",)),),
                categories=("identifiers",),
                sensitivity="high",
                gdpr="personal",
                findings=(
                    TextFinding("PERSON", 4, 12, 22, 0.85, "J***", field="notes"),
                    TextFinding("PERSON", 17, 0, 9, 0.8, "M***", field="notes"),
                ),
            ),
            FieldResult("nickname", "VARCHAR(40)", "insufficient", 3, 197),
        ),
        categories=("customer_records", "identifiers", "protected_class", "sensitive"),
        sensitivity="very_high",
        gdpr="personal",
    )
    tickets = AssetResult(
        source=FILES,
        asset="support/ticket-0042.txt",
        kind="text",
        rows_scanned=40,
        complete=True,
        fields=(
            FieldResult(
                "(text)",
                "text",
                "personal",
                40,
                0,
                entities=(
                    _ev("EMAIL_ADDRESS", 0.9, 2, 40, 0.014, 0.165, ("a***@example.net",)),
                    _ev("PHONE_NUMBER", 0.75, 3, 40, 0.026, 0.199, ("+***2",)),
                ),
                categories=("customer_records", "identifiers"),
                sensitivity="high",
                gdpr="personal",
            ),
        ),
        findings=(
            TextFinding("EMAIL_ADDRESS", 3, 10, 27, 0.9, "a***@example.net"),
            TextFinding("PHONE_NUMBER", 5, 8, 23, 0.75, "+***2"),
            TextFinding("PHONE_NUMBER", 9, 0, 15, 0.75, "+***7"),
            TextFinding("EMAIL_ADDRESS", 21, 4, 21, 0.9, "a***@example.net"),
            TextFinding("PHONE_NUMBER", 30, 2, 17, 0.75, "+***1"),
        ),
        categories=("customer_records", "identifiers"),
        sensitivity="high",
        gdpr="personal",
    )
    wide = AssetResult(
        source=FILES,
        asset="exports/" + "very_long_partition_name_" * 4 + "events.parquet",
        kind="file",
        rows_scanned=2000,
        complete=False,
        fields=(
            FieldResult(
                "payload.customer.contact_details.primary_email_address",
                "string",
                "personal",
                2000,
                0,
                entities=(
                    _ev("EMAIL_ADDRESS", 0.93, 1900, 2000, 0.94, 0.959, ("s***@example.com",)),
                    _ev("URL", 0.6, 1000, 2000, 0.478, 0.522, ("h***",)),
                    _ev("PERSON", 0.55, 1000, 2000, 0.478, 0.522, ("S***",), name=True),
                ),
                categories=("identifiers", "internet_activity"),
                sensitivity="high",
                gdpr="personal",
            ),
            FieldResult("payload.legacy", None, "not_scanned", 0, 0),
        ),
        categories=("identifiers", "internet_activity"),
        sensitivity="high",
        gdpr="personal",
        notes=(
            "raised to high: quasi-identifiers AGE, GENDER, POSTAL_CODE "
            "(three or more quasi-identifiers together, which identify most people "
            "in a population of this size)",
        ),
    )
    products = AssetResult(
        source=source,
        asset="public.products",
        kind="view",
        rows_scanned=50,
        complete=True,
        fields=(FieldResult("name", "TEXT", "none_found", 50, 0),),
    )
    assets = (customers, tickets, wide, products)
    errors = (
        ScanError(source, "public.audit_log", "permission denied for table audit_log"),
        ScanError("mysql://reports@10.0.0.9/bi", None, "no connector for this source"),
    )
    return Inventory(
        tool={"name": "piiscan", "version": "0.1.0"},
        settings={
            "sample_rows": 2000,
            "full": False,
            "max_values_per_field": 400,
            "include": [],
            "exclude": ["*.tmp"],
            "min_score": 0.5,
            "evidence": "masked",
            "language": "en",
            "hash_key": "ephemeral",
        },
        policy={
            "name": "piiscan-default",
            "version": "1.0",
            "origin": "default",
            "digest": "0123456789ab",
        },
        detectors=("presidio: spaCy en_ner_distilled_sm, 42 recognizers", "column_names"),
        sources=(source, FILES, "mysql://reports@10.0.0.9/bi"),
        assets=assets,
        errors=errors,
        generated_at="2026-11-20T10:00:00+00:00",
        summary=summarize(assets, errors),
    )


def render(reporter_cls: type, inventory: Inventory) -> str:
    buf = io.StringIO()
    reporter_cls().write(inventory, buf)
    return buf.getvalue()


def golden_outputs() -> dict[str, str]:
    """File name → expected content; ``scripts/regen_golden.py`` writes these."""
    inv = small_inventory()
    return {
        "inventory_small.json": render(JsonReporter, inv),
        "inventory_small.txt": render(TableReporter, inv),
    }


@pytest.mark.parametrize("name", sorted(golden_outputs()))
def test_output_matches_golden_file(name: str) -> None:
    expected = (GOLDEN / name).read_text(encoding="utf-8")
    assert golden_outputs()[name] == expected, (
        f"{name} changed; if intended run: python scripts/regen_golden.py"
    )


def test_json_round_trips_to_the_same_dict() -> None:
    inv = small_inventory()
    data = json.loads(render(JsonReporter, inv))
    assert data == inv.to_dict()
    assert list(data) == list(inv.to_dict())  # key order as the contract lists it
    assert Inventory.from_dict(data).to_dict() == data


def test_json_is_utf8_text_ending_in_newline() -> None:
    inv = small_inventory()
    renamed = replace(inv.assets[3], asset="public.kunden_übersicht")
    out = render(JsonReporter, replace(inv, assets=(renamed,)))
    assert out.endswith("}\n")
    assert "kunden_übersicht" in out


def test_table_lines_fit_the_width_and_cut_with_ellipsis() -> None:
    lines = render(TableReporter, small_inventory()).splitlines()
    assert max(len(line) for line in lines) <= WIDTH
    assert any(line.rstrip().endswith("…") or "… " in line for line in lines)


@pytest.mark.parametrize(
    "expected",
    [
        "public.customers  table  very_high  customer_records, identifiers, protected_class",
        "EMAIL_ADDRESS 0.97 198/198 100% +name",
        "insufficient data: nickname (3)",
        "not scanned: payload.legacy (0)",
        "findings: PHONE_NUMBER 3, EMAIL_ADDRESS 2",
        "line 3:10-27  EMAIL_ADDRESS  a***@example.net",
        "notes row 4:12-22  PERSON  J***",
        "… 2 more",
        "public.products  view  none  -",
        "no personal data found",
        "assets: 4 (very_high 1, high 2, none 1)",
        "errors: 2",
        "mysql://reports@10.0.0.9/bi: no connector for this source",
        "public.audit_log: permission denied for table audit_log",
    ],
)
def test_table_shows(expected: str) -> None:
    assert expected in render(TableReporter, small_inventory())


def test_table_lists_assets_in_inventory_order() -> None:
    out = render(TableReporter, small_inventory())
    positions = [out.index(a) for a in ("public.customers", "ticket-0042", "public.products")]
    assert positions == sorted(positions)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    plain = render(TableReporter, small_inventory())
    assert "\033[" not in plain
    tty = _Terminal()
    TableReporter().write(small_inventory(), tty)
    coloured = tty.getvalue()
    assert "\033[31mvery_high\033[0m" in coloured
    assert "\033[33mhigh\033[0m" in coloured
    assert re.sub(r"\033\[[0-9;]*m", "", coloured) == plain


def test_no_colour_when_no_color_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    tty = _Terminal()
    TableReporter().write(small_inventory(), tty)
    assert "\033[" not in tty.getvalue()


@pytest.mark.parametrize("reporter_cls", [JsonReporter, TableReporter])
def test_masked_source_password_stays_masked(reporter_cls: type) -> None:
    out = render(reporter_cls, small_inventory())
    assert "app:***@db.internal" in out
    assert re.search(r"app:(?!\*\*\*@)[^@\s]*@", out) is None


def test_table_masks_a_raw_url_password_it_is_handed() -> None:
    out = render(TableReporter, small_inventory("postgresql://app:Tr0ub4dor@db/crm"))
    assert "Tr0ub4dor" not in out
    assert "postgresql://app:***@db/crm" in out


def _evidence(inv: Inventory) -> set[str]:
    found = set()
    for a in inv.assets:
        found |= {f.evidence for f in a.findings}
        for f in a.fields:
            found |= {e for v in f.entities for e in v.evidence}
            found |= {t.evidence for t in f.findings}
    return found


def test_reporters_show_only_the_evidence_they_were_given() -> None:
    inv = small_inventory()
    given = _evidence(inv)
    shown_json = _evidence(Inventory.from_dict(json.loads(render(JsonReporter, inv))))
    assert shown_json == given
    tokens = re.findall(r"\S*\*\*\*\S*", render(TableReporter, inv))
    shown_table = {t.rstrip(",") for t in tokens} - {MASKED_URL}
    assert shown_table and shown_table <= given


@pytest.mark.parametrize(("name", "cls"), [("json", JsonReporter), ("table", TableReporter)])
def test_reporters_register_under_their_format_name(name: str, cls: type) -> None:
    assert Registry().get("reporter", name) is cls
    assert cls.name == name


def test_empty_inventory_renders() -> None:
    inv = Inventory(
        tool={"name": "piiscan", "version": "0.1.0"},
        settings={},
        policy={},
        detectors=(),
        sources=(),
        assets=(),
    )
    out = render(TableReporter, inv)
    assert "assets: 0" in out and "Errors" not in out
    assert json.loads(render(JsonReporter, inv))["assets"] == []
