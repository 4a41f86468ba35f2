"""The Presidio-based detector: Presidio's predefined recognizers plus ours, one engine per process.

The engines come from :mod:`.presidio_engines` (built once per process, model and
packs). Values are NER-processed in batches with ``nlp.pipe``, inside spaCy memory zones
(strings and lexemes of a call's values are freed when it returns, so memory does not
grow with the table); values without a single letter skip NER (they cannot hold a name
or a place). A field's name is passed to Presidio as context, so recognizers whose
context words match the column name are lifted.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from contextlib import ExitStack
from importlib.metadata import version
from typing import Any

from presidio_analyzer.nlp_engine import NlpArtifacts

from piiscan.classification import looks_like_free_text
from piiscan.config import Config
from piiscan.detectors import slow_patterns
from piiscan.detectors.allow_list import AllowList
from piiscan.detectors.column_names import context_words, hints_for
from piiscan.detectors.names import is_name_shaped, lexicon, person_name_score
from piiscan.detectors.packs import load_packs, packs_note, warn_unknown_entities
from piiscan.detectors.places import gazetteer, place_score
from piiscan.detectors.postprocess import clean, reserved_flags
from piiscan.detectors.prefilter import NER_RECOGNIZER
from piiscan.detectors.presidio_engines import build_engines
from piiscan.detectors.presidio_steps import ENTITY_ALIASES, drop_letterless_names, is_code
from piiscan.detectors.reach import Reach
from piiscan.detectors.recognizer_context import context_entities_of
from piiscan.model import Hint, Span
from piiscan.plugins import Detector
from piiscan.policy import load_policy

_LETTER = re.compile(r"[^\W\d_]")
NER_BATCH = 128
PERSON_HINT = 0.5  # a column named like this: name-shaped cells NER reads as PERSON count
STRONG_HINT = 0.8  # a column named like this (surname): name-shaped cells count as PERSON


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def without_lone_surrogates(text: str) -> str:
    """``text`` with each lone surrogate (a code point no encoder accepts, e.g. from a
    badly escaped JSON string) replaced by U+FFFD: spaCy's tokenizer raises on them, and
    one character for one keeps every span's offsets."""
    return text if text.isascii() else _LONE_SURROGATE.sub("\ufffd", text)


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
        #: Ask Presidio only for the types a value can reach (see :mod:`.prefilter`).
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
                # (text, artifacts) pairs: Presidio's annotation allows triples too
                arts = (p[1] for p in engine.process_batch(batch, lang, batch_size=NER_BATCH))
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
            return self._analyze([without_lone_surrogates(t) for t in texts], field, entities)

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
