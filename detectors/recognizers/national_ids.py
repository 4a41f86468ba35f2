"""Presidio's national-id recognizers with their validation bugs fixed (presidio-analyzer 2.2.366).

Measured with ``tests/test_national_ids.py`` (valid, broken-checksum and look-alike tables):

* ``PlPeselRecognizer``: the pattern has no word boundaries, so any 11 digits inside a
  longer number (a card with a wrong Luhn digit, a GTIN, an account number) scored 1.0
  when they happened to pass the 1-3-7-9 check; the encoded birth date was never checked.
* ``ItFiscalCodeRecognizer``: a wrong control letter returned ``None`` (kept at 0.3, and a
  "codice fiscale" context lifted it to 0.65) instead of rejecting the match.
* ``UsSsnRecognizer``: numbers in the ITIN area 900-999 (never issued as SSNs) were SSNs
  at 0.5; a bare 9-digit SSN next to "social security" stayed at 0.4 (never reported).
* ``DeTaxIdRecognizer``: the digit rule accepted any spread ("each digit at most three
  times"); the BZSt rule is that exactly one digit repeats (twice, or three times but not
  three in a row) in the first ten, so most 11-digit order numbers passing the check
  digit (1 in 10) were tax ids at 1.0.
* ``NhsRecognizer``: any 10 digits passing mod 11 (1 in 11: unix timestamps, order
  numbers) were NHS numbers at 1.0; allocated ranges are now checked (England, Wales and
  Isle of Man 4xx and 6xx-7xx, Northern Ireland 320-399, Scotland's CHI starting with a
  DDMMYY date of birth).
* ``InAadhaarRecognizer``: a Verhoeff check digit (1 in 10) lifted any 12-digit number to
  1.0; a valid one now keeps a weak score that the "aadhaar" context lifts.
* Passports (US, UK, India) and US bank account numbers: pattern scores so weak that even
  the right context ("passport", "bank account") left them below 0.5; the US passport
  context words "us", "united", "states", "travel" lifted any 9-digit number.

Each class keeps Presidio's recognizer name and entity type.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from typing import Any

from presidio_analyzer import EntityRecognizer, Pattern
from presidio_analyzer import predefined_recognizers as pr

from piiscan.detectors.recognizers.base import Rule, RuleRecognizer

#: Base score of a weak pattern that its context words (+0.35) lift just above 0.5.
CONTEXT_LIFTED = 0.16
_DIGITS = re.compile(r"\d")


def _named(cls: type, kwargs: dict[str, Any]) -> dict[str, Any]:
    kwargs.setdefault("name", cls.__mro__[1].__name__)
    return kwargs


def _digits(text: str) -> str:
    return "".join(_DIGITS.findall(text))


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


# -- Poland -------------------------------------------------------------------------------
_PESEL_CENTURY = {0: 1900, 20: 2000, 40: 2100, 60: 2200, 80: 1800}


def pesel_date_ok(value: str) -> bool:
    """The PESEL's encoded birth date (month + 20 per century from 2000, +80 for 1800s)."""
    year, month, day = int(value[:2]), int(value[2:4]), int(value[4:6])
    offset = (month - 1) // 20 * 20
    return offset in _PESEL_CENTURY and _is_date(_PESEL_CENTURY[offset] + year, month - offset, day)


class StrictPlPeselRecognizer(pr.PlPeselRecognizer):
    """PESEL as a whole number (word boundaries), with its birth date and check digit."""

    PATTERNS = [
        Pattern(
            "PESEL",
            r"\b[0-9]{2}([02468][1-9]|[13579][012])(0[1-9]|[12][0-9]|3[01])[0-9]{5}\b",
            0.4,
        )
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**_named(type(self), kwargs))

    def validate_result(self, pattern_text: str) -> bool:
        return pesel_date_ok(pattern_text) and bool(super().validate_result(pattern_text))


# -- Italy --------------------------------------------------------------------------------
class StrictItFiscalCodeRecognizer(pr.ItFiscalCodeRecognizer):
    """Codice fiscale whose control letter must match (Presidio kept mismatches)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**_named(type(self), kwargs))

    def validate_result(self, pattern_text: str) -> bool:
        return super().validate_result(pattern_text) is True


# -- United States ------------------------------------------------------------------------
class StrictUsSsnRecognizer(pr.UsSsnRecognizer):
    """SSN without the ITIN area (9xx); a bare 9-digit SSN reported with its context."""

    PATTERNS = [
        Pattern(p.name, p.regex, CONTEXT_LIFTED) if p.name.startswith("SSN4") else p
        for p in pr.UsSsnRecognizer.PATTERNS
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**_named(type(self), kwargs))

    def invalidate_result(self, pattern_text: str) -> bool:
        return _digits(pattern_text)[:1] == "9" or bool(super().invalidate_result(pattern_text))


class ContextUsPassportRecognizer(pr.UsPassportRecognizer):
    """US passport numbers: reported next to a passport word, not next to "us"."""

    PATTERNS = [
        Pattern("Passport (very weak)", r"(\b[0-9]{9}\b)", CONTEXT_LIFTED),
        Pattern("Passport Next Generation (weak)", r"(\b[A-Z][0-9]{8}\b)", 0.2),
    ]
    CONTEXT = ["passport", "passport#", "passports"]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**_named(type(self), kwargs))


class ContextUkPassportRecognizer(pr.UkPassportRecognizer):
    """UK passport numbers (two letters, seven digits) reported next to a passport word."""

    PATTERNS = [Pattern("UK Passport (weak)", r"\b[A-Z]{2}\d{7}\b", 0.2)]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**_named(type(self), kwargs))


class ContextInPassportRecognizer(pr.InPassportRecognizer):
    """Indian passport numbers reported next to a passport word."""

    PATTERNS = [Pattern("PASSPORT", r"\b[A-Z][1-9]\d\s?\d{4}[1-9]\b", 0.2)]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**_named(type(self), kwargs))


class ContextUsBankRecognizer(pr.UsBankRecognizer):
    """US bank account numbers (8-17 digits) reported next to an account word."""

    PATTERNS = [Pattern("Bank Account (weak)", r"\b[0-9]{8,17}\b", CONTEXT_LIFTED)]
    CONTEXT = ["account", "account#", "acct", "bank", "checking", "savings"]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**_named(type(self), kwargs))


# -- Germany ------------------------------------------------------------------------------
def de_tax_id_digits_ok(value: str) -> bool:
    """BZSt rule on the first ten digits: exactly one digit occurs twice or three times
    (never three in a row), every other digit at most once."""
    body = value[:10]
    counts = sorted(Counter(body).values(), reverse=True)
    if counts[0] not in (2, 3) or (len(counts) > 1 and counts[1] != 1):
        return False
    return not re.search(r"(\d)\1\1", body)


class StrictDeTaxIdRecognizer(pr.DeTaxIdRecognizer):
    """Steuer-IdNr with the BZSt digit-distribution rule and the check digit."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**_named(type(self), kwargs))

    def validate_result(self, pattern_text: str) -> bool:
        return (
            len(pattern_text) == 11
            and pattern_text.isdigit()
            and de_tax_id_digits_ok(pattern_text)
            and bool(super().validate_result(pattern_text))
        )


