"""Presidio's analyzer and its NLP engines, built once per process, model and packs.

The NLP engine wraps a pipeline resolved by :mod:`piiscan.detectors.nlp` (never
Presidio's default provider, which downloads a model); a second engine over a blank
pipeline tokenizes texts without a letter. The registry holds the recognizers of
:mod:`.presidio_recognizers`, piiscan's own and the detector packs'.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from presidio_analyzer import AnalyzerEngine
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
from presidio_analyzer.nlp_engine import SpacyNlpEngine
from spacy.language import Language

from piiscan.detectors.nlp import ResolvedModel, resolve_model
from piiscan.detectors.packs import Packs, load_packs
from piiscan.detectors.prefilter import Prefilter
from piiscan.detectors.presidio_recognizers import generic_recognizers
from piiscan.detectors.presidio_speedups import (
    LeanAnalyzerEngine,
    MemoRegistry,
    enable_phone_pattern_cache,
)
from piiscan.detectors.recognizer_context import RecognizerContext, recognizer_contexts
from piiscan.detectors.recognizers import custom_recognizers


class PreloadedSpacyEngine(SpacyNlpEngine):
    """A Presidio NLP engine over a pipeline we already loaded (no download path)."""

    # Presidio's base class starts it as None, unannotated, so mypy types it None
    nlp: dict[str, Language]  # type: ignore[assignment]

    def __init__(self, nlp: Language, language: str) -> None:
        super().__init__(models=[{"lang_code": language, "model_name": nlp.meta.get("name", "")}])
        self.nlp = {language: nlp}

    def load(self) -> None:  # already loaded
        return None


@contextmanager
def _quiet_presidio() -> Iterator[None]:
    logger = logging.getLogger("presidio-analyzer")
    previous = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(previous)


@dataclass(frozen=True)
class Engines:
    analyzer: AnalyzerEngine
    ner: PreloadedSpacyEngine
    blank: PreloadedSpacyEngine
    model: ResolvedModel
    recognizer_count: int
    packs: Packs
    prefilter: Prefilter
    #: Pipes disabled to tokenize and lemmatize without NER (``ner`` and what only feeds it).
    ner_pipes: tuple[str, ...]
    #: The recognizers' context words, folded (see
    #: :func:`~piiscan.detectors.recognizer_context.context_entities_of`).
    contexts: tuple[RecognizerContext, ...]


def _ner_pipes(nlp: Language) -> tuple[str, ...]:
    """The NER components of a pipeline and the embedding layers that feed only them."""
    ner = {name for name, pipe in nlp.pipeline if type(pipe).__name__ == "EntityRecognizer"}
    feeders = {
        name
        for name, pipe in nlp.pipeline
        if (listeners := getattr(pipe, "listening_components", None)) and set(listeners) <= ner
    }
    return tuple(sorted(ner | feeders))


@functools.lru_cache(maxsize=4)
def build_engines(
    spacy_model: str | None, language: str = "en", packs: Packs | None = None
) -> Engines:
    """Build (once per process, model and packs) the analyzer and its NLP engines.

    ``packs`` (default: the built-in ones) adds the detector packs' recognizers.
    """
    packs = packs if packs is not None else load_packs()
    enable_phone_pattern_cache()
    model = resolve_model(spacy_model)
    blank_model = resolve_model("blank")
    ner_engine = PreloadedSpacyEngine(model.nlp, language)
    blank_engine = PreloadedSpacyEngine(blank_model.nlp, language)
    with _quiet_presidio():
        registry = MemoRegistry(supported_languages=[language])
        pack_recognizers = list(packs.recognizers)
        for recognizer in (
            generic_recognizers(language, model.has_ner) + custom_recognizers() + pack_recognizers
        ):
            registry.add_recognizer(recognizer)
        analyzer = LeanAnalyzerEngine(
            registry=registry,
            nlp_engine=ner_engine,
            supported_languages=[language],
            context_aware_enhancer=LemmaContextAwareEnhancer(context_matching_mode="whole_word"),
        )
    return Engines(
        analyzer,
        ner_engine,
        blank_engine,
        model,
        len(registry.recognizers),
        packs,
        Prefilter(registry.recognizers),
        _ner_pipes(model.nlp),
        recognizer_contexts(registry.recognizers),
    )
