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

from piiscan.detection import ner_detection
from piiscan.inventory_summary import summarize
from piiscan.model import (
    AssetResult,
    EntityVerdict,
    FieldResult,
    Inventory,
    ScanError,
    TextFinding,
)
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
                free_text=True,
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
        detection=ner_detection(
            "en_ner_distilled_sm 0.1.1", ("GPE", "LOC", "NORP", "ORG", "PERSON"), "explicit"
        ),
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


@pytest.mark.parametrize("confidence", [0.7549, 0.755, 0.7551, 0.8449999, 0.125])
@pytest.mark.parametrize("fmt", ["table", "markdown", "html", "csv"])
def test_a_rerendered_report_shows_the_figures_the_scan_showed(
    confidence: float, fmt: str
) -> None:
    """The saved inventory keeps 3 decimals: in memory the same, or a re-render of a
    saved 0.755 shows 0.76 where the scan's 0.7549 showed 0.75."""
    from piiscan.registry import default_registry

    inv = small_inventory()
    asset = inv.assets[0]
    field = asset.fields[1]  # email
    verdict = replace(field.entities[0], confidence=confidence, share=confidence)
    fields = (asset.fields[0], replace(field, entities=(verdict,)), *asset.fields[2:])
    inv = replace(inv, assets=(replace(asset, fields=fields), *inv.assets[1:]))
    reporter = default_registry.get("reporter", fmt)
    reloaded = Inventory.from_dict(json.loads(render(JsonReporter, inv)))
    assert render(reporter, reloaded) == render(reporter, inv)


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
    report = render(TableReporter, inv).partition("\nLegend\n")[0]  # the legend's example
    tokens = re.findall(r"\S*\*\*\*\S*", report)
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
    out = render(TableReporter, inv).partition("\nLegend\n")[0]
    assert "assets: 0" in out and "Errors" not in out
    assert json.loads(render(JsonReporter, inv))["assets"] == []


#: Marks a human-readable report can print, and how to spot each in its output.
MARKS = {
    "+name": re.compile(r"\+name"),
    "insufficient data": re.compile(r"(?i)insufficient data|too few values"),
    "not scanned": re.compile(r"(?i)not scanned"),
    "set aside as reserved/test": re.compile(r"set aside as reserved/test"),
    "INCOMPLETE": re.compile(r"INCOMPLETE"),
    "rule-only": re.compile(r"rule-only"),
    "…": re.compile(r"…"),
    "gdpr": re.compile(r"(?i)gdpr"),
}


@pytest.mark.parametrize("fmt", ["table", "markdown", "html"])
def test_every_mark_a_report_prints_is_in_its_legend(fmt: str) -> None:
    from piiscan.registry import default_registry
    from piiscan.reports.presentation import LEGEND

    inv = small_inventory()
    out = render(default_registry.get("reporter", fmt), inv)
    body, _, legend = out.partition("Legend")
    assert legend, "no legend"
    printed = {mark for mark, pattern in MARKS.items() if pattern.search(body)}
    assert "+name" in printed  # the inventory exercises the marks
    explained = {mark for mark, _ in LEGEND for part in mark.split(" / ") if part}
    for mark in printed:
        assert any(mark in m for m in explained), f"{mark!r} printed but not in the legend"
        entry = next(m for m in explained if mark in m)
        rendered = entry if fmt != "html" else entry.replace("&", "&amp;")
        assert rendered in legend, f"{fmt}: legend lacks {entry!r}"


def _many_categories() -> Inventory:
    inv = small_inventory()
    cats = ("identifiers", "customer_records", "protected_class", "commercial", "biometric",
            "internet_activity", "geolocation", "sensory", "professional", "education",
            "inferences", "sensitive")
    assets = tuple(replace(a, categories=cats) for a in inv.assets)
    return replace(inv, assets=assets)


@pytest.mark.parametrize("width", [80, 120, 200])
def test_table_wraps_category_lists_to_the_width_and_never_cuts_them(width: int) -> None:
    from piiscan.reports.table_reporter import render as render_table

    lines = render_table(_many_categories(), width=width)
    assert max(len(line) for line in lines) <= width
    start = next(i for i, line in enumerate(lines) if line.startswith("  categories: "))
    summary = " ".join(lines[start : start + 4])
    for cat in ("identifiers", "inferences", "sensitive"):
        assert f"{cat} " in summary  # every category and its count, none cut
    assert "…" not in lines[start]
    wrapped = [line for line in lines[start + 1 : start + 4] if line.startswith("  " * 5)]
    assert bool(wrapped) == (width < 200)


@pytest.mark.parametrize("width", [80, 100])
def test_table_wraps_an_assets_findings_list_to_the_width(width: int) -> None:
    """The per-asset findings list wraps like the categories; it was cut at 120 columns
    whatever the terminal's width (the demo's support tickets: a 91-column line at 80)."""
    from piiscan.reports.table_reporter import render as render_table

    inv = small_inventory()
    text = next(a for a in inv.assets if a.findings)
    types = ("PERSON", "STREET_ADDRESS", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD",
             "IBAN_CODE", "UK_NINO", "IP_ADDRESS")
    findings = tuple(TextFinding(t, i + 1, 0, 9, 0.8, "x***") for i, t in enumerate(types))
    assets = tuple(replace(a, findings=findings) if a is text else a for a in inv.assets)
    lines = render_table(replace(inv, assets=assets), width=width)
    assert max(len(line) for line in lines) <= width
    start = next(i for i, line in enumerate(lines) if line.startswith("  findings: CREDIT"))
    listed = " ".join(lines[start : start + 3])
    assert all(f"{t} 1" in listed for t in types)  # every type and its count, none cut


def test_table_uses_the_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("NO_COLOR", "1")
    out = Terminal()
    TableReporter().write(_many_categories(), out)
    lines = out.getvalue().splitlines()
    assert 120 < max(len(line) for line in lines) <= 200


def test_table_warnings_wrap_and_are_never_cut() -> None:
    from piiscan.reports.table_reporter import render as render_table

    long = "free text not verified for names and places (rule-only detection): " + ", ".join(
        f"table_{i}.notes" for i in range(30)
    )
    lines = render_table(replace(small_inventory(), warnings=(long,)), width=100)
    start = next(i for i, line in enumerate(lines) if line.startswith("warning: free text"))
    block = " ".join(line.strip() for line in lines[start : start + 12])
    assert "table_29.notes" in block and "…" not in block
    assert max(len(line) for line in lines) <= 100
