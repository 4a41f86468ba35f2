"""SARIF 2.1.0 for the gate: one run, one rule per entity type, one result per finding.

GitHub code scanning reads it (``github/codeql-action/upload-sarif``): ``partialFingerprints``
track an alert across moves, ``baselineState`` and ``suppressions`` carry the gate's
new/baselined/allowed status. Output is deterministic (sorted, no timestamps) and holds
masked evidence only.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from piiscan.gate.findings import GateFinding, GateResult
from piiscan.version import __version__

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/piiscan/"
FINGERPRINT_KEY = "piiscan/v1"
SRCROOT = "%SRCROOT%"
LEVEL_ORDER = ("low", "medium", "high", "very_high")
_SARIF_LEVEL = {"very_high": "error", "high": "error", "medium": "warning", "low": "note"}
_BASELINE_STATE = {"new": "new", "baselined": "unchanged", "allowed": "new"}
HELP = (
    "Personal data was added by this change. Remove it, replace it with an obvious test "
    "value, mark an intended occurrence with a `piiscan: allow ENTITY` comment on the "
    "line, or accept what is already there with `piiscan baseline update`."
)


def rank(level: str | None) -> int:
    """Order of a policy level: -1 for unrated (or unknown), then low < … < very_high."""
    return LEVEL_ORDER.index(level) if level in LEVEL_ORDER else -1


def sarif_level(level: str | None) -> str:
    """SARIF level of a policy level; unrated findings are notes."""
    return _SARIF_LEVEL.get(level or "", "note")


def finding_message(f: GateFinding) -> str:
    """``EMAIL_ADDRESS (identifiers; level high): j***@example.com`` — masked evidence only."""
    about = [", ".join(f.categories)] if f.categories else []
    about.append(f"level {f.level or 'unrated'}")
    return f"{f.entity_type} ({'; '.join(about)}): {f.evidence}"


def sort_key(f: GateFinding) -> tuple[Any, ...]:
    """Stable order of findings: by file, position, entity type, then fingerprint."""
    return (f.path, f.line, f.column, f.end_column, f.entity_type, f.fingerprint, f.status)


def artifact_uri(path: str) -> str:
    """A repository-relative path as a relative URI reference (``a b:c`` → ``a%20b%3Ac``)."""
    return quote(path.lstrip("/"), safe="/")


def _rule_name(entity_type: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", entity_type))


def _rules(findings: list[GateFinding]) -> list[dict[str, Any]]:
    by_type: dict[str, list[GateFinding]] = {}
    for f in findings:
        by_type.setdefault(f.entity_type, []).append(f)
    rules = []
    for entity_type in sorted(by_type):
        group = by_type[entity_type]
        level = max((f.level for f in group), key=rank)
        categories = sorted({c for f in group for c in f.categories})
        described = f" ({', '.join(categories)})" if categories else ""
        rules.append(
            {
                "id": entity_type,
                "name": "PersonalData" + _rule_name(entity_type),
                "shortDescription": {"text": f"Personal data: {entity_type}{described}."},
                "fullDescription": {
                    "text": f"A value detected as {entity_type} was added to the repository "
                    f"(policy level: {level or 'unrated'})."
                },
                "help": {"text": HELP, "markdown": HELP},
                "defaultConfiguration": {"level": sarif_level(level)},
                "properties": {"tags": categories},
            }
        )
    return rules


def _location(path: str) -> dict[str, Any]:
    return {"artifactLocation": {"uri": artifact_uri(path), "uriBaseId": SRCROOT}}


def _result(f: GateFinding, rule_index: int) -> dict[str, Any]:
    location = _location(f.path)
    location["region"] = {
        "startLine": f.line,
        "startColumn": f.column,
        "endColumn": max(f.end_column, f.column),
    }
    result: dict[str, Any] = {
        "ruleId": f.entity_type,
        "ruleIndex": rule_index,
        "level": sarif_level(f.level),
        "message": {"text": finding_message(f)},
        "locations": [{"physicalLocation": location}],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "baselineState": _BASELINE_STATE[f.status],
    }
    if f.status == "baselined":
        result["suppressions"] = [{"kind": "external", "justification": "in baseline"}]
    elif f.status == "allowed":
        reason = f.allow_reason or "allowed"
        result["suppressions"] = [{"kind": "inSource", "justification": reason}]
    result["properties"] = {"score": round(f.score, 3), "status": f.status}
    return result


def _notifications(result: GateResult) -> list[dict[str, Any]]:
    notes = []
    for s in sorted(result.skipped, key=lambda s: (s.path, s.reason, s.detail)):
        text = f"{s.path}: {s.reason}" + (f" ({s.detail})" if s.detail else "")
        notes.append(
            {
                "level": "note",
                "message": {"text": text},
                "locations": [{"physicalLocation": _location(s.path)}],
                "properties": {"reason": s.reason},
            }
        )
    notes.extend({"level": "note", "message": {"text": n}} for n in result.notes)
    return notes


def build(result: GateResult) -> dict[str, Any]:
    """The SARIF log of ``result`` as a JSON-ready dict."""
    findings = sorted(result.findings, key=sort_key)
    rules = _rules(findings)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    counts = {s: sum(f.status == s for f in findings) for s in ("new", "baselined", "allowed")}
    invocation: dict[str, Any] = {"executionSuccessful": True}
    notifications = _notifications(result)
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "piiscan",
                "version": result.tool_version or __version__,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "invocations": [invocation],
        "originalUriBaseIds": {
            SRCROOT: {"description": {"text": "The root of the scanned git repository."}}
        },
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index[f.entity_type]) for f in findings],
        "properties": {
            "base": result.base,
            "base_commit": result.base_commit,
            "head": result.head,
            "fail_on": result.fail_on,
            "policy": result.policy,
            "files_scanned": result.files_scanned,
            "lines_scanned": result.lines_scanned,
            "skipped": len(result.skipped),
            **counts,
        },
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(result: GateResult) -> str:
    """SARIF 2.1.0 JSON text of ``result`` (UTF-8, two-space indent, trailing newline)."""
    return json.dumps(build(result), indent=2, ensure_ascii=False) + "\n"
