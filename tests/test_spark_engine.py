"""The Spark engine gives the single-process ``--full`` inventory (``local[2]``).

The fold of pre-grouped values is checked without Spark first (any split of the values
over partitions, merged in any order, reaches the accumulator's state); the Spark tests
need pyspark and Java (skipped locally without them, failed when CI=true).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import re
import shutil
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from conftest import _require

from piiscan.classification import SCORE_UNITS, FieldAccumulator, score_units
from piiscan.config import Config
from piiscan.engines.partial import FieldPartial
from piiscan.engines.spark_tasks import fold_value
from piiscan.errors import UsageError
from piiscan.masking import EvidenceEncoder
from piiscan.model import Hint, Span
from piiscan.policy import load_policy
from piiscan.scanning.scanner import Scanner

KEY = b"test-key"


# -- the fold, without Spark -------------------------------------------------------------
def _spans(value: str) -> list[Span]:
    """Made-up detector output: emails, capitalised names (also read as places), and
    emails inside sentences."""
    if value.startswith("Note"):
        at = value.index("mail ") + 5
        return [Span("EMAIL_ADDRESS", at, at + 17, 1.0), Span("PERSON", 5, 9, 0.7)]
    if "@" in value:
        return [Span("EMAIL_ADDRESS", 0, len(value), 1.0)]
    if value[:1].isupper():
        return [Span("PERSON", 0, len(value), 0.85), Span("LOCATION", 0, len(value), 0.6)]
    return []


def _column(seed: int, rows: int, notes: int) -> list[str | None]:
    rng = random.Random(seed)
    pool = [f"user{i}@example.org" for i in range(30)] + [f"Name{i}" for i in range(40)]
    pool += ["n/a", "unknown", None]
    pool += [f"Note {i:03d} ask mail u{i:04d}@example.org later on please" for i in range(notes)]
    return [rng.choice(pool) for _ in range(rows)]


def _accumulator(hints: tuple[Hint, ...] = ()) -> FieldAccumulator:
    return FieldAccumulator(
        "contact", "string", hints, load_policy(None), EvidenceEncoder("masked", KEY), 0.5, None, 2
    )


def _sequential(values: list[str | None], hints: tuple[Hint, ...]) -> FieldAccumulator:
    """The single-process path: cells in row order (first occurrences analysed)."""
    acc = _accumulator(hints)
    for row, value in enumerate(values, start=1):
        if value is None:
            acc.nulls += 1
        elif not acc.add_repeat(value):
            acc.add(value, _spans(value), row)
    return acc


def _distributed(
    values: list[str | None], hints: tuple[Hint, ...], parts: int, seed: int
) -> FieldAccumulator:
    """Distinct values with count and first row, spread over partitions, merged shuffled."""
    grouped: dict[str | None, list[int]] = {}
    for row, value in enumerate(values):
        grouped.setdefault(value, [0, row])[0] += 1
    rng = random.Random(seed)
    partials = [FieldPartial() for _ in range(parts)]
    template = _accumulator(hints)
    for value, (n, first) in grouped.items():
        partial = rng.choice(partials)
        if value is None:
            partial.nulls += n
        else:
            fold_value(template, partial, value, n, ("f", first), _spans(value))
    rng.shuffle(partials)
    merged = FieldPartial()
    for p in partials:
        merged.merge(FieldPartial.from_json(p.to_json()))
    return merged.fill(_accumulator(hints), lambda key: key[1] + 1)


@pytest.mark.parametrize(
    ("seed", "rows", "notes", "parts", "hints"),
    [
        (1, 50, 0, 1, ()),
        (2, 400, 5, 3, ()),
        (3, 400, 40, 7, (Hint("PERSON", 0.9, "name"),)),
        (4, 2000, 260, 5, ()),  # more than 200 findings: the earliest kept, the rest counted
        (5, 30, 3, 4, (Hint("LOCATION", -1.0, "warehouse"),)),
    ],
)
def test_fold_reaches_the_sequential_state(seed, rows, notes, parts, hints) -> None:
    values = _column(seed, rows, notes)
    want, got = _sequential(values, hints), _distributed(values, hints, parts, seed)
    assert got.result().to_dict() == want.result().to_dict()
    assert got.evidence == want.evidence
    assert got.findings == want.findings
    assert got.findings_dropped == want.findings_dropped
    assert got.score_units == want.score_units
    assert (got.examined, got.nulls, got.distinct_analyzed) == (
        want.examined,
        want.nulls,
        want.distinct_analyzed,
    )


@pytest.mark.parametrize(
    "cells",
    [
        [0.1, 0.2, 0.3],  # as floats, (0.1 + 0.2) + 0.3 != 0.1 + (0.2 + 0.3)
        [0.85] * 199,
        [0.85, 1.0, 0.6, 0.85, 0.4, 1.0, 0.55, 0.05, 0.3] * 20,
    ],
)
def test_score_sums_do_not_depend_on_the_order(cells: list[float]) -> None:
    """Partials add scores in any order and multiply repeats: integer units keep the sum
    exact, so the merged confidence is the scanner's to the last bit."""
    rng = random.Random(0)
    totals = set()
    for _ in range(5):
        shuffled = cells[:]
        rng.shuffle(shuffled)
        partial = FieldPartial()
        for score, n in Counter(shuffled).items():
            partial.add_value(n, ("f", 0), {"EMAIL_ADDRESS": score}, {}, free=False)
        totals.add(partial.score_units["EMAIL_ADDRESS"])
        totals.add(sum(score_units(s) for s in shuffled))
    assert totals == {sum(score_units(s) for s in cells)}
    assert math.isclose(totals.pop() / SCORE_UNITS, math.fsum(cells), abs_tol=1e-6 * len(cells))


