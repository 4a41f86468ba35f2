"""Phone numbers that only their context reveals: "Phone: 358 0594", "call me on 9472 7916".

Presidio's phone recognizer accepts numbers that ``phonenumbers`` validates for a known
region. Short local numbers, numbers of other regions and extensions fail that check
but are phone numbers all the same when a phone word stands next to them. This rule
takes any 7 to 15 digit group sequence at a base score too low to report, and the context
lift (a phone word shortly before or after, or a phone-like column name) reports it.
"""

from __future__ import annotations

import re

from piiscan.detectors.recognizers.base import Rule, RuleRecognizer

_GROUPS = (
    r"(?<![\w+.,/:-])(?:\+\d{1,3}[\s.-]{0,2}(?:\(0\)\s?)?|\(\d{1,4}\)\s?)?"
    r"\d{2,5}(?:[\s.-]\d{2,5}){0,4}(?:\s?(?i:x|ext\.?)\s?\d{1,5})?"
    r"(?![\w]|[.,:/-]\d)"
)
_DATE_OR_TIME = re.compile(
    r"\d{1,4}([-/.])\d{1,2}\1\d{1,4}|\d{1,2}:\d{2}(?::\d{2})?|(?:19|20)\d{2}"
)
PHONE_WORDS = [
    "phone",
    "phones",
    "telephone",
    "tel",
    "mobile",
    "cell",
    "cellphone",
    "fax",
    "office",
    "desk",
    "call",
    "calling",
    "answering",
    "landline",
    "whatsapp",
    "sms",
    "handy",
    "telefon",
    "telefono",
    "telefone",
    "téléphone",
    "portable",
    "mobil",
    "contact number",
    "phone number",
]


def _phone_shaped(text: str) -> bool:
    digits = sum(c.isdigit() for c in text)
    return 7 <= digits <= 15 and not _DATE_OR_TIME.fullmatch(text.strip())


def contextual_phone() -> RuleRecognizer:
    rules = [Rule("digit_groups", _GROUPS, 0.2, validate=_phone_shaped)]
    return RuleRecognizer(
        "PHONE_NUMBER", rules, PHONE_WORDS, name="PiiscanContextualPhoneRecognizer"
    )
