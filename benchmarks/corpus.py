"""Generate a labelled corpus for column-level evaluation of piiscan.

    python benchmarks/corpus.py OUT_DIR [--rows 300] [--seed 1]

writes ``OUT_DIR/corpus.db`` (SQLite), ``OUT_DIR/files/`` (CSV, JSONL, Parquet) and
``OUT_DIR/labels.json``: ``{asset: {column: [ENTITY_TYPE, ...]}}``. An asset is a table
name for the database and a path relative to ``files/`` for files; nested JSONL fields
are named by their dotted path (``person.vorname``).

Label conventions
-----------------
* A column is labelled by what its **values are**, never by its name: ``code`` holding
  e-mail addresses is ``[EMAIL_ADDRESS]``, ``name`` holding product names is ``[]``.
* Entity types are those of ``piiscan/data/default_policy.yaml``; a label lists every
  personal entity type the column holds (free text: every type that occurs in it).
* ``[]`` marks a negative: values that are not personal on their own — internal ids,
  SKUs, order/invoice/tracking numbers, UUID request ids, commit hashes, versions,
  prices, quantities, event timestamps (DATE_TIME is not personal), warehouse country
  codes, company and product names, categories and status flags.
* A first name or a surname alone is ``PERSON``; a city, state or town of a person is
  ``LOCATION``; latitude and longitude columns are each ``GEO_COORDINATE``; a birth date
  in any format is ``DATE_OF_BIRTH``; a password hash is ``PASSWORD``; an age is ``AGE``.
* Left out on purpose because their label depends on context rather than values: URLs,
  public keys and free-form amounts tied to a person (purchase history is judged per
  asset, not per column).
Values are synthetic (Faker, seeded); identifiers with check digits are valid (SSN
ranges, NHS mod 11, Aadhaar Verhoeff, NINO prefixes, IBAN mod 97, Steuer-ID ISO 7064,
card Luhn) so checksum-validating detectors can find them.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import sqlite3
import string
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from faker import Faker

from piiscan.demo import card_number, iban, nino


@dataclass
class Ctx:
    """What a value generator gets: a seeded Faker, a seeded Random and the row number."""

    f: Faker
    r: random.Random
    i: int


Gen = Callable[[Ctx], Any]


@dataclass(frozen=True)
class Col:
    name: str
    labels: tuple[str, ...]
    gen: Gen
    null_rate: float = 0.0


@dataclass(frozen=True)
class Spec:
    """One table (``fmt="sqlite"``) or file (csv/jsonl/parquet) of the corpus."""

    asset: str
    locale: str
    fmt: str
    columns: tuple[Col, ...]


def C(name: str, labels: Sequence[str] | str, gen: Gen, null_rate: float = 0.0) -> Col:
    """Shorthand: ``C("email", "EMAIL_ADDRESS", gen)``; ``labels=""`` is a negative."""
    if isinstance(labels, str):
        labels = (labels,) if labels else ()
    return Col(name, tuple(labels), gen, null_rate)


# -- identifiers with valid structure -------------------------------------------------
VERHOEFF_D = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6], [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
]
VERHOEFF_P = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2], [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
]
VERHOEFF_INV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9]


def verhoeff_digit(digits: str) -> str:
    """The Verhoeff check digit to append to ``digits``."""
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = VERHOEFF_D[c][VERHOEFF_P[(i + 1) % 8][int(ch)]]
    return str(VERHOEFF_INV[c])


def verhoeff_valid(number: str) -> bool:
    c = 0
    for i, ch in enumerate(reversed(number)):
        c = VERHOEFF_D[c][VERHOEFF_P[i % 8][int(ch)]]
    return c == 0


def _digits(r: random.Random, n: int) -> str:
    return "".join(r.choice(string.digits) for _ in range(n))


def aadhaar(r: random.Random) -> str:
    body = str(r.randint(2, 9)) + _digits(r, 10)
    num = body + verhoeff_digit(body)
    return f"{num[:4]} {num[4:8]} {num[8:]}" if r.random() < 0.6 else num


def nhs_number(r: random.Random) -> str:
    """A 10-digit NHS number with a valid mod-11 check digit."""
    while True:
        body = str(r.randint(4, 6)) + _digits(r, 8)
        check = 11 - sum(int(d) * (10 - i) for i, d in enumerate(body)) % 11
        if check == 11:
            check = 0
        if check != 10:
            num = body + str(check)
            return f"{num[:3]} {num[3:6]} {num[6:]}" if r.random() < 0.7 else num


def us_ssn(r: random.Random) -> str:
    while True:
        area = r.randint(1, 899)
        if area != 666:
            break
    return f"{area:03d}-{r.randint(1, 99):02d}-{r.randint(1, 9999):04d}"


def pan(r: random.Random) -> str:
    up = string.ascii_uppercase
    return ("".join(r.choice(up) for _ in range(3)) + "P" + r.choice(up) + _digits(r, 4)
            + r.choice(up))


def steuer_id(r: random.Random) -> str:
    """A German tax id: 11 digits, one digit doubled in the first ten, ISO 7064 check."""
    while True:
        ten = r.sample(string.digits, 9)
        ten.append(r.choice(ten))
        r.shuffle(ten)
        if ten[0] != "0":
            break
    product = 10
    for ch in ten:
        total = (int(ch) + product) % 10 or 10
        product = total * 2 % 11
    check = (11 - product) % 10
    return "".join(ten) + str(check)


def in_phone(r: random.Random) -> str:
    n = str(r.randint(6, 9)) + _digits(r, 9)
    return r.choice((f"+91 {n[:5]} {n[5:]}", f"+91-{n}", f"0{n}", f"+91{n}"))


def de_iban(r: random.Random) -> str:
    code = iban("DE", _digits(r, 8) + _digits(r, 10))
    return " ".join(code[i:i + 4] for i in range(0, len(code), 4)) if r.random() < 0.4 else code


def any_iban(r: random.Random) -> str:
    country = r.choice(("DE", "GB", "FR", "NL"))
    bban = {"DE": lambda: _digits(r, 18),
            "GB": lambda: "".join(r.choice(string.ascii_uppercase) for _ in range(4))
            + _digits(r, 14),
            "FR": lambda: _digits(r, 23),
            "NL": lambda: "".join(r.choice(string.ascii_uppercase) for _ in range(4))
            + _digits(r, 10)}[country]()
    return iban(country, bban)


def bcrypt_like(r: random.Random) -> str:
    alphabet = "./" + string.ascii_letters + string.digits
    return "$2b$12$" + "".join(r.choice(alphabet) for _ in range(53))


# -- look-alikes and everyday values -------------------------------------------------
NOUNS = ("Armchair", "Table", "Desk Lamp", "Sofa", "Bookshelf", "Stool", "Kettle", "Blanket",
         "Backpack", "Mug", "Pillow", "Sideboard", "Headphones", "Water Bottle", "Jacket")
ADJECTIVES = ("Walnut", "Rustic", "Nordic", "Ceramic", "Linen", "Copper", "Compact",
              "Classic", "Wireless", "Insulated", "Oak", "Velvet", "Recycled")


def product_name(c: Ctx) -> str:
    """Half are named like people ("Madison Armchair"): the hard negatives."""
    first = c.f.first_name() if c.r.random() < 0.5 else c.r.choice(ADJECTIVES)
    return f"{first} {c.r.choice(NOUNS)}"


def product_title(c: Ctx) -> str:
    return (f"{c.f.company().split()[0].strip(',')} {c.r.choice(ADJECTIVES)} "
            f"{c.r.choice(NOUNS)} {c.r.choice(('750 ml', 'XL', '2-pack', 'Set of 4', '40 cm'))}")


def sku(c: Ctx) -> str:
    return f"SKU-{c.r.randint(10000, 99999)}-{c.r.choice(('BLU', 'GRN', 'BLK', 'WHT'))}"


def tracking(c: Ctx) -> str:
    return "1Z" + "".join(c.r.choice(string.ascii_uppercase + string.digits) for _ in range(16))


def when(c: Ctx, start: int = 2022, days: int = 900) -> dt.datetime:
    return dt.datetime(start, 1, 1) + dt.timedelta(seconds=c.r.randrange(days * 86400))


def stamp(c: Ctx) -> str:
    return when(c).isoformat(sep=" ", timespec="seconds")


def birth(c: Ctx) -> dt.date:
    return dt.date(1940, 1, 1) + dt.timedelta(days=c.r.randrange(365 * 65))


def version(c: Ctx) -> str:
    return f"{c.r.randint(0, 9)}.{c.r.randint(0, 30)}.{c.r.randint(0, 99)}"


def lat(c: Ctx) -> float:
    return round(c.r.uniform(-60, 70), c.r.choice((4, 5, 6)))


def lon(c: Ctx) -> float:
    return round(c.r.uniform(-180, 180), c.r.choice((4, 5, 6)))


def money(lo: float, hi: float) -> Gen:
    return lambda c: round(c.r.uniform(lo, hi), 2)


def pick(*options: Any) -> Gen:
    return lambda c: c.r.choice(options)


def seq(fmt: str) -> Gen:
    return lambda c: fmt.format(c.i + 1)


def note(c: Ctx) -> str:
    name = c.f.name()
    if c.r.random() < 0.6:
        return c.r.choice((
            f"Spoke to {name}, wants the invoice resent to {c.f.email()}.",
            f"{name} asked us to use {c.f.email()} from now on; old address bounced.",
        ))
    return c.r.choice((
        f"Called {name} back about the delayed delivery, no answer.",
        f"Refund approved by {name} after the second complaint.",
    ))


def ticket_body(c: Ctx) -> str:
    return c.r.choice((
        f"Customer {c.f.name()} rang from {c.f.phone_number()} about a missing parcel.",
        f"Please call {c.f.name()} on {c.f.phone_number()} before 5pm regarding the return.",
        f"{c.f.name()} reports the order arrived damaged; callback on {c.f.phone_number()}.",
    ))


def build_comment(c: Ctx) -> str:
    return c.r.choice((
        "Batch re-run after the nightly job timed out on the staging cluster.",
        "Rebuilt with the new base image; no functional change.",
        "Cache warmed manually, see the runbook for the usual steps.",
    ))


# -- the corpus ----------------------------------------------------------------------
P = "PERSON"
E = "EMAIL_ADDRESS"
PH = "PHONE_NUMBER"
ADDR = "STREET_ADDRESS"
LOC = "LOCATION"
ZIP = "POSTAL_CODE"
DOB = "DATE_OF_BIRTH"
GEO = "GEO_COORDINATE"

SPECS: tuple[Spec, ...] = (
    Spec("us_customers", "en_US", "sqlite", (
        C("customer_id", "", seq("{}")),
        C("first_name", P, lambda c: c.f.first_name()),
        C("last_name", P, lambda c: c.f.last_name()),
        C("email", E, lambda c: c.f.email()),
        C("phone", PH, lambda c: c.f.phone_number(), 0.05),
        C("ssn", "US_SSN", lambda c: us_ssn(c.r)),
        C("street", ADDR, lambda c: c.f.street_address()),
        C("city", LOC, lambda c: c.f.city()),
        C("state", LOC, lambda c: c.f.state()),
        C("zip", ZIP, lambda c: c.f.zipcode()),
        C("date_of_birth", DOB, lambda c: birth(c).strftime("%m/%d/%Y")),
        C("gender", "GENDER", pick("Female", "Male", "Female", "Male", "Non-binary")),
        C("created_at", "", stamp),
    )),
    Spec("uk_patients", "en_GB", "sqlite", (
        C("patient_id", "", seq("P{:07d}")),
        C("nhs_number", "UK_NHS", lambda c: nhs_number(c.r)),
        C("full_name", P, lambda c: c.f.name()),
        C("dob", DOB, lambda c: birth(c).strftime("%d/%m/%Y")),
        C("sex", "GENDER", pick("F", "M")),
        C("address_line1", ADDR, lambda c: c.f.street_address()),
        C("town", LOC, lambda c: c.f.city()),
        C("postcode", ZIP, lambda c: c.f.postcode()),
        C("phone", PH, lambda c: c.f.phone_number()),
        C("email", E, lambda c: c.f.email(), 0.2),
        C("ni_number", "UK_NINO", lambda c: nino(c.r).replace(" ", "")
          if c.r.random() < 0.5 else nino(c.r)),
        C("gp_practice", "", lambda c: f"{c.f.last_name()} Surgery"),
        C("admitted_at", "", stamp),
        C("ward", "", lambda c: f"Ward {c.r.randint(1, 12)}{c.r.choice('ABC')}"),
    )),
    Spec("in_users", "en_IN", "sqlite", (
        C("user_id", "", seq("{}")),
        C("name", P, lambda c: c.f.name()),
        C("aadhaar", "IN_AADHAAR", lambda c: aadhaar(c.r)),
        C("pan", "IN_PAN", lambda c: pan(c.r)),
        C("mobile", PH, lambda c: in_phone(c.r)),
        C("pin_code", ZIP, lambda c: f"{c.r.randint(1, 8)}{_digits(c.r, 5)}"),
        C("address", ADDR, lambda c: c.f.street_address()),
        C("city", LOC, lambda c: c.f.city()),
        C("email", E, lambda c: c.f.email()),
        C("signup_date", "", lambda c: when(c).date().isoformat()),
        C("plan", "", pick("free", "basic", "pro")),
    )),
    Spec("mitarbeiter", "de_DE", "sqlite", (
        C("personalnummer", "", seq("{:05d}")),
        C("vorname", P, lambda c: c.f.first_name()),
        C("nachname", P, lambda c: c.f.last_name()),
        C("geburtsdatum", DOB, lambda c: birth(c).strftime("%d.%m.%Y")),
        C("geschlecht", "GENDER", pick("weiblich", "männlich", "divers")),
        C("strasse", ADDR, lambda c: c.f.street_address()),
        C("plz", ZIP, lambda c: c.f.postcode()),
        C("ort", LOC, lambda c: c.f.city()),
        C("telefon", PH, lambda c: c.f.phone_number()),
        C("iban", "IBAN_CODE", lambda c: de_iban(c.r)),
        C("steuer_id", "DE_TAX_ID", lambda c: steuer_id(c.r), 0.3),
        C("gehalt", "SALARY", lambda c: c.r.randrange(32000, 140000, 100)),
        C("abteilung", "", pick("Vertrieb", "Einkauf", "Personal", "IT", "Logistik")),
        C("eintrittsdatum", "", lambda c: when(c, 2005, 6000).date().isoformat()),
    )),
    Spec("web_sessions", "en_US", "sqlite", (
        C("session_cookie", "COOKIE_ID", lambda c: c.f.md5()),
        C("device_id", "DEVICE_ID", lambda c: c.f.uuid4()),
        C("ip", "IP_ADDRESS", lambda c: c.f.ipv4_public()),
        C("user_agent", "USER_AGENT", lambda c: c.f.user_agent()),
        C("latitude", GEO, lat),
        C("longitude", GEO, lon),
        C("username", "USERNAME", lambda c: c.f.user_name()),
        C("event_type", "", pick("page_view", "add_to_cart", "search", "login")),
        C("occurred_at", "", stamp),
    )),
    Spec("accounts", "en_US", "sqlite", (
        C("account_uuid", "", lambda c: c.f.uuid4()),
        C("login", "USERNAME", lambda c: c.f.user_name()),
        C("display_name", P, lambda c: c.f.name()),
        C("contact", E, lambda c: c.f.email()),
        C("password_hash", "PASSWORD", lambda c: bcrypt_like(c.r)),
        C("last_login_ip", "IP_ADDRESS", lambda c: c.f.ipv6()),
        C("mac_address", "MAC_ADDRESS", lambda c: c.f.mac_address()),
        C("age", "AGE", lambda c: c.r.randint(18, 90)),
        C("is_active", "", pick(0, 1)),
        C("created_at", "", stamp),
    )),
    Spec("hr_employees", "en_GB", "sqlite", (
        C("employee_id", "", seq("E{:04d}")),
        C("full_name", P, lambda c: c.f.name()),
        C("job_title", "JOB_TITLE", lambda c: c.f.job()),
        C("salary", "SALARY", lambda c: c.r.randrange(22000, 150000, 250)),
        C("hire_date", "", lambda c: when(c, 2008, 5000).date().isoformat()),
        C("work_email", E, lambda c: c.f.company_email()),
        C("manager_name", P, lambda c: c.f.name()),
        C("ni_number", "UK_NINO", lambda c: nino(c.r)),
        C("department", "", pick("Finance", "Operations", "Sales", "Engineering", "HR")),
        C("company_name", "", lambda c: c.f.company()),
    )),
    Spec("orders", "en_US", "sqlite", (
        C("order_id", "", seq("ORD-{:06d}")),
        C("customer_email", E, lambda c: c.f.email()),
        C("sku", "", sku),
        C("quantity", "", lambda c: c.r.randint(1, 5)),
        C("unit_price", "", money(2, 900)),
        C("tracking_number", "", tracking),
        C("invoice_number", "", seq("INV-2024-{:05d}")),
        C("card_number", "CREDIT_CARD", lambda c: card_number(c.r)),
        C("card_holder", P, lambda c: c.f.name()),
        C("billing_zip", ZIP, lambda c: c.f.zipcode()),
        C("ordered_at", "", stamp),
        C("warehouse_country", "", pick("US", "DE", "GB", "NL", "PL", "CN")),
    )),
    Spec("products", "en_US", "sqlite", (
        C("sku", "", sku),
        C("name", "", product_name),
        C("product_title", "", product_title),
        C("price", "", money(3, 1500)),
        C("quantity_in_stock", "", lambda c: c.r.randint(0, 800)),
        C("category", "", pick("Furniture", "Kitchen", "Outdoor", "Audio", "Textiles")),
        C("company_name", "", lambda c: c.f.company()),
        C("weight_kg", "", lambda c: round(c.r.uniform(0.1, 60), 2)),
    )),
    Spec("legacy_import", "en_GB", "sqlite", (
        C("id", "", lambda c: c.f.uuid4()),
        C("code", E, lambda c: c.f.email()),
        C("field_7", PH, lambda c: c.f.phone_number()),
        C("ref", "IBAN_CODE", lambda c: any_iban(c.r)),
        C("name", "", product_name),
        C("value", "", money(1, 500)),
        C("notes", (P, E), note),
        C("flag", "", pick("Y", "N")),
    )),
    Spec("build_artifacts", "en_US", "sqlite", (
        C("commit", "", lambda c: c.f.sha1()),
        C("version", "", version),
        C("build_id", "", lambda c: c.f.uuid4()),
        C("started_at", "", stamp),
        C("duration_s", "", lambda c: c.r.randint(20, 4000)),
        C("status", "", pick("passed", "failed", "cancelled")),
        C("comment", "", build_comment),
    )),
    Spec("course_offerings", "en_GB", "sqlite", (
        C("ACADEMIC_YEAR_CODE", "", pick("AY2022-23", "AY2023-24", "AY2024-25")),
        C("COURSE_CODE", "", lambda c: f"{c.r.choice(('CS', 'MA', 'EC', 'HI'))}"
                                       f"{c.r.randint(100, 499)}"),
        C("TITLE", "", pick("Linear Algebra", "Data Structures", "Macroeconomics",
                            "Medieval History", "Compilers", "Statistics II")),
        C("CREDITS", "", pick(5, 10, 15, 20)),
        C("INSTRUCTOR_EMAIL", E, lambda c: c.f.email()),
    )),
    Spec("support_tickets", "en_GB", "sqlite", (
        C("ticket_id", "", seq("{}")),
        C("subject", "", pick("Missing parcel", "Return request", "Damaged item")),
        C("body", (P, PH), ticket_body),
        C("priority", "", pick("low", "normal", "high")),
        C("opened_at", "", stamp),
    )),
    Spec("zahlungen", "de_DE", "sqlite", (
        C("buchungsdatum", "", lambda c: when(c).date().isoformat()),
        C("betrag", "", money(5, 5000)),
        C("verwendungszweck", "", lambda c: f"Rechnung {c.r.randint(2022, 2024)}-"
                                           f"{c.r.randint(1000, 9999)}"),
        C("kontoinhaber", P, lambda c: c.f.name()),
        C("iban", "IBAN_CODE", lambda c: de_iban(c.r)),
        C("bic", "", pick("COBADEFFXXX", "DEUTDEFFXXX", "GENODEF1S04", "BYLADEM1001")),
    )),
    Spec("crm/contacts_us.csv", "en_US", "csv", (
        C("first_name", P, lambda c: c.f.first_name()),
        C("last_name", P, lambda c: c.f.last_name()),
        C("email", E, lambda c: c.f.email()),
        C("phone", PH, lambda c: c.f.phone_number()),
        C("company_name", "", lambda c: c.f.company()),
        C("job_title", "JOB_TITLE", lambda c: c.f.job()),
        C("city", LOC, lambda c: c.f.city()),
        C("state", LOC, lambda c: c.f.state_abbr()),
    )),
    Spec("crm/leads_in.jsonl", "en_IN", "jsonl", (
        C("lead_id", "", seq("L-{:06d}")),
        C("name", P, lambda c: c.f.name()),
        C("mobile", PH, lambda c: in_phone(c.r)),
        C("email", E, lambda c: c.f.email()),
        C("pan", "IN_PAN", lambda c: pan(c.r)),
        C("source", "", pick("web", "referral", "event", "partner")),
        C("campaign", "", pick("diwali-2023", "spring-sale", "b2b-webinar")),
    )),
    Spec("analytics/events.parquet", "en_US", "parquet", (
        C("event_id", "", lambda c: c.f.uuid4()),
        C("device_id", "DEVICE_ID", lambda c: c.f.uuid4()),
        C("ip_address", "IP_ADDRESS", lambda c: c.f.ipv4_public()),
        C("lat", GEO, lat),
        C("lon", GEO, lon),
        C("event_name", "", pick("app_open", "purchase", "share", "logout")),
        C("ts", "", when),
        C("app_version", "", version),
    )),
    Spec("warehouse/shipments.csv", "en_US", "csv", (
        C("shipment_id", "", seq("SHP{:08d}")),
        C("tracking_number", "", tracking),
        C("warehouse_country", "", pick("US", "DE", "GB", "NL", "PL")),
        C("sku", "", sku),
        C("units", "", lambda c: c.r.randint(1, 500)),
        C("shipped_at", "", stamp),
        C("carrier", "", pick("UPS", "DHL", "FedEx", "DPD")),
    )),
    Spec("hr/people_de.jsonl", "de_DE", "jsonl", (
        C("id", "", seq("{}")),
        C("person.vorname", P, lambda c: c.f.first_name()),
        C("person.nachname", P, lambda c: c.f.last_name()),
        C("person.geburtsdatum", DOB, lambda c: birth(c).isoformat()),
        C("kontakt.telefon", PH, lambda c: c.f.phone_number()),
        C("kontakt.email", E, lambda c: c.f.email()),
        C("gehalt", "SALARY", lambda c: c.r.randrange(30000, 120000, 500)),
    )),
    Spec("finance/invoices.parquet", "en_GB", "parquet", (
        C("invoice_number", "", seq("INV-{:07d}")),
        C("customer_name", P, lambda c: c.f.name()),
        C("amount", "", money(10, 9000)),
        C("currency", "", pick("GBP", "EUR", "USD")),
        C("due_date", "", lambda c: when(c).date()),
        C("iban", "IBAN_CODE", lambda c: any_iban(c.r)),
        C("vat_rate", "", pick(0.0, 0.05, 0.2)),
    )),
    Spec("nhs/gp_register.csv", "en_GB", "csv", (
        C("nhs_number", "UK_NHS", lambda c: nhs_number(c.r)),
        C("surname", P, lambda c: c.f.last_name()),
        C("postcode", ZIP, lambda c: c.f.postcode()),
        C("date_of_birth", DOB, lambda c: birth(c).strftime("%d/%m/%Y")),
        C("registered_on", "", lambda c: when(c, 2010, 4000).date().isoformat()),
    )),
)


# -- writing -------------------------------------------------------------------------
def _rows(spec: Spec, n: int, seed: int) -> list[dict[str, Any]]:
    fake = Faker(spec.locale)
    fake.seed_instance(f"{seed}:{spec.asset}")
    rng = random.Random(f"{seed}:{spec.asset}")
    rows = []
    for i in range(n):
        ctx = Ctx(fake, rng, i)
        rows.append({col.name: None if col.null_rate and rng.random() < col.null_rate
                     else col.gen(ctx) for col in spec.columns})
    return rows


def _sql_type(values: list[Any]) -> str:
    sample = next((v for v in values if v is not None), "")
    if isinstance(sample, bool | int):
        return "INTEGER"
    return "REAL" if isinstance(sample, float) else "TEXT"


def _write_sqlite(con: sqlite3.Connection, spec: Spec, rows: list[dict[str, Any]]) -> None:
    cols = [c.name for c in spec.columns]
    decl = ", ".join(f'"{c}" {_sql_type([r[c] for r in rows])}' for c in cols)
    con.execute(f'CREATE TABLE "{spec.asset}" ({decl})')
    marks = ", ".join("?" * len(cols))
    con.executemany(f'INSERT INTO "{spec.asset}" VALUES ({marks})',
                    [tuple(_plain(r[c]) for c in cols) for r in rows])


def _plain(value: Any) -> Any:
    return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else (
        value.isoformat() if isinstance(value, dt.date) else value)


def _nest(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        *parents, leaf = key.split(".")
        node = out
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = _plain(value)
    return out


def _write_file(path: Path, spec: Spec, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if spec.fmt == "csv":
        with path.open("w", newline="", encoding="utf-8") as fh:
            out = csv.DictWriter(fh, [c.name for c in spec.columns], lineterminator="\n")
            out.writeheader()
            out.writerows({k: _plain(v) for k, v in r.items()} for r in rows)
    elif spec.fmt == "jsonl":
        with path.open("w", encoding="utf-8", newline="\n") as fh:
            fh.writelines(json.dumps(_nest(r), ensure_ascii=False) + "\n" for r in rows)
    elif spec.fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows), path)
    else:
        raise ValueError(f"unknown format {spec.fmt!r}")


def labels_of(specs: Sequence[Spec] = SPECS) -> dict[str, dict[str, list[str]]]:
    return {s.asset: {c.name: list(c.labels) for c in s.columns} for s in specs}


def generate(out_dir: Path, rows: int = 300, seed: int = 1,
             specs: Sequence[Spec] = SPECS) -> dict[str, dict[str, list[str]]]:
    """Write the corpus under ``out_dir`` and return its labels."""
    out_dir = Path(out_dir)
    files = out_dir / "files"
    files.mkdir(parents=True, exist_ok=True)
    db = out_dir / "corpus.db"
    db.unlink(missing_ok=True)
    con = sqlite3.connect(db)
    try:
        for spec in specs:
            data = _rows(spec, rows, seed)
            if spec.fmt == "sqlite":
                _write_sqlite(con, spec, data)
            else:
                _write_file(files / spec.asset, spec, data)
        con.commit()
    finally:
        con.close()
    labels = labels_of(specs)
    (out_dir / "labels.json").write_text(json.dumps(labels, indent=2, sort_keys=True) + "\n",
                                         encoding="utf-8")
    return labels


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate the labelled column corpus.")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--rows", type=int, default=300, help="rows per table/file")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    labels = generate(args.out_dir, args.rows, args.seed)
    columns = [v for cols in labels.values() for v in cols.values()]
    negatives = sum(1 for v in columns if not v)
    print(f"{len(labels)} assets, {len(columns)} labelled columns "
          f"({negatives} negative) in {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
