"""A detector plugin declares the entity types it emits; the policy takes them under the
user's policy file, and a type emitted but declared nowhere is a warning, not silence."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from piiscan import Scanner
from piiscan.config import Config
from piiscan.declared_types import UndeclaredTypes, declared_entity_types, scan_policy
from piiscan.model import Span
from piiscan.plugins import Detector, EntitySpec
from piiscan.policy import load_policy

CONFIG = Config(spacy_model="none", progress=False)
EMPLOYEE = EntitySpec(categories=("identifiers", "professional"), level="medium")
_ID = re.compile(r"EMP-\d{6}")


class EmployeeIds(Detector):
    name = "employee_ids"
    entity_types = {"EMPLOYEE_ID": EMPLOYEE}

    def analyze(self, texts: Sequence[str], *, field: str | None = None) -> list[list[Span]]:
        return [
            [Span("EMPLOYEE_ID", m.start(), m.end(), 0.9, self.name) for m in _ID.finditer(t)]
            for t in texts
        ]


class StaffNumbers(EmployeeIds):
    """Declares EMPLOYEE_ID differently (and PERSON, which the default policy owns)."""

    name = "staff_numbers"
    entity_types = {
        "EMPLOYEE_ID": EntitySpec(categories=("identifiers",), level="high"),
        "PERSON": EntitySpec(categories=("professional",), level="low"),
    }


class ShoeSizes(Detector):
    """Emits a type nobody declares."""

    name = "shoe_sizes"

    def analyze(self, texts: Sequence[str], *, field: str | None = None) -> list[list[Span]]:
        return [[Span("SHOE_SIZE", 0, len(t), 0.9, self.name)] if t.isdigit() else []
                for t in texts]


def write_policy(tmp_path: Path, text: str) -> str:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def staff_csv(tmp_path: Path) -> Path:
    folder = tmp_path / "hr"
    folder.mkdir()
    (folder / "staff.csv").write_text(
        "employee,shoe\n" + "".join(f"EMP-{100000 + i},{40 + i % 5}\n" for i in range(20))
    )
    return folder


def scan_fields(tmp_path: Path, detectors: list[Detector], config: Config = CONFIG) -> dict:
    with Scanner(config, detectors=detectors) as scanner:
        inventory = scanner.scan([str(staff_csv(tmp_path))]).to_dict()
    [asset] = inventory["assets"]
    return {"inventory": inventory, **{f["name"]: f for f in asset["fields"]}}


def test_a_declared_type_is_reported_with_its_categories_and_level(tmp_path: Path) -> None:
    """Regression: the type was dropped unless a policy file named it."""
    found = scan_fields(tmp_path, [EmployeeIds(CONFIG)])
    employee = found["employee"]
    assert [e["type"] for e in employee["entities"]] == ["EMPLOYEE_ID"]
    assert employee["categories"] == ["identifiers", "professional"]
    assert employee["sensitivity"] == "medium"
    assert employee["gdpr"] == "personal"
    assert "EMP-100001" not in json.dumps(found["inventory"])


@pytest.mark.parametrize(("policy", "categories", "level"), [
    (None, ("identifiers", "professional"), "medium"),  # the declaration
    ("entities:\n  EMPLOYEE_ID: {level: very_high}\n",  # the file overrides key by key
     ("identifiers", "professional"), "very_high"),
    ("entities:\n  EMPLOYEE_ID: {categories: [professional], level: low}\n",
     ("professional",), "low"),
    ("extends: none\ncategories: {professional: {title: Work}}\nentities: {}\n",
     None, None),  # the declaration names a category this policy lacks: left out
    ("extends: none\ncategories: {identifiers: {title: Ids}, professional: {title: Work}}\n"
     "entities: {}\n", ("identifiers", "professional"), "medium"),
])
def test_a_policy_file_still_overrides_a_declaration(
    tmp_path: Path, policy: str | None, categories: tuple[str, ...] | None, level: str | None
) -> None:
    path = write_policy(tmp_path, policy) if policy else None
    rule = scan_policy([EmployeeIds(CONFIG)], policy_path=path).rule("EMPLOYEE_ID")
    if categories is None:
        assert rule is None
    else:
        assert rule is not None and (rule.categories, rule.level) == (categories, level)


def test_the_default_policy_wins_for_its_own_types() -> None:
    policy = scan_policy([StaffNumbers(CONFIG)])
    person = policy.rule("PERSON")
    assert person == load_policy().rule("PERSON")


def test_a_given_policy_takes_declarations_too(tmp_path: Path) -> None:
    given = load_policy(write_policy(tmp_path, "entities:\n  EMPLOYEE_ID: {level: high}\n"))
    merged = scan_policy([EmployeeIds(CONFIG)], given)
    rule = merged.rule("EMPLOYEE_ID")
    assert rule is not None and (rule.categories, rule.level) == (EMPLOYEE.categories, "high")
    assert merged.describe()["origin"] == given.describe()["origin"]
    assert scan_policy([], given) is given  # nothing declared: the same policy


def test_two_plugins_declaring_one_type_differently_is_a_warning_naming_both(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        declared = declared_entity_types([EmployeeIds(CONFIG), StaffNumbers(CONFIG)])
    assert declared["EMPLOYEE_ID"] == EMPLOYEE  # the first one's
    [record] = [r for r in caplog.records if "EMPLOYEE_ID" in r.getMessage()]
    assert "employee_ids and staff_numbers" in record.getMessage()


def test_the_same_declaration_twice_is_no_clash(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        declared_entity_types([EmployeeIds(CONFIG), EmployeeIds(CONFIG)])
    assert not caplog.records


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"categories": ("identifiers",), "level": "extreme"}, "unknown level 'extreme'"),
    ({"categories": ("identifiers",), "gdpr": "secret"}, "unknown gdpr class 'secret'"),
])
def test_an_entity_spec_checks_its_level_and_gdpr_class(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        EntitySpec(**kwargs)


def test_an_emitted_type_declared_nowhere_is_an_inventory_warning(tmp_path: Path) -> None:
    """Regression: SHOE_SIZE findings vanished without a word."""
    found = scan_fields(tmp_path, [EmployeeIds(CONFIG), ShoeSizes(CONFIG)])
    assert found["shoe"]["entities"] == []
    [warning] = [w for w in found["inventory"]["warnings"] if "SHOE_SIZE" in w]
    assert warning.startswith("entity type SHOE_SIZE (from shoe_sizes) is in no policy")
    assert not any("EMPLOYEE_ID" in w for w in found["inventory"]["warnings"])


def test_undeclared_types_are_words_never_values() -> None:
    collector = UndeclaredTypes(load_policy())
    collector.see([[Span("SHOE_SIZE", 0, 2, 0.9, "shoe_sizes"), Span("PERSON", 0, 2, 0.9)],
                   [Span("SHOE_SIZE", 0, 2, 0.9, ""), Span("HAT_SIZE", 0, 1, 0.5)]])
    assert [w.split(" is in no policy")[0] for w in collector.warnings()] == [
        "entity type HAT_SIZE (from a detector)",
        "entity type SHOE_SIZE (from shoe_sizes)",
    ]
    collector.clear()
    assert collector.warnings() == []
