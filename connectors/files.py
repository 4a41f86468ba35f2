"""Files and objects: CSV/TSV, JSON, JSON Lines, Parquet and plain text, wherever they live.

A source is a path (``data/``, ``~/export.csv``), a ``file://`` URL, or an object-store
URL (``s3://bucket/prefix``, ``gs://``, ``az://``: any fsspec protocol, see
:mod:`piiscan.connectors.storage`). Directories are walked in sorted order without
recursion (:mod:`piiscan.connectors.walk`): hidden files (``.env``) are scanned like any
other, version-control internals (``.git``) are skipped, symbolic links are followed only
to files inside the root, and a folder that cannot be listed or lies deeper than
``walk.MAX_DEPTH`` levels is an error (``errors[]``, the inventory incomplete). A file of
no known format is read as text when it is text (``.sql``, ``.yaml``, ``.vcf``,
``.bash_history``: :mod:`~piiscan.connectors.readers.unknown`), else skipped; what is
skipped is listed in :attr:`FileConnector.skipped` with a reason (the scanner reports it
in the inventory's ``skipped`` list and ``summary.skipped``). A single file given
explicitly with an unsupported type is an error. Buckets are listed the same way: sorted
keys, version-control parts skipped.

Every file or object is a :class:`~piiscan.connectors.readers.blob.Blob` read by the same
format readers. Its content is sniffed before its extension is trusted: a ``.csv`` that
holds Parquet is read as Parquet (with a note), one that holds other binary data is an
error naming it, and a zero-byte file is an empty asset (a note, not an error). Unless
``Config.full``, large files are sampled (``Config.sample_rows`` rows, about
``Config.sample_bytes`` of text, a spread of Parquet row groups) and a note says so.

Assets are named by their path (or key) relative to the source with ``/`` separators (the
file name for a single-file source); archive members and Excel sheets add a segment
(``backup.zip/people.csv``, ``book.xlsx/Sheet1``). ``Config.include`` / ``Config.exclude``
follow :mod:`piiscan.selection` (``docs/selection.md``): the qualified name of a field is
the path's segments, then the field (``exports/people.csv.email``). An excluded file,
folder or archive is not opened; with include patterns, a file is read only when a pattern
names it (or a folder/archive above it) or may name one of its fields, and a file none of
whose fields is selected is left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import pyarrow as pa
import pyarrow.parquet as pq

from piiscan.config import Config
from piiscan.connectors.format_plugins import FormatPlugins
from piiscan.connectors.readers import FORMATS, SNIFF_BYTES, format_for, mismatch
from piiscan.connectors.readers.archives import ArchiveLimits, SkippedMember, expand
from piiscan.connectors.readers.avro_reader import avro_batches
from piiscan.connectors.readers.blob import Blob, PathBlob
from piiscan.connectors.readers.csv_reader import csv_batches
from piiscan.connectors.readers.docx_reader import docx_lines
from piiscan.connectors.readers.eml_reader import eml_attachments, eml_lines
from piiscan.connectors.readers.encoding import read_head, sniff_magic
from piiscan.connectors.readers.excel_reader import xlsx_sheet_batches, xlsx_sheet_names
from piiscan.connectors.readers.json_reader import json_batches, jsonl_batches
from piiscan.connectors.readers.parquet_reader import (
    open_parquet,
    parquet_batches,
    parquet_columns,
    projected_columns,
)
from piiscan.connectors.readers.pdf_reader import pdf_lines
from piiscan.connectors.readers.text_reader import text_lines
from piiscan.connectors.readers.unknown import skip_reason
from piiscan.connectors.storage import (
    STORE_SCHEMES,
    ObjectStore,
    filesystem_class,
    is_store_url,
    scheme_of,
)
from piiscan.connectors.walk import walk
from piiscan.errors import AssetError, EmptyAsset, SourceError
from piiscan.masking import mask_url
from piiscan.plugins import Asset, AssetKind, ColumnInfo, Connector, FileFormat
from piiscan.registry import default_registry
from piiscan.selection import NothingSelected, Selection

#: Formats the readers of this module handle; others go to the hook in FileAsset.
TABLE_FORMATS = ("csv", "json", "jsonl", "parquet")
#: Read as lines of unstructured text.
TEXT_FORMATS = ("text", "pdf", "docx", "eml")
#: Read by the document readers (``excel_reader``, ``pdf_reader``, ``docx_reader``,
#: ``eml_reader``, ``avro_reader``) and :mod:`~piiscan.connectors.readers.archives`:
#: their content is checked against the extension before reading (an ``.xlsx`` that is
#: not a workbook is an error).
OTHER_FORMATS: tuple[str, ...] = ("xlsx", "pdf", "docx", "eml", "avro", "archive")
#: Formats whose members (archive members, sheets, attachments) are assets of their own.
CONTAINER_FORMATS = ("archive", "xlsx", "eml")


def source_path(source: str) -> Path:
    """The local path of a path-or-``file://`` source, ``~`` expanded."""
    if source.lower().startswith("file:"):
        parts = urlsplit(source)
        if parts.netloc not in ("", "localhost"):
            raise SourceError(f"file URL with a remote host is not supported: {source}")
        return Path(url2pathname(unquote(parts.path)))
    return Path(source).expanduser()


