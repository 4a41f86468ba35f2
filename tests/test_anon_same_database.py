"""Issue 19 item 10: a target that is the source is refused by identity, not by spelling.

Through the Unix socket the URL names no host, so the old guard (host strings) let
``anonymize --overwrite`` drop the source's tables in an open transaction while its own
read held them: a deadlock on itself. The guard now asks the servers (PostgreSQL) and the
file system (SQLite, inode) whether both ends are one database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from anon_data import Same  # tests/anon_data.py: copies every value as it is
from postgres import PASSWORD, USER, TempPostgres

from piiscan.anonymize.sql_copy import copy_database
from piiscan.errors import UsageError

PIISCAN = [str(Path(sys.executable).parent / "piiscan")]
KEY = "k" * 32
SCHEMA = """
CREATE TABLE customers (id integer PRIMARY KEY, email text);
INSERT INTO customers SELECT i, 'user' || i || '@corp-mail.com' FROM generate_series(1, 40) i;
"""


def socket_url(server: TempPostgres, tcp_url: str) -> str:
    """The same database as ``tcp_url``, reached through the server's Unix socket."""
    database = tcp_url.rsplit("/", 1)[1]
    return (f"postgresql+psycopg://{USER}:{PASSWORD}@/{database}"
            f"?host={server.root}&port={server.port}")


def rows(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(sa.text("SELECT count(*) FROM customers")).scalar()
    engine.dispose()
    return int(n or 0)


@pytest.mark.postgres
def test_socket_spelling_of_the_source_is_refused(postgres_server: TempPostgres,
                                                  pg_database, tmp_path: Path) -> None:
    source = pg_database(SCHEMA)
    target = socket_url(postgres_server, source)
    # no PIISCAN_* setting of the caller, but the tests' plugin isolation (conftest.py)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PIISCAN_") or k == "PIISCAN_PLUGINS"}
    env.update(PIISCAN_SPACY_MODEL="none", PIISCAN_ANON_KEY=KEY)
    done = subprocess.run([*PIISCAN, "anonymize", source, "--to", target, "--overwrite",
                           "--manifest", "m.json"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "is the source database" in done.stderr
    assert PASSWORD not in done.stderr
    assert rows(source) == 40  # untouched, and no session left waiting on it


@pytest.mark.postgres
def test_library_guard_and_another_database_of_the_same_server(
    postgres_server: TempPostgres, pg_database
) -> None:
    source = pg_database(SCHEMA)
    with pytest.raises(UsageError, match="is the source database"):
        copy_database(socket_url(postgres_server, source), source, Same(), overwrite=True)
    assert rows(source) == 40
    other = socket_url(postgres_server, pg_database())  # same server, another database
    report = copy_database(source, other, Same())
    assert not report.failed and rows(other) == 40


@pytest.mark.parametrize("spelling", ["hardlink", "symlinked folder"])
def test_sqlite_file_by_inode(tmp_path: Path, spelling: str) -> None:
    source = tmp_path / "src" / "shop.db"
    source.parent.mkdir()
    with sqlite3.connect(source) as conn:
        conn.executescript("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('a');")
    conn.close()
    before = source.read_bytes()
    if spelling == "hardlink":
        target = tmp_path / "copy.db"
        os.link(source, target)
    else:
        (tmp_path / "alias").symlink_to(source.parent)
        target = tmp_path / "alias" / "shop.db"
    with pytest.raises(UsageError, match="is the source"):
        copy_database(f"sqlite:///{source}", f"sqlite:///{target}", Same(), overwrite=True)
    assert source.read_bytes() == before
