"""The data classification matrix: roll-up rules, defaults, renderings, golden files.

Golden files are drawn from ``small_inventory()`` of tests/test_reporters.py; regenerate
them after an intended change with ``python scripts/regen_golden.py``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_reporters import inventory_of, small_inventory

from piiscan.cli import _Cli
from piiscan.commands.reports_cmds import matrix
from piiscan.errors import ConfigError
from piiscan.model import AssetResult, EntityVerdict, FieldResult, Inventory
from piiscan.policy import Policy, default_policy_data, load_policy
from piiscan.reports.matrix import (
    NOT_SET,
    build_matrix,
    coverage,
    load_defaults,
    merge_defaults,
)
from piiscan.reports.matrix_render import FORMATS, NOTHING_FOUND, render

GOLDEN = Path(__file__).parent / "golden"


def _matrix(inv: Inventory, policy: Policy | None = None) -> list:
    policy = policy or load_policy()
    return build_matrix(inv, policy, load_defaults(None, policy))


def _render(inv: Inventory, fmt: str) -> str:
    policy = load_policy()
    return render(_matrix(inv, policy), coverage(inv, policy), fmt)


def golden_outputs() -> dict[str, str]:
    """File name → expected content; ``scripts/regen_golden.py`` writes these."""
    inv = small_inventory()
    ext = {"markdown": "md", "html": "html", "csv": "csv"}
    return {f"matrix_small.{ext[fmt]}": _render(inv, fmt) for fmt in FORMATS}


def _asset(name: str, *fields: FieldResult, source: str = "sqlite:///x.db") -> AssetResult:
    return AssetResult(
        source=source, asset=name, kind="table", rows_scanned=10, complete=True, fields=fields
    )


def _field(name: str, *types: str, **kw: object) -> FieldResult:
    entities = tuple(EntityVerdict(t, 0.9, 9, 10, 0.9, 0.6, 1.0) for t in types)
    return FieldResult(name, "TEXT", "personal", 10, 0, entities=entities, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(golden_outputs()))
def test_output_matches_golden_file(name: str) -> None:
    expected = (GOLDEN / name).read_text(encoding="utf-8")
    assert golden_outputs()[name] == expected, (
        f"{name} changed; if intended run: python scripts/regen_golden.py"
    )


def test_rows_are_ordered_by_highest_level_then_category_id() -> None:
    rows = _matrix(small_inventory())
    assert [(r.category, r.sensitivity) for r in rows] == [
        ("customer_records", "very_high"),
        ("sensitive", "very_high"),
        ("identifiers", "high"),
        ("protected_class", "high"),
        ("internet_activity", "low"),
    ]


def test_a_row_counts_entity_types_fields_and_assets() -> None:
    row = next(r for r in _matrix(small_inventory()) if r.category == "identifiers")
    assert row.title == "Identifiers"
    assert row.entities == (
        ("DATE_OF_BIRTH", 1),
        ("EMAIL_ADDRESS", 3),
        ("PERSON", 2),
        ("PHONE_NUMBER", 1),
    )
    assert (row.assets, row.fields, row.gdpr) == (3, 5, "personal")


def test_level_of_a_category_comes_from_its_own_entity_types() -> None:
    # The e-mail column also matches URL: internet activity is low, not the field's high.
    row = next(r for r in _matrix(small_inventory()) if r.category == "internet_activity")
    assert row.entities == (("URL", 1),)
    assert row.sensitivity == "low"


@pytest.mark.parametrize(
    ("fields", "category", "expected"),
    [
        # most sensitive first, then by asset and field; at most three
        (
            [
                ("a", "b", ("LOCATION",)),
                ("z", "c", ("GEO_COORDINATE",)),
                ("m", "d", ("POSTAL_CODE",)),
                ("b", "e", ("LOCATION",)),
            ],
            "geolocation",
            ("z.c", "a.b", "b.e"),
        ),
        # a text body is named by its asset alone
        ([("notes/a.txt", "(text)", ("EMAIL_ADDRESS",))], "identifiers", ("notes/a.txt",)),
        # one location once, even when several entity types of the category are there
        ([("t", "f", ("EMAIL_ADDRESS", "PERSON"))], "identifiers", ("t.f",)),
    ],
)
def test_example_locations(fields: list, category: str, expected: tuple[str, ...]) -> None:
    assets = tuple(_asset(a, _field(f, *types)) for a, f, types in fields)
    row = next(r for r in _matrix(inventory_of(assets)) if r.category == category)
    assert row.examples == expected


def test_special_category_entity_makes_the_gdpr_class() -> None:
    inv = inventory_of((_asset("patients", _field("diagnosis", "MEDICAL_CONDITION")),))
    rows = {r.category: r for r in _matrix(inv)}
    assert rows["sensitive"].gdpr == "special_category"
    assert rows["protected_class"].sensitivity == "very_high"


def test_entity_type_unknown_to_the_policy_keeps_the_recorded_classification() -> None:
    field = _field(
        "badge", "ACME_BADGE", categories=("professional",), sensitivity="medium", gdpr="personal"
    )
    rows = _matrix(inventory_of((_asset("staff", field),)))
    assert [(r.category, r.entities, r.sensitivity) for r in rows] == [
        ("professional", (("ACME_BADGE", 1),), "medium")
    ]


@pytest.mark.parametrize(
    "inv",
    [
        inventory_of(),
        inventory_of((_asset("products", FieldResult("name", "TEXT", "none_found", 50, 0)),)),
        inventory_of((_asset("t", _field("created", "DATE_TIME")),)),  # not personal on its own
    ],
    ids=["no assets", "no personal field", "non-personal entity"],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_no_personal_data_is_said_in_every_format(inv: Inventory, fmt: str) -> None:
    assert _matrix(inv) == []
    out = _render(inv, fmt)
    assert NOTHING_FOUND in out
    assert "<table" not in out and "| Category" not in out


def test_empty_csv_is_a_header_and_one_row_that_says_so() -> None:
    rows = list(csv.reader(io.StringIO(_render(inventory_of(), "csv"))))
    assert len(rows) == 2 and rows[1][1] == NOTHING_FOUND


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_unread_assets_are_warned_about(fmt: str) -> None:
    out = _render(small_inventory(), fmt)
    assert "2 assets or sources could not be read" in out


def test_built_in_defaults_cover_every_category_of_the_default_policy() -> None:
    defaults = load_defaults()
    for category in default_policy_data()["categories"]:
        assert set(defaults[category]) == {"access", "retention"}, category
    assert all(r.access != NOT_SET for r in _matrix(small_inventory()))


def test_user_defaults_merge_key_by_key(tmp_path: Path) -> None:
    path = tmp_path / "defaults.yaml"
    path.write_text("identifiers: {retention: 'Keep 6 months'}\nacme: {access: Badge}\n")
    builtin = load_defaults()
    merged = load_defaults(path)
    assert merged["identifiers"] == {
        "access": builtin["identifiers"]["access"],
        "retention": "Keep 6 months",
    }
    assert merged["acme"] == {"access": "Badge"}
    assert merged["sensitive"] == builtin["sensitive"]


def test_policy_category_keys_are_defaults_too(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("categories:\n  geolocation: {title: Location, access: Only the GIS team}\n")
    policy = load_policy(path)
    defaults = load_defaults(None, policy)
    assert defaults["geolocation"]["access"] == "Only the GIS team"
    assert defaults["geolocation"]["retention"] == load_defaults()["geolocation"]["retention"]
    inv = inventory_of((_asset("shops", _field("zip", "POSTAL_CODE")),))
    (row,) = build_matrix(inv, policy, defaults)
    assert (row.title, row.access) == ("Location", "Only the GIS team")


def test_category_without_a_default_says_it_is_not_set() -> None:
    policy = load_policy()
    inv = inventory_of((_asset("users", _field("email", "EMAIL_ADDRESS")),))
    (row,) = build_matrix(inv, policy, merge_defaults({}, {}))
    assert row.access == row.retention == NOT_SET


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("identifiers: {acess: x}\n", "unknown key 'acess'"),
        ("identifiers: [x]\n", "identifiers must be a mapping"),
        ("identifiers: {access: 3}\n", "identifiers.access must be text"),
        ("- identifiers\n", "must map category ids"),
        ("identifiers: {access: [\n", "not valid YAML"),
    ],
)
def test_bad_defaults_file_is_a_config_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "defaults.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_defaults(path)


def test_missing_defaults_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_defaults(tmp_path / "nope.yaml")


HOSTILE = '<script>alert(1)</script>|=HYPERLINK("x")'


def test_html_is_self_contained_and_escaped() -> None:
    inv = inventory_of((_asset(HOSTILE, _field("e<b>", "EMAIL_ADDRESS")),))
    out = _render(inv, "html")
    assert "<script" not in out and "<b>" not in out
    assert "&lt;script&gt;" in out
    assert re.search(r"\b(src|href)=", out) is None
    assert "default-src 'none'" in out


def test_markdown_cells_cannot_break_the_table() -> None:
    inv = inventory_of((_asset(HOSTILE, _field("a|b", "EMAIL_ADDRESS")),))
    line = next(x for x in _render(inv, "markdown").splitlines() if x.startswith("| Identifiers"))
    assert line.count(" | ") == 8  # nine cells, pipes in values escaped
    assert "<script>" not in line


def test_csv_cells_cannot_run_as_formulas() -> None:
    inv = inventory_of((_asset("=cmd()", _field("x", "EMAIL_ADDRESS")),))
    (row,) = list(csv.DictReader(io.StringIO(_render(inv, "csv"))))
    assert row["example_locations"] == "'=cmd().x"


def test_no_evidence_or_credentials_in_any_format() -> None:
    inv = replace(
        small_inventory(),
        assets=tuple(
            replace(a, source="postgresql://app:Tr0ub4dor@db/crm") for a in small_inventory().assets
        ),
    )
    for fmt in FORMATS:
        out = _render(inv, fmt)
        assert "***" not in out and "Tr0ub4dor" not in out and "@example" not in out


def _write_inventory(tmp_path: Path, inv: Inventory) -> Path:
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps(inv.to_dict()), encoding="utf-8")
    return path


def test_command_renders_the_golden_matrix(tmp_path: Path) -> None:
    path = _write_inventory(tmp_path, small_inventory())
    result = CliRunner().invoke(matrix, [str(path), "--format", "html"])
    assert result.exit_code == 0, result.output
    assert result.output == (GOLDEN / "matrix_small.html").read_text(encoding="utf-8")


def test_command_writes_a_file_with_user_defaults(tmp_path: Path) -> None:
    path = _write_inventory(tmp_path, small_inventory())
    defaults = tmp_path / "d.yaml"
    defaults.write_text("sensitive: {access: Two named admins}\n")
    out = tmp_path / "out" / "matrix.csv"
    args = [str(path), "-f", "csv", "--defaults", str(defaults), "-o", str(out)]
    result = CliRunner().invoke(matrix, args)
    assert result.exit_code == 0, result.output
    rows = {r["category"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert rows["sensitive"]["access_control"] == "Two named admins"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"schema_version": "9.0", "assets": []}', "newer than this piiscan"),
        ('{"schema_version": "1.0", "assets": [', "not valid JSON"),
    ],
)
def test_command_bad_inventory_is_one_error_line_exit_2(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "inventory.json"
    path.write_text(content)
    cli = _Cli("piiscan", commands=[matrix])
    result = CliRunner().invoke(cli, ["matrix", str(path)])
    assert result.exit_code == 2
    assert message in result.output and result.output.startswith("Error: ")
    assert "Traceback" not in result.output
