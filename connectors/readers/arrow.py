"""Python values to Arrow: let pyarrow infer, fall back to strings per column."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

_CONVERSION_ERRORS = (pa.ArrowException, TypeError, ValueError, OverflowError)


def as_text(value: Any) -> str | None:
    """A value as a string for a string column; blobs become null (not text)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return None
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


def to_array(values: Sequence[Any]) -> pa.Array:
    """An Arrow array for one column; JSON objects and unconvertible types become text."""
    if any(isinstance(v, dict) for v in values):
        return pa.array([as_text(v) for v in values], pa.string())
    try:
        return pa.array(values)
    except _CONVERSION_ERRORS:
        return pa.array([as_text(v) for v in values], pa.string())


def columns_to_batch(names: Sequence[str], columns: Sequence[Sequence[Any]]) -> pa.RecordBatch:
    """A record batch from column-major Python lists (same length each)."""
    return pa.RecordBatch.from_arrays([to_array(c) for c in columns], names=list(names))


def rows_to_batch(names: Sequence[str], rows: Sequence[Sequence[Any]]) -> pa.RecordBatch:
    """A record batch from row tuples, one position per name."""
    columns = [list(col) for col in zip(*rows, strict=True)] if rows else [[] for _ in names]
    return columns_to_batch(names, columns)


def string_batch(names: Sequence[str], rows: Sequence[Sequence[str | None]]) -> pa.RecordBatch:
    """A record batch of string columns from row lists (already padded to ``names``)."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    return pa.RecordBatch.from_arrays(
        [pa.array(list(c), pa.string()) for c in columns], names=list(names)
    )


def records_to_batch(records: Sequence[dict[str, Any]]) -> pa.RecordBatch:
    """A record batch from flat dicts; columns are the union of keys in first-seen order."""
    names: dict[str, None] = {}
    for record in records:
        names.update(dict.fromkeys(record))
    columns = [[r.get(n) for r in records] for n in names]
    return columns_to_batch(list(names), columns)
