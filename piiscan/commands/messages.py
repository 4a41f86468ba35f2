"""How commands talk on stderr: one style for warnings, and ``-q``/``-v`` anywhere.

Warnings from the library (``logging``) and from the commands themselves both read
``warning: …``; ``-q`` silences both (only ``Error:`` lines remain), ``-v``/``-vv`` add
info and debug lines. The options work before the subcommand (``piiscan -q scan …``) and
after it (``piiscan scan … -q``): :func:`add_verbosity_options` gives every command its
own copy.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from piiscan.terminal import printable_lines

_state = {"quiet": False}


class _LowerCaseLevel(logging.Formatter):
    """``warning: message`` (the same spelling as the commands' own warnings)."""

    def format(self, record: logging.LogRecord) -> str:
        record.levelname_lower = record.levelname.lower()
        return printable_lines(super().format(record))


def configure(verbose: int = 0, quiet: bool = False) -> None:
    """Set the stderr verbosity for this process (called for each ``-q``/``-v`` seen)."""
    levels = (logging.WARNING, logging.INFO, logging.DEBUG)
    level = logging.ERROR if quiet else levels[min(verbose, 2)]
    _state["quiet"] = quiet
    root = logging.getLogger()
    if not root.handlers:  # a host application (or a test runner) keeps its own handlers
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_LowerCaseLevel("%(levelname_lower)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("presidio-analyzer").setLevel(max(level, logging.ERROR))
    # botocore's debug lines quote whole response bodies: an object listing names every
    # key, before piiscan has read (and masked) one of them
    logging.getLogger("botocore.parsers").setLevel(max(level, logging.INFO))


def is_quiet() -> bool:
    return _state["quiet"]


def say(message: str) -> None:
    """One informational line on stderr (``report written to …``), unless ``-q``."""
    if not _state["quiet"]:
        click.echo(printable_lines(message), err=True)


def warn(message: str) -> None:
    """One ``warning: …`` line on stderr, unless ``-q``."""
    if not _state["quiet"]:
        click.echo(f"warning: {printable_lines(message)}", err=True)


def _set_quiet(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        configure(quiet=True)


def _set_verbose(ctx: click.Context, _param: click.Parameter, value: int) -> None:
    if value and not _state["quiet"]:
        configure(verbose=value)


def verbosity_params() -> list[click.Parameter]:
    """``-v``/``-q`` for one command (applied while its arguments are parsed)."""
    return [
        click.Option(
            ["-v", "--verbose"],
            count=True,
            expose_value=False,
            callback=_set_verbose,
            help="More log output (-vv for debug).",
        ),
        click.Option(
            ["-q", "--quiet"],
            is_flag=True,
            expose_value=False,
            callback=_set_quiet,
            help="Only errors (and the --fail-on verdict) on stderr.",
        ),
    ]


def add_verbosity_options(command: Any) -> None:
    """Give ``command`` (and every subcommand of a group) its own ``-v``/``-q``."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_verbosity_options(sub)
        return
    names = {n for p in command.params for n in getattr(p, "opts", ())}
    if not names & {"-q", "--quiet", "-v", "--verbose"}:
        command.params.extend(verbosity_params())
