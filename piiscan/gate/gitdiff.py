"""Git plumbing for the pre-merge gate: which lines a change adds, read with ``git`` itself.

Every call runs git through :func:`subprocess.run` (no GitPython) with the repository's
config and attributes kept from changing what is read or from running programs
(:func:`git_command`): no fsmonitor hook, no clean/smudge/process filter, no textconv or
external diff, short submodule lines, blank context lines kept, fixed prefixes, no
replace refs. The patch is read with ``--text`` (a ``.gitattributes`` in the branch
cannot mark a file binary) and binary content is judged here, on NUL bytes in the first
:data:`BINARY_SNIFF_BYTES` bytes, as git itself judges it. The patch is read as a stream
(``git diff -U1``: one line of context gives the line above each added line, where an
allow comment may stand), each section checked against the file it should belong to,
and cut per file at :data:`MAX_ADDED_LINES` lines or :data:`MAX_ADDED_BYTES` bytes.
Problems the user can fix (no git, not a repository, unknown base, shallow clone) raise
:class:`UsageError` with the fix in the message.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from piiscan.errors import UsageError

MAX_ADDED_LINES = 20_000
MAX_ADDED_BYTES = 5_000_000
BINARY_SNIFF_BYTES = 8_000
#: Files whose name says text are never "binary": a NUL byte planted in one (line 1 of a
#: CSV) must not make the gate skip it; NULs are read as spaces there.
TEXT_SUFFIXES = frozenset(
    [
        ".csv",
        ".tsv",
        ".txt",
        ".text",
        ".json",
        ".jsonl",
        ".ndjson",
        ".md",
        ".rst",
        ".log",
        ".sql",
        ".yaml",
        ".yml",
        ".xml",
        ".html",
        ".htm",
        ".ini",
        ".cfg",
        ".conf",
        ".env",
        ".properties",
        ".vcf",
        ".ics",
        ".eml",
        ".py",
        ".js",
        ".ts",
        ".java",
        ".rb",
        ".go",
        ".php",
        ".sh",
        ".tf",
    ]
)


def text_named(path: str) -> bool:
    """Whether ``path``'s extension names a text format (see :data:`TEXT_SUFFIXES`)."""
    name = path.rsplit("/", 1)[-1].lower()
    return "." in name and name[name.rindex(".") :] in TEXT_SUFFIXES


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


#: Settings given to every git command (``-c``): what git prints is what the gate parses,
#: and nothing the repository's config names is run (see :func:`git_command`).
SAFE_CONFIG = (
    "core.quotepath=false",
    "core.fsmonitor=false",  # a hook program run when git refreshes the index
    f"core.hooksPath={os.devnull}",  # post-index-change runs when diff rewrites the index
    f"core.attributesFile={os.devnull}",
    "core.useReplaceRefs=false",
    "core.pager=cat",
    "diff.submodule=short",  # "log" prints no ``diff --git`` line for a submodule
    "diff.suppressBlankEmpty=false",  # "true" drops the " " of blank context lines
    "diff.noprefix=false",
    "diff.mnemonicPrefix=false",
    "diff.relative=false",
    "color.ui=false",
    "log.showSignature=false",
)
#: Config keys naming programs git runs while reading content: filters (work-tree and
#: index reads), textconv and external diff commands of diff drivers.
_PROGRAM_KEYS = r"^(filter|diff)\..+\.(clean|smudge|process|textconv|command)$"
#: Environment variables of the caller that change git's diff output or run programs.
_DROPPED_ENV = ("GIT_EXTERNAL_DIFF", "GIT_DIFF_OPTS", "GIT_PAGER", "GIT_ATTR_SOURCE")


