"""What a scan could see: the detection mode recorded in ``Inventory.detection``.

A detector that runs an NER model describes it through :meth:`Detector.detection`
(mode ``ner``, the model's name and version, its NER labels); the scanner combines what
its detectors say with :func:`detection_of`. Without NER (``rule-only``) names, places
and NRP are not found in values, so a clean result says less: every report header,
manifest and closing line says which mode it ran in (:func:`headline`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

NER = "ner"
RULE_ONLY = "rule-only"
#: How a rule-only mode came about: no model was found (an implicit fallback, which
#: ``piiscan anonymize`` refuses on free text) or it was asked for (``--spacy-model none``).
NONE_FOUND = "none found"
REQUESTED = "requested"
#: The command that installs the recommended model on a connected machine.
INSTALL_MODEL = "python -m spacy download en_core_web_lg"
MODEL_CHOICES = "python -m spacy download en_core_web_lg (or en_core_web_md / en_core_web_sm)"
FREE_TEXT_NOT_VERIFIED = "free text not verified for names and places"
RULE_ONLY_LIMITS = (
    "names, places and NRP (nationality, religious, political groups) are not detected in values",
    FREE_TEXT_NOT_VERIFIED,
)
NOT_RECORDED = "detection mode not recorded"


def ner_detection(model: str, labels: Iterable[str], resolved: str) -> dict[str, Any]:
    """An NER model's detection record (``resolved``: how the model was chosen)."""
    return {
        "mode": NER,
        "model": model,
        "labels": sorted(labels),
        "limits": [],
        "resolved": resolved,
    }


def rule_only_detection(resolved: str = NONE_FOUND) -> dict[str, Any]:
    """The rule-only record: no model, and what this mode cannot see."""
    return {
        "mode": RULE_ONLY,
        "model": None,
        "labels": [],
        "limits": list(RULE_ONLY_LIMITS),
        "resolved": resolved,
    }


def detection_of(detectors: Sequence[object]) -> dict[str, Any]:
    """The scan's detection mode from what its detectors report (``detection()``).

    NER when any detector ran an NER model; else rule-only, ``requested`` only when a
    detector says so (no detector that could run NER: no model was in use).
    """
    reported: list[Mapping[str, Any]] = []
    for detector in detectors:
        describe = getattr(detector, "detection", None)
        found = describe() if callable(describe) else None
        if found:
            reported.append(found)
    for found in reported:
        if found.get("mode") == NER:
            return dict(found)
    resolved = next((f["resolved"] for f in reported if f.get("resolved")), REQUESTED)
    return rule_only_detection(resolved)


def is_rule_only(detection: Mapping[str, Any]) -> bool:
    return detection.get("mode") == RULE_ONLY


def is_fallback(detection: Mapping[str, Any]) -> bool:
    """Rule-only because no model was found (not asked for)."""
    return is_rule_only(detection) and detection.get("resolved", NONE_FOUND) == NONE_FOUND


def model_text(detection: Mapping[str, Any]) -> str:
    """``NER model en_core_web_lg 3.8.0``, ``rule-only`` or ``detection mode not recorded``."""
    if not detection:
        return NOT_RECORDED
    if detection.get("mode") == NER:
        return f"NER model {detection.get('model') or '?'}"
    return RULE_ONLY


def header_line(detection: Mapping[str, Any], label: str = "detection") -> str:
    """``detection: NER model ...`` / ``detection: rule-only: ...``, or ``detection mode
    not recorded`` for an inventory written before it was (``label`` as capitalised)."""
    if not detection:
        return label + NOT_RECORDED[len("detection") :]
    return f"{label}: {headline(detection)}"


def short_text(detection: Mapping[str, Any]) -> str:
    """The detection mode in a few words (a CSV/Parquet column)."""
    if is_rule_only(detection):
        return f"{RULE_ONLY}: names and places not detected"
    return model_text(detection)


def headline(detection: Mapping[str, Any]) -> str:
    """The line every report header carries: what a clean result is worth."""
    if is_rule_only(detection):
        return f"{RULE_ONLY}: names and places not detected - install a model: {INSTALL_MODEL}"
    return model_text(detection)


#: Free-text fields named in one message at most (the rest are counted).
NAMED_FIELDS = 5


def free_text_fields(assets: Iterable[Any]) -> list[str]:
    """Where free text is (``table.field``, or the document for a text asset): names and
    places in it are visible only to an NER model. Names only, never values."""
    out: list[str] = []
    for asset in assets:
        for f in asset.fields:
            if not f.free_text:
                continue
            out.append(asset.asset if asset.kind == "text" else f"{asset.asset}.{f.name}")
    return out


def name_some(names: Sequence[str], limit: int = NAMED_FIELDS) -> str:
    """``a, b, c and 4 more``."""
    shown = ", ".join(names[:limit])
    rest = len(names) - limit
    return f"{shown} and {rest} more" if rest > 0 else shown


def free_text_warning(detection: Mapping[str, Any], assets: Iterable[Any]) -> str | None:
    """The inventory warning of a rule-only scan that met free text, else None."""
    if not is_rule_only(detection):
        return None
    names = free_text_fields(assets)
    if not names:
        return None
    return f"{FREE_TEXT_NOT_VERIFIED} (rule-only detection): {name_some(names)}"
