"""Issue 19 item 20: reading a SQLite file leaves its folder exactly as it was.

A plain ``mode=ro`` connection to a WAL-mode database creates ``-wal`` and ``-shm`` next
to it. For every state a database can be found in (rollback journal; WAL mode closed
cleanly; WAL mode with a live writer whose rows are only in the log; a crashed writer's
log without ``-shm``), a scan and an anonymize copy must leave the listing and every
byte of the source folder unchanged, and still see the rows in the log."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from anon_data import Same  # tests/anon_data.py: copies every value as it is

from piiscan.anonymize.sql_copy import copy_database
from piiscan.config import Config
from piiscan.connectors.sql import SqlConnector
from piiscan.errors import AssetError
from piiscan.scanning.scanner import Scanner

ROWS = 120


def folder_state(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir())}


def build(path: Path, wal: bool) -> None:
    conn = sqlite3.connect(path)
    if wal:
        conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT)")
    conn.executemany("INSERT INTO people VALUES (?, ?)",
                     [(i, f"user{i}@corp-mail.com") for i in range(ROWS)])
    conn.commit()
    conn.close()


@pytest.fixture(params=["rollback journal", "wal, closed", "wal, live writer",
                        "wal, crashed writer"])
def source(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """(database file alone in its folder, rows a reader must see)."""
    case = request.param
    folder = tmp_path / "src"
    folder.mkdir()
    path = folder / "shop.db"
    build(path, wal=case != "rollback journal")
    writer = None
    if case in ("wal, live writer", "wal, crashed writer"):
        writer = sqlite3.connect(path)
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute("INSERT INTO people VALUES (?, ?)", (ROWS, "late@corp-mail.com"))
        writer.commit()  # only in the -wal file
        assert Path(f"{path}-wal").stat().st_size > 0
    if case == "wal, crashed writer":  # the files a crash leaves, without -shm
        crashed = tmp_path / "crashed"
        crashed.mkdir()
        shutil.copyfile(path, crashed / "shop.db")
        shutil.copyfile(f"{path}-wal", crashed / "shop.db-wal")
        writer.close()
        writer = None
        path = crashed / "shop.db"
    rows = ROWS + (case != "rollback journal" and case != "wal, closed")
    yield path, rows
    if writer is not None:
        writer.close()


def test_scan_and_copy_leave_the_folder_as_it_was(source: tuple[Path, int],
                                                  tmp_path: Path) -> None:
    path, rows = source
    before = folder_state(path.parent)
    inventory = Scanner(Config(progress=False, full=True), detectors=[]).scan(
        [f"sqlite:///{path}"])
    assert not inventory.errors
    assert [(a.asset, a.rows_scanned) for a in inventory.assets] == [("people", rows)]
    assert folder_state(path.parent) == before
    out = tmp_path / "out" / "copy.db"
    out.parent.mkdir()
    report = copy_database(f"sqlite:///{path}", f"sqlite:///{out}", Same())
    assert [(a.asset, a.rows_out) for a in report.assets] == [("people", rows)]
    assert folder_state(path.parent) == before


def test_a_file_changed_while_read_immutable_is_an_asset_error(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    build(path, wal=True)
    connector = SqlConnector(f"sqlite:///{path}", Config(batch_rows=10, full=True))
    try:
        (asset,) = list(connector.assets())
        batches = asset.batches()
        next(batches)
        writer = sqlite3.connect(path)  # a writer starts and checkpoints meanwhile
        writer.execute("INSERT INTO people VALUES (?, ?)", (ROWS, "late@corp-mail.com"))
        writer.commit()
        writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        writer.close()
        with pytest.raises(AssetError, match="changed while it was read"):
            list(batches)
    finally:
        connector.close()


def test_snapshots_are_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    path = tmp_path / "shop.db"
    build(path, wal=True)
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("INSERT INTO people VALUES (?, ?)", (ROWS, "late@corp-mail.com"))
    writer.commit()
    try:
        connector = SqlConnector(f"sqlite:///{path}", Config())
        assert [p.name[:14] for p in temp.iterdir()] == ["piiscan-sqlite"]
        connector.close()
        assert list(temp.iterdir()) == []
    finally:
        writer.close()
