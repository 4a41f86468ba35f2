"""Git plumbing for the pre-merge gate: which lines a change adds, read with ``git`` itself.

Every call runs ``git -c core.quotepath=false …`` through :func:`subprocess.run` (no
GitPython). The patch is read as a stream (``git diff -U1``: one line of context gives
the line above each added line, where an allow comment may stand) and cut per file at
:data:`MAX_ADDED_LINES` lines or :data:`MAX_ADDED_BYTES` bytes. Problems the user can fix
(no git, not a repository, unknown base, shallow clone) raise :class:`UsageError` with
the fix in the message.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from piiscan.errors import UsageError

MAX_ADDED_LINES = 20_000
MAX_ADDED_BYTES = 5_000_000
BINARY_SNIFF_BYTES = 8_000
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
DEFAULT_BASES = ("origin/HEAD", "origin/main", "origin/master", "main", "master")
SHALLOW_FIX = (
    "the base commit is not in this shallow clone: fetch more history "
    "(actions/checkout with fetch-depth: 0, or git fetch --unshallow)"
)
_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_ALLOW_MARK = "piiscan"


@dataclass
class FileChange:
    """One changed file: its status and the lines it adds (1-based line → text)."""

    status: str  # git's letter: A added, M modified, R renamed, C copied, D deleted, T type
    path: str  # the new path (the old one for deletions)
    old_path: str | None = None
    added: dict[int, str] = field(default_factory=dict)
    #: Unchanged lines next to added ones that mention "piiscan" (allow comments).
    context: dict[int, str] = field(default_factory=dict)
    binary: bool = False
    submodule: bool = False
    truncated: bool = False


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    """Run one git command in ``repo``; output as bytes."""
    try:
        proc = subprocess.run(
            ["git", "-c", "core.quotepath=false", *args],
            cwd=repo,
            capture_output=True,
            env=_env(),
            check=False,
        )
    except FileNotFoundError:
        raise UsageError("git is not installed (or not on PATH): install git") from None
    if check and proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"git {args[0]} failed: {msg[-1] if msg else proc.returncode}")
    return proc


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"LC_ALL": "C", "GIT_PAGER": "cat", "GIT_TERMINAL_PROMPT": "0"})
    return env


def repo_root(path: Path) -> Path:
    """The top folder of the work tree containing ``path``."""
    if not path.is_dir():
        raise UsageError(f"not a directory: {path}")
    proc = git(path, "rev-parse", "--show-toplevel", check=False)
    if proc.returncode != 0:
        raise UsageError(f"not a git repository: {path} (run piiscan diff inside a git work tree)")
    return Path(os.fsdecode(proc.stdout.strip()))


def is_shallow(repo: Path) -> bool:
    proc = git(repo, "rev-parse", "--is-shallow-repository", check=False)
    return proc.stdout.strip() == b"true"


def has_head(repo: Path) -> bool:
    return (
        git(repo, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False).returncode == 0
    )


def commit_of(repo: Path, ref: str) -> str | None:
    """The commit ``ref`` names, or None when it names none."""
    if ref.startswith("-"):
        return None
    proc = git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    return proc.stdout.decode().strip() or None if proc.returncode == 0 else None


def remotes(repo: Path) -> list[str]:
    """The names of the repository's remotes (``origin``…); empty when it has none."""
    proc = git(repo, "remote", check=False)
    return proc.stdout.decode("utf-8", "replace").split() if proc.returncode == 0 else []


def fetch_command(repo: Path, base: str) -> str:
    """The ``git fetch`` that brings ``base``. A remote-tracking ref ``origin/main`` is
    fetched as ``git fetch origin main:refs/remotes/origin/main``: ``git fetch origin
    origin/main`` fails, and plain ``git fetch origin main`` leaves ``origin/main``
    missing in a single-branch clone (CI checkouts), where its refspec does not cover it."""
    known = remotes(repo) or ["origin"]
    remote, _, branch = base.partition("/")
    if branch and remote in known:
        return f"git fetch {remote} {branch}:refs/remotes/{remote}/{branch}"
    remote = "origin" if "origin" in known else known[0]
    return f"git fetch {remote} {base}"


def missing_base(repo: Path, base: str) -> UsageError:
    """The error for a BASE that names no commit, with the command that fetches it."""
    hint = f"; {SHALLOW_FIX}" if is_shallow(repo) else ""
    return UsageError(
        f"base {base!r} not found: fetch it ({fetch_command(repo, base)}) "
        f"or pass an existing ref{hint}"
    )


