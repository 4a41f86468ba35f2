"""The Presidio-based detector: Presidio's predefined recognizers plus ours, one engine per process.

The NLP engine is built from a pipeline resolved by :mod:`piiscan.detectors.nlp` (never
Presidio's default provider, which downloads a model). Values are NER-processed in
batches with ``nlp.pipe``, inside spaCy memory zones (strings and lexemes of a call's
values are freed when it returns, so memory does not grow with the table); values
without a single letter skip NER (they cannot hold a name or a place). A field's name is
passed to Presidio as context, so recognizers whose context words match the column name
are lifted.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Collection, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

import tldextract
from presidio_analyzer import (
    AnalyzerEngine,
    EntityRecognizer,
    RecognizerResult,
)
from presidio_analyzer import predefined_recognizers as pr
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine
from spacy.language import Language

from piiscan.classification import looks_like_free_text
from piiscan.config import Config
from piiscan.detectors import slow_patterns
from piiscan.detectors.allow_list import AllowList
from piiscan.detectors.column_names import context_words, hints_for
from piiscan.detectors.names import is_name_shaped, lexicon, person_name_score
from piiscan.detectors.nlp import ResolvedModel, resolve_model
from piiscan.detectors.packs import Packs, load_packs, packs_note, warn_unknown_entities
from piiscan.detectors.places import gazetteer, place_score
from piiscan.detectors.postprocess import clean, recognizer_of, reserved_flags
from piiscan.detectors.presidio_speedups import (
    LeanAnalyzerEngine,
    MemoPhoneMatcher,
    MemoRegistry,
    enable_phone_pattern_cache,
    number_region,
)
from piiscan.detectors.reach import Reach
from piiscan.detectors.recognizers import custom_recognizers
from piiscan.detectors.recognizers import national_ids as nid
from piiscan.detectors.recognizers.base import fold
from piiscan.detectors.recognizers.safe_builtins import SafeInPanRecognizer, SafeUrlRecognizer
from piiscan.model import Hint, Span
from piiscan.plugins import Detector
from piiscan.policy import load_policy
from piiscan.prefilter import NER_RECOGNIZER, Prefilter

log = logging.getLogger(__name__)

_LETTER = re.compile(r"[^\W\d_]")
_DIGIT = re.compile(r"\d")
_SPACE = re.compile(r"\s")
_CODE_MARK = re.compile(r"[\d@]")
_NAME_TYPES = frozenset({"PERSON", "LOCATION", "NRP", "ORGANIZATION"})
MIN_PHONE_DIGITS = 6
NER_BATCH = 128
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
    """Presidio's phone recognizer, skipped for texts with too few digits to hold a number,
    over the memoised matcher of :mod:`.presidio_speedups` (same matches).

    ``phonenumbers`` scans the text once per region, the costliest step for short code or
    log lines; no region's valid number has fewer than ``MIN_PHONE_DIGITS`` digits.
    """

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None):  # type: ignore[no-untyped-def]
        if len(_DIGIT.findall(text)) < MIN_PHONE_DIGITS:
            return []
        results = []
        for region in self.supported_regions:
            for match in MemoPhoneMatcher(text, region, leniency=self.leniency):
                # The explanation names the number's own region when it is written in
                # international form, else the region it was matched for.
                named = number_region(text[match.start : match.end]) or region
                results.append(self._get_recognizer_result(match, text, named, nlp_artifacts))
        return EntityRecognizer.remove_duplicates(results)


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


#: A recognizer's folded context words (two letters or more) and the types it reports.
RecognizerContext = tuple[frozenset[str], frozenset[str]]


@dataclass(frozen=True)
class _Engines:
    analyzer: AnalyzerEngine
    ner: _PreloadedSpacyEngine
    blank: _PreloadedSpacyEngine
    model: ResolvedModel
    recognizer_count: int
    packs: Packs
    prefilter: Prefilter
    #: Pipes disabled to tokenize and lemmatize without NER (``ner`` and what only feeds it).
    ner_pipes: tuple[str, ...]
    #: The recognizers' context words, folded (see :func:`context_entities_of`).
    contexts: tuple[RecognizerContext, ...]


def _ner_pipes(nlp: Language) -> tuple[str, ...]:
    """The NER components of a pipeline and the embedding layers that feed only them."""
    ner = {name for name, pipe in nlp.pipeline if type(pipe).__name__ == "EntityRecognizer"}
    feeders = {
        name
        for name, pipe in nlp.pipeline
        if getattr(pipe, "listening_components", None) and set(pipe.listening_components) <= ner
    }
    return tuple(sorted(ner | feeders))


def recognizer_contexts(recognizers: Sequence[EntityRecognizer]) -> tuple[RecognizerContext, ...]:
    """What :func:`context_entities_of` compares a field's words with, folded once."""
    out = []
    for recognizer in recognizers:
        words = {fold(w) for c in recognizer.context or () for w in str(c).split()}
        out.append(
            (
                frozenset(w for w in words if len(w) >= 2),
                frozenset(recognizer.supported_entities),
            )
        )
    return tuple(out)


