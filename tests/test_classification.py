"""Column verdict rules: value share, name hints, contradiction, insufficient evidence."""

from __future__ import annotations

import pytest

from piiscan.classification import (
    CACHE_KEY_CHARS,
    CACHE_PER_ASSET,
    MIN_CACHE_PER_FIELD,
    FieldAccumulator,
    cache_key,
    cache_per_field,
    judge_asset,
    value_entities,
    wilson_interval,
)
from piiscan.masking import EvidenceEncoder
from piiscan.model import FieldResult, Hint, Span
from piiscan.policy import load_policy

POLICY = load_policy()


def accumulate(values: list[str], spans_for, hints: tuple[Hint, ...] = ()) -> FieldResult:
    acc = FieldAccumulator(
        name="col",
        data_type="str",
        hints=hints,
        policy=POLICY,
        encoder=EvidenceEncoder("masked"),
        min_score=0.5,
        max_values=None,
    )
    for i, value in enumerate(values):
        if acc.add_repeat(value):
            continue
        acc.add(value, spans_for(value), i + 1)
    return acc.result()


def whole(entity: str, score: float):
    return lambda v: [Span(entity, 0, len(v), score)]


def test_value_evidence_alone_detects_a_column() -> None:
    values = [f"user{i}@example.com" for i in range(20)]
    result = accumulate(values, whole("EMAIL_ADDRESS", 1.0))
    assert result.status == "personal"
    [verdict] = result.entities
    assert verdict.type == "EMAIL_ADDRESS"
    assert (verdict.matched, verdict.sampled, verdict.share) == (20, 20, 1.0)
    assert 0.8 < verdict.share_low <= 1.0
    assert result.categories == ("identifiers",)
    assert result.sensitivity == "high"
    assert all("user" not in e for e in verdict.evidence)  # masked: u***@example.com


def test_weak_values_need_a_name_hint() -> None:
    values = [str(20 + i) for i in range(30)]
    weak = whole("AGE", 0.2)
    assert accumulate(values, weak).status == "none_found"
    hinted = accumulate(values, weak, hints=(Hint("AGE", 0.9, "age"),))
    assert [e.type for e in hinted.entities] == ["AGE"]
    assert hinted.entities[0].name_signal


def test_values_win_over_a_misleading_name() -> None:
    products = ["Walnut Desk Lamp", "Steel Chair", "Oak Table", "Blue Mug", "Tea Set"] * 4
    result = accumulate(products, lambda v: [], hints=(Hint("PERSON", 0.6, "name"),))
    assert result.status == "none_found"
    assert result.entities == ()


def test_tiny_or_empty_columns_are_insufficient_not_clean() -> None:
    assert accumulate([], lambda v: []).status == "insufficient"
    assert accumulate(["a", "b"], lambda v: []).status == "insufficient"
    assert accumulate([f"x{i}" for i in range(10)], lambda v: []).status == "none_found"


def test_outscored_overlapping_pattern_is_dropped() -> None:
    cards = [f"4111{i:012d}" for i in range(20)]

    def spans(v: str) -> list[Span]:
        out = [Span("CREDIT_CARD", 0, len(v), 1.0)]
        if v.endswith(("1", "2", "3", "4", "5", "6")):
            out.append(Span("UK_NHS", 0, len(v), 0.5))
        return out

    result = accumulate(cards, spans)
    assert [e.type for e in result.entities] == ["CREDIT_CARD"]
    named = accumulate(cards, spans, hints=(Hint("UK_NHS", 0.9, "nhs"),))
    assert {e.type for e in named.entities} == {"CREDIT_CARD", "UK_NHS"}


def test_free_text_column_keeps_occurrences_with_offsets() -> None:
    notes = ["Customer called about order, no personal data mentioned here at all."] * 30
    notes.append("Please call Jane Roe back on the number she left yesterday evening.")

    def spans(v: str) -> list[Span]:
        i = v.find("Jane Roe")
        return [Span("PERSON", i, i + 8, 0.85)] if i >= 0 else []

    result = accumulate(notes * 2, spans)
    assert [e.type for e in result.entities] == ["PERSON"]
    [finding] = result.findings
    assert (finding.start, finding.end, finding.line) == (12, 20, 31)
    assert "Jane Roe" not in finding.evidence