def _run(cmd: list[str], repo: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(cmd, cwd=repo, capture_output=True, env=_env(repo), check=False)
    except FileNotFoundError:
        raise UsageError("git is not installed (or not on PATH): install git") from None


def _program_overrides(repo: Path) -> list[tuple[str, str]]:
    """``(KEY, "")`` for every filter or diff-driver program the repository's config
    names, and ``filter.NAME.required=false`` (a disabled required filter is no error).
    Given through ``GIT_CONFIG_COUNT``, not ``-c``: a driver name may hold a ``=``."""
    cmd = ["git", *_safe_args(), "config", "-z", "--name-only", "--get-regexp", _PROGRAM_KEYS]
    try:
        proc = subprocess.run(cmd, cwd=repo, capture_output=True, env=_env(), check=False)
    except FileNotFoundError:
        raise UsageError("git is not installed (or not on PATH): install git") from None
    out: list[tuple[str, str]] = []
    for raw in proc.stdout.split(b"\0"):
        key = os.fsdecode(raw)
        if not key:
            continue
        out.append((key, ""))
        section, _, rest = key.partition(".")
        if section == "filter":
            out.append((f"filter.{rest.rpartition('.')[0]}.required", "false"))
    return out


def _safe_args() -> list[str]:
    return [a for c in SAFE_CONFIG for a in ("-c", c)]


def git_command(*args: str) -> list[str]:
    """The argument list of one git command with :data:`SAFE_CONFIG`; run it with
    ``env=_env(repo)``, which disables the programs the repository's config names."""
    return ["git", *_safe_args(), *args]


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    """Run one git command in ``repo`` (see the module doc); output as bytes."""
    proc = _run(git_command(*args), repo)
    if check and proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"git {args[0]} failed: {msg[-1] if msg else proc.returncode}")
    return proc


def _env(repo: Path | None = None) -> dict[str, str]:
    """The environment of git commands; with ``repo``, its program settings disabled."""
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    env.update(
        {
            "LC_ALL": "C",
            "GIT_PAGER": "cat",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_ATTR_NOSYSTEM": "1",
            "GIT_NO_REPLACE_OBJECTS": "1",
            "GIT_LITERAL_PATHSPECS": "1",  # a path given to git is a path, not a pattern
        }
    )
    if repo is not None:
        try:
            count = int(env.get("GIT_CONFIG_COUNT") or 0)
        except ValueError:
            count = 0
        for i, (key, value) in enumerate(_program_overrides(repo), start=count):
            env[f"GIT_CONFIG_KEY_{i}"], env[f"GIT_CONFIG_VALUE_{i}"] = key, value
            env["GIT_CONFIG_COUNT"] = str(i + 1)
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
    "--text",  # binary is judged here (NUL bytes), whatever the attributes say
    "--submodule=short",
    f"-O{os.devnull}",  # no diff.orderFile: git's order, the same in every call
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
    """Each changed file with its added lines, streamed from one ``git diff -U1``.

    Each patch section must start with the ``diff --git`` line of the file it is read
    for; anything else (a section missing, one too many, git failing half-way) is a
    :class:`UsageError`, never a file silently left unscanned.
    """
    entries = name_status(repo, revs)
    if not entries:
        return
    cmd = git_command("diff", "-U1", *_DIFF_OPTS, *revs, "--")
    with tempfile.TemporaryFile() as errors:
        try:
            proc = subprocess.Popen(
                cmd, cwd=repo, stdout=subprocess.PIPE, stderr=errors, env=_env(repo)
            )
        except FileNotFoundError:
            raise UsageError("git is not installed (or not on PATH): install git") from None
        assert proc.stdout is not None
        complete = False
        try:
            yield from _pair(entries, _sections(proc.stdout))
            complete = True
        finally:
            proc.stdout.close()
            if not complete:
                proc.kill()
            code = proc.wait()
        errors.seek(0)
        message = errors.read().decode("utf-8", "replace").strip().splitlines()
    if code != 0:
        raise UsageError(f"git diff failed: {message[-1] if message else code}")


