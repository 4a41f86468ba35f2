"""Cross-recognizer rules: composites swallow their parts, phones vs ids, PERSON in cells."""

from __future__ import annotations

import pytest
from presidio_analyzer import RecognizerResult

from piiscan.detectors.names import is_name_shaped, person_name_score
from piiscan.detectors.postprocess import clean


def result(entity: str, start: int, end: int, score: float, source: str = "X") -> RecognizerResult:
    return RecognizerResult(
        entity, start, end, score, recognition_metadata={"recognizer_name": source}
    )


def kinds(results: list[RecognizerResult]) -> set[tuple[str, float]]:
    return {(r.entity_type, round(r.score, 2)) for r in results}


UA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36"


@pytest.mark.parametrize(
    ("text", "results", "cell", "hinted", "expected"),
    [
        # a name-like token overlapping a user agent is part of it
        (
            UA,
            [result("USER_AGENT", 0, 50, 0.7), result("PERSON", 44, 58, 0.85, "SpacyRecognizer")],
            False,
            frozenset(),
            {("USER_AGENT", 0.7)},
        ),
        # a URL inside an e-mail address is the address's domain
        (
            "write to jane@example.com",
            [result("EMAIL_ADDRESS", 9, 25, 1.0), result("URL", 14, 25, 0.5)],
            False,
            frozenset(),
            {("EMAIL_ADDRESS", 1.0)},
        ),
        # the city of a street address is part of the address
        (
            "12 Main Street, Springfield",
            [result("STREET_ADDRESS", 0, 27, 0.6), result("LOCATION", 16, 27, 0.85)],
            False,
            frozenset(),
            {("STREET_ADDRESS", 0.6)},
        ),
        # a contained span scoring higher than a non-composite container stays
        (
            "Jordan Springfield",
            [result("PERSON", 0, 18, 0.5), result("LOCATION", 7, 18, 0.85)],
            False,
            frozenset(),
            {("PERSON", 0.5), ("LOCATION", 0.85)},
        ),
        # a checksum-valid "NHS number" that is a phone number without context is a phone
        (
            "call 020 7946 0018",
            [result("PHONE_NUMBER", 5, 18, 0.4), result("UK_NHS", 5, 18, 1.0)],
            False,
            frozenset(),
            {("PHONE_NUMBER", 0.55)},
        ),
        # ... but stays an NHS number when the text or the column says so
        (
            "NHS number 943 476 5919",
            [result("PHONE_NUMBER", 11, 23, 0.4), result("UK_NHS", 11, 23, 1.0)],
            False,
            frozenset(),
            {("PHONE_NUMBER", 0.55), ("UK_NHS", 1.0)},
        ),
        (
            "943 476 5919",
            [result("PHONE_NUMBER", 0, 12, 0.4), result("UK_NHS", 0, 12, 1.0)],
            True,
            frozenset({"UK_NHS"}),
            {("PHONE_NUMBER", 0.55), ("UK_NHS", 1.0)},
        ),
        # an unformatted number stays a weak phone
        (
            "2079460018",
            [result("PHONE_NUMBER", 0, 10, 0.4)],
            True,
            frozenset(),
            {("PHONE_NUMBER", 0.4)},
        ),
    ],
)
def test_cross_type_rules(text, results, cell, hinted, expected) -> None:
    assert kinds(clean(text, results, cell=cell, hinted=hinted)) == expected


@pytest.mark.parametrize(
    ("cell", "ner", "hint", "expected"),
    [
        ("John Smith", True, False, 1.0),  # lexicon full name, corroborated by NER
        ("John Smith", False, False, 0.85),
        ("Copper Kettle", True, False, 0.3),  # NER alone is weak in a cell
        ("Teresa Pillow", True, False, 0.3),  # a name next to a product noun
        ("Rees Surgery", True, False, 0.3),  # an organisation
        ("Zorbach", False, "strong", 0.4),  # unknown surname, but the column says "surname"
        ("Zorbach", False, False, None),
        ("Andreasc Zorbach", True, "weak", 0.4),  # column "name", NER agrees, name-shaped
        ("Andreasc Zorbach", False, "weak", None),  # column "name" alone is not enough
        ("Walnut Kettle", True, "weak", 0.3),  # a product noun is not name-shaped
    ],
)
def test_person_in_table_cells(cell: str, ner: bool, hint, expected) -> None:
    results = [result("PERSON", 0, len(cell), 0.85, "SpacyRecognizer")] if ner else []
    cleaned = clean(
        cell,
        results,
        cell=True,
        name_score=person_name_score,
        name_shaped=is_name_shaped if hint else None,
        strong_name=hint == "strong",
    )
    scores = [r.score for r in cleaned if r.entity_type == "PERSON"]
    assert (round(max(scores), 2) if scores else None) == expected