def test_partial_json_carries_no_raw_value() -> None:
    partial = FieldPartial()
    value = "Note 007 ask mail u0007@example.org later on please"
    fold_value(_accumulator(), partial, value, 3, ("f", 0), _spans(value))
    text = partial.to_json()
    assert "u0007@example.org" not in text and "later on" not in text
    assert FieldPartial.from_json(text).to_json() == text


@pytest.mark.parametrize(
    ("configured", "env", "used"),
    [
        ("/nowhere/model", "./model/x", "./model/x"),  # the driver's path is not here
        ("{here}", "./model/x", "{here}"),  # an existing path wins (local mode)
        ("en_core_web_lg", "./model/x", "en_core_web_lg"),  # a package name is kept
        ("/nowhere/model", None, "/nowhere/model"),
        (None, "./model/x", None),
    ],
)
def test_executor_model_path(configured, env, used, tmp_path, monkeypatch) -> None:
    from piiscan.engines.spark_tasks import executor_config

    def fill(value: str | None) -> str | None:
        return value.format(here=tmp_path) if value else value

    if env is None:
        monkeypatch.delenv("PIISCAN_SPACY_MODEL", raising=False)
    else:
        monkeypatch.setenv("PIISCAN_SPACY_MODEL", env)
    assert executor_config(Config(spacy_model=fill(configured))).spacy_model == fill(used)


@pytest.mark.parametrize(
    ("name", "type_", "values", "analysed"),
    [
        ("amount", pa.int64(), ["1000001", "1000002"], 0),  # the name points to no type
        ("amount", pa.int64(), ["4155550100", "4155550107"], 2),  # ten digits: maybe an id
        ("age", pa.int32(), ["42", "67"], 2),  # the name points to AGE
        ("dob", pa.date32(), ["1987-03-14"], 1),  # ... to DATE_OF_BIRTH
        ("dob", pa.timestamp("s"), ["2023-01-01T08:00:07"], 0),  # an event time: never
        ("amount", pa.string(), ["1000001"], 1),  # text: always analysed
        ("amount", None, ["1000001"], 1),  # type unknown: as text
    ],
)
def test_executors_plan_typed_columns_as_the_scanner(
    name: str, type_: pa.DataType | None, values: list[str], analysed: int
) -> None:
    """The executors' engine analyses a typed column's values as the one-process scanner
    does (:class:`~piiscan.scanning.column.ColumnAnalyzer`): short typed values only for
    the types the column's name points to, none when it points to none."""
    from piiscan.engines.spark_tasks import engine

    eng = engine(Config(spacy_model="none", full=True), KEY)
    acc = eng.template(name, eng.hints(name))
    before = eng.columns.values_analysed
    spans = eng.column_spans(acc, values, type_)
    assert eng.columns.values_analysed - before == analysed
    assert len(spans) == len(values)
    if not analysed:
        assert spans == [[] for _ in values]


# -- without pyspark ---------------------------------------------------------------------
def test_missing_pyspark_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from piiscan.cli import cli
    from piiscan.engines.spark import SparkEngine

    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark raises ImportError
    from piiscan.install import install_command

    hint = install_command("spark")  # this checkout: pip install -e '<checkout>[spark]'
    with pytest.raises(UsageError, match=re.escape(hint)):
        SparkEngine(Config())
    result = CliRunner().invoke(cli, ["spark-scan", "anything.parquet"])
    assert result.exit_code == 2
    assert hint in " ".join(result.output.split())


