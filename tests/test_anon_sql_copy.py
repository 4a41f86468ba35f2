"""copy_database: SQLite ↔ SQLite/PostgreSQL copies keep tables, keys, types and counts."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import sqlite3
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
import sqlalchemy as sa
from postgres import TempPostgres

from piiscan.anonymize.contracts import CopyReport
from piiscan.anonymize.sql_copy import copy_database
from piiscan.errors import SourceError, UsageError

ODD_TABLE = 'odd "table"; name'
ODD_COLUMN = 'e-mail; "x"'


class KeyedTransformer:
    """Upper-cases chosen string columns and replaces chosen integer columns by a keyed
    function (HMAC), so equal ids stay equal across tables and joins survive."""

    def __init__(self, rules: dict[str, dict[str, str]], key: bytes = b"k") -> None:
        self.rules = rules
        self.key = key
        self.seen: dict[str, pa.Schema] = {}

    def keyed(self, value: int) -> int:
        digest = hmac.new(self.key, str(value).encode(), hashlib.sha256).digest()
        return int.from_bytes(digest[:4], "big") >> 1  # fits a 32-bit INTEGER

    def batch(self, asset: str, batch: pa.RecordBatch) -> pa.RecordBatch:
        self.seen.setdefault(asset, batch.schema)
        columns = []
        for name, column in zip(batch.schema.names, batch.columns, strict=True):
            rule = self.rules.get(asset, {}).get(name)
            if rule == "upper":
                column = pc.utf8_upper(column)
            elif rule == "key":
                column = pa.array(
                    [None if v is None else self.keyed(v) for v in column.to_pylist()], pa.int64()
                )
            columns.append(column)
        return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)

    def value(self, asset: str, field: str, value: Any) -> Any:
        return value

    def text(self, asset: str, text: str) -> str:
        return text.upper()


RULES = {
    "customers": {"id": "key", "name": "upper", "email": "upper"},
    "orders": {"id": "key", "customer_id": "key"},
    "order_lines": {"order_id": "key"},
    "employees": {"id": "key", "manager_id": "key", "name": "upper", "dept_id": "key"},
    "departments": {"id": "key", "head_id": "key"},  # a cycle with employees
    ODD_TABLE: {ODD_COLUMN: "upper"},
}

SCHEMA = f"""
CREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, email TEXT UNIQUE,
    born DATE, balance DECIMAL(10, 2), photo BLOB, created DATETIME, active BOOLEAN,
    score REAL);
CREATE INDEX ix_customers_name ON customers (name);
CREATE TABLE orders (id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id), total NUMERIC(12, 2));
CREATE TABLE order_lines (order_id INTEGER NOT NULL REFERENCES orders (id),
    line_no INTEGER NOT NULL, sku TEXT, qty INTEGER, PRIMARY KEY (order_id, line_no));
CREATE TABLE employees (id INTEGER PRIMARY KEY, name TEXT,
    manager_id INTEGER REFERENCES employees (id), dept_id INTEGER REFERENCES departments (id));
CREATE TABLE departments (id INTEGER PRIMARY KEY, head_id INTEGER REFERENCES employees (id));
CREATE TABLE "{ODD_TABLE.replace('"', '""')}" ("the id" INTEGER PRIMARY KEY,
    "{ODD_COLUMN.replace('"', '""')}" TEXT);
