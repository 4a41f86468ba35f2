"""Country recognizers (US, UK, India, EU) against tables of valid, broken-checksum and
look-alike values, through the production detector with the NER model.

Every valid value is generated here from an arbitrary body with its real check digit
(Luhn, Verhoeff, NHS mod 11, IBAN mod 97, NIF letter, PESEL weights, HETU control
character, Steuer-IdNr ISO 7064, codice fiscale control letter): no published example or
test number is used. A value counts as found the way the classifier counts it: in free
text a span scoring at least ``min_score``; in a table cell
:func:`piiscan.classification.value_entities` with the column's name hints.

NEEDS_SWAP: the fixed recognizers of ``detectors/recognizers/national_ids.py`` take
Presidio's place in ``_COUNTRY_RECOGNIZERS`` (``REPLACEMENTS``); the cases listed in
``NEEDS_SWAP`` fail on the unswapped engine, and ``test_engine_uses_fixed_recognizers``
says so directly.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

import pytest
import regex
from presidio_analyzer import predefined_recognizers as pr
from test_regex_backtracking import BOUND_S, FLAGS, UNITS, _run  # tests/ on sys.path

from piiscan.classification import value_entities
from piiscan.config import Config
from piiscan.detectors.column_names import hints_for
from piiscan.detectors.presidio_detector import PresidioDetector
from piiscan.detectors.presidio_engines import build_engines
from piiscan.detectors.recognizers.national_ids import (
    REPLACEMENTS,
    de_tax_id_digits_ok,
    nhs_range_ok,
    pesel_date_ok,
)

MIN_SCORE = Config().min_score

# -- generators ---------------------------------------------------------------------------
_LUHN_DOUBLE = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def luhn(body: str) -> str:
    """``body`` with its Luhn check digit appended (payment cards)."""
    total = sum(
        _LUHN_DOUBLE[int(ch)] if i % 2 == 0 else int(ch) for i, ch in enumerate(reversed(body))
    )
    return body + str((10 - total % 10) % 10)


_VERHOEFF_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VERHOEFF_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_VERHOEFF_INV = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)


def verhoeff(body: str) -> str:
    """``body`` with its Verhoeff check digit appended (Aadhaar)."""
    c = 0
    for i, ch in enumerate(reversed(body)):
        c = _VERHOEFF_D[c][_VERHOEFF_P[(i + 1) % 8][int(ch)]]
    return body + str(_VERHOEFF_INV[c])


def nhs(body: str) -> str:
    """A 9-digit ``body`` with its NHS mod-11 check digit (a body giving 10 has none)."""
    check = 11 - sum(int(d) * w for d, w in zip(body, range(10, 1, -1), strict=True)) % 11
    if check == 10:
        raise ValueError("no NHS number has this body")
    return body + str(check % 11)


def iban(country: str, bban: str) -> str:
    """An IBAN with its ISO 13616 mod-97 check digits."""
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


NIF_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def nif(number: str) -> str:
    """A Spanish DNI/NIF: 8 digits and their mod-23 letter."""
    return number + NIF_LETTERS[int(number) % 23]


def nie(prefix: str, number: str) -> str:
    """A Spanish NIE: X/Y/Z (0/1/2), 7 digits, the mod-23 letter of the whole."""
    return prefix + number + NIF_LETTERS[int(str("XYZ".index(prefix)) + number) % 23]


def pesel(yymmdd: str, serial: str) -> str:
    """A PESEL: encoded birth date, 4-digit serial, 1-3-7-9 weighted check digit."""
    body = yymmdd + serial
    total = sum(int(d) * w for d, w in zip(body, (1, 3, 7, 9) * 3, strict=False))
    return body + str((10 - total % 10) % 10)


HETU_CONTROL = "0123456789ABCDEFHJKLMNPRSTUVWXY"


def hetu(ddmmyy: str, separator: str, individual: str) -> str:
    """A Finnish henkilötunnus: date, century sign, individual number, mod-31 control."""
    return ddmmyy + separator + individual + HETU_CONTROL[int(ddmmyy + individual) % 31]


def de_tax_id(body: str) -> str:
    """A 10-digit ``body`` with its ISO 7064 MOD 11,10 check digit (Steuer-IdNr)."""
    product = 10
    for ch in body:
        product = ((int(ch) + product) % 10 or 10) * 2 % 11
    return body + str((11 - product) % 10)


_IT_ODD = dict(
    zip(
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        (1, 0, 5, 7, 9, 13, 15, 17, 19, 21) * 2
        + (2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23),
        strict=True,
    )
)


def it_fiscal_code(body: str) -> str:
    """A 15-character codice fiscale body with its control letter."""
    total = sum(
        _IT_ODD[ch] if i % 2 == 0 else int(ch, 36) - (10 if ch.isalpha() else 0)
        for i, ch in enumerate(body)
    )
    return body + chr(ord("A") + total % 26)


def break_check(value: str) -> str:
    """``value`` with its last character (the check digit or letter) moved one on."""
    last = value[-1]
    if last.isdigit():
        return value[:-1] + str((int(last) + 1) % 10)
    return value[:-1] + ("A" if last == "Z" else chr(ord(last) + 1))


def first(start: int, ok: Callable[[str], bool]) -> str:
    """The first number from ``start`` on whose digits pass ``ok`` (look-alike search)."""
    return next(s for s in map(str, itertools.count(start)) if ok(s))


# -- checks as Presidio itself runs them (used to build checksum-passing look-alikes) -----
_NHS = pr.NhsRecognizer()
_DE_TAX = pr.DeTaxIdRecognizer()
_AADHAAR = pr.InAadhaarRecognizer()


# -- tables -------------------------------------------------------------------------------
# (entity, value, sentence with context, column name)
VALID = [
    ("US_SSN", "536-90-4399", "My social security number is {}.", "ssn"),
    ("US_SSN", "536904399", "My social security number is {}.", "ssn"),
    ("US_ITIN", "912-78-3456", "Her ITIN is {} for this return.", "itin"),
    ("US_PASSPORT", "C03005987", "My US passport number is {}.", "passport_number"),
    ("US_PASSPORT", "531049271", "His passport number is {}.", "passport_number"),
    (
        "US_DRIVER_LICENSE",
        "D1234567",
        "Driver license {} was issued in California.",
        "driver_license",
    ),
    ("US_BANK_NUMBER", "004512376890", "My bank account number is {}.", "account_number"),
    ("UK_NHS", nhs("485777345"), "My NHS number is {}.", "nhs_number"),
    ("UK_NHS", "485 777 3457", "NHS number: {}", "nhs_number"),
    ("UK_NHS", nhs("650132879"), "Patient NHS number {} registered.", "nhs_no"),
    ("UK_NINO", "HW362518B", "My national insurance number is {}.", "nino"),
    ("UK_NINO", "JG 10 37 59 A", "NI number {} on the payslip.", "national_insurance_number"),
    ("UK_PASSPORT", "PB9186253", "My UK passport number is {}.", "passport_number"),
    (
        "UK_DRIVING_LICENCE",
        "MORGA657054SM9IJ",
        "My driving licence number is {}.",
        "driving_licence",
    ),
    ("IN_AADHAAR", verhoeff("49731562081"), "My aadhaar number is {}.", "aadhaar"),
    ("IN_AADHAAR", "4973 1562 0815", "Aadhaar: {}", "aadhaar_number"),
    ("IN_PAN", "BNZPM2501F", "PAN card number: {}", "pan_number"),
    ("IN_PASSPORT", "J8369854", "My Indian passport number is {}.", "passport_number"),
    ("IN_VOTER", "WBN4728163", "My voter id (EPIC) is {}.", "voter_id"),
    ("IBAN_CODE", iban("DE", "500105175407324931"), "Please pay to IBAN {} today.", "iban"),
    ("IBAN_CODE", iban("GB", "MIDL40051522334455"), "Please pay to IBAN {} today.", "iban"),
    ("IBAN_CODE", iban("FR", "30004028370001234K56789"), "Please pay to IBAN {}.", "iban"),
    ("IBAN_CODE", iban("ES", "21000813610123456789"), "Please pay to IBAN {}.", "iban"),
    ("IBAN_CODE", iban("IT", "K0306909606100000117293"), "Please pay to IBAN {}.", "iban"),
    ("IBAN_CODE", iban("NL", "RABO0123456789"), "Please pay to IBAN {}.", "iban"),
    ("IBAN_CODE", iban("PL", "102055581111123456789012"), "Please pay to IBAN {}.", "iban"),
    ("CREDIT_CARD", luhn("453201511283036"), "Card {} was charged.", "card_number"),
    ("CREDIT_CARD", luhn("542523343010917"), "Card {} was charged.", "card_number"),
    ("CREDIT_CARD", luhn("34987654321012"), "Card {} was charged.", "card_number"),
    ("CREDIT_CARD", luhn("601198765432101"), "Card {} was charged.", "card_number"),
    ("DE_TAX_ID", de_tax_id("8609574271"), "Meine Steuer-ID ist {}.", "steuer_id"),
    ("DE_TAX_ID", de_tax_id("4725819356"), "Steueridentifikationsnummer {}", "steuerid"),
    ("ES_NIF", nif("48572913"), "Mi DNI es {}.", "dni"),
    ("ES_NIE", nie("Y", "4857291"), "Mi NIE es {}.", "nie"),
    (
        "IT_FISCAL_CODE",
        it_fiscal_code("BNCGLI90A41H501"),
        "Il mio codice fiscale è {}.",
        "codice_fiscale",
    ),
    ("PL_PESEL", pesel("850314", "1234"), "Mój PESEL to {}.", "pesel"),
    ("FI_PERSONAL_IDENTITY_CODE", hetu("131052", "-", "308"), "Henkilötunnus {}", "hetu"),
    ("FI_PERSONAL_IDENTITY_CODE", hetu("020304", "A", "123"), "HETU {}", "hetu"),
    ("PL_PESEL", pesel("102907", "0456"), "PESEL {} (born 2010)", "pesel"),
]

# (entity, value, column): broken check digit or a format the id never has.
BROKEN = [
    ("US_SSN", "000-12-3456", "ssn"),  # area 000 never issued
    ("US_SSN", "666-12-3456", "ssn"),
    ("US_SSN", "536-00-4399", "ssn"),  # group 00
    ("US_SSN", "912-78-3456", "ssn"),  # an ITIN: area 9xx is no SSN
    ("US_ITIN", "912-66-3456", "itin"),  # group 66 outside the ITIN ranges
    ("UK_NHS", break_check(nhs("485777345")), "nhs_number"),
    ("UK_NHS", break_check(nhs("650132879")), "nhs_number"),
    ("UK_NHS", nhs("999000001"), "nhs_number"),  # 9xx: not allocated
    ("UK_NINO", "BG362518B", "nino"),  # prefix never allocated
    ("UK_NINO", "QW362518B", "nino"),  # Q never a first letter
    ("UK_NINO", "HW362518E", "nino"),  # suffix only A-D
    ("UK_DRIVING_LICENCE", "MORGA613054SM9IJ", "driving_licence"),  # month 13
    ("IN_AADHAAR", break_check(verhoeff("49731562081")), "aadhaar"),
    ("IN_AADHAAR", verhoeff("19731562081"), "aadhaar"),  # never starts with 0 or 1
    ("IN_PASSPORT", "J8369850", "passport_number"),  # never ends with 0
    ("IBAN_CODE", break_check(iban("DE", "500105175407324931")), "iban"),
    ("IBAN_CODE", break_check(iban("GB", "MIDL40051522334455")), "iban"),
    ("IBAN_CODE", break_check(iban("FR", "30004028370001234K56789")), "iban"),
    ("IBAN_CODE", break_check(iban("ES", "21000813610123456789")), "iban"),
    ("IBAN_CODE", break_check(iban("IT", "K0306909606100000117293")), "iban"),
    ("IBAN_CODE", break_check(iban("NL", "RABO0123456789")), "iban"),
    ("IBAN_CODE", break_check(iban("PL", "102055581111123456789012")), "iban"),
    ("CREDIT_CARD", break_check(luhn("453201511283036")), "transaction_ref"),
    ("CREDIT_CARD", break_check(luhn("542523343010917")), "transaction_ref"),
    ("CREDIT_CARD", break_check(luhn("34987654321012")), "transaction_ref"),
    ("CREDIT_CARD", break_check(luhn("601198765432101")), "transaction_ref"),
    ("DE_TAX_ID", break_check(de_tax_id("8609574271")), "steuer_id"),
    ("DE_TAX_ID", de_tax_id("1111234567"), "steuer_id"),  # one digit four times
    ("DE_TAX_ID", de_tax_id("1123456677"), "steuer_id"),  # two digits repeated
    ("ES_NIF", break_check(nif("48572913")), "dni"),
    ("ES_NIE", break_check(nie("Y", "4857291")), "nie"),
    ("IT_FISCAL_CODE", break_check(it_fiscal_code("BNCGLI90A41H501")), "codice_fiscale"),
    ("PL_PESEL", break_check(pesel("850314", "1234")), "pesel"),
    ("PL_PESEL", pesel("850230", "1234"), "pesel"),  # 30 February
    ("FI_PERSONAL_IDENTITY_CODE", break_check(hetu("131052", "-", "308")), "hetu"),
    ("FI_PERSONAL_IDENTITY_CODE", hetu("310252", "-", "308"), "hetu"),  # 31 February
]

#: Every national-id type the detector can report (none may come from a look-alike).
NATIONAL_IDS = frozenset(
    {entity for entity, *_ in VALID} - {"CREDIT_CARD", "IBAN_CODE"}
    | {"MEDICAL_LICENSE", "DE_ID_CARD", "DE_PASSPORT", "IT_IDENTITY_CARD", "IT_PASSPORT"}
)

# Checksum-passing look-alikes: numbers that pass Presidio's own check by chance.
TIMESTAMP_NHS = first(1_700_000_000, lambda s: bool(_NHS.validate_result(s)))
ORDER_DE_TAX = first(
    10_000_000_000, lambda s: bool(_DE_TAX.validate_result(s)) and not de_tax_id_digits_ok(s)
)
ORDER_AADHAAR = first(300_000_000_000, lambda s: bool(_AADHAAR.validate_result(s)))
CARD_WITH_PESEL = "4532015112830367"  # wrong Luhn digit; 11 digits inside pass PESEL's
PAN_LIKE_SKU = "ABCDE1234F"

# (value, column or None for free text)
LOOKALIKES = [
    ("Order 100045678 shipped on Monday", None),
    ("100045678", "order_id"),
    ("ORD-2023-000123", "order_id"),
    ("Call +44 20 7946 0018 after six", None),
    ("(212) 555-0143", "phone"),
    ("020 7946 0958", "phone"),
    ("+91 98765 43210", "mobile"),
    ("2023-05-01", "created_at"),
    ("01/02/2011", "order_date"),
    ("2023-05-01T12:30:00Z", "updated_at"),
    ("1699999999123", "event_ms"),
    (TIMESTAMP_NHS, "created_at"),
    (f"Job finished at {TIMESTAMP_NHS} (unix time).", None),
    ("SKU-4471-BLK-XL", "sku"),
    ("AB-1234-XY", "sku"),
    (PAN_LIKE_SKU, "sku"),
    ("1.2.3", "version"),
    ("v10.4.12-rc1", "version"),
    ("5f4dcc3b5aa765d61d8327deb882cf99", "checksum"),
    ("commit 9f86d081884c7d65 reverted", None),
    ("90210-1234", "zip"),
    ("INV-2024-00042", "invoice_id"),
    ("INV000123456", "invoice_number"),
    ("Invoice 20240315001 is overdue.", None),
    (ORDER_DE_TAX, "order_number"),
    (f"Order {ORDER_DE_TAX} was refunded.", None),
    (ORDER_AADHAAR, "order_number"),
    (f"Order {ORDER_AADHAAR} was refunded.", None),
    (CARD_WITH_PESEL, "transaction_ref"),
    (f"Reference {CARD_WITH_PESEL} declined.", None),
    ("GTIN 04006381333931 in stock", None),
]

#: Cases that fail on Presidio's recognizers and pass once ``REPLACEMENTS`` is applied.
NEEDS_SWAP = frozenset(
    {
        ("VALID", "US_SSN", "536904399"),
        ("VALID", "US_PASSPORT", "C03005987"),
        ("VALID", "US_PASSPORT", "531049271"),
        ("VALID", "US_BANK_NUMBER", "004512376890"),
        ("VALID", "UK_PASSPORT", "PB9186253"),
        ("VALID", "IN_PASSPORT", "J8369854"),
        ("BROKEN", "US_SSN", "912-78-3456"),
        ("BROKEN", "UK_NHS", nhs("999000001")),
        ("BROKEN", "DE_TAX_ID", de_tax_id("1111234567")),
        ("BROKEN", "DE_TAX_ID", de_tax_id("1123456677")),
        ("BROKEN", "IT_FISCAL_CODE", break_check(it_fiscal_code("BNCGLI90A41H501"))),
        ("BROKEN", "PL_PESEL", pesel("850230", "1234")),
        ("LOOKALIKE", TIMESTAMP_NHS),
        ("LOOKALIKE", ORDER_DE_TAX),
        ("LOOKALIKE", ORDER_AADHAAR),
        ("LOOKALIKE", CARD_WITH_PESEL),
    }
)


# -- helpers ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def detector(spacy_model: str) -> PresidioDetector:
    return PresidioDetector(Config(spacy_model=spacy_model, progress=False))


def found_in_text(detector: PresidioDetector, text: str) -> dict[str, float]:
    """Entity types the detector reports in free text (best score each, >= min_score)."""
    out: dict[str, float] = {}
    for span in detector.analyze([text])[0]:
        if span.score >= MIN_SCORE:
            out[span.entity_type] = max(out.get(span.entity_type, 0.0), span.score)
    return out


def found_in_cell(detector: PresidioDetector, value: str, field: str) -> dict[str, float]:
    """Entity types a cell of column ``field`` counts as, as the classifier judges it."""
    spans = detector.analyze([value], field=field)[0]
    hinted = frozenset(h.entity_type for h in hints_for(field) if h.score > 0)
    return value_entities(value, spans, hinted, MIN_SCORE, False)


def _ids(table: list) -> list[str]:
    return [f"{case[0]}-{case[1]}-{case[2][:8]}" for case in table]


# -- tests --------------------------------------------------------------------------------
def test_generators_match_published_examples() -> None:
    """The generators reproduce the check digits of examples from the specifications."""
    assert iban("DE", "370400440532013000") == "DE89370400440532013000"
    assert iban("GB", "NWBK60161331926819") == "GB29NWBK60161331926819"
    assert nif("12345678") == "12345678Z"
    assert nie("X", "1234567") == "X1234567L"
    assert pesel("440514", "0145") == "44051401458"
    assert hetu("131052", "-", "308") == "131052-308T"
    assert de_tax_id("8609574271") == "86095742719"
    assert it_fiscal_code("RSSMRA85T10A562") == "RSSMRA85T10A562S"
    assert luhn("411111111111111") == "4111111111111111"
    assert _AADHAAR.validate_result(verhoeff("49731562081"))
    assert _NHS.validate_result(nhs("485777345"))


def test_engine_uses_fixed_recognizers(spacy_model: str) -> None:
    """NEEDS_SWAP: ``_COUNTRY_RECOGNIZERS`` holds the classes of ``REPLACEMENTS``."""
    recognizers = build_engines(spacy_model).analyzer.registry.recognizers
    classes = {type(r) for r in recognizers}
    missing = sorted(new.__name__ for new in REPLACEMENTS.values() if new not in classes)
    assert not missing, f"apply the swap in _COUNTRY_RECOGNIZERS: {missing}"
    assert not classes & set(REPLACEMENTS), "Presidio's unfixed classes still registered"


@pytest.mark.parametrize(("entity", "value", "sentence", "field"), VALID, ids=_ids(VALID))
def test_valid_id_found_in_text(
    detector: PresidioDetector, entity: str, value: str, sentence: str, field: str
) -> None:
    assert entity in found_in_text(detector, sentence.format(value))


@pytest.mark.parametrize(("entity", "value", "sentence", "field"), VALID, ids=_ids(VALID))
def test_valid_id_found_in_cell(
    detector: PresidioDetector, entity: str, value: str, sentence: str, field: str
) -> None:
    assert entity in found_in_cell(detector, value, field)


@pytest.mark.parametrize(("entity", "value", "field"), BROKEN, ids=_ids(BROKEN))
def test_broken_id_not_found(
    detector: PresidioDetector, entity: str, value: str, field: str
) -> None:
    assert entity not in found_in_text(detector, f"The {field.replace('_', ' ')} is {value}.")
    assert entity not in found_in_cell(detector, value, field)


@pytest.mark.parametrize(("value", "field"), LOOKALIKES, ids=[v[:32] for v, _ in LOOKALIKES])
def test_lookalike_is_no_national_id(
    detector: PresidioDetector, value: str, field: str | None
) -> None:
    found = (
        found_in_text(detector, value) if field is None else found_in_cell(detector, value, field)
    )
    assert not NATIONAL_IDS & set(found), found


def test_phone_shaped_pesel_in_pesel_column(detector: PresidioDetector) -> None:
    assert "PL_PESEL" in found_in_cell(detector, pesel("022907", "0456"), "pesel")


def test_lookalikes_pass_presidios_own_checks() -> None:
    """The checksum look-alikes are real traps: Presidio's validators accept them."""
    assert _NHS.validate_result(TIMESTAMP_NHS)
    assert _DE_TAX.validate_result(ORDER_DE_TAX)
    assert _AADHAAR.validate_result(ORDER_AADHAAR)
    pesel_hits = pr.PlPeselRecognizer().analyze(CARD_WITH_PESEL, ["PL_PESEL"], None)
    assert any(r.score == 1.0 for r in pesel_hits)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("85031412347", True),
        ("02290704560", True),
        ("85023012340", False),
        ("85131412340", False),
        ("85931412340", False),
        ("80890100000", True),
    ],
)
def test_pesel_date(value: str, ok: bool) -> None:
    assert pesel_date_ok(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("8609574271", True),
        ("1123456789", True),
        ("1121345678", True),
        ("1112345678", False),
        ("1234567890", False),
        ("1122345678", False),
        ("1111234567", False),
    ],
)
def test_de_tax_id_digit_rule(value: str, ok: bool) -> None:
    assert de_tax_id_digits_ok(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("4857773457", True),
        ("6501328790", True),
        ("7000000000", True),
        ("3456789012", True),
        ("0101901234", True),
        ("1700000000", False),
        ("9990000010", False),
        ("8123456789", False),
        ("5123456789", False),
    ],
)
def test_nhs_ranges(value: str, ok: bool) -> None:
    assert nhs_range_ok(value) is ok


