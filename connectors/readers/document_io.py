"""What the document readers (Excel, PDF, Word, e-mail, Avro) share.

A seekable stream for readers that seek (a non-seekable stream is spooled), a short
description of a library's exception (its type and the start of its first line), lines
cut to the configured length, and the check that an Office file is a zip container
(legacy and encrypted Office files are OLE containers, explained, not misread).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from piiscan.connectors.readers import OLE_MAGIC
from piiscan.connectors.readers.archives import spool
from piiscan.connectors.readers.blob import Blob
from piiscan.errors import AssetError, EmptyAsset

OLE_REASON = "encrypted or legacy (pre-2007) Office file: OLE container, not readable"


def seekable(blob: Blob) -> IO[bytes]:
    """The blob's stream, spooled (memory, then a temporary file) when it cannot seek."""
    stream = blob.open()
    return stream if stream.seekable() else spool(stream)


def _head(fh: IO[bytes], size: int = 8) -> bytes:
    head = fh.read(size)
    fh.seek(0)
    return head


def why(exc: BaseException) -> str:
    """A library exception as a reason: its type and the start of its first line."""
    text = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def cut_lines(lines: Iterator[str], max_line_chars: int) -> Iterator[str]:
    """Non-blank lines, each cut at ``max_line_chars``."""
    for text in lines:
        for line in text.splitlines():
            if line.strip():
                yield line[:max_line_chars]


def check_office(fh: IO[bytes], what: str) -> None:
    """Raise unless ``fh`` starts like an Office Open XML (zip) file; an OLE container
    (legacy or encrypted Office) gets its own reason."""
    head = _head(fh)
    if not head:
        raise EmptyAsset("empty file")
    if head.startswith(OLE_MAGIC):
        raise AssetError(OLE_REASON)
    if not head.startswith(b"PK"):
        raise AssetError(f"not {what} (not a zip container)")
