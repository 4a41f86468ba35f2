"""Issue 19 item 9: a locked table or a slow view is an asset error, not a stalled scan.

A second session holds ``LOCK TABLE … ACCESS EXCLUSIVE`` in an open transaction and a
view sleeps in ``pg_sleep``; a real ``piiscan scan`` with short ``lock_timeout`` and
``statement_timeout`` must finish in bounded time, write its inventory, and list exactly
those two assets in ``errors[]`` while the other table is scanned."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from piiscan.config import DEFAULT_LOCK_TIMEOUT, DEFAULT_STATEMENT_TIMEOUT, Config, load_config
from piiscan.errors import ConfigError

PIISCAN = [str(Path(sys.executable).parent / "piiscan")]
SCHEMA = """
CREATE TABLE free (id integer PRIMARY KEY, email text);
CREATE TABLE locked (id integer PRIMARY KEY, email text);
INSERT INTO free SELECT i, 'user' || i || '@corp-mail.com' FROM generate_series(1, 50) i;
INSERT INTO locked SELECT * FROM free;
CREATE VIEW slow AS SELECT id, email FROM free WHERE pg_sleep(60) IS NOT NULL;
"""


@pytest.mark.postgres
def test_locked_table_and_slow_view_are_errors_and_the_scan_goes_on(
    pg_database, tmp_path: Path
) -> None:
    url = pg_database(SCHEMA)
    holder = sa.create_engine(url)
    conn = holder.connect()
    conn.execute(sa.text("LOCK TABLE locked IN ACCESS EXCLUSIVE MODE"))  # held: no commit
    # no PIISCAN_* setting of the caller, but the tests' plugin isolation (conftest.py)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PIISCAN_") or k == "PIISCAN_PLUGINS"}
    env.update(PIISCAN_SPACY_MODEL="none", PIISCAN_LOCK_TIMEOUT="1",
               PIISCAN_STATEMENT_TIMEOUT="2")
    try:
        started = time.monotonic()
        done = subprocess.run([*PIISCAN, "scan", url, "-f", "json", "-o", "inv.json"],
                              cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=90)
        elapsed = time.monotonic() - started
    finally:
        conn.rollback()
        conn.close()
        holder.dispose()
    assert done.returncode in (0, 1), done.stderr[-2000:]
    assert elapsed < 45, f"the scan took {elapsed:.0f}s"
    inventory = json.loads((tmp_path / "inv.json").read_text())
    errors = {e["asset"]: e["reason"] for e in inventory["errors"]}
    assert set(errors) == {"locked", "slow"}
    assert "lock timeout" in errors["locked"] and "raise lock_timeout" in errors["locked"]
    assert "statement timeout" in errors["slow"]
    assert "raise statement_timeout" in errors["slow"]
    assert "PIISCAN_STATEMENT_TIMEOUT" in errors["slow"]
    assert [a["asset"] for a in inventory["assets"]] == ["free"]
    assert inventory["summary"]["complete"] is False


@pytest.mark.postgres
def test_the_session_carries_the_timeouts(pg_database) -> None:
    from piiscan.connectors.sql import SqlConnector

    connector = SqlConnector(pg_database(""), Config(statement_timeout=7.5, lock_timeout=0))
    try:
        with connector.engine.connect() as conn:
            assert conn.execute(sa.text("SHOW statement_timeout")).scalar() == "7500ms"
            assert conn.execute(sa.text("SHOW lock_timeout")).scalar() == "0"
    finally:
        connector.close()


def test_timeouts_are_configurable(tmp_path: Path) -> None:
    assert (Config().statement_timeout, Config().lock_timeout) == (
        DEFAULT_STATEMENT_TIMEOUT, DEFAULT_LOCK_TIMEOUT)
    toml = tmp_path / "piiscan.toml"
    toml.write_text("statement_timeout = 120\nlock-timeout = 5\n")
    config = load_config(toml, env={})
    assert (config.statement_timeout, config.lock_timeout) == (120, 5)
    assert load_config(toml, env={"PIISCAN_LOCK_TIMEOUT": "2.5"}).lock_timeout == 2.5
    with pytest.raises(ConfigError, match="lock_timeout"):
        Config(lock_timeout=-1)