CREATE VIEW customer_names AS SELECT id, name FROM customers;
"""
COUNTS = {
    "customers": 250,
    "orders": 600,
    "order_lines": 1200,
    "employees": 30,
    "departments": 5,
    ODD_TABLE: 5,
}
JOIN = "SELECT count(*) FROM orders o JOIN customers c ON o.customer_id = c.id"


def build_source(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.executescript(SCHEMA)
        conn.executemany(
            "INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    i,
                    f"name {i}",
                    None if i % 10 == 0 else f"u{i}@example.org",
                    None if i % 7 == 0 else f"19{50 + i % 50}-0{1 + i % 9}-1{i % 10}",
                    None if i % 11 == 0 else f"{i * 3}.{i % 100:02d}",
                    None if i % 5 == 0 else bytes([i % 256, 0, 255]),
                    f"2024-01-0{1 + i % 9} 10:{i % 60:02d}:00.000000",
                    i % 2,
                    i / 8,
                )
                for i in range(1, 251)
            ],
        )
        conn.executemany(
            "INSERT INTO orders VALUES (?, ?, ?)",
            [(i, 1 + i % 200, f"{i}.50") for i in range(1, 601)],
        )
        conn.executemany(
            "INSERT INTO order_lines VALUES (?, ?, ?, ?)",
            [(1 + i // 2, i % 2, f"SKU{i}", i) for i in range(1200)],
        )
        # forward references: employee 1 is managed by 30, who comes later
        conn.executemany(
            "INSERT INTO employees VALUES (?, ?, ?, ?)",
            [(i, f"emp {i}", 30 if i < 30 else None, 1 + i % 5) for i in range(1, 31)],
        )
        conn.executemany("INSERT INTO departments VALUES (?, ?)", [(i, i) for i in range(1, 6)])
        conn.executemany(
            f'INSERT INTO "{ODD_TABLE.replace(chr(34), 2 * chr(34))}" VALUES (?, ?)',
            [(i, None if i == 3 else f"x{i}") for i in range(1, 6)],
        )
    conn.close()
    return path


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return build_source(tmp_path / "source.db")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def url(path: Path) -> str:
    return f"sqlite:///{path}"


def describe(engine_url: str, schema: str | None = None) -> dict[str, Any]:
    """Tables, columns (name, type, nullable), keys and indexes as plain data."""
    engine = sa.create_engine(engine_url)
    inspector = sa.inspect(engine)
    out = {}
    for table in inspector.get_table_names(schema=schema):
        out[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"])
                for c in inspector.get_columns(table, schema=schema)
            ],
            "pk": inspector.get_pk_constraint(table, schema=schema)["constrained_columns"],
            "fks": sorted(
                (f["referred_table"], tuple(f["constrained_columns"]), tuple(f["referred_columns"]))
                for f in inspector.get_foreign_keys(table, schema=schema)
            ),
            "unique": sorted(
                tuple(u["column_names"])
                for u in inspector.get_unique_constraints(table, schema=schema)
            ),
            "indexes": sorted(
                tuple(i["column_names"])
                for i in inspector.get_indexes(table, schema=schema)
                if not i.get("duplicates_constraint")
            ),
        }
    engine.dispose()
    return out


def scalar(engine_url: str, sql: str) -> Any:
    engine = sa.create_engine(engine_url)
    with engine.connect() as conn:
        value = conn.execute(sa.text(sql)).scalar()
    engine.dispose()
    return value


def statuses(report: CopyReport) -> dict[str, tuple[str, int, int]]:
    return {a.asset: (a.status, a.rows_in, a.rows_out) for a in report.assets}


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if ".tmp-" in p.name)


# -- SQLite → SQLite -----------------------------------------------------------------------
def test_sqlite_copy_keeps_schema_counts_joins_and_types(source: Path, tmp_path: Path) -> None:
    before = sha(source)
    target = tmp_path / "out" / "copy.db"
    target.parent.mkdir()
    transformer = KeyedTransformer(RULES)
    progress: list[tuple[str, int]] = []
    report = copy_database(
        url(source),
        url(target),
        transformer,
        batch_rows=100,
        on_progress=lambda a, n: progress.append((a, n)),
    )

    assert sha(source) == before
    assert describe(url(target)) == describe(url(source))
    assert statuses(report) == {
        **{t: ("copied", n, n) for t, n in COUNTS.items()},
        "customer_names": ("skipped", 0, 0),
    }
    assert not report.failed
    assert scalar(url(target), JOIN) == scalar(url(source), JOIN) == 600
    for check in (
        "SELECT count(*) FROM employees e JOIN employees m ON e.manager_id = m.id",
        "SELECT count(*) FROM employees e JOIN departments d ON e.dept_id = d.id",
        "SELECT count(*) FROM departments d JOIN employees e ON d.head_id = e.id",
    ):
        assert scalar(url(target), check) == scalar(url(source), check) > 0
    assert [n for a, n in progress if a == "customers"] == [100, 200, 250]
    # parents before children
    order = [a.asset for a in report.assets]
    assert order.index("customers") < order.index("orders") < order.index("order_lines")

    seen = transformer.seen["customers"]
    assert {f.name: f.type for f in seen} == {
        "id": pa.int64(),
        "name": pa.string(),
        "email": pa.string(),
        "born": pa.date32(),
        "balance": pa.decimal128(10, 2),
        "photo": pa.binary(),
        "created": pa.timestamp("us"),
        "active": pa.bool_(),
        "score": pa.float64(),
    }

    def rows(path: Path) -> list[tuple[Any, ...]]:
        engine = sa.create_engine(url(path))
        table = sa.Table("customers", sa.MetaData(), autoload_with=engine)
        with engine.connect() as conn:
            got = sorted(
                tuple(r)
                for r in conn.execute(
                    sa.select(
                        table.c.name,
                        table.c.born,
                        table.c.balance,
                        table.c.photo,
                        table.c.created,
                        table.c.active,
                        table.c.score,
                    )
                )
            )
        engine.dispose()
        return got

    expected = sorted((n.upper(), *rest) for n, *rest in rows(source))
    assert rows(target) == expected
    assert expected[0][1] is None or isinstance(expected[0][1], dt.date)
    assert any(isinstance(r[2], Decimal) for r in expected)
    assert scalar(url(target), "SELECT count(*) FROM customers WHERE photo IS NULL") == 50
    assert scalar(url(target), "SELECT min(id) FROM customers") > 250  # keyed ids
    assert leftovers(target.parent) == []


@pytest.mark.parametrize("spelling", ["same", "dotted", "symlink"])
def test_target_equal_to_source_is_refused(source: Path, tmp_path: Path, spelling: str) -> None:
    before = sha(source)
    target = {
        "same": source,
        "dotted": tmp_path / "x" / ".." / source.name,
        "symlink": tmp_path / "link.db",
    }[spelling]
    if spelling == "symlink":
        target.symlink_to(source)
    with pytest.raises(UsageError, match="is the source"):
        copy_database(url(source), url(target), KeyedTransformer({}), overwrite=True)
    assert sha(source) == before


def test_existing_target_needs_overwrite(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    target.write_bytes(b"old")
    with pytest.raises(UsageError, match="already exists"):
        copy_database(url(source), url(target), KeyedTransformer({}))
    assert target.read_bytes() == b"old"
    report = copy_database(url(source), url(target), KeyedTransformer({}), overwrite=True)
    assert not report.failed
    assert scalar(url(target), "SELECT count(*) FROM order_lines") == 1200


@pytest.mark.parametrize("bad", ["", "sqlite://", "sqlite:///:memory:", "nope://x"])
def test_bad_urls_are_usage_errors(source: Path, bad: str) -> None:
    with pytest.raises(UsageError):
        copy_database(url(source), bad, KeyedTransformer({}))


class Interrupting(KeyedTransformer):
    """Raises ``error`` on the third batch it is given."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(RULES)
        self.error = error
        self.calls = 0

    def batch(self, asset: str, batch: pa.RecordBatch) -> pa.RecordBatch:
        self.calls += 1
        if self.calls == 3:
            raise self.error
        return super().batch(asset, batch)


