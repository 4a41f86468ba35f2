"""Records of processing (Art. 30): the activities file, filling from the scan, renderings.

Golden files combine ``SMALL_ACTIVITIES`` below with ``small_inventory()`` of
tests/test_reporters.py; regenerate with ``python scripts/regen_golden.py``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from openpyxl import load_workbook
from test_reporters import inventory_of, small_inventory

from piiscan.cli import _Cli
from piiscan.commands.reports_cmds import ropa
from piiscan.errors import UsageError
from piiscan.model import AssetResult, EntityVerdict, FieldResult, Inventory
from piiscan.policy import load_policy
from piiscan.reports.ropa import (
    LEGAL_BASES,
    Activities,
    Missing,
    build_record,
    load_activities,
    parse_activities,
)
from piiscan.reports.ropa_render import (
    COLUMNS,
    MISSING_COLUMNS,
    MISSING_SHEET,
    NOTHING_MISSING,
    RECORD_SHEET,
    render_csv,
    render_markdown,
    table_rows,
    write_xlsx,
)

GOLDEN = Path(__file__).parent / "golden"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ropa.yaml"

SMALL_ACTIVITIES = """\
controller:
  name: Example Shop GmbH
  contact: "Example Shop GmbH, Hauptstrasse 1, 10115 Berlin; privacy@shop.example"
  dpo: dpo@shop.example
activities:
  - name: Customer accounts
    purpose: Manage customer accounts and take payment for orders
    legal_basis: contract
    data_subjects: [Customers]
    recipients: [Payment service provider, Parcel carriers]
    transfers:
      - {country: United States, safeguard: "Standard contractual clauses (2021/914)"}
    retention: 10 years after the last order (commercial and tax law)
    security_measures: [TLS in transit, Encryption at rest, Role-based access]
    sources: ["postgresql://*crm*/public.customers"]
  - name: Customer support
    purpose: Answer customer enquiries
    legal_basis: legitimate_interests
    data_subjects: [Customers, Prospects]
    recipients: [Helpdesk provider]
    transfers: none
    security_measures: [Access limited to the support team]
    sources: ["/data/exports/support/*"]
  - name: Event analytics
    purpose: Measure use of the web shop
    legal_basis: consent
    data_subjects: [Website visitors]
    transfers:
      - {country: United States}
    retention: 13 months
    security_measures: [Pseudonymisation]
    sources: ["*.parquet"]
  - name: Loyalty programme
    purpose: Reward repeat customers
    legal_basis: consent
    data_subjects: [Members]
    recipients: [None outside the controller]
    transfers: none
    retention: Until the membership ends
    security_measures: [Encryption at rest]
    sources: ["mysql://*"]
