"""The data classification matrix: an inventory rolled up by policy category.

One :class:`MatrixRow` per policy category found in the inventory, the table DPOs keep by
hand (category, examples, sensitivity, GDPR class, access controls, retention), filled
from the scan. The entity types of every field are mapped to categories, levels and GDPR
classes by the policy given (by default the built-in one), so a saved inventory can be
rolled up again under another policy. A field counts towards a category with the highest
level and GDPR class among its entity types *of that category*: a column of e-mail
addresses that also matches URLs does not make internet activity ``high``.

Recommended access control and retention come from ``piiscan/data/matrix_defaults.yaml``,
then a category's ``access``/``retention`` keys in the policy, then a user defaults file
(``--defaults``), each merged over the previous one key by key.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from piiscan.detection import header_line
from piiscan.errors import ConfigError
from piiscan.model import FieldResult, Inventory
from piiscan.policy import Policy, level_rank, max_gdpr, max_level
from piiscan.safe_yaml import load_yaml

TEXT_FIELD = "(text)"
MAX_EXAMPLES = 3
DEFAULT_KEYS = ("access", "retention")
NOT_SET = "not set: add it to a --defaults file"

Defaults = dict[str, dict[str, str]]


@dataclass(frozen=True)
class MatrixRow:
    """One policy category as found in the inventory."""

    category: str
    title: str
    entities: tuple[tuple[str, int], ...]  # (entity type, number of fields), by name
    examples: tuple[str, ...]  # up to MAX_EXAMPLES ``asset.field``, most sensitive first
    sensitivity: str | None
    gdpr: str | None
    access: str
    retention: str
    assets: int
    fields: int


@dataclass(frozen=True)
class _Hit:
    """One field's contribution to one category."""

    source: str
    asset: str
    field: str
    entities: frozenset[str]
    level: str | None
    gdpr: str | None


def _read_defaults(text: str, origin: str) -> Defaults:
    try:
        data = load_yaml(text, f"matrix defaults {origin}")
    except yaml.YAMLError as exc:
        raise ConfigError(f"matrix defaults {origin} is not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"matrix defaults {origin} must map category ids to access/retention")
    out: Defaults = {}
    for category, entry in data.items():
        if not isinstance(entry, dict):
            raise ConfigError(
                f"matrix defaults {origin}: {category} must be a mapping with access/retention"
            )
        for key, value in entry.items():
            if key not in DEFAULT_KEYS:
                raise ConfigError(
                    f"matrix defaults {origin}: {category}: unknown key {key!r}; "
                    f"use {' or '.join(DEFAULT_KEYS)}"
                )
            if not isinstance(value, str):
                raise ConfigError(f"matrix defaults {origin}: {category}.{key} must be text")
        out[str(category)] = dict(entry)
    return out


def merge_defaults(base: Defaults, override: Defaults) -> Defaults:
    """``override`` over ``base``, key by key within each category."""
    merged = {k: dict(v) for k, v in base.items()}
    for category, entry in override.items():
        merged.setdefault(category, {}).update(entry)
    return merged


def load_defaults(path: str | Path | None = None, policy: Policy | None = None) -> Defaults:
    """Built-in defaults, then the policy's category keys, then the file at ``path``."""
    text = resources.files("piiscan").joinpath("data/matrix_defaults.yaml").read_text("utf-8")
    defaults = _read_defaults(text, "built-in")
    if policy is not None:
        from_policy = {
            cat: {k: str(spec[k]) for k in DEFAULT_KEYS if isinstance(spec, dict) and k in spec}
            for cat, spec in policy.categories.items()
        }
        defaults = merge_defaults(defaults, {k: v for k, v in from_policy.items() if v})
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"matrix defaults file not found: {p}")
        defaults = merge_defaults(defaults, _read_defaults(p.read_text(encoding="utf-8"), str(p)))
    return defaults


def location(asset: str, field: str) -> str:
    """``asset.field``; a text body is named by its asset alone."""
    return asset if field == TEXT_FIELD else f"{asset}.{field}"


def _field_hits(source: str, asset: str, f: FieldResult, policy: Policy) -> list[tuple[str, _Hit]]:
    """(category, hit) pairs of one field; entity types the policy does not know keep the
    categories, level and class recorded in the inventory."""
    per_cat: dict[str, list[tuple[str, str | None, str | None]]] = {}
    level: str | None
    for verdict in f.entities:
        rule = policy.rule(verdict.type)
        if rule is None:
            cats, level, gdpr = f.categories, f.sensitivity, f.gdpr
        else:
            cats, level, gdpr = rule.categories, rule.level, rule.gdpr
        for cat in cats:
            per_cat.setdefault(cat, []).append((verdict.type, level, gdpr))
    return [
        (
            cat,
            _Hit(
                source=source,
                asset=asset,
                field=f.name,
                entities=frozenset(e for e, _, _ in found),
                level=max_level(lv for _, lv, _ in found),
                gdpr=max_gdpr(g for _, _, g in found),
            ),
        )
        for cat, found in per_cat.items()
    ]


def _row(category: str, hits: list[_Hit], policy: Policy, defaults: Defaults) -> MatrixRow:
    counts: Counter[str] = Counter()
    for hit in hits:
        counts.update(hit.entities)
    ordered = sorted(hits, key=lambda h: (-level_rank(h.level), h.asset, h.field, h.source))
    examples: list[str] = []
    for hit in ordered:
        loc = location(hit.asset, hit.field)
        if loc not in examples:
            examples.append(loc)
        if len(examples) == MAX_EXAMPLES:
            break
    spec = policy.categories.get(category)
    title = str(spec.get("title", category)) if isinstance(spec, dict) else category
    recommended = defaults.get(category, {})
    return MatrixRow(
        category=category,
        title=title,
        entities=tuple(sorted(counts.items())),
        examples=tuple(examples),
        sensitivity=max_level(h.level for h in hits),
        gdpr=max_gdpr(h.gdpr for h in hits),
        access=recommended.get("access", NOT_SET),
        retention=recommended.get("retention", NOT_SET),
        assets=len({(h.source, h.asset) for h in hits}),
        fields=len({(h.source, h.asset, h.field) for h in hits}),
    )


def build_matrix(inventory: Inventory, policy: Policy, defaults: Defaults) -> list[MatrixRow]:
    """Roll ``inventory`` up by policy category, highest level first, then category id.

    An inventory without personal data gives an empty list; renderers say so explicitly.
    """
    by_cat: dict[str, list[_Hit]] = {}
    for asset in inventory.assets:
        for f in asset.fields:
            for cat, hit in _field_hits(asset.source, asset.asset, f, policy):
                by_cat.setdefault(cat, []).append(hit)
    rows = [_row(cat, hits, policy, defaults) for cat, hits in by_cat.items()]
    return sorted(rows, key=lambda r: (-level_rank(r.sensitivity), r.category))


def coverage(inventory: Inventory, policy: Policy) -> dict[str, Any]:
    """What the matrix is drawn from: the counts a reader needs to trust an empty result."""
    return {
        "generated_at": inventory.generated_at or "unknown",
        "assets": len(inventory.assets),
        "fields": sum(len(a.fields) for a in inventory.assets),
        "errors": len(inventory.errors),
        "policy": f"{policy.name} {policy.version}",
        "detection": header_line(inventory.detection, "Detection"),
    }
