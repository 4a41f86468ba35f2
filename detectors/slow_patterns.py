"""Detector-pack patterns at scan time: a pattern that hits its time limit is skipped, and
the inventory says so.

``piiscan packs check`` refuses patterns that backtrack on adversarial strings, but no
check sees every input. Presidio runs a pattern for up to 60 s per value and then only
logs a warning that piiscan's logging keeps quiet: a three-row CSV could take minutes
and look clean. Pack recognizers are therefore :class:`GuardedPatternRecognizer`: each
pattern runs under :data:`PATTERN_TIMEOUT_S`; the first time it runs out, the pattern is
disabled for the rest of the process (it is pathological, not unlucky) and every asset in
which it was skipped gets a note: ``detector pack pattern 'p' (recognizer R) hit its
1.0 s time limit ...``. The candidate prefilter and the reach test treat a disabled
pattern as "may match" without running it (sound: the recognizer then finds nothing).
"""

from __future__ import annotations

from typing import Any

from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult

from piiscan.detectors.recognizers.base import shared_compile

#: Seconds one pack pattern may run on one value.
PATTERN_TIMEOUT_S = 1.0

_disabled: set[str] = set()
#: Notes waiting to be attached to the asset being scanned (pattern -> note).
_pending: dict[str, str] = {}
#: The note of each disabled pattern (pattern -> note), repeated where it is skipped.
_notes: dict[str, str] = {}


def disabled(pattern: str) -> bool:
    """Whether ``pattern`` (its source text) hit its time limit earlier in this process."""
    return pattern in _disabled


def timed_out(pattern: str, note: str | None = None) -> None:
    """Record that ``pattern`` ran out of time; ``note`` (a recognizer's pattern) is what
    the assets in which it is skipped will say."""
    _disabled.add(pattern)
    if note is not None:
        _notes[pattern] = note
        _pending[pattern] = note


def skipped(pattern: str, note: str) -> None:
    """A disabled pattern was not run on a value: the current asset gets its note (the
    first note given for it: it may have run out of time in the prefilter)."""
    _pending[pattern] = _notes.setdefault(pattern, note)


def take_notes() -> list[str]:
    """The notes since the last call (for the asset just scanned), then none."""
    notes = list(_pending.values())
    _pending.clear()
    return notes


def reset() -> None:
    """Forget every disabled pattern and note (tests; a long-lived host process)."""
    _disabled.clear()
    _pending.clear()
    _notes.clear()


class GuardedPatternRecognizer(PatternRecognizer):
    """A :class:`PatternRecognizer` whose patterns run under :data:`PATTERN_TIMEOUT_S`
    each, a pattern that ran out being skipped from then on (see the module docstring).
    Its results come from its patterns only, as Presidio's do."""

    # Presidio assigns these in __init__ without annotations mypy can infer from.
    name: str
    patterns: list[Pattern]

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: Any = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        flags = regex_flags or self.global_regex_flags or 0
        results: list[RecognizerResult | None] = []
        for pattern in self.patterns:
            if disabled(pattern.regex):
                skipped(pattern.regex, self._note(pattern.name))
                continue
            compiled = shared_compile(pattern, flags)
            try:
                found = [m.span() for m in compiled.finditer(text, timeout=PATTERN_TIMEOUT_S)]
            except TimeoutError:
                timed_out(pattern.regex, self._note(pattern.name))
                continue
            results += [self._result(text, pattern, start, end, flags) for start, end in found]
        return EntityRecognizer.remove_duplicates(
            [r for r in results if r is not None and r.score > EntityRecognizer.MIN_SCORE]
        )

    def _note(self, pattern_name: str) -> str:
        entity = self.supported_entities[0]
        return (
            f"detector pack pattern {pattern_name!r} (recognizer {self.name}) hit its "
            f"{PATTERN_TIMEOUT_S:g} s time limit: not run on the rest of this scan, so "
            f"{entity} may be missed; fix the pattern (piiscan packs check)"
        )

    def _result(
        self, text: str, pattern: Any, start: int, end: int, flags: int
    ) -> RecognizerResult | None:
        """Presidio's result for one match (validation and invalidation applied)."""
        if start == end:
            return None
        matched = text[start:end]
        validation = self.validate_result(matched)
        explanation = self.build_regex_explanation(
            self.name,
            pattern.name,
            pattern.regex,
            pattern.score,
            validation,  # type: ignore[arg-type]  # None (not validated) as Presidio passes it
            flags,
        )
        result = RecognizerResult(
            entity_type=self.supported_entities[0],
            start=start,
            end=end,
            score=pattern.score,
            analysis_explanation=explanation,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )
        if validation is not None:
            result.score = EntityRecognizer.MAX_SCORE if validation else EntityRecognizer.MIN_SCORE
        if self.invalidate_result(matched):
            result.score = EntityRecognizer.MIN_SCORE
        explanation.score = result.score
        return result
