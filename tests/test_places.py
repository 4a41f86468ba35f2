"""Place gazetteer: the YAML's shape and size, and scoring table cells."""

from __future__ import annotations

import collections
from importlib.resources import files

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from piiscan.detectors.places import (
    AMBIGUOUS,
    AMBIGUOUS_CODE,
    CODE,
    COMPOSITE,
    EXACT,
    PLACE_WORD,
    gazetteer,
    place_key,
    place_score,
)


@pytest.fixture(scope="module")
def data() -> dict:
    path = files("piiscan.detectors") / "data" / "places.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _flat(section: list | dict) -> list:
    if isinstance(section, dict):
        return [n for items in section.values() for n in items]
    return section


def _lists(data: dict) -> list[tuple[str, list]]:
    out = []
    for section, value in data.items():
        if isinstance(value, dict):
            out += [(f"{section}.{group}", items) for group, items in value.items()]
        else:
            out.append((section, value))
    return out


def test_the_lists_are_big_enough(data: dict) -> None:
    assert len(data["countries"]) >= 240
    assert len(_flat(data["cities"])) >= 1200
    assert len(data["country_codes"]) >= 2 * 249
    assert len(data["regions"]["us"]) == 51
    assert "District of Columbia" in data["regions"]["us"]
    assert len(data["region_codes"]["us"]) == 51
    for country, at_least in {"us": 400, "gb": 200, "de": 150, "in": 150, "fr": 100, "es": 80,
                              "it": 60, "ca": 60, "au": 40}.items():
        assert len(data["cities"][country]) >= at_least, country


def test_every_entry_is_a_string_without_duplicates_in_its_list(data: dict) -> None:
    for name, items in _lists(data):
        assert all(isinstance(item, str) and item.strip() == item for item in items), name
        keys = collections.Counter(place_key(item) for item in items)
        assert [k for k, n in keys.items() if n > 1] == [], name


@pytest.mark.parametrize("section", ["countries", "regions", "cities"])
def test_no_duplicates_across_groups_of_a_section(data: dict, section: str) -> None:
    keys = collections.Counter(place_key(item) for item in _flat(data[section]))
    assert [k for k, n in keys.items() if n > 1] == []


def test_codes_are_upper_case_letters(data: dict) -> None:
    codes = data["country_codes"] + _flat(data["region_codes"]) + data["ambiguous_codes"]
    assert all(code.isascii() and code.isalpha() and code.isupper() for code in codes)
    assert all(2 <= len(code) <= 3 for code in codes)


def test_ambiguous_entries_are_listed_places(data: dict) -> None:
    listed = {place_key(n) for s in ("countries", "regions", "cities") for n in _flat(data[s])}
    assert [n for n in data["ambiguous"] if place_key(n) not in listed] == []
    codes = set(data["country_codes"]) | set(_flat(data["region_codes"]))
    assert set(data["ambiguous_codes"]) <= codes


def test_ambiguous_entries_are_kept_out_of_the_strong_sets() -> None:
    gaz = gazetteer()
    assert not gaz.names & gaz.ambiguous
    assert not gaz.codes & gaz.ambiguous_codes


@pytest.mark.parametrize(
    "cell",
    ["Germany", "United States", "USA", "U.S.", "United Kingdom", "Great Britain", "Deutschland",
     "España", "Espana", "Côte d'Ivoire", "Cote d\u2019Ivoire", "Ivory Coast", "South Korea",
     "Republic of Korea", "California", "Bavaria", "Bayern", "Maharashtra", "München", "Munich",
     "Muenchen", "Munchen", "Köln", "Cologne", "Zürich", "Zurich", "New York", "NEW YORK",
     "new york", "Springfield", "Leeds", "Pune", "Toronto", "Île-de-France", "Ile de France",
     "Baden Württemberg", "St. Louis", "St Louis", "Washington DC", "Winston Salem",
     "Cook County", "Greater London", "Tamil Nadu", "Nuevo León", "São Paulo", "Sao Paulo",
     "Kraków", "Krakow", "Tokyo"],
)
def test_known_places_score_high(cell: str) -> None:
    assert place_score(cell) == EXACT


@pytest.mark.parametrize("cell", ["DE", "CA", "US", "GBR", "DEU", "TX", "QC", "NSW", "RJ"])
def test_upper_case_codes(cell: str) -> None:
    assert place_score(cell) == CODE


@pytest.mark.parametrize("cell", ["NA", "OK", "IT", "HR", "AM", "PM", "CAN", "AND", "NO"])
def test_codes_that_are_everyday_abbreviations_count_half(cell: str) -> None:
    assert place_score(cell) == AMBIGUOUS_CODE


@pytest.mark.parametrize(
    "cell",
    ["Paris, France", "Austin, TX", "Austin, Texas", "Springfield, IL, USA", "Munich, Germany",
     "Halle (Saale)", "Köln (Nordrhein-Westfalen)", "Toronto, ON", "Portland, OR", "Reading, UK",
     "Washington, D.C.", "Berlin / Germany", "Jackson, MS", "Cook County, IL", "Pune, India"],
)
def test_composites_of_known_parts(cell: str) -> None:
    assert place_score(cell) == COMPOSITE


@pytest.mark.parametrize(
    "cell",
    ["Jackson County", "City of London", "Landkreis München", "Stadt Köln", "Bremen District",
     "Province of Quebec", "Kent County", "Munich Region", "State of Ohio"],
)
def test_known_place_next_to_a_place_word(cell: str) -> None:
    assert place_score(cell) in (PLACE_WORD, EXACT)
    assert place_score(cell) > 0


@pytest.mark.parametrize("cell", ["Reading", "Mobile", "Jackson", "Nice", "Bath", "Orange",
                                  "Georgia", "Jordan", "Charlotte", "Turkey", "reading"])
def test_ambiguous_places_count_half(cell: str) -> None:
    assert place_score(cell) == AMBIGUOUS


@pytest.mark.parametrize(
    "cell",
    ["Debit", "Credit", "Visa", "Mastercard", "Pensioner", "Working", "Auto Loan", "Premium",
     "Gold", "Electronics", "de", "ca", "us", "SKU-123", "12 Main Street", "john@example.com",
     "Landslide", "Rain", "Mudslide", "Small", "Large", "Commercial associate", "State servant",
     "State", "City", "County", "Yes", "No", "Male", "Female", "Married", "Single", "Student",
     "Sales", "Groceries", "Cash loans", "Revolving loans", "Secondary / secondary special",
     "Higher education", "House / apartment", "Laborers", "Core staff", "Business Entity Type 3",
     "", "   ", "Orange, Mobile", "IT, HR", "Paris Hilton", "Bank of America", "CAT", "ABCD",
     "Berlin Berlin Berlin Berlin Berlin Berlin Berlin", "Germany!", "Munich 80331"],
)
def test_non_places_score_zero(cell: str) -> None:
    assert place_score(cell) == 0.0


@given(st.text(max_size=40))
def test_any_text_scores_in_range(text: str) -> None:
    assert place_score(text) in (0.0, AMBIGUOUS_CODE, AMBIGUOUS, CODE, PLACE_WORD, EXACT)


@given(st.text(alphabet="0123456789", min_size=1, max_size=3), st.sampled_from(["Paris", "DE"]))
def test_digits_disqualify_a_cell(digits: str, place: str) -> None:
    assert place_score(f"{place} {digits}") == 0.0
