"""CSV: one row per field (see :mod:`piiscan.reports.rows`), for spreadsheets and warehouses."""

from __future__ import annotations

import csv
from typing import IO, TYPE_CHECKING

from piiscan.plugins import Reporter
from piiscan.reports.cells import spreadsheet_safe
from piiscan.reports.rows import NAMES, field_rows

if TYPE_CHECKING:
    from piiscan.model import Inventory


class CsvReporter(Reporter):
    """A header row, then one row per field; empty cells for missing values; ``\\n`` endings.
    Text that a spreadsheet would run as a formula (a name from the data starting with
    ``=``) is prefixed with ``'`` (:func:`~piiscan.reports.cells.spreadsheet_safe`)."""

    name = "csv"
    description = "one row per field (CSV), for spreadsheets and warehouses"
    extension = ".csv"

    def write(self, inventory: Inventory, out: IO[str]) -> None:
        writer = csv.DictWriter(out, fieldnames=NAMES, lineterminator="\n")
        # csv quotes a cell holding "\n" but not one holding a bare "\r" (not in the line
        # terminator), which a reader takes for the end of the row: such rows are quoted
        quoted = csv.DictWriter(out, fieldnames=NAMES, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writeheader()
        for row in field_rows(inventory):
            cells = {k: _cell(v) for k, v in row.items()}
            cr = any(isinstance(v, str) and "\r" in v for v in cells.values())
            (quoted if cr else writer).writerow(cells)


def _cell(value: object) -> object:
    if value is None:
        return ""
    return spreadsheet_safe(value) if isinstance(value, str) else value
