"""The scan-speed benchmark's table generators (the customer and the distinct-heavy shape)
and tiny end-to-end runs (no timing asserted)."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))
import bench_scan  # noqa: E402  (benchmarks/ is not a package)
import scan_data  # noqa: E402

from piiscan.policy import load_policy  # noqa: E402


def _digest(path: Path) -> str:
    """Content digest of a Parquet file's rows (not its bytes: writer metadata may vary)."""
    table = pq.read_table(path)
    return hashlib.sha256(repr(table.to_pylist()).encode()).hexdigest()


def test_same_seed_same_table(tmp_path: Path) -> None:
    a, b, c = (tmp_path / f"{n}.parquet" for n in "abc")
    scan_data.write_table(a, 700, seed=3, row_group=250)
    scan_data.write_table(b, 700, seed=3, row_group=250)
    scan_data.write_table(c, 700, seed=4, row_group=250)
    assert _digest(a) == _digest(b)
    assert _digest(a) != _digest(c)
    assert scan_data.truth_path(a).read_text() == scan_data.truth_path(b).read_text()


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_declared_schema_and_truth(tmp_path: Path, seed: int) -> None:
    path = tmp_path / "t.parquet"
    truth_file = scan_data.write_table(path, 120, seed=seed, row_group=50)
    pf = pq.ParquetFile(path)
    assert pf.schema_arrow == scan_data.schema(seed)
    assert pf.metadata.num_rows == 120
    assert pf.metadata.num_row_groups == 3  # streamed in row groups of 50
    truth = json.loads(truth_file.read_text())
    assert list(truth) == pf.schema_arrow.names  # every column, in order
    policy = load_policy()
    for types in truth.values():
        assert all(policy.is_personal(t) for t in types)
    assert sum(not t for t in truth.values()) >= 3  # negatives are present
    assert scan_data.column_names(seed) == scan_data.column_names(seed)


def test_names_mislead_for_some_seed() -> None:
    honest = {k: names[0] for k, (names, _, _) in scan_data.KINDS.items()}
    assert any(scan_data.column_names(s) != honest for s in range(5))


@pytest.mark.parametrize(
    ("kind", "check"),
    [
        ("email", lambda v: v.count("@") == 1 and v.isascii() and " " not in v),
        ("order_ref", lambda v: v.startswith("ORD-2024-") and len(v) == 15),
        ("country_code", lambda v: v in {"US", "GB", "DE", "FR"}),
        ("customer_id", lambda v: isinstance(v, int) and v > 0),
        ("amount", lambda v: 1 <= v <= 5000 and round(v, 2) == v),
    ],
)
def test_values_look_right(tmp_path: Path, kind: str, check) -> None:
    path = tmp_path / "t.parquet"
    scan_data.write_table(path, 300, seed=2)
    column = scan_data.column_names(2)[kind]
    values = pq.read_table(path, columns=[column]).column(0).to_pylist()
    assert all(check(v) for v in values)


