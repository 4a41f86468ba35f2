"""Document formats: Excel workbooks, PDF, Word, e-mail and Avro.

Workbooks and Avro files are tables (record batches); PDF, Word and e-mail are text
documents (lines). Every reader takes a :class:`~piiscan.connectors.readers.blob.Blob`
and raises :class:`~piiscan.errors.AssetError` with a reason that never quotes the data.
pypdf (PDF) and fastavro (Avro) are optional: the ``documents`` extra (the hint in the
error is the pip command for this installation, see :mod:`piiscan.install`).
"""

from __future__ import annotations

import email
import io
import itertools
import re
import zipfile
from collections.abc import Iterator, Sequence
from email import policy
from email.message import Message
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import IO, Any
from xml.etree import ElementTree

import pyarrow as pa

from piiscan.connectors.readers import OLE_MAGIC
from piiscan.connectors.readers.archives import spool
from piiscan.connectors.readers.arrow import as_text, records_to_batch, string_batch
from piiscan.connectors.readers.blob import Blob
from piiscan.connectors.readers.csv_reader import header_names
from piiscan.connectors.readers.flatten import flatten
from piiscan.connectors.readers.headers import (
    SAMPLE_ROWS,
    generic_names,
    header_is_data,
    headerless_note,
)
from piiscan.errors import AssetError, EmptyAsset
from piiscan.install import install_command

CHUNK = 1 << 16
NO_TEXT_LAYER = "no text layer (scanned image?)"
EMAIL_HEADERS = ("From", "To", "Cc", "Bcc", "Reply-To", "Subject", "Date")
OLE_REASON = "encrypted or legacy (pre-2007) Office file: OLE container, not readable"


# -- shared helpers ------------------------------------------------------------------------
def seekable(blob: Blob) -> IO[bytes]:
    """The blob's stream, spooled (memory, then a temporary file) when it cannot seek."""
    stream = blob.open()
    return stream if stream.seekable() else spool(stream)


def _head(fh: IO[bytes], size: int = 8) -> bytes:
    head = fh.read(size)
    fh.seek(0)
    return head


