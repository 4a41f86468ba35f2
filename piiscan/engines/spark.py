"""Scan a table on Apache Spark into the same inventory the single-process scan gives.

A source is a Parquet file or a directory of Parquet files (any path Spark reads: local,
``hdfs://``, ``s3a://``), scanned as one table, or a ``DataFrame``. Two ``mapInArrow``
stages run on the executors (:mod:`piiscan.engines.spark_tasks`): cells become distinct
values per column with their count and first occurrence, a shuffle groups them, and each
distinct value is analysed once by detectors built once per executor process. Only
counts, scores and masked evidence come back to the driver (one small state per column
per partition), which merges them and judges the fields with the scanner's own code.

With ``--full`` (``Config.full``) the inventory equals the single-process one. Without
it, Spark reads at most ``sample_rows`` rows (not the same rows the file reader samples)
and analyses every distinct value in them; see ``docs/spark.md``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pyarrow as pa

from piiscan.classification import FieldAccumulator, judge_asset
from piiscan.config import Config
from piiscan.connectors.files import file_selection, name_parts
from piiscan.detection import detection_of, free_text_warning
from piiscan.engines.partial import FieldPartial, Key
from piiscan.engines.spark_tasks import (
    CELLS_SCHEMA,
    K1,
    K2,
    ROWS,
    STATES_SCHEMA,
    Engine,
    Plan,
    analyse_values,
    engine,
    explode_cells,
)
from piiscan.errors import SourceError, UsageError
from piiscan.install import install_command
from piiscan.inventory_summary import summarize
from piiscan.masking import mask_url, scrub, url_secrets
from piiscan.model import AssetResult, FieldResult, Inventory, ScanError
from piiscan.selection import NothingSelected, Selection, unmatched_warnings
from piiscan.version import __version__

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

INSTALL_HINT = "the Spark engine needs pyspark: "


def require_pyspark() -> None:
    """Raise :class:`UsageError` naming the extra when pyspark cannot be imported."""
    try:
        import pyspark  # noqa: F401
        import pyspark.sql.pandas.utils as pandas_utils

        pandas_utils.require_minimum_pandas_version()
    except ImportError as exc:
        raise UsageError(f"{INSTALL_HINT}{install_command('spark')} ({exc})") from None


@dataclass
class SparkStats:
    """Facts about the last scan: executor processes and their detector builds."""

    #: Python worker process id -> detector builds it had made when it reported.
    builds: dict[int, int] = field(default_factory=dict)
    partitions: int = 0
    distinct_values: int = 0
    #: Distinct values the executors handed to the detectors: a typed column's short
    #: values only when its name points to a type, as in the one-process scan.
    values_analysed: int = 0


def session(
    master: str | None = None, app_name: str = "piiscan", conf: dict[str, str] | None = None
) -> SparkSession:
    """A Spark session for piiscan: the running one (``spark-submit``'s) with ``conf``
    applied, or a new one on ``master`` (default ``local[*]``)."""
    require_pyspark()
    from pyspark.sql import SparkSession

    submitted = "PYSPARK_GATEWAY_PORT" in os.environ or SparkSession.getActiveSession()
    if master is None and not submitted:
        master = "local[*]"
    builder = SparkSession.builder.appName(app_name)
    if master:
        builder = builder.master(master)
    settings = {"spark.ui.showConsoleProgress": "false"}
    if master and master.startswith("local"):
        # Workers of a local session run this interpreter, where piiscan is importable
        # (pyspark reads the variable, not the spark.pyspark.python setting).
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    settings.update(conf or {})
    for key, value in settings.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


class SparkEngine:
    """Runs scans on one Spark session; ``stats`` describes the last one."""

    def __init__(self, config: Config, spark: SparkSession | None = None) -> None:
        require_pyspark()
        self.config = config
        self.spark = spark or session()
        self.key = config.hash_key or secrets.token_bytes(32)
        self.driver: Engine = engine(config, self.key)
        self.stats = SparkStats()

    def scan(self, source: str | DataFrame, name: str | None = None) -> Inventory:
        """Scan one table (a Parquet path or a DataFrame) into an inventory."""
        display = mask_url(source) if isinstance(source, str) else "dataframe"
        asset = name or (_asset_name(source) if isinstance(source, str) else "dataframe")
        # --include/--exclude as on files: the asset is the file or folder name
        selection = file_selection(self.config.include, self.config.exclude)
        if selection.asset(name_parts(asset)) not in ("all", "some"):
            return self._inventory(display, [], [], selection)
        try:
            table = self._load(source)
        except SourceError as exc:
            return self._inventory(display, [], [ScanError(display, None, str(exc))], selection)
        try:
            result = self._scan_table(table, display, asset, selection)
        except NothingSelected:
            return self._inventory(display, [], [], selection)
        except Exception as exc:  # one table: its failure is the inventory's error
            reason = _reason(exc, url_secrets(source) if isinstance(source, str) else [])
            return self._inventory(display, [], [ScanError(display, asset, reason)], selection)
        return self._inventory(display, [result], [], selection)

    # -- reading ------------------------------------------------------------------------
    def _load(self, source: str | DataFrame) -> _Table:
        if not isinstance(source, str):
            return _Table(source, keyed=False, kind="table", types=None)
        from pyspark.errors import AnalysisException
        from pyspark.sql import functions as F

        try:
            df = self.spark.read.parquet(source)
            files = sorted(df.inputFiles())
        except AnalysisException as exc:
            reason = scrub(str(exc).splitlines()[0], url_secrets(source))
            raise SourceError(f"cannot read {mask_url(source)} as Parquet: {reason}") from None
        keyed = df.select(
            "*",
            F.col("_metadata.file_path").alias(K1),
            F.col("_metadata.row_index").alias(K2),
        )
        return _Table(
            keyed, keyed=True, kind="file", types=_parquet_types(files), size=self._size(files)
        )

    def _size(self, files: list[str]) -> int | None:
        """Total bytes of the files, from Spark's file system (None when it cannot tell)."""
        try:
            jvm, conf = self.spark._jvm, self.spark._jsc.hadoopConfiguration()
            if jvm is None:  # no JVM gateway (Spark Connect): size unknown
                return None
            total = 0
            for name in files:
                path = jvm.org.apache.hadoop.fs.Path(name)
                total += path.getFileSystem(conf).getFileStatus(path).getLen()
            return total
        except Exception:  # a file system the driver cannot stat: size unknown
            return None

    # -- one table ----------------------------------------------------------------------
    def _scan_table(
        self, table: _Table, display: str, asset: str, selection: Selection
    ) -> AssetResult:
        from pyspark.sql import functions as F

        df = table.df
        parts = name_parts(asset)
        data_cols = [f for f in df.schema.fields if f.name not in (K1, K2)]
        spark_types = {
            n: t for f in data_cols for n, t in _flat_fields(f) if selection.field(parts, n)
        }
        selection.seen(parts)
        if data_cols and not spark_types:
            raise NothingSelected(f"no field of {asset} is selected")
        kept = [f.name for f in data_cols if any(n in spark_types for n, _ in _flat_fields(f))]
        if len(kept) < len(data_cols):  # unselected columns are never read
            keys = [K1, K2] if table.keyed else []
            df = df.select(*[F.col("`" + c.replace("`", "``") + "`") for c in kept + keys])
        names = tuple(spark_types)
        types = [(table.types or {}).get(n) or spark_types[n] for n in names]
        hints = tuple(self.driver.hints(n) for n in names)
        plan = Plan(self.config, self.key, names, hints, tuple(types), table.keyed)
        notes: list[str] = []
        if not self.config.full:
            df = df.limit(self.config.sample_rows)
        cells = df.mapInArrow(partial(explode_cells, plan), CELLS_SCHEMA)
        values = (
            cells.groupBy("col", "text")
            .agg(F.sum("n").alias("n"), F.min(F.struct("k1", "k2")).alias("first"))
            .select(
                "col", "text", "n", F.col("first.k1").alias("k1"), F.col("first.k2").alias("k2")
            )
        )
        states = values.mapInArrow(partial(analyse_values, plan), STATES_SCHEMA).collect()

        partials, rows_by_group = self._merge(states, len(names))
        rows = sum(rows_by_group.values())
        if not self.config.full:
            notes.append(
                f"sampled: at most {self.config.sample_rows} rows read by Spark "
                "(--full reads everything)"
            )
        row_of = _row_numbers(rows_by_group)
        fields: list[FieldResult] = []
        dropped: list[str] = []
        for i, col in enumerate(names):
            acc = self._accumulator(col, str(types[i]) if types[i] else None, hints[i])
            partials[i].fill(acc, row_of)
            self.stats.distinct_values += acc.distinct_analyzed
            fields.append(acc.result())
            if acc.findings_dropped:
                dropped.append(f"field {col}: {acc.findings_dropped} further findings not listed")
        notes = dropped + notes if fields else ["no columns", *notes]
        result = judge_asset(
            display, asset, table.kind, rows, True, fields, [], self.driver.policy, notes
        )
        if table.size is None:
            return result
        # Spark reads every byte of a full scan; how much of a sample it read is unknown.
        return replace(
            result, size_bytes=table.size, bytes_read=table.size if self.config.full else None
        )

    def _merge(
        self, states: list[Any], columns: int
    ) -> tuple[dict[int, FieldPartial], dict[str, int]]:
        """Fold the executors' partials per column; row counts per file or partition."""
        partials = {i: FieldPartial(examples=self.config.evidence_examples) for i in range(columns)}
        rows_by_group: dict[str, int] = {}
        self.stats = SparkStats()
        for row in states:
            if row.col != ROWS:
                partials[row.col].merge(FieldPartial.from_json(row.state))
                continue
            facts = json.loads(row.state)
            for group, n in facts["rows"].items():
                rows_by_group[group] = rows_by_group.get(group, 0) + n
            pid = facts["pid"]
            self.stats.builds[pid] = max(self.stats.builds.get(pid, 0), facts["builds"])
            self.stats.values_analysed += facts["analysed"]
            self.stats.partitions += 1
        return partials, rows_by_group

    def _accumulator(self, name: str, data_type: str | None, hints: tuple) -> FieldAccumulator:
        c = self.config
        return FieldAccumulator(
            name=name,
            data_type=data_type,
            hints=hints,
            policy=self.driver.policy,
            encoder=self.driver.encoder,
            min_score=c.min_score,
            max_values=None,
            examples=c.evidence_examples,
        )

    # -- the inventory ------------------------------------------------------------------
    def _inventory(
        self,
        display: str,
        assets: list[AssetResult],
        errors: list[ScanError],
        selection: Selection | None = None,
    ) -> Inventory:
        """``selection``: the include/exclude patterns as applied (warns of unmatched ones)."""
        settings = {
            **self.config.public_settings(),
            "hash_key": "provided" if self.config.hash_key else "ephemeral",
            "engine": f"spark {self.spark.version} ({self.spark.sparkContext.master})",
        }
        detection = detection_of(self.driver.detectors)
        warning = free_text_warning(detection, assets)
        return Inventory(
            tool={"name": "piiscan", "version": __version__},
            settings=settings,
            policy=self.driver.policy.describe(),
            detectors=tuple(d.describe() for d in self.driver.detectors),
            sources=(display,),
            assets=tuple(assets),
            errors=tuple(errors),
            generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            summary=summarize(assets, errors),
            detection=detection,
            warnings=(
                *unmatched_warnings(
                    self.config.include, self.config.exclude, [selection] if selection else []
                ),
                *((warning,) if warning else ()),
            ),
        )


@dataclass(frozen=True)
class _Table:
    df: Any
    keyed: bool
    kind: str
    #: Column name -> Arrow type as the single-process reader gives it (when readable).
    types: dict[str, pa.DataType] | None
    size: int | None = None


def scan_spark(
    source: str | DataFrame,
    config: Config,
    spark: SparkSession | None = None,
    name: str | None = None,
) -> Inventory:
    """Library entry point: scan ``source`` on Spark (a new local session when none)."""
    return SparkEngine(config, spark).scan(source, name)


def _asset_name(source: str) -> str:
    """The file or directory name, as the file connector names a single-file source."""
    path = urlsplit(source).path if "://" in source else source
    return PurePosixPath(path.rstrip("/")).name or path


def _flat_fields(f: Any, prefix: str = "") -> Iterator[tuple[str, pa.DataType | None]]:
    """Leaf fields of a Spark struct field, named ``parent.child``, with their Arrow type
    (None when Arrow cannot carry it)."""
    from pyspark.sql.types import StructType

    name = f"{prefix}{f.name}"
    if isinstance(f.dataType, StructType):
        for child in f.dataType.fields:
            yield from _flat_fields(child, name + ".")
    else:
        yield name, _arrow_type(f.dataType)


def _arrow_type(data_type: Any) -> pa.DataType | None:
    try:
        from pyspark.sql.pandas.types import to_arrow_type

        return to_arrow_type(data_type)
    except Exception:  # a type Arrow cannot carry
        return None


def _parquet_types(files: list[str]) -> dict[str, pa.DataType] | None:
    """Column types from the first file's footer when the driver can read it (local), as
    the file reader names them (struct fields flattened)."""
    if not files or not files[0].startswith("file:"):
        return None
    import pyarrow.parquet as pq

    from piiscan.connectors.files import source_path
    from piiscan.connectors.readers.parquet_reader import flat_arrays

    try:
        schema = pq.read_schema(source_path(files[0]))
    except (OSError, ValueError, pa.ArrowException):
        return None
    empty = pa.RecordBatch.from_pylist([], schema=schema)
    return {
        n: a.type
        for name, col in zip(schema.names, empty.columns, strict=True)
        for n, a in flat_arrays(name, col)
    }


def _row_numbers(rows_by_group: dict[str, int]) -> Any:
    """Key -> 1-based row number, groups (files, partitions) taken in sorted order."""
    offsets: dict[str, int] = {}
    total = 0
    for group in sorted(rows_by_group):
        offsets[group] = total
        total += rows_by_group[group]

    def row_of(key: Key) -> int:
        return offsets.get(key[0], 0) + key[1] + 1

    return row_of


def _reason(exc: Exception, secrets_: list[str]) -> str:
    """A failed job's reason without values: the exception class and Spark's error class."""
    error_class = getattr(exc, "getCondition", lambda: None)() or ""
    return scrub(f"Spark job failed: {type(exc).__name__} {error_class}".strip(), secrets_)
