"""CSV/TSV: encoding and dialect sniffing, header normalisation, string batches.

A first row that looks like data (see :mod:`.headers`) is read as data: the columns are
named ``column_1`` … ``column_N`` and a note says so.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator, Sequence

import pyarrow as pa

from piiscan.connectors.readers.arrow import string_batch
from piiscan.connectors.readers.blob import Blob
from piiscan.connectors.readers.encoding import CharBudget, Encoding, open_text, sniff_encoding
from piiscan.connectors.readers.headers import (
    SAMPLE_ROWS,
    generic_names,
    header_is_data,
    headerless_note,
)
from piiscan.errors import AssetError, EmptyAsset

DELIMITERS = ",;\t|"
SNIFF_CHARS = 64 * 1024
#: Columns read from one file at most (each costs the scan per-column work); the rest
#: are dropped with a note. Header lines are also bounded by ``max_line_chars``.
MAX_COLUMNS = 2_000


def header_names(row: Sequence[str]) -> list[str]:
    """Header cells as unique column names: blanks become ``column_N`` (1-based position),
    repeats get ``_2``, ``_3``…"""
    names: list[str] = []
    seen: set[str] = set()
    last: dict[str, int] = {}  # the last suffix given to a base: linear in repeats
    for i, cell in enumerate(row, start=1):
        base = cell.strip() or f"column_{i}"
        name = base
        if name in seen:
            k = last.get(base, 1)
            while name in seen:
                k += 1
                name = f"{base}_{k}"
            last[base] = k
        seen.add(name)
        names.append(name)
    return names


def first_rows(reader: Iterator[list[str]]) -> tuple[list[str] | None, list[list[str]]]:
    """The first non-empty row and up to :data:`~.headers.SAMPLE_ROWS` non-empty rows
    after it (what the header decision looks at)."""
    first = next((row for row in reader if row), None)
    below: list[list[str]] = []
    if first is not None:
        for row in reader:
            if row:
                below.append(row)
                if len(below) >= SAMPLE_ROWS:
                    break
    return first, below


def table_names(first: Sequence[str], below: Sequence[Sequence[str]]) -> tuple[list[str], bool]:
    """The column names of a table and whether its first row is data (headerless)."""
    if header_is_data(first, below):
        return generic_names(len(first)), True
    return header_names(first), False


def sniff_delimiter(sample: str, default: str) -> str:
    """The delimiter by :class:`csv.Sniffer`, else the most frequent candidate in line 1."""
    if "\n" in sample or "\r" in sample:
        sample = sample[: max(sample.rfind("\n"), sample.rfind("\r"))]
    try:
        found = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        found = ""
    first = sample.splitlines()[0] if sample else ""
    if found and found in first:
        return found
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    if default in first and counts[default] == counts[best]:
        return default
    return best if counts[best] else default


def csv_batches(
    blob: Blob,
    *,
    batch_rows: int,
    limit: int | None,
    max_bytes: int | None = None,
    max_line_chars: int | None = None,
    notes: list[str] | None = None,
) -> Iterator[pa.RecordBatch]:
    """String record batches of a CSV file; a header-only file yields one empty batch.

    ``limit`` caps the rows and ``max_bytes`` the text read (sampling); a note says when
    either cut the file short. Physical lines longer than ``max_line_chars`` are cut
    there (the rest of the line is skipped, never held whole), with a note."""
    encoding: Encoding = sniff_encoding(blob, "text CSV")
    if encoding.note and notes is not None:
        notes.append(encoding.note)
    default = "\t" if blob.suffix in (".tsv", ".tab") else ","
    budget = CharBudget(max_bytes, max_line_chars)
    with open_text(blob, encoding) as fh:
        sample = fh.read(SNIFF_CHARS)
        if not sample.strip():
            raise EmptyAsset("empty file")
        fh.seek(0)
        reader = csv.reader(
            budget.lines(fh),
            delimiter=sniff_delimiter(sample, default),
            quotechar='"',
            doublequote=True,
            skipinitialspace=False,
            strict=False,
        )
        try:
            yield from _stream(reader, batch_rows, limit, budget, notes)
        except csv.Error as exc:
            raise AssetError(f"malformed CSV near line {reader.line_num}: {exc}") from exc
        finally:
            if notes is not None and budget.cut_note():
                notes.append(budget.cut_note())  # type: ignore[arg-type]


def _stream(
    reader: Iterator[list[str]],
    batch_rows: int,
    limit: int | None,
    budget: CharBudget,
    notes: list[str] | None,
) -> Iterator[pa.RecordBatch]:
    header, below = first_rows(reader)
    if header is None:
        raise EmptyAsset("empty file")
    names, headerless = table_names(header, below)
    if headerless and notes is not None:
        notes.append(headerless_note(len(names)))
    declared = len(names)
    if declared > MAX_COLUMNS:
        names = names[:MAX_COLUMNS]
        if notes is not None:
            notes.append(f"only the first {MAX_COLUMNS} of {declared} columns read")
    width = len(names)
    rows: list[list[str | None]] = []
    total = ragged = 0
    data = itertools.chain([header] if headerless else [], below, reader)
    buffered = len(below) + headerless
    for row in data:
        if not row:
            continue
        if len(row) != declared:
            ragged += 1
        if len(row) != width:
            row = (row + [None] * width)[:width]  # type: ignore[operator]
        rows.append(row)  # type: ignore[arg-type]
        total += 1
        if len(rows) >= batch_rows:
            yield string_batch(names, rows)
            rows = []
        if limit is not None and total >= limit:
            if notes is not None and any(data):
                notes.append(f"sampled: first {total} rows (--full reads everything)")
            break
        if budget.exceeded and total >= buffered:  # the rows read ahead are kept
            if notes is not None:
                notes.append(budget.note())
            break
    if rows or total == 0:
        yield string_batch(names, rows)
    if ragged and notes is not None:
        notes.append(f"{ragged} rows with a different number of fields than the header")
