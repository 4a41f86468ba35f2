"""Markdown, HTML and CSV renderings of the data classification matrix.

Every rendering says "No personal data found" when the matrix is empty, and states how
many assets were read and how many could not be, so an empty matrix never looks clean by
accident. The HTML page is one self-contained file: inline CSS, no script, no network
(its Content-Security-Policy forbids any fetch), every value escaped.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence
from typing import Any

from piiscan.detection import header_line
from piiscan.reports.cells import spreadsheet_safe
from piiscan.reports.matrix import MatrixRow

FORMATS = ("markdown", "html", "csv")
NOTHING_FOUND = "No personal data found"
CSV_COLUMNS = (
    "category",
    "title",
    "entity_types",
    "example_locations",
    "sensitivity",
    "gdpr_class",
    "access_control",
    "retention",
    "assets",
    "fields",
)
HEADERS = (
    "Category",
    "Entity types found (fields)",
    "Example locations",
    "Sensitivity",
    "GDPR class",
    "Recommended access control",
    "Recommended retention",
    "Assets",
    "Fields",
)
_LEVEL_COLOURS = {
    "very_high": "#b71c1c",
    "high": "#e65100",
    "medium": "#f9a825",
    "low": "#2e7d32",
}


def entity_list(row: MatrixRow) -> str:
    return ", ".join(f"{entity} ({n})" for entity, n in row.entities)


def _summary(cov: dict[str, Any]) -> str:
    return (
        f"Inventory generated {cov['generated_at']}: {cov['assets']} assets, "
        f"{cov['fields']} fields; categories per policy {cov['policy']}."
    )


def _detection(cov: dict[str, Any]) -> str:
    """What the scan could see (rule-only: names and places were not looked for)."""
    return f"{cov.get('detection') or header_line({}, 'Detection')}."


def _errors_note(cov: dict[str, Any]) -> str:
    n = cov["errors"]
    if not n:
        return ""
    things = "asset or source" if n == 1 else "assets or sources"
    return f"{n} {things} could not be read; this matrix does not cover them."


def _md(text: str) -> str:
    """A Markdown table cell: no line breaks, no raw pipes or HTML."""
    text = " ".join(str(text).split())
    return html.escape(text, quote=False).replace("|", "\\|")


def render_markdown(rows: Sequence[MatrixRow], cov: dict[str, Any]) -> str:
    lines = ["# Data classification matrix", "", _summary(cov), "", _detection(cov), ""]
    if note := _errors_note(cov):
        lines += [f"**Warning:** {note}", ""]
    if not rows:
        lines.append(f"**{NOTHING_FOUND}** in the {cov['assets']} assets scanned.")
        return "\n".join(lines) + "\n"
    lines.append("| " + " | ".join(HEADERS) + " |")
    lines.append("|" + "---|" * len(HEADERS))
    for r in rows:
        cells = (
            f"{r.title} (`{r.category}`)",
            entity_list(r),
            ", ".join(r.examples),
            r.sensitivity or "-",
            r.gdpr or "-",
            r.access,
            r.retention,
            str(r.assets),
            str(r.fields),
        )
        lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def render_csv(rows: Sequence[MatrixRow], cov: dict[str, Any]) -> str:
    """One row per category; an empty matrix is one row that says so."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    if not rows:
        writer.writerow(["", NOTHING_FOUND, "", "", "", "", "", "", "0", "0"])
    for r in rows:
        writer.writerow(
            spreadsheet_safe(str(v))
            for v in (
                r.category,
                r.title,
                "; ".join(f"{e} ({n})" for e, n in r.entities),
                "; ".join(r.examples),
                r.sensitivity or "",
                r.gdpr or "",
                r.access,
                r.retention,
                r.assets,
                r.fields,
            )
        )
    return buf.getvalue()


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#212121}
h1{font-size:1.5rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid #bdbdbd;padding:.4rem .5rem;text-align:left;vertical-align:top}
td.loc{overflow-wrap:anywhere;min-width:12rem}
td.nowrap{white-space:nowrap}
th{background:#eceff1}
td.num{text-align:right}
.level{display:inline-block;padding:.1rem .45rem;border-radius:.3rem;color:#fff;
font-weight:600;white-space:nowrap}
.warn{background:#fff3e0;border-left:4px solid #e65100;padding:.5rem 1rem}
.empty{font-size:1.2rem;font-weight:600}
code{font-size:.85em;color:#546e7a}
"""


def _level(level: str | None) -> str:
    if level is None:
        return "-"
    colour = _LEVEL_COLOURS.get(level, "#616161")
    return f'<span class="level" style="background:{colour}">{html.escape(level)}</span>'


def render_html(rows: Sequence[MatrixRow], cov: dict[str, Any]) -> str:
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        "<title>Data classification matrix</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<h1>Data classification matrix</h1>",
        f"<p>{e(_summary(cov))}</p>",
        f'<p class="detection">{e(_detection(cov))}</p>',
    ]
    if note := _errors_note(cov):
        out.append(f'<p class="warn"><strong>Warning:</strong> {e(note)}</p>')
    if not rows:
        out.append(
            f'<p class="empty">{NOTHING_FOUND} in the {int(cov["assets"])} assets scanned.</p>'
        )
    else:
        out.append("<table>")
        out.append("<thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in HEADERS) + "</tr></thead>")
        out.append("<tbody>")
        for r in rows:
            entities = "<br>".join(f"{e(t)} ({n})" for t, n in r.entities)
            examples = "<br>".join(e(x) for x in r.examples)
            out.append(
                "<tr>"
                f"<td>{e(r.title)}<br><code>{e(r.category)}</code></td>"
                f'<td class="nowrap">{entities}</td>'
                f'<td class="loc">{examples}</td>'
                f"<td>{_level(r.sensitivity)}</td>"
                f'<td class="nowrap">{e(r.gdpr or "-")}</td>'
                f"<td>{e(r.access)}</td>"
                f"<td>{e(r.retention)}</td>"
                f'<td class="num">{r.assets}</td>'
                f'<td class="num">{r.fields}</td>'
                "</tr>"
            )
        out.append("</tbody>")
        out.append("</table>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


def render(rows: Sequence[MatrixRow], cov: dict[str, Any], fmt: str) -> str:
    """The matrix in ``fmt`` (one of :data:`FORMATS`)."""
    renderers = {"markdown": render_markdown, "html": render_html, "csv": render_csv}
    return renderers[fmt](rows, cov)
