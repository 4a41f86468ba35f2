"""Anonymize runs restart cleanly: a copy killed with SIGKILL leaves only its temporary
next to the target, and the next run towards that target removes it and completes.

The copy runs in a real subprocess (the copier with a transformer that pauses per batch,
so the kill lands mid-copy deterministically: after the first progress report).
"""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from piiscan.anonymize.temps import remove_stale_temps, temp_prefix

ROWS, BATCH = 2_000, 50

#: argv: kind (sql|files), source, target, pause per batch in seconds, batch rows
CHILD = """
import sys, time
from pathlib import Path
from piiscan.anonymize.file_copy import copy_tree
from piiscan.anonymize.sql_copy import copy_database

kind, source, target = sys.argv[1:4]
pause, batch_rows = float(sys.argv[4]), int(sys.argv[5])

class Slow:
    def batch(self, asset, batch):
        time.sleep(pause)
        return batch
    def value(self, asset, field, value):
        return value
    def text(self, asset, text):
        return text

def said(*args):
    print("progress", flush=True)

if kind == "sql":
    report = copy_database(source, target, Slow(), batch_rows=batch_rows, on_progress=said)
else:
    report = copy_tree(Path(source), Path(target), Slow(), batch_rows=batch_rows,
                       on_progress=said)
print("failed", len(report.failed), flush=True)
"""


def run_child(kind: str, source: str, target: str, pause: float) -> subprocess.Popen[str]:
    argv = [sys.executable, "-c", CHILD, kind, source, target, str(pause), str(BATCH)]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def kill_mid_copy(proc: subprocess.Popen[str]) -> None:
    """SIGKILL ``proc`` once it has reported progress (mid-copy: it pauses per batch)."""
    assert proc.stdout is not None
    try:
        line = proc.stdout.readline()
        assert line.startswith("progress"), (line, proc.stderr.read() if proc.stderr else "")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL


def temps(target: Path) -> list[str]:
    prefix = f".{target.name}.tmp-"
    return sorted(p.name for p in target.parent.iterdir() if p.name.startswith(prefix))


def make_db(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        for table in ("customers", "orders"):
            conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, email TEXT)")
            conn.executemany(f"INSERT INTO {table} VALUES (?, ?)",
                             [(i, f"p{i}@example.com") for i in range(ROWS)])
    conn.close()


def counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        result = {n: conn.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}
    conn.close()
    return result


def test_a_killed_database_copy_restarts_cleanly(tmp_path: Path) -> None:
    source, out = tmp_path / "shop.db", tmp_path / "out"
    make_db(source)
    out.mkdir()
    target = out / "anon.db"
    kill_mid_copy(run_child("sql", f"sqlite:///{source}", f"sqlite:///{target}", 0.05))
    assert not target.exists()
    assert temps(target), "the kill leaves the temporary behind"

    proc = run_child("sql", f"sqlite:///{source}", f"sqlite:///{target}", 0)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    assert stdout.splitlines()[-1] == "failed 0"
    assert counts(target) == counts(source) == {"customers": ROWS, "orders": ROWS}
    assert temps(target) == []
    assert sorted(p.name for p in out.iterdir()) == ["anon.db"]


def test_a_killed_file_copy_restarts_cleanly(tmp_path: Path) -> None:
    source, out = tmp_path / "exports", tmp_path / "out"
    source.mkdir()
    out.mkdir()
    for n in range(3):
        with (source / f"part{n}.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["id", "email"])
            writer.writerows((i, f"p{i}@example.com") for i in range(ROWS))
    target = out / "anon"
    kill_mid_copy(run_child("files", str(source), str(target), 0.05))
    assert not target.exists() and temps(target)

    proc = run_child("files", str(source), str(target), 0)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    assert stdout.splitlines()[-1] == "failed 0"
    assert sorted(p.name for p in target.iterdir()) == ["part0.csv", "part1.csv", "part2.csv"]
    for n in range(3):
        lines = (target / f"part{n}.csv").read_text(encoding="utf-8").splitlines()
        assert len(lines) == ROWS + 1
    assert temps(target) == [] and sorted(p.name for p in out.iterdir()) == ["anon"]


# -- what the clean-up removes, and what it leaves ------------------------------------------
def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.mark.parametrize(
    ("name", "removed"),
    [
        (".anon.db.tmp-{dead}-abc123", True),  # a killed run's copy
        (".anon.db.tmp-{dead}-abc123-journal", True),  # and its SQLite sidecar
        (".anon.db.tmp-{alive}-abc123", False),  # a run still going (this one)
        (".anon.db.tmp-{parent}-abc123", False),  # another live process
        (".anon.db.tmp-old_rand", True),  # an older piiscan's name, made before we started
        (".other.db.tmp-{dead}-abc123", False),  # another target's
        ("anon.db.tmp-{dead}-abc123", False),  # not hidden: not ours
        (".anon.db.old-{dead}", False),  # not a temporary copy
        ("anon.db", False),
    ],
)
def test_only_stale_temporaries_of_the_same_target_are_removed(
    tmp_path: Path, name: str, removed: bool
) -> None:
    path = tmp_path / name.format(dead=dead_pid(), alive=os.getpid(), parent=os.getppid())
    path.write_text("x", encoding="utf-8")
    old = time.time() - 3600
    os.utime(path, (old, old))
    assert remove_stale_temps(tmp_path / "anon.db") == ([path] if removed else [])
    assert path.exists() is not removed


def test_a_stale_temporary_directory_is_removed_and_ours_are_named_for_this_process(
    tmp_path: Path,
) -> None:
    stale = tmp_path / f".anon.tmp-{dead_pid()}-xyz"
    (stale / "sub").mkdir(parents=True)
    (stale / "sub" / "f.csv").write_text("a\n", encoding="utf-8")
    assert remove_stale_temps(tmp_path / "anon") == [stale] and not stale.exists()
    assert temp_prefix(tmp_path / "anon") == f".anon.tmp-{os.getpid()}-"
