"""Where a command's output goes: stdout, or a file written atomically (never half-written)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import click

from piiscan.errors import UsageError


def write_output(
    output: Path | None,
    render: Callable[[IO[Any]], None],
    *,
    binary: bool = False,
    what: str = "output",
) -> None:
    """Call ``render`` with stdout or with a temporary file moved onto ``output`` when done.

    Binary output (``binary``) needs a file or a pipe, never a terminal.
    """
    if output is None:
        if not binary:
            render(sys.stdout)
            return
        if sys.stdout.isatty():
            raise UsageError(f"{what} is binary data: use --output FILE")
        render(sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    tmp = output.with_name(output.name + ".partial")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") if binary else tmp.open("w", encoding="utf-8", newline="") as fh:
            render(fh)
        tmp.replace(output)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
    click.echo(f"{what} written to {output}", err=True)


def write_text(text: str, output: Path | None, what: str = "output") -> None:
    """``text`` to stdout, or atomically to ``output``."""
    write_output(output, lambda fh: fh.write(text), what=what)
