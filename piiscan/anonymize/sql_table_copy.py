"""Stream one table through the transformer into its twin, row failures located.

Rows are read in primary-key order, a batch at a time; binary values piiscan cannot
examine are written as NULL (counted). A batch the transformer or the target rejects is
retried row by row; rows that still fail are counted and located by position, never by
value.
"""

from __future__ import annotations

import decimal
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from piiscan.anonymize.contracts import RecordTransformer, RowsCopied
from piiscan.anonymize.sql_columns import CopyColumn, to_batch, to_sql_value
from piiscan.anonymize.sql_schema import TablePlan
from piiscan.connectors.cells import SHORT_BINARY, binary_kind, bytes_text
from piiscan.errors import PiiscanError

MAX_LOCATED_ROWS = 20
# Errors that concern one row's values (the copy goes on, the row is reported): the
# database refused the values, or SQLAlchemy could not convert them (a StatementError
# that is not the driver's). Any other database error aborts the copy.
ROW_ERRORS: tuple[type[BaseException], ...] = (
    sa.exc.StatementError,
    TypeError,
    ValueError,
    OverflowError,
    decimal.InvalidOperation,
)
_ROW_DBAPI_ERRORS = (sa.exc.IntegrityError, sa.exc.DataError, sa.exc.ProgrammingError)


def _is_row_error(exc: BaseException) -> bool:
    if isinstance(exc, sa.exc.DBAPIError):
        return isinstance(exc, _ROW_DBAPI_ERRORS)
    return isinstance(exc, ROW_ERRORS)


def _untyped(table: sa.Table) -> sa.TableClause:
    """The same table without SQL types: values pass as the driver gives and takes them."""
    return sa.table(table.name, *(sa.column(c.name) for c in table.columns), schema=table.schema)


def _read(conn: Connection, table: sa.Table, size: int, raw: bool) -> Iterator[list[Any]]:
    clause: sa.TableClause = _untyped(table) if raw else table
    stmt = sa.select(*clause.c)
    if table.primary_key.columns:
        stmt = stmt.order_by(*(clause.c[c.name] for c in table.primary_key.columns))
    result = conn.execution_options(stream_results=True, yield_per=size).execute(stmt)
    try:
        for rows in result.partitions(size):
            yield list(rows)
    finally:
        result.close()


class TableCopier:
    """Streams one table through the transformer into the target, row failures located."""

    def __init__(
        self, plan: TablePlan, transformer: RecordTransformer, target: Connection, raw: bool
    ) -> None:
        self.plan = plan
        self.transformer = transformer
        self.conn = target
        self.raw = raw
        self.columns = [CopyColumn(c.name, None) for c in plan.columns] if raw else plan.columns
        self.insert = (_untyped(plan.target) if raw else plan.target).insert()
        self.names = [c.name for c in plan.columns]
        self.mixed: set[str] = set()
        self.read = 0
        self.failures: list[str] = []
        self.failed = 0
        #: Columns that may hold binary values (declared binary, or untyped).
        self.binary = [
            i for i, c in enumerate(plan.columns) if c.kind == "bytes" or c.arrow is None
        ]
        #: column -> kind -> binary values not copied; column -> short ones copied.
        self.withheld: dict[str, Counter[str]] = {}
        self.short: Counter[str] = Counter()

    def withhold(self, rows: list[Any]) -> list[Any]:
        """``rows`` with the binary values piiscan cannot examine (not text, longer than
        a key or a hash: images, documents) replaced by NULL. They are not copied, as files
        piiscan cannot read are not: nothing could tell them free of personal data. Text
        in binary cells is kept for the transformer."""
        if not self.binary:
            return rows
        out = []
        for row in rows:
            values = list(row)
            for i in self.binary:
                value = values[i]
                if isinstance(value, memoryview | bytearray):
                    value = bytes(value)
                if not isinstance(value, bytes) or bytes_text(value) is not None:
                    continue
                name = self.names[i]
                if len(value) > SHORT_BINARY:
                    self.withheld.setdefault(name, Counter())[binary_kind(value)] += 1
                    values[i] = None
                else:
                    self.short[name] += 1
            out.append(values)
        return out

    def _transform(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        out = self.transformer.batch(self.plan.asset, batch)
        if out.num_rows != batch.num_rows or list(out.schema.names) != self.names:
            raise ValueError("transformer changed the row count or column names")
        return out

    def _fail(self, position: int, what: str, exc: BaseException) -> None:
        self.failed += 1
        if len(self.failures) < MAX_LOCATED_ROWS:
            order = "primary-key order" if self.plan.source.primary_key.columns else "read order"
            self.failures.append(f"row {position} ({order}): {what} failed ({type(exc).__name__})")

    def _records(self, batch: pa.RecordBatch) -> list[dict[str, Any]]:
        records = batch.to_pylist()
        for column in self.columns:
            if column.kind in ("json", "uuid"):
                for record in records:
                    record[column.name] = to_sql_value(column.kind, record[column.name])
        return records

    def _insert(self, records: list[dict[str, Any]]) -> None:
        with self.conn.begin_nested():
            self.conn.execute(self.insert, records)

    def copy_batch(self, batch: pa.RecordBatch, first_row: int) -> None:
        """Transform and insert a batch (``first_row``: 1-based position of its first row).

        A batch the transformer rejects is transformed row by row; a batch the target
        rejects is inserted row by row (each row transformed once either way).
        """
        try:
            rows = list(enumerate(self._records(self._transform(batch))))
        except PiiscanError:
            raise
        except Exception:
            rows = self._row_by_row(batch, first_row)
        if not rows:
            return
        try:
            self._insert([record for _, record in rows])
            return
        except ROW_ERRORS as exc:
            if not _is_row_error(exc):
                raise
        for i, record in rows:
            try:
                self._insert([record])
            except ROW_ERRORS as exc:
                if not _is_row_error(exc):
                    raise
                self._fail(first_row + i, "insert", exc)

    def _row_by_row(self, batch: pa.RecordBatch, first_row: int) -> list[tuple[int, Any]]:
        rows = []
        for i in range(batch.num_rows):
            try:
                rows.append((i, self._records(self._transform(batch.slice(i, 1)))[0]))
            except PiiscanError:
                raise
            except Exception as exc:
                self._fail(first_row + i, "transform", exc)
        return rows


def copy_table(
    source: Connection,
    target: Connection,
    plan: TablePlan,
    transformer: RecordTransformer,
    batch_rows: int,
    on_progress: RowsCopied | None,
    raw: bool,
) -> TableCopier:
    copier = TableCopier(plan, transformer, target, raw)
    with target.begin_nested():
        for rows in _read(source, plan.source, batch_rows, raw):
            kept = copier.withhold(rows)
            copier.copy_batch(to_batch(copier.columns, kept, copier.mixed), copier.read + 1)
            copier.read += len(rows)
            if on_progress is not None:
                on_progress(plan.asset, copier.read)
    return copier
