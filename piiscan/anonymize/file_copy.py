"""Copy a file tree to a de-identified mirror in the same formats.

Every supported file (CSV/TSV, JSON, JSON Lines, Parquet, text) is read in full, passed
through a :class:`RecordTransformer` and written to the same relative path under the
target: CSV as string batches, Parquet as record batches with struct columns flattened to
the scanner's ``parent.child`` names (rebuilt afterwards), JSON leaves one by one under
their dotted path (named as :mod:`piiscan.connectors.readers.flatten` names them), text
line by line with the line endings kept. Reading and writing a format is the business of
its module in :mod:`piiscan.connectors.readers` (its rewriter sits beside its reader, so
the copy reads a file exactly as the scan did, see
:mod:`~piiscan.connectors.readers.rewrite`); this module does the job around them: walk
the tree, pick each file's format, call its rewriter with the transformer's calls,
publish the copy atomically, report.

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

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from piiscan.anonymize.contracts import AssetCopy, CopyReport, FileCopied, RecordTransformer
from piiscan.anonymize.temps import remove_stale_temps, temp_prefix
from piiscan.config import Config
from piiscan.connectors.files import file_selection, name_parts
from piiscan.connectors.format_plugins import plugin_format_of
from piiscan.connectors.readers import format_for
from piiscan.connectors.readers.blob import PathBlob
from piiscan.connectors.readers.csv_reader import rewrite_csv
from piiscan.connectors.readers.json_reader import rewrite_json, rewrite_jsonl
from piiscan.connectors.readers.parquet_reader import rewrite_parquet
from piiscan.connectors.readers.rewrite import (
    MAX_LISTED_ROWS,
    RewriteFailed,
    RewriteJob,
    Rewriter,
    Unreadable,
    row_list,
)
from piiscan.connectors.readers.text_reader import rewrite_text
from piiscan.connectors.readers.unknown import shown_suffix, skip_reason
from piiscan.connectors.walk import walk
from piiscan.errors import SourceError, UsageError
from piiscan.registry import default_registry

#: The rewriter of each format the copier writes back (names as ``readers.format_for``
#: gives them); each lives beside its format's reader.
REWRITERS: dict[str, Rewriter] = {
    "csv": rewrite_csv,
    "json": rewrite_json,
    "jsonl": rewrite_jsonl,
    "parquet": rewrite_parquet,
    "text": rewrite_text,
}


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
    on_progress: FileCopied | None = None,
    max_json_bytes: int = Config.max_text_bytes,
    max_line_chars: int = Config.max_line_chars,
) -> CopyReport:
    """Mirror ``source`` (a directory or one file) to ``target`` through ``transformer``.

    ``include``/``exclude`` are the scanner's patterns (:mod:`piiscan.selection`): a file
    is copied when they may select it or one of its fields. Whole-document JSON is loaded
    up to ``max_json_bytes`` (JSON lines as long); longer text lines than
    ``max_line_chars`` go to the transformer in pieces (both default to the scan's
    limits). Raises :class:`UsageError` when the target overlaps the source or exists
    without ``overwrite``.
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
                    rel,
                    _job(
                        rel,
                        path,
                        tmp / written,
                        transformer,
                        batch_rows,
                        max_json_bytes,
                        max_line_chars,
                    ),
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


