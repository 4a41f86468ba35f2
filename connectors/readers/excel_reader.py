"""Excel workbooks (``.xlsx``/``.xlsm``): each worksheet a table of string columns.

The first non-empty row is the header unless it looks like data (:mod:`.headers`); the
workbook is read with openpyxl in read-only mode, values as last computed (no formulas).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import IO, Any

import pyarrow as pa

from piiscan.connectors.readers.arrow import as_text, string_batch
from piiscan.connectors.readers.blob import Blob
from piiscan.connectors.readers.csv_reader import header_names
from piiscan.connectors.readers.document_io import check_office, seekable, why
from piiscan.connectors.readers.headers import (
    SAMPLE_ROWS,
    generic_names,
    header_is_data,
    headerless_note,
)
from piiscan.errors import AssetError


def _open_workbook(fh: IO[bytes]) -> Any:
    from openpyxl import load_workbook

    check_office(fh, "an Excel workbook")
    try:
        return load_workbook(fh, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken packages
        raise AssetError(f"corrupt Excel workbook ({why(exc)})") from None


def xlsx_sheet_names(blob: Blob) -> list[str]:
    """Worksheet titles in workbook order (chart sheets are not tables)."""
    with seekable(blob) as fh:
        wb = _open_workbook(fh)
        try:
            return [ws.title for ws in wb.worksheets]
        finally:
            wb.close()


def xlsx_sheet_batches(
    blob: Blob, sheet: str, *, batch_rows: int, limit: int | None, notes: list[str] | None = None
) -> Iterator[pa.RecordBatch]:
    """String record batches of one worksheet (opens the workbook on its own)."""
    with seekable(blob) as fh:
        wb = _open_workbook(fh)
        try:
            if sheet not in wb.sheetnames:
                raise AssetError("no such worksheet")
            yield from _sheet_rows(wb[sheet], batch_rows, limit, notes)
        finally:
            wb.close()


def xlsx_sheets(
    blob: Blob, *, batch_rows: int, limit: int | None, notes: list[str] | None = None
) -> Iterator[tuple[str, Iterator[pa.RecordBatch]]]:
    """(title, batches) per worksheet from one open workbook; consume each sheet's
    batches before asking for the next sheet."""
    with seekable(blob) as fh:
        wb = _open_workbook(fh)
        try:
            for ws in wb.worksheets:
                yield ws.title, _sheet_rows(ws, batch_rows, limit, notes)
        finally:
            wb.close()


def _sheet_rows(
    ws: Any, batch_rows: int, limit: int | None, notes: list[str] | None
) -> Iterator[pa.RecordBatch]:
    """First non-empty row is the header, unless it looks like data (see
    :mod:`.headers`: the columns are then ``column_1`` … and the row is data); wider rows
    add ``column_N`` columns; empty rows are skipped. An empty sheet gives one batch with
    no columns."""
    names: list[str] | None = None
    rows: list[list[str | None]] = []
    total = 0
    try:
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()  # ignore the stored size: a bogus one pads every row
        cells_of = (_trim([as_text(v) for v in raw]) for raw in ws.iter_rows(values_only=True))
        filled = (cells for cells in cells_of if cells)
        first = next(filled, None)
        below = list(itertools.islice(filled, SAMPLE_ROWS))
        data: Iterator[list[str | None]] = iter(below)
        if first is not None:
            if header_is_data(first, below):
                names = generic_names(len(first))
                data = itertools.chain([first], below)
                if notes is not None:
                    notes.append(headerless_note(len(names)))
            else:
                names = header_names([c or "" for c in first])
        for cells in itertools.chain(data, filled):
            assert names is not None
            if len(cells) > len(names):
                if rows:
                    yield _padded(names, rows)
                    rows = []
                names = header_names(names + [""] * (len(cells) - len(names)))
            rows.append(cells)
            total += 1
            if len(rows) >= batch_rows:
                yield _padded(names, rows)
                rows = []
            if limit is not None and total >= limit:
                break
    except AssetError:
        raise
    except Exception as exc:  # broken sheet XML
        raise AssetError(f"corrupt worksheet ({why(exc)})") from None
    if names is None:
        if notes is not None:
            notes.append(f"worksheet {ws.title!r} is empty")
        yield pa.RecordBatch.from_arrays([], names=[])
    elif rows or total == 0:
        yield _padded(names, rows)


def _trim(cells: list[str | None]) -> list[str | None]:
    """Cells without trailing blanks; ``[]`` for an empty row."""
    end = len(cells)
    while end and (cells[end - 1] is None or not str(cells[end - 1]).strip()):
        end -= 1
    return cells[:end]


def _padded(names: Sequence[str], rows: list[list[str | None]]) -> pa.RecordBatch:
    width = len(names)
    return string_batch(names, [(r + [None] * width)[:width] for r in rows])
