"""The HTML report's inline stylesheet and level colours (no fonts or images to fetch)."""

from __future__ import annotations

LEVEL_COLOURS = {
    "very_high": "#b71c1c",
    "high": "#e65100",
    "medium": "#f9a825",
    "low": "#1565c0",
    "none": "#78909c",
}
HEAT_RGB = "106, 27, 154"

CSS = """
* { box-sizing: border-box; }
body { margin: 0; background: #f5f6f8; color: #1f2933;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
header { border-bottom: 3px solid #1f2933; margin-bottom: 18px; }
h1 { margin: 0 0 4px; font-size: 28px; }
h2 { margin: 28px 0 10px; font-size: 20px; }
.meta, .sources { margin: 4px 0 10px; color: #52606d; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px;
  background: #eef0f3; padding: 1px 4px; border-radius: 3px; overflow-wrap: anywhere; }
.banner { padding: 14px 18px; border-radius: 8px; margin: 14px 0; font-size: 17px;
  font-weight: 600; }
.banner.clear { background: #e8f5e9; border: 2px solid #2e7d32; color: #1b5e20; }
.banner.warn { background: #fff8e1; border: 2px solid #f9a825; color: #6d4c00; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; }
.card { flex: 1 1 150px; background: #fff; border-radius: 8px; padding: 12px 16px;
  border-top: 8px solid var(--c); box-shadow: 0 1px 3px rgba(0,0,0,.12); }
.card .n { font-size: 34px; font-weight: 700; color: var(--c); }
.card .l { font-weight: 600; }
.card .d { color: #52606d; font-size: 13px; }
.totals { color: #52606d; }
.charts { display: flex; gap: 20px; flex-wrap: wrap; }
figure { margin: 0; background: #fff; border-radius: 8px; padding: 12px 14px;
  box-shadow: 0 1px 3px rgba(0,0,0,.12); }
figcaption { font-weight: 600; margin-bottom: 4px; }
.chart text { font-size: 13px; fill: #1f2933; }
table { border-collapse: collapse; background: #fff; width: 100%; margin: 8px 0; }
th, td { border: 1px solid #d9dde3; overflow-wrap: break-word; padding: 6px 9px;
  text-align: left; vertical-align: top; }
th { background: #eef0f3; font-weight: 600; overflow-wrap: normal; }
.scroll { overflow-x: auto; }
td.asset { overflow-wrap: anywhere; min-width: 180px; }
.heat td.cell { text-align: center; font-weight: 600; min-width: 64px; }
.heat th.cat { font-size: 13px; }
.badge { display: inline-block; white-space: nowrap; min-width: 84px; text-align: center;
  padding: 2px 8px; border-radius: 12px; color: #fff; font-size: 13px; font-weight: 600;
  background: var(--c); }
.badge.medium { color: #1f2933; }
details { background: #fff; border-radius: 8px; margin: 10px 0; border-left: 8px solid var(--c);
  box-shadow: 0 1px 3px rgba(0,0,0,.12); }
summary { cursor: pointer; padding: 10px 14px; font-size: 16px; }
summary .name { font-weight: 700; overflow-wrap: anywhere; }
summary .what { color: #52606d; font-size: 14px; }
details > .body { padding: 0 16px 12px; }
ul.facts { margin: 4px 0; padding-left: 18px; color: #52606d; }
.note { background: #fff8e1; padding: 6px 10px; border-radius: 4px; }
.muted { color: #52606d; }
footer { margin-top: 36px; color: #52606d; font-size: 13px; }
.legend dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px;
  background: #fff; padding: 12px 16px; border-radius: 8px; font-size: 14px; }
.legend dt { font-family: ui-monospace, monospace; font-weight: 600; }
.legend dd { margin: 0; color: #334e68; }
"""
