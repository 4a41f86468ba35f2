"""The Presidio-based detector: Presidio's predefined recognizers plus ours, one engine per process.

The NLP engine is built from a pipeline resolved by :mod:`piiscan.detectors.nlp` (never
Presidio's default provider, which downloads a model). Values are NER-processed in
batches with ``nlp.pipe``; values without a single letter skip NER (they cannot hold a
name or a place). A field's name is passed to Presidio as context, so recognizers whose
context words match the column name are lifted.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version

import tldextract
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry
from presidio_analyzer import predefined_recognizers as pr
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine
from spacy.language import Language

from piiscan.classification import looks_like_free_text
from piiscan.config import Config
from piiscan.detectors.allow_list import AllowList
from piiscan.detectors.column_names import context_words, hints_for
from piiscan.detectors.names import is_name_shaped, person_name_score
from piiscan.detectors.nlp import ResolvedModel, resolve_model
from piiscan.detectors.packs import Packs, load_packs, packs_note, warn_unknown_entities
from piiscan.detectors.places import place_score
from piiscan.detectors.postprocess import clean
from piiscan.detectors.recognizers import custom_recognizers
from piiscan.detectors.recognizers import national_ids as nid
from piiscan.detectors.recognizers.safe_builtins import SafeInPanRecognizer, SafeUrlRecognizer
from piiscan.model import Hint, Span
from piiscan.plugins import Detector
from piiscan.policy import load_policy

log = logging.getLogger(__name__)

_LETTER = re.compile(r"[^\W\d_]")
_DIGIT = re.compile(r"\d")
MIN_PHONE_DIGITS = 6
NER_BATCH = 64
PERSON_HINT = 0.5  # a column named like this: name-shaped cells NER reads as PERSON count
STRONG_HINT = 0.8  # a column named like this (surname): name-shaped cells count as PERSON

# Presidio entity names folded into the policy's vocabulary.
ENTITY_ALIASES = {
    "UK_POSTCODE": "POSTAL_CODE",
    "DE_PLZ": "POSTAL_CODE",
    "CA_POSTAL_CODE": "POSTAL_CODE",
}

# Country recognizers enabled on top of the generic ones (US, UK, India, EU).
_COUNTRY_RECOGNIZERS = (
    nid.ContextUsBankRecognizer,
    pr.UsLicenseRecognizer,
    pr.UsItinRecognizer,
    nid.ContextUsPassportRecognizer,
    nid.StrictUsSsnRecognizer,
    pr.MedicalLicenseRecognizer,
    nid.StrictNhsRecognizer,
    pr.UkNinoRecognizer,
    nid.ContextUkPassportRecognizer,
    pr.UkDrivingLicenceRecognizer,
    pr.UkPostcodeRecognizer,
    nid.ContextInAadhaarRecognizer,
    SafeInPanRecognizer,
    nid.ContextInPassportRecognizer,
    pr.InVoterRecognizer,
    nid.StrictDeTaxIdRecognizer,
    pr.DeIdCardRecognizer,
    pr.DePassportRecognizer,
    pr.EsNifRecognizer,
    pr.EsNieRecognizer,
    nid.StrictItFiscalCodeRecognizer,
    pr.ItIdentityCardRecognizer,
    pr.ItPassportRecognizer,
    nid.StrictPlPeselRecognizer,
    pr.FiPersonalIdentityCodeRecognizer,
)

_OFFLINE_TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


class OfflineEmailRecognizer(pr.EmailRecognizer):
    """Presidio's email recognizer, validating domains against the bundled suffix list only."""

    def validate_result(self, pattern_text: str) -> bool:
        return _OFFLINE_TLD(pattern_text).fqdn != ""


class DigitGuardedPhoneRecognizer(pr.PhoneRecognizer):
    """Presidio's phone recognizer, skipped for texts with too few digits to hold a number.

    ``phonenumbers`` scans the text once per region, the costliest step for short code or
    log lines; no region's valid number has fewer than ``MIN_PHONE_DIGITS`` digits.
    """

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None):  # type: ignore[no-untyped-def]
        if len(_DIGIT.findall(text)) < MIN_PHONE_DIGITS:
            return []
        return super().analyze(text, entities, nlp_artifacts)


class _PreloadedSpacyEngine(SpacyNlpEngine):
    """A Presidio NLP engine over a pipeline we already loaded (no download path)."""

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


def _generic_recognizers(language: str, has_ner: bool) -> list[EntityRecognizer]:
    recognizers: list[EntityRecognizer] = [
        pr.CreditCardRecognizer(supported_language=language),
        pr.CryptoRecognizer(supported_language=language),
        pr.DateRecognizer(supported_language=language),
        OfflineEmailRecognizer(supported_language=language),
        pr.IbanRecognizer(supported_language=language),
        pr.IpRecognizer(supported_language=language),
        pr.MacAddressRecognizer(supported_language=language),
        DigitGuardedPhoneRecognizer(
            supported_language=language,
            supported_regions=("US", "GB", "DE", "FR", "IN", "ES", "IT", "CA"),
        ),
        SafeUrlRecognizer(supported_language=language),
    ]
    if has_ner:
        recognizers.append(pr.SpacyRecognizer(supported_language=language))
    recognizers += [cls(supported_language=language) for cls in _COUNTRY_RECOGNIZERS]
    return recognizers


