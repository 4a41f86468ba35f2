"""Identifiers seen in structured fields are found again in free text."""

from __future__ import annotations

import pytest

from piiscan.anonymize.known_values import KnownValues
from piiscan.model import Span


@pytest.fixture
def known() -> KnownValues:
    kv = KnownValues()
    kv.add("PERSON", "Heather Hale")
    kv.add("EMAIL_ADDRESS", "heather.hale7@gmail.com")
    kv.add("PHONE_NUMBER", "(212) 345-6789")
    kv.add("PERSON", "Will")  # a lone first name is not remembered
    kv.add("ORGANIZATION", "Acme Corp")  # not a direct identifier
    return kv


@pytest.mark.parametrize(("text", "expected"), [
    ("Hello, this is Heather Hale. Call me.", [("PERSON", "Heather Hale")]),
    ("HEATHER   HALE wrote", [("PERSON", "HEATHER   HALE")]),
    ("write to heather.hale7@gmail.com.", [("EMAIL_ADDRESS", "heather.hale7@gmail.com")]),
    ("call (212) 345-6789 now", [("PHONE_NUMBER", "(212) 345-6789")]),
    ("Will you call Acme Corp?", []),
    ("Heather Hales is someone else", []),
    ("", []),
])
def test_finds_remembered_values_only(known: KnownValues, text: str,
                                      expected: list[tuple[str, str]]) -> None:
    assert [(s.entity_type, text[s.start:s.end]) for s in known.find(text)] == expected


def test_spans_already_taken_are_left_alone(known: KnownValues) -> None:
    text = "this is Heather Hale"
    taken = [Span("PERSON", 8, 20, 0.9)]
    assert known.find(text, taken) == []


def test_memory_is_bounded() -> None:
    kv = KnownValues(limit=3)
    for i in range(10):
        kv.add("EMAIL_ADDRESS", f"person{i}@mail.com")
    assert len(kv) == 3
