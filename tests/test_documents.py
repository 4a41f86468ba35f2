"""Document readers (Excel, PDF, Word, e-mail, Avro) on real files built here."""

from __future__ import annotations

import datetime as dt
import io
import re
import tarfile
import zipfile
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import fastavro
import pytest
from openpyxl import Workbook
from pypdf import PdfReader, PdfWriter

from piiscan.connectors.readers.archives import ArchiveLimits, MemberBlob, expand
from piiscan.connectors.readers.avro_reader import avro_batches
from piiscan.connectors.readers.blob import Blob, PathBlob
from piiscan.connectors.readers.docx_reader import docx_lines
from piiscan.connectors.readers.eml_reader import eml_attachments, eml_lines
from piiscan.connectors.readers.excel_reader import (
    xlsx_sheet_batches,
    xlsx_sheet_names,
    xlsx_sheets,
)
from piiscan.connectors.readers.pdf_reader import NO_TEXT_LAYER, pdf_lines
from piiscan.errors import AssetError

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


def blob_of(tmp_path: Path, name: str, data: bytes) -> PathBlob:
    path = tmp_path / name
    path.write_bytes(data)
    return PathBlob(path)


def rows_of(batches: Any) -> list[dict[str, Any]]:
    return [row for batch in batches for row in batch.to_pylist()]


# -- Excel -----------------------------------------------------------------------------------
def workbook_bytes() -> bytes:
    wb = Workbook()
    people = wb.active
    people.title = "People"
    people.append([])  # leading empty row: the header is the first non-empty row
    people.append(["name", "email", "name", None, "born"])
    people.append(["Ann", "ann@example.org", "A.", None, dt.date(1990, 5, 17)])
    people.append([])
    people.append(["Bob", None, None, None, 42, "extra note"])
    orders = wb.create_sheet("Orders")
    orders.append(["id", "total"])
    for i in range(5):
        orders.append([i, 9.5])
    wb.create_sheet("Empty")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_every_sheet_is_a_table(tmp_path: Path) -> None:
    blob = blob_of(tmp_path, "book.xlsx", workbook_bytes())
    notes: list[str] = []
    sheets = {title: list(batches) for title, batches in
              xlsx_sheets(blob, batch_rows=2, limit=None, notes=notes)}
    assert list(sheets) == ["People", "Orders", "Empty"]
    people = rows_of(sheets["People"])
    assert people[0] == {"name": "Ann", "email": "ann@example.org", "name_2": "A.",
                         "column_4": None, "born": "1990-05-17 00:00:00"}
    assert people[1] == {"name": "Bob", "email": None, "name_2": None, "column_4": None,
                         "born": "42", "column_6": "extra note"}
    assert [len(b) for b in sheets["Orders"]] == [2, 2, 1]
    assert rows_of(sheets["Orders"])[0] == {"id": "0", "total": "9.5"}
    assert sheets["Empty"][0].num_columns == 0
    assert notes == ["worksheet 'Empty' is empty"]


def test_xlsx_one_sheet_at_a_time_with_a_row_limit(tmp_path: Path) -> None:
    blob = blob_of(tmp_path, "book.xlsx", workbook_bytes())
    assert xlsx_sheet_names(blob) == ["People", "Orders", "Empty"]
    rows = rows_of(xlsx_sheet_batches(blob, "Orders", batch_rows=100, limit=3))
    assert [r["id"] for r in rows] == ["0", "1", "2"]
    with pytest.raises(AssetError, match="no such worksheet"):
        list(xlsx_sheet_batches(blob, "Missing", batch_rows=10, limit=None))


def test_xlsx_bogus_stored_dimension_does_not_pad_rows(tmp_path: Path) -> None:
    src = zipfile.ZipFile(io.BytesIO(workbook_bytes()))
    files = {n: src.read(n) for n in src.namelist()}
    sheet = "xl/worksheets/sheet2.xml"
    files[sheet] = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"',
                          files[sheet])
    blob = blob_of(tmp_path, "book.xlsx", zip_of(files))  # type: ignore[arg-type]
    (batch,) = xlsx_sheet_batches(blob, "Orders", batch_rows=100, limit=None)
    assert batch.schema.names == ["id", "total"] and len(batch) == 5


