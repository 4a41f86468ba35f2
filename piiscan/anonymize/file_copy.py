"""Copy a file tree to a de-identified mirror in the same formats.

Every supported file (CSV/TSV, JSON, JSON Lines, Parquet, text) is read in full, passed
through a :class:`RecordTransformer` and written to the same relative path under the
target: CSV as string batches, Parquet as record batches with struct columns flattened to
the scanner's ``parent.child`` names (rebuilt afterwards), JSON leaves one by one under
their dotted path (named as :mod:`piiscan.connectors.readers.flatten` names them), text
line by line with the line endings kept.

Names are values too (:mod:`piiscan.name_scan`): a file or folder whose name holds personal
data is written under a renamed path (each detected span a keyed pseudonym token, the
extension kept: ``hr/US_SSN_3fa9c2d1e4b5_PERSON_0c1d2e3f4a5b.txt``); a JSON key, CSV header
cell or Parquet column name that holds it is rewritten with its entity's operator; the
keys of a JSON map (``{"jane@corp.com": {...}}``, see ``readers/flatten.py``) are values
of the field ``key{key}`` and transformed as such; a CSV file whose first row is data
(``readers/headers.py``) is copied without a header, its first row transformed as data.

The source is never written to. The copy is built in a temporary directory next to the
target (``.<name>.tmp-<pid>-XXXX``) and moved into place only when every file is done, so
an interrupted run leaves no target (and the next run removes the temporary a killed one
left, see :mod:`piiscan.anonymize.temps`). Files that cannot be copied faithfully are left out of
the mirror: unsupported or unreadable ones and version-control internals are ``skipped``;
those whose rows fail to transform, or whose row counts differ after writing, are
``failed`` (with row or line numbers, never values), and so is a folder that cannot be
listed or lies too deep (its files are missing). Hidden files (``.env``) are copied like
any other, and a file of no known format that is text (``.sql``, ``.yaml``) as text.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import itertools
import json
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from piiscan.anonymize.contracts import AssetCopy, CopyReport, RecordTransformer
from piiscan.anonymize.temps import remove_stale_temps, temp_prefix
from piiscan.connectors.files import file_selection, name_parts
from piiscan.connectors.readers import format_for
from piiscan.connectors.readers.csv_reader import first_rows, table_names
from piiscan.connectors.readers.encoding import BOMS, HEAD_BYTES, looks_binary
from piiscan.connectors.readers.flatten import MAP_KEYS_SUFFIX, MAP_MEMBERS_SUFFIX, map_keys
from piiscan.connectors.readers.parquet_reader import flat_arrays
from piiscan.connectors.readers.unknown import known_binary
from piiscan.connectors.walk import walk
from piiscan.errors import SourceError, UsageError

#: The formats the copier writes back (names as ``readers.format_for`` gives them).
COPIED_FORMATS = ("csv", "json", "jsonl", "parquet", "text")
MAX_JSON_BYTES = 20_000_000  # whole-document JSON is loaded in memory up to this size
MAX_LINE_CHARS = 100_000  # longer text lines go to the transformer in pieces
MAX_DEPTH = 64  # as readers/flatten.py: deeper JSON is one value (JSON text)
MAX_LISTED_ROWS = 10
_DELIMITERS = ",;\t|"

Progress = Callable[[AssetCopy], None]


class _Skip(Exception):
    """The file cannot be read as its type: not copied. The message never quotes data."""


class _Fail(Exception):
    """The file was read but could not be copied faithfully. Message quotes no data."""


@dataclass
class _Job:
    """One file to copy and what the copy noted about it."""

    asset: str
    src: Path
    dst: Path
    transformer: RecordTransformer
    batch_rows: int
    max_json_bytes: int
    max_line_chars: int
    notes: list[str] = field(default_factory=list)

    def field_name(self, name: str) -> str:
        """A field name (JSON key, header cell, column) as the copy writes it."""
        rename = getattr(self.transformer, "field_name", None)
        return name if rename is None else rename(self.asset, name)


# --------------------------------------------------------------------------- entry point


def copy_tree(
    source: Path,
    target: Path,
    transformer: RecordTransformer,
    *,
    batch_rows: int = 5000,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    overwrite: bool = False,
    on_progress: Progress | None = None,
    max_json_bytes: int = MAX_JSON_BYTES,
    max_line_chars: int = MAX_LINE_CHARS,
) -> CopyReport:
    """Mirror ``source`` (a directory or one file) to ``target`` through ``transformer``.

    ``include``/``exclude`` are the scanner's patterns (:mod:`piiscan.selection`): a file
    is copied when they may select it or one of its fields. Raises :class:`UsageError` when
    the target overlaps the source or exists without ``overwrite``.
    """
    source, target = Path(source).expanduser(), Path(target).expanduser()
    _check_paths(source, target, overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    report = CopyReport()
    remove_stale_temps(target)  # left by a run that was killed
    selection = file_selection(include, exclude)
    tmp = Path(tempfile.mkdtemp(prefix=temp_prefix(target), dir=target.parent))
    try:
        if source.is_dir():
            entries = _walk(source)
            built = tmp
        else:
            entries = iter([(source, source.name, "copy", None)])
            built = tmp / source.name
        rename = getattr(transformer, "path", None) if source.is_dir() else None
        for path, rel, status, why in entries:
            parts = name_parts(rel)
            if (status == "copy" and selection.asset(parts) not in ("all", "some")) or (
                status == "failed" and selection.excluded(parts)
            ):
                status, why = "skipped", "excluded"
            if status != "copy":
                result = AssetCopy(rel, status=status, reason=why)
            else:
                written = rename(rel) if rename is not None else rel
                result = _copy_file(
                    _Job(
                        rel,
                        path,
                        tmp / written,
                        transformer,
                        batch_rows,
                        max_json_bytes,
                        max_line_chars,
                    )
                )
                if written != rel and result.status == "copied":
                    result.renamed = True
                    result.notes.append("renamed: its path held personal data")
            report.assets.append(result)
            if on_progress is not None:
                on_progress(result)
        if built.exists():  # a single file that was not copied leaves no target
            _publish(built, target, overwrite)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return report


def _check_paths(source: Path, target: Path, overwrite: bool) -> None:
    if not source.exists():
        raise SourceError(f"no such file or directory: {source}")
    src, dst = source.resolve(), target.resolve()
    if dst == src:
        raise UsageError("the target is the source; choose a new target path")
    if dst.is_relative_to(src):
        raise UsageError("the target is inside the source; choose a path outside it")
    if src.is_relative_to(dst):
        raise UsageError("the source is inside the target; choose a path outside it")
    if (target.exists() or target.is_symlink()) and not overwrite:
        raise UsageError(f"target already exists: {target} (pass --overwrite to replace it)")


def _publish(built: Path, target: Path, overwrite: bool) -> None:
    """Move the finished copy into place; an old target is moved aside, then deleted."""
    old: Path | None = None
    if overwrite and (target.exists() or target.is_symlink()):
        old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(target, old)
    try:
        os.replace(built, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    if old is None:
        return
    if old.is_dir() and not old.is_symlink():
        shutil.rmtree(old, ignore_errors=True)
    else:
        old.unlink(missing_ok=True)


# --------------------------------------------------------------------------- tree walk


def _walk(root: Path) -> Iterator[tuple[Path, str, str, str | None]]:
    """(path, relative name, status, reason), sorted, depth first, as the scanner walks
    (:func:`piiscan.connectors.walk.walk`, no recursion): ``copy`` for a file; ``skipped``
    for version-control internals, links not followed and special files; ``failed`` for a
    folder that cannot be listed or lies too deep (its files are missing from the copy).
    Hidden files are copied like any other."""
    status = {"file": "copy", "skipped": "skipped", "error": "failed"}
    try:
        for entry in walk(root):
            yield entry.path, entry.rel, status[entry.status], entry.reason or None
    except OSError as exc:  # the root itself
        yield root, ".", "failed", f"cannot list folder: {exc.strerror or type(exc).__name__}"


# --------------------------------------------------------------------------- one file


def _format(path: Path) -> str | None:
    """The copier for ``path``: its extension's, or ``text`` for a file of no known format
    that is text (as the scanner reads it: :mod:`~piiscan.connectors.readers.unknown`)."""
    fmt = format_for(path)
    if fmt:
        return fmt if fmt in COPIED_FORMATS else None
    if known_binary(path.name):
        return None
    try:
        _sniff_encoding(path)
    except _Skip:
        return None
    return "text"


_COPIERS: dict[str, Callable[[_Job], tuple[int, int]]] = {}


def _copy_file(job: _Job) -> AssetCopy:
    """Copy one file; a file that is not copied in full leaves nothing in the mirror."""
    fmt = _format(job.src)
    if fmt is None:
        kind = job.src.suffix.lower() or "no extension, not text"
        return AssetCopy(job.asset, status="skipped", reason=f"unsupported file type: {kind}")
    job.dst.parent.mkdir(parents=True, exist_ok=True)
    result = AssetCopy(job.asset, notes=job.notes)
    if job.src.stat().st_size == 0:  # nothing to de-identify: the copy is empty too
        job.dst.write_bytes(b"")
        result.notes.append("empty file: copied empty")
        return result
    try:
        result.rows_in, result.rows_out = _COPIERS[fmt](job)
        if result.rows_in != result.rows_out:
            raise _Fail(f"row count mismatch: {result.rows_in} read, {result.rows_out} written")
    except _Skip as exc:
        result.status, result.reason = "skipped", str(exc)
    except _Fail as exc:
        result.status, result.reason = "failed", str(exc)
    except OSError as exc:
        result.status, result.reason = "failed", f"I/O error: {exc.strerror or type(exc).__name__}"
    except Exception as exc:  # values may appear in library messages: name the type only
        result.status, result.reason = "failed", f"unexpected error: {type(exc).__name__}"
    if result.status != "copied":
        with contextlib.suppress(FileNotFoundError):
            job.dst.unlink()
    return result


def _row_list(rows: list[int], word: str) -> str:
    shown = ", ".join(str(r) for r in rows[:MAX_LISTED_ROWS])
    more = f" and {len(rows) - MAX_LISTED_ROWS} more" if len(rows) > MAX_LISTED_ROWS else ""
    return f"{word} {shown}{more}"


# --------------------------------------------------------------------------- encodings


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _sniff_encoding(path: Path) -> str:
    """A BOM's encoding, else UTF-8 if the whole file is valid, else cp1252 or latin-1."""
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        raise _Skip(f"cannot read file: {exc.strerror or exc}") from None
    for bom, name in BOMS:
        if head.startswith(bom):
            return name
    if looks_binary(head):
        raise _Skip("binary content")
    for name in ("utf-8", "cp1252"):
        if _decodes(path, name):
            return name
    return "latin-1"


