"""GitHub Actions workflow commands: one annotation per new finding, then a summary notice.

Escaping follows the runner's rules, so that no path or message can end a command early
or start a new one: ``%``, CR and LF in messages; additionally ``:`` and ``,`` in
property values.
"""

from __future__ import annotations

from piiscan.gate.findings import GateFinding, GateResult
from piiscan.gate.sarif import finding_message, sort_key

_COMMAND = {"very_high": "error", "high": "error", "medium": "warning", "low": "notice"}


def escape_data(text: str) -> str:
    """A command's message: ``%`` → ``%25``, CR → ``%0D``, LF → ``%0A``."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command's property value: as a message, plus ``:`` → ``%3A`` and ``,`` → ``%2C``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str | None) -> str:
    """``error``/``warning``/``notice`` for a policy level (unrated: ``notice``)."""
    return _COMMAND.get(level or "", "notice")


def annotation(f: GateFinding) -> str:
    """``::error file=…,line=…,col=…,endColumn=…,title=piiscan ENTITY::message``."""
    props = {
        "file": f.path,
        "line": str(f.line),
        "col": str(f.column),
        "endColumn": str(max(f.end_column, f.column)),
        "title": f"piiscan {f.entity_type}",
    }
    joined = ",".join(f"{k}={escape_property(v)}" for k, v in props.items())
    return f"::{command(f.level)} {joined}::{escape_data(finding_message(f))}"


def summary(result: GateResult) -> str:
    """The closing ``::notice::`` line: counts by status, skipped files, base and threshold."""
    count = {
        s: sum(f.status == s for f in result.findings) for s in ("new", "baselined", "allowed")
    }
    text = (
        f"piiscan: {count['new']} new, {count['baselined']} baselined, "
        f"{count['allowed']} allowed, {len(result.skipped)} skipped "
        f"(base {result.base}; fail on {result.fail_on or 'nothing'})"
    )
    return f"::notice::{escape_data(text)}"


def render(result: GateResult) -> str:
    """Workflow commands for ``result``, one per line; only new findings are annotated."""
    lines = [annotation(f) for f in sorted(result.new, key=sort_key)]
    lines.append(summary(result))
    return "\n".join(lines) + "\n"
