"""``piiscan doctor``: a thin wrapper over :func:`piiscan.doctor.diagnose`.

Exit 0 when a scan can run (rule-only is usable, and flagged), 1 when something
configured is unusable (an explicit model that does not load, a broken config, policy
or plugin). Key values are never printed: only ``set`` or ``not set``.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from piiscan.commands import options as opt


def render_text(d: Any) -> list[str]:
    """The diagnosis as lines for a terminal."""
    from piiscan.doctor import KEYS

    lines = [f"piiscan {d.piiscan} · python {d.python}"]
    lines.append(f"config: {d.config_file or 'none (built-in defaults)'}")
    m = d.model
    if m.error:
        lines.append(f"model: UNUSABLE ({m.resolved_by}): {m.error}")
    elif m.detection.get("mode") == "ner":
        lines.append(f"model: {m.detection.get('model')} ({m.resolved_by})")
        lines.append(f"  NER labels: {', '.join(m.detection.get('labels', [])) or '-'}")
    else:
        how = "none found" if m.resolved_by == "none" else f"none, rule-only by {m.resolved_by}"
        lines.append(f"model: {how} - rule-only: names and places are not detected")
        lines.append(
            "  get one: python -m spacy download en_core_web_lg (or en_core_web_md / "
            "en_core_web_sm); air-gapped: pip install the wheel from "
            "https://github.com/explosion/spacy-models/releases"
        )
    lines.append("drivers and extras:")
    for r in d.modules:
        extra = f"[{r.extra}]" if r.extra else "(core)"
        state = "ok" if r.available else "missing"
        line = f"  {state:<8}{r.module:<10}{extra:<13}{r.purpose}"
        if not r.available:
            line += f" - install: {r.install}"
        lines.append(line)
    lines.append("keys:")
    for name, use in KEYS:
        lines.append(f"  {name:<18}{d.keys[name]:<9}{use}")
    broken = [p for p in d.plugins if not p["loaded"]]
    counts = ", ".join(
        f"{sum(1 for p in d.plugins if p['kind'] == kind)} {kind}s"
        for kind in ("connector", "detector", "reporter")
    )
    lines.append(f"plugins: {counts}; broken: {len(broken) or 'none'}")
    s = d.scan
    rows = "every row (--full)" if s["full"] else f"{s['sample_rows']} rows per table"
    lines.append(
        f"a scan would run with: {s['detection']}; {rows}; policy {s['policy'] or 'UNUSABLE'}; "
        f"evidence {s['evidence']}; detectors {', '.join(s['detectors'])}"
    )
    for problem in d.problems:
        lines.append(f"problem: {problem}")
    if d.usable:
        flagged = " (rule-only: names and places not detected)" if d.notes else ""
        lines.append(f"status: a scan can run{flagged}")
    else:
        lines.append(f"status: UNUSABLE - {len(d.problems)} problem(s) above")
    return lines


@click.command()
@opt.spacy_model("; 'none' for rule-only")
@opt.CONFIG
@opt.TEXT_OR_JSON
def doctor(spacy_model: str | None, config_path: str | None, fmt: str) -> None:
    """Check what a scan would run with: model, extras, keys, config, policy, plugins.

    Exit 0 when a scan can run (rule-only is flagged), 1 when something configured is
    unusable. Keys are reported as set or not set, never their values.
    """
    from piiscan.doctor import diagnose

    d = diagnose(spacy_model=spacy_model, config_path=config_path)
    if fmt == "json":
        click.echo(json.dumps(d.to_dict(), indent=2))
    else:
        for line in render_text(d):
            click.echo(line)
    sys.exit(0 if d.usable else 1)
