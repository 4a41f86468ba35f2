"""Realistic (non-reserved) personal data for anonymization tests, built with Faker.

Unlike the demo, nothing here is drawn from reserved ranges: the e-mail domains,
phone numbers and card numbers look real, so a verification re-scan that passes on the
anonymized copy proves the surrogates replaced them.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import sqlite3
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from faker import Faker

from piiscan.checksums import luhn_check_digit

SCHEMA = """
CREATE TABLE customers (
    customer_id INTEGER PRIMARY KEY, full_name TEXT NOT NULL, email TEXT NOT NULL,
    phone TEXT, date_of_birth DATE, ssn TEXT, card_number TEXT, postcode TEXT,
    credit_limit NUMERIC(10, 2), signup_date DATE);
CREATE TABLE orders (
    order_id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(customer_id),
    customer_email TEXT NOT NULL, sku TEXT NOT NULL, amount REAL, ordered_at TIMESTAMP);
CREATE TABLE tickets (
    ticket_id INTEGER PRIMARY KEY,
    customer_id INTEGER REFERENCES customers(customer_id), body TEXT);
CREATE TABLE products (sku TEXT PRIMARY KEY, title TEXT, price REAL);
"""
DOMAINS = ("gmail.com", "yahoo.co.uk", "outlook.com", "web.de", "hotmail.fr")
AREA_CODES = (212, 312, 415, 617, 713, 206, 303, 404, 503, 602, 305, 214, 702, 919)
CARD_PREFIXES = ("4539", "4716", "5425", "5191", "3714")


def _card(rng: random.Random) -> str:
    prefix = rng.choice(CARD_PREFIXES)
    length = 15 if prefix.startswith("37") else 16
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    digits = body + luhn_check_digit(body)
    return " ".join(digits[i:i + 4] for i in range(0, len(digits), 4))


def _ssn(rng: random.Random) -> str:
    return f"{rng.randint(101, 665):03d}-{rng.randint(10, 99):02d}-{rng.randint(1000, 9999):04d}"


def customers(n: int, seed: int = 3) -> list[tuple]:
    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    rows = []
    for i in range(1, n + 1):
        first, last = fake.first_name(), fake.last_name()
        email = f"{first}.{last}{rng.randint(1, 99)}@{rng.choice(DOMAINS)}".lower()
        phone = f"({rng.choice(AREA_CODES)}) {rng.randint(201, 549)}-{rng.randint(1000, 9999)}"
        dob = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 18000))
        rows.append((i, f"{first} {last}", email, phone, dob.isoformat(), _ssn(rng),
                     _card(rng), fake.zipcode(), round(rng.uniform(500, 9000), 2),
                     (dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 1500))).isoformat()))
    return rows


def build_database(path: Path, n_customers: int = 120, seed: int = 3) -> Path:
    rng = random.Random(seed)
    cust = customers(n_customers, seed)
    products = [(f"SKU-{i:05d}", f"Widget model {i}", round(rng.uniform(3, 300), 2))
                for i in range(40)]
    orders = []
    for oid in range(1, n_customers * 3 + 1):
        c = rng.choice(cust)
        when = f"2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)} 10:1{rng.randint(0, 9)}:00"
        orders.append((oid, c[0], c[2], rng.choice(products)[0],
                       round(rng.uniform(5, 500), 2), when))
    tickets = []
    for tid in range(1, n_customers // 2 + 1):
        c = rng.choice(cust)
        tickets.append((tid, c[0], f"Hello, this is {c[1]}. Please call me back on {c[3]} "
                                   f"or write to {c[2]} about my last order."))
    con = sqlite3.connect(path)
    con.executescript(SCHEMA)
    con.executemany("INSERT INTO customers VALUES (?,?,?,?,?,?,?,?,?,?)", cust)
    con.executemany("INSERT INTO products VALUES (?,?,?)", products)
    con.executemany("INSERT INTO orders VALUES (?,?,?,?,?,?)", orders)
    con.executemany("INSERT INTO tickets VALUES (?,?,?)", tickets)
    con.commit()
    con.close()
    return path


def build_files(root: Path, n: int = 80, seed: int = 5) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    cust = customers(n, seed)
    with (root / "customers.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "email", "phone", "dob", "card"])
        for c in cust:
            w.writerow([c[0], c[1], c[2], c[3], c[4], c[6]])
    with (root / "events.jsonl").open("w", encoding="utf-8") as fh:
        for c in cust:
            fh.write(json.dumps({"event": "login", "user": {"email": c[2], "ssn": c[5]},
                                 "count": c[0]}) + "\n")
    table = pa.table({
        "customer_id": pa.array([c[0] for c in cust], pa.int64()),
        "email": [c[2] for c in cust],
        "birth_date": pa.array([dt.date.fromisoformat(c[4]) for c in cust], pa.date32()),
        "spend": pa.array([float(c[8]) for c in cust], pa.float64()),
    })
    pq.write_table(table, root / "spend.parquet")
    lines = [f"2024-05-0{i % 9 + 1} INFO password reset requested by {c[2]} from {c[3]}"
             for i, c in enumerate(cust[:30])]
    (root / "app.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


class Same:
    """A transformer that copies every value as it is (for tests of the copiers alone)."""

    def batch(self, asset, batch):
        return batch

    def value(self, asset, field, value):
        return value

    def text(self, asset, text):
        return text
