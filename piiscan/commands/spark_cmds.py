"""``piiscan spark-scan SOURCE``: scan a Parquet table on Apache Spark (the ``spark`` extra).

The inventory is the one ``piiscan scan --full`` writes for the same file (see
``docs/spark.md``); without pyspark the command exits 2 naming the extra to install.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from piiscan.commands import options as opt
from piiscan.commands.messages import warn
from piiscan.commands.output import check_writable, write_report
from piiscan.commands.verdict import EXIT_USAGE, fail_on_exit
from piiscan.errors import UsageError


def _conf(values: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--conf takes KEY=VALUE, not {item!r}")
        out[key.strip()] = value
    return out


@click.command("spark-scan")
@click.argument("source")
@click.option(
    "--master",
    help="Spark master of a new session [default: spark-submit's, else local[*]].",
)
@click.option(
    "--conf",
    "conf",
    multiple=True,
    metavar="KEY=VALUE",
    help="Spark setting for the session (repeatable).",
)
@click.option("--name", help="Asset name in the inventory [default: the file or folder name].")
@opt.FORMAT
@opt.OUTPUT
@opt.FULL
@opt.SAMPLE_ROWS
@opt.INCLUDE
@opt.EXCLUDE
@opt.spacy_model(", as the executors see it")
@opt.POLICY
@opt.CONFIG
@opt.EVIDENCE
@opt.DETECTOR_PACK
@opt.fail_on("the table")
def spark_scan(
    source: str,
    master: str | None,
    conf: tuple[str, ...],
    name: str | None,
    fmt: str,
    output: Path | None,
    full: bool | None,
    sample_rows: int | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    spacy_model: str | None,
    policy_path: str | None,
    config_path: str | None,
    evidence: str | None,
    detector_packs: tuple[str, ...],
    fail_on: str | None,
) -> None:
    """Scan SOURCE (a Parquet file or folder of Parquet files, any path Spark reads) on
    Apache Spark; use --full for the same inventory as `piiscan scan --full`."""
    from piiscan.config import load_config
    from piiscan.engines.spark import require_pyspark, scan_spark, session
    from piiscan.registry import default_registry

    require_pyspark()
    settings = _conf(conf)
    config = load_config(
        config_path,
        full=full,
        sample_rows=sample_rows,
        include=include or None,
        exclude=exclude or None,
        spacy_model=spacy_model,
        policy_path=policy_path,
        evidence=evidence,
        detector_packs=detector_packs or None,
    )
    reporter = default_registry.get("reporter", fmt)(config)
    check_writable(output, f"{fmt} report")
    spark = session(master, conf=settings)
    spark.sparkContext.setLogLevel("ERROR")  # Spark's own chatter off stderr
    inventory = scan_spark(source, config, spark, name=name)
    for warning in inventory.warnings:  # patterns that matched nothing, and the like
        warn(warning)
    write_report(reporter, inventory, output)
    for error in inventory.errors:
        warn(f"{error.source} {error.asset or ''}: {error.reason}")
    if any(e.asset is None for e in inventory.errors):
        sys.exit(EXIT_USAGE)
    sys.exit(fail_on_exit(inventory, fail_on))
