"""Issue 19, item 12: memory and inventory size are bounded per asset, whatever the file.

* A Parquet file of a few KB whose dictionary holds one 1 MB string referred to by every
  row decodes to gigabytes: string columns are read as dictionaries, long values cut in
  the dictionary (with a note) and rows expanded a bounded slice at a time. The peak RSS
  of a scanning process (``VmHWM`` of a child) stays far below the decoded size.
* A JSON object of 100,000 keys was 100,000 fields (a 100 MB inventory, minutes of
  scanning): only :data:`~piiscan.scanning.structured.MAX_FIELDS_PER_ASSET` are examined, the rest
  counted in a note, and the asset and the inventory are marked incomplete.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile import write_dictionary_bomb, write_wide_json, write_wide_parquet

from piiscan.config import Config
from piiscan.connectors.readers.parquet_reader import MAX_BATCH_BYTES
from piiscan.registry import build_detectors, default_registry
from piiscan.scanning.scanner import Scanner
from piiscan.scanning.structured import MAX_FIELDS_PER_ASSET

RULES = Config(spacy_model="none", progress=False)
#: Peak RSS allowed for a scanning child process. An idle scan (rule-only detectors
#: loaded) peaks at about 230 MB; the dictionary bomb below decodes to 2 GB (1 GB per
#: reader batch before the fix, 1.2 GB peak in sampling mode and more with --full).
PEAK_RSS_BYTES = 700 << 20

# VmHWM, not getrusage's ru_maxrss: after fork + exec, ru_maxrss keeps the high-water mark
# of the parent at the fork (the test runner's own, hundreds of MB), VmHWM is this
# process image's.
CHILD = """
import json, re, sys
from pathlib import Path
from piiscan.config import Config
from piiscan.scanning.scanner import Scanner
config = Config(spacy_model="none", progress=False, full=sys.argv[2] == "full")
inventory = Scanner(config).scan([sys.argv[1]])
status = Path("/proc/self/status").read_text()
peak = int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) * 1024
print(json.dumps({"peak": peak, "notes": [n for a in inventory.assets for n in a.notes],
                  "errors": [e.reason for e in inventory.errors],
                  "fields": [f.name for a in inventory.assets for f in a.fields]}))
"""


@pytest.fixture(scope="module")
def detectors() -> list:
    return build_detectors(RULES, default_registry)


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bomb") / "bomb.parquet"
    write_dictionary_bomb(path, rows=2_000, value_bytes=1 << 20)
    return path


def test_the_bomb_is_small_on_disk_and_huge_decoded(bomb: Path) -> None:
    import pyarrow.parquet as pq

    assert bomb.stat().st_size < 64 << 10
    meta = pq.ParquetFile(bomb).metadata.row_group(0)
    assert meta.num_rows * (1 << 20) > 30 * MAX_BATCH_BYTES  # 2 GB if expanded


@pytest.mark.parametrize("mode", ["sample", "full"])
def test_a_dictionary_bomb_is_scanned_in_bounded_memory(bomb: Path, mode: str) -> None:
    done = subprocess.run([sys.executable, "-c", CHILD, str(bomb), mode], check=True,
                          capture_output=True, text=True, timeout=600)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["peak"] < PEAK_RSS_BYTES, f"peak RSS {out['peak'] >> 20} MiB"
    assert out["errors"] == []
    assert out["fields"] == ["blob", "email"]
    cap = RULES.max_line_chars if mode == "full" else RULES.max_cell_chars
    assert f"2000 values longer than {cap} characters cut at {cap} (Parquet strings " \
           "and binaries)" in out["notes"]


def test_bomb_values_are_cut_in_the_dictionary_and_rows_still_counted(bomb: Path) -> None:
    # the bomb's addresses are at example.org: counted as real here
    inventory = Scanner(RULES.with_overrides(ignore_reserved=False)).scan([str(bomb)])
    [asset] = inventory.assets
    assert asset.rows_scanned == RULES.sample_rows
    email = next(f for f in asset.fields if f.name == "email")
    assert email.status == "personal"  # the other column is read as before


def _scan_wide(detectors: list, path: Path) -> tuple[object, float, int]:
    start = time.perf_counter()
    inventory = Scanner(RULES, detectors=detectors).scan([str(path)])
    size = len(json.dumps(inventory.to_dict()))
    return inventory, time.perf_counter() - start, size


@pytest.mark.parametrize(("writer", "total"), [(write_wide_json, 50_000),
                                               (write_wide_parquet, 3_000)])
def test_fields_per_asset_are_capped_with_a_note(detectors: list, tmp_path: Path,
                                                 writer, total: int) -> None:
    path = tmp_path / ("wide.json" if writer is write_wide_json else "wide.parquet")
    writer(path, total)
    inventory, seconds, size = _scan_wide(detectors, path)
    [asset] = inventory.assets
    assert len(asset.fields) == MAX_FIELDS_PER_ASSET
    more = total - MAX_FIELDS_PER_ASSET
    assert any(n.startswith(f"{more} more fields not examined") for n in asset.notes)
    assert asset.complete is False
    assert inventory.summary["complete"] is False
    assert {"source": str(path), "asset": path.name} in inventory.summary["unfinished"]
    assert size < 2 << 20, f"inventory of {size} bytes"
    assert seconds < 120


def test_an_incomplete_asset_is_said_in_every_report(detectors: list, tmp_path: Path) -> None:
    import io

    path = tmp_path / "wide.json"
    write_wide_json(path, MAX_FIELDS_PER_ASSET + 10)
    inventory, _, _ = _scan_wide(detectors, path)
    for fmt in ("table", "markdown", "html"):
        buf = io.StringIO()
        default_registry.get("reporter", fmt)(None).write(inventory, buf)
        assert "INCOMPLETE: 1 asset not finished" in buf.getvalue(), fmt
        assert "10 more fields not examined" in buf.getvalue(), fmt
