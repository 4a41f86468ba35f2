"""Where a command's output goes: stdout, or a file written atomically (never half-written).

A failed write (unwritable path, disk full, file-size limit, closed pipe) becomes one
:class:`~piiscan.errors.UsageError` (CLI: one ``Error:`` line, exit 2) and leaves no
partial file behind.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from piiscan.commands.messages import say
from piiscan.errors import UsageError
from piiscan.model import Inventory
from piiscan.plugins import Reporter

PARTIAL_SUFFIX = ".partial"
#: Writes the output to the stream it is given (what it returns is ignored).
Render = Callable[[IO[Any]], object]


def write_output(
    output: Path | None,
    render: Render,
    *,
    binary: bool = False,
    what: str = "output",
) -> None:
    """Call ``render`` with stdout or with a temporary file moved onto ``output`` when done
    (a device or named pipe such as ``/dev/null`` is written in place).

    Binary output (``binary``) needs a file or a pipe, never a terminal.
    """
    if output is None:
        _to_stdout(render, binary, what)
        return
    if _is_special(output):  # /dev/null, a named pipe: written in place, never replaced
        _to_special(output, render, binary, what)
        return
    tmp = _partial(output)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") if binary else tmp.open("w", encoding="utf-8", newline="") as fh:
            render(fh)
        tmp.replace(output)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise UsageError(f"cannot write {output}: {why(exc)}") from None
    say(f"{what} written to {output}")


def write_report(reporter: Reporter, inventory: Inventory, output: Path | None) -> None:
    """Render ``inventory`` with ``reporter`` to stdout or atomically to ``output``."""
    write_output(
        output,
        lambda fh: reporter.write(inventory, fh),
        binary=getattr(reporter, "binary", False),
        what=f"{reporter.name} report",
    )


def write_text(text: str, output: Path | None, what: str = "output") -> None:
    """``text`` to stdout, or atomically to ``output``."""
    write_output(output, lambda fh: fh.write(text), what=what)


def check_writable(output: Path | None, what: str = "output") -> None:
    """Fail early (UsageError) when ``output`` cannot be written, before a long scan.

    Creates the parent directory as :func:`write_output` would, and creates and removes
    the temporary file; ``None`` (stdout) is always accepted.
    """
    if output is None:
        return
    if output.is_dir():
        raise UsageError(f"cannot write {what} {output}: it is a directory")
    if _is_special(output):
        if not os.access(output, os.W_OK):
            raise UsageError(f"cannot write {what} {output}: permission denied")
        return
    tmp = _partial(output)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("ab"):
            pass
        tmp.unlink()
    except OSError as exc:
        raise UsageError(f"cannot write {what} {output}: {why(exc)}") from None


def why(exc: OSError) -> str:
    """The system's short reason for a failed write (``No space left on device``)."""
    return exc.strerror or type(exc).__name__


def _is_special(output: Path) -> bool:
    """An existing target that is not a regular file (a device such as /dev/null, a named
    pipe): renaming a temporary file onto it would replace the device itself."""
    return output.exists() and not output.is_file() and not output.is_dir()


def _to_special(output: Path, render: Render, binary: bool, what: str) -> None:
    try:
        with output.open("wb") if binary else output.open("w", encoding="utf-8") as fh:
            render(fh)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {why(exc)}") from None
    say(f"{what} written to {output}")


def _partial(output: Path) -> Path:
    return output.with_name(output.name + PARTIAL_SUFFIX)


def _to_stdout(render: Render, binary: bool, what: str) -> None:
    if binary and sys.stdout.isatty():
        raise UsageError(f"{what} is binary data: use --output FILE")
    stream: IO[Any] = sys.stdout.buffer if binary else sys.stdout
    try:
        render(stream)
        stream.flush()
    except OSError as exc:
        _discard_stdout()
        raise UsageError(f"cannot write {what} to stdout: {why(exc)}") from None


def _discard_stdout() -> None:
    """Point file descriptor 1 at /dev/null, so the data still buffered in ``sys.stdout``
    cannot fail again (and print a second error) when Python flushes it on exit."""
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError, io.UnsupportedOperation):
        return  # not a real file (e.g. a test runner's buffer)
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
