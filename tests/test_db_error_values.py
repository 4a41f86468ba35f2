"""Issue 19 item 2: database errors never carry the cell values they quote.

Real errors of PostgreSQL and SQLite (casts, CHECK and unique violations, foreign keys,
JSON, dates, a function that raises with the value) go through the one place a database
error becomes text (``connectors.sql.error_line``); a real CLI scan (``-vv``) of views that
fail on planted canary values is then searched, every byte of every report format, the
``--state`` file and stderr, for the canaries (piiscan/testing/canaries.py)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from postgres import TempPostgres

from piiscan.connectors.sql import error_line
from piiscan.scanning.failures import failure_reason
from piiscan.testing.canaries import Canaries, leaks
from piiscan.value_scrub import scrub_values

PIISCAN = [str(Path(sys.executable).parent / "piiscan")]
FORMATS = ("json", "table", "csv", "parquet", "markdown", "html")


@pytest.mark.parametrize(("message", "kept", "masked"), [
    ('invalid input syntax for type integer: "219-73-4001"',
     ["type integer:"], ["219-73-4001"]),
    ('new row for relation "t" violates check constraint "t_ssn_check"\n'
     "DETAIL:  Failing row contains (2, 219-73-4001, jo@corp.com).",
     ['relation "t"', 'constraint "t_ssn_check"', "Failing row contains"],
     ["219-73-4001", "jo@corp.com"]),
    ('duplicate key value violates unique constraint "t_email_key"\n'
     "DETAIL:  Key (email)=(jo@corp.com) already exists.",
     ['"t_email_key"', "Key (email)="], ["jo@corp.com"]),
    ("invalid input syntax for type json\nDETAIL:  Token \"Thornbury\" is invalid.\n"
     "CONTEXT:  JSON data, line 1: Margaret Thornbury",
     ["JSON data, line 1:"], ["Thornbury"]),
    ("Duplicate entry 'jo@corp.com' for key 'users.email'",
     ["for key 'users.email'"], ["jo@corp.com"]),
    ("Incorrect integer value: 'Margaret' for column 'age' at row 1",
     ["column 'age'"], ["Margaret"]),
    ("Violation of UNIQUE KEY constraint 'UQ_mail'. Cannot insert duplicate key in object "
     "'dbo.users'. The duplicate key value is (jo@corp.com).",
     ["'UQ_mail'", "'dbo.users'"], ["jo@corp.com"]),
    ("CHECK constraint failed: ssn <> '219-73-4001'",
     ["CHECK constraint failed: ssn <>"], ["219-73-4001"]),
    ("UNIQUE constraint failed: users.email", ["UNIQUE constraint failed: users.email"], []),
    ('password authentication failed for user "app"', ['user "app"'], []),
    ('connection to server at "127.0.0.1", port 5432 failed: Connection refused',
     ['"127.0.0.1", port 5432'], []),
    ('column "crm"."email" of relation "leads" does not exist',
     ['"crm"."email"', '"leads"'], []),
    ("invalid literal for int() with base 10: '+1 415 867 5309'",
     ["base 10:"], ["867 5309"]),
])
def test_scrubber_masks_values_and_keeps_identifiers(message: str, kept: list[str],
                                                     masked: list[str]) -> None:
    out = scrub_values(message, driver=True)
    assert all(k in out for k in kept), out
    assert not any(m in out for m in masked), out


def test_unquoted_numbers_are_masked_only_in_driver_messages() -> None:
    assert scrub_values("division by zero for 219-73-4001", driver=True).count("***") == 1
    own = "connection lost after 1500000 rows"
    assert scrub_values(own) == own


# -- real database errors -----------------------------------------------------------------
PG_SCHEMA = """
CREATE TABLE people (id integer PRIMARY KEY, ssn text, email text UNIQUE, name text,
                     CHECK (ssn <> '000-00-0000'));
CREATE TABLE orders (id integer PRIMARY KEY, buyer text REFERENCES people (email));
INSERT INTO people VALUES (1, '{ssn}', '{email}', '{name}');
CREATE FUNCTION boom(v text) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN RETURN 1 / 0; EXCEPTION WHEN division_by_zero THEN
  RAISE EXCEPTION 'division by zero for %', v; END $$;
