"""The command line: a thin layer over the library.

Exit codes: 0 the command ran; 1 findings at or above ``--fail-on``; 2 usage, config or
connection error (a source that could not be opened at all). Errors print one
``Error:`` line, never a traceback.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from piiscan import __version__
from piiscan.commands import options as opt
from piiscan.commands.messages import add_verbosity_options, warn
from piiscan.errors import PiiscanError
from piiscan.policy import level_rank
from piiscan.terminal import printable, printable_lines

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class _Cli(click.Group):
    """Turns library errors into one ``Error:`` line and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PiiscanError as exc:
            click.echo(f"Error: {printable_lines(str(exc))}", err=True)
            ctx.exit(EXIT_USAGE)


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="piiscan")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option(
    "-q", "--quiet", is_flag=True, help="Only errors (and the --fail-on verdict) on stderr."
)
def cli(verbose: int, quiet: bool) -> None:
    """piiscan: find and classify personal data in databases and files."""
    from piiscan.commands.messages import configure
    from piiscan.log_scrub import install

    configure(verbose, quiet)  # -q/-v after the subcommand apply again when parsed

    install()  # no secret in any log line, third-party libraries' included


def _scan_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
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


@cli.command()
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
    from piiscan.config import load_config

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
    config: Any,
    fmt: str,
    output: Path | None,
    fail_on: str | None,
    progress: bool | None,
) -> int:
    """Scan, write the report, and return the exit code."""
    from piiscan.commands.output import check_writable
    from piiscan.pipeline import Scanner, preflight_sources
    from piiscan.registry import default_registry

    reporter = default_registry.get("reporter", fmt)(config)
    check_writable(output, f"{fmt} report")  # fail before a long scan, not after it
    preflight_sources(sources)  # a missing path fails before the model loads
    show = sys.stderr.isatty() if progress is None else progress
    with _progress(show) as on_event:
        scanner = Scanner(config, on_event=on_event)
        try:
            inventory = scanner.scan(sources)
        finally:
            scanner.close()
    for warning in inventory.warnings:  # patterns that matched nothing, and the like
        warn(warning)
    _write(reporter, inventory, output)
    if any(e.asset is None for e in inventory.errors):
        return EXIT_USAGE
    return fail_on_exit(inventory, fail_on)


def reaches(inventory: Any, level: str | None) -> bool:
    """Whether any asset of ``inventory`` is at or above ``level`` (``--fail-on``)."""
    return bool(crossing(inventory, level))


def crossing(inventory: Any, level: str | None) -> list[Any]:
    """The assets at or above ``level``, most sensitive first (none without a level)."""
    if not level:
        return []
    found = [a for a in inventory.assets if level_rank(a.sensitivity) >= level_rank(level)]
    return sorted(found, key=lambda a: (-level_rank(a.sensitivity), a.source, a.asset))


#: Assets named on stderr when --fail-on fails; the rest are counted.
FAIL_ON_LISTED = 20


def fail_on_exit(inventory: Any, level: str | None) -> int:
    """Exit code for ``--fail-on``; names the assets that crossed the level on stderr."""
    found = crossing(inventory, level)
    if not found:
        return EXIT_OK
    click.echo(f"fail-on {level}: {len(found)} asset(s) at or above {level}:", err=True)
    for asset in found[:FAIL_ON_LISTED]:
        where = printable(f"{asset.asset}  ({asset.source})")
        click.echo(f"  {asset.sensitivity:<9} {where}", err=True)
    if len(found) > FAIL_ON_LISTED:
        click.echo(f"  … and {len(found) - FAIL_ON_LISTED} more", err=True)
    return EXIT_FINDINGS


def _write(reporter: Any, inventory: Any, output: Path | None) -> None:
    """Render ``inventory`` with ``reporter`` to stdout or atomically to ``output``."""
    from piiscan.commands.output import write_output

    write_output(
        output,
        lambda fh: reporter.write(inventory, fh),
        binary=getattr(reporter, "binary", False),
        what=f"{reporter.name} report",
    )