def file_selection(
    include: Iterable[str], exclude: Iterable[str], suffixes: Iterable[str] = ()
) -> Selection:
    """The include/exclude patterns as they apply to files: ``/``-separated paths, and
    the extensions the readers know (and format plugins' ``suffixes``) are part of a
    file name."""
    return Selection(include, exclude, paths=True, suffixes=(*FORMATS, *suffixes))


def name_parts(name: str) -> tuple[str, ...]:
    """The path segments of an asset name (``exports/people.csv`` → two parts)."""
    return tuple(name.split("/"))


class FileAsset(Asset):
    """One file or object. Reading is lazy: sniffing errors surface from
    :meth:`batches`/:meth:`lines`."""

    def __init__(
        self, blob: Blob, fmt: str | None, config: Config, selection: Selection | None = None
    ) -> None:
        self.blob = blob
        self.path = blob.local_path
        self.name = blob.name
        self.format = fmt
        self.config = config
        self.selection = selection
        self.notes: list[str] = []
        self.kind: AssetKind = "text" if fmt in TEXT_FORMATS else "file"
        self.size = blob.size
        self.fingerprint = blob.fingerprint
        self._parquet_meta: pq.FileMetaData | None = None
        self._kept: dict[str, bool] = {}

    @property
    def bytes_read(self) -> int:  # type: ignore[override]  # Asset's attribute, read from the blob
        """Bytes fetched from the file or store so far (sniffing included)."""
        return self.blob.bytes_read

    @property
    def _limit(self) -> int | None:
        return None if self.config.full else self.config.sample_rows

    @property
    def _max_bytes(self) -> int | None:
        return None if self.config.full else self.config.sample_bytes

    def columns(self) -> list[ColumnInfo]:
        if self.format != "parquet" or self.blob.size == 0:
            return []
        try:
            pf = open_parquet(self.blob)
            self._parquet_meta = pf.metadata
            cols = parquet_columns(pf)
        except AssetError:
            return []  # batches() reports the reason
        kept = [c for c in cols if self._keep(c.name)]
        if cols and not kept:
            raise NothingSelected(f"no field of {self.name} is selected")
        return kept

    @property
    def _filters(self) -> bool:
        return self.selection is not None and self.selection.active

    def known_fields(self, names: Iterable[str]) -> None:
        if self.selection is not None:
            for name in names:
                self._keep(name)
            self.selection.seen(name_parts(self.name))

    def _keep(self, field: str) -> bool:
        if self.selection is None:
            return True
        kept = self._kept.get(field)
        if kept is None:
            kept = self._kept[field] = self.selection.field(name_parts(self.name), field)
        return kept

    def _content_format(self) -> str | None:
        """The format to read: the extension's, unless the content is Parquet."""
        if self.blob.size == 0:
            raise EmptyAsset("empty file")
        if self.format in ("csv", "json", "jsonl"):
            magic = sniff_magic(read_head(self.blob, 8))
            if magic is not None and magic[0] == "parquet":
                self.notes.append(
                    f"content is Parquet despite the {self.blob.suffix} extension; read as Parquet"
                )
                return "parquet"
        return self.format

    def _raw_batches(self) -> Iterator[pa.RecordBatch]:
        cfg, limit, fmt = self.config, self._limit, self._content_format()
        if fmt == "csv":
            return csv_batches(
                self.blob,
                batch_rows=cfg.batch_rows,
                limit=limit,
                max_bytes=self._max_bytes,
                max_line_chars=cfg.max_line_chars,
                notes=self.notes,
            )
        if fmt == "json":
            return json_batches(
                self.blob,
                batch_rows=cfg.batch_rows,
                limit=limit,
                max_bytes=cfg.max_text_bytes,
                notes=self.notes,
            )
        if fmt == "jsonl":
            return jsonl_batches(
                self.blob,
                batch_rows=cfg.batch_rows,
                limit=limit,
                max_line_chars=cfg.max_text_bytes,
                max_bytes=self._max_bytes,
                notes=self.notes,
            )
        if fmt == "parquet":
            pf = open_parquet(self.blob, self._parquet_meta, dictionaries=True)
            columns = None
            if self._filters:
                columns = projected_columns(pf, self._keep)
                if not columns and pf.schema_arrow.names:
                    raise NothingSelected(f"no field of {self.name} is selected")
            return parquet_batches(
                pf,
                batch_rows=cfg.batch_rows,
                limit=limit,
                notes=self.notes,
                columns=columns,
                cell_chars=cfg.max_line_chars if cfg.full else cfg.max_cell_chars,
            )
        return self._other_batches(fmt)

    # -- documents (Excel sheets are SheetAsset; archives are expanded at listing) -------
    def _other_batches(self, fmt: str | None) -> Iterator[pa.RecordBatch]:
        if fmt == "avro":
            return avro_batches(
                self.blob, batch_rows=self.config.batch_rows, limit=self._limit, notes=self.notes
            )
        raise AssetError(f"unsupported file type: {self.blob.suffix or 'no extension'}")

    def _other_lines(self, fmt: str | None) -> Iterator[str]:
        cfg = self.config
        if fmt == "pdf":
            return pdf_lines(self.blob, max_line_chars=cfg.max_line_chars, notes=self.notes)
        if fmt == "docx":
            return docx_lines(
                self.blob,
                max_line_chars=cfg.max_line_chars,
                max_bytes=cfg.max_archive_bytes,
                notes=self.notes,
            )
        if fmt == "eml":
            return eml_lines(
                self.blob,
                max_line_chars=cfg.max_line_chars,
                max_bytes=cfg.max_text_bytes,
                notes=self.notes,
            )
        raise AssetError(f"unsupported file type: {self.blob.suffix or 'no extension'}")

    def batches(self) -> Iterator[pa.RecordBatch]:
        if self.kind == "text":
            raise AssetError(f"{self.name} is a text document, not a table")
        selection = self.selection
        if selection is None or not selection.active:
            yield from self._raw_batches()
            return
        # A file with fields, none of them selected, is left out; JSON's fields can first
        # appear in a later batch, the other formats' are all in the first one.
        fixed = self.format not in ("json", "jsonl")
        parts = name_parts(self.name)
        columns = kept = False
        # read only for the fields an include pattern may name: none, nothing to keep
        partial = selection.asset(parts) == "some"
        for batch in self._raw_batches():
            selection.seen(parts)  # its fields are known from here on
            keep = [i for i, n in enumerate(batch.schema.names) if self._keep(n)]
            columns, kept = columns or batch.num_columns > 0, kept or bool(keep)
            if columns and not kept and fixed:
                raise NothingSelected(f"no field of {self.name} is selected")
            yield batch if len(keep) == batch.num_columns else batch.select(keep)
        selection.seen(parts)
        if not kept and (columns or partial):
            raise NothingSelected(f"no field of {self.name} is selected")

    def lines(self) -> Iterator[str]:
        if self.kind != "text":
            raise AssetError(f"{self.name} is a structured file, not a text document")
        if self.format in ("pdf", "docx", "eml"):
            if self.blob.size == 0:
                raise EmptyAsset("empty file")
            return self._other_lines(self.format)
        fmt = self._content_format()
        if fmt != "text":
            return self._other_lines(fmt)
        return self._sampled_lines()

    def _sampled_lines(self) -> Iterator[str]:
        limit = self._limit
        lines = text_lines(
            self.blob,
            max_line_chars=self.config.max_line_chars,
            max_bytes=self._max_bytes,
            notes=self.notes,
        )
        for i, line in enumerate(lines):
            if limit is not None and i >= limit:
                self.notes.append(f"sampled: first {limit} lines (--full reads everything)")
                return
            yield line


