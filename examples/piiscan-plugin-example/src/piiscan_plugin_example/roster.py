"""``.roster`` files: a ``piiscan.formats`` plugin the files connector asks for them.

A roster is UTF-8 text: ``#`` comment lines, a header line of ``|``-separated column
names, then one row per line::

    employee_id | name | email
    EMP-123456 | Jane Roe | jane.roe@acme.example
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pyarrow as pa

from piiscan.errors import AssetError
from piiscan.plugins import BlobLike, FileFormat

BATCH_ROWS = 1_000


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.split("|")]


class RosterFormat(FileFormat):
    name = "roster"
    description = "ACME staff rosters (.roster: | separated, with a header)"
    suffixes = (".roster",)
    kind = "table"

    def batches(
        self, blob: BlobLike, limit: int | None, notes: list[str]
    ) -> Iterator[pa.RecordBatch]:
        header: list[str] | None = None
        rows: list[list[str]] = []
        read = 0
        with blob.open() as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", errors="strict", newline="")
            try:
                for number, line in enumerate(text, start=1):
                    if not line.strip() or line.lstrip().startswith("#"):
                        continue
                    if header is None:
                        header = _cells(line)
                        continue
                    cells = _cells(line)
                    if len(cells) != len(header):
                        notes.append(f"line {number}: {len(cells)} fields, not {len(header)}")
                        continue
                    if limit is not None and read >= limit:
                        notes.append(f"sampled: first {limit} rows (--full reads everything)")
                        break
                    rows.append(cells)
                    read += 1
                    if len(rows) == BATCH_ROWS:
                        yield self._batch(header, rows)
                        rows = []
            except UnicodeDecodeError:
                raise AssetError(f"{blob.name} is not UTF-8 text") from None
        if header is None:
            raise AssetError(f"{blob.name}: no header line")
        if rows or read == 0:
            yield self._batch(header, rows)

    @staticmethod
    def _batch(header: list[str], rows: list[list[str]]) -> pa.RecordBatch:
        columns = [pa.array([row[i] for row in rows], pa.string()) for i in range(len(header))]
        return pa.RecordBatch.from_arrays(columns, names=header)
