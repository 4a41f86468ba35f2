"""The scan-speed benchmark's table generator and a tiny end-to-end run (no timing asserted)."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

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