class SheetAsset(FileAsset):
    """One sheet of an Excel workbook, named ``book.xlsx/Sheet1``."""

    def __init__(
        self, blob: Blob, sheet: str, config: Config, selection: Selection | None = None
    ) -> None:
        super().__init__(blob, "xlsx", config, selection)
        self.sheet = sheet
        self.name = f"{blob.name}/{sheet}"

    def _other_batches(self, fmt: str | None) -> Iterator[pa.RecordBatch]:
        return xlsx_sheet_batches(
            self.blob,
            self.sheet,
            batch_rows=self.config.batch_rows,
            limit=self._limit,
            notes=self.notes,
        )


class PluginFileAsset(FileAsset):
    """A file of a format a plugin reads (:class:`~piiscan.plugins.FileFormat`)."""

    def __init__(
        self, blob: Blob, file_format: FileFormat, config: Config, selection: Selection
    ) -> None:
        super().__init__(blob, f"plugin:{file_format.name}", config, selection)
        self.file_format = file_format
        self.kind = "text" if file_format.kind == "text" else "file"

    def _other_batches(self, fmt: str | None) -> Iterator[pa.RecordBatch]:
        return self.file_format.batches(self.blob, self._limit, self.notes)

    def _other_lines(self, fmt: str | None) -> Iterator[str]:
        return self.file_format.lines(self.blob, self._limit, self.notes)


