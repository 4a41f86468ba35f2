"""Place gazetteer: LOCATION evidence for short structured values (table cells).

``detectors/data/places.yaml`` lists countries, country codes, first-level regions (and
their codes), cities, and the places that are also everyday words (``ambiguous``, counted
half). :func:`place_score` rates one cell by whether it *is* a known place, so that
"Debit" or "Pensioner" scores 0 while "Munich" or "Austin, TX" scores high.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import regex

from piiscan.detectors.names import fold_name
from piiscan.detectors.recognizers.base import data_file

EXACT = 0.85  # the whole cell is a known country, region or city
AMBIGUOUS = 0.45  # ... that is also a common word or first name
CODE = 0.6  # an upper-case ISO country code or region code
AMBIGUOUS_CODE = 0.3  # ... that is also an everyday abbreviation (NA, OK, IT, HR)
COMPOSITE = 0.85  # "City, ST", "City, Country", "City (Region)"
PLACE_WORD = 0.7  # "Jackson County", "City of London", "Landkreis München"
MAX_WORDS = 6

_LINKS = frozenset({"of", "de", "du", "des", "del", "di"})
_SHAPE = regex.compile(r"[\p{L}\p{M}\s.,'\u2019/()-]+")
_PARTS = regex.compile(r"\s*[,/()]\s*")
_CODE = regex.compile(r"[A-Z]{2,3}")
_PLAIN = str.maketrans({"ä": "a", "ö": "o", "ü": "u"})


@dataclass(frozen=True)
class Gazetteer:
    """Folded place names and upper-case codes; ``ambiguous*`` are kept out of the others."""

    names: frozenset[str]
    ambiguous: frozenset[str]
    codes: frozenset[str]
    ambiguous_codes: frozenset[str]
    place_words: frozenset[str]


def place_key(text: str) -> str:
    """:func:`fold_name` with hyphens as spaces and whitespace collapsed."""
    return " ".join(fold_name(text).replace("-", " ").split())


def _forms(name: str) -> set[str]:
    """Keys of one listed name: umlauts both ways, and without dots ("St. Louis" → st louis)."""
    forms = {place_key(name), place_key(name.lower().translate(_PLAIN))}
    for form in list(forms):
        dotless = " ".join(form.replace(".", "").split())
        if len(dotless.replace(" ", "")) > 3:
            forms.add(dotless)
    return forms


def _flat(section: list[str] | dict[str, list[str]]) -> list[str]:
    """A section's names, whether it is one list or lists grouped by country."""
    if isinstance(section, dict):
        return [name for items in section.values() for name in items]
    return section


@functools.lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The lists in ``detectors/data/places.yaml``, folded."""
    data = data_file("places.yaml")
    ambiguous = frozenset(f for name in data["ambiguous"] for f in _forms(name))
    names = {
        f
        for section in ("countries", "regions", "cities")
        for name in _flat(data[section])
        for f in _forms(name)
    }
    ambiguous_codes = frozenset(data["ambiguous_codes"])
    codes = set(data["country_codes"]) | set(_flat(data["region_codes"]))
    place_words = frozenset(place_key(word) for word in data["place_words"])
    return Gazetteer(
        frozenset(names - ambiguous),
        ambiguous,
        frozenset(codes - ambiguous_codes),
        ambiguous_codes,
        place_words,
    )


def _name_score(text: str, gaz: Gazetteer) -> float:
    key = place_key(text)
    return EXACT if key in gaz.names else AMBIGUOUS if key in gaz.ambiguous else 0.0


def _code_score(text: str, gaz: Gazetteer) -> float:
    if not _CODE.fullmatch(text):
        return 0.0
    return CODE if text in gaz.codes else AMBIGUOUS_CODE if text in gaz.ambiguous_codes else 0.0


def _place_word_score(text: str, gaz: Gazetteer) -> float:
    """A known place of one or two words next to a place word ("Cook County", "State of X")."""
    words = text.split()
    keys = [place_key(w) for w in words]
    if len(words) < 2:
        return 0.0
    if keys[-1] in gaz.place_words and len(words) <= 3 and _name_score(" ".join(words[:-1]), gaz):
        return PLACE_WORD
    rest = words[2:] if len(words) > 2 and keys[1] in _LINKS else words[1:]
    if keys[0] in gaz.place_words and len(rest) <= 2 and _name_score(" ".join(rest), gaz):
        return PLACE_WORD
    return 0.0


def _part_score(text: str, gaz: Gazetteer) -> float:
    return max(_name_score(text, gaz), _code_score(text, gaz), _place_word_score(text, gaz))


def place_score(value: str) -> float:
    """How strongly one table cell looks like a place (0.0 to 0.85).

    Whole cell a known country, region or city 0.85 (ambiguous ones 0.45); an upper-case
    country or region code 0.6 (everyday abbreviations 0.3); "City, ST" / "City, Country" /
    "City (Region)" with every part known 0.85; a known place plus a place word ("Cook
    County", "City of London") 0.7. Digits, other symbols or over six words score 0.
    """
    text = " ".join(value.split())
    if not text or not _SHAPE.fullmatch(text) or len(text.split()) > MAX_WORDS:
        return 0.0
    gaz = gazetteer()
    score = max(_name_score(text, gaz), _code_score(text, gaz))
    if score:
        return score
    parts = [p for p in _PARTS.split(text) if p]
    if len(parts) <= 1:
        return _place_word_score(text, gaz)
    if len(parts) > 3 or not (_name_score(parts[0], gaz) or _place_word_score(parts[0], gaz)):
        return 0.0
    scores = [_part_score(p, gaz) for p in parts]
    strong = any(s != AMBIGUOUS for s in scores)  # after a place name, "MS" is Mississippi
    return COMPOSITE if all(scores) and strong else 0.0
