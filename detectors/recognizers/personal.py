"""Date of birth and age: values that are only personal in a birth or age context."""

from __future__ import annotations

import datetime as dt
import re

from piiscan.detectors.recognizers.base import Rule, RuleRecognizer

MONTHS = {
    "jan": 1,
    "january": 1,
    "januar": 1,
    "janvier": 1,
    "enero": 1,
    "jän": 1,
    "feb": 2,
    "february": 2,
    "februar": 2,
    "février": 2,
    "fevrier": 2,
    "febrero": 2,
    "mar": 3,
    "march": 3,
    "märz": 3,
    "maerz": 3,
    "mars": 3,
    "marzo": 3,
    "apr": 4,
    "april": 4,
    "avril": 4,
    "abril": 4,
    "may": 5,
    "mai": 5,
    "mayo": 5,
    "jun": 6,
    "june": 6,
    "juni": 6,
    "juin": 6,
    "junio": 6,
    "jul": 7,
    "july": 7,
    "juli": 7,
    "juillet": 7,
    "julio": 7,
    "aug": 8,
    "august": 8,
    "août": 8,
    "aout": 8,
    "agosto": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "septembre": 9,
    "septiembre": 9,
    "oct": 10,
    "october": 10,
    "okt": 10,
    "oktober": 10,
    "octobre": 10,
    "octubre": 10,
    "nov": 11,
    "november": 11,
    "novembre": 11,
    "noviembre": 11,
    "dec": 12,
    "december": 12,
    "dez": 12,
    "dezember": 12,
    "décembre": 12,
    "decembre": 12,
    "diciembre": 12,
}
_MONTH = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?:19|20)\d{2}"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th|\.)?"
# A date followed by a time of day is an event, not a birth date (midnight excepted).
_MIDNIGHT = r"(?:[T ]00:00(?::00(?:\.0{1,6})?)?(?:Z|[+-]00:?00)?)?"
_NO_TIME = r"(?!\w|:\d|[.,]\d|\s{1,3}\d{1,2}:\d|[+-]\d)"
_START = r"(?<![\w./:-])"

DATE_RULES = [
    Rule(
        "iso",
        rf"{_START}{_YEAR}([-/.])(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12]\d|3[01])"
        rf"{_MIDNIGHT}{_NO_TIME}",
        0.3,
    ),
    Rule(
        "numeric",
        rf"{_START}(?:0?[1-9]|[12]\d|3[01])([-/.])(?:0?[1-9]|[12]\d|3[01])\1"
        rf"{_YEAR}{_MIDNIGHT}{_NO_TIME}",
        0.3,
    ),
    Rule(
        "day_month_name",
        rf"{_START}{_DAY}(?:\s{{1,3}}of)?[\s-]{{1,3}}{_MONTH},?[\s-]{{1,3}}"
        rf"{_YEAR}{_NO_TIME}",
        0.3,
    ),
    Rule("month_name_day", rf"{_START}{_MONTH}\s{{1,3}}{_DAY},?\s{{1,3}}{_YEAR}{_NO_TIME}", 0.3),
]
BIRTH_CONTEXT = [
    "birth",
    "born",
    "dob",
    "birthday",
    "birthdate",
    "birthdates",
    "bday",
    "date of birth",
    "d o b",
    "geburtsdatum",
    "geburtstag",
    "geboren",
    "geb",
    "naissance",
    "nee",
    "nacimiento",
    "nacido",
    "nacida",
    "nascita",
    "geboortedatum",
    "nascimento",
]


def _parts(text: str) -> tuple[list[int], int | None]:
    """Numbers in ``text`` and the month named in it (if any)."""
    month = None
    for word in re.findall(r"[^\W\d_]+", text.lower()):
        month = MONTHS.get(word, month)
    return [int(n) for n in re.findall(r"\d+", text)], month


def _valid(year: int, month: int, day: int) -> bool:
    today = dt.date.today()
    if not 1900 <= year <= today.year:
        return False
    try:
        return dt.date(year, month, day) <= today
    except ValueError:
        return False


def plausible_birth_date(text: str) -> bool:
    """A real calendar date between 1900 and today, in any supported layout."""
    numbers, month = _parts(text)
    numbers = numbers[:3]
    if month is not None:
        year = next((n for n in numbers if n >= 1900), None)
        day = next((n for n in numbers if n < 32), None)
        return year is not None and day is not None and _valid(year, month, day)
    if len(numbers) < 3:
        return False
    a, b, c = numbers[:3]
    if a >= 1900:
        return _valid(a, b, c)
    return _valid(c, b, a) or _valid(c, a, b)


def plausible_birth_year(text: str) -> bool:
    """A four-digit year between 1900 and this year."""
    return 1900 <= int(text.strip()) <= dt.date.today().year


