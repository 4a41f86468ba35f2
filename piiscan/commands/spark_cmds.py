"""``piiscan spark-scan SOURCE``: scan a Parquet table on Apache Spark (``piiscan[spark]``).

The inventory is the one ``piiscan scan --full`` writes for the same file (see
``docs/spark.md``); without pyspark the command exits 2 naming the extra to install.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from piiscan.errors import UsageError
from piiscan.policy import LEVELS


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
@click.option(
    "--format",
    "-f",
    "fmt",
    default="table",
    show_default=True,
    help="Reporter to render the inventory (see `piiscan plugins`).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to this file instead of stdout.",
)
@click.option(
    "--full",
    is_flag=True,
    default=None,
    help="Read every row and analyse every distinct value (same inventory as "
    "`piiscan scan --full`).",
)
@click.option(
    "--sample-rows", type=click.IntRange(min=1), help="Rows read without --full [default: 2000]."
)
@click.option(
    "--spacy-model",
    help="spaCy pipeline name or path, as the executors see it [env: PIISCAN_SPACY_MODEL].",
)
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(dir_okay=False),
    help="Policy YAML extending/overriding the default [env: PIISCAN_POLICY].",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="TOML config file [default: ./piiscan.toml if present].",
)
@click.option(
    "--evidence",
    type=click.Choice(["masked", "hash", "none"]),
    help="How evidence is shown: masked values, keyed hashes or nothing.",
)
@click.option(
    "--detector-pack",
    "detector_packs",
    multiple=True,
    type=click.Path(exists=True),
    help="Detector pack YAML file or folder (repeatable) [env: PIISCAN_DETECTOR_PACKS].",
)
@click.option(
    "--fail-on",
    type=click.Choice(LEVELS),
    help="Exit 1 when the table is at or above this sensitivity level.",
)
def spark_scan(
    source: str,
    master: str | None,
    conf: tuple[str, ...],
    name: str | None,
    fmt: str,
    output: Path | None,
    full: bool | None,
    sample_rows: int | None,
    spacy_model: str | None,
    policy_path: str | None,
    config_path: str | None,
    evidence: str | None,
    detector_packs: tuple[str, ...],
    fail_on: str | None,
) -> None:
    """Scan SOURCE (a Parquet file or folder of Parquet files, any path Spark reads) on
    Apache Spark; use --full for the same inventory as `piiscan scan --full`."""
    from piiscan.cli import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, _write, reaches
    from piiscan.commands.output import check_writable
    from piiscan.config import load_config
    from piiscan.engines.spark import require_pyspark, scan_spark, session
    from piiscan.registry import default_registry

    require_pyspark()
    settings = _conf(conf)
    config = load_config(
        config_path,
        full=full,
        sample_rows=sample_rows,
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
    _write(reporter, inventory, output)
    for error in inventory.errors:
        click.echo(f"warning: {error.source} {error.asset or ''}: {error.reason}", err=True)
    if any(e.asset is None for e in inventory.errors):
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_FINDINGS if reaches(inventory, fail_on) else EXIT_OK)
