"""Copy a database into a de-identified database: same tables, keys and row counts.

``copy_database(source, target, transformer)`` reflects every table of the source
(opened read-only), creates the same tables in the target (column names, nullability,
primary, unique and foreign keys, indexes), then streams each table in primary-key order
through the transformer, one Arrow batch at a time, so memory is bounded by
``batch_rows``, not by the table.

Types: within one dialect the reflected type is kept exactly; across dialects it becomes
``type.as_generic()``, with a recorded fallback (JSON, BLOB or TEXT) where that does not
exist or does not compile on the target (PostgreSQL ``ARRAY`` → JSON, ``INET`` → TEXT).
A PostgreSQL schema other than the default one becomes a ``schema__table`` prefix in a
SQLite target. Column defaults, sequences, identities, triggers and views are not copied
(views are listed as skipped); check constraints only within one dialect, and only when
their text holds no literal (``CHECK (ssn <> '219-…')`` would carry a value into the
copy's schema). Binary values piiscan cannot examine (images, documents: not text, longer
than a key or a hash) are written as NULL and counted in the table's notes; text in
binary cells goes through the transformer like any text.

Safety:

* the source is never written: it is opened with
  :func:`piiscan.connectors.sql.create_readonly_engine`, and a target that is the
  source (same file, or same host, port and database) is refused;
* all or nothing: a SQLite target is built in ``.<name>.tmp-<pid>-XXXX`` next to it and
  moved into place with :func:`os.replace` only when complete (a temporary that a killed
  run left is removed by the next run, see :mod:`piiscan.anonymize.temps`); any other
  target is written in one transaction (DDL is transactional on PostgreSQL; other
  dialects: best effort).
  An existing target (file, or any table to be created) is refused unless ``overwrite``;
* a batch the transformer rejects is retried row by row; rows that still fail, to
  transform or to insert, are counted and located in the table's notes by their
  position in primary-key order (never by value), and the table is reported
  ``failed``. Row counts of both sides are compared at the end.

What aborts the whole copy (and leaves no target): a :class:`~piiscan.errors.PiiscanError`
or a ``BaseException`` such as ``KeyboardInterrupt`` from the transformer, or an
error of the database connections themselves.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import json
import os
import re
import secrets
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.schema import AddConstraint, CreateIndex, CreateSchema, CreateTable

from piiscan.anonymize.contracts import AssetCopy, CopyReport, RecordTransformer
from piiscan.anonymize.temps import remove_stale_temps, temp_prefix
from piiscan.config import DEFAULT_LOCK_TIMEOUT, DEFAULT_STATEMENT_TIMEOUT
from piiscan.connectors.cells import SHORT_BINARY, binary_kind, bytes_text
from piiscan.connectors.sql import (
    SYSTEM_SCHEMAS,
    create_readonly_engine,
    dispose_engine,
    error_line,
    normalise_url,
    sqlite_changed,
)
from piiscan.errors import PiiscanError, SourceError, UsageError
from piiscan.masking import mask_url, url_secrets
from piiscan.selection import Selection

Progress = Callable[[str, int], None]
MAX_LOCATED_ROWS = 20
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306, "mssql": 1433}
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
_ARROW_ERRORS = (pa.ArrowException, TypeError, ValueError, OverflowError)
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


def _describe(exc: BaseException, secrets_: list[str]) -> str:
    """The driver's message of a database error, its quoted values masked
    (:func:`~piiscan.connectors.sql.error_line`); only the type of anything else (whose
    message may quote a value)."""
    if isinstance(exc, sa.exc.DBAPIError):
        return error_line(exc, secrets_)
    orig = getattr(exc, "orig", None) or exc
    return f"{type(orig).__name__} (message withheld: it may quote a value)"


# -- URLs ---------------------------------------------------------------------------------
def _parse(url: str, role: str) -> URL:
    try:
        return normalise_url(make_url(url))
    except (ArgumentError, ValueError):
        raise UsageError(f"malformed {role} database URL: {mask_url(url)}") from None


def _sqlite_path(url: URL) -> Path | None:
    """The resolved file of a SQLite URL; None for any other database."""
    if url.get_backend_name() != "sqlite":
        return None
    if url.database in (None, "", ":memory:"):
        raise UsageError(
            "an in-memory SQLite database cannot be copied to or from; "
            "give a file (sqlite:///path.db)"
        )
    return Path(url.database).expanduser().resolve()


def _same_database(source: URL, target: URL) -> bool:
    src_path, tgt_path = _sqlite_path(source), _sqlite_path(target)
    if src_path is not None or tgt_path is not None:
        if src_path is None or tgt_path is None:
            return False
        if src_path == tgt_path:
            return True
        with contextlib.suppress(OSError):
            return os.path.samefile(src_path, tgt_path)
        return False

    def where(url: URL) -> tuple[Any, ...]:
        backend = url.get_backend_name()
        host = (url.host or "localhost").lower()
        return (
            backend,
            "localhost" if host in LOCAL_HOSTS else host,
            url.port or DEFAULT_PORTS.get(backend),
            url.database,
        )

    return where(source) == where(target)


def _same_postgres_database(source: Engine, target: Engine) -> bool:
    """Whether two PostgreSQL engines reach the same database of the same server, however
    they spell it (Unix socket or TCP, another host name or port forward).

    The source session names itself with a random ``application_name``; the target
    session looks for that name in ``pg_stat_activity`` (visible to every role), which
    lists the sessions of its own server only, and compares the database.
    """
    if source.dialect.name != "postgresql" or target.dialect.name != "postgresql":
        return False
    token = f"piiscan-identity-{secrets.token_hex(8)}"
    with source.connect() as src:
        src.execute(sa.text("SELECT set_config('application_name', :t, false)"), {"t": token})
        with target.connect() as tgt:
            same = tgt.execute(
                sa.text(
                    "SELECT bool_or(datname = current_database()) FROM pg_stat_activity "
                    "WHERE application_name = :t"
                ),
                {"t": token},
            ).scalar()
        src.rollback()
    return bool(same)


# -- include / exclude --------------------------------------------------------------------
def _selected(
    selection: Selection, inspector: Any, schema: str | None, default: str, table: str
) -> bool:
    """Whether the scanner's patterns (:mod:`piiscan.selection`) select the table or one
    of its columns."""
    parts = (schema or default, table)
    choice = selection.asset(parts)
    if choice != "some":
        return choice == "all"
    return any(
        selection.field(parts, c["name"]) for c in inspector.get_columns(table, schema=schema)
    )


# -- Arrow side ---------------------------------------------------------------------------
@dataclass
class _Column:
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


def _plan_column(column: sa.Column[Any]) -> _Column:
    """The Arrow type that keeps a column's native values (ints, Decimals, dates, bytes)."""
    sql_type = column.type
    if isinstance(sql_type, sa.JSON | sa.ARRAY):
        return _Column(column.name, pa.string(), "json")
    try:
        python = sql_type.python_type
    except NotImplementedError:
        return _Column(column.name, None)
    simple: dict[type, pa.DataType] = {
        bool: pa.bool_(),
        int: pa.int64(),
        float: pa.float64(),
        str: pa.string(),
        dt.date: pa.date32(),
        dt.timedelta: pa.duration("us"),
    }
    if python in simple:
        return _Column(column.name, simple[python])
    if python is decimal.Decimal:
        return _Column(column.name, _decimal_type(sql_type))
    if python is dt.datetime:
        zone = "UTC" if getattr(sql_type, "timezone", False) else None
        return _Column(column.name, pa.timestamp("us", tz=zone))
    if python is dt.time and not getattr(sql_type, "timezone", False):
        return _Column(column.name, pa.time64("us"))
    if python is bytes:
        return _Column(column.name, pa.binary(), "bytes")
    if python is uuid.UUID:
        return _Column(column.name, pa.string(), "uuid")
    if python in (dict, list):
        return _Column(column.name, pa.string(), "json")
    return _Column(column.name, None)


