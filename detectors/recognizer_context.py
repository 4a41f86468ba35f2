"""Which entity types a field's name can lift as context: the recognizers' context words,
folded once per engine, compared with the words of a column name."""

from __future__ import annotations

from collections.abc import Sequence

from presidio_analyzer import EntityRecognizer

from piiscan.detectors.recognizers.base import fold

#: A recognizer's folded context words (two letters or more) and the types it reports.
RecognizerContext = tuple[frozenset[str], frozenset[str]]


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
