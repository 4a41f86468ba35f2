"""Parquet: stream row groups as batches, struct columns flattened to dotted names."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from piiscan.errors import AssetError
from piiscan.plugins import ColumnInfo

MAGIC = b"PAR1"


def open_parquet(path: Path) -> pq.ParquetFile:
    """Open after checking the PAR1 magic at both ends of the file."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
            size = fh.seek(0, 2)
            fh.seek(max(size - 4, 0))
            tail = fh.read(4)
    except OSError as exc:
        raise AssetError(f"cannot read file: {exc.strerror or exc}") from exc
    if size == 0:
        raise AssetError("empty file")
    if head != MAGIC or tail != MAGIC or size < 12:
        raise AssetError(f"{path.name} is not a Parquet file (no PAR1 magic)")
    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise AssetError(f"unreadable Parquet file: {exc}") from exc


def _flat_fields(field: pa.Field, prefix: str = "") -> Iterator[tuple[str, pa.DataType]]:
    name = f"{prefix}{field.name}"
    if pa.types.is_struct(field.type):
        for child in field.type:
            yield from _flat_fields(child, name + ".")
    else:
        yield name, field.type


def parquet_columns(pf: pq.ParquetFile) -> list[ColumnInfo]:
    return [ColumnInfo(n, str(t)) for f in pf.schema_arrow for n, t in _flat_fields(f)]


def _flat_arrays(name: str, array: pa.Array) -> Iterator[tuple[str, pa.Array]]:
    if pa.types.is_struct(array.type):
        for child_field, child in zip(array.type, array.flatten(), strict=True):
            yield from _flat_arrays(f"{name}.{child_field.name}", child)
    else:
        yield name, array


def flatten_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Struct columns replaced by their leaves, named ``parent.child``."""
    pairs = [p for name, col in zip(batch.schema.names, batch.columns, strict=True)
             for p in _flat_arrays(name, col)]
    return pa.RecordBatch.from_arrays([a for _, a in pairs], names=[n for n, _ in pairs])


def parquet_batches(pf: pq.ParquetFile, *, batch_rows: int, limit: int | None
                    ) -> Iterator[pa.RecordBatch]:
    total = 0
    try:
        for batch in pf.iter_batches(batch_size=batch_rows):
            if limit is not None and total + batch.num_rows > limit:
                batch = batch.slice(0, limit - total)
            total += batch.num_rows
            yield flatten_batch(batch)
            if limit is not None and total >= limit:
                return
    except (pa.ArrowException, OSError) as exc:
        raise AssetError(f"unreadable Parquet data: {exc}") from exc
    if total == 0:
        yield flatten_batch(pa.RecordBatch.from_pylist([], schema=pf.schema_arrow))
