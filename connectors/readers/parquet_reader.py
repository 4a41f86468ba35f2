"""Parquet: stream row groups as batches, struct columns flattened to dotted names.

The file is read through :class:`RangeReader`, so only the footer and the column chunks
actually decoded are fetched: sampling reads a few row groups spread over the file (the
first, the last and evenly spaced ones) and stops inside each after its share of rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import PurePosixPath

import pyarrow as pa
import pyarrow.parquet as pq

from piiscan.connectors.readers.blob import Blob, RangeReader
from piiscan.errors import AssetError, EmptyAsset
from piiscan.plugins import ColumnInfo

MAGIC = b"PAR1"
#: Column data is fetched in pieces of this size, so a sample stops early in a row group.
READ_BUFFER = 1 << 20
#: Row groups a sample spreads over at most (more only when they are too small).
SAMPLE_GROUPS = 8


def open_parquet(blob: Blob, metadata: pq.FileMetaData | None = None) -> pq.ParquetFile:
    """Open after checking the PAR1 magic at both ends of the file (two small reads)."""
    source = RangeReader(blob)
    size = source.size
    if size == 0:
        raise EmptyAsset("empty file")
    head = blob.read_range(0, 4)
    tail = blob.read_range(max(size - 4, 0), 4)
    if head != MAGIC or tail != MAGIC or size < 12:
        name = PurePosixPath(blob.name).name
        raise AssetError(f"{name} is not a Parquet file (no PAR1 magic)")
    try:
        return pq.ParquetFile(source, metadata=metadata, pre_buffer=False, buffer_size=READ_BUFFER)
    except (pa.ArrowException, OSError) as exc:
        raise AssetError(f"unreadable Parquet file: {exc}") from exc


def sample_row_groups(rows: list[int], limit: int) -> list[int]:
    """Row groups to sample for about ``limit`` rows: the first and last and evenly
    spaced ones between, as few as give ``limit`` rows (at least two when there are
    two, at most :data:`SAMPLE_GROUPS` unless they hold too few rows)."""
    n = len(rows)
    if n <= 2:
        return list(range(n))
    k = min(n, max(2, min(SAMPLE_GROUPS, math.ceil(limit / max(sum(rows) / n, 1)))))
    while True:
        picked = sorted({round(i * (n - 1) / (k - 1)) for i in range(k)})
        if k >= n or sum(rows[g] for g in picked) >= limit:
            return picked
        k += 1


def share_rows(capacity: list[int], limit: int) -> list[int]:
    """Split ``limit`` rows as evenly as the capacities allow (water filling)."""
    shares = [0] * len(capacity)
    left = limit
    while left > 0:
        open_ = [i for i, c in enumerate(capacity) if shares[i] < c]
        if not open_:
            break
        each = math.ceil(left / len(open_))
        for i in open_:
            give = min(each, capacity[i] - shares[i], left)
            shares[i] += give
            left -= give
    return shares


def _flat_fields(field: pa.Field, prefix: str = "") -> Iterator[tuple[str, pa.DataType]]:
    name = f"{prefix}{field.name}"
    if pa.types.is_struct(field.type):
        for child in field.type:
            yield from _flat_fields(child, name + ".")
    else:
        yield name, field.type


def parquet_columns(pf: pq.ParquetFile) -> list[ColumnInfo]:
    return [ColumnInfo(n, str(t)) for f in pf.schema_arrow for n, t in _flat_fields(f)]


def projected_columns(pf: pq.ParquetFile, keep: Callable[[str], bool]) -> list[str]:
    """Top-level columns with at least one kept leaf (``parent.child`` names): what a
    field selection needs fetched; the others' column chunks are never read."""
    return [f.name for f in pf.schema_arrow if any(keep(n) for n, _ in _flat_fields(f))]


def flat_arrays(name: str, array: pa.Array) -> Iterator[tuple[str, pa.Array]]:
    """Leaves of a column, struct children named ``parent.child`` (as the scanner names them)."""
    if pa.types.is_struct(array.type):
        for child_field, child in zip(array.type, array.flatten(), strict=True):
            yield from flat_arrays(f"{name}.{child_field.name}", child)
    else:
        yield name, array


def flatten_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Struct columns replaced by their leaves, named ``parent.child``."""
    pairs = [
        p
        for name, col in zip(batch.schema.names, batch.columns, strict=True)
        for p in flat_arrays(name, col)
    ]
    return pa.RecordBatch.from_arrays([a for _, a in pairs], names=[n for n, _ in pairs])


def parquet_batches(
    pf: pq.ParquetFile,
    *,
    batch_rows: int,
    limit: int | None,
    notes: list[str] | None = None,
    columns: list[str] | None = None,
) -> Iterator[pa.RecordBatch]:
    """Flattened batches: every row when ``limit`` is None, else a spread sample.

    ``columns`` (top-level names; None: all) limits what is fetched and decoded: the
    column chunks of the others are never read.
    """
    try:
        if limit is None:
            total = yield from _all(pf, batch_rows, columns)
        else:
            total = yield from _sample(pf, batch_rows, limit, notes, columns)
    except (pa.ArrowException, OSError) as exc:
        raise AssetError(f"unreadable Parquet data: {exc}") from exc
    if total == 0:
        yield flatten_batch(pa.RecordBatch.from_pylist([], schema=pf.schema_arrow))


def _all(
    pf: pq.ParquetFile, batch_rows: int, columns: list[str] | None
) -> Iterator[pa.RecordBatch]:
    total = 0
    for batch in pf.iter_batches(batch_size=batch_rows, columns=columns):
        total += batch.num_rows
        yield flatten_batch(batch)
    return total


def _sample(
    pf: pq.ParquetFile,
    batch_rows: int,
    limit: int,
    notes: list[str] | None,
    columns: list[str] | None,
) -> Iterator[pa.RecordBatch]:
    meta = pf.metadata
    rows = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    picked = sample_row_groups(rows, limit)
    total = 0
    for group, quota in zip(picked, share_rows([rows[g] for g in picked], limit), strict=True):
        if quota == 0:
            continue
        taken = 0
        batches = pf.iter_batches(
            batch_size=min(batch_rows, quota), row_groups=[group], columns=columns
        )
        for batch in batches:
            if taken + batch.num_rows > quota:
                batch = batch.slice(0, quota - taken)
            taken += batch.num_rows
            yield flatten_batch(batch)
            if taken >= quota:
                break
        total += taken
    if total < sum(rows) and notes is not None:
        notes.append(
            f"sampled: {total} rows from {len(picked)} of {len(rows)} row groups "
            "(--full reads everything)"
        )
    return total
