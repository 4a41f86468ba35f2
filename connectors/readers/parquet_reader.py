"""Parquet: stream row groups as batches, struct columns flattened to dotted names.

The file is read through :class:`RangeReader`, so only the footer and the column chunks
actually decoded are fetched: sampling reads a few row groups spread over the file (the
first, the last and evenly spaced ones) and stops inside each after its share of rows.

Decoded size is bounded, not only the file's: a 50 KB file whose dictionary holds one
1 MB string referenced by 5,000 rows decodes to 5 GB. String and binary columns are read
as dictionaries (what the file stores), their values longer than ``cell_chars`` are cut
(with a note, as a CSV's long cells are), and rows are expanded in slices of at most
:data:`MAX_BATCH_BYTES`; batches are sized from the row group's uncompressed size, so a
highly compressed plain column is read in fewer rows at a time.

:func:`rewrite_parquet` (:mod:`.rewrite`) copies a whole file: every batch flattened as
the scan flattens it (:func:`flatten_batch`), through the job's ``batch`` callback, and
rebuilt into the source's schema (struct nulls kept, column names through
``field_name``, the first row group's compression), types changed by the callback noted.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Any, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from piiscan.connectors.readers.blob import Blob, PathBlob, RangeReader
from piiscan.connectors.readers.rewrite import RewriteFailed, RewriteJob, Unreadable
from piiscan.errors import AssetError, EmptyAsset
from piiscan.plugins import ColumnInfo

MAGIC = b"PAR1"
NOT_PARQUET = "not a Parquet file (no PAR1 magic)"
#: Column data is fetched in pieces of this size, so a sample stops early in a row group.
READ_BUFFER = 1 << 20
#: Row groups a sample spreads over at most (more only when they are too small).
SAMPLE_GROUPS = 8
#: Decoded bytes one batch may hold (dictionary values expanded to every row).
MAX_BATCH_BYTES = 64 << 20


def open_parquet(
    blob: Blob, metadata: pq.FileMetaData | None = None, *, dictionaries: bool = False
) -> pq.ParquetFile:
    """Open after checking the PAR1 magic at both ends of the file (two small reads).
    ``dictionaries``: string and binary columns (struct members too) are read as
    dictionary arrays, for :func:`parquet_batches` to expand within bounds."""
    source = RangeReader(blob)
    size = source.size
    if size == 0:
        raise EmptyAsset("empty file")
    if not _has_magic(blob, size):
        name = PurePosixPath(blob.name).name
        raise AssetError(f"{name} is {NOT_PARQUET}")
    try:
        stream = cast("IO[bytes]", source)  # a raw, seekable stream of the file's bytes
        pf = pq.ParquetFile(stream, metadata=metadata, pre_buffer=False, buffer_size=READ_BUFFER)
        names = _text_leaves(pf.schema_arrow) if dictionaries else []
        if names:
            pf = pq.ParquetFile(
                stream,
                metadata=pf.metadata,
                pre_buffer=False,
                buffer_size=READ_BUFFER,
                read_dictionary=names,
            )
        return pf
    except (pa.ArrowException, OSError) as exc:
        raise AssetError(f"unreadable Parquet file: {exc}") from exc


def _has_magic(blob: Blob, size: int) -> bool:
    """Whether the file starts and ends with ``PAR1`` (two small reads)."""
    head = blob.read_range(0, 4)
    tail = blob.read_range(max(size - 4, 0), 4)
    return head == MAGIC and tail == MAGIC and size >= 12


def _text_leaves(schema: pa.Schema) -> list[str]:
    """Dotted paths of the string and binary columns, struct members included."""
    return [
        name
        for f in schema
        for name, type_ in _flat_fields(f)
        if pa.types.is_string(type_)
        or pa.types.is_large_string(type_)
        or pa.types.is_binary(type_)
        or pa.types.is_large_binary(type_)
    ]


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
        children = cast(pa.StructArray, array).flatten()
        for child_field, child in zip(array.type, children, strict=True):
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
    cell_chars: int | None = None,
) -> Iterator[pa.RecordBatch]:
    """Flattened batches: every row when ``limit`` is None, else a spread sample.

    ``columns`` (top-level names; None: all) limits what is fetched and decoded: the
    column chunks of the others are never read. Dictionary columns (see
    :func:`open_parquet`) come back plain, their values cut at ``cell_chars`` and their
    rows expanded at most :data:`MAX_BATCH_BYTES` at a time.
    """
    cut = _Cut(cell_chars)
    try:
        if limit is None:
            total = yield from _all(pf, batch_rows, columns, cut)
        else:
            total = yield from _sample(pf, batch_rows, limit, notes, columns, cut)
    except (pa.ArrowException, OSError) as exc:
        raise AssetError(f"unreadable Parquet data: {exc}") from exc
    if cut.values and notes is not None:
        notes.append(
            f"{cut.values} values longer than {cell_chars} characters cut at {cell_chars} "
            "(Parquet strings and binaries)"
        )
    if total == 0:
        empty = pa.RecordBatch.from_pylist([], schema=pf.schema_arrow)
        yield from _expanded(flatten_batch(empty), cut)


class _Cut:
    """The cell length cap and how many values it cut."""

    def __init__(self, chars: int | None) -> None:
        self.chars = chars
        self.values = 0


def batch_size_for(pf: pq.ParquetFile, group: int, batch_rows: int) -> int:
    """Rows per batch for row group ``group``: ``batch_rows``, fewer when its columns'
    uncompressed size per row would make a batch larger than :data:`MAX_BATCH_BYTES`."""
    meta = pf.metadata.row_group(group)
    if meta.num_rows <= 0:
        return batch_rows
    size = sum(meta.column(i).total_uncompressed_size for i in range(meta.num_columns))
    per_row = max(1, size // meta.num_rows)
    return max(1, min(batch_rows, MAX_BATCH_BYTES // per_row))


def _expanded(batch: pa.RecordBatch, cut: _Cut) -> Iterator[pa.RecordBatch]:
    """``batch`` with its dictionary columns decoded, in slices of at most
    :data:`MAX_BATCH_BYTES` (values longer than ``cut.chars`` cut first, in the
    dictionary: a long value is never copied to every row that refers to it)."""
    rows = batch.num_rows
    sizes = np.zeros(rows, dtype=np.int64)
    columns: list[pa.Array] = []
    for column in batch.columns:
        if pa.types.is_dictionary(column.type):
            column, lengths = _cut_dictionary(cast(pa.DictionaryArray, column), cut)
            if rows and len(lengths):
                indices = column.indices.fill_null(0).to_numpy(zero_copy_only=False)
                sizes += lengths[indices]
        elif rows:
            sizes += column.nbytes // rows
        columns.append(column)
    names = batch.schema.names
    if rows == 0 or int(sizes.sum()) <= MAX_BATCH_BYTES:
        yield pa.RecordBatch.from_arrays([_plain(c) for c in columns], names=names)
        return
    ends = np.cumsum(sizes)
    start = 0
    while start < rows:
        base = int(ends[start - 1]) if start else 0
        stop = max(start + 1, int(np.searchsorted(ends, base + MAX_BATCH_BYTES, side="right")))
        piece = [_plain(c.slice(start, stop - start)) for c in columns]
        yield pa.RecordBatch.from_arrays(piece, names=names)
        start = stop


def _byte_lengths(values: pa.Array) -> np.ndarray:
    """Each value's length in bytes, from the offsets buffer (nothing copied)."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    large = pa.types.is_large_string(values.type) or pa.types.is_large_binary(values.type)
    buffer = cast(memoryview, values.buffers()[1])  # an Arrow buffer: the buffer protocol
    offsets = np.frombuffer(buffer, dtype=np.int64 if large else np.int32)
    window = offsets[values.offset : values.offset + len(values) + 1]
    return np.diff(window).astype(np.int64)