# -- on Spark (local[2]) -----------------------------------------------------------------
def _people(path: Path, rows: int = 200) -> Path:
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(11)
    rng = random.Random(11)
    records = []
    for i in range(rows):
        note = None
        if rng.random() < 0.4:
            note = (
                f"Called {fake.name()} about the refund, reach at {fake.email()} or "
                f"{fake.phone_number()} before Friday."
            )
        records.append(
            {
                "customer_id": i + 1,
                "full_name": fake.name(),
                "email": fake.email(),
                "phone": fake.phone_number(),
                "notes": note,
                "amount": round(rng.uniform(1, 500), 2),
                "status": rng.choice(["open", "closed", "pending"]),
                "signup": dt.date(2020, 1, 1) + dt.timedelta(days=i),
            }
        )
    pq.write_table(pa.Table.from_pylist(records), path, row_group_size=100)
    return path


def _sparse(path: Path) -> Path:
    """Nulls, blanks, NaN, heavy repeats and a struct column (flattened as parent.child)."""
    rng = random.Random(5)
    names = ["Maria Garcia", "John Smith", "Aiko Tanaka", "Lars Olsen", "Fatima Khan"]
    records = []
    for i in range(160):
        name = rng.choice([*names, None, "", "   "])
        records.append(
            {
                "id": i,
                "name": name,
                "email": rng.choice(
                    [f"{n.split()[0].lower()}@mail.example.com" for n in names] + [None]
                ),
                "score": rng.choice([1.0, 2.5, math.nan, None]),
                "flag": rng.choice([True, False, None]),
                "address": {
                    "city": rng.choice(["Berlin", "Paris", None]),
                    "zip": rng.choice(["10115", "75001"]),
                },
            }
        )
    pq.write_table(pa.Table.from_pylist(records), path, row_group_size=40)
    return path


def _typed(path: Path, rows: int = 150) -> Path:
    """Typed columns whose names point to a type (phone and ssn stored as integers, an
    age, a postcode, a birth date) beside typed columns whose names point to none."""
    rng = random.Random(7)
    table = pa.table(
        {
            "customer_id": pa.array([1_000_000 + i for i in range(rows)], pa.int64()),
            "phone": pa.array([4_155_550_100 + 7 * i for i in range(rows)], pa.int64()),
            "ssn": pa.array([536_904_399 + 11 * i for i in range(rows)], pa.int64()),
            "age": pa.array([18 + i % 70 for i in range(rows)], pa.int32()),
            "zip": pa.array([10_000 + 37 * i for i in range(rows)], pa.int64()),
            "dob": pa.array([dt.date(1950 + i % 50, 1 + i % 12, 1 + i % 28) for i in range(rows)]),
            "signup": pa.array([dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(rows)]),
            "amount": pa.array([round(rng.uniform(1, 500), 2) for _ in range(rows)]),
        }
    )
    pq.write_table(table, path, row_group_size=50)
    return path


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    _require(shutil.which("java") is not None, "java not found (apt-get install default-jre)")
    try:
        from piiscan.engines.spark import require_pyspark, session

        require_pyspark()
    except UsageError as exc:
        _require(False, str(exc))
    env = pytest.MonkeyPatch()
    env.setenv("SPARK_LOCAL_IP", "127.0.0.1")
    conf = {
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.adaptive.enabled": "false",  # keep 4 partitions: workers are reused
        "spark.sql.execution.arrow.maxRecordsPerBatch": "64",
        "spark.driver.memory": "1g",
    }
    spark = session("local[2]", "piiscan-tests", conf)
    yield spark
    spark.stop()
    env.undo()


@pytest.fixture(scope="module")
def config(spacy_model: str) -> Config:
    return Config(full=True, spacy_model=spacy_model, hash_key=KEY)


@pytest.fixture(scope="module")
def single(config: Config) -> Scanner:
    from piiscan.engines.spark_tasks import engine

    return Scanner(config, detectors=engine(config, KEY).detectors)  # built once


def _comparable(inventory: dict[str, Any]) -> dict[str, Any]:
    d = json.loads(json.dumps(inventory))
    d.pop("generated_at")
    d["settings"].pop("engine", None)
    return d


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _people(tmp_path_factory.mktemp("spark") / "people.parquet")


@pytest.mark.ner
def test_full_inventory_equals_single_process(spark, config, single, people) -> None:
    from piiscan.engines.spark import SparkEngine

    engine = SparkEngine(config, spark)
    got = engine.scan(str(people)).to_dict()
    want = single.scan([str(people)]).to_dict()
    assert got["settings"]["engine"].startswith("spark 4.")
    assert _comparable(got) == _comparable(want)
    fields = {f["name"]: f for f in got["assets"][0]["fields"]}
    # Faker's e-mails are at example.* domains: set aside, and counted alike on Spark
    assert fields["email"]["reserved"]["EMAIL_ADDRESS"] == fields["email"]["sampled"]
    assert fields["full_name"]["status"] == "personal" and fields["notes"]["findings"]
    assert fields["status"]["status"] == "none_found"
    # Detectors were built once per executor Python process, not per task or batch.
    stats = engine.stats
    assert stats.partitions > len(stats.builds) >= 1
    assert set(stats.builds.values()) == {1}
    serialized = json.dumps(got)
    for record in pq.read_table(people, columns=["email", "full_name"]).to_pylist()[:50]:
        assert record["email"] not in serialized and record["full_name"] not in serialized


