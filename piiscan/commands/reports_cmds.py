"""``piiscan matrix`` and ``piiscan ropa``: DPO documents drawn from a saved inventory.

Thin wrappers over :mod:`piiscan.reports.matrix` and :mod:`piiscan.reports.ropa`; library
errors (:class:`~piiscan.errors.UsageError`) reach the CLI group, which prints one
``Error:`` line and exits 2.
"""

from __future__ import annotations

from pathlib import Path

import click

from piiscan.commands.messages import say
from piiscan.commands.output import write_text
from piiscan.errors import UsageError

_PATH = click.Path(exists=True, dir_okay=False, path_type=Path)
_OUTPUT = click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of stdout.",
)


@click.command()
@click.argument("inventory", type=_PATH)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["markdown", "html", "csv"]),
    default="markdown",
    show_default=True,
)
@click.option(
    "--defaults",
    "defaults_path",
    type=_PATH,
    help="YAML of recommended access/retention per category, merged over the built-in one.",
)
@click.option(
    "--policy",
    "policy_path",
    type=_PATH,
    help="Policy YAML extending/overriding the default (categories, levels, GDPR classes).",
)
@_OUTPUT
def matrix(
    inventory: Path,
    fmt: str,
    defaults_path: Path | None,
    policy_path: Path | None,
    output: Path | None,
) -> None:
    """Roll a saved inventory up into a data classification matrix by category."""
    from piiscan.policy import load_policy
    from piiscan.reports.loading import load_inventory
    from piiscan.reports.matrix import build_matrix, coverage, load_defaults
    from piiscan.reports.matrix_render import render

    inv = load_inventory(inventory)
    policy = load_policy(policy_path)
    rows = build_matrix(inv, policy, load_defaults(defaults_path, policy))
    write_text(render(rows, coverage(inv, policy), fmt), output)


@click.command()
@click.argument("inventory", type=_PATH)
@click.option(
    "--activities",
    "activities_path",
    type=_PATH,
    required=True,
    help="YAML of processing activities (see docs/ropa.md).",
)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["markdown", "csv", "xlsx"]),
    default="markdown",
    show_default=True,
)
@click.option(
    "--policy",
    "policy_path",
    type=_PATH,
    help="Policy YAML extending/overriding the default.",
)
@_OUTPUT
def ropa(
    inventory: Path,
    activities_path: Path,
    fmt: str,
    policy_path: Path | None,
    output: Path | None,
) -> None:
    """Build the GDPR Article 30 record of processing from activities and an inventory."""
    from piiscan.policy import load_policy
    from piiscan.reports.loading import load_inventory
    from piiscan.reports.ropa import build_record, load_activities
    from piiscan.reports.ropa_render import render_csv, render_markdown, write_xlsx

    if fmt == "xlsx" and output is None:
        raise UsageError("--format xlsx writes a workbook: give the file with -o FILE.xlsx")
    record = build_record(
        load_activities(activities_path), load_inventory(inventory), load_policy(policy_path)
    )
    if fmt == "xlsx":
        assert output is not None
        write_xlsx(record, output)
        say(f"written to {output}")
        return
    write_text(render_csv(record) if fmt == "csv" else render_markdown(record), output)
