"""Walk a folder tree without recursion: the regular files, and what is left out and why.

Used by the files connector (:mod:`piiscan.connectors.files`) and the anonymizer's file
copy, so that both see the same tree. Entries come sorted by name, depth first. Hidden
files and folders (``.env``, ``.bash_history``, ``.config/``) are walked like any other:
they often hold secrets and personal data. Version-control internals (``.git``, ``.hg``,
``.svn``, ``.bzr``) are left out with a ``skipped`` entry, as are symbolic links leading
out of the root or to something other than a file, and special files. A folder that
cannot be listed, or that sits deeper than :data:`MAX_DEPTH` levels below the root, is an
``error`` entry: what it holds was not seen, and the caller must say so (the scan records
it in ``errors[]``, the copy as ``failed``). The walk keeps its own stack, so a tree
thousands of levels deep costs no Python recursion.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

#: Levels of folders below the root that are listed; a folder deeper is an error entry.
MAX_DEPTH = 128
#: Version-control metadata folders: history and object stores, not the working files.
VCS_DIRS = frozenset({".git", ".hg", ".svn", ".bzr"})
VCS_REASON = "version-control internals"

Status = Literal["file", "skipped", "error"]


@dataclass(frozen=True)
class Entry:
    """One walked entry: ``rel`` is its ``/``-separated path below the root."""

    path: Path
    rel: str
    status: Status
    reason: str = ""


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _listing(directory: str | Path) -> list[os.DirEntry[str]]:
    with os.scandir(directory) as it:
        return sorted(it, key=lambda e: e.name)


def walk(root: Path, max_depth: int = MAX_DEPTH) -> Iterator[Entry]:
    """The entries below ``root``, sorted, depth first. Raises :class:`OSError` when
    ``root`` itself cannot be listed (at the first ``next``)."""
    real_root = os.path.realpath(root)
    stack: list[tuple[Iterator[os.DirEntry[str]], str]] = [(iter(_listing(root)), "")]
    while stack:
        entries, prefix = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        rel = prefix + entry.name
        path = Path(entry.path)
        try:
            if entry.is_symlink():
                yield _link(path, rel, real_root)
            elif entry.is_dir(follow_symlinks=False):
                if entry.name in VCS_DIRS:
                    yield Entry(path, rel, "skipped", VCS_REASON)
                elif len(stack) > max_depth:  # this folder is at depth len(stack)
                    reason = f"folder nested deeper than {max_depth} levels: not read"
                    yield Entry(path, rel, "error", reason)
                else:
                    try:
                        children = _listing(path)
                    except OSError as exc:
                        yield Entry(path, rel, "error", f"cannot list folder: {_why(exc)}")
                        continue
                    stack.append((iter(children), rel + "/"))
            elif entry.is_file(follow_symlinks=False):
                yield Entry(path, rel, "file")
            else:
                yield Entry(path, rel, "skipped", "not a regular file")
        except OSError as exc:
            yield Entry(path, rel, "error", f"cannot read: {_why(exc)}")


def _link(path: Path, rel: str, real_root: str) -> Entry:
    """A symbolic link: followed only to a regular file inside the root."""
    real = os.path.realpath(path)
    if os.path.commonpath([real, real_root]) != real_root:
        return Entry(path, rel, "skipped", "symbolic link outside the source")
    if not os.path.isfile(real):
        return Entry(path, rel, "skipped", "symbolic link to something other than a file")
    return Entry(path, rel, "file")