def zip_of(files: dict[str, bytes | str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


BAD_OFFICE = [
    ("encrypted (OLE)", OLE, "encrypted or legacy"),
    ("corrupt zip", b"PK\x03\x04" + bytes(100), "corrupt Excel workbook"),
    ("zip without workbook", zip_of({"a.txt": "x"}), "corrupt Excel workbook"),
    ("text", b"name,email\n", "not an Excel workbook"),
    ("empty", b"", "empty file"),
]


@pytest.mark.parametrize(("label", "data", "reason"), BAD_OFFICE,
                         ids=[b[0] for b in BAD_OFFICE])
def test_xlsx_unreadable_workbooks(tmp_path: Path, label: str, data: bytes,
                                   reason: str) -> None:
    blob = blob_of(tmp_path, "bad.xlsx", data)
    with pytest.raises(AssetError, match=reason):
        list(xlsx_sheets(blob, batch_rows=10, limit=None))


# -- PDF -------------------------------------------------------------------------------------
def pdf_bytes(pages: list[list[str]]) -> bytes:
    """A minimal PDF with one Helvetica text object per page."""
    n = len(pages)
    objects = ["<< /Type /Catalog /Pages 2 0 R >>",
               "<< /Type /Pages /Kids [{}] /Count {} >>".format(
                   " ".join(f"{3 + 2 * i} 0 R" for i in range(n)), n)]
    font = 3 + 2 * n
    for i, lines in enumerate(pages):
        text = " ".join(f"({line}) Tj T*" for line in lines)
        content = f"BT /F1 12 Tf 14 TL 72 720 Td {text} ET"
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                       f"/Contents {4 + 2 * i} 0 R /Resources << /Font << /F1 {font} 0 R >> >> >>")
        objects.append(f"<< /Length {len(content)} >>\nstream\n{content}\nendstream")
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)


def encrypted(pdf: bytes, user: str, algorithm: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user, owner_password="owner-secret", algorithm=algorithm)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


TWO_PAGES = pdf_bytes([["Patient: Ann Smith", "Phone 555 0100"], ["Email ann@example.org"]])


def test_pdf_text_layer_lines(tmp_path: Path) -> None:
    notes: list[str] = []
    lines = list(pdf_lines(blob_of(tmp_path, "d.pdf", TWO_PAGES), max_line_chars=1000,
                           notes=notes))
    assert lines == ["Patient: Ann Smith", "Phone 555 0100", "Email ann@example.org"]
    assert notes == []


def test_pdf_page_limit_and_line_cut(tmp_path: Path) -> None:
    notes: list[str] = []
    lines = list(pdf_lines(blob_of(tmp_path, "d.pdf", TWO_PAGES), max_line_chars=7,
                           max_pages=1, notes=notes))
    assert lines == ["Patient", "Phone 5"]
    assert notes == ["read the first 1 of 2 pages"]


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-256"])
def test_pdf_with_an_empty_user_password_is_read(tmp_path: Path, algorithm: str) -> None:
    data = encrypted(TWO_PAGES, "", algorithm)
    lines = list(pdf_lines(blob_of(tmp_path, "d.pdf", data), max_line_chars=100))
    assert lines[0] == "Patient: Ann Smith"


BAD_PDF = [
    ("encrypted RC4", encrypted(TWO_PAGES, "user-secret", "RC4-128"),
     "encrypted PDF \\(no password\\)"),
    ("encrypted AES", encrypted(TWO_PAGES, "user-secret", "AES-256"),
     "encrypted PDF \\(no password\\)"),
    ("truncated", TWO_PAGES[:60], "corrupt PDF"),
    ("not a pdf", b"PK\x03\x04" + bytes(100), "not a PDF file"),
    ("empty", b"", "empty file"),
]


@pytest.mark.parametrize(("label", "data", "reason"), BAD_PDF, ids=[b[0] for b in BAD_PDF])
def test_pdf_unreadable(tmp_path: Path, label: str, data: bytes, reason: str) -> None:
    with pytest.raises(AssetError, match=reason):
        list(pdf_lines(blob_of(tmp_path, "d.pdf", data), max_line_chars=100))


def test_pdf_without_text_layer_is_noted(tmp_path: Path) -> None:
    notes: list[str] = []
    assert list(pdf_lines(blob_of(tmp_path, "scan.pdf", blank_pdf()), max_line_chars=100,
                          notes=notes)) == []
    assert notes == [NO_TEXT_LAYER]


# -- Word ------------------------------------------------------------------------------------
WNS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def para(*runs: str) -> str:
    return "<w:p>" + "".join(f"<w:r><w:t>{r}</w:t></w:r>" for r in runs) + "</w:p>"


