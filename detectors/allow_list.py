"""Allow-lists: values that look personal but are known not to be (test cards, examples).

A rule names an entity type (or ``*`` for any type) and lists exact ``values`` and/or
``patterns`` (regular expressions that must match the whole span). Values are compared
after :func:`normalise`: stripped and case-folded; a digit-heavy value (at least half of
its characters digits) also loses its spaces, dashes and dots, so ``4111 1111 1111 1111``
and ``4111-1111-1111-1111`` are the same value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import regex

from piiscan.model import Span

ANY_ENTITY = "*"
MATCH_TIMEOUT_S = 1.0
_SEPARATORS = regex.compile(r"[\s.\-]+")


def normalise(value: str) -> str:
    """The comparable form of a value (see the module docstring)."""
    text = value.strip().casefold()
    compact = _SEPARATORS.sub("", text)
    if compact and 2 * sum(c.isdigit() for c in compact) >= len(compact):
        return compact
    return text


@dataclass(frozen=True)
class AllowRule:
    """Values (already normalised) and whole-span patterns allowed for one entity type.

    ``default`` marks a rule of a built-in pack: dropped with ``default_allow_list=False``.
    """

    entity: str
    values: frozenset[str] = frozenset()
    patterns: tuple[regex.Pattern[str], ...] = ()
    default: bool = False


class AllowList:
    """Decides whether a detected span's text is allowed for its entity type."""

    def __init__(self, rules: Iterable[AllowRule] = ()) -> None:
        self._values: dict[str, set[str]] = {}
        self._patterns: dict[str, list[regex.Pattern[str]]] = {}
        self.rule_count = 0
        for rule in rules:
            self.rule_count += 1
            self._values.setdefault(rule.entity, set()).update(rule.values)
            self._patterns.setdefault(rule.entity, []).extend(rule.patterns)

    def __bool__(self) -> bool:
        return self.rule_count > 0

    def allows(self, entity: str, text: str) -> bool:
        """True when ``text`` (a span detected as ``entity``) is allowed."""
        key = normalise(text)
        stripped = text.strip()
        for name in (entity, ANY_ENTITY):
            if key in self._values.get(name, ()):
                return True
            for pattern in self._patterns.get(name, ()):
                try:
                    if pattern.fullmatch(stripped, timeout=MATCH_TIMEOUT_S):
                        return True
                except TimeoutError:
                    continue
        return False

    def drop_allowed(self, text: str, spans: Sequence[Span]) -> list[Span]:
        """``spans`` without those whose text in ``text`` is allowed for their type."""
        if not self:
            return list(spans)
        return [s for s in spans if not self.allows(s.entity_type, text[s.start : s.end])]
