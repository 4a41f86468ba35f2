"""The candidate prefilter is sound: with it, every value counts as the same entity types.

The full detector runs twice over the repository's tables of positive, negative and
look-alike values (and a table of typical column values): once asking Presidio only for
each value's candidate types, once for every type. Both must give the same types at
``min_score`` (and, for cells, the same types under the column-matching rule).
"""

from __future__ import annotations

import datetime as dt
import decimal
import itertools
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import regex
import test_national_ids as nid_tables
import test_recognizers as rec_tables
import test_text_detection as text_tables

from piiscan.classification import looks_like_free_text, value_entities
from piiscan.config import Config
from piiscan.detectors import prefilter
from piiscan.detectors.column_names import hints_for
from piiscan.detectors.prefilter import Prefilter, to_re2
from piiscan.detectors.presidio_detector import PresidioDetector
from piiscan.detectors.presidio_steps import is_code
from piiscan.policy import load_policy
from piiscan.scanning.column import column_kind, typed_plan
from piiscan.scanning.scanner import Scanner

MIN_SCORE = Config().min_score
POLICY = load_policy()
FLAGS = regex.IGNORECASE | regex.MULTILINE | regex.DOTALL

# (python pattern, texts it must let through, texts it may reject)
REWRITES = [
    (r"(?<![\w@])\d{3}-\d{2}-\d{4}(?!\d)", ["536-90-4399", "x536-90-4399"], ["hello"]),
    (r"\b[0-9a-f]{2}([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}\b", ["aa:bb:cc:dd:ee:ff"], ["zz"]),
    (r"(?P<q>['\"]).{1,5}(?P=q)", ["'abc'"], ["abc"]),
    (r"\d++x", ["123x"], ["x"]),
    (r"(?>ab|a)c", ["abc", "ac"], ["c"]),
    (r"end\Z", ["the end"], ["ending"]),
    (r"^\d{5}$", ["12345", "a\n12345\n"], ["x"]),
    (r"[\u00e4\u00f6]x", ["\u00e4x"], ["ax"]),
    (r"a{2,4000}b", ["aab", "a" * 5000 + "b"], ["ab"]),
    (r"(?i:abc)d", ["ABCd"], ["abd"]),
]


@pytest.mark.parametrize(("pattern", "through", "rejected"), REWRITES)
def test_rewrite_is_a_superset(pattern: str, through: list[str], rejected: list[str]) -> None:
    import pyarrow.compute as pc

    rewritten = to_re2(pattern)
    assert rewritten is not None
    re2 = "(?mis)" + rewritten
    values = pa.array(through + rejected)
    hits = pc.match_substring_regex(values, re2).to_pylist()
    for text, hit in zip(through + rejected, hits, strict=True):
        if regex.search(pattern, text, FLAGS):
            assert hit, (pattern, text)
    assert not any(hits[len(through) :]), "the rewrite should still filter something"


@pytest.mark.parametrize(
    "pattern", [r"(?x) a b", r"ab(?i)c", r"\Gx", r"[[a-z]--[aeiou]]", r"(?(1)a|b)"]
)
def test_rewrite_refuses_what_it_cannot_bound(pattern: str) -> None:
    assert to_re2(pattern) is None or "(?(" in pattern


# Typical column values: (field, value)
COLUMN_VALUES = [
    ("order_ref", "ORD-00012345"),
    ("order_ref", "INV/2023/000981"),
    ("email", "john.smith12@mail.com"),
    ("contact", "Reach me at jane@example.org"),
    ("phone", "+1-415-555-0100"),
    ("phone", "(212) 555-0143"),
    ("phone", "4155550100"),
    ("customer_name", "John Smith"),
    ("surname", "Okonkwo"),
    ("country", "US"),
    ("city", "Leeds"),
    ("address", "221B Baker Street, London NW1 6XE"),
    ("notes", "Call John Smith back about the order, he lives in Leeds near the station"),
    ("notes", "Patient was diagnosed with diabetes in 2019 and is 42 years old."),
    ("request_id", "3f2504e0-4f89-11d3-9a0c-0305e82c3301"),
    ("commit", "9fceb02d0ae598e95dc970b74767f19372d61af8"),
    ("sku", "ABCDE1234F"),
    ("ip", "192.168.10.23"),
    ("mac", "00:1A:2B:3C:4D:5E"),
    ("iban", "DE89370400440532013000"),
    ("card", "4532015112830366"),
    ("ssn", "536-90-4399"),
    ("dob", "1987-03-14"),
    ("created_at", "2023-05-01T12:30:00"),
    ("amount", "523.45"),
    ("age", "42"),
    ("zip", "94107"),
    ("user_agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36"),
    ("username", "jdoe_1987"),
    ("gender", "female"),
    ("religion", "Catholic"),
    ("job_title", "Senior Software Engineer"),
    ("salary", "$85,000"),
    ("password", "hunter2!Secret"),
    ("token", "ghp_16C7e42F292c6912E7710c838347Ae178B4a"),
    ("lat", "51.5074"),
    ("location", "51.5074, -0.1278"),
    ("vorname", "Jürgen"),
    ("name", "Madison Armchair"),
    ("status", "Debit"),
    (None, "Ship to 4844 Søndergade 52, Apt. 656, Brønderslev"),
    (None, "Contact: mail john@corp.net or call 020 7946 0958"),
]


