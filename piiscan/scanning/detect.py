"""The detectors over a list of texts: every detector's spans, merged per text.

A leaf of the scanning package: the column analysis and the ``--jobs`` workers both call
:func:`analyze_with`, and neither imports the other for it.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence

from piiscan.model import Span
from piiscan.plugins import Detector


def _takes_entities(detector: Detector) -> bool:
    try:
        return "entities" in inspect.signature(detector.analyze).parameters
    except (TypeError, ValueError):
        return False


def analyze_with(
    detectors: Sequence[Detector],
    texts: list[str],
    field: str | None,
    entities: frozenset[str] | None = None,
) -> list[list[Span]]:
    """Spans of every detector for each text, merged per text (only ``entities``' types
    when given; detectors that predate the ``entities`` argument are filtered here)."""
    merged: list[list[Span]] = [[] for _ in texts]
    if not texts:
        return merged
    for detector in detectors:
        if entities is None:
            found = detector.analyze(texts, field=field)
        elif _takes_entities(detector):
            found = detector.analyze(texts, field=field, entities=entities)
        else:
            found = [
                [s for s in spans if s.entity_type in entities]
                for spans in detector.analyze(texts, field=field)
            ]
        for i, spans in enumerate(found):
            merged[i].extend(spans)
    return merged
