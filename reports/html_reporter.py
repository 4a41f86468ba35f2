"""HTML: one self-contained page for a non-engineer reader (no script, no network).

Header, summary cards by level, two inline SVG charts, a heatmap of assets and categories,
then one ``<details>`` drill-down per asset (most sensitive first) and the errors. Every
piece of inventory text goes through :func:`html.escape`; a Content-Security-Policy
forbids fetching anything, so even a bug cannot make the page call out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from html import escape
from typing import IO, TYPE_CHECKING

from piiscan.detection import header_line, headline, is_rule_only
from piiscan.inventory_summary import incomplete_line, skipped_line, summarize
from piiscan.masking import mask_url
from piiscan.plugins import Reporter
from piiscan.reports import presentation as p
from piiscan.reports.html_style import CSS, HEAT_RGB, LEVEL_COLOURS
from piiscan.reports.rows import most_sensitive_first
from piiscan.reports.svg import bar_chart

if TYPE_CHECKING:
    from piiscan.model import AssetResult, FieldResult, Inventory

CSP = "default-src 'none'; style-src 'unsafe-inline'"
FINDINGS_SHOWN = 50
LEVEL_HELP = {
    "very_high": "government IDs, financial, health, special categories",
    "high": "direct identifiers: names, e-mails, phones, addresses",
    "medium": "indirect identifiers",
    "low": "weak identifiers",
    "none": "nothing personal found",
}


def h(text: object) -> str:
    return escape(str(text))


def cats(categories: Sequence[str]) -> str:
    """Category keys as words (``customer_records`` → ``customer records``), escaped."""
    return h(", ".join(c.replace("_", " ") for c in categories))


def badge(level: str | None) -> str:
    key = p.level_key(level)
    return (
        f'<span class="badge {h(key)}" style="--c:{LEVEL_COLOURS.get(key, "#78909c")}">'
        f"{h(p.level_label(level))}</span>"
    )


def table(head: Sequence[str], rows: Sequence[Sequence[str]], cls: str = "") -> str:
    """A table; cells are HTML already escaped by the caller."""
    attr = f' class="{cls}"' if cls else ""
    out = [f"<table{attr}><thead><tr>" + "".join(f"<th>{x}</th>" for x in head) + "</tr></thead>"]
    out += ["<tbody>"] + ["<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows]
    return "\n".join([*out, "</tbody></table>"])


def _header(inv: Inventory) -> str:
    tool = inv.tool
    meta = [f"{h(tool.get('name', 'piiscan'))} {h(tool.get('version', '?'))}"]
    if inv.generated_at:
        meta.append(f"generated {h(inv.generated_at)}")
    if inv.policy:
        meta.append(f"policy {h(inv.policy.get('name', '?'))} {h(inv.policy.get('version', ''))}")
    sources = ", ".join(f"<code>{h(mask_url(s))}</code>" for s in inv.sources) or "none"
    return (
        f'<header><h1>Personal data report</h1>\n<p class="meta">{" · ".join(meta)}</p>\n'
        f'<p class="sources">Sources scanned: {sources}</p>\n'
        f'<p class="detection">{h(header_line(inv.detection, "Detection"))}</p></header>'
    )


def _banners(inv: Inventory) -> list[str]:
    out = []
    if is_rule_only(inv.detection):
        out.append(
            f'<p class="banner warn"><strong>{h(headline(inv.detection))}</strong>: a clean '
            "result here does not mean there are no names or places.</p>"
        )
    out += [f'<p class="banner warn">Warning: {h(w)}</p>' for w in inv.warnings]
    if not p.found_anything(inv):
        out.append(f'<p class="banner clear">{h(p.nothing_found_text(inv))}</p>')
    incomplete = incomplete_line(inv.errors, inv.assets)
    if incomplete:
        see = '<a href="#errors">Errors</a>' if inv.errors else "the assets marked incomplete"
        out.append(
            f'<p class="banner warn"><strong>{h(incomplete)}</strong>: they could not be '
            f"read to the end, so this report is partial (see {see}).</p>"
        )
    skipped = skipped_line(inv)
    if skipped:
        out.append(f'<p class="banner warn">{h(skipped)}</p>')
    return out


def _summary(inv: Inventory) -> str:
    cards = []
    for level, n in p.assets_by_level(inv):
        cards.append(
            f'<div class="card" style="--c:{LEVEL_COLOURS[level]}"><div class="n">{n}</div>'
            f'<div class="l">{h(p.level_label(level))}</div>'
            f'<div class="d">{h(LEVEL_HELP[level])}</div></div>'
        )
    s = summarize(inv.assets, inv.errors)
    totals = (
        f"{s['assets']} assets scanned · {s['fields']} fields, {s['personal_fields']} with "
        f"personal data · {s['text_findings']} findings in text · {s['errors']} errors"
    )
    return (
        '<section><h2>Summary: assets by sensitivity level</h2>\n<div class="cards">\n'
        + "\n".join(cards)
        + f'\n</div>\n<p class="totals">{h(totals)}</p></section>'
    )


def _charts(inv: Inventory) -> str:
    levels = [(p.level_label(k), n, LEVEL_COLOURS[k]) for k, n in p.assets_by_level(inv)]
    by_cat = [(c.replace("_", " "), n, f"rgb({HEAT_RGB})") for c, n in p.fields_by_category(inv)]
    return (
        '<section class="charts">\n'
        f"<figure><figcaption>Assets by sensitivity level</figcaption>\n"
        f"{bar_chart('Assets by sensitivity level', levels)}</figure>\n"
        f"<figure><figcaption>Fields with personal data, by category</figcaption>\n"
        f"{bar_chart('Fields with personal data, by category', by_cat)}</figure>\n</section>"
    )


def _heat_cell(n: int, top: int) -> str:
    if not n:
        return '<td class="cell muted">·</td>'
    alpha = 0.15 + 0.75 * n / top
    ink = "#fff" if alpha > 0.5 else "#1f2933"
    return f'<td class="cell" style="background:rgba({HEAT_RGB},{alpha:.2f});color:{ink}">{n}</td>'


def _heatmap(inv: Inventory, assets: list[AssetResult]) -> str:
    title = "<h2>Where the personal data is: assets &times; categories</h2>"
    categories = [c for c, _ in p.fields_by_category(inv)]
    rows = [(a, p.category_cells(a, categories)) for a in assets if p.personal_fields(a)]
    if not rows:
        return f"<section>{title}\n<p>{h(p.NOTHING_FOUND)}.</p></section>"
    top = max(max(cells) for _, cells in rows)
    head = "<tr><th>Asset</th><th>Level</th>" + "".join(
        f'<th class="cat">{cats([c])}</th>' for c in categories
    )
    body = [
        f'<tr><td class="asset">{h(a.asset)}</td><td>{badge(a.sensitivity)}</td>'
        + "".join(_heat_cell(n, top) for n in cells)
        + "</tr>"
        for a, cells in rows
    ]
    return (
        f'<section>{title}\n<p class="muted">Each cell counts the asset\'s fields with personal '
        "data in that category; darker means more.</p>\n"
        f'<div class="scroll"><table class="heat"><thead>{head}</tr></thead><tbody>\n'
        + "\n".join(body)
        + "\n</tbody></table></div></section>"
    )


def _field_row(f: FieldResult) -> list[str]:
    evidence = [x for e in f.entities for x in e.evidence]
    return [
        h(f.name),
        "<br>".join(h(p.entity_text(e)) for e in f.entities) or "-",
        cats(f.categories) or "-",
        badge(f.sensitivity),
        ", ".join(f"<code>{h(x)}</code>" for x in dict.fromkeys(evidence)) or "-",
    ]


def _findings(a: AssetResult) -> list[str]:
    findings = p.findings_of(a)
    if not findings:
        return []
    counts = sorted(Counter(f.entity for f in findings).items(), key=lambda kv: (-kv[1], kv[0]))
    rows = [
        [h(f.entity), h(p.where(f)), f"<code>{h(f.evidence or '-')}</code>"]
        for f in findings[:FINDINGS_SHOWN]
    ]
    out = [
        "<h3>Findings in text</h3>",
        f"<p>{h(', '.join(f'{e} {n}' for e, n in counts))}</p>",
        table(["Entity", "Where (line:start-end)", "Masked evidence"], rows),
    ]
    if len(findings) > FINDINGS_SHOWN:
        out.append(f'<p class="muted">… {len(findings) - FINDINGS_SHOWN} more</p>')
    return out


def _asset(a: AssetResult) -> str:
    key = p.level_key(a.sensitivity)
    personal = p.personal_fields(a)
    unit = "lines" if a.kind == "text" else "rows"
    facts = [f"source <code>{h(mask_url(a.source))}</code>", f"{a.rows_scanned} {unit} read"]
    if a.kind != "text":
        facts.append(f"{len(a.fields)} fields, {len(personal)} with personal data")
    if a.gdpr:
        facts.append(f"GDPR class: {h(a.gdpr)}")
    if not a.complete:
        facts.append("<strong>incomplete</strong>: not every row was read")
    body = ['<ul class="facts">' + "".join(f"<li>{x}</li>" for x in facts) + "</ul>"]
    if personal:
        head = [
            "Field",
            "Entity types (confidence, matched/sampled)",
            "Categories",
            "Level",
            "Masked evidence",
        ]
        body.append(table(head, [_field_row(f) for f in personal]))
    else:
        body.append(f"<p><strong>{h(p.NOTHING_FOUND)}</strong> in this asset.</p>")
    for label, status in (
        ("No personal data in", "none_found"),
        ("Too few values to judge", "insufficient"),
        ("Not scanned", "not_scanned"),
    ):
        names = [f.name for f in a.fields if f.status == status]
        if names:
            body.append(f'<p class="muted">{label}: {h(", ".join(names))}</p>')
    body += [f'<p class="muted">{h(text)}</p>' for text in p.reserved_texts(a)]
    body += _findings(a)
    body += [f'<p class="note">{h(n)}</p>' for n in a.notes]
    opened = " open" if key == "very_high" else ""
    what = f"{h(a.kind)} · {cats(a.categories) or 'no categories'}"
    return (
        f'<details{opened} style="--c:{LEVEL_COLOURS.get(key, "#78909c")}">'
        f'<summary>{badge(a.sensitivity)} <span class="name">{h(a.asset)}</span> '
        f'<span class="what">{what}</span></summary>\n<div class="body">\n'
        + "\n".join(body)
        + "\n</div></details>"
    )


def _errors(inv: Inventory) -> str:
    if not inv.errors:
        return ""
    rows = [
        [f"<code>{h(mask_url(e.source))}</code>", h(e.asset or "(whole source)"), h(e.reason)]
        for e in inv.errors
    ]
    return (
        f'<section id="errors"><h2>Errors ({len(inv.errors)})</h2>\n'
        "<p>These could not be read; any personal data in them is not in this report.</p>\n"
        + table(["Source", "Asset", "Reason"], rows)
        + "</section>"
    )


def _legend() -> str:
    """What the marks mean (the same list as the table and Markdown reports)."""
    items = "".join(f"<dt>{h(mark)}</dt><dd>{h(meaning)}</dd>" for mark, meaning in p.LEGEND)
    return f'<section class="legend"><h2>Legend</h2><dl>{items}</dl></section>'


def render(inv: Inventory) -> str:
    """The whole page."""
    assets = most_sensitive_first(inv.assets)
    sections = [_header(inv), *_banners(inv), _summary(inv), _charts(inv), _heatmap(inv, assets)]
    drill = [_asset(a) for a in assets] or ["<p>No assets were scanned.</p>"]
    sections.append(
        "<section><h2>Assets, most sensitive first</h2>\n" + "\n".join(drill) + "</section>"
    )
    sections.append(_errors(inv))
    sections.append(_legend())
    sections.append(
        "<footer>Evidence is masked: this report holds no raw personal values. "
        "Click an asset to see its fields.</footer>"
    )
    title = f"Personal data report — {inv.tool.get('name', 'piiscan')}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{h(title)}</title>\n<style>{CSS}</style></head>\n<body><main>\n"
        + "\n".join(s for s in sections if s)
        + "\n</main></body></html>\n"
    )


class HtmlReporter(Reporter):
    """One self-contained HTML page: summary, charts, heatmap, drill-down, errors."""

    name = "html"
    description = "self-contained HTML report (charts, heatmap, per-asset drill-down)"
    extension = ".html"

    def write(self, inventory: Inventory, out: IO[str]) -> None:
        out.write(render(inventory))
