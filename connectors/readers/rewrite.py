"""What the rewriters of the format modules share: the job, its two errors, the text pair.

A rewriter streams a source file to a target file of the same format and calls back, for
each batch, JSON leaf, text line and field name, the functions its caller put in the
:class:`RewriteJob` (the anonymizer's, see :mod:`piiscan.anonymize.file_copy`). Each
format module holds its reader and its rewriter side by side (``csv_reader``,
``json_reader``, ``parquet_reader``, ``text_reader``), so a copy reads a file exactly as
the scan did: one encoding sniff (:func:`~.encoding.sniff_encoding`), one CSV dialect
sniff, one header decision, one JSON depth limit and record list. The readers never
import the anonymizer; it passes its callables in.

A rewriter returns ``(rows read, rows written)``, the second counted again from the
written file. It raises :class:`Unreadable` when the source cannot be read as its format
and :class:`RewriteFailed` when it was read but could not be written faithfully; neither
message quotes data (rows are located by number). Exceptions from the callbacks pass
through, except where a rewriter locates failing records itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

from piiscan.connectors.readers.blob import PathBlob
from piiscan.connectors.readers.encoding import BinaryContent, line_pieces, sniff_encoding
from piiscan.errors import AssetError

#: Row or line numbers a failure lists at most (then ``and N more``).
MAX_LISTED_ROWS = 10


class Unreadable(Exception):
    """The source cannot be read as its format: nothing is written. Quotes no data."""


class RewriteFailed(Exception):
    """The source was read but could not be written faithfully. Quotes no data."""


@dataclass
class RewriteJob:
    """One file to rewrite, the callbacks that change its content, and its limits.

    ``batch(batch, first_row)`` returns a batch with the same columns and rows
    (``first_row``: the 1-based number of its first row); ``value(path, value)`` a JSON
    leaf under its field path as the scanner names it; ``text(line)`` a line of text;
    ``field_name(name)`` a header cell, JSON key or column name as the copy writes it.
    """

    src: Path
    dst: Path
    batch: Callable[[pa.RecordBatch, int], pa.RecordBatch]
    value: Callable[[str, Any], Any]
    text: Callable[[str], str]
    field_name: Callable[[str], str]
    batch_rows: int
    #: Whole-document JSON is loaded in memory up to this size (and JSON lines as long).
    max_json_bytes: int
    #: Longer text lines go to ``text`` in pieces.
    max_line_chars: int
    notes: list[str] = field(default_factory=list)


Rewriter = Callable[[RewriteJob], tuple[int, int]]


def row_list(rows: list[int], word: str) -> str:
    """``rows 2, 5, 9`` (at most :data:`MAX_LISTED_ROWS` numbers, then how many more)."""
    shown = ", ".join(str(r) for r in rows[:MAX_LISTED_ROWS])
    more = f" and {len(rows) - MAX_LISTED_ROWS} more" if len(rows) > MAX_LISTED_ROWS else ""
    return f"{word} {shown}{more}"


def open_pair(job: RewriteJob) -> tuple[IO[str], IO[str]]:
    """The source opened for reading in the encoding the scan's sniff picks, validated on
    the whole file (the copy decodes every byte strictly), and the target for writing
    (UTF-8, a UTF-8 BOM kept); a note says when the source was in another encoding."""
    try:
        encoding = sniff_encoding(PathBlob(job.src, job.src.name), whole=True)
    except BinaryContent:
        raise Unreadable("binary content") from None
    except AssetError as exc:  # empty, or the file cannot be read
        raise Unreadable(str(exc)) from None
    if encoding.name not in ("utf-8", "utf-8-sig"):
        job.notes.append(f"source encoding {encoding.name}; written as UTF-8")
    out_encoding = "utf-8-sig" if encoding.name == "utf-8-sig" else "utf-8"
    src = job.src.open(encoding=encoding.name, errors="strict", newline="")
    try:
        dst = job.dst.open("w", encoding=out_encoding, newline="")
    except BaseException:
        src.close()
        raise
    return src, dst


def count_lines(path: Path, *, skip_blank: bool = False) -> int:
    """Lines of a written (UTF-8) file, blank ones left out when ``skip_blank``."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return sum(
            1
            for body, _, ends in line_pieces(fh, 1 << 20)
            if ends and not (skip_blank and not body.strip())
        )
