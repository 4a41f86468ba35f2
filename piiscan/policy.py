"""The policy: entity type → categories, sensitivity level and GDPR class.

The default policy (``piiscan/data/default_policy.yaml``) implements the project's
taxonomy; a user policy file has the same shape and merges over it key by key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from piiscan.errors import ConfigError
from piiscan.safe_yaml import load_yaml

LEVELS: tuple[str, ...] = ("low", "medium", "high", "very_high")
GDPR_ORDER: tuple[str, ...] = ("none", "personal", "criminal", "special_category")


@dataclass(frozen=True)
class EntityRule:
    """How the policy treats one entity type."""

    categories: tuple[str, ...]
    level: str | None
    gdpr: str


@dataclass(frozen=True)
class QuasiIdentifierSet:
    entities: frozenset[str]
    min_present: int
    level: str
    note: str


def level_rank(level: str | None) -> int:
    """Order of a level: -1 for None, then low < medium < high < very_high."""
    return -1 if level is None else LEVELS.index(level)


def max_level(levels: Iterable[str | None]) -> str | None:
    return max(levels, key=level_rank, default=None)


def max_gdpr(classes: Iterable[str | None]) -> str | None:
    present = [c for c in classes if c]
    return max(present, key=GDPR_ORDER.index) if present else None


class Policy:
    """A loaded, validated policy."""

    def __init__(self, data: dict[str, Any], origin: str) -> None:
        self.name: str = str(data.get("name", "unnamed"))
        self.version: str = str(data.get("version", "0"))
        self.origin = origin
        self.categories: dict[str, dict[str, Any]] = dict(data.get("categories") or {})
        #: The ``anonymization`` section, read by :mod:`piiscan.anonymize.rules`.
        self.anonymization: dict[str, Any] = dict(data.get("anonymization") or {})
        self.rules: dict[str, EntityRule] = {}
        for entity, spec in (data.get("entities") or {}).items():
            self.rules[entity] = self._rule(entity, spec or {})
        self.quasi_identifier_sets = tuple(
            QuasiIdentifierSet(
                entities=frozenset(q["entities"]),
                min_present=int(q.get("min_present", len(q["entities"]))),
                level=self._check_level(q.get("level", "high"), "quasi_identifier_sets"),
                note=str(q.get("note", "")),
            )
            for q in data.get("quasi_identifier_sets") or []
        )
        self._digest = hashlib.sha256(
            json.dumps(data, sort_keys=True, default=str).encode()
        ).hexdigest()[:12]

    def _check_level(self, level: Any, where: str) -> str:
        if level not in LEVELS:
            raise ConfigError(
                f"policy {self.origin}: {where}: unknown level {level!r}; "
                f"use one of {', '.join(LEVELS)}"
            )
        return str(level)

    def _rule(self, entity: str, spec: dict[str, Any]) -> EntityRule:
        categories = tuple(spec.get("categories") or ())
        unknown = [c for c in categories if c not in self.categories]
        if unknown:
            raise ConfigError(
                f"policy {self.origin}: entity {entity}: unknown categories {', '.join(unknown)}"
            )
        level = spec.get("level")
        if level is not None:
            self._check_level(level, f"entity {entity}")
        gdpr = spec.get("gdpr", "personal" if categories else "none")
        if gdpr not in GDPR_ORDER:
            raise ConfigError(
                f"policy {self.origin}: entity {entity}: unknown gdpr class "
                f"{gdpr!r}; use one of {', '.join(GDPR_ORDER)}"
            )
        return EntityRule(categories=categories, level=level, gdpr=gdpr)

    def rule(self, entity: str) -> EntityRule | None:
        return self.rules.get(entity)

    def is_personal(self, entity: str) -> bool:
        rule = self.rules.get(entity)
        return bool(rule and rule.categories)

    def tags(self, entity_types: Iterable[str]) -> dict[str, Any]:
        """``categories``, ``sensitivity`` and ``gdpr`` of a field holding these types.

        Categories are the union; level and GDPR class the highest; no types, no tags.
        """
        rules = [r for r in (self.rules.get(e) for e in entity_types) if r]
        return {
            "categories": tuple(sorted({c for r in rules for c in r.categories})),
            "sensitivity": max_level(r.level for r in rules),
            "gdpr": max_gdpr(r.gdpr for r in rules),
        }

    def personal_entities(self) -> list[str]:
        return sorted(e for e in self.rules if self.is_personal(e))

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "origin": self.origin,
            "digest": self._digest,
        }


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if key == "anonymization" and isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {
                k: {**merged[key].get(k, {}), **v}
                if isinstance(v, dict) and isinstance(merged[key].get(k), dict)
                else v
                for k, v in {**merged[key], **value}.items()
            }
        elif key in ("entities", "categories") and isinstance(value, dict):
            merged[key] = _merge_specs(merged.get(key) or {}, value)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def _merge_specs(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Entity (or category) specs merged key by key: ``EMAIL_ADDRESS: {level: very_high}``
    changes the level and keeps the default categories and GDPR class (replacing the
    whole spec dropped the categories, and a type without categories is never reported)."""
    out = dict(base)
    for name, spec in override.items():
        old = out.get(name)
        out[name] = {**old, **spec} if isinstance(old, dict) and isinstance(spec, dict) else spec
    return out


def _read_yaml(text: str, origin: str) -> dict[str, Any]:
    try:
        data = load_yaml(text, f"policy {origin}")
    except yaml.YAMLError as exc:
        raise ConfigError(f"policy {origin} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"policy {origin} must be a mapping with an 'entities' key")
    return data


def default_policy_data() -> dict[str, Any]:
    text = resources.files("piiscan").joinpath("data/default_policy.yaml").read_text("utf-8")
    return _read_yaml(text, "default")


def load_policy(path: str | Path | None = None) -> Policy:
    """Load the default policy, merged with the user policy at ``path`` when given."""
    data = default_policy_data()
    if path is None:
        return Policy(data, "default")
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"policy file not found: {p}")
    user = _read_yaml(p.read_text(encoding="utf-8"), str(p))
    if user.get("extends", "default") in (None, "none"):
        return Policy(user, str(p))
    merged = _merge(data, {k: v for k, v in user.items() if k != "extends"})
    if "quasi_identifier_sets" in user:
        merged["quasi_identifier_sets"] = user["quasi_identifier_sets"]
    return Policy(merged, str(p))