def default_base(repo: Path) -> str:
    """The first of origin/HEAD, origin/main, origin/master, main, master that exists."""
    for ref in DEFAULT_BASES:
        if commit_of(repo, ref):
            return ref
    raise UsageError(
        "no base branch found (tried " + ", ".join(DEFAULT_BASES) + "): pass BASE, "
        "e.g. piiscan diff origin/main, after git fetch origin main:refs/remotes/origin/main"
    )


def merge_base(repo: Path, base: str) -> str:
    """The merge base of HEAD with ``base``; UsageError with the fix when it cannot be found."""
    if commit_of(repo, base) is None:
        raise missing_base(repo, base)
    if not has_head(repo):
        raise UsageError("HEAD has no commit yet: commit first, or use --staged / --worktree")
    proc = git(repo, "merge-base", "HEAD", base, check=False)
    if proc.returncode != 0:
        if is_shallow(repo):
            raise UsageError(SHALLOW_FIX)
        raise UsageError(f"HEAD and {base!r} have no common history: pass another BASE")
    return proc.stdout.decode().strip()


def diff_args(base_commit: str | None, *, staged: bool, worktree: bool) -> list[str]:
    """The revisions part of ``git diff`` for a branch, staged or worktree run."""
    if staged:
        return ["--cached", "HEAD" if base_commit is None else base_commit]
    if worktree:
        return ["HEAD" if base_commit is None else base_commit]
    if base_commit is None:
        raise ValueError("a branch diff needs a base commit")
    return [base_commit, "HEAD"]


_DIFF_OPTS = (
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--no-relative",
    "-M",
    "--src-prefix=a/",
    "--dst-prefix=b/",
)


def name_status(repo: Path, revs: list[str]) -> list[tuple[str, str | None, str]]:
    """``(status letter, old path, new path)`` of each changed file, in git's order."""
    out = git(repo, "diff", "--name-status", "-z", *_DIFF_OPTS, *revs, "--").stdout
    parts = out.split(b"\0")
    entries: list[tuple[str, str | None, str]] = []
    i = 0
    while i < len(parts) and parts[i]:
        status = parts[i].decode()[:1]
        if status in "RC":
            old, new = os.fsdecode(parts[i + 1]), os.fsdecode(parts[i + 2])
            entries.append((status, old, new))
            i += 3
        else:
            entries.append((status, None, os.fsdecode(parts[i + 1])))
            i += 2
    return entries


def changed_files(repo: Path, revs: list[str]) -> Iterator[FileChange]:
    """Each changed file with its added lines, streamed from one ``git diff -U1``."""
    entries = name_status(repo, revs)
    if not entries:
        return
    cmd = ["git", "-c", "core.quotepath=false", "diff", "-U1", *_DIFF_OPTS, *revs, "--"]
    try:
        proc = subprocess.Popen(
            cmd, cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_env()
        )
    except FileNotFoundError:
        raise UsageError("git is not installed (or not on PATH): install git") from None
    assert proc.stdout is not None
    try:
        sections = _sections(proc.stdout)
        for status, old, new in entries:
            change = FileChange(status=status, path=new, old_path=old)
            if status == "T":  # a type change is patched as a deletion and a creation
                next(sections, None)
            section = next(sections, None)
            if section is not None and status != "D":
                _parse_section(section, change)
            yield change
    finally:
        proc.stdout.close()
        proc.kill()
        proc.wait()


def _sections(stream: Iterator[bytes]) -> Iterator[Iterator[bytes]]:
    """Split a patch into per-file line iterators (each starts at ``diff --git``)."""
    pending: list[bytes | None] = [None]

    def section(first: bytes) -> Iterator[bytes]:
        yield first
        for line in stream:
            if line.startswith(b"diff --git ") or line.startswith(b"diff --cc "):
                pending[0] = line
                return
            yield line

    for line in stream:
        if line.startswith(b"diff --git "):
            pending[0] = line
            break
    while pending[0] is not None:
        first, pending[0] = pending[0], None
        body = section(first)
        yield body
        for _ in body:  # drain what the consumer left
            pass