def _cut_dictionary(column: pa.DictionaryArray, cut: _Cut) -> tuple[pa.DictionaryArray, np.ndarray]:
    """The column with its dictionary values cut at ``cut.chars`` (counting the rows that
    refer to a cut value), and the dictionary values' lengths in bytes after the cut."""
    dictionary = column.dictionary
    lengths = _byte_lengths(dictionary)
    if cut.chars is None or not len(lengths) or int(lengths.max()) <= cut.chars:
        return column, lengths  # no value has more bytes, so none more characters
    text = pa.types.is_string(dictionary.type) or pa.types.is_large_string(dictionary.type)
    short = (
        pc.utf8_slice_codeunits(dictionary, 0, cut.chars)
        if text
        else pc.binary_slice(dictionary, 0, cut.chars)
    )
    new = _byte_lengths(short)
    was_cut = new < lengths
    indices = column.indices.drop_null().to_numpy(zero_copy_only=False)
    cut.values += int(np.count_nonzero(was_cut[indices]))
    return pa.DictionaryArray.from_arrays(column.indices, short), new


def _plain(column: pa.Array) -> pa.Array:
    """A dictionary column as plain values of its value type."""
    if pa.types.is_dictionary(column.type):
        return cast(pa.DictionaryArray, column).dictionary_decode()
    return column


