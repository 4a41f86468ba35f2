"""CSV: one row per field (see :mod:`piiscan.reports.rows`), for spreadsheets and warehouses."""

from __future__ import annotations

import csv
from typing import IO, TYPE_CHECKING

from piiscan.plugins import Reporter
from piiscan.reports.rows import NAMES, field_rows

if TYPE_CHECKING:
    from piiscan.model import Inventory


class CsvReporter(Reporter):
    """A header row, then one row per field; empty cells for missing values; ``\\n`` endings."""

    name = "csv"
    description = "one row per field (CSV), for spreadsheets and warehouses"
    extension = ".csv"

    def write(self, inventory: Inventory, out: IO[str]) -> None:
        writer = csv.DictWriter(out, fieldnames=NAMES, lineterminator="\n")
        writer.writeheader()
        for row in field_rows(inventory):
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