BODY = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {WNS}><w:body>'
        + para("Dear ", "Ann Smith,")
        + "<w:p><w:r><w:t>Phone:</w:t><w:tab/><w:t>555 0100</w:t></w:r></w:p>"
        + "<w:tbl><w:tr><w:tc>" + para("Name") + "</w:tc><w:tc>" + para("Email")
        + "</w:tc></w:tr><w:tr><w:tc>" + para("Bob") + "</w:tc><w:tc>"
        + para("bob@example.org") + "</w:tc></w:tr></w:tbl>"
        + para() + "</w:body></w:document>")
HEADER = f'<w:hdr {WNS}>{para("Confidential: HR file 42")}</w:hdr>'


def docx_bytes(document: str = BODY, **extra: str) -> bytes:
    files = {"[Content_Types].xml": "<Types/>", "word/document.xml": document}
    files.update({f"word/{k}.xml": v for k, v in extra.items()})
    return zip_of(files)  # type: ignore[arg-type]


def test_docx_paragraphs_table_cells_and_headers(tmp_path: Path) -> None:
    blob = blob_of(tmp_path, "w.docx", docx_bytes(header1=HEADER))
    assert list(docx_lines(blob, max_line_chars=1000)) == [
        "Dear Ann Smith,", "Phone:\t555 0100", "Name", "Email", "Bob", "bob@example.org",
        "Confidential: HR file 42"]


BOMB = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f'<w:document {WNS}><w:body>{para("&b;")}</w:body></w:document>')
BAD_DOCX = [
    ("entity expansion", docx_bytes(BOMB), {}, "DOCTYPE or ENTITY"),
    ("no document part", zip_of({"word/styles.xml": "<x/>"}), {}, "no word/document.xml"),
    ("broken xml", docx_bytes("<w:document><w:body>"), {}, "corrupt Word document"),
    ("encrypted (OLE)", OLE, {}, "encrypted or legacy"),
    ("over the byte limit", docx_bytes(), {"max_bytes": 100}, "uncompressed limit"),
    ("text", b"hello", {}, "not a Word document"),
]


@pytest.mark.parametrize(("label", "data", "kwargs", "reason"), BAD_DOCX,
                         ids=[b[0] for b in BAD_DOCX])
def test_docx_unreadable(tmp_path: Path, label: str, data: bytes, kwargs: dict[str, Any],
                         reason: str) -> None:
    with pytest.raises(AssetError, match=reason):
        list(docx_lines(blob_of(tmp_path, "w.docx", data), max_line_chars=100, **kwargs))


# -- e-mail ----------------------------------------------------------------------------------
ATTACHED = b"name,iban\nAnn,DE89370400440532013000\n"


def message(html_only: bool = False) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Ann Smith <ann@example.org>"
    msg["To"] = "bob@example.org, Carol <carol@example.org>"
    msg["Cc"] = "dave@example.org"
    msg["Subject"] = "Payslip for Ann"
    msg["Date"] = "Tue, 03 Nov 2026 10:00:00 +0000"
    msg["X-Mailer"] = "not read"
    html = "<html><head><style>p{}</style></head><body><p>Call me on 555 0100</p></body></html>"
    if html_only:
        msg.set_content(html, subtype="html")
    else:
        msg.set_content("Hello Bob,\n\nmy IBAN is below.\n")
        msg.add_alternative(html, subtype="html")
        msg.add_attachment(ATTACHED, maintype="text",
                           subtype="csv", filename="../pay/ann.csv")
    return bytes(msg)


HEADERS = ["From: Ann Smith <ann@example.org>",
           "To: bob@example.org, Carol <carol@example.org>", "Cc: dave@example.org",
           "Subject: Payslip for Ann", "Date: Tue, 03 Nov 2026 10:00:00 +0000"]


@pytest.mark.parametrize(("html_only", "body"), [
    (False, ["Hello Bob,", "my IBAN is below."]),
    (True, ["Call me on 555 0100"]),
])
def test_eml_headers_and_bodies(tmp_path: Path, html_only: bool, body: list[str]) -> None:
    notes: list[str] = []
    blob = blob_of(tmp_path, "m.eml", message(html_only))
    assert list(eml_lines(blob, max_line_chars=1000, notes=notes)) == HEADERS + body
    assert notes == ([] if html_only else
                     ["1 attachment(s) not read as part of the message: ann.csv"])


