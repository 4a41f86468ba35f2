"""Per-bucket / per-prefix summary: grouping, counts, bytes, score, and the ``prefixes`` report.

Regenerate the golden file after an intended output change with
``python scripts/regen_golden.py``.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from piiscan.inventory_summary import summarize
from piiscan.model import AssetResult, Inventory
from piiscan.prefix_summary import prefix_of, prefix_summary, score
from piiscan.registry import Registry
from piiscan.reports.loading import validate_inventory_dict
from piiscan.reports.prefixes_reporter import WIDTH, PrefixesReporter, human_bytes

GOLDEN = Path(__file__).parent / "golden"
BUCKET = "s3://acme-exports"
FOLDER = "/data/shared"


def obj(
    name: str,
    level: str | None = None,
    categories: tuple[str, ...] = (),
    size: int | None = 1000,
    read: int | None = 1000,
    source: str = BUCKET,
    kind: str = "file",
    carried: bool = False,
) -> AssetResult:
    return AssetResult(
        source=source,
        asset=name,
        kind=kind,
        rows_scanned=10,
        complete=True,
        categories=categories,
        sensitivity=level,  # type: ignore[arg-type]
        gdpr="personal" if level else None,
        size_bytes=size,
        bytes_read=read,
        carried_over=carried,
    )


ASSETS = (
    obj("hr/payroll.csv", "very_high", ("identifiers", "sensitive"), 2_400_000, 1_048_576),
    obj("hr/2024/reviews.txt", "high", ("identifiers", "professional"), 30_000, 0,
        kind="text", carried=True),
    obj("hr/handbook.txt", None, (), 80_000, 80_000, kind="text"),
    obj("marketing/leads.jsonl", "high", ("identifiers",), 5_000_000_000, 8_000_000),
    obj("marketing/logo.txt", None, (), 512, 512, kind="text"),
    obj("marketing/campaigns.csv", "low", ("commercial",), 9_000, 9_000),
    obj("readme.txt", None, (), 300, 300, kind="text"),
    obj("tickets/0001.txt", "medium", ("customer_records",), 2_000, 2_000, source=FOLDER,
        kind="text"),
    obj("public.customers", "very_high", ("identifiers",), None, None, source="sqlite:///x.db",
        kind="table"),
)


def inventory(assets: tuple[AssetResult, ...] = ASSETS) -> Inventory:
    return Inventory(
        tool={"name": "piiscan", "version": "0.1.0"},
        settings={},
        policy={},
        detectors=(),
        sources=(BUCKET, FOLDER, "sqlite:///x.db"),
        assets=assets,
        generated_at="2026-11-20T10:00:00+00:00",
        summary=summarize(assets, ()),
    )


def render(inv: Inventory) -> str:
    buf = io.StringIO()
    PrefixesReporter().write(inv, buf)
    return buf.getvalue()


def golden_outputs() -> dict[str, str]:
    """File name → expected content; ``scripts/regen_golden.py`` writes these."""
    return {"prefixes_small.txt": render(inventory())}


def groups(depth: int = 1) -> dict[tuple[str, str], dict[str, Any]]:
    return {(g["source"], g["prefix"]): g for g in prefix_summary(ASSETS, depth)}


@pytest.mark.parametrize(
    ("name", "depth", "prefix"),
    [
        ("readme.txt", 1, ""),
        ("hr/payroll.csv", 1, "hr"),
        ("hr/2024/reviews.txt", 1, "hr"),
        ("hr/2024/reviews.txt", 2, "hr/2024"),
        ("hr/payroll.csv", 2, "hr"),
        ("a/b/c/d.txt", 3, "a/b/c"),
    ],
)
def test_prefix_of(name: str, depth: int, prefix: str) -> None:
    assert prefix_of(name, depth) == prefix


@pytest.mark.parametrize(
    ("by_level", "expected"),
    [
        ({}, 0.0),
        ({"none": 5}, 0.0),
        ({"very_high": 3}, 100.0),
        ({"high": 2}, 70.0),
        ({"very_high": 1, "none": 1}, 50.0),
        ({"high": 1, "low": 1, "none": 1}, 26.7),
        ({"medium": 1, "low": 3}, 17.5),
    ],
)
def test_score_is_the_weighted_share_by_level(by_level: dict[str, int], expected: float) -> None:
    assert score(by_level) == expected


def test_groups_by_source_and_first_folder_leaving_tables_out() -> None:
    assert set(groups()) == {(BUCKET, "hr"), (BUCKET, "marketing"), (BUCKET, ""),
                             (FOLDER, "tickets")}
    assert (BUCKET, "hr/2024") in groups(depth=2)


def test_counts_bytes_and_carried_over_of_a_prefix() -> None:
    hr = groups()[(BUCKET, "hr")]
    assert hr["objects"] == 3
    assert hr["by_sensitivity"] == {"very_high": 1, "high": 1, "none": 1}
    assert hr["by_category"] == {"identifiers": 2, "professional": 1, "sensitive": 1}
    assert hr["highest"] == "very_high"
    assert hr["bytes_total"] == 2_400_000 + 30_000 + 80_000
    assert hr["bytes_read"] == 1_048_576 + 80_000
    assert hr["bytes_skipped"] == (2_400_000 - 1_048_576) + 30_000
    assert hr["carried_over"] == 1
    assert hr["score"] == round(100 * (1.0 + 0.7) / 3, 1)


def test_unknown_sizes_count_as_zero_and_are_never_skipped() -> None:
    [g] = prefix_summary([obj("a/x.txt", size=None, read=None), obj("a/y.txt", size=500,
                                                                    read=None)])
    assert (g["bytes_total"], g["bytes_read"], g["bytes_skipped"]) == (500, 0, 0)


def test_highest_score_first() -> None:
    scores = [g["score"] for g in prefix_summary(ASSETS)]
    assert scores == sorted(scores, reverse=True)


def test_summary_has_by_prefix_only_with_file_or_object_assets() -> None:
    summary = summarize(ASSETS, ())
    assert [g["prefix"] for g in summary["by_prefix"]] == [
        g["prefix"] for g in prefix_summary(ASSETS)
    ]
    tables_only = summarize([a for a in ASSETS if a.kind == "table"], ())
    assert "by_prefix" not in tables_only
    assert set(summary) - {"by_prefix"} == set(tables_only)


def test_inventory_with_by_prefix_matches_the_schema() -> None:
    validate_inventory_dict(inventory().to_dict())


@pytest.mark.parametrize("name", sorted(golden_outputs()))
def test_output_matches_golden_file(name: str) -> None:
    expected = (GOLDEN / name).read_text(encoding="utf-8")
    assert golden_outputs()[name] == expected, (
        f"{name} changed; if intended run: python scripts/regen_golden.py"
    )


@pytest.mark.parametrize(
    "expected",
    [
        "source: s3://acme-exports",
        "source: /data/shared",
        "categories: identifiers 2, professional 1, sensitive 1",
        "very_high 1, high 1, none 1",
        "(top)",
        "4.7 GiB",
    ],
)
def test_report_shows(expected: str) -> None:
    assert expected in render(inventory())


def test_report_fits_the_width_and_keeps_tables_out() -> None:
    out = render(inventory())
    assert max(len(line) for line in out.splitlines()) <= WIDTH
    assert "sqlite" not in out and "public.customers" not in out


def test_report_on_an_inventory_without_objects() -> None:
    out = render(inventory(tuple(a for a in ASSETS if a.kind == "table")))
    assert "no file or object assets" in out


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "0 B"), (1023, "1023 B"), (1024, "1.0 KiB"), (1_048_576, "1.0 MiB"),
     (5_000_000_000, "4.7 GiB"), (2**50, "1024.0 TiB")],
)
def test_human_bytes(n: int, text: str) -> None:
    assert human_bytes(n) == text


def test_reporter_registers_under_its_format_name() -> None:
    assert Registry().get("reporter", "prefixes") is PrefixesReporter
