"""The error barriers' recorded reasons: one failure becomes an ``errors[]`` entry.

An asset that cannot be read, or a source whose discovery breaks, is recorded with a
reason that holds no secret and no value, and the scan goes on.
"""

from __future__ import annotations

import logging
import traceback

from piiscan.errors import AssetError, PiiscanError, SourceError
from piiscan.masking import scrub
from piiscan.model import ScanError
from piiscan.scanning.events import Event, EventSink
from piiscan.value_scrub import driver_message, scrub_values, sqlstate

log = logging.getLogger(__name__)

_EXPECTED = (AssetError, SourceError, OSError, ValueError, UnicodeError)


def failure_reason(exc: Exception, where: str, secrets_: list[str]) -> str:
    """The recorded reason: the message of an expected failure, else an internal error.

    Secrets are scrubbed and quoted values masked (:func:`scrub_values`): a reader's or a
    library's message may quote the cell it failed on. The debug log gets the traceback's
    frames (code, not values) and the scrubbed reason, never the raw message.
    """
    if isinstance(exc, _EXPECTED):
        return scrub_values(scrub(exception_reason(exc), secrets_))
    reason = scrub_values(scrub("internal error: " + exception_reason(exc), secrets_))
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.debug("unexpected error on %s: %s\nTraceback (most recent call last):\n%s%s",
              where, reason, frames, reason)  # fmt: skip
    return reason


def exception_reason(exc: BaseException) -> str:
    """An exception as a reason: piiscan's own message, or its class and message (a
    database driver's message only, without the SQL and parameters its wrapper adds)."""
    if isinstance(exc, PiiscanError):
        return str(exc)
    orig = getattr(exc, "orig", None)  # a database error (SQLAlchemy's wraps the driver's)
    if orig is not None or sqlstate(exc) is not None:
        return f"{type(exc).__name__}: {driver_message(orig or exc)}"
    return f"{type(exc).__name__}: {exc}"


def record_error(
    errors: list[ScanError], on_event: EventSink, source: str, asset: str | None, reason: str
) -> None:
    """Add an ``errors[]`` entry and report it as an ``error`` event."""
    errors.append(ScanError(source, asset, reason))
    on_event(Event("error", source, asset, message=reason))
