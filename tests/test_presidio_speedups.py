"""The speed-ups of ``detectors/presidio_speedups.py`` and ``detectors/reach.py`` change
no result: each is compared with the original on a table of texts."""

from __future__ import annotations

import itertools
import subprocess
import sys

import phonenumbers
import pytest
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer import predefined_recognizers as pr
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpEngine
from recognizer_engine import BlankSpacyEngine

from piiscan.config import Config
from piiscan.detectors.phone_guard import DigitGuardedPhoneRecognizer
from piiscan.detectors.postprocess import lift_formatted_phones
from piiscan.detectors.presidio_detector import PresidioDetector
from piiscan.detectors.presidio_engines import build_engines
from piiscan.detectors.presidio_speedups import LeanAnalyzerEngine, MemoPhoneMatcher
from piiscan.detectors.presidio_steps import ENTITY_ALIASES
from piiscan.detectors.reach import _PHONE_FORMATTED, Reach
from piiscan.detectors.recognizers import custom_recognizers
from piiscan.policy import load_policy
from piiscan.scanning.column import typed_plan

REGIONS = ("US", "GB", "DE", "FR", "IN", "ES", "IT", "CA")

PHONE_TEXTS = [
    "Call +44 20 7946 0018 or (212) 555-0143 today",
    "ORD-2024-000123",
    "ORD2024000123",
    "tel 030 901820 / 030 901821",
    "+49 (0)30 901820, ext. 12",
    "Spoke to Ana (+33 1 42 68 53 00); refund agreed.",
    "2024-01-05 10:22:11 job 4155550142 done",
    "11/12/2023 and 12/01/2024",
    "page 12-14 (2009)",
    "$4155550142 is not a phone, nor 4155550142%",
    "abc8005001234 and 8005001234def",
    "0161 496 0123",
    "+1-202-555-0173x123",
    "98765 43210",
    "+91 98765 43210",
    "06 12 34 56 78",
    "+34 612 345 678",
    "+39 06 6982 0000",
    "1 (416) 555-0199",
    "192.168.10.254",
    "4111 1111 1111 1111",
    "numbers 1234567 2345678 3456789",
    "",
]


def _matches(matcher_cls: type, text: str, region: str, leniency: int) -> list[tuple]:
    return [
        (m.start, m.end, m.raw_string, m.number)
        for m in matcher_cls(text, region, leniency=leniency)
    ]


@pytest.mark.parametrize(
    ("text", "region", "leniency"),
    list(itertools.product(PHONE_TEXTS, REGIONS, (0, 1, 2, 3))),
)
def test_memo_matcher_finds_what_phonenumbers_finds(text: str, region: str, leniency: int) -> None:
    # Twice: the second run reads the cache.
    want = _matches(phonenumbers.PhoneNumberMatcher, text, region, leniency)
    assert _matches(MemoPhoneMatcher, text, region, leniency) == want
    assert _matches(MemoPhoneMatcher, text, region, leniency) == want


@pytest.mark.parametrize("text", PHONE_TEXTS)
def test_phone_recognizer_matches_presidios(text: str) -> None:
    ours = DigitGuardedPhoneRecognizer(supported_regions=REGIONS)
    theirs = pr.PhoneRecognizer(supported_regions=REGIONS)
    got = [(r.start, r.end, r.score) for r in ours.analyze(text, ["PHONE_NUMBER"])]
    want = [(r.start, r.end, r.score) for r in theirs.analyze(text, ["PHONE_NUMBER"])]
    assert sorted(got) == sorted(want)


def _formatted_numbers() -> list[str]:
    """Each region's example numbers in every format, alone and in a sentence."""
    fmt = phonenumbers.PhoneNumberFormat
    formats = [fmt.NATIONAL, fmt.INTERNATIONAL, fmt.E164, fmt.RFC3966]
    out = []
    for region in REGIONS:
        for kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE):
            number = phonenumbers.example_number_for_type(region, kind)
            for style in formats:
                written = phonenumbers.format_number(number, style)
                out += [written, f"call {written} after 5pm", written.replace(" ", "")]
    return out


def _lifted_phones(text: str) -> list[str]:
    """The phone matches in ``text`` whose score ``lift_formatted_phones`` raises."""
    results = DigitGuardedPhoneRecognizer(supported_regions=REGIONS).analyze(
        text, ["PHONE_NUMBER"]
    )
    before = [r.score for r in results]
    lift_formatted_phones(text, results)
    return [
        text[r.start : r.end] for r, score in zip(results, before, strict=True) if r.score > score
    ]