def _open_pair(job: _Job) -> tuple[IO[str], IO[str]]:
    """The source opened for reading and the target for writing (UTF-8, BOM kept)."""
    encoding = _sniff_encoding(job.src)
    if encoding not in ("utf-8", "utf-8-sig"):
        job.notes.append(f"source encoding {encoding}; written as UTF-8")
    out_encoding = "utf-8-sig" if encoding == "utf-8-sig" else "utf-8"
    src = job.src.open(encoding=encoding, errors="strict", newline="")
    try:
        dst = job.dst.open("w", encoding=out_encoding, newline="")
    except BaseException:
        src.close()
        raise
    return src, dst


def _pieces(fh: IO[str], limit: int) -> Iterator[tuple[str, str, bool]]:
    """(text, line ending, ends a line) of a stream, lines longer than ``limit`` in pieces."""
    while piece := fh.readline(limit):
        body = piece.rstrip("\r\n")
        ending = piece[len(body) :]
        yield body, ending, bool(ending) or len(piece) < limit


def _count_lines(path: Path, *, skip_blank: bool = False) -> int:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return sum(
            1
            for body, _, ends in _pieces(fh, 1 << 20)
            if ends and not (skip_blank and not body.strip())
        )


# --------------------------------------------------------------------------- batches


def _transform_batch(job: _Job, batch: pa.RecordBatch, first_row: int) -> pa.RecordBatch:
    """``transformer.batch`` with its result checked; on failure, the failing rows are
    found one by one and reported (1-based row numbers of the file)."""
    try:
        out = job.transformer.batch(job.asset, batch)
    except Exception as exc:
        failed = []
        for i in range(batch.num_rows):
            try:
                job.transformer.batch(job.asset, batch.slice(i, 1))
            except Exception:
                failed.append(first_row + i)
                if len(failed) > MAX_LISTED_ROWS:
                    break
        where = (
            _row_list(failed, "rows")
            if failed
            else f"rows {first_row}-{first_row + batch.num_rows - 1} (as a batch)"
        )
        raise _Fail(f"{where} failed to transform ({type(exc).__name__})") from None
    if (
        not isinstance(out, pa.RecordBatch)
        or out.num_rows != batch.num_rows
        or out.schema.names != batch.schema.names
    ):
        raise _Fail("the transformer changed the columns or the number of rows")
    return out


