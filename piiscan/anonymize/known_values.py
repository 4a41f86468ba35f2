"""Identifiers already seen in structured fields, found again inside free text.

A support ticket often names the customer whose row is in another table; NER misses
some names. While copying, the transformer remembers the direct identifiers it replaced
as whole cells (names, e-mails, phones, national ids) and replaces their exact
occurrences in free text too, whatever the detectors say. Matching is on word n-grams
(case-insensitive), so it costs a few set lookups per word. Memory is bounded by
``limit`` values; past it, new values are not remembered.

It helps only for text read after the structured field: databases are copied parents
first (customers before the tickets that reference them); files in path order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from piiscan.model import Span

#: Entity types worth remembering: direct identifiers that appear verbatim in text.
REMEMBERED = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "US_SSN",
    "UK_NINO",
    "IBAN_CODE",
    "CREDIT_CARD",
    "USERNAME",
)
MAX_WORDS = 5
MIN_CHARS = 5
_WORD = re.compile(r"[\w@.+]+")


def _tokens(text: str) -> list[tuple[int, int, str]]:
    """Words as (start, end, lower-case text); a trailing "." or "+" is punctuation."""
    out = []
    for m in _WORD.finditer(text):
        word = m.group().rstrip(".+")
        if word:
            out.append((m.start(), m.start() + len(word), word.lower()))
    return out


def _key(text: str) -> str:
    return " ".join(t for _, _, t in _tokens(text))


class KnownValues:
    """A bounded set of identifier values, looked up by word n-grams in text."""

    def __init__(self, limit: int = 500_000) -> None:
        self.limit = limit
        self._values: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._values)

    def add(self, entity: str, value: object) -> None:
        if entity not in REMEMBERED or not isinstance(value, str):
            return
        key = _key(value)
        words = key.split()
        if len(key) < MIN_CHARS or not words or len(words) > MAX_WORDS:
            return
        if entity == "PERSON" and len(words) < 2:
            return  # a lone first name ("Will", "May") would replace ordinary words
        if len(self._values) < self.limit:
            self._values.setdefault(key, entity)

    def find(self, text: str, taken: Iterable[Span] = ()) -> list[Span]:
        """Spans of remembered values in ``text`` not overlapping ``taken``."""
        if not self._values:
            return []
        words = _tokens(text)
        busy = [(s.start, s.end) for s in taken]
        found: list[Span] = []
        i = 0
        while i < len(words):
            hit = None
            for n in range(min(MAX_WORDS, len(words) - i), 0, -1):
                entity = self._values.get(" ".join(w for _, _, w in words[i : i + n]))
                if entity:
                    start = words[i][0]
                    if entity == "PHONE_NUMBER" and start and text[start - 1] in "(+":
                        start -= 1  # "(212) 345-6789", "+44 20 …"
                    hit = (start, words[i + n - 1][1], entity, n)
                    break
            if hit and not any(s < hit[1] and hit[0] < e for s, e in busy):
                found.append(Span(hit[2], hit[0], hit[1], 1.0, "known_values"))
                i += hit[3]
            else:
                i += 1
        return found
