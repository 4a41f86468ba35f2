"""Shared fixtures: a throwaway PostgreSQL server, a SQLite builder, the NER model, scanners."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from postgres import TempPostgres, find_bindir  # tests/postgres.py (tests/ is on sys.path)

SHARED_MODEL = Path(__file__).resolve().parents[2] / "shared/models/en_ner_distilled_sm-0.1.1"


def _require(ok: bool, message: str) -> None:
    """Skip a test whose service is missing, or fail it when CI=true."""
    if not ok:
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: required)")
        pytest.skip(message)


@pytest.fixture(scope="session")
def spacy_model() -> str:
    """Path of the shared small English NER model (``PIISCAN_TEST_SPACY_MODEL`` overrides)."""
    path = Path(os.environ.get("PIISCAN_TEST_SPACY_MODEL") or SHARED_MODEL)
    _require(path.is_dir(), f"spaCy test model not found at {path}")
    return str(path)


@pytest.fixture(scope="session")
def ner_scanner(spacy_model: str):
    """A Scanner with every installed detector and the NER model, built once per session."""
    from piiscan.config import Config
    from piiscan.pipeline import Scanner

    return Scanner(Config(spacy_model=spacy_model, hash_key=b"test-key"))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[TempPostgres]:
    """A PostgreSQL cluster for the session; skipped without binaries (failed when CI=true)."""
    bindir = find_bindir()
    _require(bindir is not None, "PostgreSQL binaries (initdb, pg_ctl) not found")
    server = TempPostgres(bindir)
    try:
        server.start()
    except (RuntimeError, OSError) as exc:
        server.stop()
        _require(False, f"cannot start PostgreSQL: {exc}")
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
