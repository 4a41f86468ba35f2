"""JSON documents and JSON Lines as flattened record batches.

A JSON file holds an array of records, a single object (one record), or an object
whose only list of objects holds the records (``{"count": 2, "results": [...]}``; the
other top-level scalars are metadata and are not read). Whole-document JSON is loaded
with :func:`json.load` up to ``max_bytes``; JSON Lines streams one record per line.

:func:`rewrite_json` and :func:`rewrite_jsonl` write a copy (:mod:`.rewrite`): the same
records, found the same way, every leaf through the job's ``value`` callback under the
path the scan names it by (:func:`~.flatten.rewrite_leaves`); the metadata beside a
record list is rewritten too. A document keeps its indentation and final newline.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from piiscan.connectors.readers.arrow import records_to_batch
from piiscan.connectors.readers.blob import Blob
from piiscan.connectors.readers.encoding import (
    CharBudget,
    bounded_lines,
    line_pieces,
    open_text,
    sniff_encoding,
)
from piiscan.connectors.readers.flatten import flatten, rewrite_leaves
from piiscan.connectors.readers.rewrite import (
    RewriteFailed,
    RewriteJob,
    Unreadable,
    count_lines,
    open_pair,
    row_list,
)
from piiscan.errors import AssetError, EmptyAsset


def record_list(doc: Any) -> tuple[list[Any], str | None]:
    """The records of a JSON document, and the key holding them when they sit in an
    object (``{"count": 2, "results": [...]}``: the only list or object in it, a
    non-empty list of objects); a document of any other shape is one record."""
    if isinstance(doc, list):
        return doc, None
    if isinstance(doc, dict):
        lists = [k for k, v in doc.items() if isinstance(v, list)]
        others = [v for v in doc.values() if isinstance(v, dict | list)]
        if (
            len(lists) == 1
            and len(others) == 1
            and doc[lists[0]]
            and all(isinstance(r, dict) for r in doc[lists[0]])
        ):
            return doc[lists[0]], lists[0]
    return [doc], None


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
    records, _ = record_list(doc)
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


# -- rewrite -----------------------------------------------------------------------------
def _rewrite_records(job: RewriteJob, records: list[Any], word: str) -> list[Any]:
    out, failed, error = [], [], ""
    for i, record in enumerate(records, start=1):
        try:
            out.append(rewrite_leaves(record, job.value, job.field_name))
        except Exception as exc:
            failed.append(i)
            error = type(exc).__name__
    if failed:
        raise RewriteFailed(f"{row_list(failed, word)} failed to transform ({error})")
    return out


def rewrite_json(job: RewriteJob) -> tuple[int, int]:
    """Copy a JSON document through ``job`` (records and the metadata beside them)."""
    size = job.src.stat().st_size
    if size > job.max_json_bytes:
        raise Unreadable(f"file too large for JSON ({size} bytes > {job.max_json_bytes})")
    src, dst = open_pair(job)
    with src, dst:
        text = src.read()
        if not text.strip():
            raise Unreadable("empty file")
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise Unreadable(f"invalid JSON at line {exc.lineno} column {exc.colno}") from None
        except RecursionError:
            raise Unreadable("JSON nested too deeply to read") from None
        match = re.match(r"\s*[\[{][ \t]*\r?\n([ \t]+)", text)
        indent = match.group(1) if match else None
        trailing = "\n" if text.endswith("\n") else ""
        del text
        records, key = record_list(doc)
        new_records = _rewrite_records(job, records, "records")
        new: Any
        if key is not None:  # records inside an object: metadata walked by their own keys
            try:
                new = {
                    k: new_records
                    if k == key
                    else rewrite_leaves(v, job.value, job.field_name, k, 1)
                    for k, v in doc.items()
                }
            except Exception as exc:
                raise RewriteFailed(
                    "a top-level field beside the records failed to transform "
                    f"({type(exc).__name__})"
                ) from None
        elif isinstance(doc, list):
            new = new_records
        else:
            new = new_records[0]
        dst.write(json.dumps(new, ensure_ascii=False, indent=indent) + trailing)
    with job.dst.open(encoding="utf-8-sig") as fh:
        rows_out = len(record_list(json.load(fh))[0])
    return len(records), rows_out


def rewrite_jsonl(job: RewriteJob) -> tuple[int, int]:
    """Copy a JSON Lines file through ``job``, one record a line (blank lines dropped)."""
    src, dst = open_pair(job)
    rows_in, line_no, failed, error = 0, 0, [], ""
    with src, dst:
        for body, _ending, ends in line_pieces(src, job.max_json_bytes + 1):
            line_no += 1
            if not ends:
                raise RewriteFailed(f"line {line_no} longer than {job.max_json_bytes} characters")
            if not body.strip():
                continue
            rows_in += 1
            try:
                record = json.loads(body)
            except (ValueError, RecursionError):
                failed.append(line_no)
                error = "not valid JSON"
                continue
            try:
                new = rewrite_leaves(record, job.value, job.field_name)
            except Exception as exc:
                failed.append(line_no)
                error = type(exc).__name__
                continue
            dst.write(json.dumps(new, ensure_ascii=False) + "\n")
    if failed:
        raise RewriteFailed(f"{row_list(failed, 'lines')} failed to transform ({error})")
    if rows_in == 0:
        raise Unreadable("empty file")
    return rows_in, count_lines(job.dst, skip_blank=True)
