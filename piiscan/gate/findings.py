"""The pre-merge gate's records: one finding per detected value on an added line.

A :class:`GateFinding` never holds the raw value: ``evidence`` is masked (see
:func:`piiscan.masking.mask_value`) and ``fingerprint`` is a keyed hash of the entity type
and the normalised value (see :mod:`piiscan.gate.baseline`), so findings can be written to
SARIF, annotations, Markdown and a committed baseline file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from piiscan.policy import level_rank

FindingStatus = Literal["new", "baselined", "allowed"]
SkipReason = Literal[
    "binary", "too_large", "deleted", "submodule", "unmerged", "unreadable", "excluded"
]


@dataclass(frozen=True)
class GateFinding:
    """One personal value on one added line (1-based line and columns, end exclusive)."""

    path: str  # repository-relative, POSIX separators, the path after any rename
    line: int
    column: int
    end_column: int
    entity_type: str
    categories: tuple[str, ...]
    level: str | None  # policy sensitivity level; None when the policy does not rate it
    score: float
    evidence: str  # masked, never raw
    fingerprint: str  # keyed hash of entity type + normalised value
    status: FindingStatus = "new"
    # why an allowed finding is allowed ("inline comment", "test value")
    allow_reason: str | None = None


@dataclass(frozen=True)
class SkippedFile:
    """A changed file the gate did not scan, and why (shown in every output)."""

    path: str
    reason: SkipReason
    detail: str = ""


@dataclass(frozen=True)
class GateResult:
    """Everything one gate run found: what a renderer or exit code needs."""

    base: str  # what the user asked for ("origin/main", "staged")
    base_commit: str | None  # the resolved merge-base commit; None for staged/worktree runs
    head: str  # "HEAD", "staged" or "worktree"
    files_scanned: int
    lines_scanned: int
    findings: tuple[GateFinding, ...] = ()
    skipped: tuple[SkippedFile, ...] = ()
    fail_on: str | None = None
    tool_version: str = ""
    policy: str = ""  # policy name and version, e.g. "piiscan-default 1.0"
    notes: tuple[str, ...] = field(default=())

    @property
    def new(self) -> tuple[GateFinding, ...]:
        """Findings neither baselined nor allowed: the ones that can fail the check."""
        return tuple(f for f in self.findings if f.status == "new")

    @property
    def failing(self) -> tuple[GateFinding, ...]:
        """New findings at or above ``fail_on`` (none without a threshold: report only)."""
        if not self.fail_on:
            return ()
        rank = level_rank(self.fail_on)
        return tuple(f for f in self.new if f.level and level_rank(f.level) >= rank)
