"""JSON documents and JSON Lines as flattened record batches.

A JSON file holds an array of records, a single object (one record), or an object
whose only list of objects holds the records (``{"count": 2, "results": [...]}``; the
other top-level scalars are metadata and are not read). Whole-document JSON is loaded
with :func:`json.load` up to ``max_bytes``; JSON Lines streams one record per line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from piiscan.connectors.readers.arrow import records_to_batch
from piiscan.connectors.readers.blob import Blob
from piiscan.connectors.readers.encoding import (
    CharBudget,
    bounded_lines,
    open_text,
    sniff_encoding,
)
from piiscan.connectors.readers.flatten import flatten
from piiscan.errors import AssetError, EmptyAsset


def _records(doc: Any) -> list[Any]:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        lists = [v for v in doc.values() if isinstance(v, list)]
        others = [v for v in doc.values() if isinstance(v, dict | list)]
        if (
            len(lists) == 1
            and len(others) == 1
            and lists[0]
            and all(isinstance(r, dict) for r in lists[0])
        ):
            return lists[0]
    return [doc]


def _batches(
    records: Iterator[Any], batch_rows: int, limit: int | None, notes: list[str] | None = None
) -> Iterator[pa.RecordBatch]:
    chunk: list[dict[str, Any]] = []
    for total, record in enumerate(records):
        if limit is not None and total >= limit:
            if notes is not None:
                notes.append(f"sampled: first {total} records (--full reads everything)")
            break
        chunk.append(flatten(record))
        if len(chunk) >= batch_rows:
            yield records_to_batch(chunk)
            chunk = []
    if chunk:
        yield records_to_batch(chunk)


def json_batches(
    blob: Blob,
    *,
    batch_rows: int,
    limit: int | None,
    max_bytes: int,
    notes: list[str] | None = None,
) -> Iterator[pa.RecordBatch]:
    """Flattened records of a whole JSON document (read whole: up to ``max_bytes``)."""
    size = blob.size
    if size is not None and size > max_bytes:
        raise AssetError(
            f"file too large for JSON ({size} bytes > {max_bytes}); "
            "convert it to JSON Lines (.jsonl) to stream it"
        )
    encoding = sniff_encoding(blob, "JSON")
    with open_text(blob, encoding) as fh:
        text = fh.read(max_bytes + 1)
    if len(text) > max_bytes:
        raise AssetError(
            f"file too large for JSON (> {max_bytes} bytes); "
            "convert it to JSON Lines (.jsonl) to stream it"
        )
    if not text.strip():
        raise EmptyAsset("empty file")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AssetError(
            f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise AssetError("JSON nested too deeply to read") from None
    del text
    records = _records(doc)
    if not records:
        raise AssetError("no records (empty JSON array)")
    yield from _batches(iter(records), batch_rows, limit, notes)


def jsonl_batches(
    blob: Blob,
    *,
    batch_rows: int,
    limit: int | None,
    max_line_chars: int,
    max_bytes: int | None = None,
    notes: list[str] | None = None,
) -> Iterator[pa.RecordBatch]:
    """Flattened records of a JSON Lines file; bad lines are skipped and counted.

    ``limit`` caps the records and ``max_bytes`` the text read (sampling)."""
    encoding = sniff_encoding(blob, "JSON Lines")
    counts = {"good": 0, "bad": 0}
    budget = CharBudget(max_bytes)

    def parsed() -> Iterator[Any]:
        with open_text(blob, encoding) as fh:
            for line, cut in bounded_lines(fh, max_line_chars, budget):
                budget.add(len(line) + 1)
                if line.strip():
                    try:
                        if cut:
                            raise ValueError("line too long")
                        value = json.loads(line)
                    except (ValueError, RecursionError):
                        counts["bad"] += 1
                    else:
                        counts["good"] += 1
                        yield value
                if budget.exceeded:
                    if notes is not None:
                        notes.append(budget.note())
                    return

    yield from _batches(parsed(), batch_rows, limit, notes)
    if counts["bad"] and notes is not None:
        notes.append(f"{counts['bad']} lines skipped (not valid JSON)")
    if not counts["good"]:
        if counts["bad"]:
            raise AssetError(f"no valid JSON lines ({counts['bad']} bad lines)")
        raise EmptyAsset("empty file")
