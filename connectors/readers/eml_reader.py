"""E-mail messages (``.eml``): address, subject and date headers and the text bodies as
lines; attachments as blobs of their own (``mail.eml/<file name>``) that the connector
reads like archive members."""

from __future__ import annotations

import email
import io
from collections.abc import Iterator
from email import policy
from email.message import Message
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import IO

from piiscan.connectors.readers.blob import Blob
from piiscan.connectors.readers.document_io import cut_lines
from piiscan.errors import AssetError, EmptyAsset

EMAIL_HEADERS = ("From", "To", "Cc", "Bcc", "Reply-To", "Subject", "Date")


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
        yield from cut_lines(iter([_text_of(part)]), max_line_chars)
    if not plain:
        for part in html:
            yield from cut_lines(iter([html_text(_text_of(part))]), max_line_chars)
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
