#!/usr/bin/env python3
"""Synthetic customer tables for the scan-speed benchmark (``bench_scan.py``).

    .venv/bin/python benchmarks/scan_data.py out/scan/customers.parquet --rows 1000000
    .venv/bin/python benchmarks/scan_data.py out/scan/wide.parquet --wide
    .venv/bin/python benchmarks/scan_data.py out/scan/distinct.parquet --shape distinct \\
        --rows 20000

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

``--shape distinct`` writes the distinct-heavy table instead (issue 22): nine columns
under honest, fixed names, and **no value of any column repeats** (by construction; the
tests check 3,000 rows). The German cities (483,840 of them) cap the table at about 1.9M
rows: a larger one stops with an error rather than repeat a value.

==============  ==========================================================  ===============
column          values                                                      truth
==============  ==========================================================  ===============
customer_name   "First Last", 20 % "First X. Last" (more in en_GB/fr_FR     PERSON
                past ~200k rows, when their own first-last pairs run out)
email           ``first.last48213@gmail.com`` and three other layouts;      EMAIL_ADDRESS
                the locale's free-mail domains; the number is unique
phone           valid (libphonenumber) numbers of the row's locale,         PHONE_NUMBER
                national, international or E.164 layout
city            Faker-style place, region: ``Lake Jennifer, OH``,           LOCATION
                ``Joly-sur-Fournier, Lozère``, ``Bad Müllerdorf, Bayern``
note            35 % "Customer {name} called from {phone}..." (the row's    PERSON,
                own), else a neutral sentence; every note carries a         PHONE_NUMBER
                unique ticket number
amount          float64, 2 decimals, 1.00-99,999.99                         (negative)
created_at      timestamp[ms] in 2023-2024, strictly increasing             (negative)
sku             ``KTC-572216-BL``                                           (negative)
card_number     16-digit Visa/Mastercard, Luhn-valid, plain or grouped      CREDIT_CARD
==============  ==========================================================  ===============

Each row's locale is drawn uniformly from the four; words come from Faker's word lists
(first names, surnames, free-mail domains, city prefixes and suffixes, US states, UK
counties, German states, French departments; German place names are made from
surnames with common endings, Faker's de_DE lists only 392 real cities). A value is
built from a counter (the row number, or the row's number within its locale) through
a seeded bijection (:class:`Perm`), so values never repeat and nothing but counters is
kept between batches. Nothing is a reserved or test value (no 555-01xx, drama-range or
``+CC 00`` phone, no example.com, no published test or surrogate card prefix): the
scanner's default run and vanilla Presidio see the same real-looking data. Phones are
not Faker's (its en_GB numbers are Ofcom drama numbers, reserved): 100 templates a
locale of random valid numbers, each completed by a unique four-digit line number.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import math
import shutil
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


# -- the distinct-heavy table ---------------------------------------------------------
#: column -> (arrow type, truth). Honest names: every value is new, so a column's type
#: must come from its values (an invented city is LOCATION only by its column name).
DISTINCT_COLUMNS: dict[str, tuple[pa.DataType, list[str]]] = {
    "customer_name": (pa.string(), ["PERSON"]),
    "email": (pa.string(), ["EMAIL_ADDRESS"]),
    "phone": (pa.string(), ["PHONE_NUMBER"]),
    "city": (pa.string(), ["LOCATION"]),
    "note": (pa.string(), ["PERSON", "PHONE_NUMBER"]),
    "amount": (pa.float64(), []),
    "created_at": (pa.timestamp("ms"), []),
    "sku": (pa.string(), []),
    "card_number": (pa.string(), ["CREDIT_CARD"]),
}
REGION = {"en_US": "US", "en_GB": "GB", "de_DE": "DE", "fr_FR": "FR"}
#: A name gets a middle initial ("Anna K. Schmidt") this often, more where its locale's
#: plain first-last pairs would run out (en_GB and fr_FR past ~200k rows).
INITIAL_SHARE = 0.2
PHONE_TEMPLATES = 100  # per locale, x 10,000 line numbers each
PHONE_STYLES = ("NATIONAL", "INTERNATIONAL", "E164")
PHONE_STYLE_WEIGHTS = (0.55, 0.35, 0.10)
CARD_ISSUERS = 40
CARD_STYLES = ("{}", "{} {} {} {}", "{}-{}-{}-{}")
CARD_STYLE_WEIGHTS = (0.5, 0.35, 0.15)
AMOUNT_CENTS = 9_999_900  # 1.00 .. 99,999.99
#: German place-name endings and prefixes (Faker's de_DE lists only 392 real cities).
DE_SUFFIXES = (
    "dorf", "hausen", "heim", "feld", "berg", "bach", "stedt", "ingen", "rode", "burg",
    "au", "hofen", "kirchen", "brück", "weiler",
)  # fmt: skip
DE_PREFIXES = ("", "Bad ", "Groß ", "Klein ", "Neu ")
SKU_BRANDS = (
    "KTC", "BRN", "ZLX", "HMR", "QTR", "VNT", "OKP", "LMA", "TRS", "GDE", "FXN", "PLO",
)  # fmt: skip
SKU_VARIANTS = ("BL", "RD", "GR", "WH", "BK", "XS", "S", "M", "L", "XL", "XXL", "NA")
DISTINCT_NEUTRAL = (
    *NEUTRAL,
    "Refund issued to the original payment method.",
    "Address label reprinted, parcel resent.",
    "Customer prefers delivery after 6pm.",
    "Invoice copy sent again.",
    "Package damaged in transit, replacement shipped.",
    "Discount code applied manually.",
)


def distinct_schema() -> pa.Schema:
    """The declared schema of the distinct-heavy table (the same for every seed)."""
    return pa.schema([(name, t) for name, (t, _) in DISTINCT_COLUMNS.items()])


def distinct_truth() -> dict[str, list[str]]:
    """column -> entity types of the distinct-heavy table."""
    return {name: list(types) for name, (_, types) in DISTINCT_COLUMNS.items()}


@dataclass(frozen=True)
class Perm:
    """A seeded bijection of ``[0, size)``: ``k -> (a k + b) mod size``, ``gcd(a, size) = 1``:
    distinct counters give distinct codes, so values built from codes never repeat."""

    size: int
    a: int
    b: int

    @classmethod
    def draw(cls, size: int, rng: np.random.Generator) -> Perm:
        if not 0 < size < 3_000_000_000:  # a * k stays inside int64
            raise ValueError(f"permutation size out of range: {size}")
        a = int(rng.integers(size // 3, size)) if size > 3 else 1
        while math.gcd(a, size) != 1:
            a += 1
        return cls(size, a, int(rng.integers(0, size)))

    def __call__(self, k: np.ndarray) -> np.ndarray:
        if len(k) and int(k.max()) >= self.size:
            raise ValueError(f"more values asked for than the {self.size:,} this column has")
        return (k.astype(np.int64) * self.a + self.b) % self.size


def _provider(f: Any, name: str) -> Any:
    """The Faker provider ``faker.providers.<name>`` of ``f`` (its word lists)."""
    return next(p for p in f.providers if p.__provider__ == f"faker.providers.{name}")


def _has_digit(text: str) -> bool:
    return any(c.isdigit() for c in text)


def _words(items: Any) -> list[str]:
    """Distinct single-word entries, in order (keys of Faker's weighted dicts)."""
    return [w for w in dict.fromkeys(items) if w and " " not in w and "," not in w]


@dataclass(frozen=True)
class Locale:
    """One locale's word lists and the bijections that turn its k-th row into values.

    ``firsts`` hold no first name of an earlier locale, so a "First [X.] Last" name
    says which locale made it and names never repeat across locales; ``regions`` are
    disjoint across locales for the same reason (cities are "Base, Region")."""

    firsts: list[str]
    lasts: list[str]
    domains: list[str]
    bases: list[str]
    regions: list[str]
    phones: list[str]  # templates: the last four digits are "{}"
    plain: Perm  # first x last
    initial: Perm  # first x last x 26 initials
    city: Perm  # bases x regions
    phone: Perm  # templates x 10,000
    initial_share: float


def _city_bases(loc: str, f: Any, firsts: list[str], lasts: list[str]) -> list[str]:
    """Place names in the style of Faker's ``city()`` for ``loc``, enumerated (distinct)."""
    address = _provider(f, "address")
    if loc == "de_DE":
        cities = [c for c in address.cities if "," not in c]
        made = [f"{p}{last}{s}" for p in DE_PREFIXES for last in lasts for s in DE_SUFFIXES]
        return list(dict.fromkeys(cities + made))
    pre, suf = address.city_prefixes, list(dict.fromkeys(address.city_suffixes))
    if loc == "fr_FR":
        out = [f"{p} {n}{s}" for p in pre for n in firsts for s in ("", *suf)]
        out += [f"{n}{s}" for n in lasts for s in ("", *suf)]
        out += [f"{n}-sur-{m}" for n in lasts for m in lasts[:15] if n != m]
    else:  # en_US, en_GB: Faker's four city formats
        out = [f"{p} {n}{s}" for p in pre for n in firsts for s in ("", *suf)]
        out += [f"{n}{s}" for n in (*firsts, *lasts) for s in suf]
    return [b for b in dict.fromkeys(out) if "," not in b]


def _regions(loc: str, f: Any) -> list[str]:
    address = _provider(f, "address")
    if loc == "en_US":
        return list(address.states_abbr)
    if loc == "en_GB":
        return list(address.counties)
    if loc == "de_DE":
        return list(address.states)
    return [name for _, name in address.departments]


def _phone_templates(
    region: str, rng: np.random.Generator, count: int, taken: set[str]
) -> list[str]:
    """``count`` valid, non-reserved numbers of ``region`` as templates whose last four
    digits are ``{}``, none in ``taken`` (other regions' templates; added to it). Every
    line number 0000-9999 gives a valid number (checked at 0000, 5000, 9999) and none is
    a reserved one (checked at every ``dd00``: the fictional and drama ranges are all
    decided by the first two of those digits)."""
    import phonenumbers
    from phonenumbers import PhoneNumberFormat

    from piiscan.detectors.reserved import is_reserved

    def digits(n: int) -> str:
        return "".join(map(str, rng.integers(0, 10, n)))

    def candidate() -> str:
        if region == "US":
            return f"{rng.integers(2, 10)}{digits(2)}{rng.integers(2, 10)}{digits(2)}"
        if region == "GB":
            return "0" + str(rng.choice([1, 2, 3, 7])) + digits(5)
        if region == "DE":
            return "0" + str(rng.integers(2, 10)) + digits(int(rng.integers(4, 7)))
        return "0" + str(rng.choice([1, 2, 3, 4, 5, 6, 7, 9])) + digits(4)

    def valid(national: str) -> bool:
        try:
            return phonenumbers.is_valid_number(phonenumbers.parse(national, region))
        except phonenumbers.NumberParseException:
            return False

    out: dict[str, None] = {}
    for _ in range(200 * count):
        if len(out) == count:
            break
        head = candidate()
        if not all(valid(head + line) for line in ("0000", "5000", "9999")):
            continue
        style = PHONE_STYLES[int(rng.choice(len(PHONE_STYLES), p=PHONE_STYLE_WEIGHTS))]
        number = phonenumbers.parse(head + "0000", region)
        text = phonenumbers.format_number(number, getattr(PhoneNumberFormat, style))
        template = _mask_last_digits(text, 4)
        if template is None or template in taken or any(
            is_reserved("PHONE_NUMBER", template.format(*f"{dd:02d}00")) for dd in range(100)
        ):
            continue
        out[template] = None
    if len(out) < count:
        raise RuntimeError(f"only {len(out)} phone templates found for {region}")
    taken.update(out)
    return list(out)


def _mask_last_digits(text: str, n: int) -> str | None:
    """``text`` with its last ``n`` digits as ``{}`` (None if it has fewer)."""
    chars = list(text.replace("{", "{{").replace("}", "}}"))
    for i in range(len(chars) - 1, -1, -1):
        if n == 0:
            break
        if chars[i].isdigit():
            chars[i], n = "{}", n - 1
    return None if n else "".join(chars)


@functools.lru_cache(maxsize=4)
def _locales(seed: int) -> tuple[Locale, ...]:
    """The four locales' word lists and bijections for ``seed`` (a few seconds' work)."""
    from faker import Faker

    rng = np.random.default_rng([seed, 6])
    out: list[Locale] = []
    seen_firsts: set[str] = set()
    seen_regions: set[str] = set()
    templates: set[str] = set()
    for loc in LOCALES:
        f = Faker(loc)
        person = _provider(f, "person")
        all_firsts = _words(person.first_names)
        firsts = [n for n in all_firsts if n not in seen_firsts and not _has_digit(n)]
        seen_firsts.update(all_firsts)
        lasts = [n for n in _words(person.last_names) if not _has_digit(n)]
        domains = list(dict.fromkeys(_provider(f, "internet").free_email_domains))
        bases = _city_bases(loc, f, all_firsts, lasts)
        regions = [r for r in _regions(loc, f) if r not in seen_regions and "," not in r]
        seen_regions.update(regions)
        phones = _phone_templates(REGION[loc], rng, PHONE_TEMPLATES, templates)
        pairs = len(firsts) * len(lasts)
        out.append(
            Locale(
                firsts, lasts, domains, bases, regions, phones,
                plain=Perm.draw(pairs, rng),
                initial=Perm.draw(pairs * 26, rng),
                city=Perm.draw(len(bases) * len(regions), rng),
                phone=Perm.draw(len(phones) * 10_000, rng),
                initial_share=INITIAL_SHARE,
            )
        )  # fmt: skip
    return tuple(out)


def _luhn_digit(body: str) -> str:
    """The Luhn check digit that completes ``body``."""
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str(-total % 10)


def _card_issuers(rng: np.random.Generator) -> list[str]:
    """Six-digit Visa (4…) and Mastercard (51-55…) prefixes, none of a published test
    card or of piiscan's card surrogates."""
    from piiscan.detectors.reserved import SURROGATE_CARD_PREFIXES, TEST_CARDS

    taken = {c[:6] for c in TEST_CARDS} | set(SURROGATE_CARD_PREFIXES)
    out: dict[str, None] = {}
    while len(out) < CARD_ISSUERS:
        if rng.random() < 0.6:
            iin = "4" + f"{int(rng.integers(0, 100_000)):05d}"
        else:
            iin = f"5{int(rng.integers(1, 6))}{int(rng.integers(0, 10_000)):04d}"
        if iin not in taken:
            out[iin] = None
    return list(out)


class DistinctTable:
    """The distinct-heavy table, produced batch by batch (:meth:`batches`).

    Each locale's rows are numbered by their own counter and each other column's by the
    row number; every value is built from its counter through a :class:`Perm`, so no
    value of a column repeats, however many rows, with nothing remembered but counters.
    """

    def __init__(self, rows: int, seed: int) -> None:
        if rows > AMOUNT_CENTS:
            raise ValueError(f"at most {AMOUNT_CENTS:,} rows (distinct amounts)")
        self.rows, self.seed = rows, seed
        self.locales = _locales(seed)
        rng = np.random.default_rng([seed, 7])
        self.rng = np.random.default_rng([seed, 8])
        size = max(10_000, 2 * rows)
        self.email_no = Perm.draw(size, rng)
        self.ticket_no = Perm.draw(size, rng)
        self.sku_width = max(6, len(str(rows)))
        self.sku_no = Perm.draw(10**self.sku_width, rng)
        self.cents = Perm.draw(AMOUNT_CENTS, rng)
        self.account = Perm.draw(1_000_000_000, rng)
        self.issuers = _card_issuers(rng)
        self.step_ms = max(1, SPAN_MS // max(rows, 1))
        # per locale: rows so far, names without and with an initial so far
        self.seen = np.zeros((len(LOCALES), 3), dtype=np.int64)
        demand = rows / len(LOCALES)
        self.initial_share = [
            max(INITIAL_SHARE, 1 - 0.9 * loc.plain.size / demand) if demand else INITIAL_SHARE
            for loc in self.locales
        ]

    def batches(self, row_group: int = ROW_GROUP) -> Iterator[pa.RecordBatch]:
        sch = distinct_schema()
        for start in range(0, self.rows, row_group):
            yield self.chunk(start, min(row_group, self.rows - start), sch)

    def _people(self, locale: np.ndarray) -> tuple[list[str], list[str], list[str], list[str]]:
        """Per row: full name, e-mail local part (no digits yet), phone and city."""
        n = len(locale)
        names, users, phones, cities = [""] * n, [""] * n, [""] * n, [""] * n
        for li, loc in enumerate(self.locales):
            rows = np.flatnonzero(locale == li)
            if not len(rows):
                continue
            k = self.seen[li, 0] + np.arange(len(rows))
            self.seen[li, 0] += len(rows)
            # names: most plain, some with an initial; plain ones past the end go initial
            wants = self.rng.random(len(rows)) < self.initial_share[li]
            plain_k = self.seen[li, 1] + np.cumsum(~wants) - 1
            wants |= plain_k >= loc.plain.size
            plain_k = self.seen[li, 1] + np.cumsum(~wants) - 1
            init_k = self.seen[li, 2] + np.cumsum(wants) - 1
            self.seen[li, 1] += int((~wants).sum())
            self.seen[li, 2] += int(wants.sum())
            plain = loc.plain(plain_k[~wants])
            init = loc.initial(init_k[wants])
            nf = len(loc.firsts)
            fi = np.empty(len(rows), dtype=np.int64)
            la = np.empty(len(rows), dtype=np.int64)
            ini = np.full(len(rows), -1, dtype=np.int64)
            fi[~wants], la[~wants] = plain % nf, plain // nf
            fi[wants], rest = init % nf, init // nf
            la[wants], ini[wants] = rest % len(loc.lasts), rest // len(loc.lasts)
            city = loc.city(k)
            nb = len(loc.bases)
            phone = loc.phone(k)
            nt = len(loc.phones)
            styles = self.rng.integers(0, 4, size=len(rows))
            domains = self.rng.integers(0, len(loc.domains), size=len(rows))
            for j, row in enumerate(rows):
                first, last = loc.firsts[fi[j]], loc.lasts[la[j]]
                mid = f" {chr(65 + ini[j])}." if ini[j] >= 0 else ""
                names[row] = f"{first}{mid} {last}"
                a, b = _ascii(first.lower()), _ascii(last.lower())
                user = (f"{a}.{b}", f"{a[0]}{b}", f"{a}_{b}", f"{b}.{a}")[styles[j]]
                users[row] = f"{user}\0@{loc.domains[domains[j]]}"
                cities[row] = f"{loc.bases[city[j] % nb]}, {loc.regions[city[j] // nb]}"
                line = int(phone[j]) // nt
                phones[row] = loc.phones[int(phone[j]) % nt].format(*f"{line:04d}")
        return names, users, phones, cities

    def chunk(self, start: int, n: int, sch: pa.Schema) -> pa.RecordBatch:
        """Rows ``start .. start + n`` as one record batch (call in order: counters)."""
        rng = self.rng
        row_no = np.arange(start, start + n, dtype=np.int64)
        names, users, phones, cities = self._people(rng.integers(0, len(LOCALES), size=n))
        emails = [
            u.replace("\0", str(int(e))) for u, e in zip(users, self.email_no(row_no), strict=True)
        ]
        notes = np.array(DISTINCT_NEUTRAL, dtype=object)[
            rng.integers(0, len(DISTINCT_NEUTRAL), size=n)
        ]
        mention = rng.random(n) < MENTION_SHARE
        how = rng.integers(0, len(MENTIONS), size=n)
        first = rng.random(n) < 0.5
        for j, ticket in enumerate(self.ticket_no(row_no)):
            body = (
                MENTIONS[how[j]].format(name=names[j], phone=phones[j]) if mention[j] else notes[j]
            )
            notes[j] = f"Ticket {ticket}: {body}" if first[j] else f"{body} (ticket {ticket})"
        brands = rng.integers(0, len(SKU_BRANDS), size=n)
        variants = rng.integers(0, len(SKU_VARIANTS), size=n)
        skus = [
            f"{SKU_BRANDS[b]}-{int(s):0{self.sku_width}d}-{SKU_VARIANTS[v]}"
            for b, s, v in zip(brands, self.sku_no(row_no), variants, strict=True)
        ]
        issuers = rng.integers(0, len(self.issuers), size=n)
        styles = rng.choice(len(CARD_STYLES), size=n, p=CARD_STYLE_WEIGHTS)
        cards = []
        for i, acct, s in zip(issuers, self.account(row_no), styles, strict=True):
            body = f"{self.issuers[i]}{int(acct):09d}"
            digits = body + _luhn_digit(body)
            groups = (digits,) if s == 0 else (digits[:4], digits[4:8], digits[8:12], digits[12:])
            cards.append(CARD_STYLES[s].format(*groups))
        created = EPOCH_MS + row_no * self.step_ms + rng.integers(0, self.step_ms, size=n)
        arrays = [
            pa.array(names, pa.string()),
            pa.array(emails, pa.string()),
            pa.array(phones, pa.string()),
            pa.array(cities, pa.string()),
            pa.array(notes, pa.string()),
            pa.array((100 + self.cents(row_no)) / 100, pa.float64()),
            pa.array(created, pa.timestamp("ms")),
            pa.array(skus, pa.string()),
            pa.array(cards, pa.string()),
        ]
        return pa.RecordBatch.from_arrays(arrays, schema=sch)


def distinct_batches(rows: int, seed: int, row_group: int = ROW_GROUP) -> Iterator[pa.RecordBatch]:
    """The distinct-heavy ``seed`` table as record batches of at most ``row_group`` rows."""
    yield from DistinctTable(rows, seed).batches(row_group)


def truth_path(path: Path) -> Path:
    return path.with_name(path.stem + ".truth.json")


SHAPES = ("customers", "distinct")


def write_table(
    path: Path, rows: int, seed: int = 0, row_group: int = ROW_GROUP, shape: str = "customers"
) -> Path:
    """Write the ``rows``-row table of ``shape`` (``customers``: the repeating customer
    table; ``distinct``: the distinct-heavy one) to ``path`` and its truth beside it,
    one row group at a time; return the truth path."""
    if shape not in SHAPES:
        raise ValueError(f"unknown table shape {shape!r}: one of {', '.join(SHAPES)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if shape == "distinct":
        sch, gold, parts = distinct_schema(), distinct_truth(), distinct_batches
    else:
        sch, gold, parts = schema(seed), truth(seed), batches
    with pq.ParquetWriter(path, sch) as writer:
        for batch in parts(rows, seed, row_group):
            writer.write_batch(batch, row_group_size=row_group)
    out = truth_path(path)
    out.write_text(json.dumps(gold, indent=2) + "\n", encoding="utf-8")
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
        "--shape",
        choices=SHAPES,
        default="customers",
        help="customers (repeating values, default) or distinct (every value distinct)",
    )
    parser.add_argument(
        "--wide", action="store_true", help="the 100-column x 10,000,000-row file instead"
    )
    args = parser.parse_args(argv)
    if args.wide:
        gold = write_wide(args.output, args.seed)
        rows, cols = WIDE_BATCH_ROWS * WIDE_REPEATS, WIDE_COLUMNS
    else:
        gold = write_table(args.output, args.rows, args.seed, args.row_group, args.shape)
        rows = args.rows
        cols = len(DISTINCT_COLUMNS if args.shape == "distinct" else KINDS)
    size = args.output.stat().st_size
    print(
        f"{args.output}: {rows:,} rows x {cols} columns, {size / 2**20:,.1f} MiB; truth in {gold}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
