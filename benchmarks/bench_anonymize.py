"""Throughput and memory of a database → database de-identified copy.

Builds a SQLite table ``people`` (id, name, email, phone, dob, amount, note) with
deterministic synthetic values, copies it with :func:`piiscan.anonymize.sql_copy.copy_database`
and prints rows/second and the peak RSS of the copying process. Each copy runs in a fresh
child process, so its peak RSS is its own: a small and a large table are copied to show
that memory follows the batch size, not the table size.

The transformer is the real :class:`~piiscan.anonymize.transform.PolicyTransformer`
(default policy operators on name, email, phone and dob; a fixed benchmark key) when it
can be built, else a simple keyed transformer; the output says which.

    .venv/bin/python benchmarks/bench_anonymize.py                 # 100k and 1M rows
    .venv/bin/python benchmarks/bench_anonymize.py --rows 200000 --small 20000
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa

FIRST = ["Ana", "Ben", "Chloe", "David", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jonas"]
LAST = ["Smith", "Garcia", "Müller", "Okafor", "Tanaka", "Rossi", "Dubois", "Nowak"]
CHUNK = 50_000
BENCH_KEY = b"piiscan-benchmark-key-not-secret"


def build(path: Path, rows: int, seed: int = 1) -> float:
    """Write ``rows`` deterministic rows to ``path``; returns the seconds it took."""
    start = time.perf_counter()
    path.unlink(missing_ok=True)
    rng = random.Random(seed)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE people (id INTEGER PRIMARY KEY, name VARCHAR(80) NOT NULL, "
            "email VARCHAR(120), phone VARCHAR(30), dob DATE, amount DECIMAL(12, 2), "
            "note TEXT)"
        )
        for first_id in range(1, rows + 1, CHUNK):
            chunk = []
            for i in range(first_id, min(first_id + CHUNK, rows + 1)):
                first, last = rng.choice(FIRST), rng.choice(LAST)
                chunk.append(
                    (
                        i,
                        f"{first} {last}",
                        f"{first.lower()}.{i}@example.com",
                        f"+1 555 {rng.randrange(10**7):07d}",
                        f"{rng.randrange(1940, 2006)}-{rng.randrange(1, 13):02d}-"
                        f"{rng.randrange(1, 29):02d}",
                        f"{rng.randrange(10**6)}.{rng.randrange(100):02d}",
                        None if i % 4 == 0 else f"order {i} delivered",
                    )
                )
            conn.executemany("INSERT INTO people VALUES (?, ?, ?, ?, ?, ?, ?)", chunk)
    conn.close()
    return time.perf_counter() - start


class KeyedTransformer:
    """Fallback: keyed digests for strings of the personal columns (no policy needed)."""

    name = "simple keyed transformer (HMAC of name, email, phone)"
    columns = ("name", "email", "phone")

    def batch(self, asset: str, batch: pa.RecordBatch) -> pa.RecordBatch:
        arrays = []
        for name, column in zip(batch.schema.names, batch.columns, strict=True):
            if name in self.columns:
                column = pa.array(
                    [
                        None
                        if v is None
                        else hmac.new(BENCH_KEY, v.encode(), hashlib.sha256).hexdigest()[:16]
                        for v in column.to_pylist()
                    ],
                    pa.string(),
                )
            arrays.append(column)
        return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)

    def value(self, asset: str, field: str, value: Any) -> Any:
        return value

    def text(self, asset: str, text: str) -> str:
        return text


def real_transformer() -> Any:
    """The policy transformer with a hand-made plan for ``people`` (no scan needed)."""
    from piiscan.anonymize.keys import Keyring
    from piiscan.anonymize.operators import Operators
    from piiscan.anonymize.plan import FieldPlan, Plan
    from piiscan.anonymize.rules import AnonymizationRules
    from piiscan.anonymize.transform import PolicyTransformer
    from piiscan.policy import load_policy

    rules = AnonymizationRules(load_policy())
    plan = Plan()
    for column, entity in (
        ("name", "PERSON"),
        ("email", "EMAIL_ADDRESS"),
        ("phone", "PHONE_NUMBER"),
        ("dob", "DATE_OF_BIRTH"),
    ):
        plan.fields.setdefault("people", {})[column] = FieldPlan(
            "people", column, entity, rules.spec_for(entity), "cell"
        )
    transformer = PolicyTransformer(plan, rules, Operators(Keyring(BENCH_KEY)), analyze=None)
    transformer.name = "PolicyTransformer, default policy: " + ", ".join(
        f"{f.field}={f.spec.name}" for f in plan
    )
    return transformer


def pick_transformer(kind: str) -> Any:
    if kind == "simple":
        return KeyedTransformer()
    try:
        return real_transformer()
    except ImportError as exc:
        if kind == "real":
            raise
        simple = KeyedTransformer()
        simple.name += f" (real transformer unavailable: {type(exc).__name__})"
        return simple


def rss_kib() -> int:
    """Current resident set size (Linux /proc), KiB; 0 where unknown."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def copy_once(source: Path, batch_rows: int, kind: str) -> dict[str, Any]:
    """One copy in this process: seconds, rows/s and memory (run in a child process)."""
    from piiscan.anonymize.sql_copy import copy_database

    transformer = pick_transformer(kind)
    target = source.with_name(source.stem + "-anon.db")
    target.unlink(missing_ok=True)
    before = rss_kib()
    start = time.perf_counter()
    report = copy_database(
        f"sqlite:///{source}", f"sqlite:///{target}", transformer, batch_rows=batch_rows
    )
    seconds = time.perf_counter() - start
    people = next(a for a in report.assets if a.asset == "people")
    target.unlink(missing_ok=True)
    return {
        "rows": people.rows_out,
        "status": people.status,
        "seconds": seconds,
        "rows_per_s": people.rows_out / seconds if seconds else 0.0,
        "rss_before_mib": before / 1024,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "transformer": transformer.name,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the large table")
    parser.add_argument(
        "--small",
        type=int,
        default=100_000,
        help="rows of the small table (memory comparison); 0 to skip",
    )
    parser.add_argument("--batch-rows", type=int, default=5000)
    parser.add_argument("--transformer", choices=("auto", "real", "simple"), default="auto")
    parser.add_argument("--dir", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(copy_once(args.child, args.batch_rows, args.transformer)))
        return

    with tempfile.TemporaryDirectory(prefix="piiscan-bench-") as tmp:
        work = args.dir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        results = []
        for rows in sorted({n for n in (args.small, args.rows) if n > 0}):
            source = work / f"people-{rows}.db"
            built = build(source, rows)
            child = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    str(source),
                    "--batch-rows",
                    str(args.batch_rows),
                    "--transformer",
                    args.transformer,
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if child.returncode:
                sys.exit(f"copy of {rows} rows failed:\n{child.stderr[-3000:]}")
            result = json.loads(child.stdout.strip().splitlines()[-1])
            result["build_s"] = built
            results.append(result)
            source.unlink()

    print(f"transformer: {results[0]['transformer']}")
    print(f"batch rows:  {args.batch_rows}")
    print(
        f"{'rows':>10} {'status':>7} {'build s':>8} {'copy s':>8} {'rows/s':>9} "
        f"{'RSS before MiB':>15} {'peak RSS MiB':>13}"
    )
    for r in results:
        print(
            f"{r['rows']:>10,} {r['status']:>7} {r['build_s']:>8.1f} {r['seconds']:>8.1f} "
            f"{r['rows_per_s']:>9,.0f} {r['rss_before_mib']:>15.1f} {r['peak_rss_mib']:>13.1f}"
        )
    if len(results) == 2:
        small, large = results
        growth = large["peak_rss_mib"] - small["peak_rss_mib"]
        print(
            f"peak RSS grows by {growth:+.1f} MiB for {large['rows'] / small['rows']:.0f}x "
            "the rows: memory follows the batch size, not the table size"
            if growth < 0.5 * small["peak_rss_mib"]
            else f"peak RSS grows by {growth:+.1f} MiB: memory is NOT bounded"
        )


if __name__ == "__main__":
    main()
