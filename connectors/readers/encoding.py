"""Encoding sniffing and bounded line reading for text-based formats."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from piiscan.errors import AssetError

HEAD_BYTES = 64 * 1024
VALIDATE_BYTES = 4 * 1024 * 1024
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
_TEXT_CONTROLS = {7, 8, 9, 10, 12, 13, 27}


@dataclass(frozen=True)
class Encoding:
    """How to decode a file; ``note`` says when a fallback was used."""

    name: str
    note: str | None = None


def read_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(size)
    except OSError as exc:
        raise AssetError(f"cannot read file: {exc.strerror or exc}") from exc


def looks_binary(head: bytes) -> bool:
    """NUL bytes or many control characters (for data without a Unicode BOM)."""
    if b"\x00" in head:
        return True
    if not head:
        return False
    controls = sum(1 for b in head if b < 32 and b not in _TEXT_CONTROLS)
    return controls / len(head) > 0.1


def _valid_utf8(path: Path, limit: int = VALIDATE_BYTES) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    read = 0
    try:
        with path.open("rb") as fh:
            while read < limit:
                chunk = fh.read(min(1 << 20, limit - read))
                if not chunk:
                    decoder.decode(b"", final=True)
                    break
                read += len(chunk)
                decoder.decode(chunk, final=False)
    except UnicodeDecodeError:
        return False
    return True


def sniff_encoding(path: Path, what: str = "text") -> Encoding:
    """Pick an encoding: a BOM, else UTF-8 if valid, else cp1252 (or latin-1).

    Raises AssetError for binary content. Readers should open with ``errors="replace"``
    so that invalid bytes past the validated prefix never crash a scan.
    """
    head = read_head(path)
    for bom, name in _BOMS:
        if head.startswith(bom):
            return Encoding(name)
    if looks_binary(head):
        raise AssetError(f"{path.name} is not a {what} file (binary content)")
    if _valid_utf8(path):
        return Encoding("utf-8")
    try:
        head.decode("cp1252")
    except UnicodeDecodeError:
        return Encoding("latin-1", "not valid UTF-8; decoded as latin-1")
    return Encoding("cp1252", "not valid UTF-8; decoded as cp1252")


def open_text(path: Path, encoding: Encoding) -> IO[str]:
    """Open for reading with universal newlines kept raw (``newline=""``)."""
    try:
        return path.open(encoding=encoding.name, errors="replace", newline="")
    except OSError as exc:
        raise AssetError(f"cannot read file: {exc.strerror or exc}") from exc


def bounded_lines(fh: IO[str], limit: int) -> Iterator[tuple[str, bool]]:
    """Lines without their newline, each cut at ``limit`` characters: (text, was_cut)."""
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        cut = False
        if len(line) > limit and not line.endswith(("\n", "\r")):
            cut = True
            while True:  # skip the rest of the over-long line
                rest = fh.readline(limit)
                if not rest or rest.endswith(("\n", "\r")):
                    break
            line = line[:limit]
        yield line.rstrip("\r\n"), cut
