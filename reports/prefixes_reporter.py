"""A per-bucket / per-prefix report: one table per file or object source, highest score first.

Plain text, lines of at most :data:`WIDTH` characters. The score and the byte counts are
described in :mod:`piiscan.prefix_summary`; ``unchanged`` counts objects carried over
from the state file of an incremental rescan.
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Any

from piiscan.detection import header_line
from piiscan.masking import mask_url
from piiscan.plugins import Reporter
from piiscan.prefix_summary import prefix_summary

if TYPE_CHECKING:
    from piiscan.model import Inventory

WIDTH = 120
INDENT = "  "
TOP = "(top)"
#: (title, width, right-aligned)
COLUMNS = (
    ("prefix", 24, False),
    ("objects", 7, True),
    ("score", 5, True),
    ("levels", 30, False),
    ("bytes", 9, True),
    ("read", 9, True),
    ("skipped", 9, True),
    ("unchanged", 9, True),
)


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, ending in ``…`` when cut."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def human_bytes(n: int) -> str:
    """``n`` bytes in B, KiB, MiB, GiB or TiB with one decimal."""
    if n < 1024:
        return f"{n} B"
    value = float(n)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            break
    return f"{value:.1f} {unit}"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {n}" for k, n in counts.items()) or "-"


def _line(cells: list[str]) -> str:
    parts = [
        clip(c, w).rjust(w) if right else clip(c, w).ljust(w)
        for c, (_, w, right) in zip(cells, COLUMNS, strict=True)
    ]
    return clip(INDENT + "  ".join(parts), WIDTH).rstrip()


def _row(g: dict[str, Any]) -> list[str]:
    cells = [
        g["prefix"] or TOP,
        str(g["objects"]),
        f"{g['score']:.1f}",
        _counts(g["by_sensitivity"]),
        human_bytes(g["bytes_total"]),
        human_bytes(g["bytes_read"]),
        human_bytes(g["bytes_skipped"]),
        str(g["carried_over"]),
    ]
    categories = clip(f"{INDENT * 2}categories: {_counts(g['by_category'])}", WIDTH)
    return [_line(cells), categories]


def render(inventory: Inventory, depth: int = 1) -> list[str]:
    """The report as lines (no trailing newlines)."""
    tool = inventory.tool
    head = [f"{tool.get('name', 'piiscan')} {tool.get('version', '?')} prefixes"]
    if inventory.generated_at:
        head.append(f"generated {inventory.generated_at}")
    lines = [" · ".join(head), header_line(inventory.detection)]
    lines += [f"warning: {w}" for w in inventory.warnings]
    groups = prefix_summary(inventory.assets, depth)
    if not groups:
        return [*lines, "", "no file or object assets in this inventory"]
    sources: dict[str, list[dict[str, Any]]] = {}
    for g in groups:
        sources.setdefault(g["source"], []).append(g)
    for source, rows in sources.items():
        lines += ["", clip(f"source: {mask_url(source)}", WIDTH)]
        lines.append(_line([title for title, _, _ in COLUMNS]))
        for g in rows:
            lines += _row(g)
    lines += [
        "",
        "score: weighted share of objects by level (very_high 1, high 0.7, "
        "medium 0.4, low 0.1) x 100",
    ]
    return lines


class PrefixesReporter(Reporter):
    """Per-bucket / per-prefix counts, bytes read and skipped, and a sensitivity score."""

    name = "prefixes"
    description = "per bucket / prefix: counts by level and category, bytes, score (text)"
    extension = ".txt"

    def write(self, inventory: Inventory, out: IO[str]) -> None:
        for line in render(inventory):
            out.write(line + "\n")
