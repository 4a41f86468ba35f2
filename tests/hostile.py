"""A corpus of hostile and broken inputs for the scanner, written into a directory tree.

:func:`build_hostile_corpus` writes every case below ``root`` and returns one
:class:`HostileCase` per input, saying what the scan must make of it:

* ``error``: an ``errors[]`` entry for that asset whose reason contains ``reason``;
* ``bounded``: scanned, with a result (``note`` must appear among the asset's notes when
  given) and no error;
* ``skipped``: neither an asset nor an error (symbolic links leading out of the root).

Big inputs (50 MB single lines, bombs) are written in chunks, never built in memory. The
SQLite database ``sql/hostile.sqlite`` is not read by the files connector (unknown
extension); it is scanned through its ``sqlite:///`` URL (see :data:`SQLITE_PATH`).
"""

from __future__ import annotations

import bz2
import gzip
import io
import os
import sqlite3
import stat
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

import pyarrow as pa
import pyarrow.parquet as pq

Outcome = Literal["error", "bounded", "skipped"]
MB = 1 << 20
BIG_LINE_BYTES = 50 * MB
SQLITE_PATH = "sql/hostile.sqlite"
#: The table whose e-mail column must still be found next to the hostile ones.
EMAILS = [f"person{i}@example.org" for i in range(20)]
SQL_TABLES = {
    'quote"table': ['col"quote', "plain"],
    "it's": ["it's", "x"],
    "semi;colon": ["a;b", "c"],
    "dash--comment": ["--c", "d"],
    "x; DROP TABLE people; --": ["y); DROP TABLE people; --", "z"],
    "with space": ["first name", "e mail"],
    "ünïcødé 表": ["名前", "émail"],
}


@dataclass(frozen=True)
class HostileCase:
    """One hostile input: ``path`` is the asset name (relative to the corpus root, or the
    table name for SQL cases, where ``source`` is ``"sql"``)."""

    path: str
    what: str
    outcome: Outcome
    reason: str = ""
    note: str = ""
    source: Literal["files", "sql"] = "files"


