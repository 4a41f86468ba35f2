"""From an inventory to a plan: which operator each personal field gets.

A field found to hold personal data is transformed as a whole cell with the operator of
its main entity type (the most sensitive one, then the most frequent). Cells that read as
free text, fields with text findings and text documents are transformed span by span:
only what the detectors find is replaced, each span with its own entity's operator.
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
    """The entity type whose operator a whole cell gets: most sensitive, then most frequent."""
    personal = [e for e in f.entities if rules.policy.is_personal(e.type)]
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
            if f.status != "personal":
                continue
            entity = main_entity(f, rules)
            if entity is None:
                continue
            mode: Mode = "text" if f.findings else "cell"
            spec = rules.spec_for(entity)
            plan.fields.setdefault(asset.asset, {})[f.name] = FieldPlan(
                asset.asset, f.name, entity, spec, mode, f.sensitivity
            )
    return plan
