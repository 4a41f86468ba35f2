"""Which database a URL names, and the target's engine.

A copy must never write to its source: :func:`same_database` compares URLs (the same
SQLite file, by inode too; the same host, port and database), and
:func:`same_postgres_database` asks the servers themselves, for two spellings of one
PostgreSQL database. The target's engine: SQLite with working SAVEPOINTs, PostgreSQL
with a lock timeout.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from piiscan.config import DEFAULT_LOCK_TIMEOUT
from piiscan.connectors.sql import normalise_url
from piiscan.errors import UsageError
from piiscan.masking import mask_url

DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306, "mssql": 1433}
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def parse_url(url: str, role: str) -> URL:
    """The URL parsed and normalised; a malformed one is a UsageError naming its ``role``."""
    try:
        return normalise_url(make_url(url))
    except (ArgumentError, ValueError):
        raise UsageError(f"malformed {role} database URL: {mask_url(url)}") from None


def sqlite_path(url: URL) -> Path | None:
    """The resolved file of a SQLite URL; None for any other database."""
    if url.get_backend_name() != "sqlite":
        return None
    if url.database in (None, "", ":memory:"):
        raise UsageError(
            "an in-memory SQLite database cannot be copied to or from; "
            "give a file (sqlite:///path.db)"
        )
    return Path(url.database).expanduser().resolve()


def same_database(source: URL, target: URL) -> bool:
    """Whether two URLs name one database: the same SQLite file (path or inode), or the
    same backend, host (local names alike), port (defaults filled in) and database."""
    src_path, tgt_path = sqlite_path(source), sqlite_path(target)
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


def same_postgres_database(source: Engine, target: Engine) -> bool:
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


def sqlite_engine(url: URL, path: Path, shown: str) -> Engine:
    """A SQLite engine with working SAVEPOINTs (BEGIN emitted by SQLAlchemy, not pysqlite)."""
    engine = target_engine(url.set(database=str(path)), shown)

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


def target_engine(url: URL, shown: str, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> Engine:
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