@dataclass(frozen=True)
class _Engines:
    analyzer: AnalyzerEngine
    ner: _PreloadedSpacyEngine
    blank: _PreloadedSpacyEngine
    model: ResolvedModel
    recognizer_count: int
    packs: Packs


@functools.lru_cache(maxsize=4)
def build_engines(
    spacy_model: str | None, language: str = "en", packs: Packs | None = None
) -> _Engines:
    """Build (once per process, model and packs) the analyzer and its NLP engines.

    ``packs`` (default: the built-in ones) adds the detector packs' recognizers.
    """
    packs = packs if packs is not None else load_packs()
    model = resolve_model(spacy_model)
    blank_model = resolve_model("blank")
    ner_engine = _PreloadedSpacyEngine(model.nlp, language)
    blank_engine = _PreloadedSpacyEngine(blank_model.nlp, language)
    with _quiet_presidio():
        registry = RecognizerRegistry(supported_languages=[language])
        pack_recognizers = list(packs.recognizers)
        for recognizer in (
            _generic_recognizers(language, model.has_ner) + custom_recognizers() + pack_recognizers
        ):
            registry.add_recognizer(recognizer)
        analyzer = AnalyzerEngine(
            registry=registry,
            nlp_engine=ner_engine,
            supported_languages=[language],
            context_aware_enhancer=LemmaContextAwareEnhancer(context_matching_mode="whole_word"),
        )
    return _Engines(analyzer, ner_engine, blank_engine, model, len(registry.recognizers), packs)


class PresidioDetector(Detector):
    """Runs Presidio's analyzer (predefined + piiscan recognizers, spaCy NER) on values."""

    name = "presidio"
    description = "presidio-analyzer with piiscan's recognizers and spaCy NER"

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        packs = load_packs(config.detector_packs)
        self._engines = build_engines(config.spacy_model, config.language, packs)
        self._allow = AllowList(packs.allow_rules(default=config.default_allow_list))
        if packs.user_packs:
            warn_unknown_entities(packs, load_policy(config.policy_path))

    @property
    def model_name(self) -> str:
        return self._engines.model.name

    def _artifacts(self, texts: Sequence[str]) -> list[NlpArtifacts]:
        """NLP artifacts per text: batched NER where a letter appears, tokenizer-only else."""
        out: list[NlpArtifacts | None] = [None] * len(texts)
        lang = self.config.language
        for engine, wanted in ((self._engines.ner, True), (self._engines.blank, False)):
            idx = [i for i, t in enumerate(texts) if bool(_LETTER.search(t)) is wanted]
            if not idx:
                continue
            batch = [texts[i] for i in idx]
            for i, (_, art) in zip(
                idx, engine.process_batch(batch, lang, batch_size=NER_BATCH), strict=True
            ):
                out[i] = art
        return [a for a in out if a is not None]

    def analyze(self, texts: Sequence[str], *, field: str | None = None) -> list[list[Span]]:
        context = context_words(field) if field else None
        hints = hints_for(field) if field else []
        hinted = frozenset(h.entity_type for h in hints)
        person_hint = max((h.score for h in hints if h.entity_type == "PERSON"), default=0.0)
        name_shaped = is_name_shaped if person_hint >= PERSON_HINT else None
        strong_name = person_hint >= STRONG_HINT
        analyzer = self._engines.analyzer
        results: list[list[Span]] = []
        for text, art in zip(texts, self._artifacts(texts), strict=True):
            found = analyzer.analyze(text, self.config.language, context=context, nlp_artifacts=art)
            cell = field is not None and not looks_like_free_text(text)
            found = clean(
                text,
                found,
                cell=cell,
                name_score=person_name_score,
                name_shaped=name_shaped,
                strong_name=strong_name,
                place_score=place_score,
                hinted=hinted,
                ignore_reserved=self.config.ignore_reserved,
            )
            spans = [
                Span(
                    ENTITY_ALIASES.get(r.entity_type, r.entity_type),
                    r.start,
                    r.end,
                    float(r.score),
                    self.name,
                )
                for r in found
            ]
            results.append(self._allow.drop_allowed(text, spans))
        return results

    def field_hints(self, field: str) -> list[Hint]:
        return []  # name priors come from the column_names detector

    def describe(self) -> str:
        return (
            f"presidio (presidio-analyzer {version('presidio-analyzer')}, spaCy model "
            f"{self._engines.model.name}, {self._engines.recognizer_count} recognizers"
            f"{packs_note(self._engines.packs, self.config.default_allow_list)})"
        )
