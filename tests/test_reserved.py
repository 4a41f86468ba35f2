"""Reserved, test and pseudonym values: recognised as non-real; real-looking ones are not."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from presidio_analyzer import RecognizerResult

from piiscan.anonymize.keys import Keyring
from piiscan.anonymize.operators import Operators, OperatorSpec
from piiscan.detectors.postprocess import clean, drop_reserved, reserved_flags
from piiscan.detectors.reserved import is_reserved, token_regions

RESERVED = [
    ("EMAIL_ADDRESS", "jane@example.com"),
    ("EMAIL_ADDRESS", "Jane.Doe@EXAMPLE.ORG"),
    ("EMAIL_ADDRESS", "x@mail.example.net"),
    ("EMAIL_ADDRESS", "ops@corp.test"),
    ("EMAIL_ADDRESS", "a@host.example"),
    ("EMAIL_ADDRESS", "a@nowhere.invalid"),
    ("EMAIL_ADDRESS", "root@box.localhost"),
    ("EMAIL_ADDRESS", "user-3fa9c2d1e4b5@example.com"),
    ("URL", "https://example.com/3fa9c2d1"),
    ("URL", "www.example.org/path?q=1"),
    ("URL", "http://shop.test:8080/"),
    ("URL", "http://192.0.2.7/admin"),
    ("PHONE_NUMBER", "(212) 555-0143"),
    ("PHONE_NUMBER", "+1 201-555-0100"),
    ("PHONE_NUMBER", "1-800-555-0199"),
    ("PHONE_NUMBER", "555-0123"),
    ("PHONE_NUMBER", "07700 900123"),
    ("PHONE_NUMBER", "+44 7700 900999"),
    ("PHONE_NUMBER", "+44 (0)20 7946 0018"),
    ("PHONE_NUMBER", "01632 960000"),
    ("PHONE_NUMBER", "0113 496 0123"),
    ("PHONE_NUMBER", "+49 00 1234567"),
    ("PHONE_NUMBER", "000 12345678"),
    ("CREDIT_CARD", "4111 1111 1111 1111"),
    ("CREDIT_CARD", "4242-4242-4242-4242"),
    ("CREDIT_CARD", "5555555555554444"),
    ("CREDIT_CARD", "378282246310005"),
    ("CREDIT_CARD", "6011 1111 1111 1117"),
    ("CREDIT_CARD", "4000 0000 0000 0002"),  # surrogate prefix, Luhn-valid
    ("US_SSN", "078-05-1120"),
    ("US_SSN", "219-09-9999"),
    ("US_SSN", "666-12-3456"),
    ("US_SSN", "000-12-3456"),
    ("US_SSN", "912 34 5678"),
    ("IBAN_CODE", "GB82 WEST 1234 5698 7654 32"),
    ("IBAN_CODE", "DE89 3704 0044 0532 0130 00"),
    ("IBAN_CODE", "GB99WEST12345600000017"),  # check digits 99 ≡ 02: mod-97 valid, unissued
    ("IP_ADDRESS", "192.0.2.1"),
    ("IP_ADDRESS", "198.51.100.254"),
    ("IP_ADDRESS", "203.0.113.9"),
    ("IP_ADDRESS", "2001:db8::1"),
    ("IP_ADDRESS", "2001:0db8:85a3::8a2e:0370:7334"),
    ("PERSON", "Person 3FA9C2D1E4B5"),
    ("US_PASSPORT", "US_PASSPORT_3fa9c2d1e4b5"),
    ("UK_NHS", "4000 0063 6594 5285"),  # a card surrogate read as another id
    ("DATE_TIME", "666-54-4367"),  # an SSN surrogate read as a date
    ("PHONE_NUMBER", "666-54-4367"),
]

NOT_RESERVED = [
    ("EMAIL_ADDRESS", "jane@corp.com"),
    ("EMAIL_ADDRESS", "jane@example.co.uk"),
    ("EMAIL_ADDRESS", "jane@notexample.com"),
    ("EMAIL_ADDRESS", "test@gmail.com"),
    ("URL", "https://corp.com/example.com"),
    ("URL", "https://testing.io"),
    ("PHONE_NUMBER", "(212) 555-1234"),
    ("PHONE_NUMBER", "+1 415 867 5309"),
    ("PHONE_NUMBER", "07911 123456"),
    ("PHONE_NUMBER", "+44 20 7123 4567"),
    ("PHONE_NUMBER", "+49 30 1234567"),
    ("PHONE_NUMBER", "030 1234567"),
    ("CREDIT_CARD", "4532 0151 1283 0366"),
    ("CREDIT_CARD", "4000 0000 0000 0001"),  # surrogate prefix but not Luhn-valid
    ("US_SSN", "536-22-1234"),
    ("US_SSN", "536 22 1234"),
    ("IBAN_CODE", "GB02WEST12345600000017"),  # the issued twin of the 99 example
    ("IBAN_CODE", "DE44 5001 0517 5407 3249 31"),
    ("IBAN_CODE", "GB29 NWBK 6016 1331 9268 19"),
    ("IP_ADDRESS", "8.8.8.8"),
    ("IP_ADDRESS", "192.0.3.1"),
    ("IP_ADDRESS", "2a00:1450::1"),
    ("PERSON", "Jane Doe"),
    ("PERSON", "Person"),
    ("PERSON", "Person 3fa9"),
    ("US_BANK_NUMBER", "000123456789"),  # real accounts start with zeros
    ("US_ITIN", "912-70-1234"),  # 9xx is an ITIN, real data of its own type
    ("LOCATION", "localhost"),
    ("DATE_TIME", "2019-05-05"),
    ("EMAIL_ADDRESS", ""),
]


@pytest.mark.parametrize(("entity", "text"), RESERVED)
def test_reserved_values_are_recognised(entity: str, text: str) -> None:
    assert is_reserved(entity, text)


@pytest.mark.parametrize(("entity", "text"), NOT_RESERVED)
def test_real_looking_values_are_not_reserved(entity: str, text: str) -> None:
    assert not is_reserved(entity, text)


SURROGATE_ENTITIES = [
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "US_SSN",
    "IBAN_CODE",
    "IP_ADDRESS",
    "URL",
    "PERSON",
    "US_PASSPORT",
    "LOCATION",
]
OPS = Operators(Keyring("property-test-key-0123456789"))
# Inputs: anything, and things shaped like the values the surrogates imitate.
shaped = st.one_of(
    st.text(max_size=40),
    st.from_regex(r"\+?[0-9 ().-]{0,22}", fullmatch=True),
    st.from_regex(r"[A-Z]{2}[0-9]{2}( ?[A-Z0-9]{4}){3,7}", fullmatch=True),
    st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){3}|[0-9a-f:]{2,39}", fullmatch=True),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entity=st.sampled_from(SURROGATE_ENTITIES), text=shaped)
def test_every_surrogate_and_pseudonym_is_reserved(entity: str, text: str) -> None:
    for op in ("surrogate", "pseudonym"):
        out = OPS.apply(text, entity, OperatorSpec(op))
        assert is_reserved(entity, out), (entity, op)


@settings(max_examples=60, deadline=None)
@given(text=shaped, domain=st.sampled_from(["example.org", "corp.test", "x.invalid"]))
def test_email_surrogates_in_other_reserved_domains_are_reserved(text: str, domain: str) -> None:
    out = OPS.apply(text, "EMAIL_ADDRESS", OperatorSpec("surrogate", {"domain": domain}))
    assert out.endswith("@" + domain) and is_reserved("EMAIL_ADDRESS", out)


def test_tokens_are_found_inside_text() -> None:
    text = "Met Person 3FA9C2D1E4B5 and ID_0123456789ab today; not xPerson 3FA9C2D1E4B5"
    assert [text[s:e] for s, e in token_regions(text)] == [
        "Person 3FA9C2D1E4B5",
        "ID_0123456789ab",
    ]


def _result(entity: str, start: int, end: int, score: float = 0.9) -> RecognizerResult:
    return RecognizerResult(entity, start, end, score, recognition_metadata={})


def test_reserved_flags_mark_reserved_spans_and_parts_of_tokens() -> None:
    text = "Person 3FA9C2D1E4B5 wrote from jane@corp.com and user-1@example.com"
    results = [
        _result("PERSON", 0, 6),  # NER tags only part of the token
        _result("EMAIL_ADDRESS", 31, 44),
        _result("EMAIL_ADDRESS", 49, 67),
        _result("URL", 56, 67, 0.5),
    ]
    kept = clean(text, list(results), cell=False)
    assert len(kept) == 3  # the URL is part of the e-mail
    assert [(r.entity_type, text[r.start : r.end]) for r in drop_reserved(text, kept)] == [
        ("EMAIL_ADDRESS", "jane@corp.com")
    ]
    # without ``values`` (the gate, --no-default-allow-list) only the token is set aside
    assert reserved_flags(text, kept, values=False) == [True, False, False]
    assert drop_reserved(text, []) == []


# (text, entity, span text): a recognizer reads part of a reserved value as a finding
PARTS = [
    ("+49 00 55017 377", "PHONE_NUMBER", "00 55017 377"),  # 00: an international prefix
    ("call +33 0 00 75 73 94 today", "PHONE_NUMBER", "00 75 73 94"),
    ("+447700900911", "IN_AADHAAR", "447700900911"),
    ("GB01 ICOX 4641 8168 7615 70", "PHONE_NUMBER", "4641 8168 7615 70"),  # IBAN surrogate
    ("NL99VQES4896392998", "MEDICAL_LICENSE", "ES4896392"),
    ("iban MT99 WHTG 1567 0564 3221 CVGR EZE1 59P.", "STREET_ADDRESS", "0564 3221 CVGR EZE1 59P."),
    ("mail user-1a2b3c4d5e6f@example.com now", "PERSON", "user"),
]


@pytest.mark.parametrize(("text", "entity", "part"), PARTS)
def test_parts_of_reserved_values_are_set_aside(text: str, entity: str, part: str) -> None:
    start = text.index(part)
    [flag] = reserved_flags(text, [_result(entity, start, start + len(part))])
    assert flag


# the same shapes around real values stay findings
REAL_PARTS = [
    ("+49 30 55017 377", "PHONE_NUMBER", "30 55017 377"),
    ("GB29 NWBK 6016 1331 9268 19", "PHONE_NUMBER", "6016 1331 9268 19"),
    ("mail jane.doe@corp.com now", "PERSON", "jane"),
]


@pytest.mark.parametrize(("text", "entity", "part"), REAL_PARTS)
def test_parts_of_real_values_are_kept(text: str, entity: str, part: str) -> None:
    start = text.index(part)
    assert reserved_flags(text, [_result(entity, start, start + len(part))]) == [False]


# a reserved number written just before a real one does not hide it
NEIGHBOURS = [
    ("000 +49 30 1234567", "PHONE_NUMBER", "+49 30 1234567"),
    ("ref 000 / 030 1234567", "PHONE_NUMBER", "030 1234567"),
    ("(212) 555-0143 07911 123456", "PHONE_NUMBER", "07911 123456"),
]


@pytest.mark.parametrize(("text", "entity", "part"), NEIGHBOURS)
def test_a_reserved_neighbour_does_not_hide_a_real_number(
    text: str, entity: str, part: str
) -> None:
    start = text.index(part)
    assert reserved_flags(text, [_result(entity, start, start + len(part))]) == [False]
