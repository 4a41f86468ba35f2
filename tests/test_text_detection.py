"""Free-text detection through the production detector (rule-only): addresses over several
lines, phone numbers revealed by context, ages, postcodes, job titles; the cross-type rules
that keep generic NER readings from hiding or faking findings; line blocks."""

from __future__ import annotations

import pytest
from presidio_analyzer import RecognizerResult

from piiscan.config import Config
from piiscan.detectors.postprocess import clean
from piiscan.detectors.presidio_detector import PresidioDetector
from piiscan.line_blocks import analyze_lines
from piiscan.model import Span


@pytest.fixture(scope="module")
def detector() -> PresidioDetector:
    return PresidioDetector(Config(spacy_model="none"))


def found(detector: PresidioDetector, text: str, entity: str) -> list[str]:
    """The texts of ``entity`` spans reported (score >= 0.5)."""
    (spans,) = detector.analyze([text])
    return [text[s.start : s.end] for s in spans if s.entity_type == entity and s.score >= 0.5]


# (text, entity, the reported span text)
POSITIVE = [
    # an address is one finding however many lines it takes
    (
        "Ship to:\n4844 Søndergade 52\n Apt. 656\n Brønderslev\n Denmark 35018\nThanks",
        "STREET_ADDRESS",
        "4844 Søndergade 52\n Apt. 656\n Brønderslev\n Denmark 35018",
    ),
    (
        ">727 Gesterbyntie 68\n>Suite 377\n>HYVINKÄÄ\n>Finland 41600",
        "STREET_ADDRESS",
        "727 Gesterbyntie 68\n>Suite 377\n>HYVINKÄÄ\n>Finland 41600",
    ),
    # a street line no rule knows, confirmed by the address lines under it
    (
        "20789 Allika 46\n Suite 501\n Riisa\n Estonia 62488",
        "STREET_ADDRESS",
        "20789 Allika 46\n Suite 501\n Riisa\n Estonia 62488",
    ),
    ("Please deliver to Nybyvägen 65 tomorrow.", "STREET_ADDRESS", "Nybyvägen 65"),
    ("He lives at Rooseveltlaan 110, Utrecht", "STREET_ADDRESS", "Rooseveltlaan 110, Utrecht"),
    ("Office: ul. Narewska 94, Warszawa", "STREET_ADDRESS", "ul. Narewska 94, Warszawa"),
    ("send it to Via dei Fiorentini 17", "STREET_ADDRESS", "Via dei Fiorentini 17"),
    ("my flat is Apt. 342", "STREET_ADDRESS", "Apt. 342"),
    ("PSC 4574, Box 8393\nAPO AA 81998", "STREET_ADDRESS", "PSC 4574, Box 8393\nAPO AA 81998"),
    ("USS Lorenzen\nFPO AE 25990", "STREET_ADDRESS", "USS Lorenzen\nFPO AE 25990"),
    # phone numbers that only the word next to them reveals
    ("Phone:\n358 0594\n", "PHONE_NUMBER", "358 0594"),
    ("Can someone call me on 9472 7916?", "PHONE_NUMBER", "9472 7916"),
    ("Desk: +1-903-140-4508x769", "PHONE_NUMBER", "+1-903-140-4508x769"),
    ("+46 (0)179 459 33 fax", "PHONE_NUMBER", "+46 (0)179 459 33"),
    # ages
    ("I'm Katie, originally from Leeds, and i'm 82 y/o.", "AGE", "82"),
    ("My brother just turned 47", "AGE", "47"),
    ("Mr. Baader is a 21 year old man", "AGE", "21"),
    ("My father retired at the age of 68", "AGE", "68"),
    # postcodes of other countries, next to a postcode word
    ("ZIP: 7412 SL", "POSTAL_CODE", "7412 SL"),
    ("My zip code is 3910", "POSTAL_CODE", "3910"),
    ("Postal code 3610-114", "POSTAL_CODE", "3610-114"),
    # a job title alone on a line of a signature block
    ("Jamie Pratt\n\nChildren's librarian\n\nPhone: 555", "JOB_TITLE", "Children's librarian"),
]

# (text, entity): nothing of that type may be reported
NEGATIVE = [
    ("Upgrade to Windows 10 and Python 3 before release 2", "STREET_ADDRESS"),
    ("See chapter 12 section 4 and table 3", "STREET_ADDRESS"),
    ("Order 12345 shipped 3 items to warehouse 7", "STREET_ADDRESS"),
    ("Unit tests: 345 passed, 2 failed", "STREET_ADDRESS"),
    ("build 2024 took 345 seconds", "PHONE_NUMBER"),  # no phone word
    ("order 4471 2231 shipped", "PHONE_NUMBER"),
    ("call at 2024-05-01", "PHONE_NUMBER"),  # a date after a phone word
    ("phone inventory: 12:30:15", "PHONE_NUMBER"),
    ("The server turned 3 pages of logs", "AGE"),
    ("Total: 3910 items", "POSTAL_CODE"),
    ("Software Engineer", "JOB_TITLE"),  # a lone value: only a column name says so
    ("address 172.61.42.192 blocked", "PHONE_NUMBER"),  # an IP address is no phone
]