def context_entities_of(
    tokens: Sequence[str], contexts: Sequence[RecognizerContext]
) -> frozenset[str]:
    """The types of the recognizers one of whose context words is in a token of
    ``tokens``, or holds one of three letters or more."""
    folded = {fold(w) for t in tokens for w in t.split()}
    out: set[str] = set()
    for words, entities in contexts:
        if entities <= out:
            continue
        if any(w in t or (len(t) >= 3 and t in w) for w in words for t in folded):
            out.update(entities)
    return frozenset(out)


def drop_letterless_names(text: str, results: list[RecognizerResult]) -> list[RecognizerResult]:
    """NER's person, place, group or organisation spans without a letter go (in a block of
    log lines the model reads an IP address as a PERSON, hiding the IP_ADDRESS)."""
    return [
        r
        for r in results
        if r.entity_type not in _NAME_TYPES
        or recognizer_of(r) != NER_RECOGNIZER
        or _LETTER.search(text, r.start, r.end)
    ]


def is_code(text: str) -> bool:
    """A one-token value with a digit or an ``@`` (order refs, ids, e-mail addresses, hashes):
    NER finds no name or place in it that a table cell would count."""
    return not _SPACE.search(text.strip()) and bool(_CODE_MARK.search(text))


@functools.lru_cache(maxsize=4)
def build_engines(
    spacy_model: str | None, language: str = "en", packs: Packs | None = None
) -> _Engines:
    """Build (once per process, model and packs) the analyzer and its NLP engines.

    ``packs`` (default: the built-in ones) adds the detector packs' recognizers.
    """
    packs = packs if packs is not None else load_packs()
    enable_phone_pattern_cache()
    model = resolve_model(spacy_model)
    blank_model = resolve_model("blank")
    ner_engine = _PreloadedSpacyEngine(model.nlp, language)
    blank_engine = _PreloadedSpacyEngine(blank_model.nlp, language)
    with _quiet_presidio():
        registry = MemoRegistry(supported_languages=[language])
        pack_recognizers = list(packs.recognizers)
        for recognizer in (
            _generic_recognizers(language, model.has_ner) + custom_recognizers() + pack_recognizers
        ):
            registry.add_recognizer(recognizer)
        analyzer = LeanAnalyzerEngine(
            registry=registry,
            nlp_engine=ner_engine,
            supported_languages=[language],
            context_aware_enhancer=LemmaContextAwareEnhancer(context_matching_mode="whole_word"),
        )
    return _Engines(
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


class PresidioDetector(Detector):
    """Runs Presidio's analyzer (predefined + piiscan recognizers, spaCy NER) on values."""

    name = "presidio"
    description = "presidio-analyzer with piiscan's recognizers and spaCy NER"

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        packs = load_packs(config.detector_packs)
        self._engines = build_engines(config.spacy_model, config.language, packs)
        # The name lexicon and the place gazetteer are loaded with the model, not by the
        # first value that needs them.
        lexicon()
        gazetteer()
        self._allow = AllowList(packs.allow_rules(default=config.default_allow_list))
        #: Ask Presidio only for the types a value can reach (see :mod:`piiscan.prefilter`).
        self.use_prefilter = True
        #: No NER on code-shaped cells (``ORD-0042``, e-mail addresses, hashes) unless the
        #: field name points to a name or place: what NER reads there is noise.
        self.skip_code_ner = True
        self._context_cache: dict[str, frozenset[str]] = {}
        self._prefilter = self._engines.prefilter
        self._ner_types = frozenset(
            e for g in self._prefilter.gates if g.name == NER_RECOGNIZER for e in g.entities
        )
        policy = load_policy(config.policy_path)
        if packs.user_packs:
            warn_unknown_entities(packs, policy)
        #: Skip Presidio on a table cell no candidate type can be reported for.
        self.skip_unreachable = True
        self._reach = Reach(
            self._engines.analyzer.registry.recognizers,
            policy.is_personal,
            config.min_score,
            ENTITY_ALIASES,
        )

    @property
    def model_name(self) -> str:
        return self._engines.model.name

    def _artifacts(self, texts: Sequence[str], modes: Sequence[str]) -> list[NlpArtifacts | None]:
        """NLP artifacts per text, by mode: ``ner`` (batched NER), ``tok`` (the model's
        pipeline without NER: same tokens and lemmas), ``blank`` (tokenizer only, for
        texts without a letter) or ``skip`` (no Presidio call: None)."""
        out: list[NlpArtifacts | None] = [None] * len(texts)
        lang = self.config.language
        engines = self._engines
        for mode in ("ner", "tok", "blank"):
            idx = [i for i, m in enumerate(modes) if m == mode]
            if not idx:
                continue
            batch = [texts[i] for i in idx]
            if mode == "tok":
                nlp = engines.ner.nlp[lang]
                docs = nlp.pipe(batch, batch_size=NER_BATCH, disable=engines.ner_pipes)
                arts = (engines.ner._doc_to_nlp_artifact(doc, lang) for doc in docs)
            else:
                engine = engines.ner if mode == "ner" else engines.blank
                arts = (a for _, a in engine.process_batch(batch, lang, batch_size=NER_BATCH))
            for i, art in zip(idx, arts, strict=True):
                out[i] = art
        return out

    def _plan(
        self,
        texts: Sequence[str],
        entities: frozenset[str] | None,
        always_ner: bool,
    ) -> tuple[list[frozenset[str] | None], list[str]]:
        """Per text: the entity types to ask Presidio for (None: all) and the NLP mode."""
        wanted: list[frozenset[str] | None] = [None] * len(texts)
        if self.use_prefilter:
            wanted = self._prefilter.candidates(texts)
        modes: list[str] = []
        for i, text in enumerate(texts):
            cand = wanted[i]
            if entities is not None:
                cand = wanted[i] = (self._prefilter.every if cand is None else cand) & entities
            if cand is not None and not cand:
                modes.append("skip")
            elif not _LETTER.search(text):
                modes.append("blank")
            elif self._needs_ner(text, cand, always_ner):
                modes.append("ner")
            else:
                modes.append("tok")
        return wanted, modes

    def _needs_ner(self, text: str, cand: frozenset[str] | None, always_ner: bool) -> bool:
        """NER unless no NER type is wanted, or a code-shaped cell (see ``skip_code_ner``)."""
        if not self.use_prefilter:
            return True
        if cand is not None and not cand & self._ner_types:
            return False
        return always_ner or not is_code(text) or looks_like_free_text(text)

    def _skip_unreachable(
        self,
        texts: Sequence[str],
        cells: Sequence[bool],
        wanted: list[frozenset[str] | None],
        modes: list[str],
        field: str,
        hinted: frozenset[str],
    ) -> None:
        """Mark ``skip`` the table cells without NER that no candidate type can be
        reported for (see :mod:`.reach`)."""
        lifted = self.context_entities(field)
        for i, text in enumerate(texts):
            cand = wanted[i]
            if (
                cand
                and cells[i]
                and modes[i] in ("tok", "blank")
                and not self._reach.can_report(
                    text, cand, ner=False, field_lifted=lifted, hinted=hinted
                )
            ):
                wanted[i], modes[i] = frozenset(), "skip"

    def analyze(
        self,
        texts: Sequence[str],
        *,
        field: str | None = None,
        entities: Collection[str] | None = None,
    ) -> list[list[Span]]:
        # spaCy keeps every new string and lexeme it meets (each distinct name, number
        # or word of a note) for the life of the pipeline, so memory would grow with the
        # table; inside memory zones they are freed when the call returns. Nothing
        # spaCy-owned outlives the call: the results are plain spans.
        with ExitStack() as zones:
            for engine in (self._engines.ner, self._engines.blank):
                zones.enter_context(engine.nlp[self.config.language].memory_zone())
            return self._analyze(texts, field, entities)

    def _analyze(
        self,
        texts: Sequence[str],
        field: str | None,
        entities: Collection[str] | None,
    ) -> list[list[Span]]:
        context = context_words(field) if field else None
        hints = hints_for(field) if field else []
        hinted = frozenset(h.entity_type for h in hints)
        person_hint = max((h.score for h in hints if h.entity_type == "PERSON"), default=0.0)
        name_shaped = is_name_shaped if person_hint >= PERSON_HINT else None
        strong_name = person_hint >= STRONG_HINT
        analyzer = self._engines.analyzer
        only = frozenset(entities) if entities is not None else None
        # NER reads no countable name or place into a code-shaped table cell; free text
        # (no field, or a long sentence-like value) always gets NER.
        always_ner = not self.skip_code_ner or field is None or bool(hinted & self._ner_types)
        wanted, modes = self._plan(texts, only, always_ner)
        cells = [field is not None and not looks_like_free_text(text) for text in texts]
        if field is not None and self.use_prefilter and self.skip_unreachable:
            self._skip_unreachable(texts, cells, wanted, modes, field, hinted)
        results: list[list[Span]] = []
        arts = self._artifacts(texts, modes)
        for text, cell, cand, art in zip(texts, cells, wanted, arts, strict=True):
            if cand is not None and not cand:
                found = []
            else:
                found = analyzer.analyze(
                    text,
                    self.config.language,
                    entities=None if cand is None else sorted(cand),
                    context=context,
                    nlp_artifacts=art,
                )
            found = drop_letterless_names(text, found)
            found = clean(
                text,
                found,
                cell=cell,
                name_score=person_name_score,
                name_shaped=name_shaped,
                strong_name=strong_name,
                place_score=place_score,
                hinted=hinted,
            )
            aside = reserved_flags(text, found, values=self.config.ignore_reserved)
            spans = [
                Span(
                    ENTITY_ALIASES.get(r.entity_type, r.entity_type),
                    r.start,
                    r.end,
                    float(r.score),
                    self.name,
                    reserved,
                )
                for r, reserved in zip(found, aside, strict=True)
            ]
            if only is not None:
                spans = [sp for sp in spans if sp.entity_type in only]
            results.append(self._allow.drop_allowed(text, spans))
        return results

    def field_hints(self, field: str) -> list[Hint]:
        return []  # name priors come from the column_names detector

    def context_entities(self, field: str) -> frozenset[str]:
        """Entity types whose recognizers the field name could lift as context.

        Deliberately generous (a context word inside a name token or the reverse counts):
        the scanner analyses typed columns only for these and the hinted types.
        """
        found = self._context_cache.get(field)
        if found is None:
            found = self._context_cache[field] = context_entities_of(
                context_words(field), self._engines.contexts
            )
        return found

    def detection(self) -> dict[str, Any]:
        return self._engines.model.detection()

    def take_notes(self) -> list[str]:
        """Detector-pack patterns skipped after hitting their time limit (see
        :mod:`~piiscan.detectors.slow_patterns`)."""
        return slow_patterns.take_notes()

    def describe(self) -> str:
        return (
            f"presidio (presidio-analyzer {version('presidio-analyzer')}, spaCy model "
            f"{self._engines.model.name}, {self._engines.recognizer_count} recognizers"
            f"{packs_note(self._engines.packs, self.config.default_allow_list)})"
        )