@pytest.mark.parametrize("text", PHONE_TEXTS + _formatted_numbers())
def test_reach_phone_shape_admits_every_phone_the_lift_raises(text: str) -> None:
    """``reach._PHONE_FORMATTED`` (checked before Presidio runs) must match wherever
    ``lift_formatted_phones`` (run on Presidio's results) raises a phone's score: the
    two rules must change together."""
    lifted = _lifted_phones(text)
    if lifted:
        assert _PHONE_FORMATTED.search(text), (text, lifted)


def test_formatted_number_table_exercises_the_lift() -> None:
    texts = _formatted_numbers()
    assert sum(bool(_lifted_phones(text)) for text in texts) > len(texts) // 2


def _engine(cls: type[AnalyzerEngine], nlp_engine: NlpEngine | None = None) -> AnalyzerEngine:
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in [
        pr.CreditCardRecognizer(),
        pr.EmailRecognizer(),
        pr.IbanRecognizer(),
        pr.UsSsnRecognizer(),
        pr.UkNinoRecognizer(),
        pr.PhoneRecognizer(),
        *custom_recognizers(),
    ]:
        registry.add_recognizer(recognizer)
    return cls(
        registry=registry,
        nlp_engine=nlp_engine or BlankSpacyEngine(),
        supported_languages=["en"],
        context_aware_enhancer=LemmaContextAwareEnhancer(context_matching_mode="whole_word"),
    )


CONTEXT_TEXTS = [
    ("my ssn is 536-90-4399 and card 4111 1111 1111 1111", None),
    ("536-90-4399", ["ssn"]),
    ("phone 212-555-0143", None),
    ("call me on 212 555 0143 tomorrow", ["contact"]),
    ("IBAN DE89 3704 0044 0532 0130 00", None),
    ("NI number QQ 12 34 56 C", ["national", "insurance"]),
    ("nothing here", ["phone"]),
    ("jane.doe@example.org", ["email"]),
    # Lemmas differ from the words: "called" -> "call", "phones" -> "phone".
    ("She called from 212 555 0143 twice", None),
    ("Phones: 212-555-0143, 212-555-0144", None),
    ("212-555-0143", ["Phone"]),
    ("212-555-0143", ["callback"]),
    ("Card 4111 1111 1111 1111 / IBAN GB82 WEST 1234 5698 7654 32", ["payment"]),
    ("ssn: 536-90-4399, no phone", None),
    ("", ["ssn"]),
]


def _results(engine: AnalyzerEngine, text: str, context: list[str] | None) -> list[tuple]:
    return sorted(
        (
            r.entity_type,
            r.start,
            r.end,
            round(r.score, 6),
            None
            if r.analysis_explanation is None
            else (
                r.analysis_explanation.supportive_context_word,
                r.analysis_explanation.score_context_improvement,
            ),
        )
        for r in engine.analyze(text, "en", context=context)
    )


@pytest.mark.parametrize(("text", "context"), CONTEXT_TEXTS)
def test_lean_engine_gives_presidios_results(text: str, context: list[str] | None) -> None:
    assert _results(_engine(LeanAnalyzerEngine), text, context) == _results(
        _engine(AnalyzerEngine), text, context
    )


@pytest.fixture(scope="module")
def model_engines(spacy_model: str) -> tuple[AnalyzerEngine, AnalyzerEngine]:
    """Lean and original engines over the shared model (lemmas and keywords from it)."""
    nlp = build_engines(spacy_model).ner
    return _engine(LeanAnalyzerEngine, nlp), _engine(AnalyzerEngine, nlp)


@pytest.mark.parametrize(("text", "context"), CONTEXT_TEXTS)
def test_lean_engine_gives_presidios_results_with_lemmas(
    model_engines: tuple[AnalyzerEngine, AnalyzerEngine], text: str, context: list[str] | None
) -> None:
    lean, original = model_engines
    assert _results(lean, text, context) == _results(original, text, context)


@pytest.fixture(scope="module")
def reach(spacy_model: str) -> Reach:
    detector = PresidioDetector(Config(spacy_model=spacy_model))
    return Reach(
        detector._engines.analyzer.registry.recognizers,
        load_policy().is_personal,
        Config().min_score,
        ENTITY_ALIASES,
    )