def _to_arrow_value(kind: str, value: Any) -> Any:
    if value is None or kind == "value":
        return value
    if kind == "bytes":
        return bytes(value)
    if kind == "json":
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)  # uuid


def _to_sql_value(kind: str, value: Any) -> Any:
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


# -- target schema ------------------------------------------------------------------------
class _Undeclared(sa.types.UserDefinedType[Any]):
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


def _portable_type(
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


@dataclass
class _Plan:
    """One source table and its twin in the target."""

    source: sa.Table
    target: sa.Table
    asset: str
    columns: list[_Column]
    copy: AssetCopy
    late_fks: list[sa.ForeignKeyConstraint] = field(default_factory=list)


class _SchemaBuilder:
    """Target tables for reflected source tables (see the module docstring for the rules)."""

    def __init__(
        self, source_dialect: sa.Dialect, target_dialect: sa.Dialect, default_schema: str
    ) -> None:
        self.same = source_dialect.name == target_dialect.name
        self.dialect = target_dialect
        self.source_dialect = source_dialect
        self.default_schema = default_schema
        self.schemas_allowed = target_dialect.name != "sqlite"
        self.metadata = sa.MetaData()
        self.index_names: set[tuple[str | None, str]] = set()
        self.taken: set[str] = set()

    def reserve(self, tables: Sequence[sa.Table]) -> None:
        """Keep the names of default-schema tables away from flattened ones."""
        self.taken |= {t.name for t in tables if self.place(t)[2] is None}

    def place(self, table: sa.Table) -> tuple[str | None, str, str | None]:
        """Target schema and table name, plus a note when the name changed."""
        schema = table.schema
        if schema is None or schema == self.default_schema:
            return None, table.name, None
        if self.schemas_allowed:
            return schema, table.name, None
        flat = f"{schema}__{table.name}"
        while flat in self.taken:
            flat += "_"
        return None, flat, f"written as table {flat!r} (the target has no schemas)"

    def table(self, source: sa.Table, asset: str) -> _Plan:
        schema, name, renamed = self.place(source)
        if renamed:
            self.taken.add(name)
        copy = AssetCopy(asset=asset)
        if renamed:
            copy.notes.append(renamed)
        columns = [_plan_column(c) for c in source.columns]
        target_columns = []
        dropped_defaults = []
        for column, plan in zip(source.columns, columns, strict=True):
            sql_type: Any = column.type
            if self.same and isinstance(sql_type, sa.types.NullType):
                sql_type = _Undeclared()
            elif not self.same:
                sql_type, note = _portable_type(
                    column.type, plan.kind, self.source_dialect, self.dialect
                )
                if note:
                    copy.notes.append(f"column {column.name!r}: type {note}")
            if column.server_default is not None or column.identity is not None:
                dropped_defaults.append(column.name)
            target_columns.append(
                sa.Column(column.name, sql_type, nullable=column.nullable, autoincrement=False)
            )
        if dropped_defaults:
            copy.notes.append("column defaults not copied: " + ", ".join(dropped_defaults))
        target = sa.Table(name, self.metadata, *target_columns, schema=schema)
        pk = source.primary_key
        if pk.columns:
            target.append_constraint(
                sa.PrimaryKeyConstraint(
                    *(c.name for c in pk.columns), name=pk.name if self.same else None
                )
            )
        self._constraints(source, target, copy)
        return _Plan(source, target, asset, columns, copy)

    def _constraints(self, source: sa.Table, target: sa.Table, copy: AssetCopy) -> None:
        for constraint in source.constraints:
            if isinstance(constraint, sa.UniqueConstraint):
                target.append_constraint(
                    sa.UniqueConstraint(
                        *(c.name for c in constraint.columns),
                        name=constraint.name if self.same else None,
                    )
                )
            elif isinstance(constraint, sa.CheckConstraint):
                if self.same and _holds_literal(str(constraint.sqltext)):
                    copy.notes.append(
                        "check constraint not copied (its text holds literal values, which "
                        f"are not copied into the schema): {constraint.name or 'unnamed'}"
                    )
                elif self.same:
                    target.append_constraint(
                        sa.CheckConstraint(sa.text(str(constraint.sqltext)), name=constraint.name)
                    )
                else:
                    copy.notes.append(
                        "check constraint not copied (other dialect): "
                        f"{constraint.name or 'unnamed'}"
                    )
        for index in sorted(source.indexes, key=lambda i: str(i.name)):
            names = [getattr(e, "name", None) for e in index.expressions]
            if not names or not all(isinstance(e, sa.Column) for e in index.expressions):
                copy.notes.append(f"index not copied (expression): {index.name}")
                continue
            name = str(index.name or f"ix_{target.name}_{'_'.join(map(str, names))}")
            if (target.schema, name.lower()) in self.index_names:
                name = f"{target.name}__{name}"
                copy.notes.append(f"index {index.name} renamed {name!r} (name taken)")
            self.index_names.add((target.schema, name.lower()))
            sa.Index(name, *(target.c[n] for n in names), unique=index.unique)

    def foreign_keys(self, plan: _Plan, twins: dict[sa.Table, sa.Table]) -> None:
        """Foreign keys between copied tables; late (added after the load) except on
        SQLite, which cannot add them later and does not enforce them while loading."""
        for fk in sorted(plan.source.foreign_key_constraints, key=lambda f: str(f.name)):
            source_table = _referred(fk)
            referred = None if source_table is None else twins.get(source_table)
            if referred is None:
                name = fk.elements[0].target_fullname.rpartition(".")[0]
                plan.copy.notes.append(f"foreign key to {name} not copied (table not copied)")
                continue
            target_fk = sa.ForeignKeyConstraint(
                [e.parent.name for e in fk.elements],
                [referred.c[e.column.name] for e in fk.elements],
                name=fk.name,
                onupdate=fk.onupdate,
                ondelete=fk.ondelete,
                deferrable=fk.deferrable,
                initially=fk.initially,
            )
            plan.target.append_constraint(target_fk)
            if self.dialect.name != "sqlite":
                plan.late_fks.append(target_fk)


#: A quoted string, or a number of four digits or more, in a constraint's SQL text.
_LITERAL = re.compile(r"'(?:[^']|'')*'|\$\w*\$|(?<![\w.])\d[\d_]{3,}")


def _holds_literal(sql: str) -> bool:
    """Whether SQL text (a CHECK constraint) holds a literal that could be a value: a
    string, or a number of four digits or more (``CHECK (ssn <> '219-73-4001')``)."""
    return bool(_LITERAL.search(sql))


def _referred(fk: sa.ForeignKeyConstraint) -> sa.Table | None:
    """The table a foreign key points to, None when it was not reflected."""
    try:
        return fk.referred_table
    except sa.exc.NoReferenceError:
        return None


# -- source ------------------------------------------------------------------------------
def _source_schemas(conn: Connection, default_schema: str) -> list[str | None]:
    if conn.dialect.name == "sqlite":
        return [None]
    names = sa.inspect(conn).get_schema_names()
    others = sorted(
        s
        for s in names
        if s != default_schema
        and s not in SYSTEM_SCHEMAS
        and not s.startswith(("pg_toast", "pg_temp"))
    )
    return [None, *others]


def _reflect(
    conn: Connection, default_schema: str, include: Sequence[str], exclude: Sequence[str]
) -> tuple[list[tuple[sa.Table, str]], list[AssetCopy]]:
    """Tables to copy (with their scanner names, in load order) and skipped relations."""
    metadata = sa.MetaData()
    inspector = sa.inspect(conn)
    wanted: list[tuple[str | None, str, str]] = []
    skipped: list[AssetCopy] = []
    selection = Selection(include, exclude)
    for schema in _source_schemas(conn, default_schema):
        prefix = "" if schema is None else f"{schema}."
        for table in inspector.get_table_names(schema=schema):
            asset = prefix + table
            if _selected(selection, inspector, schema, default_schema, table):
                wanted.append((schema, table, asset))
            else:
                skipped.append(AssetCopy(asset, status="skipped", reason="excluded"))
        views = list(inspector.get_view_names(schema=schema))
        if conn.dialect.name == "postgresql":
            views += inspector.get_materialized_view_names(schema=schema)
        skipped += [
            AssetCopy(prefix + v, status="skipped", reason="view: not copied as data")
            for v in sorted(views)
        ]
    by_key: dict[str, str] = {}
    for schema, table, asset in wanted:
        # resolve_fks=False: a foreign key to a missing or excluded table stays unresolved
        reflected = sa.Table(table, metadata, schema=schema, autoload_with=conn, resolve_fks=False)
        by_key[reflected.key] = asset
    ordered = sa.schema.sort_tables_and_constraints(
        [metadata.tables[k] for k in by_key], filter_fn=lambda fk: _referred(fk) is None or None
    )
    tables = [t for t, _ in ordered if t is not None]
    return [(t, by_key[t.key]) for t in tables], skipped


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


def _to_batch(columns: list[_Column], rows: list[Any], mixed: set[str]) -> pa.RecordBatch:
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


# -- the copy ------------------------------------------------------------------------------
class _TableCopier:
    """Streams one table through the transformer into the target, row failures located."""

    def __init__(
        self, plan: _Plan, transformer: RecordTransformer, target: Connection, raw: bool
    ) -> None:
        self.plan = plan
        self.transformer = transformer
        self.conn = target
        self.raw = raw
        self.columns = [_Column(c.name, None) for c in plan.columns] if raw else plan.columns
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
                    record[column.name] = _to_sql_value(column.kind, record[column.name])
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


def _count(conn: Connection, table: sa.Table) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0)