@pytest.mark.parametrize(
    "new", sorted(REPLACEMENTS.values(), key=lambda c: c.__name__), ids=lambda c: c.__name__
)
def test_fixed_patterns_do_not_backtrack(new: type) -> None:
    """The replacements' patterns on the adversarial strings of test_regex_backtracking
    (which covers them through the engine once the swap is applied)."""
    slow = []
    for pattern in new(supported_language="en").patterns:
        compiled = regex.compile(pattern.regex, FLAGS)
        for unit in UNITS.values():
            text = _run(unit)
            start = time.perf_counter()
            try:
                for _ in compiled.finditer(text, timeout=BOUND_S):
                    pass
            except TimeoutError:
                slow.append(f"{pattern.name} on {unit!r}")
                continue
            if time.perf_counter() - start > BOUND_S:
                slow.append(f"{pattern.name} on {unit!r}")
    assert not slow


@pytest.mark.parametrize(
    "new", sorted(REPLACEMENTS.values(), key=lambda c: c.__name__), ids=lambda c: c.__name__
)
def test_replacements_keep_presidio_names(new: type) -> None:
    old = next(o for o, n in REPLACEMENTS.items() if n is new)
    recognizer = new(supported_language="en")
    assert recognizer.name == old.__name__
    assert recognizer.supported_entities == old(supported_language="en").supported_entities
