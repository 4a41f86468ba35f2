"""Faults mid-scan with real parts: a PostgreSQL server restarted or stopped during a
table, an object store answering 5xx / throttling through a faulty proxy, and outputs
that cannot be written (a path under a file, /dev/full, a file-size limit)."""

from __future__ import annotations

import json
import logging
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import _require
from faulty_proxy import FaultyProxy
from postgres import USER, TempPostgres, find_bindir

from piiscan.config import Config
from piiscan.connectors import sql, storage
from piiscan.model import Inventory
from piiscan.registry import build_detectors, default_registry
from piiscan.scanning.events import Event
from piiscan.scanning.scanner import Scanner

PIISCAN = [sys.executable, "-m", "piiscan.cli"]
ROWS, BATCH = 400, 50
TABLES = """
CREATE TABLE a_people (id integer PRIMARY KEY, name text, email text);
INSERT INTO a_people SELECT i, 'Person ' || (i % 20), 'user' || (i % 25) || '@example.org'
FROM generate_series(1, {rows}) AS i;
CREATE TABLE b_orders (id integer PRIMARY KEY, customer_email text, total numeric(8, 2));
INSERT INTO b_orders SELECT i, 'buyer' || (i % 10) || '@example.com', i * 1.5
FROM generate_series(1, 120) AS i;
CREATE TABLE c_notes (id integer PRIMARY KEY, body text);
INSERT INTO c_notes SELECT i, 'note ' || (i % 5) FROM generate_series(1, 30) AS i;
ANALYZE;
"""


# -- fixtures ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pg() -> Iterator[TempPostgres]:
    """A server of this module's own: these tests stop and restart it."""
    bindir = find_bindir()
    _require(bindir is not None, "PostgreSQL binaries (initdb, pg_ctl) not found")
    server = TempPostgres(bindir)
    try:
        server.start()
        server.psql(f"SET ROLE {USER};" + TABLES.format(rows=ROWS), database="piiscan_test")
    except (RuntimeError, OSError) as exc:
        server.stop()
        _require(False, f"cannot start PostgreSQL: {exc}")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def detectors() -> list[Any]:
    # the data's e-mails are at example.org: counted as real (--no-default-allow-list)
    return build_detectors(Config(spacy_model="none", ignore_reserved=False), default_registry)


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sql, "RETRY_DELAYS", (0.1, 0.2, 0.4))


def scan(detectors: list[Any], sources: list[str], on_event: Callable[[Event], None] | None
         = None, **settings: Any) -> Inventory:
    settings.setdefault("exclude", ("*.id", "*.total"))  # numbers: slow to analyse, no PII
    config = Config(spacy_model="none", progress=False, hash_key=b"k", **settings)
    return Scanner(config, detectors=detectors, on_event=on_event).scan(sources)


def after_first_rows(table: str, action: Callable[[], None]) -> Callable[[Event], None]:
    """An event sink that runs ``action`` once, after the first batch of ``table``."""
    done: list[bool] = []

    def on_event(event: Event) -> None:
        if event.kind == "rows" and event.asset == table and not done:
            done.append(True)
            action()

    return on_event


def unfinished(inventory: Inventory) -> dict[str | None, str]:
    return {e.asset: e.reason for e in inventory.errors}


def assert_incomplete(inventory: Inventory) -> None:
    """Never a partial inventory presented as complete."""
    assert inventory.errors
    assert inventory.summary["complete"] is False
    assert inventory.summary["unfinished"]


# -- PostgreSQL restarted or stopped during a table ------------------------------------
def test_restart_between_batches_gives_the_undisturbed_result(
        pg: TempPostgres, detectors: list[Any], fast_retries: None,
        caplog: pytest.LogCaptureFixture) -> None:
    settings = {"full": True, "batch_rows": BATCH}
    undisturbed = scan(detectors, [pg.url], **settings)
    rows: list[int] = []
    restart = after_first_rows("a_people", pg.restart)

    def on_event(event: Event) -> None:
        restart(event)
        if event.kind == "rows" and event.asset == "a_people":
            rows.append(event.rows)

    with caplog.at_level(logging.INFO, logger="piiscan.connectors.sql"):
        disturbed = scan(detectors, [pg.url], on_event, **settings)
    assert not disturbed.errors
    [retried] = [r.getMessage() for r in caplog.records]  # the read really was cut
    assert f"a_people: connection lost after {BATCH} rows, retrying" in retried
    assert "s3cret" not in retried
    assert sum(rows) == ROWS and len(rows) == ROWS // BATCH  # no row read twice
    assert disturbed.assets == undisturbed.assets
    [people] = [a for a in disturbed.assets if a.asset == "a_people"]
    assert people.rows_scanned == ROWS and people.sensitivity


