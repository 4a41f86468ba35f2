"""BIRTH_YEAR: a bare year or a whole-cell 1 January date in a birth-date context is a year
of birth (medium), not a date of birth (high); a generalized copy rescans as one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from piiscan.anonymize.rules import AnonymizationRules
from piiscan.config import Config
from piiscan.detectors.column_names import hints_for
from piiscan.detectors.presidio_detector import PresidioDetector
from piiscan.policy import load_policy
from piiscan.scanning.scanner import Scanner

POLICY = load_policy()


@pytest.fixture(scope="module")
def detector() -> PresidioDetector:
    return PresidioDetector(Config(spacy_model="none"))


# (field, value, the birth type it counts as at min_score, or None)
VALUES = [
    ("birth_year", "1971", "BIRTH_YEAR"),
    ("year_of_birth", "1971", "BIRTH_YEAR"),
    ("date_of_birth", "1971", "BIRTH_YEAR"),  # a date of birth generalized to the year
    ("date_of_birth", "1971-01-01", "BIRTH_YEAR"),
    ("dob", "01/01/1971", "BIRTH_YEAR"),
    ("dob", "1 January 1971", "BIRTH_YEAR"),
    ("date_of_birth", "1971-03-05", "DATE_OF_BIRTH"),
    ("dob", "01/02/1971", "DATE_OF_BIRTH"),
    ("year", "1971", None),  # a year is a birth year only by the column name
    ("created", "2020-01-01", None),
    ("birth_year", "1871", None),  # not plausible
    (None, "She was born on 1 January 1980 in Leeds.", "DATE_OF_BIRTH"),  # free text
]


@pytest.mark.parametrize(("field", "value", "expected"), VALUES)
def test_birth_year_or_date_of_birth(
    detector: PresidioDetector, field: str | None, value: str, expected: str | None
) -> None:
    spans = detector.analyze([value], field=field)[0]
    found = {s.entity_type for s in spans if s.score >= 0.5} & {"BIRTH_YEAR", "DATE_OF_BIRTH"}
    assert found == ({expected} if expected else set())


@pytest.mark.parametrize(
    ("name", "entity"),
    [("birth_year", "BIRTH_YEAR"), ("year_of_birth", "BIRTH_YEAR"), ("yob", "BIRTH_YEAR"),
     ("geburtsjahr", "BIRTH_YEAR"), ("date_of_birth", "DATE_OF_BIRTH"), ("dob", "DATE_OF_BIRTH")],
)  # fmt: skip
def test_column_names_point_to_the_birth_type(name: str, entity: str) -> None:
    assert [h.entity_type for h in hints_for(name)] == [entity]


def test_policy_birth_year_is_a_medium_quasi_identifier() -> None:
    rule = POLICY.rule("BIRTH_YEAR")
    assert (rule.categories, rule.level, rule.gdpr) == (("protected_class",), "medium", "personal")
    assert any({"BIRTH_YEAR", "AGE"} <= qi.entities for qi in POLICY.quasi_identifier_sets)
    rules = AnonymizationRules(POLICY)
    assert rules.spec_for("BIRTH_YEAR").name == "keep"
    assert rules.spec_for("SALARY").name == "redact"  # a salary band is still a SALARY


def _column(tmp_path: Path, values: list[str]) -> set[str]:
    db = tmp_path / "people.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE people (date_of_birth TEXT)")
        conn.executemany("INSERT INTO people VALUES (?)", [(v,) for v in values])
    conn.close()
    inventory = Scanner(Config(spacy_model="none", progress=False)).scan([f"sqlite:///{db}"])
    return {e.type for f in inventory.assets[0].fields for e in f.entities}


def test_a_column_generalized_to_the_year_is_a_birth_year(tmp_path: Path) -> None:
    years = [f"{1940 + i % 60}-01-01" for i in range(60)]
    assert _column(tmp_path, years) == {"BIRTH_YEAR"}


def test_a_real_birth_date_column_with_some_1_january_stays_a_date_of_birth(
    tmp_path: Path,
) -> None:
    dates = [
        f"{1940 + i}-01-01" if i % 20 == 0 else f"{1940 + i}-{2 + i % 11:02d}-{1 + i % 28:02d}"
        for i in range(60)
    ]
    assert sum(d.endswith("-01-01") for d in dates) == 3
    assert _column(tmp_path, dates) == {"DATE_OF_BIRTH"}