def first_of_january(text: str) -> bool:
    """A plausible birth date that is a 1 January: what a date generalized to its year
    becomes (``1971-01-01``)."""
    if not plausible_birth_date(text):
        return False
    numbers, month = _parts(text)
    if month is not None:
        return month == 1 and 1 in numbers[:3]
    a, b, c = numbers[:3]
    return b == 1 and (a == 1 or c == 1)


def date_of_birth() -> RuleRecognizer:
    rules = [Rule(r.name, r.regex, r.score, validate=plausible_birth_date) for r in DATE_RULES]
    return RuleRecognizer("DATE_OF_BIRTH", rules, BIRTH_CONTEXT, context_floor=0.6)


def birth_year() -> RuleRecognizer:
    """A year of birth: a bare year, or a whole value that is a 1 January date.

    Both count only by the column name (a ``birth_year`` or ``date_of_birth`` column).
    A 1 January cell is read as a birth year rather than a date of birth
    (:func:`~piiscan.detectors.postprocess.prefer_birth_year`): a real birth-date column
    has few of them, a column generalized to the year has nothing else.
    """
    rules = [
        Rule("year_value", r"(?:19|20)\d{2}", 0.05, whole_value=True, validate=plausible_birth_year)
    ]
    # the whole value (lookarounds: ``whole_value`` would renumber the backreference)
    rules += [
        Rule(
            f"{r.name}_jan_1_value",
            rf"(?<=\A\s{{0,20}}){r.regex}(?=\s{{0,20}}\Z)",
            r.score,
            validate=first_of_january,
        )
        for r in DATE_RULES
    ]
    context = [*BIRTH_CONTEXT, "year of birth", "birth year", "yob", "geburtsjahr"]
    return RuleRecognizer("BIRTH_YEAR", rules, context, context_floor=0.6)


def _age_ok(text: str) -> bool:
    numbers = re.findall(r"\d+", text)
    return bool(numbers) and 0 <= int(numbers[0]) <= 120


def age() -> RuleRecognizer:
    years = r"(?:years?|yrs?\.?|y/o|yo|jahre|jährig|ans|años|anni)"
    rules = [
        Rule("integer_value", r"\d{1,3}(?:\.\d{1,2})?", 0.05, whole_value=True, validate=_age_ok),
        # an age band: "25 to 39", "25-34", "65 and older", "65+", "under 18"
        Rule(
            "band_value",
            r"(?:\d{1,3}\s{0,3}(?:-|\u2013|to|bis|a)\s{0,3}\d{1,3}"
            r"|\d{1,3}\s{0,3}(?:\+|and (?:older|over|above|up)|or (?:older|more))"
            r"|(?:under|over|below|above|unter|über)\s{1,3}\d{1,3})",
            0.05,
            whole_value=True,
            validate=_age_ok,
        ),
        Rule("years_value", rf"\d{{1,3}}\s{{0,3}}{years}", 0.3, whole_value=True, validate=_age_ok),
        Rule(
            "years_old",
            r"(?<![\w.,])(?P<n>\d{1,3})[\s-]{0,3}(?:years?|yrs?)[\s-]{1,3}"
            r"(?:old|of age)\b",
            0.6,
            group="n",
            validate=_age_ok,
        ),
        Rule(
            "aged",
            r"\b(?:aged|age|ages|age of|alter|edad|âge|age de|âgée? de|im alter von)"
            r"\s{0,3}[:=]?\s{0,3}(?P<n>\d{1,3})(?![\w.,]\d|\w)",
            0.6,
            group="n",
            validate=_age_ok,
        ),
        Rule(
            "y_o",
            r"(?<![\w.,])(?P<n>\d{1,3})[\s-]{0,2}(?:y/o|y\.o\.|yo)(?![\w/])",
            0.6,
            group="n",
            validate=_age_ok,
        ),
        # "I'll turn 81": an age only next to a birthday or age word
        Rule(
            "turns",
            r"\b(?:turn|turns|turned|turning)\s{1,3}(?P<n>\d{1,3})(?![\w.,]\d|\w)"
            r"(?!\s{0,3}[^\W\d_])",  # not "turned 3 pages"
            0.5,
            group="n",
            validate=_age_ok,
        ),
        Rule(
            "other_languages",
            r"(?<![\w.,])(?P<n>\d{1,3})\s{1,3}(?:jahre alt|ans|años|anni)\b",
            0.4,
            group="n",
            validate=_age_ok,
        ),
    ]
    context = [
        "age",
        "ages",
        "aged",
        "years old",
        "alter",
        "lebensalter",
        "edad",
        "âge",
        "leeftijd",
        "idade",
        "age years",
        "age group",
    ]
    return RuleRecognizer("AGE", rules, context)
