"""Plain text documents as lines (encoding sniffed, over-long lines cut); and their
rewrite, line by line, with the line endings kept (:func:`rewrite_text`)."""

from __future__ import annotations

from collections.abc import Iterator

from piiscan.connectors.readers.blob import Blob
from piiscan.connectors.readers.encoding import (
    CharBudget,
    bounded_lines,
    line_pieces,
    open_text,
    sniff_encoding,
)
from piiscan.connectors.readers.rewrite import (
    RewriteFailed,
    RewriteJob,
    count_lines,
    open_pair,
    row_list,
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


def rewrite_text(job: RewriteJob) -> tuple[int, int]:
    """Copy a text file through ``job.text`` line by line (a line longer than
    ``job.max_line_chars`` in pieces; empty lines and line endings kept as they are)."""
    src, dst = open_pair(job)
    lines, failed, error = 0, [], ""
    with src, dst:
        for body, ending, ends in line_pieces(src, job.max_line_chars):
            if ends:
                lines += 1
            new = body
            if body:
                try:
                    new = job.text(body)
                except Exception as exc:
                    failed.append(lines + (0 if ends else 1))
                    error = type(exc).__name__
                    continue
            dst.write(new + ending)
    if failed:
        raise RewriteFailed(
            f"{row_list(sorted(set(failed)), 'lines')} failed to transform ({error})"
        )
    return lines, count_lines(job.dst)