# -- writing helpers -------------------------------------------------------------------------
def _write(root: Path, rel: str, data: bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _stream(fh: BinaryIO, head: bytes, unit: bytes, total: int, tail: bytes = b"") -> None:
    """``head``, then ``unit`` repeated up to ``total`` bytes, then ``tail``: in 1 MB writes."""
    fh.write(head)
    chunk = unit * max(1, MB // len(unit))
    left = total - len(head) - len(tail)
    while left > 0:
        piece = chunk[:left]
        fh.write(piece)
        left -= len(piece)
    fh.write(tail)


def _streamed(root: Path, rel: str, head: bytes, unit: bytes, total: int,
              tail: bytes = b"") -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        _stream(fh, head, unit, total, tail)


def _csv(rows: int = 30) -> bytes:
    lines = ["id,email,note"] + [f"{i},{EMAILS[i % len(EMAILS)]},row {i}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def _parquet_bytes(row_groups: int = 4) -> bytes:
    table = pa.table({"id": list(range(400)), "email": [EMAILS[i % 20] for i in range(400)],
                      "note": [f"note {i} " * 5 for i in range(400)]})
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=400 // row_groups, compression="snappy")
    return sink.getvalue()


def _zip(members: dict[str, bytes], *, links: dict[str, str] | None = None) -> bytes:
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            zf.writestr(info, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return sink.getvalue()


def _tar_gz(build: Callable[[tarfile.TarFile], None]) -> bytes:
    sink = io.BytesIO()
    with tarfile.open(fileobj=sink, mode="w:gz") as tf:
        build(tf)
    return sink.getvalue()


def _add(tf: tarfile.TarFile, name: str, data: bytes = b"", *, kind: bytes = tarfile.REGTYPE,
         link: str = "") -> None:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    tf.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def _cut(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _garbage(n: int, seed: int = 7) -> bytes:
    """Deterministic high-entropy bytes (with NULs and control bytes)."""
    out = bytearray()
    x = seed
    while len(out) < n:
        x = (x * 6364136223846793005 + 1442695040888963407) & ((1 << 64) - 1)
        out += x.to_bytes(8, "little")
    return bytes(out[:n])


def _zip_bomb(uncompressed: int) -> bytes:
    """One member of ``uncompressed`` zero bytes, written through the compressor in chunks."""
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as zf, \
            zf.open("zeros.csv", "w", force_zip64=True) as member:
        _stream(member, b"a\n", b"0" * 4096, uncompressed)
    return sink.getvalue()


def write_dictionary_bomb(path: Path, rows: int = 5_000, value_bytes: int = MB) -> None:
    """A Parquet file of a few KB whose string column decodes to ``rows * value_bytes``
    bytes: one long dictionary value referred to by every row (zstd shrinks the rest)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    column = pa.DictionaryArray.from_arrays(pa.array([0] * rows, pa.int32()),
                                            pa.array(["x" * value_bytes]))
    emails = pa.array([EMAILS[i % len(EMAILS)] for i in range(rows)])
    pq.write_table(pa.table({"blob": column, "email": emails}), path, compression="zstd",
                   use_dictionary=True, row_group_size=rows)


def _field_name(i: int) -> str:
    """``field_aaaa``, ``field_aaab`` ...: names that read as field names, not values."""
    letters = ""
    for _ in range(5):
        i, r = divmod(i, 26)
        letters = chr(ord("a") + r) + letters
    return f"field_{letters}"


def write_wide_json(path: Path, keys: int) -> None:
    """One JSON object with ``keys`` keys: that many fields, written in chunks."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        fh.write("{")
        for start in range(0, keys, 10_000):
            stop = min(keys, start + 10_000)
            fh.write(",".join(f'"{_field_name(i)}": "v{i}"' for i in range(start, stop)))
            if stop < keys:
                fh.write(",")
        fh.write("}")


def write_wide_parquet(path: Path, columns: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({f"c{i:05d}": [f"v{i}", None] for i in range(columns)}), path)


def _minimal_pdf(encrypted: bool) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if encrypted:
        writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    sink = io.BytesIO()
    writer.write(sink)
    return sink.getvalue()


_BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b']>\n<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"
)
_CONTENT_TYPES = (b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                  b'package/2006/content-types"/>')


# -- the corpus ------------------------------------------------------------------------------
def build_hostile_corpus(root: Path) -> list[HostileCase]:
    """Write every hostile input below ``root``; the cases, in writing order."""
    root.mkdir(parents=True, exist_ok=True)
    cases: list[HostileCase] = []

    def case(path: str, what: str, outcome: Outcome, reason: str = "", note: str = "",
             source: Literal["files", "sql"] = "files") -> None:
        cases.append(HostileCase(path, what, outcome, reason, note, source))

    # The control: a normal CSV whose e-mails must still be found.
    _write(root, "normal/people.csv", _csv())
    case("normal/people.csv", "a normal CSV with e-mail addresses", "bounded")

    # Parquet
    good = _parquet_bytes()
    _write(root, "parquet/truncated.parquet", _cut(good))
    case("parquet/truncated.parquet", "Parquet cut in half", "error", "not a Parquet file")
    _write(root, "parquet/bad_footer.parquet", b"PAR1" + _garbage(4000) + b"PAR1")
    case("parquet/bad_footer.parquet", "PAR1 at both ends, garbage between", "error",
         "Parquet")
    middle = len(good) // 3
    _write(root, "parquet/bad_pages.parquet",
           good[:middle] + _garbage(len(good) // 4) + good[middle + len(good) // 4:])
    case("parquet/bad_pages.parquet", "valid footer, column chunks overwritten", "error",
         "Parquet")
    _write(root, "parquet/footer_length.parquet",
           good[:-8] + (2**31 - 1).to_bytes(4, "little") + b"PAR1")
    case("parquet/footer_length.parquet", "footer length pointing before the file", "error",
         "Parquet")

    # gzip, bz2, zip, tar.gz: corrupt and truncated
    gz = gzip.compress(_csv(3000))
    _write(root, "gz/truncated.csv.gz", _cut(gz))
    case("gz/truncated.csv.gz/truncated.csv", "gzip cut in half", "error", "truncated")
    _write(root, "gz/corrupt.csv.gz", gz[:10] + _garbage(len(gz) - 10))
    case("gz/corrupt.csv.gz", "gzip header, garbage deflate stream", "error", "corrupt")
    b2 = bz2.compress(_csv(3000))
    _write(root, "bz2/truncated.csv.bz2", _cut(b2))
    case("bz2/truncated.csv.bz2", "bzip2 cut in half", "error", "truncated")
    _write(root, "bz2/corrupt.csv.bz2", b2[:10] + _garbage(len(b2) - 10))
    case("bz2/corrupt.csv.bz2", "bzip2 header, garbage blocks", "error", "corrupt")
    zipped = _zip({"a.csv": _csv(3000), "b.csv": _csv(3000)})
    _write(root, "zip/truncated.zip", _cut(zipped))
    case("zip/truncated.zip", "zip cut in half (no central directory)", "error",
         "corrupt zip")
    _write(root, "zip/corrupt.zip", b"PK\x03\x04" + _garbage(5000))
    case("zip/corrupt.zip", "zip signature then garbage", "error", "corrupt zip")
    bad_crc = bytearray(zipped)
    data_at = zipped.index(b"a.csv") + 5 + 40
    bad_crc[data_at: data_at + 64] = _garbage(64)
    _write(root, "zip/bad_member.zip", bytes(bad_crc))
    case("zip/bad_member.zip/a.csv", "zip member with corrupt compressed data", "error",
         "")
    tgz = _tar_gz(lambda tf: _add(tf, "inner.csv", _csv(3000)))
    _write(root, "tgz/truncated.tar.gz", _cut(tgz))
    case("tgz/truncated.tar.gz", "tar.gz cut in half", "error", "")
    _write(root, "tgz/corrupt.tar.gz", tgz[:10] + _garbage(len(tgz) - 10))
    case("tgz/corrupt.tar.gz", "tar.gz with garbage deflate stream", "error", "corrupt")
    _write(root, "gz/not_gzip.gz", b"plain text, not gzip at all\n" * 10)
    case("gz/not_gzip.gz", ".gz that is plain text", "error", "not look like archive")

    # Binary content under text extensions
    for ext in ("csv", "json", "jsonl", "txt"):
        _write(root, f"binary/random.{ext}", _garbage(20000, seed=len(ext)))
        case(f"binary/random.{ext}", f"random bytes named .{ext}", "error", "binary content")
    _write(root, "binary/zip_named.csv", zipped)
    case("binary/zip_named.csv", "a zip archive named .csv", "error", "binary content")

    # Encodings
    _write(root, "enc/latin1.csv", "name,city\nJosé,Zürich\nFrançois,Besançon\n".encode(
        "latin-1"))
    case("enc/latin1.csv", "Latin-1 CSV (invalid UTF-8)", "bounded", note="not valid UTF-8")
    _write(root, "enc/invalid_utf8.txt", b"hello \xff\xfe\xfd world\n\xc3\x28 bad pair\n")
    case("enc/invalid_utf8.txt", "text with invalid UTF-8 sequences", "bounded",
         note="not valid UTF-8")
    mixed = "id,name\n1,José\n".encode() + "2,Zoë\n".encode("latin-1") + "3,李\n".encode()
    _write(root, "enc/mixed.csv", mixed)
    case("enc/mixed.csv", "UTF-8 and Latin-1 mixed in one CSV", "bounded")
    late = io.BytesIO()
    _stream(late, b"line of ascii text\n", b"plain ascii line\n", 5 * MB,
            "late: café naïve\n".encode("latin-1") + "李 UTF-8\n".encode())
    _write(root, "enc/late_invalid.txt", late.getvalue())
    case("enc/late_invalid.txt", "invalid UTF-8 past the validated prefix", "bounded")
    _write(root, "enc/utf16.csv", "id,email\n1,a@example.org\n".encode("utf-16"))
    case("enc/utf16.csv", "UTF-16 CSV with a BOM", "bounded")
    _write(root, "enc/bom_only.txt", b"\xef\xbb\xbf")
    case("enc/bom_only.txt", "a UTF-8 BOM and nothing else", "bounded")

    # 50 MB single lines (written in chunks)
    _streamed(root, "big/line.txt", b"", b"abcdefghij" * 100 + b" ", BIG_LINE_BYTES)
    case("big/line.txt", "50 MB single-line text", "bounded", note="cut at")
    _streamed(root, "big/line.csv", b"a,", b"x,y," * 256, BIG_LINE_BYTES)
    case("big/line.csv", "50 MB single-line CSV", "bounded", note="cut at")
    _streamed(root, "big/line.jsonl", b'{"a": "', b"x" * 4096, BIG_LINE_BYTES, b'"}')
    case("big/line.jsonl", "50 MB single-line JSON Lines", "error", "no valid JSON lines")

    # Text built against the detectors' regular expressions (one 5,000-char window each)
    _write(root, "regex/dotted.txt", (b"a." * 2500 + b"\n") * 3 + (b"1." * 2500 + b"\n") * 3)
    case("regex/dotted.txt", "dotted runs (URL pattern backtracking)", "bounded")
    _write(root, "regex/tokens.txt", (b"1 " * 2500 + b"\n") * 3 + (b"ab-" * 1700 + b"\n") * 3)
    case("regex/tokens.txt", "short tokens (PAN lookahead scans)", "bounded")

    # Deep nesting
    deep = 10_000
    _write(root, "deep/array.json", b"[" * deep + b"]" * deep)
    case("deep/array.json", "JSON array nested 10,000 deep", "error", "nested too deeply")
    _write(root, "deep/object.json", b'{"a":' * deep + b"1" + b"}" * deep)
    case("deep/object.json", "JSON object nested 10,000 deep", "error", "nested too deeply")
    _write(root, "deep/lines.jsonl",
           b'{"email": "a@example.org"}\n' + b'{"a":' * deep + b"1" + b"}" * deep + b"\n")
    case("deep/lines.jsonl", "JSON Lines with one line nested 10,000 deep", "bounded",
         note="1 lines skipped")
    _write(root, "deep/900.json", b'[{"a":' * 450 + b'"x"' + b"}]" * 450)
    case("deep/900.json", "JSON nested 900 deep (parses, flattened to a cap)", "bounded")

    # Decoded size and field counts (issue 19, item 12)
    write_dictionary_bomb(root / "memory/dictionary_bomb.parquet")
    case("memory/dictionary_bomb.parquet", "12 KB of Parquet decoding to 5 GB", "bounded",
         note="cut at")
    write_wide_json(root / "memory/wide_object.json", 100_000)
    case("memory/wide_object.json", "one JSON object of 100,000 keys", "bounded",
         note="more fields not examined")
    write_wide_parquet(root / "memory/wide.parquet", 3_000)
    case("memory/wide.parquet", "Parquet with 3,000 columns", "bounded",
         note="more fields not examined")

    # Archive bombs and limits
    _write(root, "bomb/zeros.zip", _zip_bomb(200 * MB))
    case("bomb/zeros.zip", "zip bomb: 200 MB of zeros in one member", "error",
         "archive limit exceeded")
    gz_bomb = root / "bomb/zeros.csv.gz"
    with gzip.open(gz_bomb, "wb", compresslevel=9) as fh:
        _stream(fh, b"a\n", b"0" * 4096, 200 * MB)
    case("bomb/zeros.csv.gz", "gzip bomb: 200 MB of zeros", "error", "archive limit exceeded")
    inner = _zip_bomb(20 * MB)
    nested = _zip({f"level2_{i}.zip": _zip({f"level3_{j}.zip": inner for j in range(4)})
                   for i in range(4)})
    _write(root, "bomb/nested.zip", nested)
    case("bomb/nested.zip", "zip of zips of bombs (16 x 20 MB)", "error",
         "archive limit exceeded")
    deep_zip = _zip({"people.csv": _csv()})
    for level in range(5):
        deep_zip = _zip({f"level{level}.zip": deep_zip})
    _write(root, "bomb/deep.zip", deep_zip)
    case("bomb/deep.zip", "zips nested 6 deep", "error", "nested deeper than")
    _write(root, "bomb/many.zip", _zip({f"m{i:04d}.txt": b"x\n" for i in range(300)}))
    case("bomb/many.zip", "300 tiny members (over the small member limit)", "bounded")

    # Zip-slip and links inside archives
    _write(root, "slip/zipslip.zip", _zip({
        "../x.csv": _csv(), "/abs.csv": _csv(), "C:\\x.csv": _csv(), "ok/people.csv": _csv()},
        links={"link.csv": "/etc/passwd"}))
    case("slip/zipslip.zip/../x.csv", "zip member ../x.csv", "error",
         "a .. component in its path")
    case("slip/zipslip.zip//abs.csv", "zip member /abs.csv", "error", "absolute path")
    case("slip/zipslip.zip/C:\\x.csv", "zip member C:\\x.csv", "error", "drive letter")
    case("slip/zipslip.zip/link.csv", "zip symlink member", "error", "symbolic link")
    case("slip/zipslip.zip/ok/people.csv", "the safe member next to them", "bounded")

    def tar_members(tf: tarfile.TarFile) -> None:
        _add(tf, "../up.csv", _csv())
        _add(tf, "/etc/abs.csv", _csv())
        _add(tf, "sym.csv", kind=tarfile.SYMTYPE, link="/etc/passwd")
        _add(tf, "hard.csv", kind=tarfile.LNKTYPE, link="/etc/passwd")
        _add(tf, "dev", kind=tarfile.CHRTYPE)
        _add(tf, "good.csv", _csv())

    _write(root, "slip/tarslip.tar.gz", _tar_gz(tar_members))
    case("slip/tarslip.tar.gz/../up.csv", "tar member ../up.csv", "error",
         "a .. component in its path")
    case("slip/tarslip.tar.gz//etc/abs.csv", "tar member /etc/abs.csv", "error",
         "absolute path")
    case("slip/tarslip.tar.gz/sym.csv", "tar symlink member", "error", "link member")
    case("slip/tarslip.tar.gz/hard.csv", "tar hardlink member", "error", "link member")
    case("slip/tarslip.tar.gz/dev", "tar character device member", "error",
         "not a regular file")
    case("slip/tarslip.tar.gz/good.csv", "the safe tar member", "bounded")

    # Symbolic links in the scanned tree
    outside = root.parent / f"{root.name}-outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.csv").write_bytes(_csv())
    links = root / "links"
    links.mkdir(exist_ok=True)
    _symlink(outside / "secret.csv", links / "outside_file.csv")
    case("links/outside_file.csv", "symlink to a file outside the root", "skipped")
    _symlink(outside, links / "outside_dir")
    case("links/outside_dir/secret.csv", "symlink to a directory outside the root", "skipped")
    _symlink(links / "loop_b.csv", links / "loop_a.csv")
    _symlink(links / "loop_a.csv", links / "loop_b.csv")
    case("links/loop_a.csv", "symlink loop (a -> b -> a)", "skipped")
    _symlink(links, links / "self")
    case("links/self/loop_a.csv", "directory symlink to its own parent", "skipped")
    _symlink(root / "normal/people.csv", links / "inside.csv")
    case("links/inside.csv", "symlink to a file inside the root (followed)", "bounded")

    # Zero-byte files of every format
    for ext in ("csv", "tsv", "json", "jsonl", "parquet", "txt", "xlsx", "docx", "pdf",
                "eml", "avro", "zip", "gz", "tar.gz", "bz2", "tar"):
        _write(root, f"empty/empty.{ext}", b"")
        # nothing in it, nothing missed: a note on the asset, not an error
        case(f"empty/empty.{ext}", f"zero-byte .{ext}", "bounded", note="empty file")

    # Documents that are not what they say
    for ext in ("xlsx", "docx", "pdf", "parquet", "avro"):
        _write(root, f"fake/text.{ext}", b"just some text, a@example.org\n" * 10)
        case(f"fake/text.{ext}", f"a text file named .{ext}", "error", "")
    _write(root, "docs/encrypted.pdf", _minimal_pdf(encrypted=True))
    case("docs/encrypted.pdf", "PDF with a user password", "error", "encrypted PDF")
    _write(root, "docs/laughs.docx", _zip({"[Content_Types].xml": _CONTENT_TYPES,
                                            "word/document.xml": _BILLION_LAUGHS}))
    case("docs/laughs.docx", "docx with billion-laughs entities", "error", "entity expansion")
    _write(root, "docs/truncated.pdf", _cut(_minimal_pdf(encrypted=False)))
    case("docs/truncated.pdf", "PDF cut in half", "error", "corrupt PDF")

    # CSV shapes
    _write(root, "csv/wide.csv", (",".join(f"c{i}" for i in range(100_000)) + "\n"
                                  + ",".join("" for _ in range(100_000)) + "\n").encode())
    case("csv/wide.csv", "CSV with 100,000 columns", "bounded", note="columns read")
    _streamed(root, "csv/bigcell.csv", b"id,email,blob\n1,a@example.org,", b"y" * 4096,
              10 * MB, b"\n2,b@example.org,short\n")
    case("csv/bigcell.csv", "CSV with a 10 MB cell", "bounded", note="cut at")
    _write(root, "csv/nul_head.csv", b"id,name\n1,ab\x00cd\n2,x\x00\x00y\n")
    case("csv/nul_head.csv", "NUL bytes in the first cells", "error", "binary content")
    nul_late = io.BytesIO()
    _stream(nul_late, b"id,email\n", b"1,a@example.org\n", 200_000, b"2,x\x00y@example.org\n")
    _write(root, "csv/nul_late.csv", nul_late.getvalue())
    case("csv/nul_late.csv", "NUL bytes in a cell past the sniffed head", "bounded")
    _write(root, "csv/quotes.csv", b'a,"b\n' + b'",",' * 20_000 + b'\n')
    case("csv/quotes.csv", "quote-heavy CSV (delimiter sniffing worst case)", "bounded")
    _write(root, "csv/unterminated.csv", b'id,text\n1,"never closed\n' + b"more\n" * 1000)
    case("csv/unterminated.csv", "unterminated quoted field", "bounded")

    # Odd file names
    for name in ('we"ird;name\nwith newline.csv', "semi;colon 'quote'.csv"):
        try:
            _write(root, f"names/{name}", _csv(3))
        except OSError:
            continue
        case(f"names/{name}", "file name with quotes, ';' or a newline", "bounded")

    # SQL identifiers
    _build_sqlite(root / SQLITE_PATH)
    for table in SQL_TABLES:
        case(table, "table and columns with hostile identifiers", "bounded", source="sql")
    case("people", "the normal table next to them", "bounded", source="sql")
    case("broken_view", "a view over a dropped table", "error", "no such table", source="sql")
    return cases


def _symlink(target: Path, link: Path) -> None:
    if not link.is_symlink():
        os.symlink(target, link)


def _build_sqlite(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path)
    try:
        con.execute("CREATE TABLE people (id INTEGER, email TEXT)")
        con.executemany("INSERT INTO people VALUES (?, ?)", enumerate(EMAILS))
        for table, cols in SQL_TABLES.items():
            q = '"' + table.replace('"', '""') + '"'
            names = ", ".join('"' + c.replace('"', '""') + '" TEXT' for c in cols)
            con.execute(f"CREATE TABLE {q} ({names})")
            con.executemany(f"INSERT INTO {q} VALUES ({', '.join('?' * len(cols))})",
                            [(EMAILS[i], f"v{i}") for i in range(5)])
        con.execute("CREATE TABLE gone (x TEXT)")
        con.execute("CREATE VIEW broken_view AS SELECT x FROM gone")
        con.execute("DROP TABLE gone")
        con.commit()
    finally:
        con.close()
