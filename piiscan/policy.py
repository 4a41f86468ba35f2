"""The policy: entity type → categories, sensitivity level and GDPR class.

The default policy (``piiscan/data/default_policy.yaml``) implements the project's
taxonomy; a user policy file has the same shape and merges over it key by key. Entity
types a detector plugin declares (:class:`EntitySpec`) slot in between: over the default
policy for the types it does not know, under the user's file (:meth:`Policy.with_declared`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from piiscan.errors import ConfigError
from piiscan.safe_yaml import load_yaml

log = logging.getLogger(__name__)

LEVELS: tuple[str, ...] = ("low", "medium", "high", "very_high")
GDPR_ORDER: tuple[str, ...] = ("none", "personal", "criminal", "special_category")


@dataclass(frozen=True)
class EntityRule:
    """How the policy treats one entity type."""

    categories: tuple[str, ...]
    level: str | None
    gdpr: str


@dataclass(frozen=True)
class EntitySpec:
    """How a detector plugin says its entity type should be treated, as a policy entry:
    ``EntitySpec(categories=("professional",), level="medium")``. ``categories`` are the
    policy's (see ``piiscan/data/default_policy.yaml``); ``gdpr`` defaults to
    ``personal`` when there are categories, else ``none``."""

    categories: tuple[str, ...]
    level: str | None = None
    gdpr: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.categories, str):  # ("identifiers") written without the comma
            object.__setattr__(self, "categories", (self.categories,))
        if self.level is not None and self.level not in LEVELS:
            raise ValueError(f"unknown level {self.level!r}; use one of {', '.join(LEVELS)}")
        if self.gdpr is not None and self.gdpr not in GDPR_ORDER:
            raise ValueError(
                f"unknown gdpr class {self.gdpr!r}; use one of {', '.join(GDPR_ORDER)}"
            )

    def as_policy_entry(self) -> dict[str, Any]:
        """The spec as a policy file's ``entities:`` entry."""
        entry: dict[str, Any] = {"categories": list(self.categories)}
        if self.level is not None:
            entry["level"] = self.level
        if self.gdpr is not None:
            entry["gdpr"] = self.gdpr
        return entry


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
    """A loaded, validated policy.

    ``layers`` are what it was built from, the default policy (or nothing, with
    ``extends: none``) and the user's file, so :meth:`with_declared` can slip plugin
    declarations in between; a policy built from one mapping is its own base layer.
    """

    def __init__(
        self,
        data: dict[str, Any],
        origin: str,
        layers: tuple[dict[str, Any], dict[str, Any] | None] | None = None,
    ) -> None:
        self._layers = layers or (data, None)
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

    def with_declared(self, declared: Mapping[str, EntitySpec]) -> Policy:
        """This policy with the entity types detector plugins declare: each one the base
        layer (the default policy) does not know is added under the user's file, which
        still overrides it key by key. ``self`` when nothing is added.

        A declaration naming a category this policy does not have is left out with a
        warning (its findings are then reported as of an undeclared type)."""
        base, user = self._layers
        known = base.get("entities") or {}
        added: dict[str, Any] = {}
        for entity, spec in declared.items():
            if entity in known:  # the default policy wins for its own types
                continue
            unknown = [c for c in spec.categories if c not in self.categories]
            if unknown:
                log.warning(
                    "entity type %s declared by a detector plugin is left out: unknown "
                    "categories %s (add them under `categories:` in your policy)",
                    entity,
                    ", ".join(unknown),
                )
            else:
                added[entity] = spec.as_policy_entry()
        if not added:
            return self
        middle = _merge(base, {"entities": added})
        return Policy(_compose(middle, user), self.origin, layers=(middle, user))


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


def _compose(base: dict[str, Any], user: dict[str, Any] | None) -> dict[str, Any]:
    """The user's policy merged over ``base``; its quasi-identifier sets replace base's."""
    if user is None:
        return base
    merged = _merge(base, user)
    if "quasi_identifier_sets" in user:
        merged["quasi_identifier_sets"] = user["quasi_identifier_sets"]
    return merged


def load_policy(
    path: str | Path | None = None, declared: Mapping[str, EntitySpec] | None = None
) -> Policy:
    """Load the default policy, merged with the user policy at ``path`` when given, and
    the entity types detector plugins ``declared`` in between (see :meth:`Policy.with_declared`)."""
    data = default_policy_data()
    if path is None:
        policy = Policy(data, "default")
    else:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"policy file not found: {p}")
        user = _read_yaml(p.read_text(encoding="utf-8"), str(p))
        if user.get("extends", "default") in (None, "none"):
            policy = Policy(user, str(p), layers=({}, user))
        else:
            user = {k: v for k, v in user.items() if k != "extends"}
            policy = Policy(_compose(data, user), str(p), layers=(data, user))
    return policy.with_declared(declared) if declared else policy
