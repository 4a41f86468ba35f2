"""Click options that ``scan``, ``spark-scan`` and ``report`` share: one definition, one
help text.

Each name is a decorator; stack it on a command as ``@FORMAT``. The options whose help
depends on the command (where the spaCy model is looked up, what ``--fail-on`` judges)
are made by a function.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from piiscan.policy import LEVELS

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

FORMAT = click.option(
    "--format",
    "-f",
    "fmt",
    default="table",
    show_default=True,
    help="Reporter to render the inventory (see `piiscan plugins`).",
)
#: ``--format text|json`` of the commands that print a check, not an inventory.
TEXT_OR_JSON = click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
OUTPUT = click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to this file instead of stdout.",
)
SAMPLE_ROWS = click.option(
    "--sample-rows",
    type=click.IntRange(min=1),
    help="Rows (or text lines) read per table/file without --full [default: 2000].",
)
FULL = click.option(
    "--full",
    is_flag=True,
    default=None,
    help="Read every row and analyse every distinct value.",
)
POLICY = click.option(
    "--policy",
    "policy_path",
    type=click.Path(dir_okay=False),
    help="Policy YAML extending/overriding the default [env: PIISCAN_POLICY].",
)
CONFIG = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="TOML config file [default: ./piiscan.toml if present].",
)
EVIDENCE = click.option(
    "--evidence",
    type=click.Choice(["masked", "hash", "none"]),
    help="How evidence is shown: masked values, keyed hashes or nothing.",
)
INCLUDE = click.option(
    "--include",
    multiple=True,
    metavar="GLOB",
    help="Scan only what GLOB names: a table, file, folder or field by its qualified name "
    "(schema.table.column, dir/file.csv.field) or trailing parts of it (email, *.csv); "
    "repeatable; see docs/selection.md.",
)
EXCLUDE = click.option(
    "--exclude",
    multiple=True,
    metavar="GLOB",
    help="Skip what GLOB names (the grammar of --include, and it wins over --include); repeatable.",
)
DETECTOR_PACK = click.option(
    "--detector-pack",
    "detector_packs",
    multiple=True,
    type=click.Path(exists=True),
    help="Detector pack: a Presidio-format YAML file or a folder of them (repeatable) "
    "[env: PIISCAN_DETECTOR_PACKS].",
)


def spacy_model(where: str) -> Decorator:
    """``--spacy-model``; ``where`` says how the name or path is resolved."""
    return click.option(
        "--spacy-model", help=f"spaCy pipeline name or path{where} [env: PIISCAN_SPACY_MODEL]."
    )


def fail_on(what: str) -> Decorator:
    """``--fail-on LEVEL``: exit 1 when ``what`` reaches the level."""
    return click.option(
        "--fail-on",
        type=click.Choice(LEVELS),
        help=f"Exit 1 when {what} is at or above this sensitivity level.",
    )
