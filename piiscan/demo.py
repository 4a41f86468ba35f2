"""A small, deterministic demo estate: a shop database and a folder of exports, logs and notes.

Every value is fictional and drawn from reserved ranges so the demo carries nobody's
data: ``example.com``/``.org``/``.net`` mail domains, ``555-01xx`` US and Ofcom drama
(``020 7946 0xxx``) phone numbers, documentation IP ranges (RFC 5737, RFC 3849),
card numbers from public test BINs (Luhn-valid) and IBANs with valid check digits.
Only the standard library and pyarrow are used, so the demo needs no dev dependency;
the same seed gives the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from piiscan.checksums import iban_check_digits, luhn_check_digit

FIRST_NAMES = (
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Amelia",
    "Oliver",
    "Ava",
    "Elijah",
    "Sophia",
    "James",
    "Isla",
    "Lucas",
    "Mia",
    "Henry",
    "Freya",
    "Arjun",
    "Priya",
    "Mateo",
    "Lena",
    "Jonas",
    "Chloe",
    "Samuel",
    "Grace",
    "Daniel",
    "Zara",
    "Theo",
    "Nora",
    "Felix",
    "Ruby",
    "Omar",
    "Hannah",
    "Leo",
    "Aisha",
    "Ethan",
    "Clara",
    "Hugo",
    "Maya",
    "Isaac",
    "Elena",
    "Finn",
)
LAST_NAMES = (
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Wilson",
    "Taylor",
    "Anderson",
    "Thomas",
    "Moore",
    "Martin",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Hall",
    "Young",
    "King",
    "Wright",
    "Patel",
    "Khan",
    "Evans",
    "Hughes",
    "Becker",
    "Schmidt",
    "Fischer",
    "Weber",
    "Dubois",
    "Moreau",
    "Rossi",
    "Novak",
    "Silva",
    "Okafor",
    "Nakamura",
    "Kowalski",
)
STREETS = (
    "Maple Street",
    "Oak Avenue",
    "Cedar Lane",
    "Elm Road",
    "Willow Way",
    "Birch Close",
    "Station Road",
    "High Street",
    "Church Lane",
    "Mill Road",
    "Park Avenue",
    "Lake Drive",
    "Hillside Terrace",
    "Orchard Grove",
    "River View",
    "Chestnut Court",
)
US_CITIES = (
    ("Springfield", "IL"),
    ("Fairview", "OR"),
    ("Riverton", "WY"),
    ("Greenville", "SC"),
    ("Franklin", "TN"),
    ("Clinton", "IA"),
    ("Georgetown", "TX"),
    ("Salem", "MA"),
)
UK_CITIES = ("London", "Leeds", "Bristol", "Manchester", "Glasgow", "Cardiff", "York", "Bath")
UK_POSTCODE_AREAS = ("SW", "NW", "EC", "LS", "BS", "M", "G", "CF", "YO", "BA")
# (product name, category, base price, weight in grams). Some look like people's names.
PRODUCTS = (
    ("Walnut Desk Lamp", "Lighting", 79.0, 1800),
    ("Madison Armchair", "Furniture", 449.0, 21000),
    ("Jackson Table", "Furniture", 699.0, 38000),
    ("Harper Bookshelf", "Furniture", 289.0, 26000),
    ("Quinn Dining Chair", "Furniture", 129.0, 6500),
    ("Logan Bar Stool", "Furniture", 99.0, 5200),
    ("Ava Bedside Table", "Furniture", 159.0, 9000),
    ("Everett Sideboard", "Furniture", 849.0, 45000),
    ("Oslo Sofa", "Furniture", 1199.0, 62000),
    ("Brooklyn Floor Lamp", "Lighting", 139.0, 4200),
    ("Aurora Pendant Light", "Lighting", 119.0, 2100),
    ("Linen Throw Pillow", "Textiles", 29.0, 450),
    ("Nordic Wool Blanket", "Textiles", 89.0, 1300),
    ("Cotton Bath Towel", "Textiles", 19.0, 600),
    ("Ceramic Pour-Over Set", "Kitchen", 49.0, 900),
    ("Copper Kettle", "Kitchen", 69.0, 1400),
    ("Stoneware Mug", "Kitchen", 14.0, 380),
    ("Bamboo Cutting Board", "Kitchen", 24.0, 1100),
    ("Marble Coaster Set", "Kitchen", 34.0, 800),
    ("Sierra Hiking Backpack", "Outdoor", 119.0, 1500),
)
COLOURS = ("BLU", "GRN", "BLK", "WHT", "OAK")
JOB_TITLES = (
    "Store Manager",
    "Sales Associate",
    "Warehouse Operative",
    "Customer Service Advisor",
    "Data Analyst",
    "Software Engineer",
    "Buyer",
    "Marketing Coordinator",
    "HR Partner",
    "Finance Officer",
    "Logistics Planner",
    "Visual Merchandiser",
)
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4_1) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.6367.82 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.67",
)
EU_STREETS = {
    "DE": ("Lindenstraße", "Hauptstraße", "Gartenweg", "Schillerstraße"),
    "FR": ("rue des Lilas", "avenue Victor Hugo", "rue de la Paix", "place du Marché"),
}
EU_CITIES = {
    "DE": ("Berlin", "Hamburg", "Köln", "Leipzig"),
    "FR": ("Lyon", "Nantes", "Lille", "Bordeaux"),
}
MAIL_DOMAINS = ("example.com", "example.org", "example.net")
TEST_BINS = ("400000", "411111", "424242", "555555", "510510", "222300")
NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"
NINO_BANNED = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}
EPOCH = dt.datetime(2024, 1, 1, 8, 0, 0)


#: Files the demo breaks on purpose (relative to its files folder), and what they show.
PLANTED = {
    "broken/corrupt.parquet": "an unreadable file is an error for that file; the scan goes on",
    "broken/empty.csv": "an empty file is a note, not an error",
}

#: The demo's data is drawn from reserved test ranges on purpose; its scan counts them as
#: real (``ignore_reserved`` off) and says so.
RESERVED_NOTE = (
    "demo data is drawn from reserved test ranges (example.com, 555-01xx, test cards); "
    "counted as real here as with --no-default-allow-list"
)


@dataclass(frozen=True)
class DemoPaths:
    """Where :func:`build_demo` put things."""

    database: Path
    files: Path


# -- checksummed identifiers ---------------------------------------------------------
def card_number(rng: random.Random, length: int = 16) -> str:
    """A Luhn-valid card number from a public test BIN."""
    body = rng.choice(TEST_BINS) + "".join(rng.choice("0123456789") for _ in range(length - 7))
    return body + luhn_check_digit(body)


def iban(country: str, bban: str) -> str:
    """An IBAN for ``country`` and ``bban`` with its ISO 13616 mod-97 check digits."""
    return f"{country}{iban_check_digits(country, bban):02d}{bban}"


def demo_iban(rng: random.Random) -> str:
    """A GB or DE IBAN with valid check digits and a random account number."""
    if rng.random() < 0.5:
        return iban("GB", "WEST" + _digits(rng, 14))
    return iban("DE", "37040044" + _digits(rng, 10))


def nino(rng: random.Random) -> str:
    """A UK National Insurance number with a valid prefix, as ``AB 12 34 56 C``."""
    while True:
        prefix = rng.choice(NINO_FIRST) + rng.choice(NINO_SECOND)
        if prefix not in NINO_BANNED:
            break
    d = _digits(rng, 6)
    return f"{prefix} {d[:2]} {d[2:4]} {d[4:]} {rng.choice('ABCD')}"


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


# -- fictional contact details -------------------------------------------------------
def us_phone(rng: random.Random) -> str:
    return f"({rng.choice(('212', '312', '415', '503', '615', '713'))}) 555-01{_digits(rng, 2)}"


def uk_phone(rng: random.Random) -> str:
    return f"+44 20 7946 0{_digits(rng, 3)}"


def email_for(first: str, last: str, rng: random.Random, n: int) -> str:
    style = rng.randrange(3)
    local = (f"{first}.{last}", f"{first[0]}{last}", f"{first}{n}")[style].lower()
    return f"{local}@{rng.choice(MAIL_DOMAINS)}"


def doc_ipv4(rng: random.Random) -> str:
    return f"{rng.choice(('192.0.2', '198.51.100', '203.0.113'))}.{rng.randint(1, 254)}"


def doc_ipv6(rng: random.Random) -> str:
    return "2001:db8:" + ":".join(f"{rng.getrandbits(16):x}" for _ in range(6))


def uk_postcode(rng: random.Random) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return (
        f"{rng.choice(UK_POSTCODE_AREAS)}{rng.randint(1, 20)} "
        f"{rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
    )


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _when(rng: random.Random, days: int = 365) -> dt.datetime:
    return EPOCH + dt.timedelta(seconds=rng.randrange(days * 86400))


def _birth_date(rng: random.Random) -> str:
    return (dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 55))).isoformat()


# -- the database --------------------------------------------------------------------
SCHEMA = """
CREATE TABLE customers (
    customer_id INTEGER PRIMARY KEY, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
    email TEXT, phone TEXT, date_of_birth TEXT, gender TEXT, street_address TEXT, city TEXT,
    postcode TEXT, country TEXT, signup_ip TEXT, loyalty_tier TEXT);
