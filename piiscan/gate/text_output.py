"""The gate's terminal output: one line per new finding, the counts, and the verdict."""

from __future__ import annotations

from collections import Counter

from piiscan.gate.findings import GateResult
from piiscan.terminal import printable

MAX_SKIPPED_LISTED = 20


def render(result: GateResult) -> str:
    """``path:line:col: LEVEL ENTITY evidence`` per new finding, then counts and a verdict."""
    out = [
        f"{f.path}:{f.line}:{f.column}: {(f.level or 'unrated').upper()} "
        f"{f.entity_type} {f.evidence}"
        for f in result.new
    ]
    statuses = Counter(f.status for f in result.findings)
    reasons = Counter(f.allow_reason for f in result.findings if f.status == "allowed")
    allowed = ", ".join(f"{n} {r}" for r, n in sorted(reasons.items(), key=lambda x: str(x[0])))
    against = f"{result.base} ({result.base_commit[:12]})" if result.base_commit else result.base
    if result.head == "all-files":
        out.append(
            f"scanned {result.lines_scanned} lines in {result.files_scanned} tracked files "
            "(--all-files)"
        )
    else:
        out.append(
            f"scanned {result.lines_scanned} added lines in {result.files_scanned} files "
            f"({result.head} against {against})"
        )
    out.append(
        f"new: {statuses['new']}, baselined: {statuses['baselined']}, "
        f"allowed: {statuses['allowed']}"
        + (f" ({allowed})" if allowed else "")
        + f", skipped files: {len(result.skipped)}"
    )
    for s in result.skipped[:MAX_SKIPPED_LISTED]:
        out.append(f"  skipped {s.path}: {s.reason}" + (f" ({s.detail})" if s.detail else ""))
    if len(result.skipped) > MAX_SKIPPED_LISTED:
        out.append(f"  … {len(result.skipped) - MAX_SKIPPED_LISTED} more skipped files")
    out += [f"note: {n}" for n in result.notes]
    out.append(verdict(result))
    return "\n".join(printable(line) for line in out) + "\n"


def verdict(result: GateResult) -> str:
    """``FAIL: …`` or ``PASS: …`` (the last line of the output)."""
    if not result.fail_on:
        return f"PASS: {len(result.new)} new findings (no --fail-on level)"
    if result.failing:
        return f"FAIL: {len(result.failing)} new findings at or above {result.fail_on}"
    return f"PASS: no new findings at or above {result.fail_on}"