def _copy_table(
    source: Connection,
    target: Connection,
    plan: _Plan,
    transformer: RecordTransformer,
    batch_rows: int,
    on_progress: Progress | None,
    raw: bool,
) -> _TableCopier:
    copier = _TableCopier(plan, transformer, target, raw)
    with target.begin_nested():
        for rows in _read(source, plan.source, batch_rows, raw):
            kept = copier.withhold(rows)
            copier.copy_batch(_to_batch(copier.columns, kept, copier.mixed), copier.read + 1)
            copier.read += len(rows)
            if on_progress is not None:
                on_progress(plan.asset, copier.read)
    return copier


def _copy_tables(
    source: Connection,
    target: Connection,
    plans: list[_Plan],
    transformer: RecordTransformer,
    batch_rows: int,
    on_progress: Progress | None,
    source_url: str,
) -> None:
    for plan in plans:
        args = (source, target, plan, transformer, batch_rows, on_progress)
        try:
            try:
                copier = _copy_table(*args, raw=False)
            except (ValueError, TypeError, OverflowError):  # a stored value SQLAlchemy
                copier = _copy_table(*args, raw=True)  # cannot parse as its declared type
                plan.copy.notes.append(
                    "values that do not parse as their declared type: table read and "
                    "written as stored, without type conversion"
                )
            rows_in = _count(source, plan.source)
        except (SQLAlchemyError, ValueError, TypeError, OverflowError) as exc:
            raise SourceError(
                f"cannot copy table {plan.asset} of {mask_url(source_url)}: "
                f"{_describe(exc, url_secrets(source_url))}"
            ) from None
        if sqlite_changed(source.engine):
            raise SourceError(
                f"cannot copy {mask_url(source_url)}: the SQLite file changed while it was "
                "read (another process wrote to it); run the copy again"
            )
        _finish(plan, copier, rows_in, _count(target, plan.target))