CREATE TABLE product_catalog (
    sku TEXT PRIMARY KEY, product_name TEXT NOT NULL, category TEXT, price REAL,
    weight_grams INTEGER, stock INTEGER);
CREATE TABLE orders (
    order_id TEXT PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(customer_id),
    sku TEXT NOT NULL REFERENCES product_catalog(sku), item_name TEXT, quantity INTEGER,
    amount REAL, currency TEXT, tracking_number TEXT, ordered_at TEXT, card_number TEXT,
    card_last4 TEXT);
CREATE TABLE staff (
    employee_id INTEGER PRIMARY KEY, full_name TEXT NOT NULL, work_email TEXT, job_title TEXT,
    salary INTEGER, hire_date TEXT, national_insurance_number TEXT,
    manager_id INTEGER REFERENCES staff(employee_id));
CREATE TABLE web_events (
    event_id INTEGER PRIMARY KEY, session_cookie TEXT, device_id TEXT, user_agent TEXT,
    ip_address TEXT, latitude REAL, longitude REAL, page_url TEXT, event_type TEXT,
    occurred_at TEXT);
CREATE TABLE support_tickets (
    ticket_id INTEGER PRIMARY KEY,
    customer_id INTEGER REFERENCES customers(customer_id), subject TEXT, body TEXT,
    created_at TEXT);
