#!/usr/bin/env python3
"""Scan speed: vanilla Presidio, piiscan ``--full`` and piiscan sampling on one table.

    .venv/bin/python benchmarks/bench_scan.py --rows 100000 [--vanilla-cells 20000] \\
        [--spacy-model ../shared/models/en_ner_distilled_sm-0.1.1] [--json FILE]
    .venv/bin/python benchmarks/bench_scan.py --shape distinct --rows 20000 \\
        --vanilla-cells all --jobs 1 2 [--json FILE]
    .venv/bin/python benchmarks/bench_scan.py --wide out/scan/wide.parquet [--repeat 3]

Generates the ``scan_data.py`` table of ``--shape`` (``customers``, the default: N rows x
10 columns of repeating customers; ``distinct``: N rows x 9 columns where no value of a
column repeats), seeded, unless it exists in ``--workdir``, then times, each in its own
subprocess (peak RSS from ``os.wait4``, wall-clock seconds from start to exit, model load
included):

(a) **vanilla Presidio**: ``BatchAnalyzerEngine`` with the default recognizers over the
    same spaCy model (``evaluate_datahub.vanilla_analyzer``; never Presidio's default
    NLP engine). Every cell of a large table takes hours, so it analyses a uniform
    random sample of ``--vanilla-cells`` cells; its cells/s is measured on that sample
    (analysis only, model load excluded; each distinct sampled value once, as
    ``evaluate_datahub.vanilla_column`` does: both only flatter vanilla) and its time on
    the whole table is **extrapolated**. ``--vanilla-cells all`` instead streams **every
    cell** through ``BatchAnalyzerEngine.analyze_dict`` (column name as context), 10,000
    rows at a time: nothing is extrapolated, and its cells/s is over the process's wall
    time, start-up (imports, model) included as in (b) and (c). Column rule
    (``evaluate_datahub``): a column is type T when at least 30 % of its sampled (or all)
    non-null cells have a T finding scoring at least 0.5.
(b) **piiscan --full**: ``piiscan scan FILE --full --format json``; a column's types are
    its inventory field's entity types.
(c) **piiscan sampling**: the same without ``--full`` (default 2,000 rows).

Column-level scores: micro precision / recall / F1 over (column, personal entity type)
pairs against the generated truth (non-personal types such as ``DATE_TIME`` are
ignored), and the same over (column, policy category) pairs. Speed-up is a run's
cells/s over vanilla's. ``--wide FILE`` times sampling mode alone on the 100-column
file (written by ``scan_data.py --wide`` when missing) and reports ``bytes_read`` out
of the file size, minus a baseline (the same command on a 10-row file) for startup, and
the scanning time piiscan itself reports with ``--progress`` (from opening the source to
the end of the scan; median of ``--repeat`` runs). Each ``--full`` run also reports its
process tree's memory (PSS, ``--jobs`` workers included), sampled every 2 s: the highest
figure in each quarter of the run shows whether memory still grows with the rows read.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scan_data  # benchmarks/scan_data.py, beside this script
from evaluate_columns import Counts  # benchmarks/evaluate_columns.py

from piiscan.policy import Policy, load_policy

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL = ROOT.parent / "shared/models/en_ner_distilled_sm-0.1.1"
VANILLA_CELLS = 20_000
#: ``--vanilla-cells all``: every cell of the table, measured, nothing extrapolated.
ALL = "all"
#: Rows a vanilla ``all`` run reads and analyses at a time (memory stays flat).
VANILLA_BATCH_ROWS = 10_000

Truth = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class Child:
    """One finished (or killed) subprocess."""

    seconds: float
    #: User + system CPU seconds: less sensitive than wall time to a busy machine.
    cpu_seconds: float
    peak_rss_mb: float
    returncode: int
    timed_out: bool
    stderr_tail: str
    #: (seconds since start, PSS in MB of the process and its descendants), sampled.
    memory_timeline: tuple[tuple[float, float], ...] = ()


SAMPLE_EVERY_S = 2.0


def _memory_kib(pid: int) -> int:
    """Proportional set size (pages shared after ``fork`` split between the processes
    sharing them, so a process tree's sum is not inflated); VmRSS where PSS is missing."""
    for path, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            with open(path, encoding="ascii") as f:
                for line in f:
                    if line.startswith(key):
                        return int(line.split()[1])
        except (OSError, ValueError):
            continue
    return 0


def tree_memory_mb(root: int) -> float:
    """Current memory (PSS) of ``root`` and all its descendants (``--jobs`` workers)."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as f:
                    parents[int(entry.name)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return sum(_memory_kib(pid) for pid in tree) / 1024


def by_quarter(timeline: Sequence[tuple[float, float]], seconds: float) -> list[float]:
    """The highest sampled process-tree memory in each quarter of a run: flat late
    quarters show memory that stopped growing with the rows read."""
    quarters = [0.0] * 4
    for at, mb in timeline:
        q = min(3, int(4 * at / max(seconds, 1e-9)))
        quarters[q] = max(quarters[q], mb)
    return [round(q, 1) for q in quarters]


def run_child(cmd: Sequence[str], timeout: float | None = None) -> Child:
    """Run ``cmd``; its own peak RSS comes from ``os.wait4`` (not other children's); the
    memory (PSS) of it and its descendants is sampled every ``SAMPLE_EVERY_S`` seconds."""
    timeline: list[tuple[float, float]] = []
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT)
        deadline = None if timeout is None else started + timeout
        timed_out = False
        next_sample = started
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            now = time.perf_counter()
            if deadline is not None and now > deadline:
                proc.kill()
                timed_out = True
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            if now >= next_sample:
                timeline.append((now - started, tree_memory_mb(proc.pid)))
                next_sample = now + SAMPLE_EVERY_S
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read()[-2000:].decode("utf-8", "replace")
    # ru_maxrss is in KiB on Linux.
    cpu = usage.ru_utime + usage.ru_stime
    return Child(
        seconds, cpu, usage.ru_maxrss / 1024, proc.returncode, timed_out, tail, tuple(timeline)
    )


# -- scoring -------------------------------------------------------------------------
def _categories(types: Iterable[str], policy: Policy) -> set[str]:
    return {c for t in types if (rule := policy.rule(t)) for c in rule.categories}


def score(truth: Truth, predicted: Mapping[str, Iterable[str]], policy: Policy) -> dict[str, Any]:
    """Micro P/R/F1 over (column, personal type) and (column, category) pairs."""
    entities, categories = Counts(), Counts()
    wrong: dict[str, dict[str, list[str]]] = {}
    for column, gold in truth.items():
        pred = {t for t in predicted.get(column, ()) if policy.is_personal(t)}
        entities.add(set(gold), pred)
        categories.add(_categories(gold, policy), _categories(pred, policy))
        if pred != set(gold):
            wrong[column] = {"gold": sorted(gold), "predicted": sorted(pred)}
    return {"entity": entities.to_dict(), "category": categories.to_dict(), "disagreements": wrong}


def inventory_predictions(inventory: Mapping[str, Any]) -> tuple[dict[str, list[str]], int, dict]:
    """column -> entity types, cells examined, and the asset's size figures."""
    predicted: dict[str, list[str]] = {}
    cells = 0
    sizes: dict[str, Any] = {}
    for asset in inventory.get("assets", []):
        fields = asset.get("fields", [])
        cells += asset.get("rows_scanned", 0) * len(fields)
        sizes = {k: asset.get(k) for k in ("rows_scanned", "size_bytes", "bytes_read")}
        for f in fields:
            predicted.setdefault(f["name"], []).extend(e["type"] for e in f["entities"])
    return predicted, cells, sizes


# -- vanilla Presidio (runs in a child process) -----------------------------------------
def sample_cells(path: Path, cells: int, seed: int) -> dict[str, list[str]]:
    """A uniform random sample of ``cells`` cells as column -> non-null texts (streamed)."""
    from piiscan.scanning.column import to_text

    pf = pq.ParquetFile(path)
    rows, names = pf.metadata.num_rows, pf.schema_arrow.names
    total = rows * len(names)
    rng = np.random.default_rng([seed, 5])
    picked = np.sort(rng.choice(total, size=min(cells, total), replace=False))
    values: dict[str, list[str]] = {n: [] for n in names}
    offset, i = 0, 0
    for batch in pf.iter_batches(batch_size=50_000):
        end = offset + batch.num_rows
        j = int(np.searchsorted(picked, end * len(names)))
        for flat in picked[i:j]:
            row, col = divmod(int(flat), len(names))
            text = to_text(batch.column(col)[row - offset].as_py())
            if text is not None:
                values[names[col]].append(text)
        offset, i = end, j
    return values


def vanilla_worker(path: Path, cells: int | str, seed: int, spacy_model: str, out: Path) -> None:
    """Sample, analyse with vanilla Presidio, write the timings and column predictions
    (``cells == "all"``: :func:`vanilla_all_worker`)."""
    if cells == ALL:
        vanilla_all_worker(path, spacy_model, out)
        return
    from evaluate_datahub import vanilla_analyzer, vanilla_column

    assert isinstance(cells, int)
    values = sample_cells(path, cells, seed)
    started = time.perf_counter()
    batch = vanilla_analyzer(spacy_model)
    loaded, cpu = time.perf_counter(), time.process_time()
    shares = {column: vanilla_column(vals, batch) for column, vals in values.items()}
    done, cpu = time.perf_counter(), time.process_time() - cpu
    out.write_text(
        json.dumps(
            {
                "cells": sum(map(len, values.values())),
                "distinct": sum(len(set(v)) for v in values.values()),
                "load_seconds": loaded - started,
                "analyze_seconds": done - loaded,
                "analyze_cpu_seconds": cpu,
                "shares": shares,
            }
        ),
        encoding="utf-8",
    )


def vanilla_all_worker(path: Path, spacy_model: str, out: Path) -> None:
    """Every cell of the table through ``BatchAnalyzerEngine.analyze_dict`` (column name
    as context, spaCy batches of 100), streamed ``VANILLA_BATCH_ROWS`` rows at a time;
    a column's share of T is its cells with a T finding scoring at least 0.5."""
    from collections import Counter

    from evaluate_datahub import VANILLA_MIN_SCORE, VANILLA_SHARE, vanilla_analyzer

    from piiscan.detectors.presidio_steps import ENTITY_ALIASES
    from piiscan.scanning.column import to_text

    started = time.perf_counter()
    batch = vanilla_analyzer(spacy_model)
    loaded, cpu = time.perf_counter(), time.process_time()
    pf = pq.ParquetFile(path)
    names = pf.schema_arrow.names
    counted = dict.fromkeys(names, 0)
    hits: dict[str, Counter[str]] = {n: Counter() for n in names}
    for record_batch in pf.iter_batches(batch_size=VANILLA_BATCH_ROWS):
        values: dict[str, list[str]] = {}
        for name, column in zip(names, record_batch.columns, strict=True):
            values[name] = [t for v in column.to_pylist() if (t := to_text(v)) is not None]
            counted[name] += len(values[name])
        for result in batch.analyze_dict(values, "en", batch_size=100):
            for findings in result.recognizer_results:
                hits[result.key].update(
                    {
                        ENTITY_ALIASES.get(r.entity_type, r.entity_type)
                        for r in findings
                        if r.score >= VANILLA_MIN_SCORE
                    }
                )
    done, cpu = time.perf_counter(), time.process_time() - cpu
    shares = {
        column: {
            t: n / counted[column] for t, n in found.items() if n / counted[column] >= VANILLA_SHARE
        }
        for column, found in hits.items()
    }
    out.write_text(
        json.dumps(
            {
                "cells": sum(counted.values()),
                "load_seconds": loaded - started,
                "analyze_seconds": done - loaded,
                "analyze_cpu_seconds": cpu,
                "shares": shares,
            }
        ),
        encoding="utf-8",
    )


# -- the runs ------------------------------------------------------------------------
def _piiscan_cmd(
    path: Path, out: Path, spacy_model: str, full: bool, jobs: int = 1
) -> list[str]:
    cmd = [
        sys.executable,
        "-m",
        "piiscan.cli",
        "scan",
        str(path),
        "--format",
        "json",
        "-o",
        str(out),
        "--progress",  # on stderr: how far a run killed by --timeout got
        "--spacy-model",
        spacy_model,
    ]
    if jobs > 1:
        cmd += ["--jobs", str(jobs)]
    return [*cmd, "--full"] if full else cmd


def _failed(name: str, child: Child) -> dict[str, Any]:
    why = (
        f"timed out after {child.seconds:.0f} s"
        if child.timed_out
        else (f"exit {child.returncode}: {child.stderr_tail.strip()[-500:]}")
    )
    print(f"warning: {name}: {why}", file=sys.stderr)
    return {
        "run": name,
        "error": why,
        "seconds": round(child.seconds, 2),
        "peak_rss_mb": round(child.peak_rss_mb, 1),
    }


def piiscan_run(
    name: str,
    path: Path,
    truth: Truth,
    spacy_model: str,
    full: bool,
    workdir: Path,
    policy: Policy,
    timeout: float | None,
    jobs: int = 1,
) -> dict[str, Any]:
    mode = ("full" if full else "sample") + (f".jobs{jobs}" if jobs > 1 else "")
    out = workdir / f"{path.stem}.{mode}.inventory.json"
    child = run_child(_piiscan_cmd(path, out, spacy_model, full, jobs), timeout)
    if child.returncode != 0 or child.timed_out:
        failed = _failed(name, child)
        done = re.findall(r"(\d+) rows read", child.stderr_tail)
        if child.timed_out and done:  # rows are reported after their batch is analysed
            failed["rows_done"] = int(done[-1])
            failed["cells_per_s_at_least"] = int(done[-1]) * len(truth) / child.seconds
        return failed
    predicted, cells, sizes = inventory_predictions(json.loads(out.read_text("utf-8")))
    said = re.findall(r"scanned .* in (\d+(?:\.\d+)?) s", child.stderr_tail)
    return {
        "run": name,
        "cells": cells,
        "seconds": round(child.seconds, 2),
        # piiscan's own figure: from opening the source to the end (no model loading).
        "scan_seconds": float(said[-1]) if said else None,
        "cpu_seconds": round(child.cpu_seconds, 2),
        "cells_per_s": cells / child.seconds,
        "peak_rss_mb": round(child.peak_rss_mb, 1),
        "peak_tree_pss_mb": round(max((mb for _, mb in child.memory_timeline), default=0.0), 1),
        "tree_pss_by_quarter_mb": by_quarter(child.memory_timeline, child.seconds),
        **sizes,
        "predicted": predicted,
        "score": score(truth, predicted, policy),
    }


def vanilla_run(
    path: Path,
    truth: Truth,
    cells: int | str,
    seed: int,
    spacy_model: str,
    workdir: Path,
    policy: Policy,
    timeout: float | None,
) -> dict[str, Any]:
    name = "vanilla Presidio"
    out = workdir / f"{path.stem}.vanilla.json"
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--vanilla-worker",
        str(out),
        "--data",
        str(path),
        "--vanilla-cells",
        str(cells),
        "--seed",
        str(seed),
        "--spacy-model",
        spacy_model,
    ]
    child = run_child(cmd, timeout)
    if child.returncode != 0 or child.timed_out:
        return _failed(name, child)
    got = json.loads(out.read_text("utf-8"))
    predicted = {c: list(s) for c, s in got["shares"].items()}
    if cells == ALL:  # measured on the whole table, start-up included like piiscan's runs
        return {
            "run": name,
            "mode": "every cell",
            "cells": got["cells"],
            "seconds": round(child.seconds, 2),
            "cpu_seconds": round(child.cpu_seconds, 2),
            "load_seconds": round(got["load_seconds"], 2),
            "analyze_seconds": round(got["analyze_seconds"], 2),
            "analyze_cpu_seconds": round(got["analyze_cpu_seconds"], 2),
            "cells_per_s": got["cells"] / child.seconds,
            "analysis_cells_per_s": got["cells"] / max(got["analyze_seconds"], 1e-9),
            "peak_rss_mb": round(child.peak_rss_mb, 1),
            "peak_tree_pss_mb": round(max((mb for _, mb in child.memory_timeline), default=0.0), 1),
            "tree_pss_by_quarter_mb": by_quarter(child.memory_timeline, child.seconds),
            "predicted": predicted,
            "score": score(truth, predicted, policy),
        }
    return {
        "mode": "sample",
        "run": name,
        "cells": got["cells"],
        "distinct_values": got["distinct"],
        "seconds": round(got["analyze_seconds"], 2),
        "cpu_seconds": round(got["analyze_cpu_seconds"], 2),
        "load_seconds": round(got["load_seconds"], 2),
        "process_seconds": round(child.seconds, 2),
        "process_cpu_seconds": round(child.cpu_seconds, 2),
        "cells_per_s": got["cells"] / max(got["analyze_seconds"], 1e-9),
        "peak_rss_mb": round(child.peak_rss_mb, 1),
        "predicted": predicted,
        "score": score(truth, predicted, policy),
    }


def ensure_table(
    rows: int, seed: int, workdir: Path, shape: str = "customers"
) -> tuple[Path, dict[str, list[str]]]:
    path = workdir / f"{shape}_{rows}_s{seed}.parquet"
    truth_file = scan_data.truth_path(path)
    if not (path.is_file() and truth_file.is_file()):
        scan_data.write_table(path, rows, seed, shape=shape)
    return path, json.loads(truth_file.read_text("utf-8"))


def run_benchmark(
    rows: int = 100_000,
    vanilla_cells: int | str = VANILLA_CELLS,
    spacy_model: str | os.PathLike[str] = DEFAULT_MODEL,
    workdir: Path | None = None,
    seed: int = 0,
    timeout: float | None = None,
    json_out: Path | None = None,
    full_jobs: Sequence[int] = (1,),
    shape: str = "customers",
) -> dict[str, Any]:
    """Run (a), (b) and (c) on the ``rows``-row table of ``shape``; return the result dict.
    (b) runs once per entry of ``full_jobs`` (``--jobs N`` worker processes); (a) runs on
    every cell when ``vanilla_cells`` is ``"all"``."""
    workdir = Path(workdir or ROOT / "out/bench_scan")
    workdir.mkdir(parents=True, exist_ok=True)
    model = str(Path(spacy_model).resolve())
    policy = load_policy()
    path, truth = ensure_table(rows, seed, workdir, shape)
    columns = len(truth)
    result: dict[str, Any] = {
        "shape": shape,
        "vanilla_cells": vanilla_cells,
        "rows": rows,
        "columns": columns,
        "table_cells": rows * columns,
        "seed": seed,
        "file_bytes": path.stat().st_size,
        "machine": machine(),
        "runs": [],
    }
    steps = [
        lambda: vanilla_run(path, truth, vanilla_cells, seed, model, workdir, policy, timeout),
        lambda: piiscan_run(
            "piiscan sampling", path, truth, model, False, workdir, policy, timeout
        ),
    ]
    for jobs in full_jobs:
        name = "piiscan --full" + (f" --jobs {jobs}" if jobs > 1 else "")
        steps.append(
            lambda name=name, jobs=jobs: piiscan_run(
                name, path, truth, model, True, workdir, policy, timeout, jobs
            )
        )
    for step in steps:
        result["runs"].append(step())
        _finish(result)
        if json_out is not None:  # after every run: a killed benchmark keeps what it had
            json_out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result


def _finish(result: dict[str, Any]) -> None:
    """Speed-ups against vanilla and vanilla's extrapolated full-table time."""
    runs = result["runs"]
    vanilla = next((r for r in runs if r["run"] == "vanilla Presidio" and "error" not in r), None)
    for r in runs:
        if r.get("cpu_seconds"):  # robust to a busy machine: cells per CPU second
            r["cells_per_cpu_s"] = r["cells"] / r["cpu_seconds"]
        if vanilla is not None and "cells_per_s" in r:
            r["speedup"] = r["cells_per_s"] / vanilla["cells_per_s"]
            if "cells_per_cpu_s" in r and "cells_per_cpu_s" in vanilla:
                r["speedup_cpu"] = r["cells_per_cpu_s"] / vanilla["cells_per_cpu_s"]
    if vanilla is not None and vanilla.get("mode") != "every cell":
        vanilla["extrapolated_table_seconds"] = result["table_cells"] / vanilla["cells_per_s"]
    sampling = next((r for r in runs if r["run"] == "piiscan sampling" and "error" not in r), None)
    if sampling is not None:
        sampling["table_cells_per_s"] = result["table_cells"] / sampling["seconds"]


def machine() -> dict[str, Any]:
    mem = 0
    try:
        meminfo = Path("/proc/meminfo").read_text()
        mem = int(meminfo.split("MemTotal:")[1].split()[0]) // 1024
    except (OSError, IndexError, ValueError):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {"nproc": os.cpu_count(), "mem_mb": mem, "load_1min_at_start": load}


# -- the wide file -------------------------------------------------------------------
def run_wide(
    path: Path,
    spacy_model: str | os.PathLike[str],
    workdir: Path | None = None,
    timeout: float | None = None,
    repeat: int = 1,
) -> dict[str, Any]:
    """Sampling mode on the 100-column file, with a startup baseline on a 10-row file;
    ``repeat`` runs give the median and range of the scanning time."""
    workdir = Path(workdir or ROOT / "out/bench_scan")
    workdir.mkdir(parents=True, exist_ok=True)
    if not path.is_file():
        scan_data.write_wide(path)
    truth = json.loads(scan_data.truth_path(path).read_text("utf-8"))
    model = str(Path(spacy_model).resolve())
    policy = load_policy()
    tiny = workdir / "baseline_10.parquet"
    scan_data.write_table(tiny, 10)
    baseline = run_child(_piiscan_cmd(tiny, workdir / "baseline.json", model, False), timeout)
    runs = [
        piiscan_run("piiscan sampling (wide)", path, truth, model, False, workdir, policy, timeout)
        for _ in range(max(1, repeat))
    ]
    run = runs[0]
    if "error" in run:
        return run
    scans = sorted(r["scan_seconds"] for r in runs if r.get("scan_seconds") is not None)
    if scans:
        run["scan_seconds_runs"] = [r.get("scan_seconds") for r in runs]
        run["scan_seconds_median"] = scans[len(scans) // 2]
    meta = pq.ParquetFile(path).metadata
    run.update(
        file_rows=meta.num_rows,
        file_columns=meta.num_columns,
        startup_seconds=round(baseline.seconds, 2),
        startup_cpu_seconds=round(baseline.cpu_seconds, 2),
        scanning_seconds=round(run["seconds"] - baseline.seconds, 2),
        machine=machine(),
    )
    if run.get("bytes_read") and run.get("size_bytes"):
        run["read_fraction"] = run["bytes_read"] / run["size_bytes"]
    return run


# -- output --------------------------------------------------------------------------
def render(result: dict[str, Any]) -> str:
    head = (
        f"{'run':<23} {'cells':>11} {'seconds':>9} {'CPU s':>8} {'cells/s':>10} {'speed-up':>9} "
        f"{'peak RSS MB':>12} {'P':>6} {'R':>6} {'F1':>6}  {'cat F1':>6}"
    )
    shape = result.get("shape", "customers")
    lines = [
        f"table ({shape}{': every value distinct' if shape == 'distinct' else ''}): "
        f"{result['rows']:,} rows x {result['columns']} columns = "
        f"{result['table_cells']:,} cells, {result['file_bytes'] / 2**20:.1f} MiB Parquet, "
        f"seed {result['seed']}; machine {result['machine']}",
        head,
        "-" * len(head),
    ]
    for r in result["runs"]:
        if "error" in r:
            got = ""
            if "rows_done" in r:
                got = (
                    f"; {r['rows_done']:,} rows analysed by then: "
                    f">= {r['cells_per_s_at_least']:,.0f} cells/s"
                )
            lines.append(f"{r['run']:<23} {r['error']}{got}; peak RSS {r['peak_rss_mb']:,.0f} MB")
            continue
        e, c = r["score"]["entity"], r["score"]["category"]
        lines.append(
            f"{r['run']:<23} {r['cells']:>11,} {r['seconds']:>9.1f} "
            f"{r['cpu_seconds']:>8.1f} {r['cells_per_s']:>10,.0f} "
            f"{r.get('speedup', 0):>8.1f}x {r['peak_rss_mb']:>12,.0f} {e['precision']:>6.3f} "
            f"{e['recall']:>6.3f} {e['f1']:>6.3f}  {c['f1']:>6.3f}"
        )
    for r in result["runs"]:
        if r["run"] == "vanilla Presidio" and r.get("mode") == "every cell":
            lines.append(
                f"vanilla Presidio: MEASURED on every cell of the table ({r['cells']:,} "
                f"cells, nothing extrapolated, analyze_dict with column names as context): "
                f"{r['seconds']:.1f} s wall = {r['load_seconds']:.1f} s model and recognizers "
                f"+ {r['analyze_seconds']:.1f} s analysis + imports and reading; cells/s and "
                f"speed-ups use the wall time, start-up included as in piiscan's runs "
                f"(analysis alone: {r['analysis_cells_per_s']:,.0f} cells/s)"
            )
            quarters = " / ".join(f"{mb:,.0f}" for mb in r["tree_pss_by_quarter_mb"])
            lines.append(
                f"vanilla Presidio: peak PSS {r['peak_tree_pss_mb']:,.0f} MB, highest in each "
                f"quarter of the run: {quarters} MB"
            )
        elif r["run"] == "vanilla Presidio" and "error" not in r:
            lines.append(
                f"vanilla Presidio: measured on {r['cells']:,} sampled cells "
                f"({r['distinct_values']:,} distinct) in {r['seconds']:.1f} s of analysis "
                f"(+{r['load_seconds']:.1f} s load); the whole table would take an "
                f"EXTRAPOLATED {r['extrapolated_table_seconds']:,.0f} s"
            )
        if r["run"].startswith("piiscan --full") and "error" not in r:
            quarters = " / ".join(f"{mb:,.0f}" for mb in r["tree_pss_by_quarter_mb"])
            lines.append(
                f"{r['run']}: process tree (workers included) peak PSS "
                f"{r['peak_tree_pss_mb']:,.0f} MB, highest in each quarter of the run: "
                f"{quarters} MB"
            )
        if r["run"] == "piiscan sampling" and "error" not in r:
            lines.append(
                f"piiscan sampling: classified the {result['table_cells']:,}-cell "
                f"table at {r['table_cells_per_s']:,.0f} table cells/s"
            )
    lines.append(
        "speed-up per CPU second (busy machines): "
        + ", ".join(
            f"{r['run']} {r['speedup_cpu']:.1f}x" for r in result["runs"] if "speedup_cpu" in r
        )
    )
    lines.append(
        "P/R/F1: micro over (column, personal entity type); cat F1: over "
        "(column, policy category). Disagreements:"
    )
    for r in result["runs"]:
        for column, d in r.get("score", {}).get("disagreements", {}).items():
            lines.append(f"  {r['run']}: {column}: gold {d['gold']} predicted {d['predicted']}")
    return "\n".join(lines)


def render_wide(r: dict[str, Any]) -> str:
    if "error" in r:
        return f"wide: {r['error']}"
    e = r["score"]["entity"]
    return (
        f"wide file: {r['file_rows']:,} rows x {r['file_columns']} columns, "
        f"{(r['size_bytes'] or 0) / 2**20:,.0f} MiB; sampling mode: {r['seconds']:.1f} s wall, "
        f"{r['cpu_seconds']:.1f} s CPU ({r['startup_seconds']:.1f} s wall, "
        f"{r['startup_cpu_seconds']:.1f} s CPU startup baseline: ~{r['scanning_seconds']:.1f} s "
        f"scanning), {r['rows_scanned']:,} rows, bytes_read {r['bytes_read'] or 0:,} "
        f"({100 * r.get('read_fraction', 0):.2f} % of the file), peak RSS "
        f"{r['peak_rss_mb']:,.0f} MB; entity P {e['precision']:.3f} R {e['recall']:.3f} "
        f"F1 {e['f1']:.3f}"
    ) + (
        f"\nscanning time as piiscan reports it (source opened to scan end, no model "
        f"loading): median {r['scan_seconds_median']:.1f} s over "
        f"{len(r['scan_seconds_runs'])} runs ({', '.join(map(str, r['scan_seconds_runs']))})"
        if r.get("scan_seconds_median") is not None
        else ""
    )


def _cells(text: str) -> int | str:
    """``--vanilla-cells``: a positive number or ``all``."""
    if text == ALL:
        return ALL
    try:
        cells = int(text)
    except ValueError:
        cells = 0
    if cells <= 0:
        raise argparse.ArgumentTypeError(f"a positive number or '{ALL}', not {text!r}")
    return cells


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--shape",
        choices=scan_data.SHAPES,
        default="customers",
        help="customers: repeating customers (default); distinct: every value distinct",
    )
    parser.add_argument(
        "--vanilla-cells",
        type=_cells,
        default=VANILLA_CELLS,
        help=f"cells of the random sample vanilla Presidio analyses (default "
        f"{VANILLA_CELLS:,}; its whole-table time is extrapolated), or 'all': every cell, "
        "measured",
    )
    parser.add_argument("--spacy-model", default=str(DEFAULT_MODEL))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--workdir",
        type=Path,
        default=ROOT / "out/bench_scan",
        help="where tables and inventories go (reused when present)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds allowed to each run (killed runs are reported)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument(
        "--jobs",
        type=int,
        nargs="*",
        default=[1],
        help="run --full once per worker count given (default: 1; none: no --full run)",
    )
    parser.add_argument(
        "--wide",
        type=Path,
        default=None,
        help="time sampling mode on this 100-column file (made if missing)",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="--wide: runs of the sampling scan (median)"
    )
    parser.add_argument("--vanilla-worker", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not Path(args.spacy_model).is_dir():  # a missing path would make Presidio download
        parser.error(f"spaCy model folder not found: {args.spacy_model}")
    if args.vanilla_worker is not None:
        vanilla_worker(
            args.data, args.vanilla_cells, args.seed, args.spacy_model, args.vanilla_worker
        )
        return 0
    if args.wide is not None:
        result = run_wide(args.wide, args.spacy_model, args.workdir, args.timeout, args.repeat)
        print(render_wide(result))
    else:
        result = run_benchmark(
            args.rows,
            args.vanilla_cells,
            args.spacy_model,
            args.workdir,
            args.seed,
            args.timeout,
            args.json,
            args.jobs,
            args.shape,
        )
        print(render(result))
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