@pytest.mark.parametrize("error", [KeyboardInterrupt(), UsageError("no key configured")])
@pytest.mark.parametrize("existing", [False, True])
def test_interrupted_copy_leaves_no_target(
    source: Path, tmp_path: Path, error: BaseException, existing: bool
) -> None:
    before = sha(source)
    target = tmp_path / "copy.db"
    if existing:
        target.write_bytes(b"previous copy")
    with pytest.raises(type(error)):
        copy_database(url(source), url(target), Interrupting(error), batch_rows=100, overwrite=True)
    assert (target.read_bytes() == b"previous copy") if existing else not target.exists()
    assert leftovers(tmp_path) == []
    assert sha(source) == before


class Picky(KeyedTransformer):
    """Rejects any batch holding a customer whose id is a multiple of 50."""

    def batch(self, asset: str, batch: pa.RecordBatch) -> pa.RecordBatch:
        if asset == "customers" and any(v % 50 == 0 for v in batch.column("id").to_pylist()):
            raise ValueError("cannot transform u50@example.org")
        return super().batch(asset, batch)


def test_failing_rows_are_located_not_dropped(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    rules = {**RULES, "employees": {"id": "constant"}}  # every employee id → 7: duplicates

    class Constant(Picky):
        def batch(self, asset: str, batch: pa.RecordBatch) -> pa.RecordBatch:
            batch = super().batch(asset, batch)
            if asset != "employees":
                return batch
            return batch.set_column(0, "id", pa.array([7] * batch.num_rows, pa.int64()))

    report = copy_database(url(source), url(target), Constant(rules), batch_rows=64)
    by_asset = {a.asset: a for a in report.assets}
    customers, employees = by_asset["customers"], by_asset["employees"]
    assert (customers.status, customers.rows_in, customers.rows_out) == ("failed", 250, 245)
    assert customers.reason == "5 row(s) not copied"
    assert [n for n in customers.notes if n.startswith("row ")] == [
        f"row {i} (primary-key order): transform failed (ValueError)"
        for i in (50, 100, 150, 200, 250)
    ]
    assert (employees.status, employees.rows_out) == ("failed", 1)
    assert "row 2 (primary-key order): insert failed (IntegrityError)" in employees.notes
    assert "... and 9 more row(s)" in employees.notes
    assert (
        "5 row(s) violate a foreign key in the target"
        in next(a for a in report.assets if a.asset == "departments").notes
    )
    assert not any("example.org" in n for a in report.assets for n in a.notes)
    assert {a.asset for a in report.failed} == {"customers", "employees"}
    assert scalar(url(target), "SELECT count(*) FROM orders") == 600


def test_include_exclude(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    report = copy_database(
        url(source), url(target), KeyedTransformer({}), exclude=["employees", "odd*"]
    )
    got = statuses(report)
    assert got["employees"] == ("skipped", 0, 0) and got[ODD_TABLE][0] == "skipped"
    assert set(describe(url(target))) == {"customers", "orders", "order_lines", "departments"}
    assert (
        "foreign key to employees not copied (table not copied)"
        in next(a for a in report.assets if a.asset == "departments").notes
    )
    report = copy_database(
        url(source), url(target), KeyedTransformer({}), overwrite=True, include=["orders"]
    )
    assert set(describe(url(target))) == {"orders"}
    assert (
        "foreign key to customers not copied (table not copied)"
        in next(a for a in report.assets if a.asset == "orders").notes
    )


ODDITIES = """
CREATE TABLE untyped (x, y);
INSERT INTO untyped VALUES (1, 'one'), (2, NULL), (3, 'three');
CREATE TABLE dangling (id INTEGER PRIMARY KEY, ghost_id INTEGER REFERENCES ghost (id));
INSERT INTO dangling VALUES (1, 5);
CREATE TABLE loose (id INTEGER PRIMARY KEY, n INTEGER, d DATE);
INSERT INTO loose VALUES (1, 'abc', '2020-01-01'), (2, 5, NULL);
CREATE TABLE empty (id INTEGER PRIMARY KEY);
CREATE TABLE generated (id INTEGER PRIMARY KEY, a INT CHECK (a > 0),
    b INT GENERATED ALWAYS AS (a * 2) STORED);
INSERT INTO generated (id, a) VALUES (1, 2);
CREATE TABLE keyed (k TEXT PRIMARY KEY, v INT) WITHOUT ROWID;
INSERT INTO keyed VALUES ('a', 1);
"""


def test_sqlite_oddities_are_copied_and_noted(
    tmp_sqlite: Callable[[str], Path], tmp_path: Path
) -> None:
    source, target = tmp_sqlite(ODDITIES), tmp_path / "copy.db"
    report = copy_database(url(source), url(target), KeyedTransformer({}))
    assert statuses(report) == {
        "untyped": ("copied", 3, 3),
        "dangling": ("copied", 1, 1),
        "loose": ("copied", 2, 2),
        "empty": ("copied", 0, 0),
        "generated": ("copied", 1, 1),
        "keyed": ("copied", 1, 1),
    }
    notes = {a.asset: a.notes for a in report.assets}
    assert notes["dangling"] == ["foreign key to ghost not copied (table not copied)"]
    assert notes["loose"] == [
        "values of unexpected types passed as inferred or text Arrow columns: n"
    ]
    assert notes["generated"] == ["column defaults not copied: b"]
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT x, typeof(x), y FROM untyped ORDER BY x").fetchall() == [
            (1, "integer", "one"),
            (2, "integer", None),
            (3, "integer", "three"),
        ]
        assert conn.execute("SELECT n, typeof(n) FROM loose ORDER BY id").fetchall() == [
            ("abc", "text"),
            (5, "integer"),
        ]
        assert conn.execute("SELECT a, b FROM generated").fetchall() == [(2, 4)]
        with pytest.raises(sqlite3.IntegrityError):  # the check constraint came along
            conn.execute("INSERT INTO generated (id, a, b) VALUES (2, -1, 0)")
    conn.close()


def test_unparseable_stored_values_are_copied_as_stored(
    tmp_sqlite: Callable[[str], Path], tmp_path: Path
) -> None:
    source = tmp_sqlite(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, born DATE, amount DECIMAL(10, 2));"
        "INSERT INTO t VALUES (1, '1990-05-01', 1.5), (2, 'jane 1990', 2.5), (3, NULL, NULL);"
    )
    target = tmp_path / "copy.db"
    report = copy_database(url(source), url(target), KeyedTransformer({}), batch_rows=1)
    (copied,) = report.assets
    assert (copied.status, copied.rows_in, copied.rows_out) == ("copied", 3, 3)
    assert copied.notes[0].startswith("values that do not parse as their declared type")
    assert not any("jane" in n for n in copied.notes)
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT born, amount FROM t ORDER BY id").fetchall() == [
            ("1990-05-01", 1.5),
            ("jane 1990", 2.5),
            (None, None),
        ]
    conn.close()


