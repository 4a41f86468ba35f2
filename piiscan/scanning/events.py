"""Progress events a scan reports to its caller (the CLI's status line, the anonymizer)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    """A progress event: ``kind`` is source|asset|unchanged|rows|error|done.

    ``unchanged`` carries ``message`` "unchanged" (an incremental rescan reused the
    object's result) or "resumed" (the interrupted run being resumed had finished it).
    """

    kind: str
    source: str
    asset: str | None = None
    rows: int = 0
    message: str = ""


EventSink = Callable[[Event], None]
