"""Local files and directories: CSV/TSV, JSON, JSON Lines, Parquet and plain text.

A source is a path (``data/``, ``~/export.csv``) or a ``file://`` URL. Directories are
walked recursively in sorted order; hidden entries (``.name``) are skipped, symbolic
links are followed only to files inside the root, and files of unsupported types are
skipped silently (a single file given explicitly with such a type is an error).

Assets are named by their path relative to the source with ``/`` separators (the file
name for a single-file source). ``Config.include`` / ``Config.exclude`` are
:mod:`fnmatch` globs on that path (``*`` also crosses ``/``: ``logs/*`` covers the whole
tree below ``logs``), or on ``path.field`` for fields, where the path part ends with the
file's extension (``people.csv.email``, ``*.csv.phone``, ``*.json.address.*``). A file is
read when some include pattern matches its path or the path part of a field pattern; an
excluded path is not read at all.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import pyarrow as pa

from piiscan.config import Config
from piiscan.connectors.readers import format_for
from piiscan.connectors.readers.csv_reader import csv_batches
from piiscan.connectors.readers.encoding import looks_binary, read_head
from piiscan.connectors.readers.json_reader import json_batches, jsonl_batches
from piiscan.connectors.readers.parquet_reader import (
    open_parquet,
    parquet_batches,
    parquet_columns,
)
from piiscan.connectors.readers.text_reader import text_lines
from piiscan.errors import AssetError, SourceError
from piiscan.plugins import Asset, AssetKind, ColumnInfo, Connector


def source_path(source: str) -> Path:
    """The local path of a path-or-``file://`` source, ``~`` expanded."""
    if source.lower().startswith("file:"):
        parts = urlsplit(source)
        if parts.netloc not in ("", "localhost"):
            raise SourceError(f"file URL with a remote host is not supported: {source}")
        return Path(url2pathname(unquote(parts.path)))
    return Path(source).expanduser()


class Selection:
    """Include/exclude globs on relative paths and ``path.field`` names."""

    def __init__(self, include: tuple[str, ...], exclude: tuple[str, ...]) -> None:
        self.include = include
        self.exclude = exclude

    def reads_file(self, rel: str) -> bool:
        if any(fnmatchcase(rel, p) for p in self.exclude):
            return False
        if not self.include:
            return True
        return any(fnmatchcase(rel, p) or self._field_split(rel, p) for p in self.include)

    @staticmethod
    def _field_split(rel: str, pattern: str) -> list[str]:
        """The field parts of ``pattern`` whose path part matches ``rel`` and ends with its
        extension (``*.csv.email`` → ``["email"]`` for ``a.csv``)."""
        suffix = PurePosixPath(rel).suffix.lower()
        if not suffix:
            return []
        return [pattern[i + 1:] for i in range(1, len(pattern)) if pattern[i] == "."
                and pattern[:i].lower().endswith(suffix) and fnmatchcase(rel, pattern[:i])]

    def _field_match(self, rel: str, field: str, pattern: str) -> bool:
        return any(fnmatchcase(field, rest) for rest in self._field_split(rel, pattern))

    def reads_field(self, rel: str, field: str) -> bool:
        if any(self._field_match(rel, field, p) for p in self.exclude):
            return False
        if not self.include or any(fnmatchcase(rel, p) for p in self.include):
            return True
        return any(self._field_match(rel, field, p) for p in self.include)

    @property
    def filters_fields(self) -> bool:
        return bool(self.include or self.exclude)