class UnreadableAsset(Asset):
    """A container or member found unreadable while listing (archive limit, unsafe member
    name, misleading extension): reading it raises the reason, so the scan records it in
    ``errors[]`` under its name and goes on."""

    kind: AssetKind = "file"

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        self.notes: list[str] = []

    def batches(self) -> Iterator[pa.RecordBatch]:
        raise AssetError(self.reason)


class EmptyFileAsset(UnreadableAsset):
    """A zero-byte file or object of any format: nothing to read and nothing missed, so
    the scan records a note on it, not an error."""

    def __init__(self, name: str) -> None:
        super().__init__(name, "empty file")
        self.size = self.bytes_read = 0

    def batches(self) -> Iterator[pa.RecordBatch]:
        raise EmptyAsset(self.reason)

    def lines(self) -> Iterator[str]:
        raise EmptyAsset(self.reason)


class FileConnector(Connector):
    """Files and directory trees on the local file system, and objects in stores."""

    name = "files"
    description = (
        "Local files and directories, and object stores through fsspec "
        "(s3://, gs://, az://): CSV/TSV, JSON, JSON Lines, Parquet, text"
    )
    #: ``file://`` and the object stores piiscan has an extra for; another installed
    #: fsspec protocol (``memory://``) reaches :meth:`accepts`.
    schemes = ("file", *STORE_SCHEMES)
    takes_paths = True

    def __init__(self, source: str, config: Config) -> None:
        super().__init__(source, config)
        #: Formats plugins read, for suffixes no built-in reader takes.
        self.formats = FormatPlugins(default_registry, config)
        self.selection = file_selection(config.include, config.exclude, self.formats.suffixes)
        #: (name, reason) of what was left out while listing: files of no readable type,
        #: version-control internals, links not followed (filled as :meth:`assets` runs).
        self.skipped: list[tuple[str, str]] = []
        self.store: ObjectStore | None = None
        if is_store_url(source):
            self.store = ObjectStore(source, config)
            return
        self.root = source_path(source)
        self.preflight(source)

    @classmethod
    def preflight(cls, source: str) -> None:
        if is_store_url(source):  # the extra must be installed: said before a model loads
            filesystem_class(scheme_of(source) or "")
            return
        root = source_path(source)
        if not root.exists():
            raise SourceError(f"no such file or directory: {root}")

    @classmethod
    def accepts(cls, source: str) -> bool:
        """A path that exists or looks like one, a ``file:`` URL, any object-store URL."""
        if "://" in source:
            return source.lower().startswith("file://") or is_store_url(source)
        if source.lower().startswith("file:"):
            return True
        if Path(source).expanduser().exists():
            return True
        return "/" in source or "." in source or source.startswith("~")

    def display_source(self) -> str:
        return mask_url(self.source)

    def assets(self) -> Iterator[Asset]:
        if self.store is not None:
            blobs = self.store.blobs(on_skip=self._skip)
            yield from self._listed(blobs, single=self.store.single)
        elif self.root.is_file():
            yield from self._listed([PathBlob(self.root)], single=True)
        else:
            yield from self._walked()

    def _walked(self) -> Iterator[Asset]:
        """The tree's files as assets; an unreadable or too deep folder as an error."""
        entries = walk(self.root)
        while True:
            try:
                entry = next(entries)
            except StopIteration:
                return
            except OSError as exc:  # the root itself
                why = exc.strerror or type(exc).__name__
                raise SourceError(f"cannot list the source folder: {why}") from None
            if entry.status == "file":
                yield from self._blob_assets(PathBlob(entry.path, entry.rel), single=False)
            elif not self.selection.excluded(name_parts(entry.rel)):
                if entry.status == "error":
                    yield UnreadableAsset(entry.rel, entry.reason)
                else:
                    self._skip(entry.rel, entry.reason)

    def _plugin_assets(self, blob: Blob, file_format: FileFormat) -> Iterator[Asset]:
        """A file a format plugin reads, unless the patterns leave it out."""
        parts = name_parts(blob.name)
        fields = file_format.kind != "text"
        if self.selection.asset(parts, fields=fields) not in ("all", "some"):
            return
        if blob.size == 0:
            self.selection.seen(parts)  # no fields to see
            if self.selection.asset(parts, fields=False) == "all":
                yield EmptyFileAsset(blob.name)
            return
        yield PluginFileAsset(blob, file_format, self.config, self.selection)

    def _skip(self, name: str, reason: str) -> None:
        """Record a file or folder left out (not read), unless the patterns exclude it."""
        if not self.selection.excluded(name_parts(name)):
            self.skipped.append((name, reason))

    def _listed(self, blobs: Iterable[Blob], *, single: bool) -> Iterator[Asset]:
        """Assets for the blobs whose format is known (all of them for a single file)."""
        for blob in blobs:
            yield from self._blob_assets(blob, single)

    def _admits(self, name: str, fmt: str | None) -> bool:
        """Whether the include/exclude patterns let a file through: a container (archive,
        workbook, e-mail) unless it is excluded, a file when it may have a selected field
        (a text document: when it is selected)."""
        parts = name_parts(name)
        if fmt in CONTAINER_FORMATS:
            return not self.selection.excluded(parts)
        fields = fmt not in (*TEXT_FORMATS, "", None)
        return self.selection.asset(parts, fields=fields) in ("all", "some")

    def _blob_assets(self, blob: Blob, single: bool) -> Iterator[Asset]:
        fmt = format_for(blob.name)
        plugin = self.formats.for_name(blob.name) if fmt is None else None
        if plugin is not None:
            yield from self._plugin_assets(blob, plugin)
            return
        if not self._admits(blob.name, fmt):
            return
        if blob.size == 0:
            parts = name_parts(blob.name)
            self.selection.seen(parts)  # no fields to see
            if self.selection.asset(parts, fields=False) == "all":
                yield EmptyFileAsset(blob.name)
            return
        if fmt in OTHER_FORMATS and blob.size != 0:
            try:
                problem = mismatch(fmt, read_head(blob, SNIFF_BYTES))
            except AssetError as exc:
                problem = str(exc)
            if problem:
                yield UnreadableAsset(blob.name, problem)
                return
        if fmt == "archive":
            found = members = left_out = 0
            for item in expand(blob, ArchiveLimits.from_config(self.config)):
                members += 1
                if isinstance(item, SkippedMember):
                    if self.selection.excluded(name_parts(item.name)):
                        left_out += 1
                        continue
                    found += 1
                    yield UnreadableAsset(item.name, item.reason)
                    continue
                if not self._admits(item.name, format_for(item.name)):
                    left_out += 1
                    continue
                for asset in self._blob_assets(item, single=False):
                    found += 1
                    yield asset
            if not found and not left_out:  # an archive not looked into must not look clean
                yield UnreadableAsset(
                    blob.name, f"no member of a supported type ({members} member(s) not scanned)"
                )
            return
        if fmt == "xlsx":
            try:
                sheets = xlsx_sheet_names(blob)
            except AssetError as exc:
                yield UnreadableAsset(blob.name, str(exc))
                return
            for sheet in sheets:
                if self.selection.asset((*name_parts(blob.name), sheet)) in ("all", "some"):
                    yield SheetAsset(blob, sheet, self.config, self.selection)
            return
        if fmt == "eml":
            if self.selection.asset(name_parts(blob.name), fields=False) == "all":
                yield FileAsset(blob, fmt, self.config, self.selection)
            attachments = eml_attachments(blob, max_bytes=self.config.max_text_bytes)
            while True:
                try:
                    attachment = next(attachments)
                except StopIteration:
                    return
                except (AssetError, ValueError, LookupError):
                    return  # an unreadable message: reading it reports why
                yield from self._blob_assets(attachment, single=False)
        if fmt and fmt not in (*TABLE_FORMATS, *TEXT_FORMATS, *OTHER_FORMATS):
            fmt = None  # a type no reader handles
        why = None if fmt else skip_reason(blob)
        if not fmt and why is None:
            fmt = "text"  # no extension, or one no reader knows: text is read as text
        if fmt or single:
            yield FileAsset(blob, fmt or None, self.config, self.selection)
        elif why is not None:
            self._skip(blob.name, why)