def _why(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _cut(lines: Iterator[str], max_line_chars: int) -> Iterator[str]:
    """Non-blank lines, each cut at ``max_line_chars``."""
    for text in lines:
        for line in text.splitlines():
            if line.strip():
                yield line[:max_line_chars]


def _check_office(fh: IO[bytes], what: str) -> None:
    head = _head(fh)
    if not head:
        raise EmptyAsset("empty file")
    if head.startswith(OLE_MAGIC):
        raise AssetError(OLE_REASON)
    if not head.startswith(b"PK"):
        raise AssetError(f"not {what} (not a zip container)")


# -- Excel -----------------------------------------------------------------------------------
def _open_workbook(fh: IO[bytes]) -> Any:
    from openpyxl import load_workbook

    _check_office(fh, "an Excel workbook")
    try:
        return load_workbook(fh, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken packages
        raise AssetError(f"corrupt Excel workbook ({_why(exc)})") from None


def xlsx_sheet_names(blob: Blob) -> list[str]:
    """Worksheet titles in workbook order (chart sheets are not tables)."""
    with seekable(blob) as fh:
        wb = _open_workbook(fh)
        try:
            return [ws.title for ws in wb.worksheets]
        finally:
            wb.close()


def xlsx_sheet_batches(
    blob: Blob, sheet: str, *, batch_rows: int, limit: int | None, notes: list[str] | None = None
) -> Iterator[pa.RecordBatch]:
    """String record batches of one worksheet (opens the workbook on its own)."""
    with seekable(blob) as fh:
        wb = _open_workbook(fh)
        try:
            if sheet not in wb.sheetnames:
                raise AssetError("no such worksheet")
            yield from _sheet_rows(wb[sheet], batch_rows, limit, notes)
        finally:
            wb.close()


def xlsx_sheets(
    blob: Blob, *, batch_rows: int, limit: int | None, notes: list[str] | None = None
) -> Iterator[tuple[str, Iterator[pa.RecordBatch]]]:
    """(title, batches) per worksheet from one open workbook; consume each sheet's
    batches before asking for the next sheet."""
    with seekable(blob) as fh:
        wb = _open_workbook(fh)
        try:
            for ws in wb.worksheets:
                yield ws.title, _sheet_rows(ws, batch_rows, limit, notes)
        finally:
            wb.close()


def _sheet_rows(
    ws: Any, batch_rows: int, limit: int | None, notes: list[str] | None
) -> Iterator[pa.RecordBatch]:
    """First non-empty row is the header, unless it looks like data (see
    :mod:`.headers`: the columns are then ``column_1`` … and the row is data); wider rows
    add ``column_N`` columns; empty rows are skipped. An empty sheet gives one batch with
    no columns."""
    names: list[str] | None = None
    rows: list[list[str | None]] = []
    total = 0
    try:
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()  # ignore the stored size: a bogus one pads every row
        cells_of = (_trim([as_text(v) for v in raw]) for raw in ws.iter_rows(values_only=True))
        filled = (cells for cells in cells_of if cells)
        first = next(filled, None)
        below = list(itertools.islice(filled, SAMPLE_ROWS))
        data: Iterator[list[str | None]] = iter(below)
        if first is not None:
            if header_is_data(first, below):
                names = generic_names(len(first))
                data = itertools.chain([first], below)
                if notes is not None:
                    notes.append(headerless_note(len(names)))
            else:
                names = header_names([c or "" for c in first])
        for cells in itertools.chain(data, filled):
            assert names is not None
            if len(cells) > len(names):
                if rows:
                    yield _padded(names, rows)
                    rows = []
                names = header_names(names + [""] * (len(cells) - len(names)))
            rows.append(cells)
            total += 1
            if len(rows) >= batch_rows:
                yield _padded(names, rows)
                rows = []
            if limit is not None and total >= limit:
                break
    except AssetError:
        raise
    except Exception as exc:  # broken sheet XML
        raise AssetError(f"corrupt worksheet ({_why(exc)})") from None
    if names is None:
        if notes is not None:
            notes.append(f"worksheet {ws.title!r} is empty")
        yield pa.RecordBatch.from_arrays([], names=[])
    elif rows or total == 0:
        yield _padded(names, rows)


def _trim(cells: list[str | None]) -> list[str | None]:
    """Cells without trailing blanks; ``[]`` for an empty row."""
    end = len(cells)
    while end and (cells[end - 1] is None or not str(cells[end - 1]).strip()):
        end -= 1
    return cells[:end]


def _padded(names: Sequence[str], rows: list[list[str | None]]) -> pa.RecordBatch:
    width = len(names)
    return string_batch(names, [(r + [None] * width)[:width] for r in rows])


# -- PDF -------------------------------------------------------------------------------------
def pdf_lines(
    blob: Blob, *, max_line_chars: int, max_pages: int | None = None, notes: list[str] | None = None
) -> Iterator[str]:
    """Lines of the PDF text layer, page by page."""
    try:
        import pypdf
    except ImportError:
        raise AssetError(f"PDF support needs pypdf: {install_command('documents')}") from None
    with seekable(blob) as fh:
        head = fh.read(1024)
        fh.seek(0)
        if not head:
            raise EmptyAsset("empty file")
        if b"%PDF-" not in head:
            raise AssetError("not a PDF file (no %PDF header)")
        try:
            reader = pypdf.PdfReader(fh, strict=False)
            if reader.is_encrypted and not _decrypt_blank(reader):
                raise AssetError("encrypted PDF (no password)")
            pages = len(reader.pages)
        except AssetError:
            raise
        except Exception as exc:  # pypdf raises assorted types on broken files
            if "cryptography" in str(exc) or "AES" in str(exc):
                raise AssetError(
                    f"encrypted PDF needs the cryptography package ({install_command('documents')})"
                ) from None
            raise AssetError(f"corrupt PDF ({_why(exc)})") from None
        read = pages if max_pages is None else min(pages, max_pages)
        if read < pages and notes is not None:
            notes.append(f"read the first {read} of {pages} pages")
        found = bad = 0
        for number in range(read):
            try:
                text = reader.pages[number].extract_text() or ""
            except Exception:  # one broken page never stops the document
                bad += 1
                continue
            for line in _cut(iter([text]), max_line_chars):
                found += 1
                yield line
        if bad and notes is not None:
            notes.append(f"{bad} pages without readable text (corrupt content)")
        if not found and notes is not None:
            notes.append(NO_TEXT_LAYER)


def _decrypt_blank(reader: Any) -> bool:
    """Open a PDF encrypted with an empty user password (owner-only restrictions)."""
    from pypdf import PasswordType

    try:
        return reader.decrypt("") != PasswordType.NOT_DECRYPTED
    except Exception as exc:
        if "cryptography" in str(exc) or "AES" in str(exc):
            raise AssetError(
                f"encrypted PDF needs the cryptography package ({install_command('documents')})"
            ) from None
        return False


# -- Word ------------------------------------------------------------------------------------
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DOCX_PART = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml")
_FORBIDDEN = (b"<!DOCTYPE", b"<!ENTITY")


def docx_lines(
    blob: Blob, *, max_line_chars: int, max_bytes: int | None = None, notes: list[str] | None = None
) -> Iterator[str]:
    """Paragraphs (table cells included) of the body, then headers, footers, notes and
    comments. ``max_bytes`` caps the uncompressed XML read (zip-bomb guard)."""
    with seekable(blob) as fh:
        _check_office(fh, "a Word document")
        try:
            zf = zipfile.ZipFile(fh)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise AssetError(f"corrupt Word document ({_why(exc)})") from None
        with zf:
            parts = [n for n in zf.namelist() if _DOCX_PART.fullmatch(n)]
            if "word/document.xml" not in parts:
                raise AssetError("not a Word document (no word/document.xml)")
            parts.sort(key=lambda n: (n != "word/document.xml", n))
            budget = [max_bytes]
            for part in parts:
                for text in _paragraphs(zf, part, budget):
                    if text.strip():
                        yield text[:max_line_chars]


def _paragraphs(zf: zipfile.ZipFile, part: str, budget: list[int | None]) -> Iterator[str]:
    parser = ElementTree.XMLPullParser(events=("start", "end"))
    stack: list[list[str]] = []
    tail = b""
    try:
        with zf.open(part) as stream:
            while chunk := stream.read(CHUNK):
                if budget[0] is not None:
                    budget[0] -= len(chunk)
                    if budget[0] < 0:
                        raise AssetError("Word document larger than the uncompressed limit")
                window = tail + chunk
                if not tail and window[:2] in (b"\xff\xfe", b"\xfe\xff"):
                    raise AssetError("unsupported Word XML encoding (UTF-16)")
                if any(f in window for f in _FORBIDDEN):
                    raise AssetError(
                        "Word XML with a DOCTYPE or ENTITY declaration (refused: entity expansion)"
                    )
                tail = window[-16:]
                parser.feed(chunk)
                yield from _events(parser, stack)
            parser.close()
            yield from _events(parser, stack)
    except AssetError:
        raise
    except (ElementTree.ParseError, zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise AssetError(f"corrupt Word document ({_why(exc)})") from None


def _events(parser: ElementTree.XMLPullParser, stack: list[list[str]]) -> Iterator[str]:
    for event, elem in parser.read_events():
        tag = elem.tag
        if tag == f"{W}p":
            if event == "start":
                stack.append([])
            elif stack:
                yield "".join(stack.pop())
                elem.clear()
        elif event == "end" and stack:
            if tag in (f"{W}t", f"{W}delText"):
                stack[-1].append(elem.text or "")
            elif tag == f"{W}tab":
                stack[-1].append("\t")
            elif tag in (f"{W}br", f"{W}cr"):
                stack[-1].append("\n")


# -- e-mail ----------------------------------------------------------------------------------
class _HtmlText(HTMLParser):
    """Visible text of an HTML body (scripts and styles dropped)."""

    _SKIP = frozenset({"script", "style", "head"})
    _BREAK = frozenset({"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "td", "th"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skipping += 1
        elif tag in self._BREAK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self.skipping:
            self.skipping -= 1
        elif tag in self._BREAK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_text(markup: str) -> str:
    parser = _HtmlText()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


def _message(blob: Blob, max_bytes: int | None, notes: list[str] | None) -> Message:
    with blob.open() as fh:
        data = fh.read() if max_bytes is None else fh.read(max_bytes + 1)
    if not data.strip():
        raise EmptyAsset("empty file")
    if max_bytes is not None and len(data) > max_bytes:
        data = data[:max_bytes]
        if notes is not None:
            notes.append(f"message larger than {max_bytes} bytes: only the start was read")
    if b"\x00" in data[:8192]:
        raise AssetError("not an e-mail message (binary content)")
    return email.message_from_bytes(data, policy=policy.default)


def _text_of(part: Message) -> str:
    try:
        return str(part.get_content())  # type: ignore[attr-defined]
    except (LookupError, UnicodeError, KeyError, AttributeError, ValueError):
        payload = part.get_payload(decode=True)
        return payload.decode("latin-1", "replace") if isinstance(payload, bytes) else ""


def _attachment_name(part: Message, index: int) -> str:
    raw = part.get_filename() or f"attachment-{index}"
    name = PurePosixPath(raw.replace("\\", "/")).name.strip().lstrip(".")
    return name or f"attachment-{index}"


def eml_lines(
    blob: Blob, *, max_line_chars: int, max_bytes: int | None = None, notes: list[str] | None = None
) -> Iterator[str]:
    """``Header: value`` lines for the address, subject and date headers, then the text
    bodies (HTML bodies stripped of tags, only when there is no plain-text body).
    Attachments are not read here: they are named in ``notes`` (see
    :func:`eml_attachments` to scan them as members)."""
    msg = _message(blob, max_bytes, notes)
    for header in EMAIL_HEADERS:
        for value in msg.get_all(header) or ():
            try:
                text = str(value)
            except (ValueError, LookupError, UnicodeError):
                continue
            yield f"{header}: {text}"[:max_line_chars]
    plain, html, attached = [], [], []
    for index, part in enumerate(msg.walk()):
        if part.is_multipart():
            continue
        if part.get_content_disposition() == "attachment" or part.get_filename():
            attached.append(_attachment_name(part, index))
        elif part.get_content_type() == "text/plain":
            plain.append(part)
        elif part.get_content_type() == "text/html":
            html.append(part)
    for part in plain:
        yield from _cut(iter([_text_of(part)]), max_line_chars)
    if not plain:
        for part in html:
            yield from _cut(iter([html_text(_text_of(part))]), max_line_chars)
    if attached and notes is not None:
        notes.append(
            f"{len(attached)} attachment(s) not read as part of the message: " + ", ".join(attached)
        )


class BytesBlob(Blob):
    """Bytes already in memory (a decoded e-mail attachment)."""

    def __init__(self, name: str, data: bytes, fingerprint: str | None = None) -> None:
        self.name = name
        self.data = data
        self.size = len(data)
        self.fingerprint = fingerprint
        self.bytes_read = 0

    def open(self) -> IO[bytes]:  # type: ignore[override]
        self.bytes_read += len(self.data)
        return io.BytesIO(self.data)


def eml_attachments(blob: Blob, *, max_bytes: int | None = None) -> Iterator[BytesBlob]:
    """Attachments as blobs named ``mail.eml/<file name>`` (decoded, in memory; the whole
    message is bounded by ``max_bytes``), for the connector to scan like archive members."""
    msg = _message(blob, max_bytes, None)
    seen: set[str] = set()
    for index, part in enumerate(msg.walk()):
        if part.is_multipart():
            continue
        if not (part.get_content_disposition() == "attachment" or part.get_filename()):
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        name = _attachment_name(part, index)
        if name in seen:
            name = f"{index}-{name}"
        seen.add(name)
        fp = f"{blob.fingerprint}:{name}" if blob.fingerprint else None
        yield BytesBlob(f"{blob.name}/{name}", payload, fp)


# -- Avro ------------------------------------------------------------------------------------
def avro_batches(
    blob: Blob, *, batch_rows: int, limit: int | None, notes: list[str] | None = None
) -> Iterator[pa.RecordBatch]:
    """Flattened records of an Avro object container file, streamed."""
    try:
        import fastavro
    except ImportError:
        raise AssetError(f"Avro support needs fastavro: {install_command('documents')}") from None
    with blob.open() as fh:
        head = fh.read(4)
        if not head:
            raise EmptyAsset("empty file")
        if head != b"Obj\x01":
            raise AssetError("not an Avro object container file (no Obj magic)")
        stream = io.BufferedReader(_Prefixed(head, fh))
        chunk: list[dict[str, Any]] = []
        total = 0
        try:
            for record in fastavro.reader(stream):
                chunk.append(flatten(_decode_bytes(record)))
                total += 1
                if len(chunk) >= batch_rows:
                    yield records_to_batch(chunk)
                    chunk = []
                if limit is not None and total >= limit:
                    break
        except AssetError:
            raise
        except Exception as exc:  # fastavro raises assorted types on broken data
            raise AssetError(f"corrupt Avro file ({_why(exc)})") from None
        if chunk:
            yield records_to_batch(chunk)
        elif total == 0:
            yield pa.RecordBatch.from_arrays([], names=[])


def _decode_bytes(value: Any) -> Any:
    """Avro ``bytes``/``fixed`` leaves as text when they are UTF-8, else dropped (None)."""
    if isinstance(value, dict):
        return {k: _decode_bytes(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode_bytes(v) for v in value]
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return value


class _Prefixed(io.RawIOBase):
    """Bytes already read, then the rest of a stream (no seeking needed)."""

    def __init__(self, prefix: bytes, rest: IO[bytes]) -> None:
        self.prefix = prefix
        self.rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.prefix:
            n = min(len(buffer), len(self.prefix))
            buffer[:n] = self.prefix[:n]
            self.prefix = self.prefix[n:]
            return n
        data = self.rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
