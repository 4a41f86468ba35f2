"""The policy's ``anonymization`` section: which operator applies to an entity type.

Most specific first: ``entities`` > ``categories`` > ``levels`` > ``default``. An entity
type the policy does not call personal is never transformed (``keep``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from piiscan.anonymize.operators import OperatorSpec, validate_spec
from piiscan.errors import ConfigError
from piiscan.policy import LEVELS, Policy

KEEP = OperatorSpec("keep", {})


def _spec(raw: Any, where: str) -> OperatorSpec:
    if isinstance(raw, str):
        raw = {"operator": raw}
    if not isinstance(raw, Mapping) or "operator" not in raw:
        raise ConfigError(f"policy anonymization.{where}: expected {{operator: NAME, ...}}")
    spec = OperatorSpec(str(raw["operator"]), {k: v for k, v in raw.items() if k != "operator"})
    try:
        validate_spec(spec)
    except ConfigError as exc:
        raise ConfigError(f"policy anonymization.{where}: {exc}") from None
    return spec


class AnonymizationRules:
    """Operator choice per entity type, from a :class:`Policy`."""

    def __init__(self, policy: Policy, overrides: Mapping[str, Any] | None = None) -> None:
        section = dict(policy.anonymization)
        for key, value in (overrides or {}).items():
            section[key] = {**section.get(key, {}), **value} if isinstance(value, dict) else value
        unknown = set(section) - {"default", "levels", "categories", "entities"}
        if unknown:
            raise ConfigError(f"policy anonymization: unknown key(s) {', '.join(sorted(unknown))}")
        self.policy = policy
        self.default = _spec(section.get("default", {"operator": "pseudonym"}), "default")
        self.levels = {
            lv: _spec(s, f"levels.{lv}") for lv, s in (section.get("levels") or {}).items()
        }
        bad = set(self.levels) - set(LEVELS)
        if bad:
            raise ConfigError(f"policy anonymization.levels: unknown level(s) {sorted(bad)}")
        self.categories = {
            c: _spec(s, f"categories.{c}") for c, s in (section.get("categories") or {}).items()
        }
        self.entities = {
            e: _spec(s, f"entities.{e}") for e, s in (section.get("entities") or {}).items()
        }

    def spec_for(self, entity: str) -> OperatorSpec:
        """The operator for one entity type (``keep`` when it is not personal data)."""
        if entity in self.entities:
            return self.entities[entity]
        rule = self.policy.rule(entity)
        if rule is None or not rule.categories:
            return KEEP
        for category in rule.categories:
            if category in self.categories:
                return self.categories[category]
        if rule.level in self.levels:
            return self.levels[rule.level]
        return self.default