def test_notes_mention_people_in_about_a_third(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    scan_data.write_table(path, 2000, seed=5)
    notes = pq.read_table(path, columns=[scan_data.column_names(5)["notes"]]).column(0)
    neutral = set(scan_data.NEUTRAL)
    share = sum(v not in neutral for v in notes.to_pylist()) / len(notes)
    assert 0.3 <= share <= 0.4


def test_customers_repeat(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    scan_data.write_table(path, 5000, seed=1)
    names = pq.read_table(path, columns=[scan_data.column_names(1)["name"]]).column(0)
    distinct = len(set(names.to_pylist()))
    assert distinct <= scan_data.pool_size(5000) < 5000


def test_wide_batch_cycles_kinds() -> None:
    batch, truth = scan_data.wide_batch(seed=0, rows=200, columns=25)
    assert batch.num_columns == 25 and batch.num_rows == 200
    assert list(truth) == batch.schema.names
    assert len(set(batch.schema.names)) == 25
    assert truth[batch.schema.names[10]] == truth[batch.schema.names[0]] == ["PERSON"]


def test_wide_file_repeats_the_batch(tmp_path: Path) -> None:
    path = tmp_path / "wide.parquet"
    scan_data.write_wide(path, repeats=3, rows=100, columns=12)
    meta = pq.ParquetFile(path).metadata
    assert (meta.num_rows, meta.num_columns, meta.num_row_groups) == (300, 12, 3)
    assert len(json.loads(scan_data.truth_path(path).read_text())) == 12


@pytest.mark.parametrize(
    ("gold", "predicted", "f1"),
    [
        ({"a": ["PERSON"], "b": []}, {"a": ["PERSON", "DATE_TIME"], "b": []}, 1.0),
        ({"a": ["PERSON"], "b": []}, {"a": [], "b": ["PERSON"]}, 0.0),
        ({"a": ["PERSON", "PHONE_NUMBER"]}, {"a": ["PERSON"]}, 2 / 3),
        ({"a": ["PERSON"]}, {}, 0.0),
    ],
)
def test_score(gold, predicted, f1) -> None:
    got = bench_scan.score(gold, predicted, load_policy())
    assert got["entity"]["f1"] == pytest.approx(f1, abs=1e-4)


def test_memory_by_quarter_keeps_each_quarters_highest_sample() -> None:
    timeline = [(0.0, 100.0), (2.0, 300.0), (4.0, 250.0), (6.0, 400.0), (7.9, 390.0)]
    assert bench_scan.by_quarter(timeline, 8.0) == [100.0, 300.0, 250.0, 400.0]
    assert bench_scan.by_quarter([], 8.0) == [0.0] * 4


@pytest.mark.ner
def test_tiny_benchmark_end_to_end(tmp_path: Path, spacy_model: str) -> None:
    result = bench_scan.run_benchmark(
        rows=300, vanilla_cells=200, spacy_model=spacy_model, workdir=tmp_path
    )
    assert result["table_cells"] == 3000
    runs = {r["run"]: r for r in result["runs"]}
    assert set(runs) == {"vanilla Presidio", "piiscan --full", "piiscan sampling"}
    for r in runs.values():
        assert "error" not in r, r
        assert r["cells"] > 0 and r["seconds"] > 0 and r["peak_rss_mb"] > 0
        for view in ("entity", "category"):
            assert 0.0 <= r["score"][view]["f1"] <= 1.0
        assert "speedup" in r
    assert runs["piiscan --full"]["cells"] == 3000
    for name in ("piiscan --full", "piiscan sampling"):  # piiscan's own timer, no model load
        assert 0 < runs[name]["scan_seconds"] < runs[name]["seconds"]
    full = runs["piiscan --full"]
    assert full["peak_tree_pss_mb"] > 50 and len(full["tree_pss_by_quarter_mb"]) == 4
    assert max(full["tree_pss_by_quarter_mb"]) == full["peak_tree_pss_mb"]
    assert 150 <= runs["vanilla Presidio"]["cells"] <= 200
    assert runs["vanilla Presidio"]["extrapolated_table_seconds"] > 0
    assert "EXTRAPOLATED" in bench_scan.render(result)


# -- the distinct-heavy shape ------------------------------------------------------------
@pytest.fixture(scope="module")
def distinct_table(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """3,000 distinct-shape rows in row groups of 700 (five groups: counters carry over)."""
    path = tmp_path_factory.mktemp("distinct") / "d.parquet"
    scan_data.write_table(path, 3000, seed=4, row_group=700, shape="distinct")
    return path, pq.read_table(path).to_pydict()


def test_distinct_every_value_distinct(distinct_table) -> None:
    path, table = distinct_table
    pf = pq.ParquetFile(path)
    assert pf.schema_arrow == scan_data.distinct_schema()
    assert (pf.metadata.num_rows, pf.metadata.num_row_groups) == (3000, 5)
    for column, values in table.items():
        assert None not in values, column
        assert len(set(values)) == len(values), column


def test_distinct_truth(distinct_table) -> None:
    path, _ = distinct_table
    truth = json.loads(scan_data.truth_path(path).read_text())
    assert truth == scan_data.distinct_truth()
    assert list(truth) == pq.ParquetFile(path).schema_arrow.names
    policy = load_policy()
    assert all(policy.is_personal(t) for types in truth.values() for t in types)
    personal = [c for c, types in truth.items() if types]
    assert len(personal) > len(truth) / 2  # PII in most columns
    assert {c for c, types in truth.items() if not types} == {"amount", "created_at", "sku"}


def test_distinct_same_seed_same_table(tmp_path: Path) -> None:
    a, b, c = (tmp_path / f"{n}.parquet" for n in "abc")
    for path, seed in ((a, 3), (b, 3), (c, 4)):
        scan_data.write_table(path, 400, seed=seed, row_group=150, shape="distinct")
    assert _digest(a) == _digest(b)
    assert _digest(a) != _digest(c)


def test_distinct_values_are_real_and_not_reserved(distinct_table) -> None:
    """Valid phones and cards, and nothing the scanner sets aside by default (reserved
    and test values), so ``bench_scan`` runs piiscan with the same flags on both shapes."""
    import phonenumbers

    from piiscan.checksums import luhn_valid
    from piiscan.detectors.reserved import digits_of, is_reserved

    _, table = distinct_table
    for phone in table["phone"]:
        assert not is_reserved("PHONE_NUMBER", phone), phone
        assert any(
            phonenumbers.is_valid_number(phonenumbers.parse(phone, region))
            for region in scan_data.REGION.values()
        ), phone
    for card in table["card_number"]:
        assert luhn_valid(digits_of(card)) and len(digits_of(card)) == 16, card
        assert not is_reserved("CREDIT_CARD", card), card
    for email in table["email"]:
        assert email.count("@") == 1 and email.isascii() and " " not in email, email
        assert not is_reserved("EMAIL_ADDRESS", email), email
    for name in table["customer_name"]:
        assert 2 <= len(name.split()) <= 3 and not is_reserved("PERSON", name), name
    assert all(", " in city for city in table["city"])
    assert all(1 <= a < 100_000 and round(a, 2) == a for a in table["amount"])
    stamps = table["created_at"]
    assert stamps == sorted(stamps) and stamps[0].year == 2023 and stamps[-1].year == 2024


def test_distinct_notes_mention_the_row_in_about_a_third(distinct_table) -> None:
    _, table = distinct_table
    rows = list(zip(table["note"], table["customer_name"], table["phone"], strict=True))
    mention = [name in note and phone in note for note, name, phone in rows]
    assert 0.3 <= sum(mention) / len(rows) <= 0.4
    assert all("icket " in note for note in table["note"])


def test_distinct_batches_stream() -> None:
    """A 1,000,000-row table: batches come one at a time and memory does not grow with them
    (only counters carry over; the word lists are built once per seed)."""
    import tracemalloc

    table = scan_data.DistinctTable(1_000_000, seed=0)
    batches = table.batches(row_group=500)
    assert next(batches).num_rows == 500
    tracemalloc.start()
    try:
        next(batches)
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(10):
            assert next(batches).num_rows == 500
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 1_000_000


def test_distinct_capacity_covers_a_million_rows() -> None:
    table = scan_data.DistinctTable(1_000_000, seed=0)
    demand = 1.1 * 1_000_000 / len(scan_data.LOCALES)
    for loc in table.locales:
        assert loc.plain.size + loc.initial.size > demand
        assert loc.city.size > demand and loc.phone.size > demand


def test_distinct_names_outgrow_plain_pairs() -> None:
    """en_GB has ~44,000 plain first-last pairs of its own: past them, names take an
    initial and stay distinct."""
    table = scan_data.DistinctTable(200_000, seed=0)
    en_gb = scan_data.LOCALES.index("en_GB")
    plain = table.locales[en_gb].plain.size
    names, _, phones, cities = table._people(np.full(plain + 5_000, en_gb))
    assert len(set(names)) == len(names) == len(set(phones)) == len(set(cities))
    assert sum(len(n.split()) == 3 for n in names) >= 5_000


def test_perm_is_a_bijection() -> None:
    perm = scan_data.Perm.draw(1_000, np.random.default_rng(1))
    assert sorted(perm(np.arange(1_000)).tolist()) == list(range(1_000))
    with pytest.raises(ValueError, match="more values"):
        perm(np.array([1_000]))


def test_vanilla_cells_option() -> None:
    assert bench_scan._cells("all") == "all"
    assert bench_scan._cells("250") == 250
    for bad in ("0", "-3", "some"):
        with pytest.raises(Exception, match="positive number"):
            bench_scan._cells(bad)


@pytest.mark.ner
def test_tiny_distinct_benchmark_every_cell(tmp_path: Path, spacy_model: str) -> None:
    result = bench_scan.run_benchmark(
        rows=150,
        vanilla_cells="all",
        spacy_model=spacy_model,
        workdir=tmp_path,
        full_jobs=(1, 2),
        shape="distinct",
    )
    assert result["shape"] == "distinct" and result["table_cells"] == 1350
    runs = {r["run"]: r for r in result["runs"]}
    assert set(runs) == {
        "vanilla Presidio",
        "piiscan sampling",
        "piiscan --full",
        "piiscan --full --jobs 2",
    }
    for r in runs.values():
        assert "error" not in r, r
        assert 0.0 <= r["score"]["entity"]["f1"] <= 1.0 and "speedup" in r
    vanilla = runs["vanilla Presidio"]
    assert vanilla["mode"] == "every cell" and vanilla["cells"] == 1350
    assert "extrapolated_table_seconds" not in vanilla
    assert vanilla["load_seconds"] + vanilla["analyze_seconds"] < vanilla["seconds"]
    assert vanilla["cells_per_s"] == pytest.approx(1350 / vanilla["seconds"], rel=0.01)
    for name in ("vanilla Presidio", "piiscan --full", "piiscan --full --jobs 2"):
        assert len(runs[name]["tree_pss_by_quarter_mb"]) == 4
    assert runs["piiscan --full --jobs 2"]["cells"] == 1350
    text = bench_scan.render(result)
    assert "MEASURED on every cell" in text and "EXTRAPOLATED" not in text
