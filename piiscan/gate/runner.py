"""The pre-merge gate's library API: scan a change, create or update a baseline.

``run_diff`` scans only the lines a change adds (a branch against the merge base with
BASE, the staged changes, or the uncommitted work tree), applies allow comments, test
values and the baseline, and returns a :class:`GateResult`, whose ``failing`` findings are
the check's verdict. Settings, policy and baseline come from the trusted commit or from
CI, never from the change (:mod:`piiscan.gate.trust`); every file the change touches is
scanned, the baseline file included. ``create_baseline``/``update_baseline`` scan every
tracked file.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piiscan.config import Config
from piiscan.errors import ConfigError, UsageError
from piiscan.gate import gitdiff, trust
from piiscan.gate.baseline import (
    DEFAULT_FILE,
    KEY_ENV,
    Baseline,
    Entry,
    Fingerprinter,
    load_baseline,
)
from piiscan.gate.findings import GateFinding, GateResult, SkippedFile
from piiscan.policy import LEVELS
from piiscan.version import __version__

if TYPE_CHECKING:
    from piiscan.gate.scan_diff import DiffScanner

_FIELDS = frozenset(f.name for f in fields(Config))


def gate_config(config: Config) -> Config:
    """The scan settings of a gate run: no state file; test values judged by the gate.

    The detectors keep reserved and test values (``ignore_reserved`` and the detectors'
    built-in allow-list off), so the gate can report them as allowed, with the reason.
    """
    extra: dict[str, Any] = {"default_allow_list": False} if "default_allow_list" in _FIELDS else {}
    return replace(config, state_path=None, ignore_reserved=False, progress=False, **extra)


def _diff_scanner(
    config: Config,
    fingerprint: Fingerprinter,
    header_of: Callable[[str], str | None] | None = None,
    allow_test_values: bool = True,
) -> DiffScanner:
    from piiscan.gate.scan_diff import DiffScanner
    from piiscan.scanning.scanner import Scanner

    return DiffScanner(
        Scanner(gate_config(config)),
        fingerprint,
        header_of=header_of or (lambda path: None),
        allow_test_values=allow_test_values,
    )


def _rel(root: Path, path: Path | None) -> str | None:
    """``path`` relative to the repository (to leave the baseline file out of scans)."""
    if path is None:
        return None
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


def _policy_label(policy: object) -> str:
    return f"{getattr(policy, 'name', '')} {getattr(policy, 'version', '')}".strip()


def run_diff(
    repo: Path,
    base: str | None,
    *,
    staged: bool = False,
    worktree: bool = False,
    all_files: bool = False,
    config: Config | None = None,
    config_path: str | None = None,
    policy_path: str | None = None,
    spacy_model: str | None = None,
    baseline_path: Path | None = None,
    allow_test_values: bool = True,
    fail_on: str | None = "high",
    env: Mapping[str, str] | None = None,
) -> GateResult:
    """Scan what a change adds; see the module docstring. ``all_files``: every line of
    every tracked file in the work tree instead (what is already in the repository).

    Settings come from ``config`` when given (library callers), else from
    ``config_path`` or the trusted commit's ``piiscan.toml``; ``policy_path`` and
    ``spacy_model`` override. The trusted commit is BASE's tip, or HEAD without BASE
    (:mod:`piiscan.gate.trust`): nothing the change under review holds is trusted.
    """
    if sum((staged, worktree, all_files)) > 1:
        raise UsageError("give one of --staged, --worktree and --all-files")
    if all_files and base is not None:
        raise UsageError("--all-files scans the tracked files as they are: give no BASE")
    if fail_on is not None and fail_on not in LEVELS:
        raise UsageError(f"--fail-on must be one of {', '.join(LEVELS)}")
    env = os.environ if env is None else env
    root = gitdiff.repo_root(repo)
    base_commit: str | None = None
    if all_files:
        label, head = "tracked files", "all-files"
    elif staged or worktree:
        if base is not None:
            base_commit = gitdiff.merge_base(root, base)
        elif not gitdiff.has_head(root):
            base_commit = gitdiff.EMPTY_TREE
        label = base or "HEAD"
        head = "staged" if staged else "worktree"
    else:
        label = base or gitdiff.default_base(root)
        base_commit = gitdiff.merge_base(root, label)
        head = "HEAD"
    trusted_name = base or (label if head == "HEAD" else "HEAD")
    trusted_rev = gitdiff.commit_of(root, trusted_name)
    with trust.trusted(root, trusted_rev, trusted_name) as inputs:
        try:
            settings = inputs.settings(
                config,
                config_path=config_path,
                policy_path=policy_path,
                spacy_model=spacy_model,
                env=dict(env),
            )
            baseline = inputs.baseline(baseline_path, dict(env))
            if baseline is not None:
                fingerprint = baseline.fingerprinter(env)
            else:
                key = env.get(KEY_ENV)
                salt = key.encode("utf-8") if key else secrets.token_bytes(16)
                fingerprint = Fingerprinter(salt)
            scanner = _diff_scanner(
                settings,
                fingerprint,
                lambda p: gitdiff.first_line(
                    root, p, staged=staged, worktree=worktree or all_files
                ),
                allow_test_values,
            )
        except ConfigError as exc:  # name the trusted commit's files, not temporary paths
            raise ConfigError(inputs.relabel(str(exc))) from None
    renamed: dict[str, str] = {}
    touched: set[str] = set()
    changes = (
        (gitdiff.whole_file(p, gitdiff.read_worktree(root, p)) for p in gitdiff.tracked_files(root))
        if all_files
        else gitdiff.changed_files(
            root, gitdiff.diff_args(base_commit, staged=staged, worktree=worktree)
        )
    )
    for change in changes:
        touched.update(p for p in (change.path, change.old_path) if p)
        if change.old_path and change.status == "R":
            renamed[change.path] = change.old_path
        scanner.add(change)
    if worktree:
        for path in gitdiff.untracked_files(root):
            touched.add(path)
            scanner.add(gitdiff.whole_file(path, gitdiff.read_worktree(root, path)))
    findings = scanner.finish()
    if baseline is not None:
        findings = _apply_baseline(findings, baseline, renamed)
    notes = list(scanner.notes)
    if not all_files:
        notes += inputs.notes(touched)
    return GateResult(
        base=label if not (staged or worktree) or base else head,
        base_commit=None if (staged or worktree) and base is None else base_commit,
        head=head,
        files_scanned=scanner.files_scanned,
        lines_scanned=scanner.lines_scanned,
        findings=tuple(findings),
        skipped=tuple(scanner.skipped),
        fail_on=fail_on,
        tool_version=__version__,
        policy=_policy_label(scanner.policy),
        notes=tuple(notes),
    )


def _apply_baseline(
    findings: Iterable[GateFinding], baseline: Baseline, renamed: dict[str, str]
) -> list[GateFinding]:
    """Mark new findings the baseline accepts (same path, or the path before a rename)."""
    keys = baseline.keys()
    out = []
    for f in findings:
        paths = (f.path, renamed[f.path]) if f.path in renamed else (f.path,)
        if f.status == "new" and any((p, f.entity_type, f.fingerprint) in keys for p in paths):
            f = replace(f, status="baselined")
        out.append(f)
    return out


@dataclass(frozen=True)
class BaselineRun:
    """What ``baseline create``/``update`` wrote."""

    path: Path
    baseline: Baseline
    files_scanned: int
    lines_scanned: int
    skipped: tuple[SkippedFile, ...]
    notes: tuple[str, ...]
    added: int = 0
    dropped: int = 0


def _scan_tracked(
    root: Path,
    rev: str | None,
    config: Config,
    baseline: Baseline,
    skip: str | None,
    env: Mapping[str, str],
) -> tuple[list[GateFinding], DiffScanner]:
    """Every line of every tracked file (work tree, or the tree of ``rev``)."""
    scanner = _diff_scanner(config, baseline.fingerprinter(env))
    paths = gitdiff.tracked_files(root, rev)
    if rev is None:
        for path in paths:
            if path != skip:
                scanner.add(gitdiff.whole_file(path, gitdiff.read_worktree(root, path)))
    else:
        with gitdiff.BlobReader(root) as blobs:
            for path in paths:
                if path != skip:
                    data = blobs.read(f"{rev}:{path}")
                    if data is not None and len(data) > gitdiff.MAX_ADDED_BYTES:
                        data = data[: gitdiff.MAX_ADDED_BYTES + 1]
                    scanner.add(gitdiff.whole_file(path, data))
    return scanner.finish(), scanner


def _write_baseline(
    root: Path,
    rev: str | None,
    config: Config,
    baseline: Baseline,
    path: Path,
    env: Mapping[str, str],
) -> BaselineRun:
    findings, scanner = _scan_tracked(root, rev, config, baseline, _rel(root, path), env)
    described = scanner.policy.describe()
    entries = [Entry(f.path, f.entity_type, f.fingerprint, f.line) for f in findings]
    new = baseline.with_entries(entries)
    new.tool = {"name": "piiscan", "version": __version__}
    new.policy = {k: str(described[k]) for k in ("name", "version", "digest")}
    before, after = baseline.keys(), new.keys()
    new.save(path)
    return BaselineRun(
        path=path,
        baseline=new,
        files_scanned=scanner.files_scanned,
        lines_scanned=scanner.lines_scanned,
        skipped=tuple(scanner.skipped),
        notes=tuple(scanner.notes),
        added=len(after - before),
        dropped=len(before - after),
    )


def _baseline_file(root: Path, baseline_path: Path | None) -> Path:
    if baseline_path is None:
        return root / DEFAULT_FILE
    return baseline_path if baseline_path.is_absolute() else Path.cwd() / baseline_path


def create_baseline(
    repo: Path,
    base: str | None = None,
    *,
    config: Config,
    baseline_path: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> BaselineRun:
    """Accept every finding in the tracked files (of the work tree, or of ``base``).

    A new key: ``PIISCAN_HASH_KEY`` when set, else a fresh random salt.
    """
    env = os.environ if env is None else env
    root = gitdiff.repo_root(repo)
    rev = None
    if base is not None:
        if gitdiff.commit_of(root, base) is None:
            raise gitdiff.missing_base(root, base)
        rev = gitdiff.commit_of(root, base)
    path = _baseline_file(root, baseline_path)
    return _write_baseline(root, rev, config, Baseline.new(env), path, env)


def update_baseline(
    repo: Path,
    *,
    config: Config,
    baseline_path: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> BaselineRun:
    """Re-scan the tracked files, keeping the file's key: new entries in, vanished ones out."""
    env = os.environ if env is None else env
    root = gitdiff.repo_root(repo)
    path = _baseline_file(root, baseline_path)
    if not path.is_file():
        raise UsageError(f"no baseline at {path}: create one with piiscan baseline create")
    return _write_baseline(root, None, config, load_baseline(path), path, env)
