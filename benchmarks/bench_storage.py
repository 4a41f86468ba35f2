"""Benchmark the storage connector on a local S3-compatible server (moto_server).

Builds two buckets on a throwaway ``moto_server`` on 127.0.0.1: one with many small
objects (CSV and JSON Lines, a few kB each) and one with a few large Parquet files, scans
each through the Scanner with no detectors (the storage layer alone: listing, fetching,
parsing) and prints objects/s, MB/s and the bytes actually fetched against the bytes
stored. Sampling should fetch a small fraction of a large Parquet file; ``--full`` also
scans everything as a comparison, ``--detect`` also scans with the rule-only detectors
(no NER model; much slower: detection then dominates).

    .venv/bin/python benchmarks/bench_storage.py                 # 2000 small, 3 large
    .venv/bin/python benchmarks/bench_storage.py --small 500 --large 2 --large-rows 200000
    .venv/bin/python benchmarks/bench_storage.py --full --detect --json out/bench.json

Needs the ``dev`` extra (boto3, moto[server], s3fs). Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from s3 import FAKE_AWS_ENV, MotoServer, find_moto_server  # noqa: E402  (tests/s3.py)

from piiscan.config import Config  # noqa: E402
from piiscan.registry import build_detectors, default_registry  # noqa: E402
from piiscan.scanning.scanner import Scanner  # noqa: E402

FIRST = ["Ann", "Bob", "Chen", "Dara", "Emil", "Farah", "Goran", "Hana", "Ivo", "Jun"]
LAST = ["Smith", "Garcia", "Okafor", "Novak", "Tanaka", "Müller", "Rossi", "Kowalski"]


def small_object(i: int, rows: int) -> tuple[str, bytes]:
    """A few-kB CSV or JSON Lines object with names, e-mails and phone numbers."""
    people = [(FIRST[(i + r) % len(FIRST)], LAST[(i * 7 + r) % len(LAST)], i * 1000 + r)
              for r in range(rows)]
    if i % 2:
        lines = [json.dumps({"name": f"{f} {la}", "contact": {
            "email": f"{f.lower()}.{n}@example.com", "phone": f"+44 20 7946 {n % 10000:04d}"}})
            for f, la, n in people]
        return f"small/part-{i // 100:03d}/events-{i:05d}.jsonl", "\n".join(lines).encode()
    body = "first_name,last_name,email,order_total\n" + "".join(
        f"{f},{la},{f.lower()}.{n}@example.org,{n % 997}.{n % 100:02d}\n" for f, la, n in people)
    return f"small/part-{i // 100:03d}/customers-{i:05d}.csv", body.encode()


def large_parquet(seed: int, rows: int, row_group: int) -> bytes:
    table = pa.table({
        "id": pa.array(range(seed * rows, (seed + 1) * rows), pa.int64()),
        "email": [f"user{seed}.{i}@example.com" for i in range(rows)],
        "full_name": [f"{FIRST[i % 10]} {LAST[i % 8]}" for i in range(rows)],
        "ip": [f"10.{i % 256}.{(i // 256) % 256}.{i % 200 + 1}" for i in range(rows)],
        "comment": [f"order {i} shipped in box {i % 97}, no issues reported" for i in range(rows)],
    })
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=row_group)
    return sink.getvalue()


def upload(client: Any, bucket: str, objects: list[tuple[str, bytes]]) -> int:
    client.create_bucket(Bucket=bucket)
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda kv: client.put_object(Bucket=bucket, Key=kv[0], Body=kv[1]),
                      objects))
    return sum(len(body) for _, body in objects)


def scan(scanner_for: Any, config: Config, source: str, detect: bool) -> dict[str, Any]:
    started = time.perf_counter()
    inventory = scanner_for(config, detect).scan([source])
    seconds = time.perf_counter() - started
    size = sum(a.size_bytes or 0 for a in inventory.assets)
    read = sum(a.bytes_read or 0 for a in inventory.assets)
    objects = len(inventory.assets) + len(inventory.errors)
    return {
        "source": source, "full": config.full, "detectors": detect, "objects": objects,
        "errors": len(inventory.errors), "seconds": round(seconds, 2),
        "objects_per_s": round(objects / seconds, 1),
        "mb_per_s": round(size / 1e6 / seconds, 2),
        "size_mb": round(size / 1e6, 2), "read_mb": round(read / 1e6, 2),
        "read_fraction": round(read / size, 4) if size else None,
        "personal_fields": inventory.summary["personal_fields"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=2000, help="small objects [2000]")
    parser.add_argument("--small-rows", type=int, default=20, help="rows per small object")
    parser.add_argument("--large", type=int, default=3, help="large Parquet files [3]")
    parser.add_argument("--large-rows", type=int, default=500_000, help="rows per file")
    parser.add_argument("--row-group", type=int, default=25_000, help="Parquet row group")
    parser.add_argument("--full", action="store_true", help="also scan with --full")
    parser.add_argument("--detect", action="store_true",
                        help="also scan with the rule-only detectors")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)

    binary = find_moto_server()
    if binary is None:
        parser.error("moto_server not found: pip install -e '.[dev]'")
    os.environ.update(FAKE_AWS_ENV)
    import boto3

    server = MotoServer(binary)
    server.start()
    try:
        client = boto3.client("s3", endpoint_url=server.url, region_name="us-east-1")
        t = time.perf_counter()
        small_bytes = upload(client, "bench-small",
                             [small_object(i, args.small_rows) for i in range(args.small)])
        large_bytes = upload(client, "bench-large", [
            (f"large/table-{k}.parquet", large_parquet(k, args.large_rows, args.row_group))
            for k in range(args.large)])
        print(f"built {args.small} small objects ({small_bytes / 1e6:.1f} MB) and "
              f"{args.large} Parquet files ({large_bytes / 1e6:.1f} MB) "
              f"in {time.perf_counter() - t:.1f}s", file=sys.stderr)

        base = Config(spacy_model="none", progress=False, hash_key=b"bench",
                      endpoint_url=server.url)
        detectors = build_detectors(base, default_registry) if args.detect else []

        def scanner_for(config: Config, detect: bool) -> Scanner:
            return Scanner(config, detectors=detectors if detect else [])

        configs = [base, base.with_overrides(full=True)] if args.full else [base]
        sources = ["s3://bench-small/small", "s3://bench-large/large"]
        runs = [(c, s, False) for c in configs for s in sources]
        if args.detect:
            runs += [(c, s, True) for c in configs for s in sources]
        results = [scan(scanner_for, *run) for run in runs]
        before = client.list_objects_v2(Bucket="bench-large")["KeyCount"]
        assert before == args.large, "the bucket changed during the scan"
    finally:
        server.stop()

    header = (f"{'source':26} {'mode':7} {'detect':6} {'objects':>7} {'s':>7} {'obj/s':>8} "
              f"{'MB/s':>8} {'size MB':>8} {'read MB':>8} {'read %':>7}")
    print(header)
    for r in results:
        frac = "" if r["read_fraction"] is None else f"{100 * r['read_fraction']:.1f}"
        print(f"{r['source']:26} {'full' if r['full'] else 'sample':7} "
              f"{'rules' if r['detectors'] else 'none':6} {r['objects']:7} "
              f"{r['seconds']:7.2f} {r['objects_per_s']:8.1f} {r['mb_per_s']:8.2f} "
              f"{r['size_mb']:8.2f} {r['read_mb']:8.2f} {frac:>7}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
