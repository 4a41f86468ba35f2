"""Per-bucket / per-prefix summary of file and object assets: what to look at first.

Assets are grouped by source and by the first ``depth`` folders of their name
(``hr/2024/payroll.csv`` → ``hr`` at depth 1; a file at the top goes under ``""``).
Tables and views are left out: their grouping is the schema, already in the asset name.

The **sensitivity score** (0-100) of a group is the weighted share of its objects by
level — very_high 1.0, high 0.7, medium 0.4, low 0.1, nothing personal 0 — times 100.
It reads as "how sensitive is an object picked at random here": 100 when every object
is very_high, 70 when all are high, 0 when nothing personal was found. It is a share,
not a count, so a big bucket does not outrank a small one only by size; a rare very
sensitive object in a big bucket scores low, which is why ``highest`` and the counts by
level sit beside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from piiscan.model import AssetResult
from piiscan.policy import LEVELS, level_rank

OBJECT_KINDS = ("file", "text")
LEVEL_WEIGHTS: dict[str, float] = {"very_high": 1.0, "high": 0.7, "medium": 0.4, "low": 0.1}
NO_LEVEL = "none"


def prefix_of(name: str, depth: int = 1) -> str:
    """The first ``depth`` folders of an asset name (``""`` for a top-level object)."""
    folders = name.split("/")[:-1]
    return "/".join(folders[:depth])


def score(by_level: dict[str, int]) -> float:
    """The 0-100 sensitivity score of a group from its object counts by level."""
    objects = sum(by_level.values())
    if not objects:
        return 0.0
    weighted = sum(LEVEL_WEIGHTS.get(level, 0.0) * n for level, n in by_level.items())
    return round(100 * weighted / objects, 1)


def prefix_summary(assets: Iterable[AssetResult], depth: int = 1) -> list[dict[str, Any]]:
    """One entry per (source, prefix) of file/object assets, highest score first.

    Bytes: ``bytes_total`` sums known sizes; ``bytes_read`` sums known bytes read;
    ``bytes_skipped`` sums ``size - read`` over assets where both are known (carried-over
    objects read 0 bytes, sampled objects read part). Unknown values count as 0.
    """
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for a in assets:
        if a.kind not in OBJECT_KINDS:
            continue
        key = (a.source, prefix_of(a.asset, depth))
        g = groups.get(key)
        if g is None:
            g = groups[key] = _empty(*key)
        g["objects"] += 1
        level = a.sensitivity or NO_LEVEL
        g["by_sensitivity"][level] = g["by_sensitivity"].get(level, 0) + 1
        for c in a.categories:
            g["by_category"][c] = g["by_category"].get(c, 0) + 1
        if level_rank(a.sensitivity) > level_rank(g["highest"]):
            g["highest"] = a.sensitivity
        g["bytes_total"] += a.size_bytes or 0
        g["bytes_read"] += a.bytes_read or 0
        if a.size_bytes is not None and a.bytes_read is not None:
            g["bytes_skipped"] += max(a.size_bytes - a.bytes_read, 0)
        g["carried_over"] += int(a.carried_over)
    rows = []
    for g in groups.values():
        g["score"] = score(g["by_sensitivity"])
        g["by_sensitivity"] = dict(sorted(g["by_sensitivity"].items(), key=_level_order))
        g["by_category"] = dict(sorted(g["by_category"].items()))
        rows.append(g)
    rows.sort(key=lambda g: (-g["score"], -level_rank(g["highest"]), g["source"], g["prefix"]))
    return rows


def _empty(source: str, prefix: str) -> dict[str, Any]:
    return {
        "source": source,
        "prefix": prefix,
        "objects": 0,
        "score": 0.0,
        "highest": None,
        "by_sensitivity": {},
        "by_category": {},
        "bytes_total": 0,
        "bytes_read": 0,
        "bytes_skipped": 0,
        "carried_over": 0,
    }


def _level_order(item: tuple[str, int]) -> int:
    """Most sensitive first, ``none`` last."""
    level = item[0]
    return -LEVELS.index(level) if level in LEVELS else 1
