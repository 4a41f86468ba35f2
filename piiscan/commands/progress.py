"""The scan's progress on stderr: a one-line live status, one line per error, a summary."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from piiscan.commands.messages import warn
from piiscan.terminal import printable


@contextmanager
def scan_progress(show: bool) -> Iterator[Callable[[Any], None]]:
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
