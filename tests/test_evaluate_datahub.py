"""datahub-classify column scoring (benchmarks/evaluate_datahub.py) and a real-data check."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench_modules import load_bench
from conftest import _require

from piiscan.policy import load_policy

DATAHUB = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "datahub-classify"


evaluate = load_bench("evaluate_datahub")
labels = load_bench("labels")
POLICY = load_policy()

GOLD = {
    "people": {
        "name": "Full_Name",  # TP
        "ip": "IP_Address_v6",  # TP through the shared IP_ADDRESS type
        "card": "Credit_Debit_Card_Number",  # FN: nothing predicted
        "bic": "Swift_Code",  # excluded: neither positive nor negative
        "missing": "Age",  # FN: the scan never saw the column
    },
    "not_shipped": {"x": "Age"},  # not scanned: ignored
}
PREDICTED = {
    "people": {
        "name": {"PERSON": 0.9, "LOCATION": 0.2},  # LOCATION has no datahub type: ignored
        "ip": {"IP_ADDRESS": 1.0},
        "card": {},
        "bic": {"PERSON": 0.6},  # would be an FP were Swift_Code scored
        "zip": {"POSTAL_CODE": 1.0},  # ignored type on a negative: no FP
        "contact": {"PHONE_NUMBER": 0.8, "EMAIL_ADDRESS": 0.7},  # two FPs
        "notes": {"PERSON": 0.4},  # free text: predicts nothing
    },
}


def test_score_pairs() -> None:
    res = evaluate.score(GOLD, PREDICTED, POLICY, frozenset({("people", "notes")}))
    assert (res.positives, res.negatives, res.excluded) == (4, 3, 1)
    assert (res.micro.tp, res.micro.fp, res.micro.fn) == (2, 2, 2)
    per = {k: (v.tp, v.fp, v.fn) for k, v in res.per_type.items()}
    assert per == {
        "Full_Name": (1, 0, 0),
        "IP_Address_v6": (1, 0, 0),
        "Credit_Debit_Card_Number": (0, 0, 1),
        "Age": (0, 0, 1),
        "Phone_Number": (0, 1, 0),
        "Email_Address": (0, 1, 0),
    }
    assert res.micro.precision == pytest.approx(0.5)
    assert res.micro.recall == pytest.approx(0.5)
    wrong = {(d.column, d.gold, d.predicted) for d in res.disagreements}
    assert wrong == {
        ("card", "Credit_Debit_Card_Number", ()),
        ("missing", "Age", ()),
        ("contact", "", ("Email_Address", "Phone_Number")),
    }


@pytest.mark.parametrize(
    ("gold", "predicted", "counts"),
    [
        ({}, {"IP_ADDRESS": 1.0}, {"IP_Address_v4|IP_Address_v6": (0, 1, 0)}),  # FP, both names
        ({"c": "IP_Address_v4"}, {"IP_ADDRESS": 1.0}, {"IP_Address_v4": (1, 0, 0)}),
        ({"c": "Age"}, {"AGE": 0.9, "DATE_OF_BIRTH": 0.9}, {"Age": (1, 0, 0)}),
        ({"c": "Swift_Code"}, {"IBAN_CODE": 1.0}, {}),
        ({"c": "Vehicle_Identification_Number"}, {}, {"Vehicle_Identification_Number": (0, 0, 1)}),
    ],
)
def test_score_one_column(gold: dict, predicted: dict, counts: dict) -> None:
    res = evaluate.score({"d": gold}, {"d": {"c": predicted}}, POLICY)
    assert {k: (v.tp, v.fp, v.fn) for k, v in res.per_type.items()} == counts


def test_categories_from_the_policy() -> None:
    gold = {"d": {"ssn": "US_Social_Security_Number", "age": "Age"}}
    predicted = {"d": {"ssn": {"US_SSN": 1.0}, "age": {"PHONE_NUMBER": 1.0}}}
    res = evaluate.score(gold, predicted, POLICY)
    cats = {k: (v.tp, v.fp, v.fn) for k, v in res.per_category.items()}
    assert cats["identifiers"] == (1, 1, 0)  # SSN right, the phone number is an FP
    assert cats["sensitive"] == (1, 0, 0)
    assert cats["protected_class"] == (0, 0, 1)
    assert cats["customer_records"] == (0, 1, 0)


def test_every_label_maps_to_a_policy_type() -> None:
    for table in (labels.DATAHUB, labels.PRESIDIO_RESEARCH):
        for label, entity in table.items():
            assert entity is None or POLICY.is_personal(entity), label
            assert entity is not None or label in labels.NOT_SCORED, label
    for columns in labels.ADJUDICATED.values():
        assert set(columns.values()) <= set(labels.DATAHUB)


def test_free_text_columns_and_adjudication() -> None:
    long = "The quick brown fox jumps over the lazy dog near the river bank."
    values = {"d": {"body": [long, long, "short"], "name": ["Ann Lee", long, "Bo Kim"]}}
    assert evaluate.free_text_columns(values) == frozenset({("d", "body")})
    merged = evaluate.adjudicated({"sample-data": {"SSN": "US_Social_Security_Number"}})
    assert merged["sample-data"]["SSN"] == "US_Social_Security_Number"
    assert merged["sample-data"]["first name"] == "Full_Name"


# -- real datahub-classify files ----------------------------------------------------------
@pytest.fixture(scope="module")
def datahub_files() -> Path:
    folder = DATAHUB / "datasets"
    _require(folder.is_dir(), f"datahub-classify benchmark not found at {DATAHUB}")
    return folder


@pytest.mark.ner
@pytest.mark.parametrize(
    ("file", "expected"),
    [
        (
            "sample-data.csv",
            {
                "SSN": "US_SSN",
                "email": "EMAIL_ADDRESS",
                "CCN": "CREDIT_CARD",
                "gender": "GENDER",
                "Full_Name": "PERSON",
            },
        ),
        (
            "US_Driving_License.xlsx",
            {"License Number Alabama": "US_DRIVER_LICENSE", "dl_number_Ohio": "US_DRIVER_LICENSE"},
        ),
        ("iban.csv", {"IBAN_Number": "IBAN_CODE"}),
    ],
)
def test_real_datahub_columns(
    datahub_files: Path, ner_scanner, file: str, expected: dict[str, str]
) -> None:
    inventory = ner_scanner.scan([str(datahub_files / file)])
    assert not inventory.errors
    found = {f.name: {e.type for e in f.entities} for a in inventory.assets for f in a.fields}
    for column, entity in expected.items():
        assert entity in found[column], column
