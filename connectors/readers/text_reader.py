"""Plain text documents as lines (encoding sniffed, over-long lines cut)."""

from __future__ import annotations

from collections.abc import Iterator

from piiscan.connectors.readers.blob import Blob
from piiscan.connectors.readers.encoding import (
    CharBudget,
    bounded_lines,
    open_text,
    sniff_encoding,
)


def text_lines(blob: Blob, *, max_line_chars: int, max_bytes: int | None = None,
               notes: list[str] | None = None) -> Iterator[str]:
    """Lines of a text document; ``max_bytes`` stops early when sampling (with a note)."""
    encoding = sniff_encoding(blob, "text")
    if encoding.note and notes is not None:
        notes.append(encoding.note)
    budget = CharBudget(max_bytes)
    with open_text(blob, encoding) as fh:
        for line, _cut in bounded_lines(fh, max_line_chars):
            if budget.exceeded:
                if notes is not None:
                    notes.append(budget.note())
                return
            budget.add(len(line) + 1)
            yield line