@pytest.mark.parametrize(
    ("text", "span", "kept"),
    [
        ("Cache warmed manually, see the runbook.", (0, 5), False),
        ("Please ask Emma about the refund.", (11, 15), True),
        ("Ticket raised by Xochitl Quispe today.", (17, 31), True),  # two words: NER trusted
    ],
)
def test_one_word_person_in_text_needs_the_lexicon(text: str, span, kept: bool) -> None:
    results = [result("PERSON", *span, 0.85, "SpacyRecognizer")]
    cleaned = clean(text, results, cell=False, name_score=person_name_score)
    assert bool(cleaned) is kept


@pytest.mark.parametrize(
    ("cell", "ner", "expected"),
    [
        ("Leeds", True, 0.95),  # gazetteer, corroborated by NER
        ("Germany", False, 0.85),  # gazetteer alone
        ("Debit", True, 0.3),  # NER alone is weak in a cell
        ("Visa", True, 0.3),
        ("Pensioner", False, None),
    ],
)
def test_location_in_table_cells(cell: str, ner: bool, expected) -> None:
    from piiscan.detectors.places import place_score

    results = [result("LOCATION", 0, len(cell), 0.85, "SpacyRecognizer")] if ner else []
    cleaned = clean(cell, results, cell=True, place_score=place_score)
    scores = [r.score for r in cleaned if r.entity_type == "LOCATION"]
    assert (round(max(scores), 2) if scores else None) == expected


@pytest.mark.parametrize(
    ("text", "lifted"),
    [
        ("(212) 555-0143", True),
        ("+44 20 7946 0018", True),
        ("01-02-2011", False),
        ("2011/02/01", False),
        ("2125550143", False),
    ],
)
def test_only_phone_shaped_numbers_are_lifted(text: str, lifted: bool) -> None:
    [r] = clean(text, [result("PHONE_NUMBER", 0, len(text), 0.4)], cell=True)
    assert (r.score >= 0.55) is lifted


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Directed By:    Johannes Varvio", ["Johannes Varvio"]),
        ("could you please correct it to Dr. Cettina Fanucci?", ["Cettina Fanucci"]),
        ("My name is Siiri", ["Siiri"]),
        ("Please call Jane Roe back", ["Jane Roe"]),
        ("The Madison Armchair is on sale", []),
        ("Dear Customer Service, hello", []),
        ("Ship to 12 Marina Fort Street today", []),
        ("Cache warmed manually, see the runbook.", []),
    ],
)
def test_lexicon_finds_names_ner_missed(text: str, names: list[str]) -> None:
    from piiscan.detectors.postprocess import lexicon_people

    assert [text[r.start : r.end] for r in lexicon_people(text, person_name_score)] == names


@pytest.mark.parametrize(
    ("text", "span", "kept"),
    [
        ("Unlike the Christiansen novel, it is short.", (11, 23), True),  # mid-sentence
        ("Cache warmed manually.", (0, 5), False),  # opens a sentence, unknown word
        ("Hello. Emma will call.", (7, 11), True),  # opens a sentence, known name
    ],
)
def test_sentence_initial_one_word_person(text: str, span, kept: bool) -> None:
    results = [result("PERSON", *span, 0.85, "SpacyRecognizer")]
    cleaned = clean(text, results, cell=False, name_score=person_name_score)
    assert any(r.entity_type == "PERSON" for r in cleaned) is kept
