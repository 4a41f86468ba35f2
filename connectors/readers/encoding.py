"""Encoding sniffing and bounded line reading for text-based formats."""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

from piiscan.connectors.readers import sniff_format
from piiscan.connectors.readers.blob import Blob
from piiscan.errors import AssetError, EmptyAsset

HEAD_BYTES = 64 * 1024
VALIDATE_BYTES = 4 * 1024 * 1024
#: Bytes validated as UTF-8 for files that are not local (each byte is a fetch).
REMOTE_VALIDATE_BYTES = 1024 * 1024
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_TEXT_CONTROLS = {7, 8, 9, 10, 12, 13, 27}
#: How an error names binary content that :func:`sniff_format` recognises.
DESCRIBE = {
    "parquet": "a Parquet file",
    "zip": "a ZIP archive (or an Office document)",
    "gzip": "gzip-compressed data",
    "bzip2": "bzip2-compressed data",
    "pdf": "a PDF document",
    "avro": "an Avro file",
    "tar": "a tar archive",
    "ole": "a legacy or encrypted Office document",
}


class BinaryContent(AssetError):
    """A file read as text holds binary data (the message names the file, never data)."""


@dataclass(frozen=True)
class Encoding:
    """How to decode a file; ``note`` says when a fallback was used."""

    name: str
    note: str | None = None


def read_head(blob: Blob, size: int = HEAD_BYTES) -> bytes:
    """The first ``size`` bytes (one ranged read on object stores)."""
    return blob.read_range(0, size)


def sniff_magic(head: bytes) -> tuple[str, str] | None:
    """``(format, description)`` when ``head`` starts with a known binary signature."""
    fmt = sniff_format(head)
    return None if fmt is None else (fmt, DESCRIBE.get(fmt, fmt))


def looks_binary(head: bytes) -> bool:
    """NUL bytes or many control characters (for data without a Unicode BOM)."""
    if b"\x00" in head:
        return True
    if not head:
        return False
    controls = sum(1 for b in head if b < 32 and b not in _TEXT_CONTROLS)
    return controls / len(head) > 0.1


