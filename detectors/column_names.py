"""Entity-type priors from column and field names.

A name is split into folded tokens (snake_case, kebab-case, camelCase, dots, brackets,
digits) and matched, token by token, against the dictionary in
``detectors/data/column_names.yaml`` — never as raw substrings. Each hit yields a
:class:`~piiscan.model.Hint`; :func:`context_words` turns a name into the words Presidio
uses to lift recognizers.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import regex

from piiscan.detectors.recognizers.base import data_file, fold
from piiscan.model import Hint, Span
from piiscan.plugins import Detector

PARENT_PATH_FACTOR = 0.6
_COMPONENT_SPLIT = re.compile(r"\[\]|[.\[\]/]")
_CAMEL = regex.compile(r"\p{Lu}+(?=\p{Lu}\p{Ll})|\p{Lu}?\p{Ll}+|\p{Lu}+|\d+|[^\W\d_]+")
_PLAIN = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})


def split_name(name: str) -> list[str]:
    """Lowercase tokens of a column or field name (``birthDate`` → ``["birth", "date"]``)."""
    tokens: list[str] = []
    for chunk in re.split(r"[\W_]+", name):
        tokens.extend(t.lower() for t in _CAMEL.findall(chunk))
    return tokens


def _variants(token: str) -> frozenset[str]:
    """A token folded two ways: umlauts as ``ae/oe/ue`` and as plain vowels."""
    return frozenset({fold(token), fold(token.lower().translate(_PLAIN))})


@dataclass(frozen=True)
class _Entry:
    entity: str
    phrase: tuple[frozenset[str], ...]
    label: str
    weight: float
    blocked_before: frozenset[str]
    blocked_after: frozenset[str]

    def blocked(self, tokens: Sequence[frozenset[str]], start: int) -> bool:
        if any(self.blocked_before & t for t in tokens[:start]):
            return True
        end = start + len(self.phrase)
        return end < len(tokens) and bool(self.blocked_after & tokens[end])


@dataclass(frozen=True)
class _Dictionary:
    entries: tuple[_Entry, ...]
    context: dict[str, tuple[str, ...]]
    counter: dict[str, frozenset[str]]
    #: Folded first word of a name -> the positions in ``entries`` of the names it starts.
    by_first: dict[str, tuple[int, ...]]

    def candidates(self, tokens: Sequence[frozenset[str]]) -> list[_Entry]:
        """The entries whose first word is one of ``tokens``, in dictionary order."""
        found = {k for token in tokens for v in token for k in self.by_first.get(v, ())}
        return [self.entries[k] for k in sorted(found)]


@functools.lru_cache(maxsize=1)
def dictionary() -> _Dictionary:
    """The name dictionary, loaded once."""
    data = data_file("column_names.yaml")
    blockers = data.get("blockers", {})
    entries = []
    for entity, by_weight in data["names"].items():
        for weight, names in by_weight.items():
            for name in names:
                blocked = [str(b) for b in blockers.get(entity, {}).get(name) or []]
                words = str(name).split()
                entries.append(
                    _Entry(
                        entity,
                        tuple(_variants(w) for w in words),
                        " ".join(fold(w) for w in words),
                        float(weight),
                        frozenset(v for b in blocked if b[0] != "+" for v in _variants(b)),
                        frozenset(v for b in blocked if b[0] == "+" for v in _variants(b[1:])),
                    )
                )
    context = {e: tuple(str(w) for w in words) for e, words in data["context"].items()}
    counter = {
        e: frozenset(v for w in words for v in _variants(str(w)))
        for e, words in (data.get("counter_hints") or {}).items()
    }
    by_first: dict[str, list[int]] = {}
    for k, entry in enumerate(entries):
        for variant in entry.phrase[0]:
            by_first.setdefault(variant, []).append(k)
    index = {v: tuple(ks) for v, ks in by_first.items()}
    return _Dictionary(tuple(entries), context, counter, index)


def _find(phrase: tuple[frozenset[str], ...], tokens: Sequence[frozenset[str]]) -> list[int]:
    n = len(phrase)
    return [
        i for i in range(len(tokens) - n + 1) if all(phrase[j] & tokens[i + j] for j in range(n))
    ]


def _token_variants(name: str) -> list[frozenset[str]]:
    return [_variants(t) for t in split_name(name)]


@functools.lru_cache(maxsize=4096)
def _matches(name: str) -> tuple[tuple[Hint, ...], frozenset[str]]:
    """Hints for a name (best score per type) and the labels of blocked matches (cached:
    a scan asks for each column name many times)."""
    components = [c for c in _COMPONENT_SPLIT.split(name) if c.strip()]
    if not components:
        return (), frozenset()
    tokens: list[frozenset[str]] = []
    for component in components[:-1]:
        tokens.extend(_token_variants(component))
    last_start = len(tokens)
    tokens.extend(_token_variants(components[-1]))
    best: dict[str, Hint] = {}
    blocked: set[str] = set()
    for entry in dictionary().candidates(tokens):
        for start in _find(entry.phrase, tokens):
            if entry.blocked(tokens, start):
                blocked.add(entry.label)
                continue
            score = entry.weight if start >= last_start else entry.weight * PARENT_PATH_FACTOR
            current = best.get(entry.entity)
            if current is None or score > current.score:
                best[entry.entity] = Hint(entry.entity, round(score, 3), entry.label)
    return tuple(sorted(best.values(), key=lambda h: (-h.score, h.entity_type))), frozenset(blocked)


def hints_for(name: str) -> list[Hint]:
    """Entity-type hints for a name, best score per type, strongest first.

    For a path (``customer.address.city``) hits inside the last component count in
    full; hits elsewhere in the path count at ``PARENT_PATH_FACTOR``.
    """
    return list(_matches(name)[0])


def counter_hints_for(name: str) -> list[Hint]:
    """Negative hints: the name says the column is about a thing, not a person.

    ``warehouse_country`` holds a warehouse's country and ``product_name`` a product's
    name; each yields ``Hint(type, -1.0, token)`` for the types it rules out.
    """
    tokens = [v for t in _token_variants(name) for v in t]
    out = []
    for entity, words in dictionary().counter.items():
        hit = next((t for t in tokens if t in words), None)
        if hit is not None:
            out.append(Hint(entity, -1.0, hit))
    return out


def context_words(name: str) -> list[str]:
    """The name's tokens plus the canonical context words of every hinted entity type.

    Tokens of a blocked match are left out: ``order_state`` must not lift the recognizers
    that ``state`` would (the order's state is no place).
    """
    hints, blocked = _matches(name)
    blocked_words = {w for label in blocked for w in label.split()}
    words = [w for w in (fold(t) for t in split_name(name)) if w not in blocked_words]
    context = dictionary().context
    for hint in hints:
        words.extend(context.get(hint.entity_type, (hint.token,)))
    return list(dict.fromkeys(w for w in words if w))


class ColumnNameDetector(Detector):
    """Hints entity types from column and field names (values are not examined)."""

    name = "column_names"
    description = "entity-type priors from column/field names (multilingual dictionary)"

    def analyze(
        self,
        texts: Sequence[str],
        *,
        field: str | None = None,
        entities: Collection[str] | None = None,
    ) -> list[list[Span]]:
        return [[] for _ in texts]

    def field_hints(self, field: str) -> list[Hint]:
        return hints_for(field) + counter_hints_for(field)

    def describe(self) -> str:
        return f"column_names ({len(dictionary().entries)} names)"
