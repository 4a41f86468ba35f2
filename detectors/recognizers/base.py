"""Rule-based recognizer base: patterns with per-rule validators and our own context lift.

Each :class:`Rule` is one regular expression with a base score. ``whole_value`` rules
must cover the whole value (a table cell) and are lifted only by the context passed to
``analyze`` (the column name); the others match anywhere and are also lifted by the
words around the match in the text itself. The lift does not depend on an NLP model
(lemmas are empty with a blank pipeline), and every result is marked as already
context-enhanced so Presidio's enhancer does not lift it twice.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib.resources import files
from typing import TYPE_CHECKING, Any

import regex
import yaml
from presidio_analyzer import (
    AnalysisExplanation,
    EntityRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerResult,
)

if TYPE_CHECKING:
    from presidio_analyzer.nlp_engine import NlpArtifacts

CONTEXT_BOOST = 0.35
CONTEXT_FLOOR = 0.55
REGEX_TIMEOUT_S = 5.0
WINDOW_BEFORE = 6
WINDOW_AFTER = 3
WINDOW_CHARS = 80
RULE_KEY = "piiscan_rule"
FLAGS = regex.IGNORECASE | regex.MULTILINE | regex.DOTALL

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_WORD = regex.compile(r"[^\W_]{1,40}")


def fold(text: str) -> str:
    """Lowercase, German umlauts to ``ae/oe/ue/ss``, other accents stripped."""
    text = text.lower().translate(_FOLD)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """Folded words of ``text`` (letters and digits, split at everything else)."""
    return _WORD.findall(fold(text))


@functools.lru_cache(maxsize=1)
def vocabularies() -> dict[str, Any]:
    """The term lists in ``detectors/data/vocabularies.yaml``."""
    return data_file("vocabularies.yaml")


#: libyaml's safe loader when PyYAML was built with it (~10x faster on the ~130 KB of
#: shipped lists), else the pure-Python one: both build the same plain data.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def data_file(name: str) -> Any:
    """A YAML file shipped in ``detectors/data/`` (callers cache what they build from it)."""
    path = files("piiscan.detectors") / "data" / name
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)


@dataclass(frozen=True)
class Rule:
    """One pattern: ``regex`` (verbose-free), base ``score``, optional span ``group``.

    ``validate`` gets the matched span text and drops the match when it returns False.
    ``whole_value`` anchors the pattern to the whole (stripped) value.
    """

    name: str
    regex: str
    score: float
    whole_value: bool = False
    group: int | str = 0
    validate: Callable[[str], bool] | None = None

    @property
    def full_regex(self) -> str:
        if self.whole_value:
            return rf"\A\s{{0,20}}(?P<v>{self.regex})\s{{0,20}}\Z"
        return self.regex

    @property
    def span_group(self) -> int | str:
        return "v" if self.whole_value else self.group


def term_alternation(terms: Iterable[str]) -> str:
    """Longest-first alternation of literal terms (a space matches blanks, ``_`` or ``-``)."""
    unique = sorted({t.strip() for t in terms if t.strip()}, key=lambda t: (-len(t), t))
    escaped = [r"[\s_-]{1,3}".join(regex.escape(w) for w in t.split()) for t in unique]
    return "(?:" + "|".join(escaped) + ")"


WORD_START = r"(?<![\w@.-])"
WORD_END = r"(?![\w@-]|\.\w)"


def term_regex(terms: Iterable[str]) -> str:
    """Whole-word alternation of literal terms."""
    return WORD_START + term_alternation(terms) + WORD_END


def shared_compile(pattern: Pattern, flags: int | None) -> regex.Pattern[str]:
    """``pattern`` compiled with ``flags``, once: kept where Presidio's pattern
    recognizer keeps what it compiles on first use, so every reader shares it."""
    compiled: regex.Pattern[str] | None = pattern.compiled_regex
    if compiled is None or pattern.compiled_with_flags != flags:
        compiled = regex.compile(pattern.regex, flags or 0)
        # Presidio's Pattern sets both to None in __init__, unannotated: mypy types them None
        pattern.compiled_regex = compiled  # type: ignore[assignment]
        pattern.compiled_with_flags = flags  # type: ignore[assignment]
    return compiled


class RuleRecognizer(PatternRecognizer):
    """A :class:`PatternRecognizer` of :class:`Rule` objects with a model-free context lift."""

    # Presidio assigns these in __init__ without annotations mypy can infer from.
    name: str
    patterns: list[Pattern]

    def __init__(
        self,
        entity: str,
        rules: Sequence[Rule],
        context: Sequence[str],
        name: str | None = None,
        flags: int = FLAGS,
        context_floor: float = CONTEXT_FLOOR,
    ) -> None:
        self.rules = {rule.name: rule for rule in rules}
        if len(self.rules) != len(rules):
            raise ValueError(f"duplicate rule names in {name or entity}")
        super().__init__(
            supported_entity=entity,
            name=name or f"Piiscan{entity.title().replace('_', '')}Recognizer",
            supported_language="en",
            patterns=[Pattern(r.name, r.full_regex, r.score) for r in rules],
            context=list(context),
            global_regex_flags=flags,
        )
        self.context_floor = context_floor
        self._compiled = [
            (r, shared_compile(p, flags)) for r, p in zip(rules, self.patterns, strict=True)
        ]
        folded = [fold(c) for c in self.context]
        self._context_words = frozenset(c for c in folded if " " not in c)
        self._context_phrases = tuple(c for c in folded if " " in c)

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        entity = self.supported_entities[0]
        results: list[RecognizerResult] = []
        for rule, compiled in self._compiled:
            try:
                matches = list(compiled.finditer(text, timeout=REGEX_TIMEOUT_S))
            except TimeoutError:
                continue
            for match in matches:
                start, end = match.span(rule.span_group)
                if start >= end:
                    continue
                if rule.validate is not None and not rule.validate(text[start:end]):
                    continue
                explanation = AnalysisExplanation(
                    recognizer=self.name,
                    original_score=rule.score,
                    pattern_name=rule.name,
                    textual_explanation=f"Detected by `{self.name}` using rule `{rule.name}`",
                )
                results.append(
                    RecognizerResult(
                        entity_type=entity,
                        start=start,
                        end=end,
                        score=rule.score,
                        analysis_explanation=explanation,
                        recognition_metadata={
                            RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                            RULE_KEY: rule.name,
                        },
                    )
                )
        return EntityRecognizer.remove_duplicates(results)

    # -- context ------------------------------------------------------------------------
    def supportive_word(self, tokens: Sequence[str]) -> str:
        """The first context word or phrase of this recognizer found in ``tokens``."""
        for token in tokens:
            if token in self._context_words:
                return token
            if len(token) > 3 and token.endswith("s") and token[:-1] in self._context_words:
                return token[:-1]
        if self._context_phrases:
            joined = f" {' '.join(tokens)} "
            for phrase in self._context_phrases:
                if f" {phrase} " in joined:
                    return phrase
        return ""

    def enhance_using_context(
        self,
        text: str,
        raw_recognizer_results: list[RecognizerResult],
        other_raw_recognizer_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts | None,
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        if not raw_recognizer_results:
            return raw_recognizer_results
        external = [w for item in context or () for w in words(item)]
        for result in raw_recognizer_results:
            meta = result.recognition_metadata or {}
            rule = self.rules.get(meta.get(RULE_KEY, ""))
            tokens = external
            if rule is not None and not rule.whole_value:
                before = words(text[max(0, result.start - WINDOW_CHARS) : result.start])
                after = words(text[result.end : result.end + WINDOW_CHARS])
                tokens = before[-WINDOW_BEFORE:] + after[:WINDOW_AFTER] + external
            word = self.supportive_word(tokens)
            if word:
                result.score = min(1.0, max(result.score + CONTEXT_BOOST, self.context_floor))
                if result.analysis_explanation is not None:
                    result.analysis_explanation.set_supportive_context_word(word)
                    result.analysis_explanation.set_improved_score(result.score)
            meta[RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY] = True
            result.recognition_metadata = meta
        return raw_recognizer_results
