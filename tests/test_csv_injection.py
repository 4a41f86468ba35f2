"""Issue 19, item 8: CSV formula injection. Asset, field and source names, notes and
evidence come from the scanned data; a CSV report cell starting with ``= + - @ \\t \\r``
would run as a formula in a spreadsheet. Every CSV writer (``scan``/``report --format
csv``, the matrix, the record of processing) uses one guard,
:func:`piiscan.reports.cells.spreadsheet_safe`; the report is read back with the ``csv``
module to check what a spreadsheet would get."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path

import pytest
from test_reporters import small_inventory

from piiscan.config import Config
from piiscan.model import Inventory, ScanError
from piiscan.reports import cells, csv_reporter, matrix_render, ropa_render
from piiscan.reports.csv_reporter import CsvReporter
from piiscan.reports.rows import NAMES
from piiscan.scanning.scanner import Scanner

FORMULAS = ["=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)",
            "\t=1+1", "\r=1+1"]


def csv_cells(inventory: Inventory) -> list[dict[str, str]]:
    buf = io.StringIO()
    CsvReporter().write(inventory, buf)
    return list(csv.DictReader(io.StringIO(buf.getvalue(), newline="")))


def test_one_guard_for_every_spreadsheet_writer() -> None:
    assert csv_reporter.spreadsheet_safe is cells.spreadsheet_safe
    assert matrix_render.spreadsheet_safe is cells.spreadsheet_safe
    assert ropa_render.spreadsheet_safe is cells.spreadsheet_safe


@pytest.mark.parametrize("formula", FORMULAS)
def test_formula_cells_are_quoted_in_every_column(formula: str) -> None:
    base = small_inventory()
    asset = base.assets[0]
    field = replace(asset.fields[0], name=formula)
    asset = replace(asset, asset=formula, source=formula, notes=(formula,), fields=(field,))
    inventory = replace(base, assets=(asset,),
                        errors=(ScanError(formula, formula, formula),))
    rows = csv_cells(inventory)
    assert len(rows) == 2  # the field and the error: a "\r" in a cell splits no row
    for row in rows:
        assert list(row) == list(NAMES)
        for name, value in row.items():
            assert not cells.is_formula(value), (name, value)
    first = rows[0]
    assert first["asset"] == "'" + formula
    assert first["field"] == "'" + formula
    [error_row] = [r for r in rows if r["status"] == "error"]
    assert error_row["note"] == "'" + formula


@pytest.mark.parametrize("value", ["plain", "0.97", "a=b", "x-y", "name@example.org", ""])
def test_ordinary_cells_are_left_alone(value: str) -> None:
    assert cells.spreadsheet_safe(value) == value


def test_a_scanned_file_named_like_a_formula_cannot_run(tmp_path: Path) -> None:
    """A real scan: a file and a header cell named like formulas, read back with csv."""
    (tmp_path / "=1+1.csv").write_text('"=HYPERLINK(""http://evil"",""x"")",@cmd\n1,2\n')
    config = Config(spacy_model="none", progress=False)
    inventory = Scanner(config).scan([str(tmp_path)])
    rows = csv_cells(inventory)
    assert {r["asset"] for r in rows} == {"'=1+1.csv"}
    assert "'=HYPERLINK(\"http://evil\",\"x\")" in {r["field"] for r in rows}
    assert not [v for r in rows for v in r.values() if cells.is_formula(v)]
