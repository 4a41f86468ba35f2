"""A full scan analyses each distinct value once while the fields' shared cache budget
holds it, and again after the value was dropped from a smaller budget; either way every
cell is counted."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from piiscan import classification
from piiscan.config import Config
from piiscan.model import Span
from piiscan.plugins import Detector
from piiscan.scanning import structured
from piiscan.scanning.scanner import Scanner

DISTINCT = 60
REPEATS = 5
NOTE = "Customer {} asked to be called back about the late delivery of the parcel."


class CountingDetector(Detector):
    """Counts the values it is asked about, per field; finds nothing."""

    name = "counting"

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.calls: Counter[tuple[str | None, str]] = Counter()

    def analyze(self, texts: Sequence[str], *, field: str | None = None) -> list[list[Span]]:
        self.calls.update((field, t) for t in texts)
        return [[] for _ in texts]


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ten batches: most repeats come back in a later batch than their first sight."""
    monkeypatch.setattr(structured, "FULL_BATCH_ROWS", DISTINCT // 2)


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = DISTINCT * REPEATS
    path = tmp_path_factory.mktemp("cache") / "repeats.parquet"
    data = pa.table(
        {
            "note": [NOTE.format(i % DISTINCT) for i in range(rows)],  # long: digest keys
            "code": [f"C-{i % DISTINCT:03d}" for i in range(rows)],  # short: kept as is
            "label": [f"L{i % 7}" for i in range(rows)],
        }
    )
    pq.write_table(data, path, row_group_size=DISTINCT // 2)
    return path


def _scan(path: Path) -> tuple[Counter[tuple[str | None, str]], int]:
    config = Config(full=True, hash_key=b"k", batch_rows=DISTINCT // 2)
    detector = CountingDetector(config)
    inventory = Scanner(config, detectors=[detector]).scan([str(path)])
    (asset,) = inventory.assets
    assert {f.name: f.sampled for f in asset.fields} == dict.fromkeys(
        ("note", "code", "label"), DISTINCT * REPEATS
    )
    return detector.calls, len(asset.fields)


def test_each_distinct_value_is_analysed_once_within_the_budget(table: Path) -> None:
    calls, _ = _scan(table)
    assert set(calls.values()) == {1}
    # the columns' values; names are read too, once per path component or field-name part
    # (field None and the neutral field "value": piiscan/name_scan.py)
    values = Counter(field for field, _ in calls if field in ("note", "code", "label"))
    assert values == {"note": DISTINCT, "code": DISTINCT, "label": 7}
    names = {text for field, text in calls if field in (None, "value")}
    assert {"note", "code", "label"} <= names


def test_the_fields_share_one_budget(table: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 90 entries for 3 fields: 30 each, half of a column's distinct values.
    monkeypatch.setattr(classification, "CACHE_PER_ASSET", 90)
    monkeypatch.setattr(classification, "MIN_CACHE_PER_FIELD", 1)
    calls, _ = _scan(table)  # counts every cell, though most repeats were dropped
    analysed: Counter[str | None] = Counter()
    for (field, _), n in calls.items():
        analysed[field] += n
    assert analysed["label"] == 7  # fits: each once
    assert analysed["note"] > DISTINCT and analysed["code"] > DISTINCT  # dropped, analysed again
    assert analysed["note"] == analysed["code"]  # the same share, long keys or short


def test_a_repeat_is_counted_though_its_batch_pushed_it_out_of_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Batch 1 fills the 10-entry cache; batch 2 repeats its oldest value, then brings
    # nine new ones: the first of them pushes the repeated value out before it is counted.
    monkeypatch.setattr(structured, "FULL_BATCH_ROWS", 10)
    monkeypatch.setattr(classification, "CACHE_PER_ASSET", 10)
    monkeypatch.setattr(classification, "MIN_CACHE_PER_FIELD", 1)
    values = [f"v{i}" for i in range(10)] + ["v0"] + [f"v{i}" for i in range(10, 19)]
    path = tmp_path / "one.parquet"
    pq.write_table(pa.table({"code": values}), path)
    config = Config(full=True, hash_key=b"k", batch_rows=10)
    detector = CountingDetector(config)
    (asset,) = Scanner(config, detectors=[detector]).scan([str(path)]).assets
    assert asset.fields[0].sampled == len(values)
    assert detector.calls[("code", "v0")] == 1
