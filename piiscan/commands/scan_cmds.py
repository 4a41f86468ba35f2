"""``piiscan scan SOURCES`` (sources into an inventory and a report) and ``piiscan report``
(a saved JSON inventory rendered again, without rescanning)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from piiscan.commands import options as opt
from piiscan.commands.messages import warn
from piiscan.commands.output import check_writable, write_report
from piiscan.commands.progress import scan_progress
from piiscan.commands.verdict import EXIT_USAGE, fail_on_exit
from piiscan.config import Config, load_config


def _scan_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options: list[opt.Decorator] = [
        opt.FORMAT,
        opt.OUTPUT,
        opt.SAMPLE_ROWS,
        opt.FULL,
        click.option(
            "--jobs",
            "-j",
            type=click.IntRange(min=1),
            help="Worker processes analysing values in --full scans [default: 1; env: "
            "PIISCAN_JOBS]; each loads the NLP model once.",
        ),
        opt.INCLUDE,
        opt.EXCLUDE,
        opt.spacy_model("; 'none' for rule-only"),
        opt.POLICY,
        opt.CONFIG,
        opt.EVIDENCE,
        opt.fail_on("an asset"),
        click.option(
            "--progress/--no-progress",
            default=None,
            help="Progress on stderr [default: when stderr is a terminal].",
        ),
        click.option(
            "--endpoint-url",
            help="Endpoint of an S3-compatible store [env: PIISCAN_ENDPOINT_URL].",
        ),
        click.option(
            "--state",
            "state_path",
            type=click.Path(dir_okay=False),
            help="SQLite state file: a killed scan resumes where it stopped, and rescans "
            "carry unchanged objects over [env: PIISCAN_STATE].",
        ),
        opt.DETECTOR_PACK,
        click.option(
            "--no-default-allow-list",
            "default_allow_list",
            flag_value=False,
            default=None,
            help="Count reserved and test values as real: published test values "
            "(4111 1111 1111 1111, 078-05-1120...), example.com addresses, 555-01xx phones, "
            "documentation IP ranges and anonymizer surrogates (by default they are set "
            "aside and only counted).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.command()
@click.argument("sources", nargs=-1, required=True)
@_scan_options
def scan(
    sources: tuple[str, ...],
    fmt: str,
    output: Path | None,
    sample_rows: int | None,
    full: bool | None,
    jobs: int | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    spacy_model: str | None,
    policy_path: str | None,
    config_path: str | None,
    evidence: str | None,
    fail_on: str | None,
    progress: bool | None,
    endpoint_url: str | None,
    state_path: str | None,
    detector_packs: tuple[str, ...],
    default_allow_list: bool | None,
) -> None:
    """Scan database URLs and paths into a policy-tagged sensitivity inventory.

    SOURCES are SQLAlchemy URLs (sqlite:///shop.db, postgresql://user@host/db) or
    local files and directories (scanned recursively).
    """
    config = load_config(
        config_path,
        sample_rows=sample_rows,
        full=full,
        jobs=jobs,
        include=include or None,
        exclude=exclude or None,
        spacy_model=spacy_model,
        policy_path=policy_path,
        evidence=evidence,
        endpoint_url=endpoint_url,
        state_path=state_path,
        detector_packs=detector_packs or None,
        default_allow_list=default_allow_list,  # off: reserved values count as real too
    )
    code = run_scan(list(sources), config, fmt, output, fail_on, progress)
    sys.exit(code)


def run_scan(
    sources: list[str],
    config: Config,
    fmt: str,
    output: Path | None,
    fail_on: str | None,
    progress: bool | None,
) -> int:
    """Scan, write the report, and return the exit code."""
    from piiscan.registry import default_registry, preflight_sources
    from piiscan.scanning.scanner import Scanner

    reporter = default_registry.get("reporter", fmt)(config)
    check_writable(output, f"{fmt} report")  # fail before a long scan, not after it
    preflight_sources(sources)  # a missing path fails before the model loads
    show = sys.stderr.isatty() if progress is None else progress
    with scan_progress(show) as on_event, Scanner(config, on_event=on_event) as scanner:
        inventory = scanner.scan(sources)
    for warning in inventory.warnings:  # patterns that matched nothing, and the like
        warn(warning)
    write_report(reporter, inventory, output)
    if any(e.asset is None for e in inventory.errors):
        return EXIT_USAGE
    return fail_on_exit(inventory, fail_on)


@click.command()
@click.argument("inventory", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@opt.FORMAT
@opt.OUTPUT
@opt.fail_on("an asset")
def report(inventory: Path, fmt: str, output: Path | None, fail_on: str | None) -> None:
    """Re-render a saved JSON inventory without rescanning."""
    from piiscan.registry import default_registry
    from piiscan.reports.loading import load_inventory

    inv = load_inventory(inventory)
    write_report(default_registry.get("reporter", fmt)(None), inv, output)
    sys.exit(fail_on_exit(inv, fail_on))