# --------------------------------------------------------------------------- CSV


def _csv_dialect(sample: str, default: str) -> tuple[str, int, str]:
    """(delimiter, quoting, line terminator) of a CSV sample."""
    first = sample.splitlines()[0] if sample else ""
    try:
        cut = sample
        if "\n" in sample or "\r" in sample:  # drop a possibly cut last line
            cut = sample[: max(sample.rfind("\n"), sample.rfind("\r"))]
        found = csv.Sniffer().sniff(cut, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        found = ""
    if not (found and found in first):
        counts = {d: first.count(d) for d in _DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        found = (
            default
            if default in first and counts[default] == counts[best]
            else (best if counts[best] else default)
        )
    cells = next(csv.reader([first], delimiter=found), [])
    quoted = first.startswith('"') and first.count(f'"{found}"') == len(cells) - 1
    quoting = csv.QUOTE_ALL if quoted and cells else csv.QUOTE_MINIMAL
    end = len(first)
    terminator = "\r\n" if sample[end : end + 2] == "\r\n" else (sample[end : end + 1] or "\n")
    return found, quoting, terminator


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _copy_csv(job: _Job) -> tuple[int, int]:
    src, dst = _open_pair(job)
    with src, dst:
        sample = src.read(HEAD_BYTES)
        if not sample.strip():
            raise _Skip("empty file")
        src.seek(0)
        default = "\t" if job.src.suffix.lower() in (".tsv", ".tab") else ","
        delimiter, quoting, terminator = _csv_dialect(sample, default)
        reader = csv.reader(src, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
        writer = csv.writer(
            dst,
            delimiter=delimiter,
            quotechar='"',
            doublequote=True,
            quoting=quoting,
            lineterminator=terminator,
        )
        try:
            rows_in, headerless = _csv_stream(job, reader, writer)
        except csv.Error:
            raise _Fail(f"malformed CSV near line {reader.line_num}") from None
    with job.dst.open(encoding="utf-8-sig", newline="") as fh:
        rows_out = sum(1 for row in csv.reader(fh, delimiter=delimiter) if row)
    return rows_in, rows_out - (0 if headerless else 1)


def _csv_stream(job: _Job, reader: Iterator[list[str]], writer: Any) -> tuple[int, bool]:
    """Rows copied, and whether the file has no header row (its first row is data)."""
    header, below = first_rows(reader)
    if header is None:
        raise _Skip("empty file")
    names, headerless = table_names(header, below)
    if headerless:
        job.notes.append("no header row: the first row is data (transformed, no header written)")
    else:
        writer.writerow([job.field_name(cell) for cell in header])
    width, total, ragged = len(names), 0, 0
    rows: list[list[str]] = []

    def flush() -> None:
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
        batch = pa.RecordBatch.from_arrays(
            [pa.array(list(c), pa.string()) for c in columns], names=names
        )
        out = _transform_batch(job, batch, total - len(rows) + 1)
        values = [col.to_pylist() for col in out.columns]
        writer.writerows([_cell(v) for v in row] for row in zip(*values, strict=True))

    for row in itertools.chain([header] if headerless else [], below, reader):
        if not row:
            continue
        if len(row) != width:
            ragged += 1
            row = (row + [""] * width)[:width]
        rows.append(row)
        total += 1
        if len(rows) >= job.batch_rows:
            flush()
            rows = []
    if rows:
        flush()
    if ragged:
        job.notes.append(f"{ragged} rows padded or cut to the header's {width} fields")
    return total, headerless


# --------------------------------------------------------------------------- JSON


def _walk_json(job: _Job, value: Any, prefix: str, depth: int) -> Any:
    """``value`` with every leaf passed through ``transformer.value`` under the dotted
    path the scanner gives it (mirrors ``readers/flatten.py``)."""
    key = prefix or "value"
    if depth >= MAX_DEPTH and isinstance(value, dict | list):
        text = json.dumps(value, default=str, ensure_ascii=False)
        new = job.transformer.value(job.asset, key, text)
        return value if new == text else new
    if isinstance(value, dict):
        return _walk_object(job, value, prefix, depth)
    if isinstance(value, list):
        if any(isinstance(v, dict) for v in value):
            return [_walk_json(job, item, f"{key}[]", depth + 1) for item in value]
        return [
            _walk_json(job, item, prefix, depth + 1)
            if isinstance(item, list)
            else _leaf(job, key, item)
            for item in value
        ]
    return _leaf(job, key, value)


def _walk_object(job: _Job, value: dict[Any, Any], prefix: str, depth: int) -> dict[Any, Any]:
    """An object with its members walked, and its keys rewritten where they hold personal
    data: a map's keys (values of the field ``prefix{key}``, see ``readers/flatten.py``)
    through that field's operator, other keys through :meth:`_Job.field_name`."""
    keyed = set(map_keys(value))
    out: dict[Any, Any] = {}
    for name, child in value.items():
        if str(name) in keyed:
            new = job.transformer.value(job.asset, prefix + MAP_KEYS_SUFFIX, str(name))
            key = str(new) if new not in (None, "") else "<key>"
            walked = _walk_json(job, child, prefix + MAP_MEMBERS_SUFFIX, depth + 1)
        else:
            key = job.field_name(name) if isinstance(name, str) else name
            path = f"{prefix}.{name}" if prefix else str(name)
            walked = _walk_json(job, child, path, depth + 1)
        unique, n = key, 1
        while unique in out:  # two keys rewritten alike (a redacted key): keep both
            n += 1
            unique = f"{key}_{n}"
        out[unique] = walked
    return out


def _leaf(job: _Job, path: str, value: Any) -> Any:
    return value if value is None else job.transformer.value(job.asset, path, value)


def _record_list(doc: Any) -> tuple[list[Any], str | None]:
    """The records of a JSON document as the scanner finds them, and the key holding
    them when they sit in an object (``{"count": 2, "results": [...]}``)."""
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


def _json_records(job: _Job, records: list[Any], word: str, first: int = 1) -> list[Any]:
    out, failed, error = [], [], ""
    for i, record in enumerate(records):
        try:
            out.append(_walk_json(job, record, "", 0))
        except Exception as exc:
            failed.append(first + i)
            error = type(exc).__name__
    if failed:
        raise _Fail(f"{_row_list(failed, word)} failed to transform ({error})")
    return out


def _copy_json(job: _Job) -> tuple[int, int]:
    size = job.src.stat().st_size
    if size > job.max_json_bytes:
        raise _Skip(f"file too large for JSON ({size} bytes > {job.max_json_bytes})")
    src, dst = _open_pair(job)
    with src, dst:
        text = src.read()
        if not text.strip():
            raise _Skip("empty file")
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _Skip(f"invalid JSON at line {exc.lineno} column {exc.colno}") from None
        except RecursionError:
            raise _Skip("JSON nested too deeply to read") from None
        match = re.match(r"\s*[\[{][ \t]*\r?\n([ \t]+)", text)
        indent = match.group(1) if match else None
        trailing = "\n" if text.endswith("\n") else ""
        del text
        records, key = _record_list(doc)
        new_records = _json_records(job, records, "records")
        if key is not None:  # records inside an object: metadata walked by their own keys
            try:
                new = {
                    k: new_records if k == key else _walk_json(job, v, k, 1) for k, v in doc.items()
                }
            except Exception as exc:
                raise _Fail(
                    "a top-level field beside the records failed to transform "
                    f"({type(exc).__name__})"
                ) from None
        elif isinstance(doc, list):
            new = new_records
        else:
            new = new_records[0]
        dst.write(json.dumps(new, ensure_ascii=False, indent=indent) + trailing)
    with job.dst.open(encoding="utf-8-sig") as fh:
        rows_out = len(_record_list(json.load(fh))[0])
    return len(records), rows_out


def _copy_jsonl(job: _Job) -> tuple[int, int]:
    src, dst = _open_pair(job)
    rows_in, line_no, failed, error = 0, 0, [], ""
    with src, dst:
        for body, _ending, ends in _pieces(src, job.max_json_bytes + 1):
            line_no += 1
            if not ends:
                raise _Fail(f"line {line_no} longer than {job.max_json_bytes} characters")
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
                new = _walk_json(job, record, "", 0)
            except Exception as exc:
                failed.append(line_no)
                error = type(exc).__name__
                continue
            dst.write(json.dumps(new, ensure_ascii=False) + "\n")
    if failed:
        raise _Fail(f"{_row_list(failed, 'lines')} failed to transform ({error})")
    if rows_in == 0:
        raise _Skip("empty file")
    return rows_in, _count_lines(job.dst, skip_blank=True)


# --------------------------------------------------------------------------- text


def _copy_text(job: _Job) -> tuple[int, int]:
    src, dst = _open_pair(job)
    lines, failed, error = 0, [], ""
    with src, dst:
        for body, ending, ends in _pieces(src, job.max_line_chars):
            if ends:
                lines += 1
            new = body
            if body:
                try:
                    new = job.transformer.text(job.asset, body)
                except Exception as exc:
                    failed.append(lines + (0 if ends else 1))
                    error = type(exc).__name__
                    continue
            dst.write(new + ending)
    if failed:
        raise _Fail(f"{_row_list(sorted(set(failed)), 'lines')} failed to transform ({error})")
    return lines, _count_lines(job.dst)


# --------------------------------------------------------------------------- Parquet


def _rebuild(
    fld: pa.Field, original: pa.Array, leaves: Iterator[pa.Array]
) -> tuple[pa.Field, pa.Array]:
    """A column rebuilt from transformed leaves, struct nulls as in ``original``."""
    if not pa.types.is_struct(fld.type):
        new = next(leaves)
        return fld.with_type(new.type), new
    pairs = [_rebuild(cf, ca, leaves) for cf, ca in zip(fld.type, original.flatten(), strict=True)]
    array = pa.StructArray.from_arrays(
        [a for _, a in pairs], fields=[f for f, _ in pairs], mask=original.is_null()
    )
    return fld.with_type(array.type), array


def _renamed(job: _Job, fld: pa.Field, array: pa.Array) -> tuple[pa.Field, pa.Array]:
    """A column (and its struct members) under the names the copy writes
    (:meth:`_Job.field_name`: names that hold personal data rewritten)."""
    name = job.field_name(fld.name)
    if pa.types.is_struct(fld.type):
        pairs = [_renamed(job, cf, ca) for cf, ca in zip(fld.type, array.flatten(), strict=True)]
        if any(f.name != cf.name for (f, _), cf in zip(pairs, fld.type, strict=True)):
            array = pa.StructArray.from_arrays(
                [a for _, a in pairs], fields=[f for f, _ in pairs], mask=array.is_null()
            )
            return pa.field(name, array.type, fld.nullable, fld.metadata), array
    return (fld if name == fld.name else fld.with_name(name)), array


def _compression(pf: pq.ParquetFile) -> str:
    meta = pf.metadata
    if meta.num_row_groups and meta.num_columns:
        codec = meta.row_group(0).column(0).compression
        return "NONE" if codec == "UNCOMPRESSED" else codec
    return "SNAPPY"


def _open_parquet(path: Path) -> pq.ParquetFile:
    with path.open("rb") as fh:
        head = fh.read(4)
        size = fh.seek(0, 2)
        fh.seek(max(size - 4, 0))
        tail = fh.read(4)
    if size == 0:
        raise _Skip("empty file")
    if size < 12 or head != b"PAR1" or tail != b"PAR1":
        raise _Skip("not a Parquet file (no PAR1 magic)")
    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError):
        raise _Skip("unreadable Parquet file") from None


def _copy_parquet(job: _Job) -> tuple[int, int]:
    pf = _open_parquet(job.src)
    source_schema = pf.schema_arrow
    codec = _compression(pf)
    writer: pq.ParquetWriter | None = None
    rows_in = 0
    try:
        for batch in pf.iter_batches(batch_size=job.batch_rows):
            pairs = [
                p
                for name, col in zip(batch.schema.names, batch.columns, strict=True)
                for p in flat_arrays(name, col)
            ]
            flat = pa.RecordBatch.from_arrays([a for _, a in pairs], names=[n for n, _ in pairs])
            out = _transform_batch(job, flat, rows_in + 1)
            leaves = iter(out.columns)
            rebuilt = [
                _renamed(job, *_rebuild(f, c, leaves))
                for f, c in zip(batch.schema, batch.columns, strict=True)
            ]
            schema = pa.schema([f for f, _ in rebuilt], metadata=source_schema.metadata)
            new = pa.RecordBatch.from_arrays([a for _, a in rebuilt], schema=schema)
            if writer is None:
                _note_type_changes(job, source_schema, schema)
                writer = _parquet_writer(job.dst, schema, codec)
            elif not new.schema.equals(writer.schema):
                try:
                    new = new.cast(writer.schema)
                except (pa.ArrowException, ValueError, TypeError):
                    raise _Fail("the transformer changed column types between batches") from None
            writer.write_batch(new)
            rows_in += batch.num_rows
        if writer is None:  # no rows: same schema, empty
            writer = _parquet_writer(job.dst, source_schema, codec)
    except pa.ArrowException as exc:
        raise _Fail(f"Parquet read or write error ({type(exc).__name__})") from None
    finally:
        if writer is not None:
            writer.close()
    return rows_in, pq.ParquetFile(job.dst).metadata.num_rows


def _parquet_writer(path: Path, schema: pa.Schema, codec: str) -> pq.ParquetWriter:
    try:
        return pq.ParquetWriter(path, schema, compression=codec)
    except (pa.ArrowException, ValueError):
        return pq.ParquetWriter(path, schema)


def _note_type_changes(job: _Job, before: pa.Schema, after: pa.Schema) -> None:
    for old, new in zip(before, after, strict=True):
        if not old.type.equals(new.type):
            job.notes.append(f"column {old.name}: type {old.type} written as {new.type}")


_COPIERS.update(
    csv=_copy_csv, json=_copy_json, jsonl=_copy_jsonl, parquet=_copy_parquet, text=_copy_text
)