class Retyping(KeyedTransformer):
    """Puts a word into the decimal column of the first row (the target cannot take it)."""

    def batch(self, asset: str, batch: pa.RecordBatch) -> pa.RecordBatch:
        ids = batch.column("id").to_pylist()
        words = pa.array(["secret-word" if i == 1 else "2.5" for i in ids], pa.string())
        return batch.set_column(batch.schema.get_field_index("balance"), "balance", words)


def test_values_the_target_rejects_are_located_without_values(source: Path, tmp_path: Path) -> None:
    target = tmp_path / "copy.db"
    report = copy_database(url(source), url(target), Retyping({}), include=["customers"])
    (customers,) = [a for a in report.assets if a.asset == "customers"]
    assert (customers.status, customers.rows_out) == ("failed", 249)
    assert customers.notes == [
        "column 'photo': 200 short binary value(s) (keys or hashes) copied unexamined",
        "row 1 (primary-key order): insert failed (StatementError)"]


# -- PostgreSQL ---------------------------------------------------------------------------
PG_SCHEMA = """
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, born date,
    balance numeric(10, 2), profile jsonb, tags text[], uid uuid, ip inet,
    created timestamptz, feeling mood, photo bytea);
CREATE UNIQUE INDEX customers_uid ON customers (uid);
INSERT INTO customers (name, born, balance, profile, tags, uid, ip, created, feeling, photo)
SELECT 'Name ' || i, DATE '1980-01-01' + i, i * 1.25,
       jsonb_build_object('email', 'u' || i || '@example.org', 'n', i),
       ARRAY['a', 'b' || i], md5(i::text)::uuid, '10.0.0.1'::inet,
       TIMESTAMPTZ '2024-01-01 12:00:00+02' + i * INTERVAL '1 hour',
       CASE WHEN i % 2 = 0 THEN 'happy'::mood ELSE 'sad'::mood END,
       CASE WHEN i % 3 = 0 THEN NULL ELSE decode('00ff', 'hex') END
FROM generate_series(1, 300) AS i;
CREATE VIEW customer_names AS SELECT id, name FROM customers;
CREATE SCHEMA crm;
CREATE TABLE crm.leads (id integer PRIMARY KEY, customer_id integer REFERENCES customers (id),
    email varchar(200));
INSERT INTO crm.leads SELECT i, 1 + i % 300, 'lead' || i || '@example.com'
FROM generate_series(1, 1000) AS i;
"""
PG_RULES = {
    "customers": {"id": "key", "name": "upper"},
    "crm.leads": {"customer_id": "key", "email": "upper"},
}


