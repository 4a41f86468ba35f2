"""``--jobs N``: worker processes analyse values; the inventory is the same as with one job."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from piiscan import classification
from piiscan.cli import cli
from piiscan.config import Config, load_config
from piiscan.errors import ConfigError
from piiscan.scanning import structured
from piiscan.scanning.scanner import Scanner
from piiscan.scanning.workers import MIN_TASK, split

ROWS = 2_500  # more distinct values than one task holds: several tasks per column

FIRST = ["Anna", "Ben", "Chloé", "Dmitri", "Emeka", "Fatima", "Grace", "Hiro"]
LAST = ["Smith", "Okafor", "Müller", "Rossi", "Tanaka", "Nowak", "Garcia", "Dubois"]


def _table(rows: int) -> pa.Table:
    return pa.table(
        {
            "customer_name": [f"{FIRST[i % 8]} {LAST[i * 3 % 8]}" for i in range(rows)],
            "email": [f"user{i}@mail{i % 7}.com" for i in range(rows)],
            "phone": [f"+1-415-555-{i % 10_000:04d}" for i in range(rows)],
            "order_ref": [f"ORD-{i * 7919 % 10**8:08d}" for i in range(rows)],
            "amount": [round(i * 1.37 % 500, 2) for i in range(rows)],
            "notes": [
                f"Call {FIRST[i % 8]} back about order {i}" if i % 5 == 0 else "no notes"
                for i in range(rows)
            ],
        }
    )


def _without_time(inventory):
    return dataclasses.replace(inventory, generated_at="")


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    root = tmp_path_factory.mktemp("jobs")
    table = _table(ROWS)
    pq.write_table(table, root / "orders.parquet", row_group_size=700)
    db = root / "shop.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE customers (name TEXT, email TEXT, phone TEXT)")
        conn.executemany(
            "INSERT INTO customers VALUES (?, ?, ?)",
            zip(
                *(table.column(c).to_pylist() for c in ("customer_name", "email", "phone")),
                strict=True,
            ),
        )
    conn.close()
    return [str(root / "orders.parquet"), f"sqlite:///{db}"]


def test_inventory_does_not_depend_on_jobs(spacy_model: str, sources: list[str]) -> None:
    config = Config(spacy_model=spacy_model, full=True, hash_key=b"k")
    one = Scanner(config).scan(sources)
    two = Scanner(dataclasses.replace(config, jobs=2)).scan(sources)
    assert _without_time(two) == _without_time(one)
    assert one.summary["personal_fields"] >= 5
    assert all(f.sampled == ROWS for a in one.assets for f in a.fields)


def test_small_batches_and_cache_count_as_one_job_does(
    spacy_model: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many batches and a cache too small for the repeats: whether a value is new
    (analysed, listed with its row) or a repeat is decided as one job decides it."""
    monkeypatch.setattr(structured, "FULL_BATCH_ROWS", 40)
    monkeypatch.setattr(classification, "CACHE_PER_ASSET", 3 * 30)  # 30 a field
    monkeypatch.setattr(classification, "MIN_CACHE_PER_FIELD", 1)
    rows = 400  # values come back after 45, 64 and 70 rows: in flight, cached or dropped
    table = pa.table(
        {
            "customer_name": [f"{FIRST[i % 8]} {LAST[i // 8 % 8]}" for i in range(rows)],
            "notes": [
                f"Please call {FIRST[i % 45 % 8]} {LAST[i % 45 % 5]} back about order {i % 45}, "
                "which was delivered late."
                for i in range(rows)
            ],
            "code": [f"C-{i * 13 % 70:03d}" for i in range(rows)],
        }
    )
    path = tmp_path / "cycles.parquet"
    pq.write_table(table, path)
    config = Config(spacy_model=spacy_model, full=True, hash_key=b"k", batch_rows=20)
    one = Scanner(config).scan([str(path)])
    two = Scanner(dataclasses.replace(config, jobs=2)).scan([str(path)])
    assert _without_time(two) == _without_time(one)
    fields = {f.name: f for f in one.assets[0].fields}
    assert all(f.sampled == rows for f in fields.values())
    assert len(fields["notes"].findings) > 45  # values dropped from the cache came back


def test_jobs_need_full_and_own_detectors(spacy_model: str) -> None:
    config = Config(spacy_model=spacy_model, jobs=3, hash_key=b"k")
    assert Scanner(config)._start_pool() is None  # sampling: analysis is cheap, in-process
    full = dataclasses.replace(config, full=True)
    given = Scanner(full, detectors=Scanner(config).detectors)
    assert given._start_pool() is None  # workers cannot rebuild handed-in detectors


@pytest.mark.parametrize(
    ("n", "jobs", "sizes"),
    [
        (0, 4, []),
        (10, 4, [10]),
        (MIN_TASK * 4, 2, [MIN_TASK * 2, MIN_TASK * 2]),
        (MIN_TASK * 3 + 1, 3, [MIN_TASK + 1, MIN_TASK + 1, MIN_TASK - 1]),
    ],
)
def test_split_keeps_order(n: int, jobs: int, sizes: list[int]) -> None:
    pieces = split(list(range(n)), jobs)
    assert [len(p) for p in pieces] == sizes
    assert [i for p in pieces for i in p] == list(range(n))


@pytest.mark.parametrize(("value", "ok"), [("1", True), ("4", True), ("0", False)])
def test_jobs_setting(value: str, ok: bool) -> None:
    if ok:
        assert load_config(env={"PIISCAN_JOBS": value}).jobs == int(value)
    else:
        with pytest.raises(ConfigError):
            load_config(env={"PIISCAN_JOBS": value})


def test_cli_jobs_option(spacy_model: str, sources: list[str], tmp_path: Path) -> None:
    out = tmp_path / "inv.json"
    args = ["scan", sources[1], "--full", "--jobs", "2", "--spacy-model", spacy_model]
    result = CliRunner().invoke(cli, [*args, "-f", "json", "-o", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert '"PERSON"' in out.read_text(encoding="utf-8")
    bad = CliRunner().invoke(cli, ["scan", sources[1], "--jobs", "0"])
    assert bad.exit_code == 2
