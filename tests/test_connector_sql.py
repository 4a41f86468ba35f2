"""SqlConnector on real SQLite files."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from piiscan.config import Config
from piiscan.connectors.sql import SqlAsset, SqlConnector
from piiscan.errors import AssetError, SourceError, UsageError
from piiscan.scanning.scanner import Scanner

WEIRD = 'weird"; DROP TABLE x; --'
SCRIPT = f"""
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, email VARCHAR(200),
                        born DATE, balance NUMERIC(10, 2), photo BLOB);
CREATE TABLE orders (id INTEGER, customer_id INTEGER, note TEXT);
CREATE TABLE dropped (x TEXT);
CREATE VIEW customer_emails AS SELECT id, email FROM customers;
CREATE VIEW broken AS SELECT x FROM dropped;
DROP TABLE dropped;
CREATE TABLE "{WEIRD.replace('"', '""')}" ("{WEIRD.replace('"', '""')}" TEXT, ok INTEGER);
CREATE TABLE x (keep TEXT);
INSERT INTO x VALUES ('still here');
INSERT INTO "{WEIRD.replace('"', '""')}" VALUES ('v1', 1), ('v2', 2);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120)
INSERT INTO customers (id, name, email, born, balance, photo)
SELECT i, 'Name ' || i, 'user' || i || '@example.org', '1990-01-01', i * 1.5, x'00ff'
FROM n;
INSERT INTO orders SELECT i, i, 'n' || i FROM (SELECT id AS i FROM customers LIMIT 7);
"""
Builder = Callable[..., Path]


@pytest.fixture
def db(tmp_sqlite: Builder) -> Path:
    return tmp_sqlite(SCRIPT)


def connect(path: Path, **settings: Any) -> SqlConnector:
    return SqlConnector(f"sqlite:///{path}", Config(**settings))


def assets(path: Path, **settings: Any) -> dict[str, SqlAsset]:
    connector = connect(path, **settings)
    try:
        return {a.name: a for a in connector.assets()}  # type: ignore[misc]
    finally:
        connector.close()


def rows(asset: SqlAsset) -> list[dict[str, Any]]:
    return [r for b in asset.batches() for r in b.to_pylist()]


def test_discovery_kinds_and_types(db: Path) -> None:
    found = assets(db)
    assert list(found) == ["broken", "customer_emails", "customers", "orders", WEIRD, "x"]
    kinds = {n: a.kind for n, a in found.items()}
    assert kinds["customers"] == "table" and kinds["customer_emails"] == "view"
    assert kinds["broken"] == "view"
    cols = {c.name: c.data_type for c in found["customers"].columns()}
    assert cols == {"id": "INTEGER", "name": "TEXT", "email": "VARCHAR(200)", "born": "DATE",
                    "balance": "NUMERIC(10, 2)", "photo": "BLOB"}


def test_values_convert_to_arrow(db: Path) -> None:
    customers = assets(db, full=True)["customers"]
    batch = next(iter(customers.batches()))
    types = dict(zip(batch.schema.names, map(str, batch.schema.types), strict=True))
    assert types["id"] == "int64" and types["name"] == "string"
    first = min(rows(customers), key=lambda r: r["id"])
    assert first["email"] == "user1@example.org"
    # binary that is not text is never passed on as a value (it cannot be examined)
    assert first["photo"] is None
    assert customers.unexamined == {"photo": 120}
    assert customers.notes == [
        "column photo: 120 binary value(s) not examined (short binary (key or hash) 120)"]


def test_broken_view_is_an_asset_error(db: Path) -> None:
    broken = assets(db)["broken"]
    assert broken.columns() == []
    with pytest.raises(AssetError, match="no such table"):
        list(broken.batches())


def test_scan_records_broken_view_and_goes_on(db: Path) -> None:
    inventory = Scanner(Config(progress=False), detectors=[]).scan([f"sqlite:///{db}"])
    assert [(e.asset, "no such table" in e.reason) for e in inventory.errors] == [
        ("broken", True)]
    assert {a.asset for a in inventory.assets} == {
        "customer_emails", "customers", "orders", WEIRD, "x"}


CUSTOMER_COLUMNS = ["id", "name", "email", "born", "balance", "photo"]
ORDER_COLUMNS = ["id", "customer_id", "note"]


@pytest.mark.parametrize(("include", "exclude", "expected"), [
    ((), ("customers",),
     {"customer_emails": ["id", "email"], "orders": ORDER_COLUMNS}),
    ((), ("customers.email", "*.note"),
     {"customers": ["id", "name", "born", "balance", "photo"],
      "customer_emails": ["id", "email"], "orders": ["id", "customer_id"]}),
    ((), ("main.customers.*", "main.orders.id"),
     {"customer_emails": ["id", "email"], "orders": ["customer_id", "note"]}),
    (("customers",), (), {"customers": CUSTOMER_COLUMNS}),
    (("customers.e*", "ORDERS.note"), (), {"customers": ["email"], "orders": ["note"]}),
    (("main.*.id",), ("customers",), {"customer_emails": ["id"], "orders": ["id"]}),
    (("other.*.*",), (), {}),
    ((), ("email",), {"customers": ["id", "name", "born", "balance", "photo"],
                      "customer_emails": ["id"], "orders": ORDER_COLUMNS}),
    (("email",), (), {"customers": ["email"], "customer_emails": ["email"]}),
    (("*.EMAIL",), ("customer_emails",), {"customers": ["email"]}),
    ((), ("main",), {}),
    (("main",), ("*.*_*",), {"customers": CUSTOMER_COLUMNS, "orders": ["id", "note"]}),
    (("*_id",), (), {"orders": ["customer_id"]}),
    (("customers*id",), (), {}),  # * stays within one part: not customers.id
    (("customer_emails",), ("*.id",), {"customer_emails": ["email"]}),
])
def test_include_exclude(db: Path, include: tuple[str, ...], exclude: tuple[str, ...],
                         expected: dict[str, list[str]]) -> None:
    exclude = (*exclude, "broken", "x", "weird*")
    found = assets(db, include=include, exclude=exclude)
    assert {n: [c.name for c in a.columns()] for n, a in found.items()} == expected
    for name, columns in expected.items():
        assert next(iter(found[name].batches())).schema.names == columns


@pytest.mark.parametrize(("settings", "sizes"), [
    ({"sample_rows": 50, "batch_rows": 20}, [20, 20, 10]),
    ({"sample_rows": 50, "batch_rows": 1000}, [50]),
    ({"sample_rows": 50, "batch_rows": 40, "full": True}, [40, 40, 40]),
    ({"sample_rows": 500}, [120]),
])
def test_sampling_and_batch_sizes(db: Path, settings: dict[str, Any], sizes: list[int]) -> None:
    customers = assets(db, **settings)["customers"]
    batches = list(customers.batches())
    assert [b.num_rows for b in batches] == sizes
    ids = [r["id"] for b in batches for r in b.to_pylist()]
    assert len(set(ids)) == len(ids) and set(ids) <= set(range(1, 121))


def test_view_sampling_and_empty_result(db: Path, tmp_sqlite: Builder) -> None:
    assert len(rows(assets(db, sample_rows=5)["customer_emails"])) == 5
    empty = tmp_sqlite("CREATE TABLE t (a TEXT, b INTEGER);", name="empty.db")
    (batch,) = assets(empty)["t"].batches()
    assert (batch.num_rows, batch.schema.names) == (0, ["a", "b"])


def test_hostile_identifiers_read_correctly(db: Path) -> None:
    weird = assets(db)[WEIRD]
    assert [c.name for c in weird.columns()] == [WEIRD, "ok"]
    assert sorted(rows(weird), key=lambda r: r["ok"]) == [
        {WEIRD: "v1", "ok": 1}, {WEIRD: "v2", "ok": 2}]
    assert rows(assets(db)["x"]) == [{"keep": "still here"}]


def test_scan_leaves_the_file_untouched(db: Path) -> None:
    before = (db.read_bytes(), os.stat(db).st_mtime_ns, sorted(os.listdir(db.parent)))
    Scanner(Config(progress=False, full=True), detectors=[]).scan([f"sqlite:///{db}"])
    assert (db.read_bytes(), os.stat(db).st_mtime_ns, sorted(os.listdir(db.parent))) == before


def test_writes_through_the_engine_fail(db: Path) -> None:
    import sqlalchemy as sa

    connector = connect(db)
    with pytest.raises(sa.exc.OperationalError, match="readonly"), connector.engine.begin() as c:
        c.execute(sa.text("DELETE FROM customers"))
    connector.close()


def test_missing_sqlite_file_is_a_source_error_and_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    with pytest.raises(SourceError, match="no such SQLite database file"):
        connect(missing)
    assert not missing.exists()


def test_non_database_file_is_a_source_error(tmp_path: Path) -> None:
    path = tmp_path / "fake.db"
    path.write_text("this is not sqlite " * 100)
    with pytest.raises(SourceError, match="not a database"):
        connect(path)


@pytest.mark.parametrize(("source", "message"), [
    ("nosuchdialect://u:hunter2@h/db", "unknown database type 'nosuchdialect'"),
    ("postgresql://u:hunter2@h:notaport/db", "malformed database URL"),
    ("mysql+notadriver://u:hunter2@h/db", "unknown database type"),
    ("mysql://u:hunter2@h/db", "missing database driver .*pip install pymysql"),
])
def test_usage_errors(source: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as info:
        SqlConnector(source, Config())
    assert "hunter2" not in str(info.value)


@pytest.mark.parametrize(("source", "accepted"), [
    ("sqlite:///x.db", True), ("sqlite://", True), ("postgresql://u:p@h/db", True),
    ("postgresql+psycopg://u@h:5432/db", True), ("mysql://u@h/db", True),
    ("file:///tmp/x.csv", False), ("data/x.db", False), ("x.db", False),
    ("C:\\data\\x.db", False), ("c://data", False), ("", False),
])
def test_accepts(source: str, accepted: bool) -> None:
    assert SqlConnector.accepts(source) is accepted


def test_display_source_masks_password(db: Path) -> None:
    connector = SqlConnector(f"sqlite:///{db}?password=hunter2", Config())
    assert "hunter2" not in connector.display_source()
    connector.close()
