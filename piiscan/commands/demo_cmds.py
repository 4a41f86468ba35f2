"""``piiscan demo``: build a small shop database and a folder of files, then scan them."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from piiscan.commands.messages import warn
from piiscan.commands.output import write_report
from piiscan.commands.progress import scan_progress


@click.command()
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
    from piiscan.registry import default_registry
    from piiscan.scanning.scanner import Scanner

    paths = build_demo(directory)
    click.echo(f"demo data: {paths.database} and {paths.files}/", err=True)
    for name, why in PLANTED.items():
        click.echo(f"planted on purpose: {paths.files}/{name} ({why})", err=True)
    warn(RESERVED_NOTE)
    config = load_config(spacy_model=spacy_model, ignore_reserved=False)
    show = sys.stderr.isatty() if progress is None else progress
    with scan_progress(show) as on_event:

        def planted(event: Any) -> None:
            if event.kind == "error" and event.asset in PLANTED:
                event = replace(event, message=f"{event.message} (planted by the demo)")
            on_event(event)

        with Scanner(config, on_event=planted) as scanner:
            inventory = scanner.scan([f"sqlite:///{paths.database}", str(paths.files)])
    inventory = replace(inventory, warnings=(*inventory.warnings, RESERVED_NOTE))
    write_report(
        default_registry.get("reporter", "json")(config), inventory, directory / "inventory.json"
    )
    write_report(default_registry.get("reporter", fmt)(config), inventory, None)