def _cases() -> list[tuple[str | None, str]]:
    cases: list[tuple[str | None, str]] = list(COLUMN_VALUES)
    for _, text, context in rec_tables.POSITIVE + rec_tables.NEGATIVE:
        cases.append(("_".join(context) if context else None, text))
    for text, *_ in text_tables.POSITIVE + text_tables.NEGATIVE:
        cases.append((None, text))
    for _, value, sentence, column in nid_tables.VALID:
        cases += [(column, value), (None, sentence.format(value))]
    for _, value, column in nid_tables.BROKEN:
        cases.append((column, value))
    for value, column in nid_tables.LOOKALIKES:
        cases.append((column, value))
    return list(dict.fromkeys(cases))


def _verdicts(field: str | None, text: str, spans: list) -> tuple[frozenset, frozenset]:
    """Personal types at min_score, and those the column-matching rule counts (what the
    accumulators record: non-personal types are never counted)."""
    hinted = frozenset(h.entity_type for h in hints_for(field)) if field else frozenset()
    strong = frozenset(s.entity_type for s in spans if s.score >= MIN_SCORE)
    counted = frozenset(value_entities(text, spans, hinted, MIN_SCORE, looks_like_free_text(text)))
    return frozenset(filter(POLICY.is_personal, strong)), frozenset(
        filter(POLICY.is_personal, counted)
    )


@pytest.fixture(scope="module")
def detector(spacy_model: str) -> PresidioDetector:
    return PresidioDetector(Config(spacy_model=spacy_model))


def _differences(detector: PresidioDetector, skip_code_ner: bool) -> list[tuple]:
    cases = _cases()
    assert len(cases) > 250
    mismatches = []
    by_field = itertools.groupby(sorted(cases, key=lambda c: c[0] or ""), key=lambda c: c[0])
    try:
        for field, group in by_field:
            texts = [text for _, text in group]
            detector.use_prefilter, detector.skip_code_ner = True, skip_code_ner
            fast = detector.analyze(texts, field=field)
            detector.use_prefilter = False
            slow = detector.analyze(texts, field=field)
            for text, a, b in zip(texts, fast, slow, strict=True):
                got, want = _verdicts(field, text, a), _verdicts(field, text, b)
                if got != want:
                    mismatches.append((field, text, got, want))
    finally:
        detector.use_prefilter, detector.skip_code_ner = True, True
    return mismatches


def test_prefilter_is_sound_over_the_test_tables(
    detector: PresidioDetector, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prefilter, "PY_BATCH", 1)  # the vectorised RE2 gates
    assert _differences(detector, skip_code_ner=False) == []


def test_re2_gates_admit_what_the_recognizers_patterns_match(detector: PresidioDetector) -> None:
    """Both RE2 paths (pyarrow over a large batch, the compiled RE2 sets value by value)
    must admit at least what the recognizers' own patterns match, on every test value."""
    pf: Prefilter = detector._prefilter
    texts = [text for _, text in _cases()]
    texts = (texts * (prefilter.PY_BATCH // len(texts) + 1))[: max(len(texts), prefilter.PY_BATCH)]
    vectorised = pf.candidates(texts)
    for text, wide in zip(texts, vectorised, strict=True):
        exact = pf.always.union(*(g.entities for g in pf._checked if g.passes(text)))
        (one,) = pf.candidates([text])
        assert wide is None or exact <= wide, (text, exact - wide)
        assert exact <= one, (text, exact - one)


def test_re2_gates_are_split_into_small_sets(detector: PresidioDetector) -> None:
    """Every RE2 gate is in exactly one set of at most ``RE2_SET_GATES`` (one DFA over
    all of them is rebuilt for every new value); only refused patterns stay outside."""
    pf: Prefilter = detector._prefilter
    in_sets = [k for _, entries in pf._sets for k in entries.values()]
    with_re2 = [k for k, g in enumerate(pf._checked) if g.re2 is not None]
    assert len(pf._sets) > 1
    assert all(len(entries) <= prefilter.RE2_SET_GATES for _, entries in pf._sets)
    assert sorted(in_sets) == sorted(set(in_sets))
    assert len(in_sets) >= len(with_re2) - len(pf._outside_set)
    assert set(in_sets) <= set(with_re2)


def test_code_cells_without_ner_lose_only_ner_readings(detector: PresidioDetector) -> None:
    """Skipping NER on code-shaped cells changes nothing but NER's own types, and only on
    codes (NER reads the diagnosis code ``E11.9`` as a nationality)."""
    ner_types = detector._ner_types
    for field, text, got, want in _differences(detector, skip_code_ner=True):
        assert field is not None and is_code(text), text
        assert got[1] <= want[1] and (want[1] - got[1]) <= ner_types, (text, got, want)


def test_prefilter_skips_presidio_where_nothing_can_match(
    detector: PresidioDetector, monkeypatch: pytest.MonkeyPatch
) -> None:
    pf: Prefilter = detector._prefilter
    cands = pf.candidates(["523.45", "ORD-00012345", "US", "Jürgen", "42"])
    assert "PERSON" in cands[3] and "PHONE_NUMBER" not in cands[3]
    monkeypatch.setattr(prefilter, "PY_BATCH", 1)
    assert pf.candidates(["Jürgen", "US"])[0] is None  # RE2 gates: ASCII only
    assert "EMAIL_ADDRESS" not in cands[0] and "PERSON" not in cands[0]
    assert "CREDIT_CARD" not in cands[1]
    assert "PHONE_NUMBER" not in cands[2] and "PERSON" in cands[2]
    assert detector.analyze(["ORD-00012345"], field="order_ref", entities={"EMAIL_ADDRESS"}) == [[]]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("ORD-00012345", True),
        ("a@b.com", True),
        ("John Smith", False),
        ("Smith", False),
        ("3f2504e0-4f89", True),
        ("Unit 4", False),
    ],
)
def test_code_shaped_values(text: str, code: bool) -> None:
    assert is_code(text) is code