class _AssetTransform:
    """The transformer's calls for one asset, as a rewriter makes them
    (:class:`~piiscan.connectors.readers.rewrite.RewriteJob`'s callbacks)."""

    def __init__(self, transformer: RecordTransformer, asset: str) -> None:
        self.transformer = transformer
        self.asset = asset

    def batch(self, batch: pa.RecordBatch, first_row: int) -> pa.RecordBatch:
        """``transformer.batch`` with its result checked; on failure, the failing rows
        are found one by one and reported (1-based row numbers of the file)."""
        try:
            out = self.transformer.batch(self.asset, batch)
        except Exception as exc:
            failed = []
            for i in range(batch.num_rows):
                try:
                    self.transformer.batch(self.asset, batch.slice(i, 1))
                except Exception:
                    failed.append(first_row + i)
                    if len(failed) > MAX_LISTED_ROWS:
                        break
            where = (
                row_list(failed, "rows")
                if failed
                else f"rows {first_row}-{first_row + batch.num_rows - 1} (as a batch)"
            )
            raise RewriteFailed(f"{where} failed to transform ({type(exc).__name__})") from None
        if (
            not isinstance(out, pa.RecordBatch)
            or out.num_rows != batch.num_rows
            or out.schema.names != batch.schema.names
        ):
            raise RewriteFailed("the transformer changed the columns or the number of rows")
        return out

    def value(self, path: str, value: Any) -> Any:
        return self.transformer.value(self.asset, path, value)

    def text(self, line: str) -> str:
        return self.transformer.text(self.asset, line)

    def field_name(self, name: str) -> str:
        """A field name (JSON key, header cell, column) as the copy writes it."""
        rename = getattr(self.transformer, "field_name", None)
        return name if rename is None else rename(self.asset, name)


def _job(
    asset: str,
    src: Path,
    dst: Path,
    transformer: RecordTransformer,
    batch_rows: int,
    max_json_bytes: int,
    max_line_chars: int,
) -> RewriteJob:
    calls = _AssetTransform(transformer, asset)
    return RewriteJob(
        src,
        dst,
        batch=calls.batch,
        value=calls.value,
        text=calls.text,
        field_name=calls.field_name,
        batch_rows=batch_rows,
        max_json_bytes=max_json_bytes,
        max_line_chars=max_line_chars,
    )


def _format(path: Path) -> tuple[str | None, str]:
    """The format to copy ``path`` as: its extension's, or ``text`` for a file of no known
    format that the scanner reads as text (:mod:`~piiscan.connectors.readers.unknown`);
    else None and why it is not copied (the scanner's reason: never an odd extension)."""
    fmt = format_for(path)
    if fmt:
        if fmt in REWRITERS:
            return fmt, ""
        return None, f"unsupported file type: {shown_suffix(path.name)}"
    plugin = plugin_format_of(path.name, default_registry)
    if plugin is not None:  # never copied as text: the plugin may read what text would not
        return None, f"read by the {plugin} format plugin, which cannot write a copy"
    why = skip_reason(PathBlob(path))
    return (None, why) if why is not None else ("text", "")


def _copy_file(asset: str, job: RewriteJob) -> AssetCopy:
    """Copy one file; a file that is not copied in full leaves nothing in the mirror."""
    fmt, why = _format(job.src)
    if fmt is None:
        return AssetCopy(asset, status="skipped", reason=why)
    job.dst.parent.mkdir(parents=True, exist_ok=True)
    result = AssetCopy(asset, notes=job.notes)
    if job.src.stat().st_size == 0:  # nothing to de-identify: the copy is empty too
        job.dst.write_bytes(b"")
        result.notes.append("empty file: copied empty")
        return result
    try:
        result.rows_in, result.rows_out = REWRITERS[fmt](job)
        if result.rows_in != result.rows_out:
            raise RewriteFailed(
                f"row count mismatch: {result.rows_in} read, {result.rows_out} written"
            )
    except Unreadable as exc:
        result.status, result.reason = "skipped", str(exc)
    except RewriteFailed as exc:
        result.status, result.reason = "failed", str(exc)
    except OSError as exc:
        result.status, result.reason = "failed", f"I/O error: {exc.strerror or type(exc).__name__}"
    except Exception as exc:  # values may appear in library messages: name the type only
        result.status, result.reason = "failed", f"unexpected error: {type(exc).__name__}"
    if result.status != "copied":
        with contextlib.suppress(FileNotFoundError):
            job.dst.unlink()
    return result
