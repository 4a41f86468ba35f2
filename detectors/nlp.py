"""Resolve the spaCy pipeline without ever downloading one.

Order: an explicit name or path (``--spacy-model``, config ``spacy_model``, or the
``PIISCAN_SPACY_MODEL`` environment variable) → an installed English pipeline
(``en_core_web_lg``, ``_md``, ``_sm``) → rule-only mode (a blank tokenizer, no NER) with
one warning. An explicit model that cannot be loaded is an error, not a silent fallback.
Loaded pipelines are cached per process.

spaCy's pipelines are not on PyPI: ``python -m spacy download en_core_web_lg`` installs
one on a connected machine; an air-gapped host installs the wheel from
https://github.com/explosion/spacy-models/releases with ``pip install ./<wheel>``.
"""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language

from piiscan.detection import (
    MODEL_CHOICES,
    NONE_FOUND,
    REQUESTED,
    ner_detection,
    rule_only_detection,
)
from piiscan.errors import UsageError

log = logging.getLogger(__name__)

INSTALLED_CANDIDATES = ("en_core_web_lg", "en_core_web_md", "en_core_web_sm")
RULE_ONLY_NAMES = frozenset({"none", "blank", "rule-only", "rules"})
ENV_VAR = "PIISCAN_SPACY_MODEL"
RELEASES = "https://github.com/explosion/spacy-models/releases"
#: How to get a model, for warnings and errors (one line).
GET_A_MODEL = (
    f"install one: {MODEL_CHOICES}; on an air-gapped host pip install the wheel from {RELEASES}"
)

#: How a model was chosen: given by name or path, from the environment variable, the
#: first installed English pipeline, rule-only on request, or rule-only as none was found.
EXPLICIT, ENVIRONMENT, INSTALLED = "explicit", "environment", "installed package"


@dataclass(frozen=True)
class ResolvedModel:
    nlp: Language
    name: str
    has_ner: bool
    #: How it was chosen: ``explicit``, ``environment``, ``installed package``,
    #: ``requested`` (rule-only asked for) or ``none found`` (rule-only fallback).
    origin: str = EXPLICIT

    @property
    def version(self) -> str | None:
        return None if not self.has_ner else self.nlp.meta.get("version")

    @property
    def package(self) -> str:
        """``en_core_web_lg``: the pipeline's package name (from its meta)."""
        meta = self.nlp.meta
        name = meta.get("name") or self.name
        lang = meta.get("lang")
        return f"{lang}_{name}" if lang and not name.startswith(f"{lang}_") else name

    @property
    def labels(self) -> tuple[str, ...]:
        """The NER labels the pipeline can predict (empty without NER)."""
        if not self.has_ner:
            return ()
        labels: set[str] = set()
        for _name, pipe in self.nlp.pipeline:
            if type(pipe).__name__ == "EntityRecognizer":
                # spaCy types components as plain callables; an EntityRecognizer has labels
                labels.update(str(label) for label in pipe.labels)  # type: ignore[attr-defined]
        return tuple(sorted(labels))

    @property
    def fallback(self) -> bool:
        """Rule-only because no model was found (not asked for)."""
        return self.origin == NONE_FOUND

    def detection(self) -> dict[str, Any]:
        """The inventory's ``detection`` record for this pipeline."""
        if not self.has_ner:
            return rule_only_detection(NONE_FOUND if self.fallback else REQUESTED)
        model = self.package + (f" {self.version}" if self.version else "")
        return ner_detection(model, self.labels, self.origin)


def _looks_like_path(spec: str) -> bool:
    return os.sep in spec or "/" in spec or spec.startswith((".", "~")) or Path(spec).exists()


@functools.lru_cache(maxsize=4)
def _load(spec: str) -> Language:
    try:
        return spacy.load(spec)
    except (OSError, ValueError, ImportError) as exc:  # missing, incompatible, unregistered
        raise UsageError(f"cannot load spaCy model {spec!r}: {exc}".splitlines()[0]) from exc


@functools.lru_cache(maxsize=1)
def _blank() -> Language:
    return spacy.blank("en")


@functools.lru_cache(maxsize=1)
def _warn_rule_only() -> None:
    log.warning(
        "no spaCy NER model found: running rule-only (names, places and NRP are not "
        "detected in values); %s; or pass --spacy-model PATH",
        GET_A_MODEL,
    )


def not_installed_message(spec: str) -> str:
    """The error for a model name that is not an installed package."""
    return (
        f"spaCy model {spec!r} is not installed: python -m spacy download {spec} "
        f"(spaCy's pipelines are not on PyPI; on an air-gapped host pip install the wheel "
        f"from {RELEASES}), pass a model directory, or use --spacy-model none for "
        "rule-only mode"
    )


def resolve_model(spec: str | None = None, *, warn: bool = True) -> ResolvedModel:
    """Return the pipeline to use; never triggers a download.

    ``warn=False`` resolves without the rule-only warning (``piiscan doctor`` reports
    the fallback itself).
    """
    origin = EXPLICIT
    if not spec and os.environ.get(ENV_VAR):
        spec, origin = os.environ[ENV_VAR], ENVIRONMENT
    spec = spec or None
    if spec is not None and spec.strip().lower() in RULE_ONLY_NAMES:
        return ResolvedModel(_blank(), "rule-only", False, REQUESTED)
    if spec is not None:
        if _looks_like_path(spec):
            path = Path(spec).expanduser()
            if not path.exists():
                raise UsageError(
                    f"spaCy model path not found: {spec} "
                    "(give an existing directory or an installed package name)"
                )
            nlp = _load(str(path.resolve()))
            return ResolvedModel(
                nlp,
                f"{nlp.meta.get('name', path.name)}-{nlp.meta.get('version', '?')}",
                "ner" in nlp.pipe_names,
                origin,
            )
        if not spacy.util.is_package(spec):
            raise UsageError(not_installed_message(spec))
        nlp = _load(spec)
        return ResolvedModel(nlp, spec, "ner" in nlp.pipe_names, origin)
    for name in INSTALLED_CANDIDATES:
        if spacy.util.is_package(name):
            nlp = _load(name)
            return ResolvedModel(nlp, name, "ner" in nlp.pipe_names, INSTALLED)
    if warn:
        _warn_rule_only()
    return ResolvedModel(_blank(), "rule-only", False, NONE_FOUND)
