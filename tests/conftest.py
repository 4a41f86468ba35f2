"""Shared fixtures: a throwaway PostgreSQL server, a SQLite builder, the NER model, scanners."""

from __future__ import annotations

import itertools
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from postgres import USER, TempPostgres, find_bindir  # tests/postgres.py (tests/ is on sys.path)

# The tests see piiscan's own plugins only: an installed third-party plugin (the example
# under examples/, installed by scripts/test.sh) must not change what they find. Set in the
# environment, so CLI subprocesses and worker processes see it too (registry.py).
os.environ["PIISCAN_PLUGINS"] = "builtin"

# CI replays the same examples every run (no flaky red from a newly drawn case); local
# runs keep exploring, and hypothesis saves what they find for the next run.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI") == "true":
    hypothesis_settings.load_profile("ci")

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
    """A Scanner with every installed detector and the NER model, built once per session.

    It counts reserved/test values as real (as ``piiscan demo`` and
    ``--no-default-allow-list`` do): the demo and test data are drawn from reserved ranges.
    """
    from piiscan.config import Config
    from piiscan.scanning.scanner import Scanner

    return Scanner(Config(spacy_model=spacy_model, hash_key=b"test-key", ignore_reserved=False))


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


# -- S3-compatible object store (moto_server) ---------------------------------------------
@pytest.fixture(scope="session")
def s3_server():
    """A local ``moto_server`` for the session; skipped without it (failed when CI=true)."""
    from s3 import MotoServer, find_moto_server  # tests/s3.py

    binary = find_moto_server()
    _require(binary is not None, "moto_server not found (pip install 'moto[server]')")
    server = MotoServer(binary)
    try:
        server.start()
    except (RuntimeError, OSError) as exc:
        _require(False, f"cannot start moto_server: {exc}")
    yield server
    server.stop()


@pytest.fixture
def s3_env(s3_server, monkeypatch: pytest.MonkeyPatch) -> str:
    """Fake AWS credentials in the environment (restored after); returns the endpoint."""
    from s3 import FAKE_AWS_ENV

    for name, value in FAKE_AWS_ENV.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    return s3_server.url


@pytest.fixture
def s3_bucket(s3_env: str):
    """Factory: ``s3_bucket({"key": b"bytes", ...})`` creates a fresh bucket holding those
    objects and returns ``(bucket name, boto3 client)``; buckets are emptied afterwards."""
    import uuid

    import boto3

    client = boto3.client("s3", endpoint_url=s3_env, region_name="us-east-1")
    made: list[str] = []

    def make(objects: dict[str, bytes], name: str | None = None):
        bucket = name or f"piiscan-test-{uuid.uuid4().hex[:16]}"
        client.create_bucket(Bucket=bucket)
        made.append(bucket)
        for key, body in objects.items():
            client.put_object(Bucket=bucket, Key=key, Body=body)
        return bucket, client

    yield make
    for bucket in made:
        listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
        for obj in listed:
            client.delete_object(Bucket=bucket, Key=obj["Key"])
        client.delete_bucket(Bucket=bucket)


_pg_numbers = itertools.count()


@pytest.fixture
def pg_database(postgres_server: TempPostgres) -> Callable[[str], str]:
    """A fresh, empty database owned by the test user (optionally built by ``script``);
    returns its URL."""

    def create(script: str = "") -> str:
        name = f"copy_{next(_pg_numbers)}"
        postgres_server.psql(f"CREATE DATABASE {name} OWNER {USER};")
        if script:
            postgres_server.psql(f"SET ROLE {USER};" + script, database=name)
        return postgres_server.url.rsplit("/", 1)[0] + "/" + name

    return create