def _parse_section(lines: Iterator[bytes], change: FileChange) -> None:
    """Fill ``change`` from one file's part of a ``-U1`` patch, within the caps."""
    new_line = 0
    in_hunk = False
    total = 0
    for raw in lines:
        if not in_hunk:
            if raw.startswith(b"Binary files ") or raw.startswith(b"GIT binary patch"):
                change.binary = True
                return
            if b"160000" in raw and raw.startswith((b"index ", b"new file mode", b"deleted")):
                change.submodule = True
                return
        m = _HUNK.match(raw)
        if m:
            in_hunk = True
            new_line = int(m.group(1))
            continue
        if not in_hunk or not raw:
            continue
        tag, body = raw[:1], raw[1:].rstrip(b"\n").removesuffix(b"\r")
        if tag == b"+":
            if b"\0" in body:
                change.binary = True
                change.added.clear()
                return
            total += len(body)
            if len(change.added) >= MAX_ADDED_LINES or total > MAX_ADDED_BYTES:
                change.truncated = True
                return
            change.added[new_line] = body.decode("utf-8", "replace")
            new_line += 1
        elif tag == b" ":
            if _ALLOW_MARK.encode() in body.lower():
                change.context[new_line] = body.decode("utf-8", "replace")
            new_line += 1


def untracked_files(repo: Path) -> list[str]:
    """Files git does not track and does not ignore (the worktree mode scans them too)."""
    out = git(repo, "ls-files", "--others", "--exclude-standard", "-z").stdout
    return [os.fsdecode(p) for p in out.split(b"\0") if p]


def tracked_files(repo: Path, rev: str | None = None) -> list[str]:
    """Every file git tracks: in the index (``rev`` None) or in the tree of ``rev``."""
    if rev is None:
        out = git(repo, "ls-files", "-z").stdout
    else:
        out = git(repo, "ls-tree", "-r", "-z", "--name-only", rev).stdout
    return sorted({os.fsdecode(p) for p in out.split(b"\0") if p})


def whole_file(path: str, data: bytes | None, status: str = "A") -> FileChange:
    """A file taken as all-added lines (baselines, untracked files), within the caps."""
    change = FileChange(status=status, path=path)
    if data is None:
        return change
    if b"\0" in data[:BINARY_SNIFF_BYTES]:
        change.binary = True
        return change
    if len(data) > MAX_ADDED_BYTES:
        data = data[:MAX_ADDED_BYTES]
        change.truncated = True
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if number > MAX_ADDED_LINES:
            change.truncated = True
            break
        if raw or number == 1:
            change.added[number] = raw.removesuffix(b"\r").decode("utf-8", "replace")
    return change


def read_worktree(repo: Path, path: str) -> bytes | None:
    """A work-tree file's bytes (at most the byte cap + 1), or None when unreadable."""
    full = repo / path
    if full.is_symlink() or not full.is_file():
        return None
    try:
        with open(full, "rb") as fh:
            return fh.read(MAX_ADDED_BYTES + 1)
    except OSError:
        return None


class BlobReader:
    """Reads files of a revision through one ``git cat-file --batch`` process."""

    def __init__(self, repo: Path) -> None:
        self._proc = subprocess.Popen(
            ["git", "cat-file", "--batch"],
            cwd=repo,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_env(),
        )

    def read(self, spec: str) -> bytes | None:
        """The blob named ``spec`` (``REV:path`` or ``:path``), or None when there is none."""
        assert self._proc.stdin is not None and self._proc.stdout is not None
        if "\n" in spec:
            return None
        self._proc.stdin.write(os.fsencode(spec) + b"\n")
        self._proc.stdin.flush()
        header = self._proc.stdout.readline().split()
        if len(header) != 3 or header[1] != b"blob":
            return None
        size = int(header[2])
        data = self._proc.stdout.read(size)
        self._proc.stdout.read(1)  # the newline after the contents
        return data

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        self._proc.wait()

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def first_line(repo: Path, path: str, *, staged: bool, worktree: bool) -> str | None:
    """The first line of the new version of ``path`` (a CSV header), or None."""
    if worktree:
        data = read_worktree(repo, path)
        line = None if data is None else data.split(b"\n", 1)[0]
    else:
        spec = (":" if staged else "HEAD:") + path
        proc = subprocess.Popen(
            ["git", "cat-file", "blob", spec],
            cwd=repo,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_env(),
        )
        assert proc.stdout is not None
        line = proc.stdout.readline(MAX_ADDED_BYTES) or None
        proc.stdout.close()
        proc.kill()
        proc.wait()
    if line is None:
        return None
    return line.rstrip(b"\n").removesuffix(b"\r").decode("utf-8", "replace")
