"""Person-name lexicon: PERSON evidence for short structured values (table cells).

``detectors/data/person_names.yaml`` lists common given names and surnames of many
locales, names that are also everyday words (``ambiguous``, counted half) and frequent
product/course nouns. :func:`person_name_score` rates one cell by how much of it is made
of known names, so that "Copper Kettle" scores 0 while "Smith, John" scores high.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from itertools import permutations

import regex

from piiscan.detectors.recognizers.base import data_file, fold

HONORIFICS = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "herr",
        "frau",
        "sr",
        "sra",
        "srta",
        "m",
        "mme",
        "mlle",
        "shri",
        "sri",
        "smt",
        "sir",
    }
)
SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md", "esq"})
PARTICLES = frozenset(
    {
        "van",
        "von",
        "der",
        "den",
        "de",
        "la",
        "del",
        "da",
        "di",
        "bin",
        "al",
        "el",
        "le",
        "du",
        "dos",
        "das",
        "ten",
        "ter",
        "y",
    }
)
MAX_TOKENS = 5
MAX_TOKEN_LEN = 25
FULL_NAME = {2.0: 0.85, 1.5: 0.6, 1.0: 0.4}  # given + surname weights → score
GIVEN_PLUS = 0.7  # a given name plus one or two other name-shaped tokens
GIVEN_PLUS_MANY = 0.55  # ... plus three or four
SURNAME_ONLY = 0.5
SINGLE = 0.45
NOUN_CAP = 0.3  # a name next to a common noun, or a lowercase word in a mixed-case cell

_SHAPE = regex.compile(r"[\p{L}\p{M}\s.,'\u2019-]+")
_SPLIT = regex.compile(r"[\s,]+")
_CAPITALISED = regex.compile(r"\p{Lu}|\p{Ll}'\p{Lu}")
_EXTRA = str.maketrans(
    {  # \u0131: dotless i, \u2019: right single quote
        "ł": "l",
        "\u0131": "i",
        "đ": "d",
        "ø": "oe",
        "æ": "ae",
        "œ": "oe",
        "\u2019": "'",
    }
)
_PLAIN = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ø": "o"})
_FEMININE = (
    ("ski", "ska"),
    ("cki", "cka"),
    ("sky", "skaya"),
    ("ov", "ova"),
    ("ev", "eva"),
    ("in", "ina"),
)
_FEMININE_LOCALES = frozenset({"ru", "pl"})


@dataclass(frozen=True)
class Lexicon:
    """Folded name sets; ``ambiguous`` names are kept out of ``given`` and ``surnames``."""

    given: frozenset[str]
    surnames: frozenset[str]
    ambiguous: frozenset[str]
    nouns: frozenset[str]
    organisations: frozenset[str]


def fold_name(text: str) -> str:
    """:func:`fold` plus letters it leaves alone (ł, dotless i, ø, æ, œ, đ), straight quotes."""
    return fold(text.lower().translate(_EXTRA))


def _forms(name: str, feminine: bool = False) -> set[str]:
    """Folded spellings of one listed name (umlauts both ways, hyphen-less, feminine)."""
    forms: set[str] = set()
    for spelling in {name, name.lower().translate(_PLAIN)}:
        folded = fold_name(spelling)
        forms |= {folded, folded.replace("-", "")}
    if feminine:
        for folded in list(forms):
            forms |= {folded[: -len(end)] + fem for end, fem in _FEMININE if folded.endswith(end)}
    return forms


@functools.lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The lists in ``detectors/data/person_names.yaml``, folded."""
    data = data_file("person_names.yaml")
    ambiguous = frozenset(f for name in data["ambiguous"] for f in _forms(name))

    def collect(section: str) -> frozenset[str]:
        names = {
            f
            for locale, items in data[section].items()
            for name in items
            for f in _forms(name, locale in _FEMININE_LOCALES and section == "surnames")
        }
        return frozenset(names - ambiguous)

    nouns = frozenset(fold_name(word) for word in data["common_nouns"])
    organisations = frozenset(fold_name(word) for word in data.get("organisation_words") or [])
    return Lexicon(collect("given_names"), collect("surnames"), ambiguous, nouns, organisations)


