"""Anonymization operators: outputs per operator, entity and type, determinism, validity."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from presidio_anonymizer import DeanonymizeEngine, OperatorConfig, OperatorResult

from piiscan.anonymize.keys import Keyring
from piiscan.anonymize.operators import OPERATORS, Operators, OperatorSpec, validate_spec
from piiscan.checksums import iban_mod97, luhn_valid
from piiscan.config import Config
from piiscan.detectors.presidio_detector import PresidioDetector
from piiscan.detectors.reserved import is_reserved
from piiscan.errors import ConfigError
from piiscan.model import Span

KEY = "unit-test-anonymization-key-0001"
OTHER_KEY = "unit-test-anonymization-key-0002"


@pytest.fixture(scope="module")
def ops() -> Operators:
    return Operators(Keyring(KEY))


def spec(name: str, **params: Any) -> OperatorSpec:
    return OperatorSpec(name, params)


# -- validation ---------------------------------------------------------------------------

VALID = [
    spec("keep"),
    spec("redact", to_null=True),
    spec("replace", new_value="[gone]"),
    spec("mask", masking_char="#", chars_to_mask=4, from_end=True),
    spec("hash", length=16),
    spec("encrypt", deterministic=False),
    spec("pseudonym", domain="example.org", length=8),
    spec("surrogate", domain="corp.test"),
    spec("generalize", to="age_band", as_of="2026-01-01", width=5),
    spec("generalize", step=1000, decimals=3, country="DE"),
    spec("date_shift", max_days=30),
]
INVALID = [
    (spec("shuffle"), "unknown anonymization operator 'shuffle'"),
    (spec("keep", mode="x"), "unknown parameter(s) mode"),
    (spec("mask", masking_char="**"), "masking_char must be one character"),
    (spec("mask", chars_to_mask=-1), "chars_to_mask"),
    (spec("hash", length=4), "length must be between 8 and 64"),
    (spec("pseudonym", length=40), "length must be between 8 and 32"),
    (spec("pseudonym", domain="gmail.com"), "domain must be a reserved one"),
    (spec("generalize", to="decade"), "to must be one of"),
    (spec("generalize", as_of="yesterday"), "as_of must be a date"),
    (spec("generalize", step=0), "step must be a positive number"),
    (spec("date_shift", max_days=0), "max_days must be >= 1"),
    (spec("encrypt", deterministic="yes"), "deterministic must be true or false"),
]


@pytest.mark.parametrize("s", VALID, ids=lambda s: s.name)
def test_valid_specs_pass(s: OperatorSpec) -> None:
    validate_spec(s)


@pytest.mark.parametrize(("s", "message"), INVALID)
def test_invalid_specs_give_one_line_errors(s: OperatorSpec, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        validate_spec(s)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_every_operator_is_known() -> None:
    for name in OPERATORS:
        validate_spec(spec(name))


# -- fixed outputs (operators without a key) ----------------------------------------------

FIXED = [
    # (value, entity, spec, expected)
    ("jane@corp.com", "EMAIL_ADDRESS", spec("keep"), "jane@corp.com"),
    (42, "AGE", spec("keep"), 42),
    ("jane@corp.com", "EMAIL_ADDRESS", spec("redact"), ""),
    ("jane@corp.com", "EMAIL_ADDRESS", spec("redact", to_null=True), None),
    (12345, "ID", spec("redact"), None),
    (dt.date(1987, 3, 14), "DATE_OF_BIRTH", spec("redact"), None),
    ("Jane", "PERSON", spec("replace"), "<PERSON>"),
    ("Jane", "PERSON", spec("replace", new_value="[name]"), "[name]"),
    (12345, "ID", spec("replace", new_value=0), 0),
    ("4111111111111111", "CREDIT_CARD", spec("mask"), "****************"),
    ("4111111111111111", "CREDIT_CARD", spec("mask", chars_to_mask=12), "************1111"),
    ("07700900123", "PHONE_NUMBER", spec("mask", chars_to_mask=3, from_end=True), "07700900***"),
    (12345, "ID", spec("mask", masking_char="#"), "#####"),
    (None, "EMAIL_ADDRESS", spec("surrogate"), None),
    (None, "DATE_OF_BIRTH", spec("date_shift"), None),
    # generalization
    (dt.date(1987, 3, 14), "DATE_OF_BIRTH", spec("generalize"), dt.date(1987, 1, 1)),
    (dt.date(1987, 3, 14), "DATE_OF_BIRTH", spec("generalize", to="month"), dt.date(1987, 3, 1)),
    (
        dt.datetime(1987, 3, 14, 9, 30),
        "DATE_OF_BIRTH",
        spec("generalize"),
        dt.datetime(1987, 1, 1),
    ),
    (
        dt.date(1987, 3, 14),
        "DATE_OF_BIRTH",
        spec("generalize", to="age_band", as_of="2026-03-13"),
        "30-39",
    ),
    ("1987-03-14", "DATE_OF_BIRTH", spec("generalize"), "1987"),
    ("14/03/1987", "DATE_OF_BIRTH", spec("generalize", to="month"), "1987-03"),
    ("born 1987", "DATE_OF_BIRTH", spec("generalize"), "1987"),
    (
        "1996-06-01",
        "DATE_OF_BIRTH",
        spec("generalize", to="age_band", as_of="2026-06-01"),
        "30-39",
    ),
    ("unknown", "DATE_OF_BIRTH", spec("generalize"), None),
    (1987, "DATE_OF_BIRTH", spec("generalize"), 1987),
    (19870314, "DATE_OF_BIRTH", spec("generalize"), 19870101),
    (19870314, "DATE_OF_BIRTH", spec("generalize", to="month"), 19870301),
    (1987, "DATE_OF_BIRTH", spec("generalize", to="age_band", as_of="2026-06-01"), "30-39"),
    (123, "DATE_OF_BIRTH", spec("generalize"), None),
    (Decimal("5"), "DATE_OF_BIRTH", spec("generalize"), None),
    (42, "AGE", spec("generalize"), 40),
    (42.7, "AGE", spec("generalize"), 40.0),
    (Decimal("42"), "AGE", spec("generalize", width=5), Decimal("40")),
    ("42", "AGE", spec("generalize"), "40-49"),
    ("aged 67", "AGE", spec("generalize"), "60-69"),
    ("SW1A 1AA", "POSTAL_CODE", spec("generalize"), "SW1A"),
    ("m1 1ae", "POSTAL_CODE", spec("generalize"), "M1"),
    ("94105", "POSTAL_CODE", spec("generalize"), "941XX"),
    ("94105-1234", "POSTAL_CODE", spec("generalize"), "941XX"),
    ("10115", "POSTAL_CODE", spec("generalize", country="DE"), "10XXX"),
    ("75008", "POSTAL_CODE", spec("generalize", country="FR"), "75"),
    ("H2X1Y4", "POSTAL_CODE", spec("generalize"), "H2X"),
    (94105, "POSTAL_CODE", spec("generalize"), 94100),
    (51.50735, "GEO_COORDINATE", spec("generalize"), 51.51),
    (-0.12776, "GEO_COORDINATE", spec("generalize", decimals=1), -0.1),
    (Decimal("51.50735"), "GEO_COORDINATE", spec("generalize"), Decimal("51.51")),
    ("51.50735, -0.12776", "GEO_COORDINATE", spec("generalize"), "51.51, -0.13"),
    (52300, "SALARY", spec("generalize"), 50000),
    (57300.0, "SALARY", spec("generalize"), 60000.0),
    (Decimal("52300.50"), "SALARY", spec("generalize", step=1000), Decimal("52000")),
    ("£52,300", "SALARY", spec("generalize"), "£50,000"),
    ("EUR 52300 p.a.", "SALARY", spec("generalize"), "EUR 50000 p.a."),
]


@pytest.mark.parametrize(("value", "entity", "s", "expected"), FIXED)
def test_fixed_outputs(
    ops: Operators, value: Any, entity: str, s: OperatorSpec, expected: Any
) -> None:
    validate_spec(s)
    out = ops.apply(value, entity, s)
    assert out == expected
    assert type(out) is type(expected)


# -- keyed operators: shape and type ------------------------------------------------------

KEYED = [
    # (value, entity, spec, expected type, pattern the output must match or None)
    ("jane@corp.com", "EMAIL_ADDRESS", spec("hash"), str, r"[0-9a-f]{64}"),
    ("jane@corp.com", "EMAIL_ADDRESS", spec("hash", length=16), str, r"[0-9a-f]{16}"),
    (123456, "ID", spec("hash"), int, r"[1-9]\d{5}"),
    (7, "ID", spec("hash"), int, r"[1-9]"),
    (-4321, "ID", spec("hash"), int, r"-[1-9]\d{3}"),
    (dt.date(1987, 3, 14), "DATE_OF_BIRTH", spec("hash"), str, r"[0-9a-f]{64}"),
    ("jane@corp.com", "EMAIL_ADDRESS", spec("pseudonym"), str, r"user-[0-9a-f]{12}@example\.com"),
    (
        "jane@corp.com",
        "EMAIL_ADDRESS",
        spec("pseudonym", domain="corp.test", length=8),
        str,
        r"user-[0-9a-f]{8}@corp\.test",
    ),
    ("Jane Doe", "PERSON", spec("pseudonym"), str, r"Person [0-9A-F]{12}"),
    ("+1 415 867 5309", "PHONE_NUMBER", spec("pseudonym"), str, r"PHONE_NUMBER_[0-9a-f]{12}"),
    (987654321, "CUSTOMER_ID", spec("pseudonym"), int, r"[1-9]\d{8}"),
    (Decimal("12.5"), "SALARY", spec("pseudonym"), str, r"SALARY_[0-9a-f]{12}"),
    ("jane@corp.com", "EMAIL_ADDRESS", spec("surrogate"), str, r"user-[0-9a-f]{12}@example\.com"),
    (
        "jane@corp.com",
        "EMAIL_ADDRESS",
        spec("surrogate", domain="example.test"),
        str,
        r".+@example\.test",
    ),
    ("+1 (415) 867-5309", "PHONE_NUMBER", spec("surrogate"), str, r"\+1 \(\d{3}\) 555-01\d\d"),
    ("415.867.5309", "PHONE_NUMBER", spec("surrogate"), str, r"\d{3}\.555\.01\d\d"),
    ("07911 123456", "PHONE_NUMBER", spec("surrogate"), str, r"07700 900\d{3}"),
    ("+44 7911 123456", "PHONE_NUMBER", spec("surrogate"), str, r"\+44 7700 900\d{3}"),
    ("020 7123 4567", "PHONE_NUMBER", spec("surrogate"), str, r"020 7946 0\d{3}"),
    ("0161 123 4567", "PHONE_NUMBER", spec("surrogate"), str, r"0163 296 0\d{3}"),
    ("+49 30 1234567", "PHONE_NUMBER", spec("surrogate"), str, r"\+49 00 \d{7}"),
    ("+33 1 23 45 67 89", "PHONE_NUMBER", spec("surrogate"), str, r"\+33 0 0\d \d\d \d\d \d\d"),
    (14158675309, "PHONE_NUMBER", spec("surrogate"), int, r"1\d{3}55501\d\d"),
    ("4532 0151 1283 0366", "CREDIT_CARD", spec("surrogate"), str, r"4000 00\d\d \d{4} \d{4}"),
    ("5425-2334-3010-9903", "CREDIT_CARD", spec("surrogate"), str, r"5555-55\d\d-\d{4}-\d{4}"),
    ("371234567890123", "CREDIT_CARD", spec("surrogate"), str, r"378282\d{9}"),
    ("6011000990139424", "CREDIT_CARD", spec("surrogate"), str, r"601111\d{10}"),
    (4532015112830366, "CREDIT_CARD", spec("surrogate"), int, r"400000\d{10}"),
    ("536-22-1234", "US_SSN", spec("surrogate"), str, r"666-\d\d-\d{4}"),
    ("536221234", "US_SSN", spec("surrogate"), str, r"666\d{6}"),
    (
        "DE44 5001 0517 5407 3249 31",
        "IBAN_CODE",
        spec("surrogate"),
        str,
        r"DE(01|99)( \d{4}){4} \d\d",
    ),
    ("GB29NWBK60161331926819", "IBAN_CODE", spec("surrogate"), str, r"GB(01|99)[A-Z]{4}\d{14}"),
    ("8.8.8.8", "IP_ADDRESS", spec("surrogate"), str, r"(192\.0\.2|198\.51\.100|203\.0\.113)\.\d+"),
    ("2a00:1450::1", "IP_ADDRESS", spec("surrogate"), str, r"2001:db8:[0-9a-f:]+"),
    (
        "https://corp.com/u/jane",
        "URL",
        spec("surrogate"),
        str,
        r"https://example\.com/[0-9a-f]{12}",
    ),
    ("Jane Doe", "PERSON", spec("surrogate"), str, r"Person [0-9A-F]{12}"),
    ("AB123456C", "UK_NINO", spec("surrogate"), str, r"UK_NINO_[0-9a-f]{12}"),
    ("secret", "PASSWORD", spec("encrypt"), str, r"[A-Za-z0-9_-]+={0,2}"),
]


@pytest.mark.parametrize(("value", "entity", "s", "kind", "pattern"), KEYED)
def test_keyed_outputs_have_the_promised_shape_and_type(
    ops: Operators, value: Any, entity: str, s: OperatorSpec, kind: type, pattern: str
) -> None:
    out = ops.apply(value, entity, s)
    assert type(out) is kind
    assert re.fullmatch(pattern, str(out)), out
    assert out != value


@pytest.mark.parametrize(("value", "entity", "s", "kind", "pattern"), KEYED)
def test_same_key_same_output_other_key_other_output(
    value: Any, entity: str, s: OperatorSpec, kind: type, pattern: str
) -> None:
    first = Operators(Keyring(KEY)).apply(value, entity, s)
    again = Operators(Keyring(KEY)).apply(value, entity, s)
    other = Operators(Keyring(OTHER_KEY)).apply(value, entity, s)
    assert first == again
    if not (isinstance(value, int) and abs(value) < 10):  # 9 possible one-digit outputs
        assert first != other


def test_outputs_are_fixed_across_processes() -> None:
    """Regression pin: a change here breaks joins with earlier anonymized copies."""
    ops = Operators(Keyring(KEY))
    assert ops.apply("jane@corp.com", "EMAIL_ADDRESS", spec("hash", length=16)) == (
        ops.apply(" JANE@corp.COM ", "EMAIL_ADDRESS", spec("hash", length=16))
    )
    assert ops.keyring.key_id == Keyring(KEY).key_id
    import subprocess
    import sys

    code = (
        "from piiscan.anonymize.keys import Keyring;"
        "from piiscan.anonymize.operators import Operators, OperatorSpec;"
        f"o = Operators(Keyring({KEY!r}));"
        "print(o.apply('jane@corp.com', 'EMAIL_ADDRESS', OperatorSpec('pseudonym')),"
        " o.apply(123456, 'ID', OperatorSpec('hash')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    expected = (
        f"{ops.apply('jane@corp.com', 'EMAIL_ADDRESS', spec('pseudonym'))} "
        f"{ops.apply(123456, 'ID', spec('hash'))}"
    )
    assert out.stdout.strip() == expected


@pytest.mark.parametrize(
    ("a", "b", "entity"),
    [
        ("Jane.Doe@Corp.COM", "jane.doe@corp.com", "EMAIL_ADDRESS"),
        (" jane.doe@corp.com", "jane.doe@corp.com ", "EMAIL_ADDRESS"),
        ("Jane  Doe", "jane doe", "PERSON"),
        ("+1 (415) 867-5309", "+1 415.867.5309", "PHONE_NUMBER"),
        ("4111-1111-1111-1111", "4111 1111 1111 1111", "CREDIT_CARD"),
        ("de44 5001 0517 5407 3249 31", "DE44500105175407324931", "IBAN_CODE"),
    ],
)
def test_normalised_values_share_their_pseudonym(
    ops: Operators, a: str, b: str, entity: str
) -> None:
    assert ops.apply(a, entity, spec("pseudonym")) == ops.apply(b, entity, spec("pseudonym"))
    assert ops.apply(a, entity, spec("hash")) == ops.apply(b, entity, spec("hash"))


def test_pseudonyms_join_across_columns_and_differ_between_values(ops: Operators) -> None:
    customers_email = ops.apply("jane@corp.com", "EMAIL_ADDRESS", spec("pseudonym"))
    orders_email = ops.apply("jane@corp.com", "EMAIL_ADDRESS", spec("pseudonym"))
    assert customers_email == orders_email
    assert customers_email == ops.apply("jane@corp.com", "EMAIL_ADDRESS", spec("surrogate"))
    assert customers_email != ops.apply("john@corp.com", "EMAIL_ADDRESS", spec("pseudonym"))
    outputs = {ops.apply(i, "ID", spec("pseudonym")) for i in range(100_000, 101_000)}
    assert len(outputs) > 990  # 6-digit ids stay 6 digits; collisions are rare


SURROGATE_LAYOUTS = [
    ("PHONE_NUMBER", "+1 (415) 867-5309"),
    ("PHONE_NUMBER", "(415) 867 5309"),
    ("PHONE_NUMBER", "+44 (0)20 7123 4567"),
    ("PHONE_NUMBER", "+49-151-1234-5678"),
    ("CREDIT_CARD", "4532 0151 1283 0366"),
    ("CREDIT_CARD", "3530-1113-3330-0000"),
    ("US_SSN", "536 22 1234"),
    ("IBAN_CODE", "FR14 2004 1010 0505 0001 3M02 606"),
]


@pytest.mark.parametrize(("entity", "value"), SURROGATE_LAYOUTS)
def test_surrogates_keep_the_layout(ops: Operators, entity: str, value: str) -> None:
    out = ops.apply(value, entity, spec("surrogate"))
    shape = re.compile(r"[0-9]")
    assert shape.sub("9", re.sub(r"[A-Z]", "A", out)) == shape.sub(
        "9", re.sub(r"[A-Z]", "A", value)
    )
    assert is_reserved(entity, out)


@pytest.mark.parametrize("value", ["4532015112830366", "5425233430109903", "4222222222222", "x"])
def test_card_surrogates_are_luhn_valid(ops: Operators, value: str) -> None:
    digits = re.sub(r"\D", "", ops.apply(value, "CREDIT_CARD", spec("surrogate")))
    assert luhn_valid(digits) and 12 <= len(digits) <= 19


@pytest.mark.parametrize(
    "value", ["DE44500105175407324931", "GB29NWBK60161331926819", "NL91ABNA0417164300", "?"]
)
def test_iban_surrogates_are_mod97_valid_with_unissued_check_digits(
    ops: Operators, value: str
) -> None:
    out = ops.apply(value, "IBAN_CODE", spec("surrogate")).replace(" ", "")
    assert iban_mod97(out) == 1
    assert out[2:4] in ("01", "99")
    if value != "?":
        assert out[:2] == value[:2] and len(out) == len(value)


def test_realistic_names_come_from_the_bundled_list() -> None:
    ops = Operators(Keyring(KEY), realistic_names=True)
    full = ops.apply("Jane Doe", "PERSON", spec("surrogate"))
    assert re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+", full)
    assert re.fullmatch(r"[A-Z][a-z]+", ops.apply("Jane", "PERSON", spec("surrogate")))
    assert full == Operators(Keyring(KEY), realistic_names=True).apply(
        "jane  doe", "PERSON", spec("surrogate")
    )


# -- encryption ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["jane@corp.com", "Ünïcødé ✓", "", 12345, dt.date(1987, 3, 14)])
def test_encrypt_round_trips(ops: Operators, value: Any) -> None:
    cipher = ops.apply(value, "X", spec("encrypt"))
    expected = value.isoformat() if isinstance(value, dt.date) else str(value)
    assert ops.decrypt(cipher) == expected
    assert cipher == ops.apply(value, "X", spec("encrypt"))  # deterministic: joins survive
    random_iv = ops.apply(value, "X", spec("encrypt", deterministic=False))
    assert random_iv != cipher and ops.decrypt(random_iv) == expected


def test_presidio_deanonymize_engine_decrypts_with_the_derived_key(ops: Operators) -> None:
    text = "token " + ops.apply("jane@corp.com", "EMAIL_ADDRESS", spec("encrypt"))
    key = Keyring(KEY).derive("encrypt")
    result = DeanonymizeEngine().deanonymize(
        text,
        [OperatorResult(6, len(text), "EMAIL_ADDRESS")],
        {"DEFAULT": OperatorConfig("decrypt", {"key": key})},
    )
    assert result.text == "token jane@corp.com"


def test_decrypting_with_another_key_fails_cleanly(ops: Operators) -> None:
    cipher = ops.apply("jane@corp.com", "EMAIL_ADDRESS", spec("encrypt"))
    with pytest.raises(ConfigError, match="cannot decrypt") as err:
        Operators(Keyring(OTHER_KEY)).decrypt(cipher)
    assert KEY not in str(err.value) and "jane" not in str(err.value)
    with pytest.raises(ConfigError):
        ops.decrypt("not-a-ciphertext")


# -- date shifting ------------------------------------------------------------------------


def test_date_shift_moves_a_subjects_dates_by_one_offset(ops: Operators) -> None:
    born = ops.apply(dt.date(1987, 3, 14), "DATE_OF_BIRTH", spec("date_shift"), subject="cust-1")
    visit = ops.apply(
        dt.datetime(2024, 5, 1, 10, 30), "DATE_TIME", spec("date_shift"), subject="cust-1"
    )
    text = ops.apply("2024-05-03", "DATE_TIME", spec("date_shift"), subject="cust-1")
    assert isinstance(born, dt.date) and isinstance(visit, dt.datetime)
    offset = (born - dt.date(1987, 3, 14)).days
    assert offset != 0 and abs(offset) <= 180
    assert visit - dt.datetime(2024, 5, 1, 10, 30) == dt.timedelta(days=offset)
    assert text == (dt.date(2024, 5, 3) + dt.timedelta(days=offset)).isoformat()


@pytest.mark.parametrize(
    ("value", "pattern"),
    [
        ("14/03/1987", r"\d\d/\d\d/\d{4}"),
        ("1987-03-14 08:15:00", r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"),
        ("2024-05-01T10:30:00+02:00", r"\d{4}-\d\d-\d\dT10:30:00\+02:00"),
        ("14 Mar 1987", r"\d\d [A-Z][a-z]{2} \d{4}"),
    ],
)
def test_date_shift_keeps_the_string_format(ops: Operators, value: str, pattern: str) -> None:
    out = ops.apply(value, "DATE_TIME", spec("date_shift"), subject="cust-1")
    assert re.fullmatch(pattern, out) and out != value


def test_date_shift_offsets_are_bounded_nonzero_and_spread(ops: Operators) -> None:
    offsets = [ops.date_offset(f"cust-{i}", 30) for i in range(2000)]
    assert 0 not in offsets and max(offsets) == 30 and min(offsets) == -30
    assert len(set(offsets)) == 60


def test_date_shift_without_subject_uses_the_value(ops: Operators) -> None:
    a = ops.apply(dt.date(2020, 1, 1), "DATE_TIME", spec("date_shift"))
    assert a == ops.apply(dt.date(2020, 1, 1), "DATE_TIME", spec("date_shift"))
    assert a != dt.date(2020, 1, 1)
    assert ops.apply("not a date", "DATE_TIME", spec("date_shift")) is None
    assert ops.apply(42, "DATE_TIME", spec("date_shift")) is None
    shifted = ops.apply(20240501, "DATE_TIME", spec("date_shift"), subject="cust-1")
    offset = ops.date_offset("cust-1")
    assert shifted == int(f"{dt.date(2024, 5, 1) + dt.timedelta(days=offset):%Y%m%d}")


# -- free text ----------------------------------------------------------------------------

TEXT = "Call Jane Doe at +1 415-867-5309 or jane@corp.com today."
SPANS = [
    Span("PERSON", 5, 13, 0.85),
    Span("PHONE_NUMBER", 17, 32, 0.75),
    Span("EMAIL_ADDRESS", 36, 49, 1.0),
    Span("URL", 41, 49, 0.5),  # overlaps the e-mail address: the e-mail wins
]


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        (
            {
                "PERSON": spec("replace"),
                "PHONE_NUMBER": spec("redact"),
                "EMAIL_ADDRESS": spec("mask"),
            },
            "Call <PERSON> at  or ************* today.",
        ),
        (
            {"PERSON": spec("keep"), "PHONE_NUMBER": spec("replace", new_value="[tel]")},
            "Call Jane Doe at [tel] or <EMAIL_ADDRESS> today.",
        ),
    ],
)
def test_text_replaces_only_the_spans(
    ops: Operators, chosen: dict[str, OperatorSpec], expected: str
) -> None:
    out = ops.apply_text(TEXT, SPANS, lambda e: chosen.get(e, spec("replace")))
    assert out == expected


def test_text_surrogates_match_cell_surrogates(ops: Operators) -> None:
    out = ops.apply_text(TEXT, SPANS, lambda e: spec("surrogate"))
    person = ops.apply("Jane Doe", "PERSON", spec("surrogate"))
    phone = ops.apply("+1 415-867-5309", "PHONE_NUMBER", spec("surrogate"))
    email = ops.apply("jane@corp.com", "EMAIL_ADDRESS", spec("surrogate"))
    assert out == f"Call {person} at {phone} or {email} today."


def test_text_keyed_operators_and_unreadable_values(ops: Operators) -> None:
    text = "born 14/03/1987, id 12345, note xyz"
    spans = [
        Span("DATE_OF_BIRTH", 5, 15, 0.9),
        Span("ID", 20, 25, 0.9),
        Span("DATE_TIME", 32, 35, 0.9),
    ]
    specs = {
        "DATE_OF_BIRTH": spec("generalize"),
        "ID": spec("hash", length=8),
        "DATE_TIME": spec("date_shift"),
    }
    out = ops.apply_text(text, spans, specs.__getitem__)
    hashed = ops.apply("12345", "ID", spec("hash", length=8))
    assert out == f"born 1987, id {hashed}, note <DATE_TIME>"
    assert ops.apply_text(text, [], specs.__getitem__) == text
    assert ops.apply_text(text, [Span("ID", 30, 99, 0.9)], specs.__getitem__) == text


def test_text_encryption_decrypts(ops: Operators) -> None:
    out = ops.apply_text(
        "mail jane@corp.com", [Span("EMAIL_ADDRESS", 5, 18, 1.0)], lambda e: spec("encrypt")
    )
    assert out.startswith("mail ") and ops.decrypt(out[5:]) == "jane@corp.com"


# -- the scanner tells surrogates from real data ------------------------------------------

# (entity, real value, column name, Presidio flags the surrogate without ignore_reserved)
DETECTABLE = [
    ("EMAIL_ADDRESS", "jane@corp.com", "email", True),
    ("PHONE_NUMBER", "+1 (415) 867-5309", "phone", True),
    ("PHONE_NUMBER", "(415) 867-5309", "phone", True),
    ("PHONE_NUMBER", "07911 123456", "phone", True),
    ("PHONE_NUMBER", "+49 30 1234567", "phone", False),  # ``+49 00…`` is no valid number
    ("CREDIT_CARD", "4532 0151 1283 0366", "card", True),
    ("CREDIT_CARD", "371234567890123", "card", True),
    ("US_SSN", "536-22-1234", "ssn", False),  # Presidio rejects area 666 itself
    ("IBAN_CODE", "DE44 5001 0517 5407 3249 31", "iban", False),  # check digits 01/99
    ("IP_ADDRESS", "8.8.8.8", "ip", True),
    ("IP_ADDRESS", "2a00:1450:4001::1", "ip", True),
    ("URL", "https://corp.com/u/jane", "website", True),
    ("PERSON", "Jane Doe", "name", False),  # a token; rule-only mode has no NER
]


@pytest.fixture(scope="module")
def detectors() -> dict[bool, PresidioDetector]:
    return {
        flag: PresidioDetector(Config(spacy_model="none", ignore_reserved=flag))
        for flag in (False, True)
    }


def _found(detector: PresidioDetector, text: str, field: str | None) -> set[str]:
    spans = detector.analyze([text], field=field)[0]
    return {
        s.entity_type for s in spans if s.score >= detector.config.min_score and not s.reserved
    }


@pytest.mark.parametrize(("entity", "value", "field", "flagged"), DETECTABLE)
def test_surrogates_are_ignored_only_with_ignore_reserved(
    ops: Operators,
    detectors: dict[bool, PresidioDetector],
    entity: str,
    value: str,
    field: str,
    flagged: bool,
) -> None:
    surrogate = ops.apply(value, entity, spec("surrogate"))
    if entity != "PERSON":
        assert entity in _found(detectors[False], value, field)  # the real value is found
    assert (entity in _found(detectors[False], surrogate, field)) is flagged
    assert _found(detectors[True], surrogate, field) == set()
    assert _found(detectors[True], f"Contact: {surrogate}.", None) == set()
    if entity != "PERSON":
        assert entity in _found(detectors[True], value, field)  # real data is still found
