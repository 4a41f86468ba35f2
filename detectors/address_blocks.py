"""Postal addresses in free text: one finding per address, however many lines it spans.

Recognizers find the street line ("4844 Søndergade 52"), a unit ("Apt. 656") or a PO box;
a postal address goes on over the next lines — unit, town, region, country and postcode:

    4844 Søndergade 52
     Apt. 656
     Brønderslev
     Denmark 35018

:func:`merge_addresses` joins overlapping or adjacent ``STREET_ADDRESS`` spans and grows
each over the lines (or ``, ``-separated parts) that follow it while they look like
address parts, and back over a building number in front of it. A following line counts
only when it is short and shaped like a unit, a postcode, a region code, an upper-case
town or a known place — "Thanks" or a sentence ends the address.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from presidio_analyzer import RecognizerResult

ADDRESS = "STREET_ADDRESS"
WEAK = 0.25  # a street-shaped line ("20789 Allika 46") that needs more to be an address
STRONG = 0.5
BLOCK_SCORE = 0.6
MAX_TAIL_PARTS = 5
_QUOTE = r"[ \t>?*|]{0,8}"  # mail quoting, indentation, bullets before a line
_UNIT = r"(?i:apt|apartment|suite|ste|unit|flat|floor|room)\.?\s{1,3}#?\d{1,5}[A-Za-z]?"
_POSTCODE = (
    r"(?:\d{3,6}(?:[ -]\d{2,4})?|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|[A-Z]\d[A-Z]\s?\d[A-Z]\d)"
)
_UPPER_WORDS = r"[A-ZÀ-ÞΑ-Ω][A-ZÀ-ÞΑ-Ω'().-]{1,30}(?:[ -][A-ZÀ-ÞΑ-Ω][A-ZÀ-ÞΑ-Ω'().-]{0,30}){0,3}"
_WORDS = r"[^\W\d_][\w'().-]{0,30}(?:[ -][^\W\d_][\w'().-]{0,30}){0,3}"
_TAIL_LINE = re.compile(
    rf"(?:{_UNIT}|{_POSTCODE}|[A-Z]{{2,3}}|{_UPPER_WORDS}(?:,?\s{{1,3}}{_POSTCODE})?"
    rf"|{_WORDS},?\s{{1,3}}(?:[A-Z]{{2,3}}\s{{1,3}})?{_POSTCODE}|{_WORDS}(?:,\s{{0,3}}[A-Z]{{2,3}}))"
    r"[.,]?"
)
_TOWN = re.compile(r"[A-ZÀ-ÞΑ-Ω][\w'().-]{1,30}(?: [\w'().-]{1,30}){0,3}")
_SEPARATOR = re.compile(
    rf"(?:[ \t]*,[ \t]*|[ \t]*\n{_QUOTE}(?:\n{_QUOTE})?|[ \t]*,?[ \t]*\n{_QUOTE})"
)
_NUMBER_BEFORE = re.compile(r"(?<![\w.,/-])\d{1,5}[ \t]{1,3}$")

PlaceScorer = Callable[[str], float]


def _tail_part(part: str, place_score: PlaceScorer | None) -> bool:
    part = part.strip()
    if not part or len(part) > 60:
        return False
    if _TAIL_LINE.fullmatch(part):
        return True
    return place_score is not None and place_score(part.rstrip(".,")) > 0


def _grow(text: str, start: int, end: int, place_score: PlaceScorer | None) -> tuple[int, int]:
    before = _NUMBER_BEFORE.search(text[max(0, start - 12) : start])
    if before:
        start -= len(before.group(0))
    for _ in range(MAX_TAIL_PARTS):
        sep = _SEPARATOR.match(text, end)
        if not sep:
            break
        line_end = text.find("\n", sep.end())
        line_end = len(text) if line_end < 0 else line_end
        candidate = text[sep.end() : line_end].rstrip()
        if not _tail_part(candidate, place_score) and "," in candidate:
            candidate = candidate[: candidate.find(",")].rstrip()
        if not _tail_part(candidate, place_score):
            # a town nobody knows ("Dolores") counts when an address line follows it
            after = _SEPARATOR.match(text, sep.end() + len(candidate))
            if not (_TOWN.fullmatch(candidate) and after and "\n" in after.group(0)):
                break
            next_end = text.find("\n", after.end())
            following = text[after.end() : len(text) if next_end < 0 else next_end].rstrip()
            if not _tail_part(following, place_score):
                break
        end = sep.end() + len(candidate.rstrip(".,"))
    return start, end


def merge_addresses(
    text: str, results: Sequence[RecognizerResult], place_score: PlaceScorer | None = None
) -> list[RecognizerResult]:
    """Grow street-address spans over the address lines that follow; merge overlaps."""
    addresses = sorted(
        (r for r in results if r.entity_type == ADDRESS and r.score >= WEAK),
        key=lambda r: r.start,
    )
    if not addresses:
        return list(results)
    merged: list[RecognizerResult] = []
    for r in addresses:
        grown_start, grown_end = _grow(text, r.start, r.end, place_score)
        if r.score < STRONG and text.count("\n", r.end, grown_end) >= 2:
            r.score = BLOCK_SCORE  # a street line with two address lines under it
        r.start, r.end = grown_start, grown_end
        last = merged[-1] if merged else None
        gap = text[last.end : r.start] if last else ""
        if last is not None and (r.start <= last.end or _SEPARATOR.fullmatch(gap)):
            last.end = max(last.end, r.end)
            last.score = max(last.score, r.score, BLOCK_SCORE)
        else:
            merged.append(r)
    kept = [m for m in merged if m.score >= STRONG]
    others = [
        r
        for r in results
        if r.entity_type != ADDRESS
        or (r.score < WEAK and not any(m.start <= r.start and r.end <= m.end for m in kept))
    ]
    return others + merged
