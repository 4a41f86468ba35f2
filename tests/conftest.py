"""Shared fixtures: a throwaway PostgreSQL server and a SQLite file builder."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from postgres import TempPostgres, find_bindir  # tests/postgres.py (tests/ is on sys.path)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[TempPostgres]:
    """A PostgreSQL cluster for the session; skipped without binaries (failed when CI=true)."""
    bindir = find_bindir()
    if bindir is None:
        message = "PostgreSQL binaries (initdb, pg_ctl) not found"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " and CI=true")
        pytest.skip(message)
    server = TempPostgres(bindir)
    try:
        server.start()
    except (RuntimeError, OSError) as exc:
        server.stop()
        if os.environ.get("CI") == "true":
            pytest.fail(f"cannot start PostgreSQL: {exc}")
        pytest.skip(f"cannot start PostgreSQL: {exc}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: TempPostgres) -> str:
    """``postgresql+psycopg://user:password@127.0.0.1:PORT/db`` of the session server."""
    return postgres_server.url


@pytest.fixture
def tmp_sqlite(tmp_path: Path) -> Callable[[str], Path]:
    """Build a SQLite file from a SQL script; returns its path."""

    def build(script: str, name: str = "test.db") -> Path:
        path = tmp_path / name
        with sqlite3.connect(path) as conn:
            conn.executescript(script)
        conn.close()
        return path

    return build
