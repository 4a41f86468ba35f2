"""Resumable scans: a scan killed part-way resumes from its state file, and the final
inventory equals that of an uninterrupted run (``generated_at`` aside).

The acceptance test runs the real CLI in a subprocess and kills it with SIGKILL once the
state file holds some but not all assets; the others interrupt a scan in-process (an event
sink that raises) to check what a resume reuses, rereads and retries.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from piiscan.config import Config
from piiscan.detectors.presidio_detector import PresidioDetector
from piiscan.model import Inventory
from piiscan.scanning.events import Event
from piiscan.scanning.scanner import Scanner

RULES = Config(spacy_model="none")
DETECTORS = [PresidioDetector(RULES)]
TABLES, FILES, ROWS = 3, 2, 60
PIISCAN = [sys.executable, "-m", "piiscan.cli"]


def make_sources(root: Path, tables: int = TABLES, files: int = FILES, rows: int = ROWS
                 ) -> tuple[str, Path]:
    """An SQLite database of ``tables`` tables and a folder of ``files`` CSV files."""
    db = root / "shop.db"
    with sqlite3.connect(db) as conn:
        for t in range(tables):
            conn.execute(f"CREATE TABLE t{t} (id INTEGER, email TEXT, note TEXT)")
            conn.executemany(
                f"INSERT INTO t{t} VALUES (?, ?, ?)",
                [(i, f"user{t}.{i}@example.com", f"call +44 20 7946 {i:04d} ref {t}-{i}")
                 for i in range(rows)],
            )
    conn.close()
    folder = root / "files"
    folder.mkdir()
    for f in range(files):
        (folder / f"f{f}.csv").write_text(
            "id,email\n" + "".join(f"{i},file{f}.{i}@example.org\n" for i in range(rows)),
            encoding="utf-8",
        )
    return f"sqlite:///{db}", folder


def comparable(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "generated_at"}


def run_rows(state: Path) -> list[tuple[Any, ...]]:
    """(id, status, attempts) of every run in the state file, read-only."""
    with sqlite3.connect(f"file:{state}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT id, status, attempts FROM runs ORDER BY id").fetchall()


def finished_assets(state: Path) -> dict[str, int]:
    """asset name → the attempt that finished it, for the last run (read-only)."""
    try:
        conn = sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=1.0)
        try:
            rows = conn.execute(
                "SELECT asset, attempt FROM run_assets "
                "WHERE run_id = (SELECT MAX(id) FROM runs)"
            ).fetchall()
        finally:
            conn.close()
    except sqlite3.Error:  # not created yet, or being set up
        return {}
    return dict(rows)


# -- the acceptance test: kill -9, then the same command ----------------------------------
def test_a_scan_killed_with_sigkill_resumes_to_the_uninterrupted_inventory(
    tmp_path: Path,
) -> None:
    db_url, folder = make_sources(tmp_path)
    total = TABLES + FILES

    def command(state: Path, out: Path) -> list[str]:
        return [*PIISCAN, "scan", db_url, str(folder), "--state", str(state),
                "--format", "json", "-o", str(out), "--spacy-model", "none", "--full",
                "--no-progress"]

    fresh_out = tmp_path / "fresh" / "out.json"
    subprocess.run(command(tmp_path / "fresh.state", fresh_out), check=True,
                   capture_output=True, timeout=120)
    expected = comparable(json.loads(fresh_out.read_text(encoding="utf-8")))
    assert not expected["errors"] and len(expected["assets"]) == total

    state, out = tmp_path / "scan.state", tmp_path / "out" / "out.json"
    proc = subprocess.Popen(command(state, out), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while not finished_assets(state) and proc.poll() is None:
            assert time.monotonic() < deadline, "the scan recorded nothing in time"
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    done_before = finished_assets(state)
    assert 1 <= len(done_before) < total, "kill the scan part-way"
    assert not out.exists() and not (out.parent.exists() and any(out.parent.iterdir()))
    assert run_rows(state) == [(1, "running", 1)]

    subprocess.run(command(state, out), check=True, capture_output=True, timeout=120)
    assert comparable(json.loads(out.read_text(encoding="utf-8"))) == expected
    done_after = finished_assets(state)
    assert len(done_after) == total
    # what the killed run finished was carried over, not read again (still attempt 1)
    assert {a: done_after[a] for a in done_before} == dict.fromkeys(done_before, 1)
    assert sorted(set(done_after) - set(done_before)) == sorted(
        a for a, attempt in done_after.items() if attempt == 2
    )
    assert run_rows(state) == [(1, "finished", 2)]


# -- in-process: what a resume reuses, rereads and retries --------------------------------
class Interrupted(BaseException):
    """Stands in for a kill: not an Exception, so the scanner does not catch it."""


def scan(state: Path, sources: list[str], stop_after: int | None = None,
         events: list[Event] | None = None) -> Inventory:
    """One scan with ``state``; with ``stop_after``, interrupted when that many assets
    have been started and the next one begins."""
    seen = [0]

    def sink(event: Event) -> None:
        if events is not None:
            events.append(event)
        if event.kind == "asset":
            seen[0] += 1
            if stop_after is not None and seen[0] > stop_after:
                raise Interrupted

    config = RULES.with_overrides(state_path=str(state))
    scanner = Scanner(config, detectors=DETECTORS, on_event=sink)
    try:
        return scanner.scan(sources)
    finally:
        scanner.close()


@pytest.fixture
def sources(tmp_path: Path) -> Iterator[list[str]]:
    db_url, folder = make_sources(tmp_path, tables=3, files=3, rows=20)
    yield [db_url, str(folder)]


def resumed(events: list[Event]) -> list[str]:
    return [e.asset or "" for e in events if e.kind == "unchanged" and e.message == "resumed"]


def test_resume_reuses_finished_tables_and_files_and_equals_a_full_run(
    tmp_path: Path, sources: list[str]
) -> None:
    expected = scan(tmp_path / "fresh.state", sources).to_dict()
    state = tmp_path / "s.state"
    with pytest.raises(Interrupted):
        scan(state, sources, stop_after=4)  # t0, t1, t2, f0.csv done
    events: list[Event] = []
    inventory = scan(state, sources, events=events)
    assert resumed(events) == ["t0", "t1", "t2", "f0.csv"]
    assert comparable(inventory.to_dict()) == comparable(expected)
    assert not any(a.carried_over for a in inventory.assets)


def test_a_finished_run_is_not_resumed_and_tables_are_read_again(
    tmp_path: Path, sources: list[str]
) -> None:
    state = tmp_path / "s.state"
    scan(state, sources)
    events: list[Event] = []
    scan(state, sources, events=events)
    assert resumed(events) == []
    rows_read = {e.asset for e in events if e.kind == "rows"}
    assert {"t0", "t1", "t2"} <= rows_read  # tables are read again; files are unchanged
    assert run_rows(state) == [(1, "finished", 1), (2, "finished", 1)]


def test_other_sources_or_settings_start_a_new_run(tmp_path: Path, sources: list[str]) -> None:
    state = tmp_path / "s.state"
    with pytest.raises(Interrupted):
        scan(state, sources, stop_after=2)
    events: list[Event] = []
    scan(state, sources[:1], events=events)  # only the database: another run
    assert resumed(events) == []
    assert [r[1:] for r in run_rows(state)] == [("running", 1), ("finished", 1)]
    scan(state, sources, events=events)  # the interrupted one is still resumable
    assert resumed(events) == ["t0", "t1"]


def test_a_file_changed_since_the_kill_is_read_again(tmp_path: Path, sources: list[str]) -> None:
    state = tmp_path / "s.state"
    with pytest.raises(Interrupted):
        scan(state, sources, stop_after=5)  # t0..t2, f0, f1 done
    changed = Path(sources[1]) / "f0.csv"
    changed.write_text("id,email\n1,someone.else@example.net\n2,x\n", encoding="utf-8")
    events: list[Event] = []
    inventory = scan(state, sources, events=events)
    assert resumed(events) == ["t0", "t1", "t2", "f1.csv"]
    f0 = next(a for a in inventory.assets if a.asset == "f0.csv")
    assert f0.rows_scanned == 2 and not f0.carried_over


def test_a_failed_asset_is_not_recorded_and_is_retried(tmp_path: Path, sources: list[str]) -> None:
    folder = Path(sources[1])
    bad = folder / "f1.csv"
    bad.write_bytes(b"PK\x03\x04 not really anything")
    bad.rename(folder / "f1.parquet")
    state = tmp_path / "s.state"
    with pytest.raises(Interrupted):
        scan(state, sources, stop_after=5)  # the broken file failed before the interruption
    assert "f1.parquet" not in finished_assets(state)
    inventory = scan(state, sources)
    assert [e.asset for e in inventory.errors] == ["f1.parquet"]
    assert inventory.summary["complete"] is False


def test_the_state_file_keeps_no_raw_values(tmp_path: Path) -> None:
    """Masked evidence only (source URLs are stored masked: see test_state.py)."""
    db_url, folder = make_sources(tmp_path, tables=1, files=1, rows=10)
    state = tmp_path / "s.state"
    with pytest.raises(Interrupted):
        scan(state, [db_url, str(folder)], stop_after=1)
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("s.state*"))
    assert b"user0.1@example.com" not in raw and b"file0.1@example.org" not in raw
