"""Person-name lexicon: the YAML's shape, tokenising a cell, and scoring cells."""

from __future__ import annotations

import collections
from importlib.resources import files

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from piiscan.detectors.names import fold_name, lexicon, name_tokens, person_name_score

BIG_LOCALES = ("en_us", "en_gb", "de", "fr", "es", "in")
OTHER_LOCALES = ("it", "pt", "nl", "pl", "ar", "zh", "ja", "ko", "vi", "tr", "ru", "nordic",
                 "african")


@pytest.fixture(scope="module")
def data() -> dict:
    path = files("piiscan.detectors") / "data" / "person_names.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _folded(items: list[str]) -> set[str]:
    return {fold_name(item) for item in items}


@pytest.mark.parametrize("section", ["given_names", "surnames"])
def test_every_locale_is_listed_with_enough_names(data: dict, section: str) -> None:
    lists = data[section]
    assert set(lists) == set(BIG_LOCALES) | set(OTHER_LOCALES)
    for locale in BIG_LOCALES:
        assert len(lists[locale]) >= (150 if section == "given_names" else 100), locale
    for locale in OTHER_LOCALES:
        assert len(lists[locale]) >= (40 if section == "given_names" else 25), locale


def _all_lists(data: dict) -> list[tuple[str, list]]:
    lists = [(f"{section}.{locale}", items) for section in ("given_names", "surnames")
             for locale, items in data[section].items()]
    return [*lists, ("ambiguous", data["ambiguous"]), ("common_nouns", data["common_nouns"])]


def test_lists_hold_strings_without_duplicates(data: dict) -> None:
    for name, items in _all_lists(data):
        assert all(isinstance(item, str) for item in items), name  # YAML 'on'/'no' traps
        dupes = [k for k, n in collections.Counter(map(fold_name, items)).items() if n > 1]
        assert not dupes, (name, dupes)


def test_names_are_never_common_nouns_and_ambiguous_names_stay_out_of_the_lists(
    data: dict,
) -> None:
    nouns = _folded(data["common_nouns"])
    ambiguous = _folded(data["ambiguous"])
    assert not ambiguous & nouns
    for section in ("given_names", "surnames"):
        for locale, items in data[section].items():
            assert not _folded(items) & nouns, (section, locale, _folded(items) & nouns)
            assert not _folded(items) & ambiguous, (section, locale, _folded(items) & ambiguous)


def test_lexicon_folds_spellings_and_feminine_forms() -> None:
    lex = lexicon()
    assert {"mueller", "muller", "kowalski", "kowalska", "ivanova", "wrobel"} <= lex.surnames
    assert {"juergen", "jurgen", "bjoern", "bjorn", "min-jun", "minjun", "pawel"} <= lex.given
    assert {"mark", "stone", "rose"} <= lex.ambiguous
    assert "mark" not in lex.given


@pytest.mark.parametrize(("value", "tokens"), [
    ("Hans-Jürgen Müller", ["hans-juergen", "hans", "juergen", "mueller"]),
    ("Dr. Jane Doe", ["jane", "doe"]),
    ("Smith, John", ["smith", "john"]),
    ("Mr. James O\u2019Brien Jr.", ["james", "o'brien"]),
    ("Ludwig van Beethoven", ["ludwig", "beethoven"]),
    ("mohammed al-farsi", ["mohammed", "al-farsi", "farsi"]),
    ("Mme Marie de la Cruz", ["marie", "cruz"]),
    ("John F. Kennedy III", ["john", "kennedy"]),
    ("Prof. Dr. Ursula Weiß PhD", ["ursula", "weiss"]),
    ("john@example.com", []),
    ("", []),
])
def test_name_tokens(value: str, tokens: list[str]) -> None:
    assert name_tokens(value) == tokens


FULL_NAMES = [
    "John Smith", "Smith, John", "Dr. Jane Doe", "Hans-Jürgen Müller", "Aarav Sharma",
    "Priya Patel", "María José García López", "Jean-Luc Picard", "Wei Zhang",
    "Oluwaseun Adeyemi", "SARAH JOHNSON", "john smith", "mohammed al-farsi", "Yuki Tanaka",
    "Kim Min-jun", "Ahmet Y\u0131lmaz", "Ahmet Yilmaz", "Olga Ivanova", "Anna Kowalska",
    "Paweł Wróbel", "Lars Andersson", "Giulia Rossi", "João Silva", "Sanne de Vries",
    "Chinedu Okafor", "Mr. James O\u2019Brien Jr.", "Fatima Hassan", "Emma Stone", "Hans Muller",
    "Ludwig van Beethoven", "Nguyen Thi Minh", "Dr. María del Carmen García de la Fuente",
]


@pytest.mark.parametrize("value", FULL_NAMES)
def test_full_names_score_high(value: str) -> None:
    assert person_name_score(value) >= 0.7


@pytest.mark.parametrize("value", [
    "Emma", "Lukas", "Aditya", "Schmidt", "Kowalski", "Nguyen Van An", "Mark Johnson",
    "Jan Kowalski", "Hans-Jürgen", "PRIYA", "Mueller",
])
def test_single_names_and_partial_evidence_reach_the_floor(value: str) -> None:
    assert person_name_score(value) >= 0.45


@pytest.mark.parametrize(("value", "ceiling"), [
    ("Copper Kettle", 0.0), ("Cotton Bath Towel", 0.0), ("Walnut Desk Lamp", 0.0),
    ("Intro To Algebra", 0.0), ("Berlin", 0.0), ("Electronics", 0.0), ("SKU-12345", 0.0),
    ("john@example.com", 0.0), ("Acme Corp", 0.0), ("Premium Plan", 0.0), ("Blue", 0.0),
    ("North Warehouse", 0.0), ("2024-01-01", 0.0), ("Order Shipped", 0.0), ("NA", 0.0),
    ("John Smith 3", 0.0), ("Smith/John", 0.0), ("John: Smith", 0.0),
    ("John Smith Anna Lee Max Weber", 0.0), ("Wolfeschlegelsteinhausenbergerdorff", 0.0),
    ("Madison Armchair", 0.3), ("Jackson Table", 0.3), ("Rose Garden Planter", 0.3),
    ("Emma loves pizza", 0.3), ("Emma Cotton Shirt", 0.3),
    ("Mark Stone", 0.44), ("Jordan", 0.44), ("Christian", 0.44), ("MIN", 0.44),
    ("Paris", 0.44), ("Summer Sale", 0.3),
])
def test_non_names_stay_below_the_floor(value: str, ceiling: float) -> None:
    assert person_name_score(value) <= ceiling


def test_score_order_follows_the_evidence() -> None:
    full = person_name_score("Wei Zhang")
    given_plus = person_name_score("Jean-Luc Unknownname")
    surname_only = person_name_score("Xqz Schmidt")
    single = person_name_score("Schmidt")
    assert (full, given_plus, surname_only, single) == (0.85, 0.7, 0.5, 0.45)


@given(st.text(max_size=60))
def test_any_text_scores_within_range(value: str) -> None:
    assert 0.0 <= person_name_score(value) <= 0.85
    assert all(isinstance(token, str) for token in name_tokens(value))