# (arrow type, kind)
KINDS = [
    (pa.int64(), "number"),
    (pa.float64(), "number"),
    (pa.decimal128(10, 2), "number"),
    (pa.timestamp("us"), "temporal"),
    (pa.date32(), "temporal"),
    (pa.bool_(), "bool"),
    (pa.string(), "text"),
    (pa.list_(pa.string()), "text"),
]


@pytest.mark.parametrize(("type_", "kind"), KINDS)
def test_column_kind(type_: pa.DataType, kind: str) -> None:
    assert column_kind(type_) == kind


@pytest.mark.parametrize(
    ("value", "kind", "typed", "plan"),
    [
        ("523.45", "number", frozenset(), frozenset()),
        ("4155550100", "number", frozenset(), None),  # ten digits: maybe a phone
        ("42", "number", frozenset({"AGE"}), frozenset({"AGE"})),
        ("2023-05-01T12:30:00", "temporal", frozenset(), frozenset()),
        ("1987-03-14", "temporal", frozenset({"DATE_OF_BIRTH"}), frozenset({"DATE_OF_BIRTH"})),
    ],
)
def test_typed_plan(value: str, kind: str, typed: frozenset[str], plan: frozenset | None) -> None:
    assert typed_plan(value, kind, typed) == plan


def _typed_table(rows: int) -> pa.Table:
    base = dt.datetime(2023, 1, 1)
    return pa.table(
        {
            "customer_id": pa.array([1_000_000 + i for i in range(rows)], pa.int64()),
            "amount": pa.array([round(i * 3.17 % 1000, 2) for i in range(rows)]),
            "price": pa.array([decimal.Decimal(f"{i % 97}.{i % 100:02d}") for i in range(rows)]),
            "created_at": pa.array([base + dt.timedelta(minutes=37 * i) for i in range(rows)]),
            "dob": pa.array([dt.date(1950 + i % 50, 1 + i % 12, 1 + i % 28) for i in range(rows)]),
            "age": pa.array([18 + i % 70 for i in range(rows)], pa.int32()),
            "zip": pa.array([10_000 + 37 * i for i in range(rows)], pa.int64()),
            "phone": pa.array([4_155_550_100 + 7 * i for i in range(rows)], pa.int64()),
            "ssn": pa.array([536_904_399 + 11 * i for i in range(rows)], pa.int64()),
            "lat": pa.array([51.0 + i / 997 for i in range(rows)]),
            "active": pa.array([i % 3 == 0 for i in range(rows)]),
            "salary": pa.array([30_000 + 250 * i for i in range(rows)], pa.int64()),
        }
    )


def _fields(inventory) -> dict:
    return {
        (f.name): (f.status, f.sampled, sorted((e.type, e.matched) for e in f.entities))
        for a in inventory.assets
        for f in a.fields
    }


def test_typed_columns_skip_without_changing_verdicts(spacy_model: str, tmp_path: Path) -> None:
    path = tmp_path / "typed.parquet"
    pq.write_table(_typed_table(120), path)
    config = Config(spacy_model=spacy_model, full=True, hash_key=b"k")
    fast = Scanner(config)
    slow = Scanner(config, detectors=fast.detectors)
    slow.columns.skip_typed = False
    got = _fields(fast.scan([str(path)]))
    for d in fast.detectors:
        if hasattr(d, "use_prefilter"):
            d.use_prefilter = False
    try:
        want = _fields(slow.scan([str(path)]))
    finally:
        for d in fast.detectors:
            if hasattr(d, "use_prefilter"):
                d.use_prefilter = True
    assert got == want
    assert got["dob"][0] == "personal" and got["customer_id"][0] == "none_found"
