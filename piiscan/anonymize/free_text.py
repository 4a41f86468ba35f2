"""Free text needs an NER model: names and places in it are invisible to the rules.

Without a model the transformer cannot find the names in a support ticket and the
verification re-scan cannot see them either, so a copy would be declared clean with
names left in it. :func:`check_free_text` therefore refuses a source with free text
when no model was found (an implicit fallback), unless rule-only was asked for
(``--spacy-model none``) or accepted (``--allow-rule-only``); then the run carries the
limit ("free text not verified for names and places") into the manifest, the closing
line and the inventory's warnings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from piiscan.classification import TEXT_FIELD
from piiscan.detection import (
    FREE_TEXT_NOT_VERIFIED,
    INSTALL_MODEL,
    free_text_fields,
    is_fallback,
    is_rule_only,
    name_some,
)
from piiscan.errors import UsageError
from piiscan.model import Inventory


def free_text_in(inventory: Inventory) -> list[str]:
    """The free-text fields and documents of ``inventory`` (names only, never values).

    An inventory written before the ``free_text`` flag (no ``detection`` recorded) gives
    its text documents and the fields with text findings: what it can still tell.
    """
    if inventory.detection:
        return free_text_fields(inventory.assets)
    out = []
    for asset in inventory.assets:
        for f in asset.fields:
            if asset.kind == "text" and f.name == TEXT_FIELD:
                out.append(asset.asset)
            elif f.free_text or f.findings:
                out.append(f"{asset.asset}.{f.name}")
    return out


def refusal(fields: list[str]) -> str:
    """The one-line error: where the free text is, and the three ways on."""
    return (
        "no spaCy NER model found, and the source holds free text in which only a model "
        f"finds names and places: {name_some(fields)}; install one ({INSTALL_MODEL}, or "
        "en_core_web_md / en_core_web_sm), pass --spacy-model PATH, or accept rule-only "
        f"with --allow-rule-only ({FREE_TEXT_NOT_VERIFIED})"
    )


def check_free_text(
    inventory: Inventory, detection: Mapping[str, Any], allow_rule_only: bool
) -> Inventory:
    """Raise UsageError when free text would be anonymized without a model that was not
    asked for; else the inventory, with the rule-only limit among its warnings.

    ``detection`` is this run's (the model that transforms and verifies); with a model, a
    saved rule-only inventory's "not verified" warning no longer holds and is dropped.
    """
    if not is_rule_only(detection):
        kept = tuple(w for w in inventory.warnings if FREE_TEXT_NOT_VERIFIED not in w)
        return replace(inventory, warnings=kept) if kept != inventory.warnings else inventory
    fields = free_text_in(inventory)
    if not fields:
        return inventory
    if is_fallback(detection) and not allow_rule_only:
        raise UsageError(refusal(fields))
    if any(FREE_TEXT_NOT_VERIFIED in w for w in inventory.warnings):
        return inventory
    warning = f"{FREE_TEXT_NOT_VERIFIED} (rule-only detection): {name_some(fields)}"
    return replace(inventory, warnings=(*inventory.warnings, warning))
