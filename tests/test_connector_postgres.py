"""SqlConnector against a throwaway PostgreSQL server (see tests/postgres.py)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from postgres import PASSWORD, USER, TempPostgres, free_port

from piiscan.config import Config
from piiscan.connectors.sql import SqlAsset, SqlConnector
from piiscan.errors import SourceError
from piiscan.scanning.scanner import Scanner

pytestmark = pytest.mark.postgres

SCHEMA = """
DROP SCHEMA IF EXISTS crm CASCADE;
DROP TABLE IF EXISTS customers CASCADE;
CREATE TABLE customers (id integer PRIMARY KEY, name text, born date,
                        balance numeric(10, 2), profile jsonb);
INSERT INTO customers
SELECT i, 'Name ' || i, DATE '1980-01-01' + i, i * 1.25,
       jsonb_build_object('email', 'u' || i || '@example.org', 'tags', jsonb_build_array('a'))
FROM generate_series(1, 300) AS i;
CREATE VIEW customer_names AS SELECT id, name FROM customers;
CREATE SCHEMA crm;
CREATE TABLE crm.leads (id serial PRIMARY KEY, email varchar(200), score integer);
INSERT INTO crm.leads (email, score) SELECT 'lead' || i || '@example.com', i
FROM generate_series(1, 10) AS i;
ANALYZE;
"""


@pytest.fixture(scope="module")
def pg(postgres_server: TempPostgres) -> str:
    postgres_server.psql(f"SET ROLE {USER};" + SCHEMA, database="piiscan_test")
    return postgres_server.url


def found(url: str, **settings: Any) -> dict[str, SqlAsset]:
    connector = SqlConnector(url, Config(**settings))
    try:
        return {a.name: a for a in connector.assets()}  # type: ignore[misc]
    finally:
        connector.close()


def test_discovery_names_kinds_and_types(pg: str) -> None:
    assets = found(pg)
    assert {n: a.kind for n, a in assets.items()} == {
        "crm.leads": "table", "customer_names": "view", "customers": "table"}
    types = {c.name: c.data_type for c in assets["customers"].columns()}
    assert types == {"id": "INTEGER", "name": "TEXT", "born": "DATE",
                     "balance": "NUMERIC(10, 2)", "profile": "JSONB"}


def test_values_and_sampling(pg: str) -> None:
    assets = found(pg, sample_rows=40, batch_rows=15)
    customers = assets["customers"]
    assert [b.num_rows for b in customers.batches()] == [15, 15, 10]
    row = next(iter(customers.batches())).to_pylist()[0]
    # jsonb is read as fields, like a JSON file's records
    assert row["profile.email"].endswith("@example.org") and row["profile.tags"] == '["a"]'
    assert "profile" not in row
    assert str(row["born"]).startswith("19")
    assert sum(b.num_rows for b in found(pg, full=True)["customers"].batches()) == 300
    assert sum(b.num_rows for b in assets["customer_names"].batches()) == 40


@pytest.mark.parametrize(("include", "exclude", "expected"), [
    (("crm.*.*",), (), ["crm.leads"]),
    ((), ("crm.*.*", "customer_*"), ["customers"]),
    (("leads.email",), (), ["crm.leads"]),
])
def test_include_exclude_with_schemas(pg: str, include: tuple[str, ...],
                                      exclude: tuple[str, ...], expected: list[str]) -> None:
    assert sorted(found(pg, include=include, exclude=exclude)) == expected


def test_session_is_read_only(pg: str) -> None:
    connector = SqlConnector(pg, Config())
    try:
        with pytest.raises(sa.exc.InternalError, match="read-only transaction"), \
                connector.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM customers"))
        with connector.engine.connect() as conn:
            assert conn.execute(sa.text("SHOW transaction_read_only")).scalar() == "on"
    finally:
        connector.close()


def test_bare_postgresql_url_uses_psycopg3(pg: str) -> None:
    connector = SqlConnector(pg.replace("postgresql+psycopg://", "postgresql://"), Config())
    assert connector.engine.dialect.driver == "psycopg"
    assert PASSWORD not in connector.display_source()
    connector.close()


def test_wrong_password_is_a_source_error_without_the_password(pg: str) -> None:
    url = pg.replace(PASSWORD, "Wr0ng-Passw0rd")
    with pytest.raises(SourceError, match="password authentication failed") as info:
        SqlConnector(url, Config())
    assert "Wr0ng-Passw0rd" not in str(info.value)


def test_connection_refused_is_a_source_error(pg: str) -> None:
    url = f"postgresql+psycopg://{USER}:{PASSWORD}@127.0.0.1:{free_port()}/piiscan_test"
    with pytest.raises(SourceError, match="refused") as info:
        SqlConnector(url, Config())
    assert PASSWORD not in str(info.value)


def test_missing_database_is_a_source_error(pg: str) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        SqlConnector(pg.rsplit("/", 1)[0] + "/no_such_db", Config())


def test_scanner_end_to_end_masks_credentials(pg: str) -> None:
    inventory = Scanner(Config(progress=False), detectors=[]).scan([pg])
    assert not inventory.errors
    assert PASSWORD not in inventory.sources[0]
    assert {a.asset for a in inventory.assets} == {"customers", "customer_names", "crm.leads"}


def test_permission_denied_is_an_asset_error(pg: str, postgres_server: TempPostgres) -> None:
    postgres_server.psql("CREATE TABLE public.locked (secret text);"
                         "INSERT INTO public.locked VALUES ('x');", database="piiscan_test")
    try:
        inventory = Scanner(Config(progress=False), detectors=[]).scan([pg])
        assert [(e.asset, "permission denied" in e.reason) for e in inventory.errors] == [
            ("locked", True)]
        assert len(inventory.assets) == 3
    finally:
        postgres_server.psql("DROP TABLE public.locked;", database="piiscan_test")