def _all(
    pf: pq.ParquetFile, batch_rows: int, columns: list[str] | None, cut: _Cut
) -> Generator[pa.RecordBatch, None, int]:
    total = 0
    for group in range(pf.metadata.num_row_groups):
        size = batch_size_for(pf, group, batch_rows)
        for batch in pf.iter_batches(batch_size=size, row_groups=[group], columns=columns):
            total += batch.num_rows
            yield from _expanded(flatten_batch(batch), cut)
    return total


def _sample(
    pf: pq.ParquetFile,
    batch_rows: int,
    limit: int,
    notes: list[str] | None,
    columns: list[str] | None,
    cut: _Cut,
) -> Generator[pa.RecordBatch, None, int]:
    meta = pf.metadata
    rows = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    picked = sample_row_groups(rows, limit)
    total = 0
    for group, quota in zip(picked, share_rows([rows[g] for g in picked], limit), strict=True):
        if quota == 0:
            continue
        taken = 0
        size = min(batch_size_for(pf, group, batch_rows), quota)
        batches = pf.iter_batches(batch_size=size, row_groups=[group], columns=columns)
        for batch in batches:
            if taken + batch.num_rows > quota:
                batch = batch.slice(0, quota - taken)
            taken += batch.num_rows
            yield from _expanded(flatten_batch(batch), cut)
            if taken >= quota:
                break
        total += taken
    if total < sum(rows) and notes is not None:
        notes.append(
            f"sampled: {total} rows from {len(picked)} of {len(rows)} row groups "
            "(--full reads everything)"
        )
    return total


