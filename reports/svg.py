"""Inline SVG charts for the HTML report: no script, no external reference, escaped text."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH = 520
LABEL_W = 170
BAR_H = 22
GAP = 8
VALUE_W = 50


def bar_chart(title: str, bars: Sequence[tuple[str, int, str]]) -> str:
    """A horizontal bar chart of ``(label, value, colour)``; bars scale to the largest value."""
    top = max((v for _, v, _ in bars), default=0) or 1
    span = WIDTH - LABEL_W - VALUE_W
    height = max(len(bars), 1) * (BAR_H + GAP) + GAP
    parts = [
        f'<svg class="chart" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value, colour) in enumerate(bars):
        y = GAP + i * (BAR_H + GAP)
        w = round(span * value / top) if value else 0
        mid = y + BAR_H // 2 + 5
        short = label if len(label) <= 26 else label[:25] + "…"
        parts += [
            f'<text x="{LABEL_W - 8}" y="{mid}" text-anchor="end">{escape(short)}</text>',
            f'<rect x="{LABEL_W}" y="{y}" width="{span}" height="{BAR_H}" fill="#f1f3f5"/>',
            f'<rect x="{LABEL_W}" y="{y}" width="{w}" height="{BAR_H}" fill="{escape(colour)}"/>',
            f'<text x="{LABEL_W + w + 6}" y="{mid}">{value}</text>',
        ]
    if not bars:
        parts.append(f'<text x="{LABEL_W}" y="{GAP + 16}">nothing to show</text>')
    parts.append("</svg>")
    return "\n".join(parts)