@pytest.mark.parametrize(("text", "entity", "span"), POSITIVE)
def test_found_in_text(detector: PresidioDetector, text: str, entity: str, span: str) -> None:
    assert span in found(detector, text, entity)


@pytest.mark.parametrize(("text", "entity"), NEGATIVE)
def test_look_alikes_in_text(detector: PresidioDetector, text: str, entity: str) -> None:
    assert found(detector, text, entity) == []


def _r(entity: str, start: int, end: int, score: float, source: str = "X") -> RecognizerResult:
    return RecognizerResult(
        entity, start, end, score, recognition_metadata={"recognizer_name": source}
    )


NER = "SpacyRecognizer"


@pytest.mark.parametrize(
    ("text", "results", "expected"),
    [
        # NER's DATE_TIME around an age does not hide it
        (
            "a 21 year old man",
            [_r("DATE_TIME", 0, 13, 0.85, NER), _r("AGE", 2, 4, 0.6)],
            {("DATE_TIME", 0, 13), ("AGE", 2, 4)},
        ),
        # nor does an ORGANIZATION around an address unit
        (
            "Unit 4719 Box",
            [_r("ORGANIZATION", 0, 13, 0.85, NER), _r("STREET_ADDRESS", 0, 9, 0.5)],
            {("ORGANIZATION", 0, 13), ("STREET_ADDRESS", 0, 9)},
        ),
        # a validated IBAN is not also a place
        (
            "GB10LORI20288482594042",
            [_r("IBAN_CODE", 0, 22, 1.0), _r("LOCATION", 0, 22, 0.85, NER)],
            {("IBAN_CODE", 0, 22)},
        ),
        # an NER person stops at the line break
        ("Megan Carey\nWeber-Santana", [_r("PERSON", 0, 25, 0.85, NER)], {("PERSON", 0, 11)}),
        # a known given name NER read as an organisation is a person
        ("Diana is from Cloudmade", [_r("ORGANIZATION", 0, 5, 0.85, NER)], {("PERSON", 0, 5)}),
    ],
)
def test_generic_ner_readings(text: str, results, expected) -> None:
    from piiscan.detectors.names import person_name_score
    from piiscan.detectors.places import place_score

    out = clean(text, results, cell=False, name_score=person_name_score, place_score=place_score)
    assert {(r.entity_type, r.start, r.end) for r in out} == expected


def test_analyze_lines_maps_spans_back_to_their_lines() -> None:
    lines = ["alpha", "call 555", "x", "two words here"]

    def analyze(texts: list[str]) -> list[list[Span]]:
        (text,) = texts
        spans = []
        for word in ("555", "words here"):
            start = text.find(word)
            spans.append(Span("T", start, start + len(word), 0.9))
        start = text.find("x\ntwo")  # one span over a line break: one piece per line
        spans.append(Span("U", start, start + 5, 0.9))
        return [spans]

    out = analyze_lines(lines, analyze)
    assert [
        [(s.entity_type, lines[i][s.start : s.end]) for s in spans] for i, spans in enumerate(out)
    ] == [
        [],
        [("T", "555")],
        [("U", "x")],
        [("T", "words here"), ("U", "two")],
    ]


def test_analyze_lines_uses_few_calls() -> None:
    calls = []

    def analyze(texts: list[str]) -> list[list[Span]]:
        calls.append(texts)
        return [[]]

    analyze_lines([f"line {i}" for i in range(1000)], analyze, block_chars=1000)
    assert 7 <= len(calls) <= 9 and all(len(c) == 1 and len(c[0]) <= 1000 for c in calls)


@pytest.mark.parametrize(
    ("value", "field", "entity", "reported"),
    [
        ("7", "Birth Month", "AGE", False),  # a birth month is no age
        ("42", "age", "AGE", True),
        ("F123-456-78-901-0", "dl_number", "US_DRIVER_LICENSE", True),
        ("F123-456-78-901-0", "order_code", "US_DRIVER_LICENSE", False),
        ("S 530 460 72 118", "Driving lic Michigan", "US_DRIVER_LICENSE", True),
    ],
)
def test_column_values(
    detector: PresidioDetector, value: str, field: str, entity: str, reported: bool
) -> None:
    (spans,) = detector.analyze([value], field=field)
    assert any(s.entity_type == entity and s.score >= 0.5 for s in spans) is reported


def test_a_weak_address_over_a_line_break_hides_no_iban(detector: PresidioDetector) -> None:
    """Lines joined into one block (the gate, line blocks): a street-shaped run that is
    not reported must not swallow the IBAN on the next line."""
    text = "12 Main\nIBAN DE44500105175407324931"
    assert found(detector, text, "IBAN_CODE") == ["DE44500105175407324931"]