# -- rewrite -----------------------------------------------------------------------------
def rewrite_parquet(job: RewriteJob) -> tuple[int, int]:
    """Copy a Parquet file through ``job`` (see the module docstring)."""
    pf = _open_whole(job.src)
    source_schema = pf.schema_arrow
    codec = _compression(pf)
    metadata = cast("dict[bytes | str, bytes | str] | None", source_schema.metadata)
    writer: pq.ParquetWriter | None = None
    written = source_schema  # the schema the writer was opened with
    rows_in = 0
    try:
        for batch in pf.iter_batches(batch_size=job.batch_rows):
            out = job.batch(flatten_batch(batch), rows_in + 1)
            leaves = iter(out.columns)
            rebuilt = [
                _renamed(job, *_rebuild(f, c, leaves))
                for f, c in zip(batch.schema, batch.columns, strict=True)
            ]
            schema = pa.schema([f for f, _ in rebuilt], metadata=metadata)
            new = pa.RecordBatch.from_arrays([a for _, a in rebuilt], schema=schema)
            if writer is None:
                _note_type_changes(job, source_schema, schema)
                writer, written = _parquet_writer(job.dst, schema, codec), schema
            elif not new.schema.equals(written):
                try:
                    new = new.cast(written)
                except (pa.ArrowException, ValueError, TypeError):
                    raise RewriteFailed(
                        "the transformer changed column types between batches"
                    ) from None
            writer.write_batch(new)
            rows_in += batch.num_rows
        if writer is None:  # no rows: same schema, empty
            writer = _parquet_writer(job.dst, source_schema, codec)
    except pa.ArrowException as exc:
        raise RewriteFailed(f"Parquet read or write error ({type(exc).__name__})") from None
    finally:
        if writer is not None:
            writer.close()
    return rows_in, pq.ParquetFile(job.dst).metadata.num_rows


def _open_whole(path: Path) -> pq.ParquetFile:
    """The file opened for a full read, its PAR1 magic checked as :func:`open_parquet`
    checks it."""
    size = path.stat().st_size
    if size == 0:
        raise Unreadable("empty file")
    try:
        magic = _has_magic(PathBlob(path), size)
    except AssetError as exc:
        raise Unreadable(str(exc)) from None
    if not magic:
        raise Unreadable(NOT_PARQUET)
    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError):
        raise Unreadable("unreadable Parquet file") from None


def _rebuild(
    fld: pa.Field, original: pa.Array, leaves: Iterator[pa.Array]
) -> tuple[pa.Field, pa.Array]:
    """A column rebuilt from transformed leaves, struct nulls as in ``original``."""
    if not pa.types.is_struct(fld.type):
        new = next(leaves)
        return fld.with_type(new.type), new
    members = cast(pa.StructArray, original).flatten()
    pairs = [_rebuild(cf, ca, leaves) for cf, ca in zip(fld.type, members, strict=True)]
    array = pa.StructArray.from_arrays(
        [a for _, a in pairs], fields=[f for f, _ in pairs], mask=original.is_null()
    )
    return fld.with_type(array.type), array


def _renamed(job: RewriteJob, fld: pa.Field, array: pa.Array) -> tuple[pa.Field, pa.Array]:
    """A column (and its struct members) under the names the copy writes
    (``job.field_name``: names that hold personal data rewritten)."""
    name = job.field_name(fld.name)
    if pa.types.is_struct(fld.type):
        members = cast(pa.StructArray, array).flatten()
        pairs = [_renamed(job, cf, ca) for cf, ca in zip(fld.type, members, strict=True)]
        if any(f.name != cf.name for (f, _), cf in zip(pairs, fld.type, strict=True)):
            array = pa.StructArray.from_arrays(
                [a for _, a in pairs], fields=[f for f, _ in pairs], mask=array.is_null()
            )
            return pa.field(name, array.type, fld.nullable, fld.metadata), array
    return (fld if name == fld.name else fld.with_name(name)), array


def _compression(pf: pq.ParquetFile) -> str:
    meta = pf.metadata
    if meta.num_row_groups and meta.num_columns:
        codec = meta.row_group(0).column(0).compression
        return "NONE" if codec == "UNCOMPRESSED" else codec
    return "SNAPPY"


def _parquet_writer(path: Path, schema: pa.Schema, codec: str) -> pq.ParquetWriter:
    try:
        return pq.ParquetWriter(path, schema, compression=cast(Any, codec))  # as the file names it
    except (pa.ArrowException, ValueError):
        return pq.ParquetWriter(path, schema)


def _note_type_changes(job: RewriteJob, before: pa.Schema, after: pa.Schema) -> None:
    for old, new in zip(before, after, strict=True):
        if not old.type.equals(new.type):
            job.notes.append(f"column {old.name}: type {old.type} written as {new.type}")