@pytest.mark.parametrize(
    ("value", "spans", "hinted", "expected"),
    [
        ("078-05-1120", [Span("US_SSN", 0, 11, 0.85)], frozenset(), {"US_SSN": 0.85}),
        ("Call 555-0100 now", [Span("PHONE_NUMBER", 5, 13, 0.75)], frozenset(), {}),
        ("M", [Span("GENDER", 0, 1, 0.15)], frozenset({"GENDER"}), {"GENDER": 0.15}),
        ("M", [Span("GENDER", 0, 1, 0.15)], frozenset(), {}),
    ],
)
def test_value_matching_rule(value, spans, hinted, expected) -> None:
    assert value_entities(value, spans, hinted, 0.5, free_text=False) == expected


def test_wilson_interval_bounds() -> None:
    low, high = wilson_interval(50, 100)
    assert 0.39 < low < 0.41 and 0.59 < high < 0.61
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_quasi_identifiers_raise_the_asset_level() -> None:
    def field(entity: str, level: str) -> FieldResult:
        acc_result = accumulate([f"v{i}" for i in range(10)], whole(entity, 0.9))
        assert acc_result.sensitivity == level
        return acc_result

    fields = [field("POSTAL_CODE", "medium"), field("AGE", "medium"), field("JOB_TITLE", "medium")]
    asset = judge_asset("src", "t", "table", 10, True, fields, [], POLICY)
    assert asset.sensitivity == "high"
    assert any("quasi-identifiers" in n for n in asset.notes)
    single = judge_asset("src", "t", "table", 10, True, fields[:1], [], POLICY)
    assert single.sensitivity == "medium"


def _cached_accumulator(max_cached: int) -> FieldAccumulator:
    return FieldAccumulator(
        name="col",
        data_type="str",
        hints=(),
        policy=POLICY,
        encoder=EvidenceEncoder("masked"),
        min_score=0.5,
        max_values=None,
        max_cached=max_cached,
    )


@pytest.mark.parametrize(
    ("value", "kept_as_is"),
    [
        ("", True),
        ("ORD-2024-000123", True),
        ("x" * CACHE_KEY_CHARS, True),
        ("x" * (CACHE_KEY_CHARS + 1), False),
        ("Customer Jane Doe called from +44 20 7946 0958 about the delivery.", False),
        ("Müller \udc80 lone surrogate" + "y" * 40, False),
    ],
)
def test_cache_key_keeps_short_values_and_digests_long_ones(value: str, kept_as_is: bool) -> None:
    key = cache_key(value)
    if kept_as_is:
        assert key == value
    else:
        assert isinstance(key, bytes) and len(key) == 16
        assert cache_key(value + "!") != key  # another value, another key


def test_long_repeats_are_recognised_and_not_stored_verbatim() -> None:
    note = "Customer Jane Doe called from +44 20 7946 0958 about the delivery."
    acc = _cached_accumulator(100)
    acc.add(note, [Span("PHONE_NUMBER", 30, 46, 0.9)], 1)
    assert acc.cached(note) is not None
    assert acc.cached(note[:-1]) is None
    assert acc.add_repeat(note)
    assert acc.examined == 2 and acc.matched["PHONE_NUMBER"] == 2
    assert note not in acc._cache  # the cache holds a digest, not the text


def test_a_full_cache_drops_its_oldest_tenth() -> None:
    acc = _cached_accumulator(20)
    values = [f"v{i}" for i in range(21)]
    for value in values:
        acc.add(value, [], None)
    # The 21st value found the cache full: the oldest two (a tenth) made room.
    assert [v for v in values if acc.cached(v) is not None] == values[2:]
    assert not acc.add_repeat(values[0])  # dropped: analysed again when it returns


@pytest.mark.parametrize(
    ("fields", "per_field"),
    [
        (0, CACHE_PER_ASSET),
        (1, CACHE_PER_ASSET),
        (10, CACHE_PER_ASSET // 10),
        (10_000, MIN_CACHE_PER_FIELD),
    ],
)
def test_the_cache_budget_is_shared_by_an_assets_fields(fields: int, per_field: int) -> None:
    assert cache_per_field(fields) == per_field
