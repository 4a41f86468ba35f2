"""Property tests of the anonymizer: any table keeps its rows, columns and types, and the
same key gives the same output."""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import sqlite3
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from piiscan.anonymize.keys import Keyring
from piiscan.anonymize.runner import anonymize
from piiscan.config import Config
from piiscan.errors import PiiscanError

CONFIG = Config(spacy_model="none", progress=False)
KEYRING = Keyring("k" * 32)
PII = st.sampled_from(["jane.doe@example.org", "078-05-1120", "+44 20 7946 0018", "Jane"])
COLUMNS = {
    "n": (pa.int64(), st.integers(-(2**63), 2**63 - 1)),
    "x": (pa.float64(), st.floats(allow_nan=False, allow_infinity=False)),
    "email": (pa.string(), st.one_of(PII, st.text(max_size=20))),
    "day": (pa.date32(), st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1))),
    "at": (pa.timestamp("us"), st.datetimes(dt.datetime(1970, 1, 2), dt.datetime(2100, 1, 1))),
    "amount": (pa.decimal128(10, 2), st.decimals(-10**7, 10**7, places=2,
                                                 allow_nan=False, allow_infinity=False)),
    "flag": (pa.bool_(), st.booleans()),
}


@st.composite
def tables(draw: st.DrawFn) -> pa.Table:
    names = draw(st.lists(st.sampled_from(sorted(COLUMNS)), min_size=1, unique=True))
    rows = draw(st.integers(0, 200))
    arrays = {}
    for name in names:
        typ, values = COLUMNS[name]
        arrays[name] = pa.array(
            draw(st.lists(st.one_of(st.none(), values), min_size=rows, max_size=rows)), typ)
    return pa.table(arrays)


def _run(source: str, target: Path) -> None:
    with contextlib.suppress(PiiscanError):  # a clean refusal is allowed; nothing else
        anonymize(source, str(target), CONFIG, KEYRING, verify_level=None,
                  manifest_path=target.parent / (target.name + ".m.json"))


@given(tables())
@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
def test_parquet_copy_keeps_rows_columns_types_and_is_deterministic(table: pa.Table) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in" / "t.parquet"
        src.parent.mkdir()
        pq.write_table(table, src)
        outs = []
        for i in range(2):
            out = Path(tmp) / f"out{i}"
            _run(str(src.parent), out)
            outs.append(pq.read_table(out / "t.parquet") if (out / "t.parquet").exists()
                        else None)
    if outs[0] is None:
        assert outs[1] is None
        return
    assert outs[0].num_rows == table.num_rows
    assert outs[0].column_names == table.column_names
    assert outs[0].schema.types == table.schema.types
    assert outs[0].equals(outs[1])


def _sqlite_value(v: object) -> object:
    if isinstance(v, decimal.Decimal):
        return float(v)
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    return v


@given(tables())
@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
def test_sqlite_copy_keeps_rows_columns_types_and_is_deterministic(table: pa.Table) -> None:
    decl = {"n": "INTEGER", "x": "REAL", "email": "TEXT", "day": "DATE", "at": "TIMESTAMP",
            "amount": "NUMERIC(10,2)", "flag": "BOOLEAN"}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "src.db"
        con = sqlite3.connect(db)
        cols = ", ".join(f'"{n}" {decl[n]}' for n in table.column_names)
        con.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, {cols})")
        marks = ", ".join("?" for _ in table.column_names)
        names = ", ".join(f'"{n}"' for n in table.column_names)
        con.executemany(f"INSERT INTO t ({names}) VALUES ({marks})",
                        [tuple(_sqlite_value(v) for v in r.values()) for r in table.to_pylist()])
        con.commit()
        con.close()
        dumps = []
        for i in range(2):
            out = Path(tmp) / f"out{i}.db"
            _run(f"sqlite:///{db}", out)
            if not out.exists():
                dumps.append(None)
                continue
            dst = sqlite3.connect(out)
            info = dst.execute("PRAGMA table_info(t)").fetchall()
            count = dst.execute("SELECT COUNT(*) FROM t").fetchone()[0]
            dumps.append((info, count, dst.execute("SELECT * FROM t ORDER BY id").fetchall()))
            dst.close()
        src = sqlite3.connect(db)
        src_info = src.execute("PRAGMA table_info(t)").fetchall()
        src.close()
    if dumps[0] is None:
        assert dumps[1] is None
        return
    info, count, _ = dumps[0]
    assert count == table.num_rows
    # the declared type is re-rendered by SQLAlchemy ("NUMERIC(10, 2)"): same type
    assert [(c[1], c[2].replace(" ", "")) for c in info] == [
        (c[1], c[2].replace(" ", "")) for c in src_info]
    assert dumps[0] == dumps[1]
