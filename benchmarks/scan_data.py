#!/usr/bin/env python3
"""Synthetic customer tables for the scan-speed benchmark (``bench_scan.py``).

    .venv/bin/python benchmarks/scan_data.py out/scan/customers.parquet --rows 1000000
    .venv/bin/python benchmarks/scan_data.py out/scan/wide.parquet --wide

writes a Parquet file and, beside it, ``<stem>.truth.json``: ``{column: [ENTITY_TYPE]}``
with piiscan's entity names (``[]`` marks a negative; conventions of ``corpus.py``:
ids, order references, amounts and event timestamps are negatives; free text lists
every type it mentions; a customer's country code is where a person lives, so
``LOCATION``, unlike ``corpus.py``'s warehouse country codes).

Ten kinds of column, each under a name drawn once per seed from a list whose first
entry is honest and whose others mislead (the notes as ``comment``, the ids as ``ref``,
event timestamps as ``dob``):

==============  ================================  ===================================
kind            values                            distinct values (uniform draws)
==============  ================================  ===================================
name            a customer's full name            ``P(1 - e^(-N/P))``: ~20 % of
email           derived from the name             100k rows, ~5 % of 1M rows, with
phone           the customer's locale format      ``P = min(50,000, max(50, N // 5))``
address         one-line street address           customers (a customer per draw)
notes           35 % mention a customer's name    ~35 % of rows; the neutral ones
                and phone, else neutral text      come from 24 sentences
customer_id     int64, unique                     100 %
order_ref       ``ORD-2024-000123``, unique       100 %
amount          float64, 2 decimals, 1-5,000      ~40 % at 1M rows
created_at      timestamp[ms] in 2023-2024        ~100 %
country_code    the customer's country (4)        4
==============  ================================  ===================================

Customers come from Faker's ``en_US``, ``en_GB``, ``de_DE`` and ``fr_FR`` locales
(seeded; ~20-50k Faker values/s, so only the customer pool goes through Faker and rows
draw from it with numpy). Rows are written in row groups of ``--row-group`` rows with
``pyarrow.parquet.ParquetWriter``: memory stays flat whatever ``--rows``.

``--wide`` writes the 100-column x 10,000,000-row file of the sampling target: one
100k-row batch (columns cycling through the ten kinds, each copy with its own name and
row order) written 100 times.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR")
COUNTRY = {"en_US": "US", "en_GB": "GB", "de_DE": "DE", "fr_FR": "FR"}
MAX_POOL = 50_000
ROW_GROUP = 50_000
MENTION_SHARE = 0.35
WIDE_COLUMNS = 100
WIDE_BATCH_ROWS = 100_000
WIDE_REPEATS = 100
#: Bytes per cell assumed when checking free disk space for --wide (measured: ~2-5).
WIDE_BYTES_PER_CELL = 8

#: kind -> (candidate column names, first honest; arrow type; truth)
KINDS: dict[str, tuple[tuple[str, ...], pa.DataType, list[str]]] = {
    "name": (("customer_name", "contact", "owner"), pa.string(), ["PERSON"]),
    "email": (("email", "login", "contact_info"), pa.string(), ["EMAIL_ADDRESS"]),
    "phone": (("phone", "tel", "callback"), pa.string(), ["PHONE_NUMBER"]),
    "address": (("street_address", "line1", "ship_to"), pa.string(), ["STREET_ADDRESS"]),
    "notes": (("notes", "comment", "remarks"), pa.string(), ["PERSON", "PHONE_NUMBER"]),
    "customer_id": (("customer_id", "ref", "cid"), pa.int64(), []),
    "order_ref": (("order_ref", "reference", "order_no"), pa.string(), []),
    "amount": (("amount", "total", "value"), pa.float64(), []),
    "created_at": (("created_at", "ts", "dob"), pa.timestamp("ms"), []),
    "country_code": (("country_code", "cc", "origin"), pa.string(), ["LOCATION"]),
}

MENTIONS = (
    "Customer {name} called from {phone} about the late delivery.",
    "Please ring {name} back on {phone} before 5pm.",
    "{name} asked to be reached at {phone} instead of by e-mail.",
    "Spoke to {name} ({phone}); refund agreed.",
    "Courier could not find the house, {name} can be called on {phone}.",
)
NEUTRAL = tuple(
    f"{a} {b}"
    for a in (
        "Parcel left at the front desk.",
        "Delivery slot moved to next week.",
        "Gift wrapping requested.",
        "Item out of stock, back-ordered.",
        "Paid by bank transfer.",
        "Second attempt scheduled.",
    )
    for b in ("No action needed.", "Follow up on Monday.", "Ticket closed.", "See the log.")
)
EPOCH_MS = int(dt.datetime(2023, 1, 1).timestamp() * 1000)
SPAN_MS = 2 * 365 * 24 * 3600 * 1000


@dataclass(frozen=True)
class Pool:
    """The customers rows draw from: parallel object arrays, one entry per customer."""

    name: np.ndarray
    email: np.ndarray
    phone: np.ndarray
    address: np.ndarray
    country: np.ndarray

    def __len__(self) -> int:
        return len(self.name)


def pool_size(rows: int) -> int:
    """Customers in the pool: ``min(50,000, max(50, rows // 5))``."""
    return min(MAX_POOL, max(50, rows // 5))


def column_names(seed: int) -> dict[str, str]:
    """kind -> column name, fixed for a seed (some honest, some misleading)."""
    rng = np.random.default_rng([seed, 1])
    return {kind: str(rng.choice(names)) for kind, (names, _, _) in KINDS.items()}


def schema(seed: int) -> pa.Schema:
    """The declared schema of the ``seed`` table."""
    names = column_names(seed)
    return pa.schema([(names[k], t) for k, (_, t, _) in KINDS.items()])


def truth(seed: int) -> dict[str, list[str]]:
    """column -> entity types of the ``seed`` table."""
    names = column_names(seed)
    return {names[k]: list(types) for k, (_, _, types) in KINDS.items()}


def build_pool(size: int, seed: int) -> Pool:
    """``size`` customers from the four locales (Faker, seeded)."""
    from faker import Faker

    fakers = {loc: Faker(loc) for loc in LOCALES}
    for i, f in enumerate(fakers.values()):
        f.seed_instance(seed * 10 + i)
    rng = np.random.default_rng([seed, 2])
    locales = rng.choice(len(LOCALES), size=size)
    rows: list[tuple[str, str, str, str, str]] = []
    for k in locales:
        loc = LOCALES[int(k)]
        f = fakers[loc]
        first, last = f.first_name(), f.last_name()
        user = _ascii(f"{first}.{last}".lower())
        email = f"{user}{int(rng.integers(1, 99))}@{f.free_email_domain()}"
        address = f.street_address().replace("\n", ", ")
        rows.append((f"{first} {last}", email, f.phone_number(), address, COUNTRY[loc]))
    cols = (
        [np.array(c, dtype=object) for c in zip(*rows, strict=True)]
        if rows
        else [np.array([], dtype=object)] * 5
    )
    return Pool(*cols)


def _ascii(text: str) -> str:
    """An e-mail local part: accents dropped, ``ß`` as ``ss``, no spaces or apostrophes."""
    folded = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
    return "".join(c for c in folded if c.isascii() and c not in " '")


def _notes(rng: np.random.Generator, pool: Pool, n: int) -> np.ndarray:
    out = np.array(NEUTRAL, dtype=object)[rng.integers(0, len(NEUTRAL), size=n)]
    mention = np.flatnonzero(rng.random(n) < MENTION_SHARE)
    who = rng.integers(0, len(pool), size=len(mention))
    how = rng.integers(0, len(MENTIONS), size=len(mention))
    for row, c, t in zip(mention, who, how, strict=True):
        out[row] = MENTIONS[t].format(name=pool.name[c], phone=pool.phone[c])
    return out


def chunk(
    pool: Pool, rng: np.random.Generator, start: int, n: int, sch: pa.Schema
) -> pa.RecordBatch:
    """Rows ``start .. start + n`` of the table as one record batch."""
    who = rng.integers(0, len(pool), size=n)
    ids = np.arange(start + 1, start + n + 1, dtype=np.int64)
    amounts = np.round(rng.uniform(1, 5000, size=n), 2)
    created = EPOCH_MS + np.sort(rng.integers(0, SPAN_MS, size=n))
    arrays = {
        "name": pa.array(pool.name[who], pa.string()),
        "email": pa.array(pool.email[who], pa.string()),
        "phone": pa.array(pool.phone[who], pa.string()),
        "address": pa.array(pool.address[who], pa.string()),
        "notes": pa.array(_notes(rng, pool, n), pa.string()),
        "customer_id": pa.array(ids * 7 + 100_000, pa.int64()),
        "order_ref": pa.array([f"ORD-2024-{i:06d}" for i in ids], pa.string()),
        "amount": pa.array(amounts, pa.float64()),
        "created_at": pa.array(created, pa.timestamp("ms")),
        "country_code": pa.array(pool.country[who], pa.string()),
    }
    return pa.RecordBatch.from_arrays(list(arrays.values()), schema=sch)


def batches(rows: int, seed: int, row_group: int = ROW_GROUP) -> Iterator[pa.RecordBatch]:
    """The ``seed`` table as record batches of at most ``row_group`` rows."""
    pool = build_pool(pool_size(rows), seed)
    rng = np.random.default_rng([seed, 3])
    sch = schema(seed)
    for start in range(0, rows, row_group):
        yield chunk(pool, rng, start, min(row_group, rows - start), sch)


def truth_path(path: Path) -> Path:
    return path.with_name(path.stem + ".truth.json")


def write_table(path: Path, rows: int, seed: int = 0, row_group: int = ROW_GROUP) -> Path:
    """Write the ``rows``-row table to ``path`` and its truth beside it; return the truth path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with pq.ParquetWriter(path, schema(seed)) as writer:
        for batch in batches(rows, seed, row_group):
            writer.write_batch(batch, row_group_size=row_group)
    out = truth_path(path)
    out.write_text(json.dumps(truth(seed), indent=2) + "\n", encoding="utf-8")
    return out


# -- the wide file -------------------------------------------------------------------
def wide_batch(
    seed: int = 0, rows: int = WIDE_BATCH_ROWS, columns: int = WIDE_COLUMNS
) -> tuple[pa.RecordBatch, dict[str, list[str]]]:
    """A ``columns``-wide batch cycling through the kinds, and its truth."""
    base = next(batches(rows, seed, row_group=rows))
    kinds = list(KINDS)
    rng = np.random.default_rng([seed, 4])
    arrays, fields, gold = [], [], {}
    for i in range(columns):
        kind = kinds[i % len(kinds)]
        names, type_, types = KINDS[kind]
        name = f"{names[(i // len(kinds)) % len(names)]}_{i // len(kinds)}"
        column = base.column(i % len(kinds))
        if i >= len(kinds):
            column = column.take(pa.array(rng.permutation(rows)))
        arrays.append(column)
        fields.append(pa.field(name, type_))
        gold[name] = list(types)
    return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields)), gold


def write_wide(
    path: Path,
    seed: int = 0,
    repeats: int = WIDE_REPEATS,
    rows: int = WIDE_BATCH_ROWS,
    columns: int = WIDE_COLUMNS,
) -> Path:
    """Write ``repeats`` copies of :func:`wide_batch` (one row group each) and the truth."""
    path.parent.mkdir(parents=True, exist_ok=True)
    need = rows * repeats * columns * WIDE_BYTES_PER_CELL
    free = shutil.disk_usage(path.parent).free
    if free < need:
        raise SystemExit(
            f"not enough disk space in {path.parent}: {free >> 20} MiB free, "
            f"about {need >> 20} MiB needed"
        )
    batch, gold = wide_batch(seed, rows, columns)
    with pq.ParquetWriter(path, batch.schema) as writer:
        for _ in range(repeats):
            writer.write_batch(batch, row_group_size=rows)
    out = truth_path(path)
    out.write_text(json.dumps(gold, indent=2) + "\n", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="Parquet file to write")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--row-group", type=int, default=ROW_GROUP)
    parser.add_argument(
        "--wide", action="store_true", help="the 100-column x 10,000,000-row file instead"
    )
    args = parser.parse_args(argv)
    if args.wide:
        gold = write_wide(args.output, args.seed)
        rows, cols = WIDE_BATCH_ROWS * WIDE_REPEATS, WIDE_COLUMNS
    else:
        gold = write_table(args.output, args.rows, args.seed, args.row_group)
        rows, cols = args.rows, len(KINDS)
    size = args.output.stat().st_size
    print(
        f"{args.output}: {rows:,} rows x {cols} columns, {size / 2**20:,.1f} MiB; truth in {gold}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