def test_eml_attachments_are_blobs_under_the_message(tmp_path: Path) -> None:
    (att,) = eml_attachments(blob_of(tmp_path, "m.eml", message()))
    assert att.name == "m.eml/ann.csv" and att.size == len(ATTACHED)
    with att.open() as fh:
        assert fh.read() == ATTACHED


@pytest.mark.parametrize(("data", "kwargs", "reason"), [
    (b"", {}, "empty file"),
    (b"\x00\x01\x02binary", {}, "binary content"),
])
def test_eml_unreadable(tmp_path: Path, data: bytes, kwargs: dict[str, Any],
                        reason: str) -> None:
    with pytest.raises(AssetError, match=reason):
        list(eml_lines(blob_of(tmp_path, "m.eml", data), max_line_chars=100, **kwargs))


def test_eml_size_cap_is_noted(tmp_path: Path) -> None:
    notes: list[str] = []
    lines = list(eml_lines(blob_of(tmp_path, "m.eml", message()), max_line_chars=100,
                           max_bytes=200, notes=notes))
    assert lines[0] == HEADERS[0]
    assert "only the start was read" in notes[0]


# -- Avro ------------------------------------------------------------------------------------
SCHEMA = {
    "type": "record", "name": "Person",
    "fields": [
        {"name": "name", "type": "string"},
        {"name": "email", "type": ["null", "string"]},
        {"name": "address", "type": {"type": "record", "name": "Address", "fields": [
            {"name": "city", "type": "string"}]}},
        {"name": "token", "type": "bytes"},
    ],
}


def avro_bytes(n: int) -> bytes:
    buf = io.BytesIO()
    records = [{"name": f"P{i}", "email": None if i % 2 else f"p{i}@example.org",
                "address": {"city": "Lyon"}, "token": b"\xff\x00" if i else b"abc"}
               for i in range(n)]
    fastavro.writer(buf, SCHEMA, records)
    return buf.getvalue()


def test_avro_records_flattened(tmp_path: Path) -> None:
    blob = blob_of(tmp_path, "p.avro", avro_bytes(5))
    batches = list(avro_batches(blob, batch_rows=2, limit=3))
    assert [len(b) for b in batches] == [2, 1]
    rows = rows_of(batches)
    assert rows[0] == {"name": "P0", "email": "p0@example.org", "address.city": "Lyon",
                       "token": "abc"}
    assert rows[1]["token"] is None and rows[1]["email"] is None


@pytest.mark.parametrize(("data", "reason"), [
    (b"Obj\x01" + bytes(40), "corrupt Avro file"),
    (b"name,email\n", "not an Avro object container"),
    (b"", "empty file"),
])
def test_avro_unreadable(tmp_path: Path, data: bytes, reason: str) -> None:
    with pytest.raises(AssetError, match=reason):
        list(avro_batches(blob_of(tmp_path, "p.avro", data), batch_rows=10, limit=None))


# -- documents inside archives ---------------------------------------------------------------
def test_documents_read_as_archive_members(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in (("w.docx", docx_bytes()), ("p.avro", avro_bytes(2))):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    archive = blob_of(tmp_path, "docs.zip", zip_of({  # type: ignore[dict-item]
        "book.xlsx": workbook_bytes(), "d.pdf": TWO_PAGES, "m.eml": message(),
        "more.tgz": buf.getvalue()}))
    found: dict[str, Blob] = {m.name: m for m in expand(archive, ArchiveLimits())
                              if isinstance(m, MemberBlob)}
    assert list(found) == ["docs.zip/book.xlsx", "docs.zip/d.pdf", "docs.zip/m.eml",
                           "docs.zip/more.tgz/w.docx", "docs.zip/more.tgz/p.avro"]
    assert xlsx_sheet_names(found["docs.zip/book.xlsx"]) == ["People", "Orders", "Empty"]
    assert next(pdf_lines(found["docs.zip/d.pdf"], max_line_chars=100)) == "Patient: Ann Smith"
    assert next(eml_lines(found["docs.zip/m.eml"], max_line_chars=100)) == HEADERS[0]
    assert next(docx_lines(found["docs.zip/more.tgz/w.docx"], max_line_chars=100)
                ) == "Dear Ann Smith,"
    assert len(rows_of(avro_batches(found["docs.zip/more.tgz/p.avro"], batch_rows=10,
                                    limit=None))) == 2
