"""Word documents (``.docx``): paragraphs of the body, then headers, footers, notes and
comments, streamed from the XML parts with a pull parser. DOCTYPE and ENTITY
declarations are refused (entity expansion), and the uncompressed XML is bounded."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from xml.etree import ElementTree

from piiscan.connectors.readers.blob import Blob
from piiscan.connectors.readers.document_io import check_office, seekable, why
from piiscan.errors import AssetError

CHUNK = 1 << 16
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DOCX_PART = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml")
_FORBIDDEN = (b"<!DOCTYPE", b"<!ENTITY")


def docx_lines(
    blob: Blob, *, max_line_chars: int, max_bytes: int | None = None, notes: list[str] | None = None
) -> Iterator[str]:
    """Paragraphs (table cells included) of the body, then headers, footers, notes and
    comments. ``max_bytes`` caps the uncompressed XML read (zip-bomb guard)."""
    with seekable(blob) as fh:
        check_office(fh, "a Word document")
        try:
            zf = zipfile.ZipFile(fh)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise AssetError(f"corrupt Word document ({why(exc)})") from None
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
    parser: ElementTree.XMLPullParser[ElementTree.Element] = ElementTree.XMLPullParser(
        events=("start", "end")
    )
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
        raise AssetError(f"corrupt Word document ({why(exc)})") from None


def _events(
    parser: ElementTree.XMLPullParser[ElementTree.Element], stack: list[list[str]]
) -> Iterator[str]:
    for item in parser.read_events():
        event, elem = item[0], item[-1]
        if not isinstance(elem, ElementTree.Element):  # only start and end are asked for
            continue
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
