"""Presidio built-in recognizers whose patterns backtrack badly, with bounded patterns.

Measured on presidio-analyzer 2.2.366 (``tests/test_regex_backtracking.py``):

* ``UrlRecognizer`` "Non schema URL": ``[a-z0-9.\\-]{1,253}[.](?:<1,000 TLDs>)`` is tried
  from every position of a run of domain characters; on ``"a." * 2500`` (5,000 chars,
  one text window) it runs for more than 5 s. Matches now start only where a run of
  domain characters starts (a lookbehind), so each run is tried once.
* ``InPanRecognizer`` "PAN (Low)": its lookaheads ``(?=.*?[a-zA-Z])(?=.*?[0-9]{4})``
  scan to the end of the text from every token (quadratic: 3.6 s on 20,000 chars).
  They now look only inside the 10-character token they qualify.

The subclasses keep Presidio's names, entities, scores and context words.
"""

from __future__ import annotations

from typing import Any

from presidio_analyzer import Pattern
from presidio_analyzer.predefined_recognizers import InPanRecognizer, UrlRecognizer

_DOMAIN_START = r"(?<![a-z0-9.\-])"
_PAN_TOKEN = r"[\w@#$%^?~-]"
SAFE_PAN_LOW = (
    rf"\b((?={_PAN_TOKEN}{{0,9}}[a-zA-Z])(?={_PAN_TOKEN}{{0,6}}[0-9]{{4}})"
    rf"{_PAN_TOKEN}{{10}})\b"
)


def _bounded_url(regex: str) -> str:
    """The non-schema URL pattern anchored at the start of a run of domain characters."""
    prefix = "(?i)" if regex.startswith("(?i)") else ""
    return prefix + _DOMAIN_START + regex[len(prefix) :]


class SafeUrlRecognizer(UrlRecognizer):
    """Presidio's URL recognizer without the quadratic-times-TLDs non-schema pattern."""

    PATTERNS = [
        Pattern(p.name, _bounded_url(p.regex), p.score) if p.name == "Non schema URL" else p
        for p in UrlRecognizer.PATTERNS
    ]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("name", "UrlRecognizer")
        super().__init__(**kwargs)


class SafeInPanRecognizer(InPanRecognizer):
    """Presidio's Indian PAN recognizer with its weak pattern's lookaheads bounded."""

    PATTERNS = [
        Pattern(p.name, SAFE_PAN_LOW, p.score) if p.name == "PAN (Low)" else p
        for p in InPanRecognizer.PATTERNS
    ]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("name", "InPanRecognizer")
        super().__init__(**kwargs)
