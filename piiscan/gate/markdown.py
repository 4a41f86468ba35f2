"""A Markdown summary of a gate run, for a PR comment or ``$GITHUB_STEP_SUMMARY``.

Verdict, a capped table of new findings (masked evidence only), counts of baselined and
allowed findings, skipped files, and how to fix. Every path and reason is escaped so that a
file named ``a|b`` or ``<img>`` cannot break the table or inject markup.
"""

from __future__ import annotations

from piiscan.gate.findings import GateResult
from piiscan.gate.sarif import rank, sort_key
from piiscan.reports.markdown_reporter import code, md, table

ROWS_SHOWN = 50


def _verdict(result: GateResult) -> list[str]:
    new, fails = result.new, result.failing
    if fails:
        return [
            f"## ❌ piiscan: fails at {md(result.fail_on)}",
            "",
            f"{len(fails)} new finding(s) at or above level {md(result.fail_on)}"
            f" ({len(new)} new in all).",
        ]
    if not new:
        detail = "No new personal data in this change."
    elif result.fail_on:
        detail = f"{len(new)} new finding(s), all below level {md(result.fail_on)}."
    else:
        detail = f"{len(new)} new finding(s); no fail-on level set (report only)."
    return ["## ✅ piiscan: passes", "", detail]


def _scope(result: GateResult) -> str:
    if result.head == "all-files":
        return (
            f"Checked every tracked file: {result.files_scanned} file(s), "
            f"{result.lines_scanned} line(s) scanned."
        )
    scanned = f"{result.files_scanned} file(s), {result.lines_scanned} added line(s) scanned."
    if result.head in ("staged", "worktree"):
        what = "staged" if result.head == "staged" else "uncommitted"
        return f"Checked the {what} changes: {scanned}"
    commit = f" ({code(result.base_commit[:12])})" if result.base_commit else ""
    return f"Compared {code(result.head)} with {code(result.base)}{commit}: {scanned}"


def _new_table(result: GateResult) -> list[str]:
    new = sorted(result.new, key=lambda f: (-rank(f.level), *sort_key(f)))
    if not new:
        return []
    rows = [
        (f"{md(f.path)}:{f.line}", md(f.entity_type), md(f.level or "unrated"), code(f.evidence))
        for f in new[:ROWS_SHOWN]
    ]
    out = ["", "### New findings", ""]
    out += table(("Location", "Entity", "Level", "Evidence (masked)"), rows)
    if len(new) > ROWS_SHOWN:
        out += ["", f"… and {len(new) - ROWS_SHOWN} more new finding(s)."]
    return out


def _counts(result: GateResult) -> list[str]:
    baselined = sum(f.status == "baselined" for f in result.findings)
    allowed = sum(f.status == "allowed" for f in result.findings)
    return [
        "",
        f"Also found: {baselined} baselined (accepted earlier) and {allowed} allowed "
        f"(inline comment or test value); {len(result.skipped)} file(s) skipped.",
    ]


def _skipped(result: GateResult) -> list[str]:
    if not result.skipped:
        return []
    skipped = sorted(result.skipped, key=lambda s: (s.path, s.reason, s.detail))
    out = ["", "### Skipped files", ""]
    for s in skipped[:ROWS_SHOWN]:
        detail = f" ({md(s.detail)})" if s.detail else ""
        out.append(f"- {md(s.path)}: {md(s.reason)}{detail}")
    if len(skipped) > ROWS_SHOWN:
        out.append(f"- … and {len(skipped) - ROWS_SHOWN} more")
    return out


def _notes(result: GateResult) -> list[str]:
    return ["", *(f"> {md(n)}" for n in result.notes)] if result.notes else []


def _how_to_fix(result: GateResult) -> list[str]:
    if not result.new:
        return []
    return [
        "",
        "### How to fix",
        "",
        "- Remove the personal data from the change (and from the branch history if it was "
        "pushed).",
        "- Replace it with an obvious test value (`example.com` addresses, reserved numbers).",
        "- If it is intended, add a `piiscan: allow ENTITY` comment on the same line.",
        "- To accept everything found now, run `piiscan baseline update` and commit the baseline.",
    ]


def render(result: GateResult) -> str:
    """The Markdown summary of ``result`` (ends with a newline)."""
    lines = [
        *_verdict(result),
        "",
        _scope(result),
        *_new_table(result),
        *_counts(result),
        *_skipped(result),
        *_notes(result),
        *_how_to_fix(result),
    ]
    return "\n".join(lines) + "\n"
