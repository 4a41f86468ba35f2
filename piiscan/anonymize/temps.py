"""Temporary copies next to a target: named for their process, removed when stale.

A copier builds its output in ``.<name>.tmp-<pid>-XXXX`` next to the target and moves it
into place when complete. A run killed outright (``kill -9``, power loss) leaves that
temporary behind; the next run towards the same target removes it, and only it: an entry
of exactly this pattern whose process is gone (or, for a name without a process id, that
is older than this process).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import time
from pathlib import Path

log = logging.getLogger(__name__)

#: When this process imported the module: no temporary of ours is older.
_STARTED = time.time()


def temp_prefix(target: Path) -> str:
    """The name prefix of this process's temporaries for ``target``."""
    return f"{_base(target)}{os.getpid()}-"


def remove_stale_temps(target: Path) -> list[Path]:
    """Delete the temporaries that interrupted runs left for ``target``; return them."""
    base = _base(target)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(base) or not _stale(entry, entry.name[len(base) :]):
            continue
        path = Path(entry.path)
        with contextlib.suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path)
            log.info("removed %s, left by an interrupted run", path.name)
    return removed


def _base(target: Path) -> str:
    return f".{target.name}.tmp-"


def _stale(entry: os.DirEntry[str], rest: str) -> bool:
    pid, sep, _ = rest.partition("-")
    if sep and pid.isdigit():
        return int(pid) != os.getpid() and not _alive(int(pid))
    try:  # a name without a process id (an older piiscan): by age
        return entry.stat(follow_symlinks=False).st_mtime < _STARTED
    except OSError:
        return False


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, owned by someone else
        return True
    return True