def test_restart_during_a_random_sample_is_an_asset_error_not_a_double_count(
        pg: TempPostgres, detectors: list[Any], fast_retries: None) -> None:
    inventory = scan(detectors, [pg.url], after_first_rows("a_people", pg.restart),
                     sample_rows=ROWS // 2, batch_rows=BATCH)
    reasons = unfinished(inventory)
    assert set(reasons) == {"a_people"}
    assert f"connection lost after {BATCH} rows" in reasons["a_people"]
    assert "another order" in reasons["a_people"]
    assert {a.asset for a in inventory.assets} == {"b_orders", "c_notes"}
    assert_incomplete(inventory)


def test_server_staying_down_fails_the_rest_with_clear_reasons(pg: TempPostgres,
                                                               detectors: list[Any],
                                                               fast_retries: None) -> None:
    started = time.monotonic()
    try:
        inventory = scan(detectors, [pg.url], after_first_rows("a_people", pg.halt),
                         full=True, batch_rows=BATCH)
    finally:
        pg.resume()
    reasons = unfinished(inventory)
    assert set(reasons) == {"a_people", "b_orders", "c_notes"}  # each asset named
    assert f"connection lost after {BATCH} rows" in reasons["a_people"]
    assert "(4 attempts)" in reasons["a_people"]
    assert "cannot connect" in reasons["b_orders"] and "(1 attempt)" in reasons["b_orders"]
    assert "s3cret" not in json.dumps(inventory.to_dict())
    assert inventory.assets == ()
    assert_incomplete(inventory)
    assert time.monotonic() - started < 15  # later tables do not wait out the retries


# -- object store 5xx / throttling -----------------------------------------------------
OBJECTS = {
    f"data/{name}.csv": ("name,email\n" + "".join(
        f"Person {i},{name}{i}@example.org\n" for i in range(20))).encode()
    for name in ("alpha", "bravo", "charlie", "delta")
}


@pytest.fixture
def proxy(s3_env: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultyProxy]:
    monkeypatch.setattr(storage, "RETRY_BASE_DELAY", 0.05)  # piiscan's waits; not botocore's
    with FaultyProxy(s3_env) as p:
        yield p


def test_throttling_and_5xx_bursts_are_retried(s3_bucket, s3_env: str, proxy: FaultyProxy,
                                               detectors: list[Any]) -> None:
    bucket, _ = s3_bucket(OBJECTS)
    direct = scan(detectors, [f"s3://{bucket}/data"], endpoint_url=s3_env)
    proxy.fail("alpha.csv", times=3, status=503, code="SlowDown")  # > the client's retries
    proxy.fail("bravo.csv", times=1, status=500, code="InternalError")
    proxy.fail("charlie.csv", times=1, status=503, code="ServiceUnavailable")
    through = scan(detectors, [f"s3://{bucket}/data"], endpoint_url=proxy.url)
    assert not through.errors
    assert through.assets == direct.assets
    assert proxy.hits("alpha.csv") == 4 and proxy.hits("bravo.csv") == 2


def test_a_permanent_500_fails_only_that_object(s3_bucket, proxy: FaultyProxy,
                                                detectors: list[Any]) -> None:
    bucket, _ = s3_bucket(OBJECTS)
    proxy.fail("bravo.csv", status=500, code="InternalError")
    inventory = scan(detectors, [f"s3://{bucket}/data"], endpoint_url=proxy.url)
    reasons = unfinished(inventory)
    assert set(reasons) == {"bravo.csv"}
    assert "store unavailable after" in reasons["bravo.csv"]
    assert {a.asset for a in inventory.assets} == {"alpha.csv", "charlie.csv", "delta.csv"}
    assert proxy.hits("bravo.csv") > 1  # retried before giving up
    assert_incomplete(inventory)


# -- outputs that cannot be written ------------------------------------------------------
def run(args: list[str], cwd: Path, stdout: Any = subprocess.PIPE,
        preexec: Callable[[], None] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PIISCAN_SPACY_MODEL": "none"}
    return subprocess.run([*PIISCAN, *args], cwd=cwd, stdout=stdout, stderr=subprocess.PIPE,
                          text=True, env=env, timeout=120, preexec_fn=preexec)


def assert_one_error_line(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, done.stderr
    for word in words:
        assert word in errors[0]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("outputs")
    (root / "data").mkdir()
    (root / "data" / "people.csv").write_text(
        "name,email\n" + "".join(f"P {i},p{i}@example.org\n" for i in range(30)))
    (root / "a-file").write_text("not a directory\n")
    return root


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob("*") if ".partial" in p.name
                  or p.name.startswith("x."))


@pytest.mark.parametrize("target", ["a-file/x.json", "a-file/sub/x.json"])
def test_output_under_a_file(workdir: Path, target: str) -> None:
    done = run(["scan", "data", "-f", "json", "-o", target], workdir)
    assert_one_error_line(done, "cannot write", target)
    assert leftovers(workdir) == []


def test_stdout_on_a_full_disk(workdir: Path) -> None:
    with open("/dev/full", "w") as full:
        done = run(["scan", "data", "-f", "json"], workdir, stdout=full)
    assert_one_error_line(done, "cannot write", "No space left on device")


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a kill, like ENOSPC
    resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))


def test_output_file_hitting_a_size_limit_leaves_nothing(workdir: Path) -> None:
    done = run(["scan", "data", "-f", "json", "-o", "x.json"], workdir,
               preexec=_limit_file_size)
    assert_one_error_line(done, "cannot write", "x.json", "File too large")
    assert leftovers(workdir) == []


def test_state_file_under_a_file(workdir: Path) -> None:
    done = run(["scan", "data", "-f", "json", "--state", "a-file/state.db"], workdir)
    assert_one_error_line(done, "state file")
    assert not (workdir / "x.json").exists()


@pytest.mark.parametrize("args", [
    ["--to", "a-file/copy"],
    ["--to", "copy-ok", "--manifest", "a-file/manifest.json"],
])
def test_anonymize_to_unwritable_places(workdir: Path, args: list[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIISCAN_ANON_KEY", "k" * 32)
    done = run(["anonymize", "data", *args, "--no-verify"], workdir)
    assert_one_error_line(done, "a-file")
    assert leftovers(workdir) == []