def _pair(
    entries: list[tuple[str, str | None, str]], sections: Iterator[Iterator[bytes]]
) -> Iterator[FileChange]:
    """Each listed file with its own section of the patch (checked by its header)."""
    for status, old, new in entries:
        change = FileChange(status=status, path=new, old_path=old)
        if status == "U":  # unmerged: git prints "* Unmerged path", no section
            yield change
            continue
        expected = _header(old or new, new)
        if status == "T":  # a type change is patched as a deletion and a creation
            _check_header(next(sections, None), expected, new)
        section = _check_header(next(sections, None), expected, new)
        if status != "D":
            _parse_section(section, change)
        yield change
    if next(sections, None) is not None:
        raise UsageError("git diff printed more files than it listed: cannot scan safely")


#: C escapes git writes in quoted paths (other control characters: 3-digit octal).
_NAMED_ESCAPES = {7: b"a", 8: b"b", 9: b"t", 10: b"n", 11: b"v", 12: b"f", 13: b"r"}


def _quote_two(prefix: bytes, path: bytes) -> bytes:
    """``prefix + path`` as a ``diff --git`` line writes it (core.quotepath=false): in
    double quotes, C-escaped, when the path holds a control character, ``"`` or ``\\``."""
    if not any(b < 0x20 or b in b'"\\\x7f' for b in path):
        return prefix + path
    out = bytearray(b'"' + prefix)
    for b in path:
        if b in _NAMED_ESCAPES:
            out += b"\\" + _NAMED_ESCAPES[b]
        elif b in b'"\\':
            out += b"\\" + bytes([b])
        elif b < 0x20 or b == 0x7F:
            out += b"\\%03o" % b
        else:
            out.append(b)
    return bytes(out + b'"')


def _header(old: str, new: str) -> bytes:
    """The ``diff --git`` line git prints for a file (old and new path)."""
    a, b = _quote_two(b"a/", os.fsencode(old)), _quote_two(b"b/", os.fsencode(new))
    return b"diff --git " + a + b" " + b + b"\n"


def _check_header(section: Iterator[bytes] | None, expected: bytes, path: str) -> Iterator[bytes]:
    """The section, when its first line is ``expected``; else a UsageError."""
    first = None if section is None else next(section, None)
    if section is None or first != expected:
        raise UsageError(
            f"git diff's patch does not match its list of changed files at {path!r}: "
            "cannot scan safely (report this with your git version)"
        )
    return section


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
    """Fill ``change`` from one file's part of a ``-U1 --text`` patch, within the caps.

    Binary: a NUL byte in the first :data:`BINARY_SNIFF_BYTES` added bytes (git's own
    test); a NUL further on is read as a space, so a NUL appended to a text file does not
    hide it.
    """
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
        if raw in (b"\n", b"\r\n"):  # a blank context line printed without its " "
            new_line += 1
            continue
        tag, body = raw[:1], raw[1:].rstrip(b"\n").removesuffix(b"\r")
        if tag == b"+":
            if b"\0" in body:
                if total + body.index(b"\0") < BINARY_SNIFF_BYTES and not text_named(change.path):
                    change.binary = True
                    change.added.clear()
                    return
                body = body.replace(b"\0", b" ")
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
        if not text_named(path):
            change.binary = True
            return change
        data = data.replace(b"\0", b" ")
    if len(data) > MAX_ADDED_BYTES:
        data = data[:MAX_ADDED_BYTES]
        change.truncated = True
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if number > MAX_ADDED_LINES:
            change.truncated = True
            break
        if raw or number == 1:
            text = raw.removesuffix(b"\r").replace(b"\0", b" ")
            change.added[number] = text.decode("utf-8", "replace")
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
            git_command("cat-file", "--batch"),
            cwd=repo,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_env(repo),
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
            git_command("cat-file", "blob", spec),
            cwd=repo,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_env(repo),
        )
        assert proc.stdout is not None
        line = proc.stdout.readline(MAX_ADDED_BYTES) or None
        proc.stdout.close()
        proc.kill()
        proc.wait()
    if line is None:
        return None
    return line.rstrip(b"\n").removesuffix(b"\r").decode("utf-8", "replace")