"""


def _activities(text: str = SMALL_ACTIVITIES) -> Activities:
    return parse_activities(yaml.safe_load(text), "activities.yaml")


def _record(inv: Inventory | None = None, text: str = SMALL_ACTIVITIES) -> Any:
    return build_record(_activities(text), inv or small_inventory(), load_policy())


def golden_outputs() -> dict[str, str]:
    """File name → expected content; ``scripts/regen_golden.py`` writes these."""
    record = _record()
    return {"ropa_small.md": render_markdown(record), "ropa_small.csv": render_csv(record)}


def _one(activity: dict[str, Any], controller: Any = None) -> dict[str, Any]:
    base = {
        "name": "Orders",
        "purpose": "Sell things",
        "legal_basis": "contract",
        "data_subjects": ["Customers"],
        "recipients": ["Carrier"],
        "transfers": "none",
        "retention": "10 years",
        "security_measures": ["TLS"],
        "sources": ["postgresql://*"],
    }
    base.update(activity)
    return {
        "controller": controller or {"name": "Shop", "contact": "privacy@shop.example"},
        "activities": [{k: v for k, v in base.items() if v is not ...}],
    }


@pytest.mark.parametrize("name", sorted(golden_outputs()))
def test_output_matches_golden_file(name: str) -> None:
    expected = (GOLDEN / name).read_text(encoding="utf-8")
    assert golden_outputs()[name] == expected, (
        f"{name} changed; if intended run: python scripts/regen_golden.py"
    )


def test_scan_fills_categories_systems_and_sensitivity() -> None:
    entry = _record().entries[0]
    assert entry.categories == (
        "Customer records",
        "Identifiers",
        "Protected class",
        "Sensitive personal information",
    )
    assert entry.systems == (
        "postgresql://app:***@db.internal:5432/crm?sslpassword=***/public.customers",
    )
    assert entry.sensitivity == "very_high"
    assert entry.special_categories == () and entry.notes == ()


def test_special_categories_are_the_art_9_entity_types_found() -> None:
    field = FieldResult(
        "diagnosis",
        "TEXT",
        "personal",
        10,
        0,
        entities=(EntityVerdict("MEDICAL_CONDITION", 0.9, 9, 10, 0.9, 0.6, 1.0),),
    )
    asset = AssetResult("postgresql://db/clinic", "patients", "table", 10, True, fields=(field,))
    record = build_record(parse_activities(_one({})), inventory_of((asset,)), load_policy())
    assert record.entries[0].special_categories == ("MEDICAL_CONDITION",)


@pytest.mark.parametrize(
    ("pattern", "assets"),
    [
        ("/data/exports", ["support/ticket-0042.txt", "exports/very_long_"]),  # a source
        ("*/public.products", ["public.products"]),  # source/asset
        ("*ticket-*.txt", ["support/ticket-0042.txt"]),
        ("postgresql://*", ["public.customers", "public.products"]),
        ("*/PUBLIC.products", []),  # case-sensitive
    ],
)
def test_sources_match_source_or_source_slash_asset(pattern: str, assets: list[str]) -> None:
    record = _record(text=yaml.safe_dump(_one({"sources": [pattern]})))
    systems = record.entries[0].systems
    assert len(systems) == len(assets)
    for system, asset in zip(systems, assets, strict=True):
        assert asset in system


def test_credentials_in_a_source_are_masked_in_systems() -> None:
    inv = small_inventory("postgresql://app:Tr0ub4dor@db/crm")
    record = _record(inv, yaml.safe_dump(_one({"sources": ["postgresql://*"]})))
    out = render_csv(record) + render_markdown(record)
    assert "Tr0ub4dor" not in out
    assert "postgresql://app:***@db/crm/public.customers" in out


def test_activity_matching_nothing_says_so_and_lists_the_gap() -> None:
    record = _record(text=yaml.safe_dump(_one({"sources": ["oracle://*", "*hr*"]})))
    entry = record.entries[0]
    assert entry.systems == () and entry.categories == () and entry.sensitivity is None
    assert entry.notes == ("no scanned system matches: sources oracle://*, *hr*",)
    assert (
        Missing(
            "Orders",
            "categories of personal data",
            "no scanned system matches the activity's sources",
        )
        in record.missing
    )


def test_source_that_could_not_be_read_is_noted() -> None:
    loyalty = _record().entries[3]
    assert loyalty.notes == (
        "no scanned system matches: sources mysql://*",
        "could not be read in the scan: mysql://reports@10.0.0.9/bi",
    )


@pytest.mark.parametrize("fmt", ["markdown", "csv"])
def test_empty_inventory_marks_every_activity(fmt: str) -> None:
    record = _record(inventory_of())
    assert all(
        e.notes and e.notes[0].startswith("no scanned system matches") for e in record.entries
    )
    out = render_markdown(record) if fmt == "markdown" else render_csv(record)
    assert out.count("no scanned system matches: sources") == len(record.entries)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ...}, "name"),
        ({"purpose": ...}, "purpose"),
        ({"purpose": "   "}, "purpose"),
        ({"legal_basis": None}, "legal_basis"),
        ({"data_subjects": []}, "data_subjects"),
        ({"recipients": ...}, "recipients"),
        ({"transfers": ...}, "transfers"),
        ({"transfers": []}, "transfers"),
        ({"transfers": [{"country": "US"}]}, "transfers item 1 safeguard"),
        ({"transfers": [{"safeguard": "SCC"}]}, "transfers item 1 country"),
        ({"retention": ...}, "retention"),
        ({"security_measures": ...}, "security_measures"),
        ({"sources": ...}, "sources"),
    ],
)
def test_missing_required_field_is_listed_not_invented(change: dict, field: str) -> None:
    activities = parse_activities(_one(change))
    label = activities.activities[0].label
    assert [(m.activity, m.field) for m in activities.missing] == [(label, field)]
    record = build_record(activities, small_inventory(), load_policy())
    row = dict(zip(COLUMNS, table_rows(record)[0], strict=True))
    assert field in row["missing"]
    column = {"name": "activity"}.get(field, field)
    if column in row:
        assert row[column] == ""
    md = render_markdown(record)
    assert f"| {label} | {field} |" in md


def test_missing_name_is_labelled_by_position() -> None:
    assert parse_activities(_one({"name": ...})).activities[0].label == "activity 1"


@pytest.mark.parametrize(
    ("controller", "missing"),
    [
        ({"name": "Shop"}, ["contact"]),
        ({"contact": "x@y"}, ["name"]),
        ({"dpo": "d@y"}, ["name", "contact"]),
    ],
)
def test_missing_controller_details_are_listed(controller: dict, missing: list[str]) -> None:
    activities = parse_activities(_one({}, controller=controller))
    assert [m.field for m in activities.missing if m.activity == "(controller)"] == missing
    md = render_markdown(build_record(activities, small_inventory(), load_policy()))
    for field in missing:
        assert f"- {field.capitalize()}: **missing**" in md


def test_complete_file_has_nothing_missing() -> None:
    record = build_record(parse_activities(_one({})), small_inventory(), load_policy())
    assert record.missing == ()
    assert NOTHING_MISSING in render_markdown(record)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_one({"purpose_of": "x"}), "activity 'Orders': unknown key 'purpose_of'"),
        (_one({}, controller={"name": "S", "email": "x"}), "controller: unknown key 'email'"),
        (
            _one({"transfers": [{"country": "US", "mechanism": "SCC"}]}),
            "activity 'Orders': transfers item 1: unknown key 'mechanism'",
        ),
        ({**_one({}), "version": 2}, "top level: unknown key 'version'"),
        (_one({"name": ..., "owner": "x"}), "activity 1: unknown key 'owner'"),
    ],
)
def test_unknown_keys_are_errors_naming_key_and_activity(data: dict, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        parse_activities(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_one({"purpose": 5}), "activity 'Orders': purpose must be text, not a number"),
        (_one({"data_subjects": "Customers"}), "data_subjects must be a list of text"),
        (_one({"sources": ["*", 3]}), "sources must be a list of text"),
        (_one({"transfers": {"country": "US"}}), 'transfers must be "none" or a list'),
        (_one({"transfers": ["US"]}), "transfers item 1 must be a mapping"),
        (_one({"legal_basis": "because"}), "is not an Art. 6(1) basis"),
        (_one({"retention": True}), "retention must be text, not true/false"),
        (_one({}, controller=["Shop"]), "controller: must be a mapping"),
        ({"controller": {}, "activities": {"name": "x"}}, "activities must be a list"),
        ({"controller": {}, "activities": ["x"]}, "activity 1: must be a mapping"),
        ({"controller": {}}, "no processing activities"),
        ({"controller": {}, "activities": []}, "no processing activities"),
        (["x"], "must be a mapping with controller and activities"),
        (
            {"activities": _one({})["activities"] * 2},
            "activity 'Orders' is declared twice",
        ),
    ],
)
def test_wrong_types_are_errors(data: Any, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        parse_activities(data)


@pytest.mark.parametrize("basis", LEGAL_BASES)
def test_each_art_6_basis_is_accepted(basis: str) -> None:
    assert parse_activities(_one({"legal_basis": basis})).activities[0].legal_basis == basis


def test_load_activities_errors_do_not_echo_the_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="activities file not found"):
        load_activities(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("controller: {name: Jane Secret-Person\nactivities: [\n")
    with pytest.raises(UsageError, match=r"is not valid YAML \(line \d+, column \d+\)") as info:
        load_activities(bad)
    assert "Jane" not in str(info.value)


def test_example_file_loads_and_is_complete_against_the_demo_inventory() -> None:
    from piiscan.reports.loading import load_inventory

    inv = load_inventory(GOLDEN / "demo_inventory.json")
    record = build_record(load_activities(EXAMPLE), inv, load_policy())
    assert record.missing == ()
    assert all(e.systems and e.categories and not e.notes for e in record.entries)


def test_csv_has_one_row_per_activity_under_fixed_columns() -> None:
    rows = list(csv.reader(io.StringIO(render_csv(_record()))))
    assert tuple(rows[0]) == COLUMNS
    assert [r[0] for r in rows[1:]] == [
        "Customer accounts",
        "Customer support",
        "Event analytics",
        "Loyalty programme",
    ]


def _sheet_values(ws: Any) -> list[list[Any]]:
    return [[c if c is not None else "" for c in row] for row in ws.iter_rows(values_only=True)]


def test_xlsx_reads_back_the_same_cells(tmp_path: Path) -> None:
    record = _record()
    path = tmp_path / "ropa.xlsx"
    write_xlsx(record, path)
    wb = load_workbook(path)
    assert wb.sheetnames == [RECORD_SHEET, MISSING_SHEET]
    assert _sheet_values(wb[RECORD_SHEET]) == [list(COLUMNS), *table_rows(record)]
    missing = _sheet_values(wb[MISSING_SHEET])
    assert missing[0] == list(MISSING_COLUMNS)
    assert missing[1:] == [
        ["Customer support", "retention", "Art. 30(1)(f)"],
        ["Event analytics", "recipients", "Art. 30(1)(d)"],
        ["Event analytics", "transfers item 1 safeguard", "Art. 30(1)(e), Art. 46"],
        [
            "Loyalty programme",
            "categories of personal data",
            "no scanned system matches the activity's sources",
        ],
    ]


def test_xlsx_with_nothing_missing_says_so(tmp_path: Path) -> None:
    record = build_record(parse_activities(_one({})), small_inventory(), load_policy())
    write_xlsx(record, tmp_path / "r.xlsx")
    ws = load_workbook(tmp_path / "r.xlsx")[MISSING_SHEET]
    assert _sheet_values(ws)[1] == ["", "", NOTHING_MISSING]


def test_spreadsheet_cells_never_become_formulas(tmp_path: Path) -> None:
    record = build_record(
        parse_activities(_one({"name": "=1+1", "purpose": "@SUM(A1)"})),
        small_inventory(),
        load_policy(),
    )
    write_xlsx(record, tmp_path / "r.xlsx")
    ws = load_workbook(tmp_path / "r.xlsx")[RECORD_SHEET]
    assert ws["A2"].value == "=1+1" and ws["A2"].data_type == "s"
    row = next(csv.DictReader(io.StringIO(render_csv(record))))
    assert (row["activity"], row["purpose"]) == ("'=1+1", "'@SUM(A1)")


def _files(tmp_path: Path) -> tuple[Path, Path]:
    inv = tmp_path / "inventory.json"
    inv.write_text(json.dumps(small_inventory().to_dict()), encoding="utf-8")
    act = tmp_path / "activities.yaml"
    act.write_text(SMALL_ACTIVITIES, encoding="utf-8")
    return inv, act


def test_command_renders_the_golden_csv(tmp_path: Path) -> None:
    inv, act = _files(tmp_path)
    result = CliRunner().invoke(ropa, [str(inv), "--activities", str(act), "-f", "csv"])
    assert result.exit_code == 0, result.output
    assert result.output == (GOLDEN / "ropa_small.csv").read_text(encoding="utf-8")


def test_command_writes_xlsx(tmp_path: Path) -> None:
    inv, act = _files(tmp_path)
    out = tmp_path / "ropa.xlsx"
    args = [str(inv), "--activities", str(act), "-f", "xlsx", "-o", str(out)]
    result = CliRunner().invoke(ropa, args)
    assert result.exit_code == 0, result.output
    assert load_workbook(out)[RECORD_SHEET]["A2"].value == "Customer accounts"


@pytest.mark.parametrize(
    ("extra", "activities", "message"),
    [
        (["-f", "xlsx"], SMALL_ACTIVITIES, "give the file with -o"),
        ([], "activities:\n  - name: X\n    owner: me\n", "unknown key 'owner'"),
    ],
)
def test_command_errors_are_one_line_exit_2(
    tmp_path: Path, extra: list[str], activities: str, message: str
) -> None:
    inv, act = _files(tmp_path)
    act.write_text(activities, encoding="utf-8")
    cli = _Cli("piiscan", commands=[ropa])
    result = CliRunner().invoke(cli, ["ropa", str(inv), "--activities", str(act), *extra])
    assert result.exit_code == 2
    assert result.output.startswith("Error: ") and message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_records_keep_the_declared_activity_order() -> None:
    reordered = yaml.safe_load(SMALL_ACTIVITIES)
    reordered["activities"].reverse()
    record = build_record(parse_activities(reordered), small_inventory(), load_policy())
    assert record.entries[0].activity.label == "Loyalty programme"
    assert record.missing[0].activity == "Loyalty programme"
