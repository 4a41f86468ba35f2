"""Resolve the spaCy pipeline without ever downloading one.

Order: an explicit name or path (``--spacy-model``, config ``spacy_model``, or the
``PIISCAN_SPACY_MODEL`` environment variable) → an installed English pipeline
(``en_core_web_lg``, ``_md``, ``_sm``) → rule-only mode (a blank tokenizer, no NER) with
one warning. An explicit model that cannot be loaded is an error, not a silent fallback.
Loaded pipelines are cached per process.
"""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import spacy
from spacy.language import Language

from piiscan.errors import UsageError

log = logging.getLogger(__name__)

INSTALLED_CANDIDATES = ("en_core_web_lg", "en_core_web_md", "en_core_web_sm")
RULE_ONLY_NAMES = frozenset({"none", "blank", "rule-only", "rules"})
ENV_VAR = "PIISCAN_SPACY_MODEL"


@dataclass(frozen=True)
class ResolvedModel:
    nlp: Language
    name: str
    has_ner: bool


def _looks_like_path(spec: str) -> bool:
    return os.sep in spec or "/" in spec or spec.startswith((".", "~")) or Path(spec).exists()


@functools.lru_cache(maxsize=4)
def _load(spec: str) -> Language:
    try:
        return spacy.load(spec)
    except OSError as exc:
        raise UsageError(f"cannot load spaCy model {spec!r}: {exc}".splitlines()[0]) from exc


@functools.lru_cache(maxsize=1)
def _blank() -> Language:
    return spacy.blank("en")


@functools.lru_cache(maxsize=1)
def _warn_rule_only() -> None:
    log.warning(
        "no spaCy NER model found: running rule-only (names, places and NRP are not "
        "detected in values). Install one (e.g. pip install en_core_web_lg) or pass "
        "--spacy-model NAME_OR_PATH / set %s.",
        ENV_VAR,
    )


def resolve_model(spec: str | None = None) -> ResolvedModel:
    """Return the pipeline to use; never triggers a download."""
    spec = spec or os.environ.get(ENV_VAR) or None
    if spec is not None and spec.strip().lower() in RULE_ONLY_NAMES:
        return ResolvedModel(_blank(), "rule-only", False)
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
            )
        if not spacy.util.is_package(spec):
            raise UsageError(
                f"spaCy model {spec!r} is not installed: install it "
                "(pip install …), pass a model directory, or use "
                "--spacy-model none for rule-only mode"
            )
        nlp = _load(spec)
        return ResolvedModel(nlp, spec, "ner" in nlp.pipe_names)
    for name in INSTALLED_CANDIDATES:
        if spacy.util.is_package(name):
            nlp = _load(name)
            return ResolvedModel(nlp, name, "ner" in nlp.pipe_names)
    _warn_rule_only()
    return ResolvedModel(_blank(), "rule-only", False)
