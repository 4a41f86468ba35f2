"""Open a SQLite file for reading without creating or changing any file next to it.

A plain ``mode=ro`` connection to a WAL-mode database creates ``-wal`` and ``-shm`` files
beside it (and leaves them), and takes part in the shared-memory protocol of the
``-shm`` file. What :class:`SqliteReader` does instead, by the state of the file:

* **rollback journal, no journal file** (the common case): ``mode=ro``. SQLite creates
  nothing for a reader and its shared lock keeps the read consistent.
* **WAL mode, no write-ahead log** (no ``-wal`` file, or an empty one): every committed
  page is in the main file, so it is opened ``immutable=1``: no lock, no ``-shm``, no
  ``-wal``. ``immutable`` is unsafe only if another process changes the main file while
  it is read (a checkpoint of a writer that started meanwhile); the reader records the
  file's size, modification time and inode when it opens it, and :meth:`changed` tells
  whether they moved, so the connector turns such a read into an asset error instead of
  reporting a torn snapshot.
* **a write-ahead log with content, or a hot rollback journal** (a writer is live or
  crashed; committed rows may live only in the log): ``immutable`` would miss them and
  ``mode=ro`` would touch the ``-shm`` file. The database and its log (or journal) are
  copied into a private temporary folder (log first, then the database, again if the
  log moved meanwhile), and the copy is opened; SQLite replays the log there. This
  costs a copy of the file, and is removed by :meth:`close`.

Either way the source folder's listing and bytes are what they were.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import sqlite3
import tempfile
from pathlib import Path
from urllib.parse import quote

log = logging.getLogger(__name__)

HEADER = b"SQLite format 3\x00"
#: Tries at copying a database whose log keeps changing.
SNAPSHOT_TRIES = 3


def _stat(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def _has_content(path: Path) -> bool:
    with contextlib.suppress(OSError):
        return path.stat().st_size > 0
    return False


def is_wal_mode(path: Path) -> bool:
    """Whether the file's header says WAL mode (read and write versions 2)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(20)
    except OSError:
        return False
    return head.startswith(HEADER) and 2 in (head[18], head[19])


class SqliteReader:
    """Connections to one SQLite file, opened as the module docstring says."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.snapshot: Path | None = None
        self._opened = _stat(path)
        wal = Path(f"{path}-wal")
        journal = Path(f"{path}-journal")
        if is_wal_mode(path):
            if _has_content(wal):
                self.mode = "snapshot"
                self._copy(wal)
            else:
                self.mode = "immutable"
        elif _has_content(journal):
            self.mode = "snapshot"
            self._copy(journal)
        else:
            self.mode = "ro"

    def _copy(self, side: Path) -> None:
        """Copy the database with its log or journal into a private folder."""
        folder = Path(tempfile.mkdtemp(prefix="piiscan-sqlite-"))
        target = folder / "db.sqlite"
        suffix = side.name[len(self.path.name) :]  # -wal or -journal
        log.info("reading a copy of %s: its %s holds data a reader cannot share", self.path, suffix)
        try:
            for _ in range(SNAPSHOT_TRIES):
                before = _stat(side)
                with contextlib.suppress(FileNotFoundError):
                    shutil.copyfile(side, f"{target}{suffix}")
                shutil.copyfile(self.path, target)
                if _stat(side) == before:
                    break
        except OSError:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        self.snapshot = target

    def connect(self) -> sqlite3.Connection:
        if self.snapshot is not None:
            return sqlite3.connect(self.snapshot)
        query = "mode=ro&immutable=1" if self.mode == "immutable" else "mode=ro"
        return sqlite3.connect(f"file:{quote(str(self.path))}?{query}", uri=True)

    def changed(self) -> bool:
        """Whether an ``immutable`` file changed since it was opened (a torn read)."""
        return self.mode == "immutable" and _stat(self.path) != self._opened

    def close(self) -> None:
        if self.snapshot is not None:
            shutil.rmtree(self.snapshot.parent, ignore_errors=True)
            self.snapshot = None

    def __del__(self) -> None:  # a reader never closed (an engine dropped): no temp left
        with contextlib.suppress(Exception):
            self.close()
