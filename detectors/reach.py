"""Can a table cell still be *reported* as anything? If not, Presidio need not read it.

The prefilter (:mod:`piiscan.detectors.prefilter`) says which recognizers could match a value at
all. Many matches can never count: in a table cell a type counts only from its floor
(``min_score``, or the lower floor of a type the column name hints at), and most
patterns score far below it unless context lifts them. ``ORD-2024-000123`` is a valid
phone number somewhere (0.4), a weak username (0.05) and a very weak licence (0.01):
none can reach 0.5 in a column called ``order_ref``, so analysing the 10⁶ order
references of a table is wasted work. :class:`Reach` proves that from the recognizers
themselves, per value, before the call:

* a recognizer's **ceiling** is the best score of its patterns that match the value
  (1.0 when a validator can lift a match to certainty, or when the recognizer is not a
  known pattern recognizer);
* **context** lifts it (Presidio's enhancer: +0.35, at least 0.4; piiscan's rules:
  +0.35, at least their floor) only when the column name lifts the type or one of the
  recognizer's context words occurs in the value (a substring test: generous);
* a phone match is also lifted when written as a phone number (``+``, brackets, two
  separators: :func:`piiscan.detectors.postprocess.lift_formatted_phones`);
* NER finds nothing where NER does not run.

A value is skipped only when no personal type of any candidate recognizer can reach its
floor. The rules the detector applies after Presidio (the name lexicon, the place
gazetteer) still run on it. ``tests/test_prefilter.py`` checks that scans with and
without the prefilter give the same entity types on the test tables.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import regex
from presidio_analyzer import PatternRecognizer
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

from piiscan.classification import HINTED_MIN_SCORE, HINTED_MIN_SCORE_BY_TYPE
from piiscan.detectors import slow_patterns
from piiscan.detectors.prefilter import NER_RECOGNIZER, pattern_based
from piiscan.detectors.recognizers.base import (
    CONTEXT_BOOST,
    RuleRecognizer,
    fold,
    shared_compile,
)

#: Presidio's LemmaContextAwareEnhancer defaults (piiscan builds it with these).
PRESIDIO_BOOST = 0.35
PRESIDIO_CONTEXT_MIN = 0.4
#: What ``lift_formatted_phones`` raises a phone written as one to.
FORMATTED_PHONE = 0.55
PATTERN_TIMEOUT_S = 1.0
MEMO_SIZE = 4096
#: A value a phone match could be lifted in as "written as a phone number": a ``+`` or
#: bracket, an extension marker, or a digit run with two separators (conservative).
_PHONE_FORMATTED = regex.compile(
    r"[+(\uff0b\uff08#~;]|ext|int|anexo|x"
    r"|\d[\d\s().\-/\[\]]*[\s().\-][\d\s().\-/\[\]]*[\s().\-][\d\s().\-/\[\]]*\d",
    regex.IGNORECASE,
)


@dataclass(frozen=True)
class Ceiling:
    """How high one recognizer's results can score, and what lifts them."""

    name: str
    entities: frozenset[str]
    #: The recognizer's own patterns with their scores; empty: unknown (score 1.0).
    patterns: tuple[tuple[regex.Pattern[str], float], ...] = ()
    #: A validator can lift a match to 1.0.
    validated: bool = False
    #: Folded context words (any of them in the value may lift a match).
    context: tuple[str, ...] = ()
    #: ``rule``: piiscan's lift (to at least ``floor``), ``presidio``: the enhancer's.
    lift_kind: str = "presidio"
    lift_floor: float = 0.0
    phone: bool = False
    ner: bool = False

    @property
    def top(self) -> float:
        """The best score any result can have before context."""
        if not self.patterns or self.validated:
            return 1.0
        return max(score for _, score in self.patterns)

    def lifted(self, score: float) -> float:
        """``score`` after a context word lifted it."""
        if self.lift_kind == "rule":
            return min(1.0, max(score + CONTEXT_BOOST, self.lift_floor))
        return min(1.0, max(score + PRESIDIO_BOOST, PRESIDIO_CONTEXT_MIN))

    def matched_top(self, text: str) -> float:
        """The best score of the patterns that match ``text`` (0: none matches)."""
        if not self.patterns:
            return 1.0
        best = 0.0
        for pattern, score in self.patterns:
            if slow_patterns.disabled(pattern.pattern):
                return 1.0  # ran out of time before: may match, not run again
            try:
                found = pattern.search(text, timeout=PATTERN_TIMEOUT_S)
            except TimeoutError:
                slow_patterns.timed_out(pattern.pattern)
                return 1.0
            if found:
                if self.validated:
                    return 1.0
                best = max(best, score)
        return best

    def has_context(self, folded: str) -> bool:
        """Whether one of the context words occurs in ``folded`` (as a substring)."""
        return self._context_search is not None and self._context_search(folded) is not None

    @functools.cached_property
    def _context_search(self) -> Callable[[str], object] | None:
        """One search for all context words: a literal alternation matches where a word
        occurs, so it answers as ``any(word in text)`` does, in one pass."""
        if not self.context:
            return None
        return re.compile("|".join(map(re.escape, self.context))).search