@pytest.mark.ner
def test_nulls_repeats_and_structs_via_cli_and_dataframe(
    spark, config, single, tmp_path: Path
) -> None:
    from piiscan.cli import cli
    from piiscan.engines.spark import SparkEngine

    path = _sparse(tmp_path / "sparse.parquet")
    want = single.scan([str(path)]).to_dict()
    out = tmp_path / "inventory.json"
    result = CliRunner().invoke(
        cli,
        [
            "spark-scan",
            str(path),
            "--full",
            "--master",
            "local[2]",
            "--spacy-model",
            config.spacy_model,
            "-f",
            "json",
            "-o",
            str(out),
        ],
        env={"PIISCAN_HASH_KEY": KEY.decode()},
    )
    assert result.exit_code == 0, result.output
    got = json.loads(out.read_text(encoding="utf-8"))
    assert _comparable(got) == _comparable(want)
    fields = {f["name"]: f for f in got["assets"][0]["fields"]}
    assert fields["name"]["nulls"] == want["assets"][0]["fields"][1]["nulls"] > 0
    assert "address.city" in fields

    # A DataFrame handed in: rows in partition order, the same verdicts.
    engine = SparkEngine(config, spark)
    frame = engine.scan(spark.read.parquet(str(path)), name="sparse").to_dict()
    assert frame["assets"][0]["fields"] == want["assets"][0]["fields"]
    assert frame["assets"][0]["rows_scanned"] == 160
    assert set(engine.stats.builds.values()) == {1}  # the cached detectors again


@pytest.mark.ner
def test_typed_columns_give_the_single_process_inventory(
    spark, config, single, tmp_path: Path
) -> None:
    """Spark's executors run the scanner's typed-column plan: the same inventory, and
    exactly the values the one-process scan hands to the detectors, no more."""
    from piiscan.engines.spark import SparkEngine

    path = _typed(tmp_path / "typed.parquet")
    engine = SparkEngine(config, spark)
    got = engine.scan(str(path)).to_dict()
    before = single.columns.values_analysed
    want = single.scan([str(path)]).to_dict()
    assert _comparable(got) == _comparable(want)
    status = {f["name"]: f["status"] for f in got["assets"][0]["fields"]}
    assert status["phone"] == status["age"] == status["dob"] == "personal"
    assert status["customer_id"] == status["amount"] == "none_found"
    analysed = single.columns.values_analysed - before
    assert engine.stats.values_analysed == analysed < engine.stats.distinct_values


def test_unreadable_source_is_an_error_not_a_crash(spark, tmp_path: Path) -> None:
    from piiscan.engines.spark import scan_spark

    config = Config(spacy_model="none", hash_key=KEY)
    inventory = scan_spark(str(tmp_path / "missing.parquet"), config, spark)
    assert not inventory.assets
    assert inventory.errors[0].asset is None
    assert inventory.summary["complete"] is False


@pytest.mark.parametrize(("include", "exclude", "fields", "unmatched"), [
    (("email", "address"), ("zip",), ["email", "address.city"], []),
    (("sparse.parquet.name",), (), ["name"], []),
    ((), ("*.internal_notes",), ["id", "name", "email", "score", "flag", "address.city",
                                 "address.zip"], ["--exclude '*.internal_notes'"]),
    ((), ("sparse.parquet",), None, []),
    (("*.csv",), (), None, ["--include '*.csv'"]),
    ((), ("*",), None, []),
])
def test_include_exclude_as_the_file_connector(
    spark, tmp_path: Path, include: tuple[str, ...], exclude: tuple[str, ...],
    fields: list[str] | None, unmatched: list[str],
) -> None:
    """spark-scan selects the fields `piiscan scan` selects, and warns the same way."""
    from piiscan.engines.spark import scan_spark

    path = _sparse(tmp_path / "sparse.parquet")
    config = Config(full=True, spacy_model="none", hash_key=KEY, include=include,
                    exclude=exclude)
    got = scan_spark(str(path), config, spark)
    want = Scanner(config).scan([str(path)])
    for inventory in (got, want):
        assert [[f.name for f in a.fields] for a in inventory.assets] == (
            [fields] if fields else [])
        assert list(inventory.warnings) == [
            f"{p} matched no table, file or field" for p in unmatched]
        assert not inventory.errors
