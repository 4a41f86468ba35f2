"""How one column travels: SQL value → Arrow (read), Arrow → SQL value (write), and the
type it gets in the target.

:func:`plan_column` picks the Arrow type that keeps a column's native values (ints,
Decimals, dates, bytes; JSON and UUIDs as text); :func:`to_batch` builds a batch and
falls back to inferred or text columns for values that do not fit, never dropping one.
Across dialects a type becomes ``type.as_generic()`` or a recorded fallback
(:func:`portable_type`).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import sqlalchemy as sa

_ARROW_ERRORS = (pa.ArrowException, TypeError, ValueError, OverflowError)


@dataclass
class CopyColumn:
    """How one column travels: SQL value → Arrow (read) and Arrow → SQL value (write)."""

    name: str
    arrow: pa.DataType | None  # None: inferred batch by batch
    kind: str = "value"  # value | bytes | json | uuid


def _decimal_type(sql_type: Any) -> pa.DataType | None:
    precision, scale = getattr(sql_type, "precision", None), getattr(sql_type, "scale", None)
    if not precision or scale is None or not 0 <= scale <= precision:
        return None
    if precision <= 38:
        return pa.decimal128(precision, scale)
    return pa.decimal256(precision, scale) if precision <= 76 else None


def plan_column(column: sa.Column[Any]) -> CopyColumn:
    """The Arrow type that keeps a column's native values (ints, Decimals, dates, bytes)."""
    sql_type = column.type
    if isinstance(sql_type, sa.JSON | sa.ARRAY):
        return CopyColumn(column.name, pa.string(), "json")
    try:
        python = sql_type.python_type
    except NotImplementedError:
        return CopyColumn(column.name, None)
    simple: dict[type, pa.DataType] = {
        bool: pa.bool_(),
        int: pa.int64(),
        float: pa.float64(),
        str: pa.string(),
        dt.date: pa.date32(),
        dt.timedelta: pa.duration("us"),
    }
    if python in simple:
        return CopyColumn(column.name, simple[python])
    if python is decimal.Decimal:
        return CopyColumn(column.name, _decimal_type(sql_type))
    if python is dt.datetime:
        zone = "UTC" if getattr(sql_type, "timezone", False) else None
        return CopyColumn(column.name, pa.timestamp("us", tz=zone))
    if python is dt.time and not getattr(sql_type, "timezone", False):
        return CopyColumn(column.name, pa.time64("us"))
    if python is bytes:
        return CopyColumn(column.name, pa.binary(), "bytes")
    if python is uuid.UUID:
        return CopyColumn(column.name, pa.string(), "uuid")
    if python in (dict, list):
        return CopyColumn(column.name, pa.string(), "json")
    return CopyColumn(column.name, None)


def _to_arrow_value(kind: str, value: Any) -> Any:
    if value is None or kind == "value":
        return value
    if kind == "bytes":
        return bytes(value)
    if kind == "json":
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)  # uuid


def to_sql_value(kind: str, value: Any) -> Any:
    if value is None or kind == "value" or kind == "bytes":
        return value
    if kind == "json" and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value  # replaced by a plain string: stored as a JSON string
    if kind == "uuid" and isinstance(value, str):
        return uuid.UUID(value)
    return value


def _mixed_text(value: Any) -> Any:
    return value if value is None else value.hex() if isinstance(value, bytes) else str(value)


def to_batch(columns: list[CopyColumn], rows: list[Any], mixed: set[str]) -> pa.RecordBatch:
    """Typed columns; a column whose values do not fit its SQL type is inferred, then
    text (recorded in ``mixed``), never dropped."""
    arrays = []
    by_column = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    for column, raw in zip(columns, by_column, strict=True):
        if column.kind == "value":
            values = list(raw)
        else:
            values = [_to_arrow_value(column.kind, v) for v in raw]
        try:
            array = pa.array(values, column.arrow)  # arrow None: inferred
        except _ARROW_ERRORS:
            try:
                array = pa.array(values)
            except _ARROW_ERRORS:
                array = pa.array([_mixed_text(v) for v in values], pa.string())
            mixed.add(column.name)
        arrays.append(array)
    return pa.RecordBatch.from_arrays(arrays, names=[c.name for c in columns])


class Undeclared(sa.types.UserDefinedType[Any]):
    """A column declared without a type (SQLite), kept so in the same dialect."""

    cache_ok = True

    def get_col_spec(self, **_kw: Any) -> str:
        return ""


def _compiles(sql_type: Any, dialect: sa.Dialect) -> bool:
    try:
        sql_type.compile(dialect=dialect)
    except Exception:  # UnsupportedCompilationError, CompileError, NotImplementedError...
        return False
    return True


def portable_type(
    sql_type: Any, kind: str, source: sa.Dialect, dialect: sa.Dialect
) -> tuple[Any, str | None]:
    """``as_generic()`` of a type, or a fallback named in the returned note."""
    try:
        generic = sql_type.as_generic()
    except NotImplementedError:
        generic = None
    if generic is not None and _compiles(generic, dialect):
        return generic, None
    fallback: Any = sa.Text()
    if kind == "json" and _compiles(sa.JSON(), dialect):
        fallback = sa.JSON()
    elif kind == "bytes":
        fallback = sa.LargeBinary()
    return fallback, f"{_type_text(sql_type, source)} → {_type_text(fallback, dialect)}"


def _type_text(sql_type: Any, dialect: sa.Dialect) -> str:
    try:
        return str(sql_type.compile(dialect=dialect))
    except Exception:
        return type(sql_type).__name__