def _finish(plan: _Plan, copier: _TableCopier, rows_in: int, rows_out: int) -> None:
    copy, read, mixed = plan.copy, copier.read, copier.mixed
    copy.rows_in, copy.rows_out = rows_in, rows_out
    for name, kinds in sorted(copier.withheld.items()):
        shown = ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items()))
        copy.notes.append(
            f"column {name!r}: {sum(kinds.values())} binary value(s) not copied, written as "
            f"NULL ({shown}): piiscan cannot examine them"
        )
    for name, n in sorted(copier.short.items()):
        copy.notes.append(
            f"column {name!r}: {n} short binary value(s) (keys or hashes) copied unexamined"
        )
    if mixed:
        copy.notes.append(
            "values of unexpected types passed as inferred or text Arrow "
            "columns: " + ", ".join(sorted(mixed))
        )
    if copier.failed:
        copy.status = "failed"
        copy.reason = f"{copier.failed} row(s) not copied"
        copy.notes += copier.failures
        if copier.failed > len(copier.failures):
            copy.notes.append(f"... and {copier.failed - len(copier.failures)} more row(s)")
    if read != rows_in:
        copy.notes.append(
            f"{read} rows read but the source counts {rows_in} (source changed during the copy?)"
        )
    if rows_out != read - copier.failed:
        copy.status = "failed"
        copy.reason = copy.reason or "row count mismatch"
        copy.notes.append(
            f"row count mismatch: {read} read, {copier.failed} failed, {rows_out} in the target"
        )


