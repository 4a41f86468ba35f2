"""Exact speed-ups of Presidio's two hottest paths: same results, less work.

A full scan spends most of its time in two places that repeat work across values:

* **Phone validation.** Presidio's ``PhoneRecognizer`` runs ``phonenumbers``' matcher
  once per region, and the matcher parses and validates every candidate digit run. That
  step depends only on the candidate, the region and the leniency (the characters on
  either side are checked before it, here as in the original), so :class:`MemoPhoneMatcher`
  memoises it in a bounded cache shared by the process: a number met again, in another
  row, column or note, costs a dictionary lookup. A candidate written with a leading
  ``+`` parses the same whatever the region, so it is validated once, not once per region.
* **Metadata patterns.** ``phonenumbers`` compiles its metadata's regular expressions
  on every use, through ``re``'s small cache, unless its own pattern cache is on
  (``phonenumbers.enable_pattern_cache``, bounded by the fixed metadata): it is turned
  on when piiscan builds its engines.
* **Recognizer lookup.** :class:`MemoRegistry` remembers the recognizers of each
  requested set of entity types instead of filtering the registry on every call.
* **Context enhancement.** Presidio's analyzer hands every recognizer its results (two
  list scans per recognizer per value, even for recognizers that keep them unchanged),
  then its ``LemmaContextAwareEnhancer`` deep-copies every result before lifting scores.
  :class:`LeanAnalyzerEngine` groups the results by recognizer once, calls only the
  recognizers that override ``enhance_using_context``, and runs the enhancer only when a
  result can be lifted: whole-word matching lifts a result only when one of its
  recognizer's context words is a lower-cased lemma of the text or an external context
  word. When it does run, the results get a copy method that copies what the enhancer
  may change (the result, its explanation and its metadata dict, whose values are
  scalars) instead of walking them generically.

``tests/test_presidio_speedups.py`` checks both against the originals on a table of texts.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import phonenumbers
from phonenumbers import Leniency, PhoneNumber, PhoneNumberMatch, PhoneNumberMatcher
from phonenumbers import phonenumbermatcher as _pnm
from phonenumbers.re_util import fullmatch
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry, RecognizerResult
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer

#: Distinct (candidate, region, leniency) verdicts kept: ~1 KB each, so memory stays flat.
PHONE_CACHE_SIZE = 200_000
_PLUS = ("+", "\uff0b")
#: Any matcher serves ``_verify``'s grouping checks: they read the number, not the text.
_GROUPING_MATCHER = PhoneNumberMatcher("", "US")


def enable_phone_pattern_cache() -> None:
    """Keep ``phonenumbers``' compiled metadata patterns (its own, bounded cache). Called
    when piiscan builds its engines, not on import: a process that only imports piiscan
    (the benchmarks' vanilla Presidio) keeps the library's defaults."""
    phonenumbers.enable_pattern_cache()


@functools.lru_cache(maxsize=PHONE_CACHE_SIZE)
def _verified(candidate: str, region: str | None, leniency: int) -> PhoneNumber | None:
    """The number ``candidate`` parses to when it passes ``leniency`` (``phonenumbers``'
    own checks, in its order), else None. The returned object is shared: read it only."""
    if not fullmatch(_pnm._MATCHING_BRACKETS, candidate) or _pnm._PUB_PAGES.search(candidate):
        return None
    try:
        number = phonenumbers.parse(candidate, region, keep_raw_input=True)
    except phonenumbers.NumberParseException:
        return None
    if not _pnm._verify(leniency, number, candidate, _GROUPING_MATCHER):
        return None
    # As the matcher does before it returns a match.
    number.country_code_source = phonenumbers.CountryCodeSource.UNSPECIFIED
    number.raw_input = None
    number.preferred_domestic_carrier_code = None
    return number


class MemoPhoneMatcher(PhoneNumberMatcher):
    """``phonenumbers.PhoneNumberMatcher`` with its parse-and-verify step memoised."""

    def _parse_and_verify(self, candidate: str, offset: int) -> PhoneNumberMatch | None:
        if self.leniency >= Leniency.VALID and not self._neighbours_allowed(candidate, offset):
            return None
        region = None if candidate.startswith(_PLUS) else self.preferred_region
        number = _verified(candidate, region, int(self.leniency))
        return None if number is None else PhoneNumberMatch(offset, candidate, number)

    def _neighbours_allowed(self, candidate: str, offset: int) -> bool:
        """No Latin letter, currency sign or ``%`` right before or after the candidate
        (``abc8005001234``), the check the matcher makes from leniency VALID on."""
        text = self.text
        if (
            offset > 0
            and not _pnm._LEAD_PATTERN.match(candidate)
            and self._is_rejected_neighbour(text[offset - 1])
        ):
            return False
        end = offset + len(candidate)
        return end >= len(text) or not self._is_rejected_neighbour(text[end])

    def _is_rejected_neighbour(self, char: str) -> bool:
        return _rejected_neighbour(char)


@functools.lru_cache(maxsize=4096)
def _rejected_neighbour(char: str) -> bool:
    """A Latin letter, currency sign or ``%`` (the matcher's Unicode lookups, memoised)."""
    return PhoneNumberMatcher._is_invalid_punctuation_symbol(
        char
    ) or PhoneNumberMatcher._is_latin_letter(char)


@functools.lru_cache(maxsize=PHONE_CACHE_SIZE)
def number_region(raw: str) -> str | None:
    """The region of a number written in international form, or None (Presidio's
    phone recognizer names it in the explanation)."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(raw))
    except phonenumbers.NumberParseException:
        return None


class MemoRegistry(RecognizerRegistry):
    """A registry that remembers which recognizers serve each requested set of types
    (the analyzer asks on every call; the registry does not change once built)."""

    recognizers: list[EntityRecognizer]  # Presidio's annotation: any iterable; a list here

    def get_recognizers(
        self,
        language: str,
        entities: list[str] | None = None,
        all_fields: bool = False,
        ad_hoc_recognizers: list[EntityRecognizer] | None = None,
    ) -> list[EntityRecognizer]:
        if ad_hoc_recognizers:
            return super().get_recognizers(language, entities, all_fields, ad_hoc_recognizers)
        memo: dict[tuple, list[EntityRecognizer]] = self.__dict__.setdefault("_memo", {})
        key = (language, tuple(entities) if entities else None, all_fields, len(self.recognizers))
        found = memo.get(key)
        if found is None:
            found = memo[key] = super().get_recognizers(language, entities, all_fields)
        return found


class _LeanCopyResult(RecognizerResult):
    """A result whose deep copy copies only what context enhancement changes."""

    def __deepcopy__(self, memo: dict[int, Any]) -> RecognizerResult:
        new = copy.copy(self)
        new.__class__ = RecognizerResult  # type: ignore[assignment]  # the copy is a plain result
        if self.analysis_explanation is not None:
            new.analysis_explanation = copy.copy(self.analysis_explanation)
        if self.recognition_metadata is not None:
            new.recognition_metadata = dict(self.recognition_metadata)
        return new


def _overrides_enhancement(recognizer: EntityRecognizer) -> bool:
    return type(recognizer).enhance_using_context is not EntityRecognizer.enhance_using_context


class LeanAnalyzerEngine(AnalyzerEngine):
    """Presidio's analyzer with cheaper context enhancement (see the module docstring)."""

    def _enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: Any,
        recognizers: list[Any],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        if not raw_results:
            return []
        key = RecognizerResult.RECOGNIZER_IDENTIFIER_KEY
        own: dict[str, list[RecognizerResult]] = {}
        for result in raw_results:
            own.setdefault(result.recognition_metadata[key], []).append(result)
        lift = _LiftCheck(self.context_aware_enhancer, nlp_artifacts, context)
        # As AnalyzerEngine._enhance_using_context: recognizer by recognizer, in order.
        results: list[RecognizerResult] = []
        for recognizer in recognizers:
            mine = own.get(recognizer.id, [])
            if _overrides_enhancement(recognizer):
                others = [r for r in raw_results if r.recognition_metadata[key] != recognizer.id]
                mine = recognizer.enhance_using_context(
                    text=text,
                    raw_recognizer_results=mine,
                    other_raw_recognizer_results=others,
                    nlp_artifacts=nlp_artifacts,
                    context=context,
                )
            # (the base method returns its results unchanged)
            results.extend(mine)
            lift.add(recognizer, mine)
        if not lift.possible:
            return results
        for result in results:
            if type(result) is RecognizerResult:
                result.__class__ = _LeanCopyResult
        try:
            return self.context_aware_enhancer.enhance_using_context(
                text=text,
                raw_results=results,
                nlp_artifacts=nlp_artifacts,
                recognizers=recognizers,
                context=context,
            )
        finally:
            for result in results:
                if type(result) is _LeanCopyResult:
                    result.__class__ = RecognizerResult  # type: ignore[assignment]  # back to plain


class _LiftCheck:
    """Whether Presidio's enhancer can change any result, fed recognizer by recognizer.

    ``possible`` stays False only when the whole-word enhancer provably changes nothing:
    no result of a recognizer with context words, not yet lifted, has one of its
    recognizer's words among the text's lower-cased lemmas or the external context words
    (the enhancer's surrounding words are a subset of the lemmas). Any other enhancer,
    or no NLP artifacts, counts as possible.
    """

    def __init__(self, enhancer: Any, nlp_artifacts: Any, context: list[str] | None) -> None:
        self.possible = (
            type(enhancer) is not LemmaContextAwareEnhancer
            or enhancer.context_matching_mode != "whole_word"
            or nlp_artifacts is None
        )
        self._artifacts = nlp_artifacts
        self._context = context
        self._words: set[str] | None = None

    def add(self, recognizer: EntityRecognizer, results: list[RecognizerResult]) -> None:
        if self.possible or not recognizer.context:
            return
        flag = RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY
        if all((r.recognition_metadata or {}).get(flag) for r in results):
            return  # none left to lift (or no results)
        words = self._lemmas_and_context()
        self.possible = any(str(w).lower() in words for w in recognizer.context)

    def _lemmas_and_context(self) -> set[str]:
        if self._words is None:
            words = {str(lemma).lower() for lemma in self._artifacts.lemmas or ()}
            words.update(w.lower() for w in self._context or ())
            words.add("")  # what the enhancer matches when there are no tokens
            self._words = words
        return self._words