def _context_words(recognizer: object) -> tuple[str, ...]:
    """Folded single words of the recognizer's context (phrases split into words)."""
    return tuple(
        sorted({w for c in getattr(recognizer, "context", None) or () for w in fold(c).split()})
    )


def ceiling_for(recognizer: object) -> Ceiling:
    """What a recognizer can score: derived from its class and patterns."""
    name = getattr(recognizer, "name", type(recognizer).__name__)
    entities = frozenset(getattr(recognizer, "supported_entities", ()) or ())
    if name == NER_RECOGNIZER:
        return Ceiling(name, entities, ner=True)
    context = _context_words(recognizer)
    if isinstance(recognizer, PhoneRecognizer) and type(recognizer).analyze is not (
        PhoneRecognizer.analyze
    ):
        # Our digit-guarded phone recognizer: Presidio's, same fixed score.
        score = float(type(recognizer).SCORE)
        always = regex.compile(r"")
        return Ceiling(name, entities, ((always, score),), context=context, phone=True)
    if not pattern_based(recognizer):
        return Ceiling(name, entities)
    cls = type(recognizer)
    owner = next(k for k in cls.__mro__ if "enhance_using_context" in vars(k))
    if owner is not RuleRecognizer and not owner.__module__.startswith("presidio_analyzer"):
        return Ceiling(name, entities)  # a context lift of its own: unknown
    # The flags Presidio compiles a recognizer's patterns with (and the same compiled
    # patterns: see shared_compile).
    flags = getattr(recognizer, "global_regex_flags", None)
    try:
        patterns = tuple(
            (shared_compile(p, flags), float(p.score))
            # Presidio assigns PatternRecognizer.patterns unannotated: mypy cannot type it
            for p in recognizer.patterns  # type: ignore[has-type]
        )
    except regex.error:
        return Ceiling(name, entities)
    if isinstance(recognizer, RuleRecognizer):
        return Ceiling(
            name,
            entities,
            patterns,
            context=context,
            lift_kind="rule",
            lift_floor=recognizer.context_floor,
        )
    validated = cls.validate_result is not PatternRecognizer.validate_result
    return Ceiling(name, entities, patterns, validated=validated, context=context)


class Reach:
    """Whether any candidate type of a table cell can reach its floor (module docstring)."""

    def __init__(
        self,
        recognizers: Iterable[object],
        personal: Callable[[str], bool],
        min_score: float,
        aliases: Mapping[str, str],
    ) -> None:
        self.ceilings = [ceiling_for(r) for r in recognizers]
        self._personal = personal
        self._min_score = min_score
        self._aliases = aliases
        self._memo: dict[tuple[frozenset[str], bool, frozenset[str]], list] = {}

    def floor(self, entity: str, hinted: frozenset[str]) -> float:
        """The score from which a value of ``entity`` counts in a cell."""
        entity = self._aliases.get(entity, entity)
        if entity in hinted:
            return HINTED_MIN_SCORE_BY_TYPE.get(entity, HINTED_MIN_SCORE)
        return self._min_score

    def _open(
        self, candidates: frozenset[str], ner: bool, hinted: frozenset[str]
    ) -> list[tuple[Ceiling, float]]:
        """The recognizers (with their floors) that could report one of ``candidates``
        for some value: those whose best lifted score reaches a personal type's floor."""
        key = (candidates, ner, hinted)
        found = self._memo.get(key)
        if found is not None:
            return found
        found = []
        for ceiling in self.ceilings:
            types = [
                e for e in ceiling.entities & candidates if self._personal(self._aliases.get(e, e))
            ]
            if not types or (ceiling.ner and not ner):
                continue
            floor = min(self.floor(e, hinted) for e in types)
            if ceiling.lifted(ceiling.top) >= floor or (ceiling.phone and floor <= FORMATTED_PHONE):
                found.append((ceiling, floor))
        if len(self._memo) > MEMO_SIZE:
            self._memo.clear()
        self._memo[key] = found
        return found

    def can_report(
        self,
        text: str,
        candidates: frozenset[str],
        *,
        ner: bool,
        field_lifted: frozenset[str],
        hinted: frozenset[str],
    ) -> bool:
        """False only when no recognizer of a candidate personal type can reach the
        floor on ``text``: Presidio's answer cannot change the verdict."""
        folded: str | None = None
        for ceiling, floor in self._open(candidates, ner, hinted):
            if ceiling.ner:
                return True
            formatted = (
                ceiling.phone
                and floor <= FORMATTED_PHONE
                and _PHONE_FORMATTED.search(text) is not None
            )
            context = bool(field_lifted & ceiling.entities)
            if not context and not formatted and ceiling.top < floor:
                # Only a lift could reach the floor: look for a context word before
                # running the patterns (most values have none).
                if folded is None:
                    folded = fold(text)
                if not ceiling.has_context(folded):
                    continue
                context = True
            top = ceiling.matched_top(text)
            if top <= 0:
                continue
            if top >= floor or formatted:
                return True
            if ceiling.lifted(top) >= floor:
                if not context:
                    if folded is None:
                        folded = fold(text)
                    context = ceiling.has_context(folded)
                if context:
                    return True
        return False
