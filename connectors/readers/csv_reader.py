"""CSV/TSV: encoding and dialect sniffing, header normalisation, string batches; and the
rewrite of a CSV file to a copy in the same dialect.

A first row that looks like data (see :mod:`.headers`) is read as data: the columns are
named ``column_1`` … ``column_N`` and a note says so.

:func:`rewrite_csv` (:mod:`.rewrite`) reads the file as :func:`csv_batches` does (the
same encoding, delimiter and header decision) and writes every row back through the
job's ``batch`` callback as string batches, with the same delimiter, quoting (all fields
quoted when the first line is) and line terminator; header cells go through
``field_name``, and a headerless file is written without a header.
"""

from __future__ import annotations

import csv
import itertools
from _csv import Reader, Writer
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Literal

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
from piiscan.connectors.readers.rewrite import (
    RewriteFailed,
    RewriteJob,
    Unreadable,
    open_pair,
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


def default_delimiter(name: str) -> str:
    """The delimiter a file's extension suggests: tab for ``.tsv``/``.tab``, else comma."""
    return "\t" if PurePosixPath(name).suffix.lower() in (".tsv", ".tab") else ","


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


@dataclass(frozen=True)
class Dialect:
    """How a CSV file is written: what the copy writes back."""

    delimiter: str
    quoting: Literal[0, 1]  # csv.QUOTE_MINIMAL or csv.QUOTE_ALL
    terminator: str


def sniff_dialect(sample: str, default: str) -> Dialect:
    """The delimiter (:func:`sniff_delimiter`), quoting (all fields quoted when every
    cell of the first line is) and line terminator of a CSV sample."""
    delimiter = sniff_delimiter(sample, default)
    first = sample.splitlines()[0] if sample else ""
    cells = next(csv.reader([first], delimiter=delimiter), [])
    quoted = first.startswith('"') and first.count(f'"{delimiter}"') == len(cells) - 1
    quoting: Literal[0, 1] = csv.QUOTE_ALL if quoted and cells else csv.QUOTE_MINIMAL
    end = len(first)
    terminator = "\r\n" if sample[end : end + 2] == "\r\n" else (sample[end : end + 1] or "\n")
    return Dialect(delimiter, quoting, terminator)


def _csv_reader(lines: Iterable[str], delimiter: str) -> Reader:
    """The one way both sides parse rows (``"`` quotes, doubled to escape, not strict)."""
    return csv.reader(
        lines,
        delimiter=delimiter,
        quotechar='"',
        doublequote=True,
        skipinitialspace=False,
        strict=False,
    )


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
    budget = CharBudget(max_bytes, max_line_chars)
    with open_text(blob, encoding) as fh:
        sample = fh.read(SNIFF_CHARS)
        if not sample.strip():
            raise EmptyAsset("empty file")
        fh.seek(0)
        reader = _csv_reader(
            budget.lines(fh), sniff_delimiter(sample, default_delimiter(blob.name))
        )
        try:
            yield from _stream(reader, batch_rows, limit, budget, notes)
        except csv.Error as exc:
            raise AssetError(f"malformed CSV near line {reader.line_num}: {exc}") from exc
        finally:
            if notes is not None and (cut := budget.cut_note()):
                notes.append(cut)


def _stream(
    reader: Reader,
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
    rows: list[Sequence[str | None]] = []
    total = ragged = 0
    data = itertools.chain([header] if headerless else [], below, reader)
    buffered = len(below) + headerless
    for row in data:
        if not row:
            continue
        if len(row) != declared:
            ragged += 1
        if len(row) != width:
            padded: list[str | None] = [*row, *([None] * width)][:width]
            rows.append(padded)
        else:
            rows.append(row)
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


# -- rewrite -----------------------------------------------------------------------------
def rewrite_csv(job: RewriteJob) -> tuple[int, int]:
    """Copy a CSV/TSV file through ``job`` in its own dialect (see the module docstring)."""
    src, dst = open_pair(job)
    with src, dst:
        sample = src.read(SNIFF_CHARS)
        if not sample.strip():
            raise Unreadable("empty file")
        src.seek(0)
        dialect = sniff_dialect(sample, default_delimiter(job.src.name))
        reader = _csv_reader(src, dialect.delimiter)
        writer = csv.writer(
            dst,
            delimiter=dialect.delimiter,
            quotechar='"',
            doublequote=True,
            quoting=dialect.quoting,
            lineterminator=dialect.terminator,
        )
        try:
            rows_in, headerless = _rewrite_rows(job, reader, writer)
        except csv.Error:
            raise RewriteFailed(f"malformed CSV near line {reader.line_num}") from None
    with job.dst.open(encoding="utf-8-sig", newline="") as fh:
        rows_out = sum(1 for row in csv.reader(fh, delimiter=dialect.delimiter) if row)
    return rows_in, rows_out - (0 if headerless else 1)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _rewrite_rows(job: RewriteJob, reader: Reader, writer: Writer) -> tuple[int, bool]:
    """Rows copied, and whether the file has no header row (its first row is data)."""
    header, below = first_rows(reader)
    if header is None:
        raise Unreadable("empty file")
    names, headerless = table_names(header, below)
    if headerless:
        job.notes.append("no header row: the first row is data (transformed, no header written)")
    else:
        writer.writerow([job.field_name(cell) for cell in header])
    width, total, ragged = len(names), 0, 0
    rows: list[list[str]] = []

    def flush() -> None:
        out = job.batch(string_batch(names, rows), total - len(rows) + 1)
        values = [col.to_pylist() for col in out.columns]
        writer.writerows([_cell(v) for v in row] for row in zip(*values, strict=True))

    for row in itertools.chain([header] if headerless else [], below, reader):
        if not row:
            continue
        if len(row) != width:
            ragged += 1
            row = (row + [""] * width)[:width]
        rows.append(row)
        total += 1
        if len(rows) >= job.batch_rows:
            flush()
            rows = []
    if rows:
        flush()
    if ragged:
        job.notes.append(f"{ragged} rows padded or cut to the header's {width} fields")
    return total, headerless
