"""An inventory's summary and the lines every report prints about it.

Core: the scanner, the Spark engine and the reporters use these, and this module
imports neither the scanner nor any reporter.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from piiscan.classification import TEXT_FIELD
from piiscan.model import AssetResult, Inventory, ScanError
from piiscan.prefix_summary import prefix_summary


def unfinished(
    errors: Sequence[ScanError], assets: Sequence[AssetResult] = ()
) -> list[dict[str, str | None]]:
    """The assets not finished: each failed asset, ``asset: None`` for a source whose
    discovery failed (what it would have listed is unknown), and each asset marked
    incomplete (a limit cut it short: fields not examined)."""
    seen: dict[tuple[str, str | None], None] = {}
    for e in errors:
        seen.setdefault((e.source, e.asset), None)
    for a in assets:
        if not a.complete:
            seen.setdefault((a.source, a.asset), None)
    return [{"source": source, "asset": asset} for source, asset in seen]


def incomplete_line(errors: Sequence[ScanError], assets: Sequence[AssetResult] = ()) -> str | None:
    """The line every human-readable report shows for a partial inventory, else None."""
    n = len(unfinished(errors, assets))
    if not n:
        return None
    return f"INCOMPLETE: {n} asset{'s' if n != 1 else ''} not finished"


def skipped_line(inventory: Inventory) -> str | None:
    """``skipped: 3 files or folders not scanned (unsupported file type: .png 2, ...)``
    for the reports, else None (reasons only: never a name)."""
    reasons: Mapping[str, int] = inventory.summary.get("skipped_by_reason") or Counter(
        s.reason for s in inventory.skipped
    )
    n = inventory.summary.get("skipped", sum(reasons.values()))
    if not n:
        return None
    ranked = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = "; ".join(f"{reason}: {count}" for reason, count in ranked[:5])
    more = f"; {len(ranked) - 5} more reasons" if len(ranked) > 5 else ""
    noun = "file or folder" if n == 1 else "files or folders"
    return f"skipped: {n} {noun} not scanned ({shown}{more})"


def summarize(
    assets: Sequence[AssetResult],
    errors: Sequence[ScanError],
    skipped: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """Counts by sensitivity level and category: what a reader looks at first.

    ``complete`` is False, and ``unfinished`` lists the assets, when any asset or source
    could not be read to the end (an error, or an asset marked incomplete because a limit
    cut it short): such an inventory is never presented as complete. ``skipped`` counts
    what connectors left out on purpose (``skipped_by_reason`` per reason).

    ``by_prefix`` (per bucket / folder of file and object sources, see
    :mod:`piiscan.prefix_summary`) is present only when there are such assets.
    """
    by_level: dict[str, int] = {}
    by_category: dict[str, int] = {}
    for a in assets:
        key = a.sensitivity or "none"
        by_level[key] = by_level.get(key, 0) + 1
        for c in a.categories:
            by_category[c] = by_category.get(c, 0) + 1
    fields = [f for a in assets for f in a.fields if f.name != TEXT_FIELD]
    summary: dict[str, Any] = {
        "assets": len(assets),
        "assets_by_sensitivity": dict(sorted(by_level.items())),
        "assets_by_category": dict(sorted(by_category.items())),
        "fields": len(fields),
        "personal_fields": sum(1 for f in fields if f.status == "personal"),
        "text_findings": sum(len(a.findings) for a in assets),
        "errors": len(errors),
        "complete": not errors and all(a.complete for a in assets),
        "unfinished": unfinished(errors, assets),
        "skipped": sum((skipped or {}).values()),
    }
    if skipped:
        summary["skipped_by_reason"] = dict(sorted(skipped.items()))
    by_prefix = prefix_summary(assets)
    if by_prefix:
        summary["by_prefix"] = by_prefix
    return summary
