"""Structured values inside database cells: JSON documents and binary values.

A ``jsonb`` column, a ``TEXT`` column holding JSON objects, a ``BLOB`` of a PDF: read
as plain cells they are one opaque value each, and a scanner that analyses them as
strings (or skips bytes as nulls) reports ``none_found``. :class:`CellReader` turns a
table's rows into flat records instead:

* a JSON object or array (a driver's ``dict``/``list``, or text that parses as one) is
  flattened under its column like a JSON file's records (``profile.email``,
  ``profile.orders[].sku``; :mod:`piiscan.connectors.readers.flatten`), so each path is
  a field judged on its own and anonymized leaf by leaf; the column's other cells stay
  under the column's name;
* a binary value is sniffed: text (UTF-8, or UTF-16 with a byte-order mark) is read as
  text (and as JSON when it is); anything else (images, PDF and Office documents,
  archives, other binary) is **not examined**: the cell is left out and counted per
  column and kind, for a note and for the field's ``not_scanned`` status.

Bounds: a cell is parsed as JSON only up to :data:`MAX_JSON_CHARS`; a column gives at
most :data:`MAX_PATHS` distinct paths (later paths' values go to ``column.(other)``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from piiscan.connectors.readers.flatten import flatten

MAX_JSON_CHARS = 1_000_000
MAX_PATHS = 500
OTHER_PATH = "(other)"
#: A binary value that is not text and at most this long is a key or a hash.
SHORT_BINARY = 32
#: Share of printable characters decoded bytes need to count as text.
TEXT_SHARE = 0.95
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"BM", "BMP image"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
    (b"%PDF", "PDF document"),
    (b"PK\x03\x04", "ZIP archive or Office document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE2 (Office 97-2003) document"),
    (b"{\\rtf", "RTF document"),
    (b"\x1f\x8b", "gzip data"),
    (b"BZh", "bzip2 data"),
    (b"\xfd7zXZ\x00", "xz data"),
    (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"OggS", "Ogg media"),
    (b"ID3", "MP3 audio"),
)


def binary_kind(data: bytes) -> str:
    """What a binary value that is not text is, by its first bytes."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return {b"WEBP": "WebP image", b"WAVE": "WAV audio", b"AVI ": "AVI video"}[data[8:12]]
    if data[4:8] == b"ftyp":
        return "MP4/HEIC media"
    if len(data) <= SHORT_BINARY:
        return "short binary (key or hash)"
    return "binary data"


def bytes_text(data: bytes) -> str | None:
    """The text a binary value holds, or None when it is not text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif data.startswith(b"\xef\xbb\xbf"):
        encoding, data = "utf-8", data[3:]
    else:
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    if not text or "\x00" in text:
        return None if text else ""
    printable = sum(1 for c in text if c.isprintable() or c in "\t\r\n")
    return text if printable >= TEXT_SHARE * len(text) else None


def json_document(value: Any) -> dict[Any, Any] | list[Any] | None:
    """The JSON object or array a cell holds (a driver's dict/list, or text), else None."""
    if isinstance(value, dict | list):
        return value
    if not isinstance(value, str) or not value or len(value) > MAX_JSON_CHARS:
        return None
    if value[0] not in "{[" and not value[0].isspace():
        return None
    text = value.strip()
    if not (text[:1] in "{[" and text[-1:] in "}]" and text):
        return None
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return doc if isinstance(doc, dict | list) else None


def cell_text(value: Any) -> Any:
    """A binary cell as its text when it is text; other values as they are."""
    if isinstance(value, memoryview | bytearray):
        value = bytes(value)
    if isinstance(value, bytes):
        text = bytes_text(value)
        return value if text is None else text
    return value


class CellReader:
    """Flattens the rows of one table into records (see the module docstring) and
    keeps what it could not examine."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = list(names)
        #: column -> binary kind -> cells not examined.
        self.binary: dict[str, Counter[str]] = {}
        #: column -> JSON cells flattened.
        self.json_cells: Counter[str] = Counter()
        self._paths: dict[str, set[str]] = {}
        self.capped: set[str] = set()

    def records(self, rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
        return [self._record(row) for row in rows]

    def _record(self, row: Sequence[Any]) -> dict[str, Any]:
        record: dict[str, Any] = {}
        for name, value in zip(self.names, row, strict=True):
            value = cell_text(value)
            if isinstance(value, bytes):
                self.binary.setdefault(name, Counter())[binary_kind(value)] += 1
                record[name] = None
                continue
            doc = json_document(value)
            if doc is None:
                record[name] = value
                continue
            self.json_cells[name] += 1
            for path, leaf in flatten(doc, name).items():
                record[self._path(name, path)] = leaf
        return record

    def _path(self, column: str, path: str) -> str:
        seen = self._paths.setdefault(column, set())
        if path in seen or path == column:
            return path
        if len(seen) >= MAX_PATHS:
            self.capped.add(column)
            return f"{column}.{OTHER_PATH}"
        seen.add(path)
        return path

    @property
    def unexamined(self) -> dict[str, int]:
        """Binary cells not examined, per column."""
        return {name: sum(kinds.values()) for name, kinds in self.binary.items()}

    def notes(self) -> list[str]:
        out = []
        for name, n in sorted(self.json_cells.items()):
            out.append(f"column {name}: {n} JSON value(s) read as fields {name}.*")
        for name in sorted(self.capped):
            out.append(
                f"column {name}: more than {MAX_PATHS} JSON paths; "
                f"the values of the others are read as {name}.{OTHER_PATH}"
            )
        for name, kinds in sorted(self.binary.items()):
            shown = ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items()))
            out.append(
                f"column {name}: {sum(kinds.values())} binary value(s) not examined ({shown})"
            )
        return out