"""

N_CUSTOMERS, N_ORDERS, N_STAFF, N_EVENTS, N_TICKETS = 200, 500, 40, 1000, 100


def _customers(rng: random.Random) -> list[tuple[Any, ...]]:
    rows = []
    for cid in range(1, N_CUSTOMERS + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        street = f"{rng.randint(1, 299)} {rng.choice(STREETS)}"
        if rng.random() < 0.6:
            city, state = rng.choice(US_CITIES)
            place, postcode, country, phone = (
                f"{city}, {state}",
                _digits(rng, 5),
                "US",
                us_phone(rng),
            )
        else:
            place, postcode, country, phone = (
                rng.choice(UK_CITIES),
                uk_postcode(rng),
                "GB",
                uk_phone(rng),
            )
        rows.append(
            (
                cid,
                first,
                last,
                email_for(first, last, rng, cid),
                phone,
                _birth_date(rng),
                rng.choice(("female", "male", "female", "male", "non-binary")),
                street,
                place,
                postcode,
                country,
                doc_ipv4(rng),
                rng.choice(("bronze", "silver", "gold")),
            )
        )
    return rows


def _catalog(rng: random.Random) -> list[tuple[Any, ...]]:
    rows = []
    for i, (name, category, price, grams) in enumerate(PRODUCTS):
        for colour in rng.sample(COLOURS, 2):
            rows.append(
                (
                    f"SKU-{10000 + i * 3917 % 90000:05d}-{colour}",
                    name,
                    category,
                    price,
                    grams,
                    rng.randint(0, 400),
                )
            )
    return rows


def _orders(rng: random.Random, catalog: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    rows = []
    alnum = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    for n in range(1, N_ORDERS + 1):
        sku, name, _, price, _, _ = rng.choice(catalog)
        qty = rng.choice((1, 1, 1, 2, 3))
        card = card_number(rng)
        rows.append(
            (
                f"ORD-{n:06d}",
                rng.randint(1, N_CUSTOMERS),
                sku,
                name,
                qty,
                round(price * qty, 2),
                rng.choice(("USD", "GBP")),
                "1Z" + "".join(rng.choice(alnum) for _ in range(16)),
                _when(rng).isoformat(sep=" "),
                card,
                card[-4:],
            )
        )
    return rows


def _staff(rng: random.Random) -> list[tuple[Any, ...]]:
    rows = []
    for eid in range(1, N_STAFF + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        manager = None if eid <= 3 else rng.randint(1, min(eid - 1, 10))
        hired = dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(4000))
        rows.append(
            (
                eid,
                f"{first} {last}",
                f"{first}.{last}@example.org".lower(),
                rng.choice(JOB_TITLES),
                rng.randrange(24000, 120000, 500),
                hired.isoformat(),
                nino(rng),
                manager,
            )
        )
    return rows


def _events(rng: random.Random) -> list[tuple[Any, ...]]:
    centres = ((40.7128, -74.0060), (51.5072, -0.1276), (37.7749, -122.4194), (53.4808, -2.2426))
    sessions = [
        (
            f"{rng.getrandbits(128):032x}",
            _uuid(rng),
            rng.choice(USER_AGENTS),
            doc_ipv4(rng) if rng.random() < 0.75 else doc_ipv6(rng),
            rng.choice(centres),
        )
        for _ in range(150)
    ]
    pages = ("/", "/cart", "/checkout", "/account", "/search?q=lamp", "/products/")
    rows = []
    for eid in range(1, N_EVENTS + 1):
        cookie, device, agent, ip, (lat, lon) = rng.choice(sessions)
        places = rng.choice((4, 5, 6))
        page = rng.choice(pages)
        if page == "/products/":
            page += f"{rng.randint(10000, 99999)}"
        rows.append(
            (
                eid,
                cookie,
                device,
                agent,
                ip,
                round(lat + rng.uniform(-0.05, 0.05), places),
                round(lon + rng.uniform(-0.05, 0.05), places),
                "https://shop.example.com" + page,
                rng.choice(("page_view", "page_view", "add_to_cart", "search", "login")),
                _when(rng).isoformat(sep=" "),
            )
        )
    return rows


def _ticket_text(rng: random.Random, customer: tuple[Any, ...]) -> tuple[str, str]:
    first, last, email, phone = customer[1], customer[2], customer[3], customer[4]
    kind = rng.randrange(5)
    if kind == 0:
        return (
            "Refund request",
            f"Hi, this is {first} {last}. I was charged twice for my "
            f"order, please refund the card ending {card_number(rng)[-4:]}.",
        )
    if kind == 1:
        return (
            "Change of address",
            f"Please update my details. You can reach me on {phone} or at {email}. Thanks, {first}",
        )
    if kind == 2:
        card = card_number(rng)
        spaced = " ".join(card[i : i + 4] for i in range(0, 16, 4))
        return (
            "Payment failed",
            f"My payment keeps failing with card {spaced}, "
            f"can someone call me back? {first} {last}",
        )
    if kind == 3:
        return (
            "Delivery question",
            "When will the Madison Armchair be back in stock? The website says two weeks.",
        )
    return (
        "Damaged item",
        f"The Walnut Desk Lamp arrived with a cracked base. "
        f"Send the replacement to {first} {last}, {customer[7]}, {customer[8]}.",
    )


def _tickets(rng: random.Random, customers: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    rows = []
    for tid in range(1, N_TICKETS + 1):
        customer = rng.choice(customers)
        subject, body = _ticket_text(rng, customer)
        rows.append((tid, customer[0], subject, body, _when(rng).isoformat(sep=" ")))
    return rows


def _write_db(path: Path, tables: dict[str, list[tuple[Any, ...]]]) -> None:
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA foreign_keys = ON")
        con.executescript(SCHEMA)
        for table, rows in tables.items():
            marks = ",".join("?" * len(rows[0]))
            con.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        con.commit()
    finally:
        con.close()


# -- the files -----------------------------------------------------------------------
def _write_files(
    root: Path,
    rng: random.Random,
    customers: list[tuple[Any, ...]],
    staff: list[tuple[Any, ...]],
    catalog: list[tuple[Any, ...]],
) -> None:
    for sub in ("exports", "logs", "notes", "hr", "broken"):
        (root / sub).mkdir(parents=True, exist_ok=True)

    with (root / "exports/newsletter_subscribers.csv").open(
        "w", newline="", encoding="utf-8"
    ) as fh:
        out = csv.writer(fh, delimiter=";", lineterminator="\n")
        out.writerow(["email", "first name", "country", "consent date"])
        for c in rng.sample(customers, 60):
            out.writerow([c[3], c[1], c[10], _when(rng).date().isoformat()])

    with (root / "exports/customers_eu.jsonl").open("w", encoding="utf-8", newline="\n") as fh:
        for n in range(1, 51):
            fh.write(json.dumps(_eu_customer(rng, n), ensure_ascii=False) + "\n")

    _write_sales(root / "exports/daily_sales.parquet", rng, catalog)

    with (root / "logs/app.log").open("w", encoding="utf-8", newline="\n") as fh:
        for _ in range(120):
            c = rng.choice(customers)
            stamp = _when(rng, 30).isoformat(sep=" ")
            line = rng.choice(
                (
                    f"{stamp} INFO  auth: login ok user={c[3]} ip={c[11]}",
                    f"{stamp} WARN  auth: failed login for {c[3]} from {doc_ipv4(rng)}",
                    f"{stamp} INFO  cart: session {rng.getrandbits(64):016x} added 1 item",
                    f"{stamp} DEBUG cache: hit ratio {rng.random():.2f}",
                    f"{stamp} ERROR payment: gateway timeout after {rng.randint(3, 30)}s",
                )
            )
            fh.write(line + "\n")

    (root / "notes/support_notes.md").write_text(_notes(rng, customers), encoding="utf-8")

    payroll = []
    for s in staff[:25]:
        payroll.append(
            {
                "employee_id": s[0],
                "name": s[1],
                "date_of_birth": _birth_date(rng),
                "salary": {"annual": s[4], "currency": "GBP"},
                "bank": {"iban": demo_iban(rng), "holder": s[1]},
            }
        )
    (root / "hr/payroll.json").write_text(json.dumps(payroll, indent=2) + "\n", encoding="utf-8")

    # PLANTED: one unreadable file and one empty file, on purpose
    (root / "broken/corrupt.parquet").write_text("this is not a parquet file\n", encoding="utf-8")
    (root / "broken/empty.csv").write_bytes(b"")


def _eu_customer(rng: random.Random, n: int) -> dict[str, Any]:
    """A German or French customer: drama-range phones (030 23125, 01 99 00)."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    if rng.random() < 0.5:
        street = f"{rng.choice(EU_STREETS['DE'])} {rng.randint(1, 120)}"
        city, postcode = rng.choice(EU_CITIES["DE"]), _digits(rng, 5)
        phone = f"+49 30 23125 {_digits(rng, 3)}"
    else:
        street = f"{rng.randint(1, 120)} {rng.choice(EU_STREETS['FR'])}"
        city, postcode = rng.choice(EU_CITIES["FR"]), _digits(rng, 5)
        phone = f"+33 1 99 00 {_digits(rng, 2)} {_digits(rng, 2)}"
    return {
        "id": 5000 + n,
        "name": f"{first} {last}",
        "contact": {"email": email_for(first, last, rng, 5000 + n), "phone": phone},
        "address": {"street": street, "city": city, "postcode": postcode},
    }


