"""Relational databases through SQLAlchemy: SQLite, PostgreSQL, and any installed dialect.

Sources are SQLAlchemy URLs (``sqlite:///shop.db``, ``postgresql://user:pw@host/db``).
The database is opened read-only where the engine allows it (SQLite files without
creating anything next to them, see :mod:`.sqlite_files`; PostgreSQL with
``default_transaction_read_only`` and per-statement ``statement_timeout`` and
``lock_timeout`` from :class:`~piiscan.config.Config`, so a slow view or a locked table
is an asset error and the scan goes on); SQL is built with SQLAlchemy Core, so
identifiers are always quoted by SQLAlchemy. Without ``Config.full`` each table yields
at most ``Config.sample_rows`` rows, in random order when that is cheap.

Include/exclude patterns (``Config.include`` / ``Config.exclude``) follow
:mod:`piiscan.selection` (``docs/selection.md``) on ``schema.table.column`` and its
trailing parts: ``email`` (columns), ``customers`` (a table), ``customers.email``,
``crm.*`` (a schema's tables) and ``main.customers.email``. A table is not read when an
exclude pattern names it or its schema, or when none of its columns is selected.

A table whose connection fails (server restarted, network cut) is retried after
:data:`RETRY_DELAYS`; rows already read are skipped on the re-read only when they come
back identical, so no row is counted twice. A table that still fails becomes an
:class:`~piiscan.errors.AssetError` naming how many rows were read, and later tables of
an unreachable server try once without waiting.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import re
import sqlite3
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.engine.reflection import ObjectKind
from sqlalchemy.exc import (
    ArgumentError,
    DisconnectionError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)

from piiscan.config import DEFAULT_LOCK_TIMEOUT, DEFAULT_STATEMENT_TIMEOUT, Config
from piiscan.connectors.cells import CellReader
from piiscan.connectors.readers.arrow import records_to_batch, rows_to_batch
from piiscan.connectors.sqlite_files import SqliteReader
from piiscan.connectors.storage import is_store_url
from piiscan.errors import AssetError, SourceError, UsageError
from piiscan.install import install_command
from piiscan.log_scrub import register_url
from piiscan.masking import mask_url, scrub, url_secrets
from piiscan.plugins import Asset, AssetKind, ColumnInfo, Connector
from piiscan.selection import Selection
from piiscan.value_scrub import driver_message, sqlstate

log = logging.getLogger(__name__)

#: Waits before the retries of a table whose connection failed (server restart, network).
RETRY_DELAYS = (0.5, 1.0, 2.0)
SYSTEM_SCHEMAS = {"information_schema", "pg_catalog", "mysql", "performance_schema", "sys"}
RANDOM_MAX_ROWS = 1_000_000
RANDOM_DIALECTS = ("postgresql", "sqlite")
DRIVER_HINTS = {
    "mysql": "install a MySQL driver: pip install pymysql, and use mysql+pymysql://",
    "mariadb": "install a MySQL driver: pip install pymysql, and use mariadb+pymysql://",
    "mssql": "install the SQL Server driver: pip install pyodbc",
    "oracle": "install the Oracle driver: pip install oracledb",
}


# -- engine -----------------------------------------------------------------------------
def error_line(exc: BaseException, secrets_: list[str]) -> str:
    """The driver's own message of a database error, on one line, secrets scrubbed and
    the cell values it quotes masked (:mod:`piiscan.value_scrub`)."""
    orig = getattr(exc, "orig", None)
    if orig is None and isinstance(exc, sa.exc.StatementError):
        # SQLAlchemy's own text carries the statement's parameters: the type only
        return f"{type(exc).__name__} (message withheld: it may quote a value)"
    orig = orig or exc
    text = " ".join(driver_message(orig).split()) or type(orig).__name__
    return scrub(text, secrets_)


def _driver_fix(url: URL) -> str:
    backend = url.get_backend_name()
    if backend == "postgresql":
        return f"install the PostgreSQL driver: {install_command('postgresql')}"
    return DRIVER_HINTS.get(backend, f"install the Python driver for {backend!r}")


def normalise_url(url: URL) -> URL:
    """``postgres://`` → ``postgresql://``; bare ``postgresql`` uses psycopg 3 when it is
    the only PostgreSQL driver installed (SQLAlchemy's default is psycopg2)."""
    if url.drivername == "postgres":
        url = url.set(drivername="postgresql")
    if (
        url.drivername == "postgresql"
        and importlib.util.find_spec("psycopg2") is None
        and importlib.util.find_spec("psycopg") is not None
    ):
        url = url.set(drivername="postgresql+psycopg")
    return url


def _type_name(data_type: Any) -> str:
    try:
        return str(data_type)
    except Exception:  # some dialect types cannot render without a dialect
        return type(data_type).__name__


#: Readers of the SQLite files engines were opened on (see :mod:`.sqlite_files`).
_SQLITE_READERS: weakref.WeakKeyDictionary[Engine, SqliteReader] = weakref.WeakKeyDictionary()
#: SQLSTATEs of a statement cancelled by ``statement_timeout`` and of ``lock_timeout``.
TIMEOUT_STATES = {"57014": "statement_timeout", "55P03": "lock_timeout"}


def _milliseconds(seconds: float) -> int:
    return max(0, round(seconds * 1000))


def create_readonly_engine(
    source: str,
    *,
    statement_timeout: float = DEFAULT_STATEMENT_TIMEOUT,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
) -> Engine:
    """A SQLAlchemy engine opened read-only where possible; UsageError/SourceError.

    PostgreSQL sessions get ``statement_timeout`` and ``lock_timeout`` (seconds, 0: no
    limit) so a slow view or a locked table fails that statement instead of stalling the
    run. SQLite files are opened so that nothing is created or changed next to them
    (:mod:`piiscan.connectors.sqlite_files`); release them with :func:`dispose_engine`.
    """
    shown = mask_url(source)
    register_url(source)  # kept out of every log line, third-party libraries' included
    try:
        url = normalise_url(make_url(source))
    except (ArgumentError, ValueError):
        raise UsageError(f"malformed database URL: {shown}") from None
    kwargs: dict[str, Any] = {}
    backend = url.get_backend_name()
    reader = None
    if backend == "sqlite":
        kwargs["creator"], reader = _sqlite_creator(url)
        url = URL.create(url.drivername)
    elif backend == "postgresql":
        options = "-c default_transaction_read_only=on"
        options += f" -c statement_timeout={_milliseconds(statement_timeout)}"
        options += f" -c lock_timeout={_milliseconds(lock_timeout)}"
        kwargs["connect_args"] = {"options": options, "connect_timeout": 10}
        kwargs["pool_pre_ping"] = True  # a pooled connection may predate a server restart
    try:
        engine = sa.create_engine(url, **kwargs)
    except NoSuchModuleError:
        raise UsageError(
            f"unknown database type {url.drivername!r} in {shown} "
            "(examples: sqlite:///path.db, postgresql://user@host/db)"
        ) from None
    except ImportError as exc:
        raise UsageError(
            f"missing database driver {exc.name or ''} for {shown}: {_driver_fix(url)}"
        ) from None
    except (ArgumentError, TypeError, ValueError) as exc:
        raise UsageError(
            f"invalid database URL {shown}: {error_line(exc, url_secrets(source))}"
        ) from None
    if reader is not None:
        _SQLITE_READERS[engine] = reader
    return engine


def dispose_engine(engine: Engine) -> None:
    """Close an engine's connections and remove a SQLite snapshot it read from."""
    engine.dispose()
    reader = _SQLITE_READERS.pop(engine, None)
    if reader is not None:
        reader.close()


def sqlite_changed(engine: Engine) -> bool:
    """Whether the SQLite file an engine reads ``immutable`` changed since it was opened."""
    reader = _SQLITE_READERS.get(engine)
    return reader is not None and reader.changed()


def timeout_hint(exc: BaseException) -> str | None:
    """For a statement cancelled by a piiscan timeout: which setting to raise."""
    setting = TIMEOUT_STATES.get(sqlstate(getattr(exc, "orig", None) or exc) or "")
    if setting is None:
        return None
    env = f"PIISCAN_{setting.upper()}"
    return f"{setting} reached: raise {setting} (seconds) in piiscan.toml or {env}"


def _sqlite_creator(url: URL) -> tuple[Any, SqliteReader | None]:
    database = url.database or ""
    if database in ("", ":memory:"):
        return (lambda: sqlite3.connect(":memory:")), None
    path = Path(database).expanduser().resolve()
    if not path.is_file():
        raise SourceError(f"no such SQLite database file: {path}")
    try:
        reader = SqliteReader(path)
    except OSError as exc:
        raise SourceError(f"cannot read SQLite file {path}: {exc.strerror or exc}") from None
    return reader.connect, reader


# -- assets -----------------------------------------------------------------------------
class SqlAsset(Asset):
    """A table or view; rows stream in batches of ``Config.batch_rows``."""

    def __init__(
        self,
        connector: SqlConnector,
        schema: str,
        table: str,
        kind: AssetKind,
        columns: list[ColumnInfo],
        error: str | None = None,
    ) -> None:
        self.connector = connector
        self.schema = schema
        self.table = table
        self.kind = kind
        self.name = table if schema == connector.default_schema else f"{schema}.{table}"
        self._columns = columns
        self._error = error
        #: JSON and binary cells (see :mod:`piiscan.connectors.cells`), for the notes.
        self._cells = CellReader([c.name for c in columns])

    def columns(self) -> list[ColumnInfo]:
        return list(self._columns)

    def _statement(self, conn: sa.Connection) -> sa.Select[Any]:
        clause = sa.table(
            self.table, *(sa.column(c.name) for c in self._columns), schema=self.schema
        )
        stmt = sa.select(clause)
        config = self.connector.config
        if config.full:
            return stmt
        if self.kind == "table" and self._random_is_cheap(conn, clause, config.sample_rows):
            stmt = stmt.order_by(sa.func.random())
        return stmt.limit(config.sample_rows)

    def _random_is_cheap(
        self, conn: sa.Connection, clause: sa.TableClause, sample_rows: int
    ) -> bool:
        """Random order only pays when the table is larger than the sample and small enough.

        A table that fits in the sample is read in its natural order, so repeated scans
        of it give identical inventories.
        """
        dialect = conn.dialect.name
        if dialect not in RANDOM_DIALECTS:
            return False
        try:
            if dialect == "postgresql":
                estimate = conn.execute(
                    sa.text(
                        "SELECT GREATEST(c.reltuples, pg_relation_size(c.oid) / 100) "
                        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = :schema AND c.relname = :table"
                    ),
                    {"schema": self.schema, "table": self.table},
                ).scalar()
            else:
                estimate = conn.execute(
                    sa.select(sa.func.max(sa.literal_column("rowid"))).select_from(clause)
                ).scalar()
        except SQLAlchemyError:
            conn.rollback()
            return False
        return estimate is not None and sample_rows < float(estimate) < RANDOM_MAX_ROWS

    def batches(self) -> Iterator[pa.RecordBatch]:
        """Stream the rows; a dropped connection is retried (see :func:`_is_transient`).

        A retry re-runs the same statement and skips the rows already yielded, after
        checking that they come back identical (same rows, same order: a digest of them);
        otherwise — e.g. a random sample, or a table that changed — the asset fails with
        an :class:`AssetError` saying how many rows were read, rather than count a row twice.
        """
        if self._error:
            raise AssetError(self._error)
        names = [c.name for c in self._columns]
        if not names:
            return
        self._cells = CellReader(names)
        size = max(1, self.connector.config.batch_rows)
        secrets_ = url_secrets(self.connector.source)
        sent = _RowDigest()  # rows yielded so far
        delays = () if self.connector.unreachable else RETRY_DELAYS
        for attempt in range(len(delays) + 1):
            replay = _RowDigest(goal=sent)  # rows an earlier attempt yielded already
            try:
                with self.connector.engine.connect() as conn:
                    stmt = self._statement(conn)
                    result = conn.execution_options(stream_results=True, yield_per=size).execute(
                        stmt
                    )
                    for rows in result.partitions(size):
                        fresh = replay.skip([tuple(r) for r in rows])
                        if fresh:
                            sent.add(fresh)
                            yield records_to_batch(self._cells.records(fresh))
                if replay.count < replay.goal[0]:
                    raise AssetError(self._lost(sent.count, "the table shrank on re-read"))
                self.connector.unreachable = False
                break
            except SQLAlchemyError as exc:
                reason = error_line(exc, secrets_)
                hint = timeout_hint(exc)
                if hint is not None:
                    reason += f" ({hint})"
                if not _is_transient(exc):
                    raise AssetError(f"cannot read {self.kind} {self.name}: {reason}") from None
                if attempt >= len(delays):
                    self.connector.unreachable = True
                    tries = f"{attempt + 1} attempt" + ("s" if attempt else "")
                    raise AssetError(self._lost(sent.count, f"{reason} ({tries})")) from None
                log.info(
                    "%s %s: connection lost after %d rows, retrying in %.1fs: %s",
                    self.kind,
                    self.name,
                    sent.count,
                    delays[attempt],
                    reason,
                )
                time.sleep(delays[attempt])
        if sqlite_changed(self.connector.engine):
            raise AssetError(
                f"cannot read {self.kind} {self.name}: the SQLite file changed while it was "
                "read (another process wrote to it); scan it again"
            )
        if not sent.count:
            yield rows_to_batch(names, [])

    @property
    def notes(self) -> list[str]:  # type: ignore[override]
        """What the cells read so far held: JSON read as fields, binary not examined."""
        return self._cells.notes()

    @property
    def unexamined(self) -> dict[str, int]:
        """Binary cells per column that could not be examined (images, documents)."""
        return self._cells.unexamined

    def _lost(self, rows: int, reason: str) -> str:
        where = f"connection lost after {rows} rows" if rows else "cannot connect"
        return f"cannot read {self.kind} {self.name}: {where}: {reason}"


class _RowDigest:
    """A running digest and count of rows, to check that a re-read repeats them exactly."""

    def __init__(self, goal: _RowDigest | None = None) -> None:
        self.count = 0
        self._hash = hashlib.blake2b(digest_size=16)
        #: (count, digest) of the rows to skip: those an earlier attempt yielded.
        self.goal = (goal.count, goal.digest()) if goal else (0, b"")

    def digest(self) -> bytes:
        return self._hash.digest()

    def add(self, rows: list[tuple[Any, ...]]) -> None:
        for row in rows:
            values = tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
            self._hash.update(repr(values).encode("utf-8", "surrogatepass") + b"\x1e")
        self.count += len(rows)

    def skip(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """The rows past the goal; AssetError when the replayed rows differ from it."""
        count, digest = self.goal
        take = min(len(rows), count - self.count)
        if take <= 0:
            return rows
        self.add(rows[:take])
        if self.count == count and self.digest() != digest:
            raise AssetError(
                f"connection lost after {count} rows, and the rows came "
                "back in another order on re-read (random sample or changed "
                "table): not resumed"
            )
        return rows[take:]


def _is_transient(exc: SQLAlchemyError) -> bool:
    """A dropped or refused connection (server restarted, network cut): worth a retry.
    A statement cancelled by a timeout is not: it would time out again."""
    if getattr(exc, "connection_invalidated", False):
        return True
    if timeout_hint(exc) is not None:
        return False
    return isinstance(exc, OperationalError | InterfaceError | DisconnectionError)


class SqlConnector(Connector):
    """Tables and views of a database reachable by a SQLAlchemy URL."""

    name = "sql"
    description = "Databases by SQLAlchemy URL (sqlite:///file.db, postgresql://…)"
    #: SQLAlchemy's own dialects (``postgresql+psycopg`` matches ``postgresql``); a
    #: third-party dialect's scheme (``duckdb://``) reaches :meth:`accepts`.
    schemes = ("sqlite", "postgresql", "mysql", "mariadb", "mssql", "oracle")

    def __init__(self, source: str, config: Config) -> None:
        super().__init__(source, config)
        self.engine = create_readonly_engine(
            source,
            statement_timeout=config.statement_timeout,
            lock_timeout=config.lock_timeout,
        )
        #: Set when a table exhausted its retries: later tables try once, without waiting.
        self.unreachable = False
        self.selection = Selection(config.include, config.exclude)
        try:
            with self.engine.connect() as conn:
                self.default_schema = conn.dialect.default_schema_name or "main"
                if conn.dialect.name == "sqlite":
                    conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
        except SQLAlchemyError as exc:
            dispose_engine(self.engine)
            raise SourceError(
                f"cannot open {mask_url(source)}: {error_line(exc, url_secrets(source))}"
            ) from None

    @classmethod
    def accepts(cls, source: str) -> bool:
        """Any URL SQLAlchemy parses that is not a file or object-store URL."""
        if not re.match(r"^[A-Za-z][\w+.-]+://", source) or is_store_url(source):
            return False
        try:
            url = make_url(source)
        except (ArgumentError, ValueError):
            return False
        return url.drivername.lower() != "file"

    @classmethod
    def preflight(cls, source: str) -> None:
        """A SQLite file that does not exist (a typo), before anything is loaded."""
        try:
            url = make_url(source)
        except (ArgumentError, ValueError):
            return  # reported as a malformed URL when the source is opened
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            path = Path(url.database).expanduser().resolve()
            if not path.is_file():
                raise SourceError(f"no such SQLite database file: {path}")

    def display_source(self) -> str:
        return mask_url(self.source)

    def _schemas(self, inspector: sa.Inspector) -> list[str]:
        if self.engine.dialect.name == "sqlite":
            return [self.default_schema]
        return sorted(
            s
            for s in inspector.get_schema_names()
            if s not in SYSTEM_SCHEMAS and not s.startswith(("pg_toast", "pg_temp"))
        )

    def _relations(self, inspector: sa.Inspector, schema: str) -> list[tuple[str, AssetKind]]:
        found: list[tuple[str, AssetKind]] = [
            (t, "table") for t in inspector.get_table_names(schema=schema)
        ]
        found += [(v, "view") for v in inspector.get_view_names(schema=schema)]
        if self.engine.dialect.name == "postgresql":
            found += [(v, "view") for v in inspector.get_materialized_view_names(schema=schema)]
        return sorted(found)

    @staticmethod
    def _bulk_columns(inspector: sa.Inspector, schema: str) -> dict[Any, list[Any]]:
        """Columns of every relation of a schema in one query; ``{}`` when that fails
        (e.g. a broken view), and the caller reflects table by table."""
        try:
            return dict(inspector.get_multi_columns(schema=schema, kind=ObjectKind.ANY))
        except SQLAlchemyError:
            return {}

    def assets(self) -> Iterator[Asset]:
        secrets_ = url_secrets(self.source)
        try:
            inspector = sa.inspect(self.engine)
            relations = [
                (s, t, k)
                for s in self._schemas(inspector)
                for t, k in self._relations(inspector, s)
            ]
        except SQLAlchemyError as exc:
            raise SourceError(
                f"cannot list tables of {mask_url(self.source)}: {error_line(exc, secrets_)}"
            ) from None
        bulk: dict[str, dict[Any, list[Any]]] = {}
        for schema, table, kind in relations:
            choice = self.selection.asset((schema, table))
            if choice not in ("all", "some"):
                continue
            if schema not in bulk:
                bulk[schema] = self._bulk_columns(inspector, schema)
            reflected = bulk[schema].get((schema, table))
            try:
                if reflected is None:
                    reflected = inspector.get_columns(table, schema=schema)
            except SQLAlchemyError as exc:
                yield SqlAsset(
                    self,
                    schema,
                    table,
                    kind,
                    [],
                    f"cannot read {kind} columns: {error_line(exc, secrets_)}",
                )
                continue
            columns = [
                ColumnInfo(c["name"], _type_name(c["type"]))
                for c in reflected
                if self.selection.field((schema, table), c["name"])
            ]
            self.selection.seen((schema, table))
            if columns or (not reflected and choice == "all"):
                yield SqlAsset(self, schema, table, kind, columns)

    def close(self) -> None:
        dispose_engine(self.engine)
