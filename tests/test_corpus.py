"""The labelled corpus generator and the column-level scorer (benchmarks/)."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from bench_modules import load_bench

from piiscan.checksums import iban_mod97, luhn_valid
from piiscan.policy import load_policy

corpus = load_bench("corpus")
evaluate = load_bench("evaluate_columns")
POLICY = load_policy()


# -- the scorer ------------------------------------------------------------------------
def field(name: str, *entities: str, categories: list[str] | None = None) -> dict[str, Any]:
    if categories is None:
        categories = sorted({c for e in entities for c in POLICY.rule(e).categories})
    return {"name": name, "entities": [{"type": e} for e in entities],
            "categories": categories}


def inventory(*assets: tuple[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {"assets": [{"asset": name, "fields": fields} for name, fields in assets]}


def test_perfect_scan_scores_one() -> None:
    labels = {"people": {"email": ["EMAIL_ADDRESS"], "phone": ["PHONE_NUMBER"], "sku": []}}
    inv = inventory(("people", [field("email", "EMAIL_ADDRESS"), field("phone", "PHONE_NUMBER"),
                                field("sku")]))
    m = evaluate.score(labels, inv, POLICY)
    assert (m.categories.tp, m.categories.fp, m.categories.fn) == (3, 0, 0)  # id + id,cr
    assert m.entities.f1 == 1.0
    assert m.false_positive_rate == 0.0
    assert (m.columns, m.positives, m.negatives) == (3, 2, 1)
    assert m.errors == []


def test_flagged_negative_is_a_false_positive() -> None:
    labels = {"products": {"name": [], "price": []}}
    inv = inventory(("products", [field("name", "PERSON"), field("price")]))
    m = evaluate.score(labels, inv, POLICY)
    assert m.false_positive_rate == 0.5
    assert (m.categories.tp, m.categories.fp, m.categories.fn) == (0, 1, 0)
    assert m.per_entity["PERSON"].fp == 1
    assert [(e.kind, e.column, e.entities) for e in m.errors] == [("FP", "name", ("PERSON",))]


def test_wrong_entity_same_category_counts_at_category_level_only() -> None:
    labels = {"t": {"city": ["LOCATION"]}}
    inv = inventory(("t", [field("city", "POSTAL_CODE")]))
    m = evaluate.score(labels, inv, POLICY)
    assert m.categories.f1 == 1.0  # both geolocation
    assert (m.entities.tp, m.entities.fp, m.entities.fn) == (0, 1, 1)
    assert {e.kind for e in m.errors} == {"FN", "FP"}


def test_a_birth_year_counts_as_the_labelled_date_of_birth() -> None:
    labels = {"t": {"yob": ["DATE_OF_BIRTH"], "signup_year": []}}
    inv = inventory(("t", [field("yob", "BIRTH_YEAR"), field("signup_year", "BIRTH_YEAR")]))
    m = evaluate.score(labels, inv, POLICY)
    assert (m.entities.tp, m.entities.fp, m.entities.fn) == (1, 1, 0)
    assert m.negatives_flagged == 1
    # categories are the inventory's: a year of birth is no identifier on its own
    assert (m.categories.tp, m.categories.fn) == (1, 1)


def test_missing_columns_are_false_negatives_and_listed() -> None:
    labels = {"t": {"ssn": ["US_SSN"], "gone_negative": []}, "absent": {"email": ["EMAIL_ADDRESS"]}}
    inv = inventory(("t", []))
    m = evaluate.score(labels, inv, POLICY)
    assert sorted(m.missing) == [("absent", "email"), ("t", "gone_negative"), ("t", "ssn")]
    assert m.categories.fn == 3  # identifiers+sensitive for the SSN, identifiers for the email
    assert m.entities.fn == 2
    assert m.negatives == 0  # a missing negative is listed, not scored


def test_unlabelled_inventory_columns_are_ignored() -> None:
    labels = {"t": {"email": ["EMAIL_ADDRESS"]}}
    inv = inventory(("t", [field("email", "EMAIL_ADDRESS"), field("other", "PERSON")]),
                    ("u", [field("x", "PERSON")]))
    m = evaluate.score(labels, inv, POLICY)
    assert m.categories.fp == 0 and m.entities.fp == 0


@pytest.mark.parametrize(("key", "asset_name"), [
    ("orders", "orders"),
    ("orders", "main.orders"),
    ("crm/contacts.csv", "crm/contacts.csv"),
    ("crm/contacts.csv", "/tmp/x/files/crm/contacts.csv"),
    ("crm/contacts.csv", "files\\crm\\contacts.csv"),
])
def test_asset_names_match_by_suffix(key: str, asset_name: str) -> None:
    m = evaluate.score({key: {"email": ["EMAIL_ADDRESS"]}},
                       inventory((asset_name, [field("email", "EMAIL_ADDRESS")])), POLICY)
    assert m.missing == [] and m.entities.tp == 1


@pytest.mark.parametrize(("key", "asset_name"), [
    ("orders", "backorders"), ("crm/contacts.csv", "xcrm/contacts.csv"),
])
def test_asset_names_do_not_match_partial_words(key: str, asset_name: str) -> None:
    m = evaluate.score({key: {"email": ["EMAIL_ADDRESS"]}},
                       inventory((asset_name, [field("email", "EMAIL_ADDRESS")])), POLICY)
    assert m.missing == [(key, "email")]


@pytest.mark.parametrize("inventory_name", ["person.vorname", "person/vorname", "$.person.vorname",
                                            "Person.Vorname"])
def test_nested_field_names_are_normalised(inventory_name: str) -> None:
    m = evaluate.score({"p.jsonl": {"person.vorname": ["PERSON"]}},
                       inventory(("p.jsonl", [field(inventory_name, "PERSON")])), POLICY)
    assert m.entities.tp == 1


def test_categories_derived_from_entities_when_absent() -> None:
    inv = inventory(("t", [field("card", "CREDIT_CARD", categories=[])]))
    m = evaluate.score({"t": {"card": ["CREDIT_CARD"]}}, inv, POLICY)
    assert (m.categories.tp, m.categories.fp, m.categories.fn) == (2, 0, 0)


def test_non_personal_predictions_are_not_counted() -> None:
    inv = inventory(("t", [field("ts", "DATE_TIME", categories=[])]))
    m = evaluate.score({"t": {"ts": []}}, inv, POLICY)
    assert m.entities.fp == 0 and m.negatives_flagged == 0


def test_unknown_label_entity_is_rejected() -> None:
    with pytest.raises(ValueError, match="NOT_A_TYPE"):
        evaluate.score({"t": {"x": ["NOT_A_TYPE"]}}, inventory(("t", [field("x")])), POLICY)


def test_counts_ratios() -> None:
    c = evaluate.Counts(tp=3, fp=1, fn=2)
    assert c.precision == 0.75 and c.recall == 0.6
    assert c.f1 == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    assert evaluate.Counts().f1 == 0.0


def test_cli_reads_inventory_and_prints_json(tmp_path: Path, capsys: pytest.CaptureFixture
                                             ) -> None:
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"t": {"email": ["EMAIL_ADDRESS"], "name": []}}))
    inv = tmp_path / "inv.json"
    inv.write_text(json.dumps(inventory(("t", [field("email", "EMAIL_ADDRESS"),
                                                field("name", "PERSON")]))))
    assert evaluate.main(["--labels", str(labels), "--inventory", str(inv), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["false_positive_rate"] == 1.0
    assert out["category_micro"]["tp"] == 1 and out["category_micro"]["fp"] == 1
    assert evaluate.main(["--labels", str(labels), "--inventory", str(inv), "-v"]) == 0
    text = capsys.readouterr().out
    assert "false-positive rate" in text
    assert re.search(r"^\s+FP\s+t :: name\s+PERSON", text, re.M)


# -- the corpus ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("corpus")
    return out, corpus.generate(out, rows=40, seed=3)


def _dump(db: Path) -> list[str]:
    con = sqlite3.connect(db)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def test_same_seed_same_output(generated: tuple[Path, dict], tmp_path: Path) -> None:
    out, _ = generated
    again = tmp_path / "again"
    corpus.generate(again, rows=40, seed=3)
    for path in sorted(out.rglob("*")):
        if path.is_file() and path.suffix in {".json", ".csv", ".jsonl"}:
            rel = path.relative_to(out)
            assert path.read_bytes() == (again / rel).read_bytes(), rel
    assert _dump(out / "corpus.db") == _dump(again / "corpus.db")
    for path in sorted(out.rglob("*.parquet")):
        assert pq.read_table(path).equals(pq.read_table(again / path.relative_to(out)))


def test_other_seed_other_values(generated: tuple[Path, dict], tmp_path: Path) -> None:
    out, _ = generated
    corpus.generate(tmp_path / "other", rows=40, seed=4)
    assert _dump(out / "corpus.db") != _dump(tmp_path / "other" / "corpus.db")


def _columns_of(out: Path, asset: str) -> set[str]:
    if "/" not in asset:
        con = sqlite3.connect(out / "corpus.db")
        try:
            return {r[1] for r in con.execute(f'PRAGMA table_info("{asset}")')}
        finally:
            con.close()
    path = out / "files" / asset
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as fh:
            return set(next(csv.reader(fh)))
    if path.suffix == ".parquet":
        return set(pq.read_schema(path).names)
    keys: set[str] = set()

    def walk(obj: dict, prefix: str = "") -> None:
        for k, v in obj.items():
            if isinstance(v, dict):
                walk(v, f"{prefix}{k}.")
            else:
                keys.add(prefix + k)

    for line in path.read_text(encoding="utf-8").splitlines():
        walk(json.loads(line))
    return keys


def test_every_labelled_column_exists(generated: tuple[Path, dict]) -> None:
    out, labels = generated
    assert json.loads((out / "labels.json").read_text()) == labels
    for asset, columns in labels.items():
        assert _columns_of(out, asset) == set(columns), asset


def test_corpus_shape_and_labels_use_policy_types(generated: tuple[Path, dict]) -> None:
    _, labels = generated
    columns = [v for cols in labels.values() for v in cols.values()]
    assert len(labels) >= 20 and len(columns) >= 150
    assert 0.3 <= sum(1 for v in columns if not v) / len(columns) <= 0.5
    used = {e for v in columns for e in v}
    assert all(POLICY.is_personal(e) for e in used)


def _values(out: Path, table: str, column: str) -> list[str]:
    con = sqlite3.connect(out / "corpus.db")
    try:
        return [r[0] for r in con.execute(f'SELECT "{column}" FROM "{table}"') if r[0]]
    finally:
        con.close()


def _nhs_ok(v: str) -> bool:
    d = v.replace(" ", "")
    check = 11 - sum(int(x) * (10 - i) for i, x in enumerate(d[:9])) % 11
    return len(d) == 10 and (check % 11) == int(d[9])


def _iban_ok(v: str) -> bool:
    return iban_mod97(v.replace(" ", "")) == 1


def _luhn_ok(v: str) -> bool:
    return luhn_valid(v)


def _steuer_ok(v: str) -> bool:
    counts = sorted((v[:10].count(d) for d in set(v[:10])), reverse=True)
    product = 10
    for ch in v[:10]:
        product = ((int(ch) + product) % 10 or 10) * 2 % 11
    return v[0] != "0" and counts[0] == 2 and counts[1] == 1 and (11 - product) % 10 == int(v[10])


@pytest.mark.parametrize(("table", "column", "valid"), [
    ("uk_patients", "nhs_number", _nhs_ok),
    ("in_users", "aadhaar", lambda v: corpus.verhoeff_valid(v.replace(" ", ""))
     and v[0] not in "01"),
    ("in_users", "pan", lambda v: re.fullmatch(r"[A-Z]{3}P[A-Z]\d{4}[A-Z]", v) is not None),
    ("mitarbeiter", "iban", _iban_ok),
    ("mitarbeiter", "steuer_id", _steuer_ok),
    ("legacy_import", "ref", _iban_ok),
    ("orders", "card_number", _luhn_ok),
    ("us_customers", "ssn", lambda v: re.fullmatch(r"(?!000|666|9)\d{3}-(?!00)\d\d-(?!0000)\d{4}",
                                                   v) is not None),
])
def test_identifiers_are_valid(generated: tuple[Path, dict], table: str, column: str,
                               valid: Any) -> None:
    values = _values(generated[0], table, column)
    assert values
    assert all(valid(v) for v in values)


@pytest.mark.parametrize(("digits", "ok"), [("2363", True), ("2364", False), ("2336", False),
                                             ("0", True)])
def test_verhoeff(digits: str, ok: bool) -> None:
    assert corpus.verhoeff_valid(digits) is ok


def test_verhoeff_digit_completes() -> None:
    assert corpus.verhoeff_digit("236") == "3"
    assert corpus.verhoeff_digit("12345") == "1"