# (value, candidate types, column lifts, column hints, can be reported)
REACH_CASES = [
    ("ORD-2024-000123", {"PHONE_NUMBER", "USERNAME", "US_DRIVER_LICENSE"}, set(), set(), False),
    ("ORD-2024-000123", {"PHONE_NUMBER"}, {"PHONE_NUMBER"}, set(), True),  # column lifts
    ("ORD-2024-000123", {"PHONE_NUMBER"}, set(), {"PHONE_NUMBER"}, True),  # hinted floor
    ("+44 20 7946 0018", {"PHONE_NUMBER"}, set(), set(), True),  # written as a phone
    ("(212) 555-0143", {"PHONE_NUMBER"}, set(), set(), True),
    ("212-555-0143", {"PHONE_NUMBER"}, set(), set(), True),  # two separators
    ("2125550143", {"PHONE_NUMBER"}, set(), set(), False),
    ("phone:2125550143", {"PHONE_NUMBER"}, set(), set(), True),  # a context word
    ("jane.doe@example.org", {"EMAIL_ADDRESS"}, set(), set(), True),
    ("4111111111111111", {"CREDIT_CARD"}, set(), set(), True),  # validated: up to 1.0
    ("ORD-2024-000123", {"PERSON", "LOCATION"}, set(), set(), False),  # no NER run
    ("ORD-2024-000123", {"DATE_TIME"}, set(), set(), False),  # not personal
]


@pytest.mark.parametrize(("text", "cands", "lifted", "hinted", "expected"), REACH_CASES)
def test_reach(
    reach: Reach, text: str, cands: set, lifted: set, hinted: set, expected: bool
) -> None:
    got = reach.can_report(
        text,
        frozenset(cands),
        ner=False,
        field_lifted=frozenset(lifted),
        hinted=frozenset(hinted),
    )
    assert got is expected


CONTEXT_PROBES = [
    "",
    "ord-2024-000123",
    "phone:2125550143",
    "call me on 212 555 0143",
    "iban de89 3704 0044 0532 0130 00",
    "licence no d1234567",
    "passport x1234567 expires",
    "born 1984-03-02, dob",
    "the quick brown fox",
]


@pytest.mark.parametrize("folded", CONTEXT_PROBES)
def test_context_search_answers_as_a_substring_test(reach: Reach, folded: str) -> None:
    ceilings = [c for c in reach.ceilings if c.context]
    assert len(ceilings) > 10
    for ceiling in reach.ceilings:
        expected = any(word in folded for word in ceiling.context)
        assert ceiling.has_context(folded) is expected, ceiling.name


def test_context_search_finds_a_recognizers_own_word(reach: Reach) -> None:
    for ceiling in (c for c in reach.ceilings if c.context):
        word = ceiling.context[len(ceiling.context) // 2]
        assert ceiling.has_context(f"xx {word} yy"), ceiling.name
        assert not ceiling.has_context("\x00" * 3)


def test_ner_candidates_are_reachable_when_ner_runs(reach: Reach) -> None:
    kwargs = {"field_lifted": frozenset(), "hinted": frozenset()}
    assert reach.can_report("Jane Doe", frozenset({"PERSON"}), ner=True, **kwargs)
    assert not reach.can_report("Jane Doe", frozenset({"PERSON"}), ner=False, **kwargs)


@pytest.mark.parametrize(
    ("value", "analysed"),
    [
        ("2023-01-01T00:34:18.579000", False),  # an event time
        ("2023-01-01T10:22:00", False),
        ("10:22:11", False),
        ("1985-03-01", True),
        ("1985-03-01T00:00:00", True),
        ("1985-03-01T23:00:00", True),  # a birth date stored in UTC
        ("1985-03-01T22:30:00+00:00", True),
    ],
)
def test_temporal_values_with_a_time_of_day_are_not_analysed(value: str, analysed: bool) -> None:
    typed = frozenset({"DATE_OF_BIRTH"})
    assert (typed_plan(value, "temporal", typed) == typed) is analysed


def test_importing_piiscan_leaves_phonenumbers_defaults() -> None:
    """The benchmarks' vanilla Presidio imports piiscan's helpers: importing must not
    switch on piiscan's speed-ups (``phonenumbers``' pattern cache) for it."""
    code = (
        "import piiscan.detectors.presidio_detector, phonenumbers.re_util as r; "
        "print(r._COMPILED_PATTERNS is None)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_analysing_new_values_does_not_grow_spacys_string_store(spacy_model: str) -> None:
    """Every distinct name or number would stay in spaCy's StringStore for the life of the
    pipeline: memory growing with the table. Memory zones free them after each call."""
    detector = PresidioDetector(Config(spacy_model=spacy_model))
    strings = detector._engines.ner.nlp["en"].vocab.strings
    notes = [
        f"Spoke to Zorblat{i:05d} Quixwell on 0{i:03d}79 4960{i:03d}, ref QX{i}Z."
        for i in range(300)
    ]
    detector.analyze(notes[:10], field="notes")
    before = len(strings)
    found = detector.analyze(notes[10:], field="notes")
    assert len(strings) == before
    assert any(sp.entity_type == "PHONE_NUMBER" for spans in found for sp in spans)
