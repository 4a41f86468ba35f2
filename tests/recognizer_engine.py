"""An offline Presidio engine holding only piiscan's recognizers over a blank spaCy pipeline."""

from __future__ import annotations

import functools

import spacy
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry, RecognizerResult
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
from presidio_analyzer.nlp_engine import SpacyNlpEngine

from piiscan.detectors.recognizers import custom_recognizers


class BlankSpacyEngine(SpacyNlpEngine):
    """Presidio's spaCy engine over ``spacy.blank("en")``: tokens only, never a download."""

    def __init__(self) -> None:
        super().__init__(models=[{"lang_code": "en", "model_name": "blank"}])
        self.nlp = {"en": spacy.blank("en")}

    def load(self) -> None:
        return None


@functools.lru_cache(maxsize=1)
def engine() -> AnalyzerEngine:
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in custom_recognizers():
        registry.add_recognizer(recognizer)
    return AnalyzerEngine(
        registry=registry, nlp_engine=BlankSpacyEngine(), supported_languages=["en"],
        context_aware_enhancer=LemmaContextAwareEnhancer(context_matching_mode="whole_word"))


def analyze(text: str, context: list[str] | None = None) -> list[RecognizerResult]:
    return engine().analyze(text, language="en", context=context)


def best_score(text: str, entity: str, context: list[str] | None = None) -> float:
    """The highest score ``entity`` gets anywhere in ``text`` (0 when absent)."""
    return max((r.score for r in analyze(text, context) if r.entity_type == entity),
               default=0.0)