# -- target lifecycle ----------------------------------------------------------------------
def _sqlite_engine(url: URL, path: Path, shown: str) -> Engine:
    """A SQLite engine with working SAVEPOINTs (BEGIN emitted by SQLAlchemy, not pysqlite)."""
    engine = _engine(url.set(database=str(path)), shown)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        for pragma in ("foreign_keys=OFF", "journal_mode=MEMORY", "synchronous=OFF"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


def _engine(url: URL, shown: str, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> Engine:
    """The target's engine; on PostgreSQL a statement waiting longer than ``lock_timeout``
    seconds for a lock fails (the copy then fails) rather than wait forever."""
    kwargs: dict[str, Any] = {}
    if url.get_backend_name() == "postgresql":
        ms = max(0, round(lock_timeout * 1000))
        kwargs["connect_args"] = {"options": f"-c lock_timeout={ms}"}
    try:
        return sa.create_engine(url, poolclass=sa.pool.NullPool, **kwargs)
    except NoSuchModuleError:
        raise UsageError(f"unknown database type {url.drivername!r} in {mask_url(shown)}") from None
    except ImportError as exc:
        raise UsageError(
            f"missing database driver {exc.name or ''} for {mask_url(shown)}"
        ) from None
    except (ArgumentError, TypeError, ValueError):
        raise UsageError(f"invalid database URL {mask_url(shown)}") from None


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _existing(conn: Connection, tables: list[sa.Table]) -> list[sa.Table]:
    inspector = sa.inspect(conn)
    return [t for t in tables if inspector.has_table(t.name, schema=t.schema)]


def _create(conn: Connection, builder: _SchemaBuilder, plans: list[_Plan], overwrite: bool) -> None:
    tables = [p.target for p in plans]
    existing = _existing(conn, tables)
    if existing and not overwrite:
        shown = ", ".join(t.fullname for t in existing[:5])
        raise UsageError(
            f"the target already has table(s) {shown}"
            f"{' …' if len(existing) > 5 else ''}; pass --overwrite to replace them"
        )
    if existing:  # dropped as they are (their own constraint names), in dependency order
        present = sa.MetaData()
        old = [sa.Table(t.name, present, schema=t.schema, autoload_with=conn) for t in existing]
        present.drop_all(conn, tables=old)
    for schema in sorted({t.schema for t in tables if t.schema}):
        conn.execute(CreateSchema(schema, if_not_exists=True))
    for plan in plans:
        if builder.same:
            for column in plan.target.columns:
                if isinstance(column.type, sa.types.SchemaType) and hasattr(column.type, "create"):
                    column.type.create(conn, checkfirst=True)
        conn.execute(
            CreateTable(
                plan.target,
                include_foreign_key_constraints=(None if conn.dialect.name == "sqlite" else []),
            )
        )


def _complete(conn: Connection, plans: list[_Plan]) -> None:
    """After the load: indexes, late foreign keys, and (SQLite) a foreign-key check."""
    for plan in plans:
        for index in sorted(plan.target.indexes, key=lambda i: str(i.name)):
            conn.execute(CreateIndex(index))
    for plan in plans:
        for fk in plan.late_fks:
            conn.execute(AddConstraint(fk))
    if conn.dialect.name == "sqlite":
        by_name = {p.target.name: p for p in plans}
        broken: dict[str, int] = {}
        for row in conn.exec_driver_sql("PRAGMA foreign_key_check"):
            broken[row[0]] = broken.get(row[0], 0) + 1
        for name, count in broken.items():
            if name in by_name:
                by_name[name].copy.notes.append(
                    f"{count} row(s) violate a foreign key in the target"
                )


def _run(
    source: Engine,
    target: Engine,
    default_schema: str,
    include: Sequence[str],
    exclude: Sequence[str],
    transformer: RecordTransformer,
    batch_rows: int,
    overwrite: bool,
    on_progress: Progress | None,
    source_url: str,
) -> CopyReport:
    report = CopyReport()
    with source.connect() as src:
        if src.dialect.name == "postgresql":  # one snapshot: foreign keys stay consistent
            src = src.execution_options(isolation_level="REPEATABLE READ")
        tables, skipped = _reflect(src, default_schema, include, exclude)
        builder = _SchemaBuilder(src.dialect, target.dialect, default_schema)
        builder.reserve([t for t, _ in tables])
        plans = [builder.table(t, asset) for t, asset in tables]
        twins = {p.source: p.target for p in plans}
        for plan in plans:
            builder.foreign_keys(plan, twins)
        with target.connect() as tgt, tgt.begin():
            _create(tgt, builder, plans, overwrite)
            _copy_tables(src, tgt, plans, transformer, batch_rows, on_progress, source_url)
            _complete(tgt, plans)
    report.assets = [p.copy for p in plans] + skipped
    return report


def copy_database(
    source_url: str,
    target_url: str,
    transformer: RecordTransformer,
    *,
    batch_rows: int = 5000,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    overwrite: bool = False,
    on_progress: Progress | None = None,
    statement_timeout: float = DEFAULT_STATEMENT_TIMEOUT,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
) -> CopyReport:
    """Copy every table of ``source_url`` into ``target_url`` through ``transformer``.

    ``include``/``exclude`` are the scanner's patterns (:mod:`piiscan.selection`): a table
    is copied when they select it or one of its columns (``customers``, ``crm.*``).
    ``on_progress(asset, rows_read)`` is called after each batch. Raises UsageError (bad
    or identical URLs, existing target) and SourceError (a database that cannot be read
    or written); messages mask credentials. A target that is the source database is
    refused whatever the URLs say (same SQLite file by inode; same PostgreSQL server and
    database, see :func:`_same_postgres_database`), before anything is written.
    ``statement_timeout`` and ``lock_timeout`` (seconds, 0: none) bound the source's
    statements and the target's lock waits (PostgreSQL).
    """
    source, target = _parse(source_url, "source"), _parse(target_url, "target")
    if _same_database(source, target):
        raise UsageError(
            f"the target {mask_url(target_url)} is the source database; choose another target"
        )
    target_path = _sqlite_path(target)
    if target_path is not None and target_path.exists() and not overwrite:
        raise UsageError(
            f"the target file {target_path} already exists; pass --overwrite to replace it"
        )
    src_engine = create_readonly_engine(
        source_url, statement_timeout=statement_timeout, lock_timeout=lock_timeout
    )
    secrets_ = url_secrets(source_url) + url_secrets(target_url)
    tmp: Path | None = None
    try:
        with src_engine.connect() as conn:
            default_schema = conn.dialect.default_schema_name or "main"
        if target_path is not None:
            if not target_path.parent.is_dir():
                raise UsageError(f"no such directory for the target: {target_path.parent}")
            remove_stale_temps(target_path)  # left by a run that was killed
            fd, name = tempfile.mkstemp(prefix=temp_prefix(target_path), dir=target_path.parent)
            os.close(fd)
            tmp = Path(name)
            tgt_engine = _sqlite_engine(target, tmp, target_url)
        else:
            tgt_engine = _engine(target, target_url, lock_timeout)
        try:
            if _same_postgres_database(src_engine, tgt_engine):
                raise UsageError(
                    f"the target {mask_url(target_url)} is the source database (the same "
                    "server and database under another address); choose another target"
                )
            report = _run(
                src_engine,
                tgt_engine,
                default_schema,
                include,
                exclude,
                transformer,
                max(1, batch_rows),
                overwrite,
                on_progress,
                source_url,
            )
        finally:
            tgt_engine.dispose()
        if tmp is not None and target_path is not None:
            _fsync(tmp)
            os.replace(tmp, target_path)
            tmp = None
        return report
    except SQLAlchemyError as exc:
        raise SourceError(
            f"cannot copy {mask_url(source_url)} to {mask_url(target_url)}: "
            f"{_describe(exc, secrets_)}"
        ) from None
    finally:
        dispose_engine(src_engine)
        if tmp is not None:
            for leftover in (tmp, Path(f"{tmp}-journal"), Path(f"{tmp}-wal")):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