def _units(value: str) -> list[tuple[str, tuple[str, ...]]] | None:
    """``(raw, folded variants)`` per kept word of a name-shaped cell, else None.

    Honorifics, suffixes, particles and initials are dropped (at most five words may
    remain); a hyphenated word keeps its whole folded form first, then its parts.
    """
    text = value.strip()
    if not text or not _SHAPE.fullmatch(text):
        return None
    words = [w for w in _SPLIT.split(text) if w]
    if len(words) > 2 * MAX_TOKENS or any(len(w) > MAX_TOKEN_LEN for w in words):
        return None
    units: list[tuple[str, tuple[str, ...]]] = []
    for raw in words:
        folded = fold_name(raw).strip(".'-")
        bare = folded.replace(".", "")
        if len(bare.replace("'", "")) <= 1 or bare in HONORIFICS | SUFFIXES | PARTICLES:
            continue
        parts = [p for p in folded.split("-") if p and p not in PARTICLES]
        if parts:
            units.append((raw, (folded, *parts) if "-" in folded else (folded,)))
    return units if len(units) <= MAX_TOKENS else None


def name_tokens(value: str) -> list[str]:
    """Folded name tokens of a cell ("Hans-Jürgen" → hans-juergen, hans, juergen)."""
    return [token for _, variants in _units(value) or [] for token in variants]


def _weight(variants: tuple[str, ...], names: frozenset[str], ambiguous: frozenset[str]) -> float:
    if any(v in names for v in variants):
        return 1.0
    return 0.5 if any(v in ambiguous for v in variants) else 0.0


def person_name_score(value: str) -> float:
    """How strongly one table cell looks like a person's name (0.0 to 0.85).

    Full name (known given name and surname, any order) 0.85; a given name plus one or two
    other name-shaped words 0.7; several words with only a surname known 0.5; one known
    name alone 0.45. Ambiguous names count half, a common noun caps the score at 0.3, and
    a cell that is not name-shaped (digits, ``@``, ``/``, over five words) scores 0.
    """
    units = _units(value)
    if not units:
        return 0.0
    lex = lexicon()
    if any(v in lex.organisations for _, variants in units for v in variants) or "&" in value:
        return 0.0
    given = [_weight(v, lex.given, lex.ambiguous) for _, v in units]
    surname = [_weight(v, lex.surnames, lex.ambiguous) for _, v in units]
    if len(units) == 1:
        score = SINGLE * max(given[0], surname[0])
    else:
        full = max(
            (
                FULL_NAME[given[i] + surname[j]]
                for i, j in permutations(range(len(units)), 2)
                if given[i] and surname[j]
            ),
            default=0.0,
        )
        plus = GIVEN_PLUS if len(units) <= 3 else GIVEN_PLUS_MANY
        score = max(full, plus * max(given), SURNAME_ONLY * max(surname))
    letters = [c for c in value if c.isalpha()]
    mixed_case = any(c.isupper() for c in letters) and any(c.islower() for c in letters)
    if any(v in lex.nouns for _, variants in units for v in variants) or (
        mixed_case and not all(_CAPITALISED.match(raw) for raw, _ in units)
    ):
        score = min(score, NOUN_CAP)
    return round(score, 3)


def is_name_shaped(value: str) -> bool:
    """One to four capitalised (or all-caps) words of letters: the shape of a name cell.

    It says nothing of whether the words are names; a column named ``surname`` does.
    """
    units = _units(value)
    if not units or len(units) > 4:
        return False
    lex = lexicon()
    if any(v in lex.organisations or v in lex.nouns for _, variants in units for v in variants):
        return False
    return all(_CAPITALISED.match(raw) for raw, _ in units)