class FileAsset(Asset):
    """One file. Reading is lazy: sniffing errors surface from :meth:`batches`/:meth:`lines`."""

    def __init__(self, path: Path, name: str, fmt: str | None, config: Config,
                 selection: Selection | None = None) -> None:
        self.path = path
        self.name = name
        self.format = fmt
        self.config = config
        self.selection = selection
        self.notes: list[str] = []
        self.kind: AssetKind = "text" if fmt == "text" else "file"

    @property
    def _limit(self) -> int | None:
        return None if self.config.full else self.config.sample_rows

    def columns(self) -> list[ColumnInfo]:
        if self.format != "parquet":
            return []
        try:
            cols = parquet_columns(open_parquet(self.path))
        except AssetError:
            return []  # batches() reports the reason
        return [c for c in cols if self._keep(c.name)]

    def _keep(self, field: str) -> bool:
        return self.selection is None or self.selection.reads_field(self.name, field)

    def _raw_batches(self) -> Iterator[pa.RecordBatch]:
        cfg, limit = self.config, self._limit
        if self.format == "csv":
            return csv_batches(self.path, batch_rows=cfg.batch_rows, limit=limit,
                               notes=self.notes)
        if self.format == "json":
            return json_batches(self.path, batch_rows=cfg.batch_rows, limit=limit,
                                max_bytes=cfg.max_text_bytes, notes=self.notes)
        if self.format == "jsonl":
            return jsonl_batches(self.path, batch_rows=cfg.batch_rows, limit=limit,
                                 max_line_chars=cfg.max_text_bytes, notes=self.notes)
        if self.format == "parquet":
            return parquet_batches(open_parquet(self.path), batch_rows=cfg.batch_rows,
                                   limit=limit)
        raise AssetError(f"unsupported file type: {self.path.suffix or 'no extension'}")

    def batches(self) -> Iterator[pa.RecordBatch]:
        if self.kind == "text":
            raise AssetError(f"{self.name} is a text document, not a table")
        for batch in self._raw_batches():
            if self.selection is not None and self.selection.filters_fields:
                keep = [i for i, n in enumerate(batch.schema.names) if self._keep(n)]
                if len(keep) != batch.num_columns:
                    batch = batch.select(keep)
            yield batch

    def lines(self) -> Iterator[str]:
        if self.kind != "text":
            raise AssetError(f"{self.name} is a structured file, not a text document")
        return text_lines(self.path, max_line_chars=self.config.max_line_chars,
                          notes=self.notes)


class FileConnector(Connector):
    """Files and directory trees on the local file system."""

    name = "files"
    description = "Local files and directories (CSV/TSV, JSON, JSON Lines, Parquet, text)"

    def __init__(self, source: str, config: Config) -> None:
        super().__init__(source, config)
        self.root = source_path(source)
        if not self.root.exists():
            raise SourceError(f"no such file or directory: {self.root}")
        self.selection = Selection(config.include, config.exclude)

    @classmethod
    def accepts(cls, source: str) -> bool:
        if "://" in source:
            return source.lower().startswith("file://")
        if source.lower().startswith("file:"):
            return True
        if Path(source).expanduser().exists():
            return True
        return "/" in source or "." in source or source.startswith("~")

    def assets(self) -> Iterator[Asset]:
        if self.root.is_file():
            fmt = format_for(self.root)
            if fmt == "" and _sniffs_as_text(self.root):
                fmt = "text"
            asset = FileAsset(self.root, self.root.name, fmt or None, self.config,
                              self.selection)
            if self.selection.reads_file(asset.name):
                yield asset
            return
        real_root = os.path.realpath(self.root)
        for path, rel in _walk(self.root, real_root, ""):
            fmt = format_for(path)
            if fmt == "" and _sniffs_as_text(path):
                fmt = "text"
            if fmt and self.selection.reads_file(rel):
                yield FileAsset(path, rel, fmt, self.config, self.selection)


def _sniffs_as_text(path: Path) -> bool:
    try:
        head = read_head(path, 8192)
    except AssetError:
        return False
    if not head or looks_binary(head):
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3  # a character cut at the end of the head
    return True


def _walk(directory: Path, real_root: str, prefix: str) -> Iterator[tuple[Path, str]]:
    """(path, relative name) of regular files below ``directory``, sorted, depth first."""
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        rel = f"{prefix}{entry.name}"
        try:
            if entry.is_symlink():
                target = os.path.realpath(entry.path)
                inside = os.path.commonpath([target, real_root]) == real_root
                if inside and os.path.isfile(target):
                    yield Path(entry.path), rel
            elif entry.is_dir(follow_symlinks=False):
                yield from _walk(Path(entry.path), real_root, rel + "/")
            elif entry.is_file(follow_symlinks=False):
                yield Path(entry.path), rel
        except OSError:
            continue
