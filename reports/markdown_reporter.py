"""Markdown: summary tables, then one section per asset (most sensitive first), then errors.

Every piece of inventory text goes through :func:`md` so that a field named ``a|b`` or
``<script>`` cannot break a table or inject markup.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING

from piiscan.detection import header_line, is_rule_only
from piiscan.inventory_summary import incomplete_line, skipped_line, summarize
from piiscan.masking import mask_url
from piiscan.plugins import Reporter
from piiscan.reports import presentation as p
from piiscan.reports.rows import most_sensitive_first

if TYPE_CHECKING:
    from piiscan.model import AssetResult, FieldResult, Inventory

_SPECIAL = re.compile(r"[\\`*\[\]<>|&]|(?<!\w)_|_(?!\w)")
_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
FINDINGS_SHOWN = 20


def md(text: object) -> str:
    """Inline Markdown for ``text``: specials escaped, line breaks folded."""
    s = " ".join(str(text).split())
    return _SPECIAL.sub(lambda m: _ENTITIES.get(m[0], "\\" + m[0]), s)


def code(text: object) -> str:
    """``text`` as an inline code span (masked evidence, sources): only ``|`` is escaped."""
    s = " ".join(str(text).split()).replace("|", "\\|")
    fence = "`" * (max((len(r) for r in re.findall(r"`+", s)), default=0) + 1)
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A pipe table; cells must already be escaped."""
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    return lines + ["| " + " | ".join(r) + " |" for r in rows]


def _summary(inv: Inventory) -> list[str]:
    s = summarize(inv.assets, inv.errors)
    out = [
        "## Summary",
        "",
        f"{s['assets']} assets · {s['fields']} fields, {s['personal_fields']} personal · "
        f"{s['text_findings']} text findings · {s['errors']} errors",
        "",
    ]
    if not p.found_anything(inv):
        out += [f"**{md(p.nothing_found_text(inv))}**", ""]
    levels = [(p.level_label(k), str(n)) for k, n in p.assets_by_level(inv) if n]
    out += ["### Assets by sensitivity level", ""]
    out += table(["Level", "Assets"], levels) if levels else ["No assets."]
    assets_per = Counter(c for a in inv.assets for c in a.categories)
    by_cat = [(md(c), str(assets_per.get(c, 0)), str(n)) for c, n in p.fields_by_category(inv)]
    out += ["", "### Personal data by category", ""]
    out += table(["Category", "Assets", "Personal fields"], by_cat) if by_cat else ["None."]
    return out


def _asset(a: AssetResult) -> list[str]:
    unit = "lines" if a.kind == "text" else "rows"
    facts = [md(a.kind), f"source {code(mask_url(a.source))}", f"{a.rows_scanned} {unit}"]
    if a.gdpr:
        facts.append(f"GDPR {md(a.gdpr)}")
    if not a.complete:
        facts.append("**incomplete**")
    out = [f"### {md(a.asset)} — {p.level_label(a.sensitivity)}", "", " · ".join(facts), ""]
    personal = p.personal_fields(a)
    if personal:
        rows = [
            (
                md(f.name),
                "<br>".join(md(p.entity_text(e)) for e in f.entities) or "-",
                md(", ".join(f.categories)) or "-",
                p.level_label(f.sensitivity),
            )
            for f in personal
        ]
        out += table(
            ["Field", "Entity types (confidence, matched/sampled)", "Categories", "Level"], rows
        )
        evidence = [
            (md(f.name), ", ".join(code(x) for x in dict.fromkeys(_evidence(f))))
            for f in personal
            if _evidence(f)
        ]
        if evidence:
            out += ["", *table(["Field", "Masked evidence"], evidence)]
    else:
        out.append(f"{p.NOTHING_FOUND} in this asset.")
    for label, status in (("Insufficient data", "insufficient"), ("Not scanned", "not_scanned")):
        names = [f"{md(f.name)} ({f.sampled})" for f in a.fields if f.status == status]
        if names:
            out += ["", f"{label}: {', '.join(names)}"]
    out += [line for text in p.reserved_texts(a) for line in ("", md(text))]
    out += _findings(a)
    out += ["", *(f"> Note: {md(n)}" for n in a.notes)] if a.notes else []
    return out


def _evidence(f: FieldResult) -> list[str]:
    return [x for e in f.entities for x in e.evidence]


def _findings(a: AssetResult) -> list[str]:
    findings = p.findings_of(a)
    if not findings:
        return []
    counts = sorted(Counter(f.entity for f in findings).items(), key=lambda kv: (-kv[1], kv[0]))
    out = ["", "Text findings: " + ", ".join(f"{md(e)} {n}" for e, n in counts), ""]
    rows = [
        (md(f.entity), md(p.where(f)), code(f.evidence) if f.evidence else "-") for f in findings
    ]
    out += table(["Entity", "Where", "Masked evidence"], rows[:FINDINGS_SHOWN])
    if len(rows) > FINDINGS_SHOWN:
        out += ["", f"… {len(rows) - FINDINGS_SHOWN} more"]
    return out


def _detection(inv: Inventory) -> str:
    """The detection line: what a clean result is worth (rule-only in bold)."""
    text = md(header_line(inv.detection, "Detection"))
    return f"**{text}**" if is_rule_only(inv.detection) else text


def render(inv: Inventory) -> list[str]:
    """The report as lines."""
    tool = inv.tool
    head = [f"{md(tool.get('name', 'piiscan'))} {md(tool.get('version', '?'))}"]
    if inv.generated_at:
        head.append(f"generated {md(inv.generated_at)}")
    if inv.policy:
        head.append(f"policy {md(inv.policy.get('name', '?'))} {md(inv.policy.get('version', ''))}")
    sources = ", ".join(code(mask_url(s)) for s in inv.sources) or "-"
    lines = ["# Personal data report", "", " · ".join(head).rstrip(), "", f"Sources: {sources}"]
    lines += ["", _detection(inv)]
    for warning in inv.warnings:
        lines += ["", f"**Warning:** {md(warning)}"]
    incomplete = incomplete_line(inv.errors, inv.assets)
    if incomplete:
        see = "Errors below" if inv.errors else "the assets marked incomplete below"
        lines += ["", f"**{incomplete}** (see {see})"]
    skipped = skipped_line(inv)
    if skipped:
        lines += ["", f"**{md(skipped)}**"]
    lines += ["", *_summary(inv), "", "## Assets, most sensitive first"]
    for a in most_sensitive_first(inv.assets):
        lines += ["", *_asset(a)]
    if not inv.assets:
        lines += ["", "No assets were scanned."]
    if inv.errors:
        lines += ["", f"## Errors ({len(inv.errors)})", ""]
        rows = [(code(mask_url(e.source)), md(e.asset or "-"), md(e.reason)) for e in inv.errors]
        lines += table(["Source", "Asset", "Reason"], rows)
    lines += ["", "## Legend", ""]
    lines += [f"- {code(mark)}: {md(meaning)}" for mark, meaning in p.LEGEND]
    return lines


class MarkdownReporter(Reporter):
    """A Markdown report for wikis, tickets and pull requests."""

    name = "markdown"
    description = "Markdown report (summary tables, assets most sensitive first, errors)"
    extension = ".md"

    def write(self, inventory: Inventory, out: IO[str]) -> None:
        for line in render(inventory):
            out.write(line + "\n")