def _decodes(blob: Blob, head: bytes, encoding: str, limit: int | None) -> bool:
    """Whether the first ``limit`` bytes of ``blob`` (all of them when None) decode
    strictly as ``encoding``; ``head``, its first bytes, is used when it holds them."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    whole_head = blob.size is not None and blob.size <= len(head)  # the head is the file
    read = 0
    try:
        if whole_head or (limit is not None and limit <= len(head)):
            decoder.decode(head if limit is None else head[:limit], final=whole_head)
            return True
        with blob.open() as fh:
            while limit is None or read < limit:
                chunk = fh.read(1 << 20 if limit is None else min(1 << 20, limit - read))
                if not chunk:
                    decoder.decode(b"", final=True)
                    break
                read += len(chunk)
                decoder.decode(chunk, final=False)
    except UnicodeDecodeError:
        return False
    return True


def sniff_encoding(blob: Blob, what: str = "text", *, whole: bool = False) -> Encoding:
    """Pick an encoding: a BOM, else UTF-8 if valid, else cp1252 if valid, else latin-1.

    The scan validates the first :data:`VALIDATE_BYTES` (remote:
    :data:`REMOTE_VALIDATE_BYTES`); readers open with ``errors="replace"`` so that
    invalid bytes past them never crash a scan. ``whole`` validates the whole file
    instead: the anonymizer's copy, which decodes every byte strictly. The two agree on
    every file that fits the scan's prefix.

    Raises :class:`EmptyAsset` for an empty file and :class:`BinaryContent` for binary
    content (naming the real format when its signature is known).
    """
    head = read_head(blob)
    if not head:
        raise EmptyAsset("empty file")
    for bom, name in BOMS:
        if head.startswith(bom):
            return Encoding(name)
    magic = sniff_magic(head)
    if magic is not None or looks_binary(head):
        base = PurePosixPath(blob.name).name
        hint = f"; it looks like {magic[1]}" if magic else ""
        raise BinaryContent(f"{base} is not a {what} file (binary content){hint}")
    limit: int | None = None
    if not whole:
        limit = VALIDATE_BYTES if blob.local_path is not None else REMOTE_VALIDATE_BYTES
    if _decodes(blob, head, "utf-8", limit):
        return Encoding("utf-8")
    if _decodes(blob, head, "cp1252", limit):
        return Encoding("cp1252", "not valid UTF-8; decoded as cp1252")
    return Encoding("latin-1", "not valid UTF-8; decoded as latin-1")


def open_text(blob: Blob, encoding: Encoding) -> IO[str]:
    """Open for reading with universal newlines kept raw (``newline=""``)."""
    return io.TextIOWrapper(blob.open(), encoding=encoding.name, errors="replace", newline="")


def bounded_lines(
    fh: IO[str], limit: int, budget: CharBudget | None = None
) -> Iterator[tuple[str, bool]]:
    """Lines without their newline, each cut at ``limit`` characters: (text, was_cut).

    The rest of an over-long line is read in pieces of ``limit`` characters and dropped
    (never held whole); its length is charged to ``budget`` when given."""
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        cut = False
        if len(line) > limit and not line.endswith(("\n", "\r")):
            cut = True
            skipped = _skip_rest(fh, limit)
            if budget is not None:
                budget.add(skipped)
            line = line[:limit]
        yield line.rstrip("\r\n"), cut


def line_pieces(fh: IO[str], limit: int) -> Iterator[tuple[str, str, bool]]:
    """(text, line ending, ends a line) of a stream, lines longer than ``limit`` in
    pieces: the whole of every line, for a rewriter that writes each one back."""
    while piece := fh.readline(limit):
        body = piece.rstrip("\r\n")
        ending = piece[len(body) :]
        yield body, ending, bool(ending) or len(piece) < limit


def _skip_rest(fh: IO[str], limit: int) -> int:
    """Read and drop the rest of the current line; the characters dropped."""
    skipped = 0
    while True:
        rest = fh.readline(limit)
        skipped += len(rest)
        if not rest or rest.endswith(("\n", "\r")):
            return skipped


class CharBudget:
    """Counts characters read from a text stream against a sampling budget (``None``: no
    limit); ``exceeded`` turns true once more than ``limit`` characters went through.

    With ``max_line_chars``, :meth:`lines` cuts physical lines at that length (the rest
    of such a line is skipped, never held whole) and counts them in ``cut_lines``."""

    def __init__(self, limit: int | None, max_line_chars: int | None = None) -> None:
        self.limit = limit
        self.used = 0
        self.max_line_chars = max_line_chars
        self.cut_lines = 0

    def lines(self, fh: IO[str]) -> Iterator[str]:
        """Physical lines with their line endings (as :class:`csv.reader` wants them)."""
        cap = self.max_line_chars
        if cap is None:
            for line in fh:
                self.used += len(line)
                yield line
            return
        while line := fh.readline(cap + 1):
            self.used += len(line)
            if len(line) > cap and not line.endswith(("\n", "\r")):
                self.cut_lines += 1
                self.used += _skip_rest(fh, cap)
                line = line[:cap] + "\n"
            yield line

    def add(self, n: int) -> None:
        self.used += n

    @property
    def exceeded(self) -> bool:
        return self.limit is not None and self.used > self.limit

    def note(self) -> str:
        return f"sampled: stopped after about {self.limit} bytes (--full reads everything)"

    def cut_note(self) -> str | None:
        """The note on over-long lines, when some were cut."""
        if not self.cut_lines:
            return None
        return (
            f"{self.cut_lines} lines longer than {self.max_line_chars} characters "
            f"cut at {self.max_line_chars}"
        )
