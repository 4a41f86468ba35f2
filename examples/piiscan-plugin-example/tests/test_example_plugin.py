"""The example plugin passes piiscan's conformance kit, and a scan reports what it finds
under its declared entity type, with its options from piiscan.toml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from piiscan_plugin_example.connector import RosterConnector
from piiscan_plugin_example.detector import EmployeeIdDetector

from piiscan import Scanner
from piiscan.config import Config, load_config
from piiscan.errors import ConfigError
from piiscan.registry import Registry
from piiscan.testing import ConnectorContract, DetectorContract

ROSTER = "# ACME staff\nemployee_id | name | email\n" + "".join(
    f"EMP-{100000 + i} | Person {i} | p{i}@acme.example\n" for i in range(12)
)


def write_roster(folder: Path, name: str = "staff.roster", text: str = ROSTER) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


class TestEmployeeIdDetector(DetectorContract):
    detector_class = EmployeeIdDetector
    examples = (("staff EMP-123456 left", "EMPLOYEE_ID"), ("EMP-000001", "EMPLOYEE_ID"))


class TestRosterConnector(ConnectorContract):
    connector_class = RosterConnector

    def make_source(self, tmp_path: Path) -> str:
        write_roster(tmp_path)
        return f"roster://{tmp_path}"

    def make_unreadable_source(self, tmp_path: Path) -> str:
        write_roster(tmp_path)
        (tmp_path / "latin1.roster").write_bytes(b"id | name\n1 | J\xf6rg\n")
        return f"roster://{tmp_path}"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("EMP-123456", ["EMP-123456"]),
        ("ids EMP-123456, EMP-654321.", ["EMP-123456", "EMP-654321"]),
        ("EMP-12345", []),  # five digits
        ("EMP-1234567", []),  # seven digits
        ("XEMP-123456", []),  # part of a longer token
        ("emp-123456", []),  # the prefix is upper case
    ],
)
def test_employee_ids(text: str, found: list[str]) -> None:
    [spans] = EmployeeIdDetector(Config()).analyze([text])
    assert [text[s.start : s.end] for s in spans] == found


def _scan(config: Config, source: str) -> dict:
    registry = Registry(builtins=False)  # this package's plugins next to piiscan's own
    with Scanner(config, registry=registry) as scanner:
        return scanner.scan([source]).to_dict()


def test_a_scan_reports_the_declared_type_without_a_policy_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIISCAN_PLUGINS", "all")  # the files connector sees .roster too
    write_roster(tmp_path / "hr")
    inventory = _scan(Config(spacy_model="none"), str(tmp_path / "hr"))
    [asset] = inventory["assets"]
    field = next(f for f in asset["fields"] if f["name"] == "employee_id")
    assert [e["type"] for e in field["entities"]] == ["EMPLOYEE_ID"]
    assert field["categories"] == ["identifiers", "professional"]
    assert field["sensitivity"] == "medium"
    assert "EMP-100001" not in json.dumps(inventory)


def test_options_come_from_the_plugins_table(tmp_path: Path) -> None:
    write_roster(tmp_path / "hr", text="id | note\n" + "STAFF-123456 | x\n" * 5)
    toml = tmp_path / "piiscan.toml"
    toml.write_text(
        '[piiscan]\nspacy_model = "none"\n[piiscan.plugins.employee_ids]\nprefix = "STAFF"\n',
        encoding="utf-8",
    )
    inventory = _scan(load_config(toml, env={}), f"roster://{tmp_path / 'hr'}")
    field = next(f for f in inventory["assets"][0]["fields"] if f["name"] == "id")
    assert [e["type"] for e in field["entities"]] == ["EMPLOYEE_ID"]


def test_a_bad_option_is_a_config_error(tmp_path: Path) -> None:
    toml = tmp_path / "piiscan.toml"
    toml.write_text("[piiscan.detectors.employee_ids]\nscore = 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="score"):
        EmployeeIdDetector(load_config(toml, env={}))