@contextmanager
def _progress(show: bool) -> Iterator[Callable[[Any], None]]:
    """An event sink: a one-line live status on stderr, and one line per error; at the
    end a summary with the scanning time (from the first source opened, so model loading
    is not counted)."""
    state = {"assets": 0, "rows": 0, "errors": 0, "width": 0, "unchanged": 0, "resumed": 0}
    started: list[float] = []

    def status(text: str) -> None:
        if show:
            line = printable(text)[:110]
            pad = max(0, state["width"] - len(line))
            sys.stderr.write("\r" + line + " " * pad)
            sys.stderr.flush()
            state["width"] = len(line)

    def on_event(event: Any) -> None:
        if not started:
            started.append(time.perf_counter())
        if event.kind == "asset":
            state["assets"] += 1
            status(f"[{state['assets']}] {event.asset}")
        elif event.kind == "rows":
            state["rows"] += event.rows
            status(f"[{state['assets']}] {event.asset}: {state['rows']} rows read")
        elif event.kind == "unchanged":
            key = "resumed" if event.message == "resumed" else "unchanged"
            state[key] += 1
            status(f"[{state['assets']}] {event.asset}: {key}")
        elif event.kind == "source":
            status(f"opening {event.source}")
        elif event.kind == "error":
            state["errors"] += 1
            status("")
            if show:
                sys.stderr.write("\r")
            where = f"{event.source} {event.asset}" if event.asset else event.source
            warn(f"{where}: {event.message}")

    try:
        yield on_event
    finally:
        if show and state["width"]:
            sys.stderr.write("\r" + " " * state["width"] + "\r")
            click.echo(
                f"scanned {state['assets']} assets, {state['rows']} rows, {state['errors']} errors"
                + (f" ({state['unchanged']} unchanged)" if state["unchanged"] else "")
                + (f" ({state['resumed']} resumed)" if state["resumed"] else "")
                + (f" in {time.perf_counter() - started[0]:.1f} s" if started else ""),
                err=True,
            )


@cli.command()
@click.argument("inventory", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@opt.FORMAT
@opt.OUTPUT
@opt.fail_on("an asset")
def report(inventory: Path, fmt: str, output: Path | None, fail_on: str | None) -> None:
    """Re-render a saved JSON inventory without rescanning."""
    from piiscan.registry import default_registry
    from piiscan.reports.loading import load_inventory

    inv = load_inventory(inventory)
    _write(default_registry.get("reporter", fmt)(None), inv, output)
    sys.exit(fail_on_exit(inv, fail_on))


@cli.command()
def plugins() -> None:
    """List installed connectors, detectors and reporters."""
    from piiscan.registry import default_registry

    rows = default_registry.describe()
    for kind in ("connector", "detector", "reporter"):
        click.echo(f"{kind}s:")
        for info in (r for r in rows if r.kind == kind):
            state = "ok" if info.loaded else f"BROKEN ({info.error})"
            click.echo(
                f"  {info.name:<14} {state:<4} {info.target}"
                + (f"  - {info.description}" if info.description else "")
            )


@cli.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("piiscan-demo"),
    show_default=True,
    help="Where to build the demo database and files.",
)
@click.option(
    "--format",
    "-f",
    "fmt",
    default="table",
    show_default=True,
    help="Reporter for the terminal output.",
)
@click.option("--spacy-model", help="spaCy pipeline name or path [env: PIISCAN_SPACY_MODEL].")
@click.option("--progress/--no-progress", default=None, help="Progress on stderr.")
def demo(directory: Path, fmt: str, spacy_model: str | None, progress: bool | None) -> None:
    """Build a small shop database and a folder of files, then scan them.

    The JSON inventory is also written to DIR/inventory.json.
    """
    from dataclasses import replace

    from piiscan.config import load_config
    from piiscan.demo import PLANTED, RESERVED_NOTE, build_demo
    from piiscan.pipeline import Scanner
    from piiscan.registry import default_registry

    paths = build_demo(directory)
    click.echo(f"demo data: {paths.database} and {paths.files}/", err=True)
    for name, why in PLANTED.items():
        click.echo(f"planted on purpose: {paths.files}/{name} ({why})", err=True)
    warn(RESERVED_NOTE)
    config = load_config(spacy_model=spacy_model, ignore_reserved=False)
    show = sys.stderr.isatty() if progress is None else progress
    with _progress(show) as on_event:

        def planted(event: Any) -> None:
            if event.kind == "error" and event.asset in PLANTED:
                event = replace(event, message=f"{event.message} (planted by the demo)")
            on_event(event)

        inventory = Scanner(config, on_event=planted).scan(
            [f"sqlite:///{paths.database}", str(paths.files)]
        )
    inventory = replace(inventory, warnings=(*inventory.warnings, RESERVED_NOTE))
    _write(
        default_registry.get("reporter", "json")(config), inventory, directory / "inventory.json"
    )
    _write(default_registry.get("reporter", fmt)(config), inventory, None)


def _add_commands() -> None:
    """Commands that live in their own modules (reports for DPOs, policy reconciliation)."""
    from piiscan.commands.anonymize_cmds import anonymize, deanonymize
    from piiscan.commands.doctor_cmds import doctor
    from piiscan.commands.gate_cmds import baseline, diff
    from piiscan.commands.pack_cmds import packs
    from piiscan.commands.policy_cmds import policy
    from piiscan.commands.reports_cmds import matrix, ropa
    from piiscan.commands.spark_cmds import spark_scan

    cli.add_command(anonymize)
    cli.add_command(deanonymize)
    cli.add_command(matrix)
    cli.add_command(ropa)
    cli.add_command(policy)
    cli.add_command(diff)
    cli.add_command(baseline)
    cli.add_command(packs)
    cli.add_command(spark_scan)
    cli.add_command(doctor)


_add_commands()
add_verbosity_options(cli)


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="piiscan")


if __name__ == "__main__":
    main()
