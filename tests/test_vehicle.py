"""Vehicle identification numbers: shape, ISO 3779 check digit, context and column verdicts."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from recognizer_engine import best_score  # tests/recognizer_engine.py

from piiscan.detectors.recognizers.vehicle import vin_check_digit_valid, vin_shaped


@pytest.mark.parametrize(
    ("value", "shaped", "checked"),
    [
        ("1M8GDM9AXKP042788", True, True),  # the textbook example, check digit X
        ("1HGCM82633A004352", True, True),
        ("1hgcm82633a004352", True, True),  # lower case is the same VIN
        (" 1HGCM82633A004352 ", True, True),
        ("1HGCM82643A004352", True, False),  # wrong check digit
        ("WVWZZZ1JZXW000001", True, False),  # European: no check digit, shape only
        ("1HGCM82633A00435", False, False),  # 16 characters
        ("1HGCM82633A0043521", False, False),  # 18 characters
        ("1HGCM82633I004352", False, False),  # contains I
        ("1HGCM82633O004352", False, False),  # contains O
        ("1HGCQ82633A004352", False, False),  # contains Q
        ("12345678901234567", False, False),  # digits only
        ("1HGCM82633A00435X", False, False),  # serial must end in digits
        ("a3f5b9c2d8e1f4a6b", False, False),  # 17 hex characters
        ("SKU-12345-ABCDE-1", False, False),  # SKU with dashes
    ],
)
def test_vin_shape_and_check_digit(value: str, shaped: bool, checked: bool) -> None:
    assert vin_shaped(value) is shaped
    assert vin_check_digit_valid(value) is checked


@pytest.mark.parametrize(
    ("text", "context", "reported"),
    [
        ("1HGCM82633A004352", None, True),  # valid check digit alone
        ("WVWZZZ1JZXW000001", None, False),  # shape alone is too weak
        ("WVWZZZ1JZXW000001", ["vin"], True),  # ... unless the column says VIN
        ("WVWZZZ1JZXW000001", ["chassis", "number"], True),
        ("the VIN is WVWZZZ1JZXW000001.", None, True),  # context word in the text
        ("1HGCM82643A004352", None, False),  # wrong check digit, no context
        ("order ORD2024010112345 shipped", None, False),  # 20 characters: no match
        ("commit 3f5b9c2d8e1f4a6b7c8d9e0f1a2b3c4d5e6f7a8b", None, False),  # hex hash
        ("SKU ABCDEFGHJKLMN1234", ["sku"], False),  # 19 characters
    ],
)
def test_vehicle_recognizer(text: str, context: list[str] | None, reported: bool) -> None:
    assert (best_score(text, "VEHICLE_ID", context) >= 0.5) is reported


def _write_csv(path: Path, columns: dict[str, list[str]]) -> Path:
    names = list(columns)
    rows = zip(*columns.values(), strict=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(names)
        writer.writerows(rows)
    return path


def _eu_vin(i: int) -> str:
    return f"WVWZZZ1JZ{'ABCDEFGH'[i % 8]}W{i:06d}"


def _na_vin(i: int) -> str:
    """A VIN with a valid check digit built from a serial number."""
    stem = f"1HGCM826?3A{i:06d}"
    for digit in "0123456789X":
        candidate = stem.replace("?", digit)
        if vin_check_digit_valid(candidate):
            return candidate
    raise AssertionError("no check digit fits")


@pytest.mark.ner
def test_vehicle_columns(tmp_path: Path, ner_scanner) -> None:
    n = 40
    path = _write_csv(
        tmp_path / "fleet.csv",
        {
            "VIN": [_na_vin(i) for i in range(n)],
            "chassis_number": [_eu_vin(i) for i in range(n)],
            "unit_code": [_eu_vin(i) for i in range(n)],  # VIN-shaped, no name, no check
            "sku": [f"SKU-{i:05d}-ABCDE-{i % 9}" for i in range(n)],
            "commit": [f"{i:040x}" for i in range(n)],
        },
    )
    inventory = ner_scanner.scan([str(path)])
    verdicts = {f.name: {e.type for e in f.entities} for f in inventory.assets[0].fields}
    assert "VEHICLE_ID" in verdicts["VIN"]
    assert "VEHICLE_ID" in verdicts["chassis_number"]
    for column in ("unit_code", "sku", "commit"):
        assert "VEHICLE_ID" not in verdicts[column], column
    vin_field = next(f for f in inventory.assets[0].fields if f.name == "VIN")
    assert "identifiers" in vin_field.categories
    assert vin_field.sensitivity == "medium"