# -- United Kingdom -----------------------------------------------------------------------
def nhs_range_ok(number: str) -> bool:
    """Allocated NHS/CHI/H&C ranges: 4xx, 6xx-7xx (England, Wales, Isle of Man), 320-399
    (Northern Ireland), or a Scottish CHI number starting with a DDMMYY birth date."""
    if number[0] in "467":
        return True
    if "320" <= number[:3] <= "399":
        return True
    day, month, year = int(number[:2]), int(number[2:4]), int(number[4:6])
    return number[0] in "0123" and _is_date(2000 + year, month, day)


class StrictNhsRecognizer(pr.NhsRecognizer):
    """NHS numbers in an allocated range, with the mod-11 check digit, not one digit repeated."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**_named(type(self), kwargs))

    def validate_result(self, pattern_text: str) -> bool:
        number = EntityRecognizer.sanitize_value(pattern_text, self.replacement_pairs)
        return (
            len(number) == 10
            and len(set(number)) > 1
            and nhs_range_ok(number)
            and bool(super().validate_result(pattern_text))
        )


# -- India --------------------------------------------------------------------------------
class ContextInAadhaarRecognizer(pr.InAadhaarRecognizer):
    """Aadhaar: a Verhoeff-valid number is a candidate (0.3) that the context confirms.

    A wrong check digit still rejects the match; a right one no longer scores 1.0 on its
    own, since one 12-digit number in ten passes it.
    """

    PATTERNS = [
        Pattern("AADHAAR (weak)", r"\b[0-9]{12}\b", 0.3),
        Pattern("AADHAAR (weak, grouped)", r"\b[0-9]{4}[- :][0-9]{4}[- :][0-9]{4}\b", 0.3),
    ]
    CONTEXT = ["aadhaar", "aadhar", "uidai", "uid"]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**_named(type(self), kwargs))

    # None: not validated, as Presidio's PatternRecognizer allows (Aadhaar's says bool)
    def validate_result(self, pattern_text: str) -> bool | None:  # type: ignore[override]
        return None if super().validate_result(pattern_text) else False


#: Presidio class → the class replacing it in ``_COUNTRY_RECOGNIZERS``.
REPLACEMENTS: dict[type[EntityRecognizer], type[EntityRecognizer]] = {
    pr.PlPeselRecognizer: StrictPlPeselRecognizer,
    pr.ItFiscalCodeRecognizer: StrictItFiscalCodeRecognizer,
    pr.UsSsnRecognizer: StrictUsSsnRecognizer,
    pr.UsPassportRecognizer: ContextUsPassportRecognizer,
    pr.UkPassportRecognizer: ContextUkPassportRecognizer,
    pr.InPassportRecognizer: ContextInPassportRecognizer,
    pr.UsBankRecognizer: ContextUsBankRecognizer,
    pr.DeTaxIdRecognizer: StrictDeTaxIdRecognizer,
    pr.NhsRecognizer: StrictNhsRecognizer,
    pr.InAadhaarRecognizer: ContextInAadhaarRecognizer,
}


def _licence_digits_ok(text: str) -> bool:
    return 8 <= sum(c.isdigit() for c in text) <= 13


def us_driver_license_formats() -> RuleRecognizer:
    """State licence formats Presidio's pattern misses (a letter then 8 to 13 digits, in
    groups: Florida, Illinois, Michigan…; Washington's ``WDL…`` and 7-letter forms).

    Table cells only, and reported only under a licence-like column name: these shapes
    are common for other codes.
    """
    rules = [
        Rule(
            "letter_digits",
            r"[A-Z][\s-]{0,2}\d{2,4}(?:[\s-]{0,2}\d{1,4}){1,5}",
            0.1,
            whole_value=True,
            validate=_licence_digits_ok,
        ),
        Rule("washington", r"(?-i:[A-Z*]{7}\d{3}[A-Z0-9]{2})", 0.05, whole_value=True),
        Rule("washington_wdl", r"(?-i:WDL[A-Z0-9]{9})", 0.3, whole_value=True),
    ]
    context = ["driver", "drivers", "license", "licence", "driving", "lic", "dl"]
    return RuleRecognizer(
        "US_DRIVER_LICENSE", rules, context, name="PiiscanUsDriverLicenseFormatsRecognizer"
    )
