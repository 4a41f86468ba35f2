"""The per-value steps around a Presidio call: which table cells NER need not read
(:func:`is_code`), what NER found that cannot be a name (:func:`drop_letterless_names`),
and Presidio's entity names in the policy's vocabulary (:data:`ENTITY_ALIASES`)."""

from __future__ import annotations

import re

from presidio_analyzer import RecognizerResult

from piiscan.detectors.postprocess import recognizer_of
from piiscan.detectors.prefilter import NER_RECOGNIZER

_LETTER = re.compile(r"[^\W\d_]")
_SPACE = re.compile(r"\s")
_CODE_MARK = re.compile(r"[\d@]")
_NAME_TYPES = frozenset({"PERSON", "LOCATION", "NRP", "ORGANIZATION"})

# Presidio entity names folded into the policy's vocabulary.
ENTITY_ALIASES = {
    "UK_POSTCODE": "POSTAL_CODE",
    "DE_PLZ": "POSTAL_CODE",
    "CA_POSTAL_CODE": "POSTAL_CODE",
}


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