@pytest.mark.postgres
def test_postgres_to_sqlite(pg_database: Callable[[str], str], tmp_path: Path) -> None:
    source = pg_database(PG_SCHEMA)
    target = tmp_path / "copy.db"
    transformer = KeyedTransformer(PG_RULES)
    report = copy_database(source, url(target), transformer, batch_rows=128)

    assert statuses(report) == {
        "customers": ("copied", 300, 300),
        "crm.leads": ("copied", 1000, 1000),
        "customer_names": ("skipped", 0, 0),
    }
    assert set(transformer.seen) == {"customers", "crm.leads"}
    notes = {a.asset: a.notes for a in report.assets}
    assert "written as table 'crm__leads' (the target has no schemas)" in notes["crm.leads"]
    assert "column 'ip': type INET → TEXT" in notes["customers"]
    assert "column 'tags': type TEXT[] → JSON" in notes["customers"]
    assert "column defaults not copied: id" in notes["customers"]

    shape = describe(url(target))
    assert set(shape) == {"customers", "crm__leads"}
    assert shape["crm__leads"]["fks"] == [("customers", ("customer_id",), ("id",))]
    assert shape["customers"]["pk"] == ["id"]
    assert ("uid",) in shape["customers"]["indexes"]
    types = {c: t for c, t, _ in shape["customers"]["columns"]}
    assert types["balance"] == "NUMERIC(10, 2)" and types["born"] == "DATE"
    assert types["photo"] == "BLOB" and types["profile"] == "JSON"
    assert (
        scalar(
            url(target),
            "SELECT count(*) FROM crm__leads l JOIN customers c ON l.customer_id = c.id",
        )
        == 1000
    )

    engine = sa.create_engine(url(target))
    table = sa.Table("customers", sa.MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        row = conn.execute(sa.select(table).where(table.c.name == "NAME 4")).one()
    engine.dispose()
    assert row.profile == {"email": "u4@example.org", "n": 4}
    assert json.loads(scalar(url(target), "SELECT tags FROM customers WHERE name = 'NAME 4'")) == [
        "a",
        "b4",
    ]
    assert row.born == dt.date(1980, 1, 5) and row.balance == Decimal("5.00")
    assert row.feeling == "happy" and row.photo == b"\x00\xff" and row.ip == "10.0.0.1"
    assert row.created == dt.datetime(2024, 1, 1, 14, 0)  # UTC wall time


@pytest.mark.postgres
def test_sqlite_to_postgres(source: Path, pg_database: Callable[[str], str]) -> None:
    target = pg_database()
    report = copy_database(url(source), target, KeyedTransformer(RULES), batch_rows=100)
    assert statuses(report) == {
        **{t: ("copied", n, n) for t, n in COUNTS.items()},
        "customer_names": ("skipped", 0, 0),
    }
    shape, original = describe(target), describe(url(source))
    assert set(shape) == set(COUNTS)
    for table, parts in original.items():
        for part in ("pk", "fks", "unique", "indexes"):
            assert shape[table][part] == parts[part], (table, part)
        # primary-key columns are NOT NULL on PostgreSQL whatever SQLite declared
        assert [(c, n or c in parts["pk"]) for c, _, n in shape[table]["columns"]] == [
            (c, n or c in parts["pk"]) for c, _, n in parts["columns"]
        ]
    types = {c: t for c, t, _ in shape["customers"]["columns"]}
    assert types == {
        "id": "INTEGER",
        "name": "VARCHAR(100)",
        "email": "TEXT",
        "born": "DATE",
        "balance": "NUMERIC(10, 2)",
        "photo": "BYTEA",
        "created": "TIMESTAMP",
        "active": "BOOLEAN",
        "score": "DOUBLE PRECISION",
    }  # SQLite REAL is 8 bytes
    assert scalar(target, JOIN) == 600
    with sqlite3.connect(source) as conn:
        balances = conn.execute(
            "SELECT CAST(balance AS TEXT) FROM customers WHERE balance IS NOT NULL"
        ).fetchall()
    conn.close()
    assert scalar(target, "SELECT sum(balance) FROM customers") == sum(
        Decimal(b) for (b,) in balances
    )


@pytest.mark.postgres
def test_postgres_to_postgres_keeps_exact_types(pg_database: Callable[[str], str]) -> None:
    source, target = pg_database(PG_SCHEMA), pg_database()
    report = copy_database(source, target, KeyedTransformer(PG_RULES))
    assert not report.failed
    assert describe(target) == describe(source)
    assert describe(target, "crm") == describe(source, "crm")
    assert (
        scalar(target, "SELECT count(*) FROM crm.leads l JOIN customers c ON l.customer_id = c.id")
        == 1000
    )
    assert (
        scalar(target, "SELECT profile->>'email' FROM customers ORDER BY born LIMIT 1")
        == "u1@example.org"
    )


@pytest.mark.postgres
def test_postgres_target_is_all_or_nothing(source: Path, pg_database: Callable[[str], str]) -> None:
    target = pg_database()
    with pytest.raises(KeyboardInterrupt):
        copy_database(url(source), target, Interrupting(KeyboardInterrupt()), batch_rows=100)
    assert describe(target) == {}
    copy_database(url(source), target, KeyedTransformer({}))
    with pytest.raises(UsageError, match="already has table"):
        copy_database(url(source), target, KeyedTransformer({}))
    report = copy_database(url(source), target, KeyedTransformer(RULES), overwrite=True)
    assert not report.failed and scalar(target, "SELECT count(*) FROM orders") == 600


@pytest.mark.postgres
def test_credentials_are_masked(source: Path, postgres_server: TempPostgres) -> None:
    wrong = postgres_server.url.replace(":s3cret-pw@", ":wrong-secret@")
    with pytest.raises(SourceError) as caught:
        copy_database(url(source), wrong, KeyedTransformer({}))
    assert "wrong-secret" not in str(caught.value) and "***" in str(caught.value)
    same = postgres_server.url.replace("postgresql+psycopg:", "postgres:").replace(
        "127.0.0.1", "localhost"
    )
    with pytest.raises(UsageError, match="is the source") as refused:
        copy_database(postgres_server.url, same, KeyedTransformer({}))
    assert "s3cret-pw" not in str(refused.value)
