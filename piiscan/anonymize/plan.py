"""From an inventory to a plan: which operator each personal field gets.

A field found to hold personal data is transformed as a whole cell with the operator of
its main entity type (the most sensitive one, then the most frequent). Cells that read as
free text, fields with text findings and text documents are transformed span by span:
only what the detectors find is replaced, each span with its own entity's operator.
A field where personal values are only a minority (``minority`` in the inventory) is
transformed value by value as well: each cell is analysed and only what is found is
replaced. A JSON cell's paths (``profile.email``) are planned like a JSON file's fields
and transformed leaf by leaf (:mod:`piiscan.anonymize.cells`).
Fields without personal data are copied unchanged; the verification re-scan is what
catches anything the scan missed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from piiscan.anonymize.operators import OperatorSpec
from piiscan.anonymize.rules import AnonymizationRules
from piiscan.model import FieldResult, Inventory
from piiscan.name_scan import NAME_FIELD
from piiscan.policy import level_rank

Mode = Literal["cell", "text"]


@dataclass(frozen=True)
class FieldPlan:
    """What happens to one field of one asset."""

    asset: str
    field: str
    entity: str
    spec: OperatorSpec
    mode: Mode
    sensitivity: str | None = None


@dataclass
class Plan:
    """Field plans by asset, plus the assets read as free text."""

    fields: dict[str, dict[str, FieldPlan]] = field(default_factory=dict)
    text_assets: set[str] = field(default_factory=set)

    def for_asset(self, asset: str) -> dict[str, FieldPlan]:
        return self.fields.get(asset, {})

    def __iter__(self) -> Iterator[FieldPlan]:
        for by_field in self.fields.values():
            yield from by_field.values()


def main_entity(f: FieldResult, rules: AnonymizationRules) -> str | None:
    """The entity type whose operator a whole cell gets: most sensitive, then most frequent
    (a minority type only when the field holds nothing else)."""
    personal = [e for e in f.entities if rules.policy.is_personal(e.type)]
    personal = [e for e in personal if not e.minority] or personal
    if not personal:
        return None
    best = max(personal, key=lambda e: (level_rank(_level(rules, e.type)), e.share, e.type))
    return best.type


def _level(rules: AnonymizationRules, entity: str) -> str | None:
    rule = rules.policy.rule(entity)
    return rule.level if rule else None


def build_plan(inventory: Inventory, rules: AnonymizationRules) -> Plan:
    plan = Plan()
    for asset in inventory.assets:
        if asset.kind == "text":
            plan.text_assets.add(asset.asset)
            continue
        for f in asset.fields:
            if f.status != "personal" or f.name == NAME_FIELD:  # names: see transform.py
                continue
            entity = main_entity(f, rules)
            if entity is None:
                continue
            # Free text, and a field where personal values are a minority (the others
            # are not to be replaced): value by value, only the detected spans.
            minority = all(e.minority for e in f.entities)
            mode: Mode = "text" if f.findings or minority else "cell"
            spec = rules.spec_for(entity)
            plan.fields.setdefault(asset.asset, {})[f.name] = FieldPlan(
                asset.asset, f.name, entity, spec, mode, f.sensitivity
            )
    return plan