CREATE VIEW v_cast AS SELECT id, ssn::integer AS n FROM people;
CREATE VIEW v_json AS SELECT id, name::jsonb AS j FROM people;
CREATE VIEW v_date AS SELECT id, ssn::date AS d FROM people;
CREATE VIEW v_raise AS SELECT id, boom(name || ' ' || ssn) AS b FROM people;
"""
PG_FAILING = [
    "SELECT * FROM v_cast",
    "SELECT * FROM v_json",
    "SELECT * FROM v_date",
    "SELECT * FROM v_raise",
    "INSERT INTO people VALUES (2, '000-00-0000', 'x@corp-mail.com', '{name}')",
    "INSERT INTO people VALUES (3, '1', '{email}', '{name}')",
    "INSERT INTO orders VALUES (1, 'no.{email}')",
    "INSERT INTO people VALUES (1, '{ssn}', 'y@corp-mail.com', 'x')",
    "SELECT '{ssn}'::date",
]


@pytest.fixture
def planted() -> tuple[Canaries, dict[str, str]]:
    c = Canaries()
    return c, {"ssn": c.ssn(), "email": c.email(), "name": c.name()}


@pytest.fixture
def pg_people(postgres_server: TempPostgres, pg_database,
              planted: tuple[Canaries, dict[str, str]]) -> str:
    _, values = planted
    return pg_database(PG_SCHEMA.format(**values))


@pytest.mark.postgres
def test_real_postgres_errors_are_scrubbed(pg_people: str,
                                           planted: tuple[Canaries, dict[str, str]]) -> None:
    canaries, values = planted
    engine = sa.create_engine(pg_people)
    lines, raw = [], []
    try:
        for sql in PG_FAILING:
            with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError) as caught:
                conn.execute(sa.text(sql.format(**values)))
            raw.append(str(caught.value.orig))
            lines.append(error_line(caught.value, []))
            lines.append(failure_reason(caught.value, "x", []))
    finally:
        engine.dispose()
    assert {v for _, v in leaks(canaries.all, texts=raw)} == set(canaries.all)  # as quoted
    assert leaks(canaries.all, texts=lines) == []
    text = "\n".join(lines)
    for kept in ('violates check constraint "people_ssn_check"', "Key (email)=",
                 'constraint "people_email_key"', "SQLSTATE P0001", "type integer"):
        assert kept in text


def test_real_sqlite_errors_are_scrubbed(tmp_path: Path) -> None:
    c = Canaries()
    ssn, email = c.ssn(), c.email()
    path = tmp_path / "t.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            f"CREATE TABLE t (ssn TEXT CHECK (ssn <> '{ssn}'), email TEXT UNIQUE);"
            f"INSERT INTO t VALUES ('1', '{email}');")
    conn.close()
    engine = sa.create_engine(f"sqlite:///{path}")
    lines = []
    for sql in (f"INSERT INTO t VALUES ('{ssn}', 'a')", f"INSERT INTO t VALUES ('2', '{email}')"):
        with engine.connect() as conn, pytest.raises(sa.exc.IntegrityError) as caught:
            conn.execute(sa.text(sql))
        lines.append(error_line(caught.value, []))
    engine.dispose()
    assert leaks(c.all, texts=lines) == []
    assert "CHECK constraint failed" in lines[0] and "UNIQUE constraint failed: t.email" in lines[1]


@pytest.mark.postgres
def test_scan_artefacts_of_failing_views_hold_no_value(
    pg_people: str, planted: tuple[Canaries, dict[str, str]], tmp_path: Path
) -> None:
    canaries, _ = planted
    # no PIISCAN_* setting of the caller, but the tests' plugin isolation (conftest.py)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PIISCAN_") or k == "PIISCAN_PLUGINS"}
    env["PIISCAN_SPACY_MODEL"] = "none"
    texts = []

    def run(*args: str) -> None:
        done = subprocess.run([*PIISCAN, "-vv", *args], cwd=tmp_path, env=env,
                              capture_output=True, timeout=180)
        stdout, stderr = (done.stdout.decode(errors="replace"),
                          done.stderr.decode(errors="replace"))
        assert done.returncode in (0, 1), stderr[-3000:]
        texts.extend([stdout, stderr])

    run("scan", pg_people, "--state", "state.db", "-f", "json", "-o", "inv.json")
    run("scan", pg_people, "-f", "table")
    for fmt in FORMATS:
        run("report", "inv.json", "-f", fmt, "-o", f"report.{fmt}")
    inventory = (tmp_path / "inv.json").read_text()
    for view in ("v_cast", "v_json", "v_date", "v_raise"):
        assert f'"asset": "{view}"' in inventory
    assert 'invalid input syntax for type integer: \\"***\\"' in inventory
    assert "message withheld" in inventory  # the function's RAISE
    # the people table itself is scanned: its values are evidence, masked
    found = leaks([v for v in canaries.all], texts=texts, paths=[tmp_path])
    assert found == []


@pytest.mark.postgres
def test_copy_errors_hold_no_value(pg_people: str, pg_database,
                                   planted: tuple[Canaries, dict[str, str]]) -> None:
    """A copy that fails on the target (a foreign key its keyed values break) says why
    without the value."""
    from piiscan.anonymize.sql_copy import copy_database
    from piiscan.errors import SourceError

    canaries, _ = planted

    class Breaking:
        def batch(self, asset, batch):
            if asset != "orders" or not batch.num_rows:
                return batch
            import pyarrow as pa
            return pa.RecordBatch.from_arrays(
                [batch.column(0), pa.array([f"gone.{canaries.all[1]}"] * batch.num_rows)],
                names=batch.schema.names)

        def value(self, asset, field, value):
            return value

        def text(self, asset, text):
            return text

    source = pg_database(PG_SCHEMA.format(ssn=canaries.all[0], email=canaries.all[1],
                                          name=canaries.all[2])
                         + f"INSERT INTO orders VALUES (1, '{canaries.all[1]}');")
    target = pg_database()
    with pytest.raises(SourceError) as caught:
        copy_database(source, target, Breaking())
    assert "foreign key" in str(caught.value)
    assert leaks(canaries.all, texts=[str(caught.value)]) == []