def _write_sales(path: Path, rng: random.Random, catalog: list[tuple[Any, ...]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    dates, skus, units, revenue = [], [], [], []
    for day in range(60):
        date = EPOCH.date() + dt.timedelta(days=day)
        for sku, _, _, price, _, _ in rng.sample(catalog, 5):
            n = rng.randint(1, 25)
            dates.append(date)
            skus.append(sku)
            units.append(n)
            revenue.append(round(n * price, 2))
    table = pa.table(
        {
            "date": pa.array(dates, pa.date32()),
            "sku": skus,
            "units": pa.array(units, pa.int32()),
            "revenue": revenue,
        }
    )
    pq.write_table(table, path)


def _notes(rng: random.Random, customers: list[tuple[Any, ...]]) -> str:
    picks = rng.sample(customers, 4)
    a, b, c, d = picks
    return "\n".join(
        [
            "# Support team notes",
            "",
            "## Week 12",
            "",
            f"{a[1]} {a[2]} called about a late delivery; asked us to ring back on {a[4]}.",
            "Escalated to the courier, tracking shows the parcel at the depot.",
            "",
            f"{b[1]} {b[2]} moved house. New address: {b[7]}, {b[8]} {b[9]}. "
            f"Confirmation sent to {b[3]}.",
            "",
            "## Week 13",
            "",
            "Stock of the Jackson Table is low again; the supplier promised a restock by Friday.",
            f"Reminder: {c[1]} from the warehouse team covers the phones on Tuesday.",
            "",
            f"Complaint from {d[1]} {d[2]} ({d[3]}, {d[4]}) about a damaged Oslo Sofa; "
            "refund approved.",
            "",
        ]
    )


def build_demo(target_dir: Path, seed: int = 7) -> DemoPaths:
    """Create ``shop.db`` and ``files/`` under ``target_dir``; same seed, same content."""
    target_dir = Path(target_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    customers = _customers(rng)
    catalog = _catalog(rng)
    orders = _orders(rng, catalog)
    staff = _staff(rng)
    events = _events(rng)
    tickets = _tickets(rng, customers)
    database = target_dir / "shop.db"
    _write_db(
        database,
        {
            "customers": customers,
            "product_catalog": catalog,
            "orders": orders,
            "staff": staff,
            "web_events": events,
            "support_tickets": tickets,
        },
    )
    files = target_dir / "files"
    _write_files(files, rng, customers, staff, catalog)
    return DemoPaths(database=database, files=files)


if __name__ == "__main__":  # python -m piiscan.demo DIR [SEED]
    import sys

    paths = build_demo(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 7)
    print(f"{paths.database}\n{paths.files}")
