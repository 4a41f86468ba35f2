"""Plain text documents as lines (encoding sniffed, over-long lines cut)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from piiscan.connectors.readers.encoding import bounded_lines, open_text, sniff_encoding


def text_lines(path: Path, *, max_line_chars: int, notes: list[str] | None = None
               ) -> Iterator[str]:
    encoding = sniff_encoding(path, "text")
    if encoding.note and notes is not None:
        notes.append(encoding.note)
    with open_text(path, encoding) as fh:
        for line, _cut in bounded_lines(fh, max_line_chars):
            yield line
