"""Entity types detector plugins declare, and emitted types no policy names.

A detector declares the types it emits in ``entity_types`` (:class:`~piiscan.plugins.Detector`).
:func:`scan_policy` merges them into the policy a scan judges by (over the default
policy for types it does not know, under the user's policy file); two detectors declaring
one type differently is a warning naming both (the first by name is kept).
:class:`UndeclaredTypes` collects what the detectors emitted that the policy has no rule
for, so the inventory says so in its ``warnings`` instead of dropping it silently.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from piiscan.policy import EntitySpec, Policy, load_policy

if TYPE_CHECKING:
    from piiscan.model import Span
    from piiscan.plugins import Detector

log = logging.getLogger(__name__)


def declared_entity_types(detectors: Iterable[Detector]) -> dict[str, EntitySpec]:
    """The entity types the detectors declare. A type two detectors declare differently
    is logged as a clash naming both; the first detector (in the order given) wins. A
    declaration that is not an :class:`EntitySpec` is logged and left out."""
    found: dict[str, EntitySpec] = {}
    owner: dict[str, str] = {}
    for detector in detectors:
        name = getattr(detector, "name", type(detector).__name__)
        declared = getattr(detector, "entity_types", None) or {}
        if not isinstance(declared, Mapping):
            log.warning("detector %s: entity_types must be a mapping; ignored", name)
            continue
        for entity, spec in declared.items():
            if not isinstance(entity, str) or not isinstance(spec, EntitySpec):
                log.warning("detector %s: entity type %r is not declared with an EntitySpec; "
                            "ignored", name, entity)  # fmt: skip
            elif entity not in found:
                found[entity], owner[entity] = spec, name
            elif found[entity] != spec:
                log.warning(
                    "entity type %s is declared differently by detectors %s and %s; "
                    "%s's declaration is used (a policy file can settle it)",
                    entity,
                    owner[entity],
                    name,
                    owner[entity],
                )
    return found


def scan_policy(
    detectors: Sequence[Detector], policy: Policy | None = None, policy_path: str | None = None
) -> Policy:
    """The policy a scan judges by: ``policy`` (else the default one merged with the file
    at ``policy_path``) with the entity types the ``detectors`` declare."""
    base = policy if policy is not None else load_policy(policy_path)
    return base.with_declared(declared_entity_types(detectors))


class UndeclaredTypes:
    """Entity types detectors emitted that ``policy`` has no rule for, with the detectors
    that emitted them; :meth:`warnings` words them for the inventory."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.found: dict[str, set[str]] = {}

    def see(self, spans_per_text: Iterable[Iterable[Span]]) -> None:
        """Note the undeclared types among ``spans_per_text`` (a detector call's result)."""
        rules = self.policy.rules
        for spans in spans_per_text:
            for span in spans:
                if span.entity_type not in rules:
                    self.found.setdefault(span.entity_type, set()).add(span.detector)

    def warnings(self) -> list[str]:
        """One line per undeclared type, sorted; never a value."""
        lines = []
        for entity, detectors in sorted(self.found.items()):
            named = ", ".join(sorted(d for d in detectors if d)) or "a detector"
            lines.append(
                f"entity type {entity} (from {named}) is in no policy: its findings are not "
                f"reported; declare it in the detector's entity_types, or add it under "
                f"`entities:` in your policy (--policy)"
            )
        return lines

    def clear(self) -> None:
        self.found.clear()
