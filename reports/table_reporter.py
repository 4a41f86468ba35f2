"""A terminal report: summary first, then one block per asset, most sensitive first.

Plain text, lines of at most :data:`WIDTH` characters (long cells end in ``…``). Levels
are coloured (very_high red, high yellow) only when writing to a terminal.
"""

from __future__ import annotations

import os
import re
import shutil
import textwrap
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import IO, TYPE_CHECKING

from piiscan.detection import header_line
from piiscan.inventory_summary import incomplete_line, skipped_line, summarize
from piiscan.masking import mask_url
from piiscan.plugins import Reporter
from piiscan.policy import LEVELS
from piiscan.reports.presentation import LEGEND, reserved_texts
from piiscan.terminal import printable_inventory

if TYPE_CHECKING:
    from piiscan.model import AssetResult, EntityVerdict, FieldResult, Inventory, TextFinding

WIDTH = 120
INDENT = "  "
COLUMNS = (("field", 26), ("entities", 44), ("categories", 30), ("level", 9))
FINDINGS_SHOWN = 3
RESET = "\033[0m"
COLOURS = {"very_high": "\033[31m", "high": "\033[33m"}
NO_LEVEL = "none"


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, ending in ``…`` when cut."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


class _Painter:
    """Colours level names, or leaves them alone when the output is not a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def level(self, level: str | None) -> str:
        text = level or NO_LEVEL
        code = COLOURS.get(level or "") if self.enabled else None
        return f"{code}{text}{RESET}" if code else text


def _wants_colour(out: IO[str]) -> bool:
    isatty = getattr(out, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("NO_COLOR")


def _by_rank(counts: dict[str, int]) -> list[tuple[str, int]]:
    order = [*reversed(LEVELS), NO_LEVEL]
    return sorted(counts.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)


def _entity(e: EntityVerdict) -> str:
    name = " +name" if e.name_signal else ""
    name += " minority" if e.minority else ""
    return f"{e.type} {e.confidence:.2f} {e.matched}/{e.sampled} {e.share:.0%}{name}"


def _caps(width: int) -> list[int]:
    """Column widths for ``width``: :data:`COLUMNS` as they are at :data:`WIDTH` or more,
    shrunk in proportion below it (the level column keeps its room)."""
    fixed = len(INDENT) + 2 * 3 + COLUMNS[3][1]
    caps = [cap for _, cap in COLUMNS[:3]]
    if width >= WIDTH:
        return caps
    scale = max(width - fixed, 30) / sum(caps)
    titles = [title for title, _ in COLUMNS[:3]]
    return [max(len(t), int(cap * scale)) for t, cap in zip(titles, caps, strict=True)]


def _table(fields: Sequence[FieldResult], paint: _Painter, width: int = WIDTH) -> list[str]:
    """One row per entity type; the category list wraps onto the continuation rows."""
    caps = _caps(width)
    cat_width = caps[2]
    rows: list[tuple[list[str], str]] = []
    for f in fields:
        entities = [_entity(e) for e in f.entities] or ["-"]
        categories = textwrap.wrap(", ".join(f.categories), cat_width) or ["-"]
        for i in range(max(len(entities), len(categories))):
            cells = [f.name if i == 0 else "", _at(entities, i), _at(categories, i)]
            rows.append((cells, paint.level(f.sensitivity) if i == 0 else ""))
    widths = [
        min(cap, max([len(title)] + [len(cells[i]) for cells, _ in rows]))
        for i, ((title, _), cap) in enumerate(zip(COLUMNS[:3], caps, strict=True))
    ]

    def line(cells: Sequence[str], level: str) -> str:
        head = "  ".join(clip(c, w).ljust(w) for c, w in zip(cells, widths, strict=True))
        return f"{INDENT}{head}  {level}".rstrip()

    return [line([t for t, _ in COLUMNS[:3]], COLUMNS[3][0])] + [line(c, lv) for c, lv in rows]


def _wrap(text: str, room: int, indent: int) -> list[str]:
    """``text`` as lines: the first fits ``room``, the others are indented by ``indent``
    and fit the same room. A list is wrapped, never cut, and an item's count stays on
    its line (``identifiers 9``)."""
    glued = re.sub(r" (?=\d)", "\xa0", text)  # textwrap breaks at ASCII spaces only
    lines = textwrap.wrap(glued, max(room, 20), break_on_hyphens=False) or [""]
    lines = [line.replace("\xa0", " ") for line in lines]
    return [lines[0], *(" " * indent + line for line in lines[1:])]


def _at(items: Sequence[str], i: int) -> str:
    return items[i] if i < len(items) else ""


def _names_line(label: str, fields: Iterable[FieldResult], width: int = WIDTH) -> list[str]:
    names = [f"{f.name} ({f.sampled})" for f in fields]
    return [clip(f"{INDENT}{label}: {', '.join(names)}", width)] if names else []


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _where(f: TextFinding) -> str:
    where = f"{f.field} row" if f.field else "line"
    return f"{where} {f.line}:{f.start}-{f.end}"


def _findings(findings: Sequence[TextFinding], width: int = WIDTH) -> list[str]:
    if not findings:
        return []
    counts = Counter(f.entity for f in findings)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    label = f"{INDENT}findings: "
    first, *more = _wrap(", ".join(f"{e} {n}" for e, n in ranked), width - len(label), len(label))
    out = [label + first, *more]
    shown = findings[:FINDINGS_SHOWN]
    where_w = max(len(_where(f)) for f in shown)
    entity_w = max(len(f.entity) for f in shown)
    for f in shown:
        text = f"{_where(f).ljust(where_w)}  {f.entity.ljust(entity_w)}  {f.evidence or '-'}"
        out.append(clip(INDENT * 2 + text, width))
    if len(findings) > FINDINGS_SHOWN:
        out.append(f"{INDENT * 2}… {len(findings) - FINDINGS_SHOWN} more")
    return out


def _asset(a: AssetResult, paint: _Painter, width: int = WIDTH) -> list[str]:
    categories = ", ".join(a.categories) or "-"
    name = clip(a.asset, 60)
    head = f"{name}  {a.kind}  "
    level = a.sensitivity or NO_LEVEL
    indent = len(head) + len(level) + 2
    if width - indent >= 30:
        first, *more = _wrap(categories, width - indent, indent)
        lines = [f"{head}{paint.level(a.sensitivity)}  {first}", *more]
    else:  # a long name: the categories go below it
        lines = [f"{head}{paint.level(a.sensitivity)}"]
        lines += [INDENT + line for line in _wrap(categories, width - 2 * len(INDENT), 0)]
    personal = [f for f in a.fields if f.status == "personal"]
    unit = "lines" if a.kind == "text" else "rows"
    facts = [f"source {mask_url(a.source)}", f"{a.rows_scanned} {unit}"]
    if a.kind != "text":
        facts.append(f"{_plural(len(a.fields), 'field')}, {len(personal)} personal")
    if a.gdpr:
        facts.append(f"gdpr {a.gdpr}")
    if not a.complete:
        facts.append("incomplete")
    lines.append(clip(INDENT + " · ".join(facts), width))
    if personal:
        lines += _table(personal, paint, width)
    else:
        lines.append(f"{INDENT}no personal data found")
    insufficient = (f for f in a.fields if f.status == "insufficient")
    lines += _names_line("insufficient data", insufficient, width)
    lines += _names_line("not scanned", (f for f in a.fields if f.status == "not_scanned"), width)
    lines += [clip(f"{INDENT}{text}", width) for text in reserved_texts(a)]
    lines += _findings([*a.findings, *(t for f in a.fields for t in f.findings)], width)
    lines += [clip(f"{INDENT}note: {n}", width) for n in a.notes]
    return lines


def render(inventory: Inventory, colour: bool = False, width: int = WIDTH) -> list[str]:
    """The report as lines (no trailing newlines), at most ``width`` characters each;
    category lists wrap rather than being cut. Control characters in names, notes and
    reasons are shown as escapes (:func:`~piiscan.terminal.printable`), never obeyed."""
    inventory = printable_inventory(inventory)
    paint = _Painter(colour)
    tool = inventory.tool
    policy = inventory.policy
    head = [f"{tool.get('name', 'piiscan')} {tool.get('version', '?')} report"]
    if inventory.generated_at:
        head.append(f"generated {inventory.generated_at}")
    head.append(f"policy {policy.get('name', '?')} {policy.get('version', '')}".rstrip())
    sources = ", ".join(mask_url(s) for s in inventory.sources) or "-"
    lines = [clip(" · ".join(head), width), clip(f"sources: {sources}", width)]
    lines.append(clip(header_line(inventory.detection), width))
    for w in inventory.warnings:  # a warning is never cut
        first, *more = _wrap(w, width - len("warning: "), len("warning: "))
        lines += [f"warning: {first}", *more]
    incomplete = incomplete_line(inventory.errors, inventory.assets)
    if incomplete:
        see = "Errors below" if inventory.errors else "the assets marked incomplete below"
        lines += ["", f"{incomplete} (see {see})"]
    skipped = skipped_line(inventory)
    if skipped:
        first, *more = _wrap(skipped, width, 2)
        lines += ["", first, *more]
    lines += ["", "Summary"]

    s = summarize(inventory.assets, inventory.errors)
    levels = ", ".join(f"{paint.level(k)} {n}" for k, n in _by_rank(s["assets_by_sensitivity"]))
    lines.append(f"{INDENT}assets: {s['assets']}" + (f" ({levels})" if levels else ""))
    categories = ", ".join(f"{k} {n}" for k, n in s["assets_by_category"].items()) or "none"
    label = f"{INDENT}categories: "
    first, *more = _wrap(categories, width - len(label), len(label))
    lines += [label + first, *more]
    lines.append(
        f"{INDENT}fields: {s['fields']}, personal {s['personal_fields']} · "
        f"text findings: {s['text_findings']} · errors: {s['errors']}"
    )
    for a in inventory.assets:
        lines += ["", *_asset(a, paint, width)]
    if inventory.errors:
        lines += ["", f"Errors ({len(inventory.errors)})"]
        for e in inventory.errors:
            where = mask_url(e.source) + (f" {e.asset}" if e.asset else "")
            lines.append(clip(f"{INDENT}{where}: {e.reason}", width))
    return lines + _legend(width)


def _legend(width: int) -> list[str]:
    """What the marks mean, wrapped (never cut) to ``width``."""
    lines = ["", "Legend"]
    for mark, meaning in LEGEND:
        lines += textwrap.wrap(
            f"{mark}: {meaning}",
            width,
            initial_indent=INDENT,
            subsequent_indent=INDENT * 3,
            break_on_hyphens=False,
        )
    return lines


class TableReporter(Reporter):
    """A readable terminal report; colour only on a terminal (and never with NO_COLOR)."""

    name = "table"
    description = "readable terminal report (summary, one block per asset, errors)"
    extension = ".txt"

    def write(self, inventory: Inventory, out: IO[str]) -> None:
        for line in render(inventory, colour=_wants_colour(out), width=_width(out)):
            out.write(line + "\n")


def _width(out: IO[str]) -> int:
    """The terminal's width when writing to one (at least 80), else :data:`WIDTH`."""
    isatty = getattr(out, "isatty", None)
    if not (isatty and isatty()):
        return WIDTH
    return max(80, shutil.get_terminal_size((WIDTH, 24)).columns)
