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


def text_lines(
    blob: Blob, *, max_line_chars: int, max_bytes: int | None = None, notes: list[str] | None = None
) -> Iterator[str]:
    """Lines of a text document; ``max_bytes`` stops early when sampling (with a note).

    Lines longer than ``max_line_chars`` are cut (a note counts them)."""
    encoding = sniff_encoding(blob, "text")
    if encoding.note and notes is not None:
        notes.append(encoding.note)
    budget = CharBudget(max_bytes, max_line_chars)
    try:
        with open_text(blob, encoding) as fh:
            for line, cut in bounded_lines(fh, max_line_chars, budget):
                budget.add(len(line) + 1)
                budget.cut_lines += cut
                yield line
                if budget.exceeded:
                    if notes is not None:
                        notes.append(budget.note())
                    return
    finally:
        if notes is not None and budget.cut_note():
            notes.append(budget.cut_note())  # type: ignore[arg-type]
