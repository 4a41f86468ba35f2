"""``anonymize`` refuses free text when no NER model was found, unless rule-only is
asked for or accepted; then the inventory carries the limit (a table of cases)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from piiscan.anonymize.free_text import check_free_text, free_text_in
from piiscan.detection import FREE_TEXT_NOT_VERIFIED, ner_detection, rule_only_detection
from piiscan.errors import UsageError
from piiscan.model import AssetResult, FieldResult, Inventory, TextFinding

NER = ner_detection("en_core_web_lg 3.8.0", ("PERSON",), "installed package")
FALLBACK = rule_only_detection("none found")
REQUESTED = rule_only_detection("requested")


def inventory(detection: dict, free: bool = True, text_asset: bool = False) -> Inventory:
    fields = (
        FieldResult("id", "INTEGER", "none_found", 10, 0),
        FieldResult("body", "TEXT", "none_found", 10, 0, free_text=free),
    )
    assets = [AssetResult("sqlite:///x.db", "tickets", "table", 10, True, fields)]
    if text_asset:
        body = FieldResult("(text)", "text", "none_found", 3, 0, free_text=True)
        assets.append(AssetResult("/d", "notes/call.txt", "text", 3, True, (body,)))
    return Inventory(tool={}, settings={}, policy={}, detectors=(), sources=(),
                     assets=tuple(assets), detection=detection)


@pytest.mark.parametrize(
    ("detection", "free", "allow", "outcome"),
    [
        (FALLBACK, True, False, "refused"),
        (FALLBACK, True, True, "warned"),
        (REQUESTED, True, False, "warned"),  # --spacy-model none: asked for
        (NER, True, False, "ok"),
        (FALLBACK, False, False, "ok"),  # no free text: nothing a model would add
    ],
)
def test_check_free_text(detection: dict, free: bool, allow: bool, outcome: str) -> None:
    inv = inventory(detection, free)
    if outcome == "refused":
        with pytest.raises(UsageError, match=r"tickets\.body.*--allow-rule-only"):
            check_free_text(inv, detection, allow)
        return
    out = check_free_text(inv, detection, allow)
    warned = [w for w in out.warnings if FREE_TEXT_NOT_VERIFIED in w]
    assert bool(warned) is (outcome == "warned")
    assert out.assets == inv.assets


def test_a_model_now_lifts_a_saved_rule_only_warning() -> None:
    saved = replace(inventory(FALLBACK), warnings=(f"{FREE_TEXT_NOT_VERIFIED}: tickets.body",
                                                   "pattern 'x' matched nothing"))
    assert check_free_text(saved, NER, False).warnings == ("pattern 'x' matched nothing",)


def test_text_documents_count_as_free_text() -> None:
    inv = inventory(FALLBACK, free=False, text_asset=True)
    assert free_text_in(inv) == ["notes/call.txt"]
    with pytest.raises(UsageError, match=re.escape("notes/call.txt")):
        check_free_text(inv, FALLBACK, False)


def test_an_inventory_without_flags_falls_back_to_findings_and_documents() -> None:
    notes = FieldResult("notes", "TEXT", "personal", 10, 0,
                        findings=(TextFinding("PERSON", 3, 0, 5, 0.8, "O***", field="notes"),))
    old = Inventory(tool={}, settings={}, policy={}, detectors=(), sources=(), assets=(
        AssetResult("s", "t", "table", 10, True, (notes,)),
        AssetResult("/d", "a.log", "text", 3, True,
                    (FieldResult("(text)", "text", "none_found", 3, 0),)),
    ))
    assert free_text_in(old) == ["t.notes", "a.log"]


def test_many_fields_are_named_up_to_five() -> None:
    fields = tuple(FieldResult(f"f{i}", "TEXT", "none_found", 9, 0, free_text=True)
                   for i in range(8))
    inv = Inventory(tool={}, settings={}, policy={}, detectors=(), sources=(),
                    assets=(AssetResult("s", "t", "table", 9, True, fields),),
                    detection=FALLBACK)
    with pytest.raises(UsageError, match=re.escape("t.f4 and 3 more")):
        check_free_text(inv, FALLBACK, False)
