"""Archives and compressed files expanded into member blobs, on real files built here."""

from __future__ import annotations

import bz2
import gzip
import io
import random
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from piiscan.config import Config
from piiscan.connectors.readers import format_for, mismatch, sniff_format
from piiscan.connectors.readers.archives import (
    ArchiveLimits,
    MemberBlob,
    SkippedMember,
    expand,
)
from piiscan.connectors.readers.blob import Blob, PathBlob
from piiscan.errors import AssetError

CSV = b"name,email\nAnn,ann@example.org\n"
NOISE = random.Random(0).randbytes(200_000)  # incompressible
JSON = b'[{"a": 1}]'
LOOSE = ArchiveLimits()


def items(path: Path, limits: ArchiveLimits = LOOSE) -> list[Blob | SkippedMember]:
    return list(expand(PathBlob(path), limits))


def members(found: list[Blob | SkippedMember]) -> dict[str, bytes]:
    out = {}
    for item in found:
        if isinstance(item, Blob):
            with item.open() as fh:
                out[item.name] = fh.read()
    return out


def skipped(found: list[Blob | SkippedMember]) -> dict[str, str]:
    return {i.name: i.reason for i in found if isinstance(i, SkippedMember)}


# -- builders ----------------------------------------------------------------------------------
def write_zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("dir/"), b"")
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def tar_bytes(files: dict[str, bytes], mode: str = "w") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tf:  # type: ignore[call-overload]
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


FILES = {"a.csv": CSV, "dir/b.json": JSON}
BUILDERS: list[tuple[str, str, Callable[[Path], Path]]] = [
    ("zip", "x.zip", lambda p: write_zip(p, FILES)),
    ("tar", "x.tar", lambda p: write(p, tar_bytes(FILES))),
    ("tar.gz", "x.tar.gz", lambda p: write(p, tar_bytes(FILES, "w:gz"))),
    ("tgz", "x.tgz", lambda p: write(p, tar_bytes(FILES, "w:gz"))),
    ("tar.bz2", "x.tar.bz2", lambda p: write(p, tar_bytes(FILES, "w:bz2"))),
]


@pytest.mark.parametrize(("label", "name", "build"), BUILDERS, ids=[b[0] for b in BUILDERS])
def test_members_are_named_under_the_archive_and_read_back(
        tmp_path: Path, label: str, name: str, build: Callable[[Path], Path]) -> None:
    found = items(build(tmp_path / name))
    assert members(found) == {f"{name}/a.csv": CSV, f"{name}/dir/b.json": JSON}
    assert skipped(found) == {}
    assert [format_for(i.name) for i in found] == ["csv", "json"]


@pytest.mark.parametrize(("name", "compress", "member"), [
    ("logs/a.csv.gz", gzip.compress, "logs/a.csv.gz/a.csv"),
    ("a.csv.bz2", bz2.compress, "a.csv.bz2/a.csv"),
    ("data.gz", gzip.compress, "data.gz/data"),
])
def test_single_compressed_file_keeps_the_member_extension(
        tmp_path: Path, name: str, compress: Callable[[bytes], bytes], member: str) -> None:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(compress(CSV))
    (blob,) = expand(PathBlob(path, name), LOOSE)
    assert isinstance(blob, MemberBlob) and blob.name == member
    for _ in range(2):  # a fresh stream on every open
        with blob.open() as fh:
            assert fh.read() == CSV
    assert blob.bytes_read == 2 * len(CSV)


def test_member_open_is_fresh_and_parquet_members_can_seek(tmp_path: Path) -> None:
    buf = io.BytesIO()
    pq.write_table(pa.table({"email": ["ann@example.org", "bob@example.org"]}), buf)
    path = write_zip(tmp_path / "p.zip", {"t.parquet": buf.getvalue(), "a.csv": CSV})
    found = {i.name: i for i in items(path)}
    table = found["p.zip/t.parquet"]
    with table.open() as fh:
        assert fh.seekable()
        assert pq.read_table(fh).column("email").to_pylist()[0] == "ann@example.org"
    a, b = found["p.zip/a.csv"].open(), found["p.zip/a.csv"].open()
    assert a.read(4) == b"name" and b.read(4) == b"name"  # independent positions
    a.close(), b.close()
    assert table.fingerprint and table.fingerprint != found["p.zip/a.csv"].fingerprint


UNSAFE = [
    ("../evil.csv", "a .. component in its path"),
    ("/abs.csv", "absolute path"),
    ("C:/win.csv", "drive letter"),
    ("a/../../up.csv", "a .. component in its path"),
    ("..\\back.csv", "a .. component in its path"),
]


@pytest.mark.parametrize(("member", "reason"), UNSAFE, ids=[u[0] for u in UNSAFE])
def test_unsafe_zip_member_names_are_skipped(tmp_path: Path, member: str, reason: str) -> None:
    path = write_zip(tmp_path / "u.zip", {member: CSV, "ok.csv": CSV})
    found = items(path)
    assert list(members(found)) == ["u.zip/ok.csv"]
    assert reason in skipped(found)[f"u.zip/{member}"]


def test_tar_links_and_unsafe_names_are_skipped(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for name, kind in (("sym.csv", tarfile.SYMTYPE), ("hard.csv", tarfile.LNKTYPE),
                           ("fifo", tarfile.FIFOTYPE)):
            info = tarfile.TarInfo(name)
            info.type = kind
            info.linkname = "/etc/passwd"
            tf.addfile(info)
        for name in ("../evil.csv", "/abs.csv", "ok.csv"):
            info = tarfile.TarInfo(name)
            info.size = len(CSV)
            tf.addfile(info, io.BytesIO(CSV))
    found = items(write(tmp_path / "l.tar", buf.getvalue()))
    assert list(members(found)) == ["l.tar/ok.csv"]
    assert skipped(found) == {
        "l.tar/sym.csv": "link member skipped", "l.tar/hard.csv": "link member skipped",
        "l.tar/fifo": "not a regular file",
        "l.tar/../evil.csv": "unsafe member name skipped: a .. component in its path",
        "l.tar//abs.csv": "unsafe member name skipped: absolute path",
    }


def set_encrypted_flag(data: bytes, member: str) -> bytes:
    """Set the 'encrypted' bit of ``member`` in its local and central headers (zipfile
    cannot write encrypted members)."""
    out = bytearray(data)
    raw = member.encode()
    for sig, flag_at, len_at, name_at in ((b"PK\x03\x04", 6, 26, 30),
                                          (b"PK\x01\x02", 8, 28, 46)):
        pos = out.find(sig)
        while pos >= 0:
            size = int.from_bytes(out[pos + len_at: pos + len_at + 2], "little")
            if out[pos + name_at: pos + name_at + size] == raw:
                out[pos + flag_at] |= 0x1
            pos = out.find(sig, pos + 4)
    return bytes(out)


def test_zip_symlink_and_encrypted_members_are_skipped(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        link = zipfile.ZipInfo("link.csv")
        link.external_attr = (0o120777 << 16)
        zf.writestr(link, b"/etc/passwd")
        zf.writestr("secret.csv", b"ciphertext")
        zf.writestr("ok.csv", CSV)
    path = write(tmp_path / "s.zip", set_encrypted_flag(buf.getvalue(), "secret.csv"))
    found = items(path)
    assert list(members(found)) == ["s.zip/ok.csv"]
    assert skipped(found) == {"s.zip/link.csv": "symbolic link member skipped",
                              "s.zip/secret.csv": "encrypted member skipped (no password)"}


# -- bombs and limits ----------------------------------------------------------------------------
ZEROS = 50_000_000


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """50 MB of zeros deflated to ~50 kB, then a second member."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("zeros.csv", "w") as out:
            chunk = bytes(1 << 20)
            for _ in range(ZEROS // len(chunk)):
                out.write(chunk)
        zf.writestr("after.csv", CSV)
    return path


@pytest.mark.parametrize(("limits", "message"), [
    (ArchiveLimits(), "expansion ratio above 200:1"),
    (ArchiveLimits(max_bytes=2_000_000, max_ratio=10**9), "more than 2000000 uncompressed"),
])
def test_zip_bomb_stops_while_streaming_and_the_rest_is_skipped(
        bomb: Path, limits: ArchiveLimits, message: str) -> None:
    stream = expand(PathBlob(bomb), limits)
    first = next(stream)
    assert isinstance(first, MemberBlob) and first.size == ZEROS - ZEROS % (1 << 20)
    with pytest.raises(AssetError, match=f"archive limit exceeded: {message}"), first.open() as fh:
        while fh.read(1 << 16):
            pass
    assert first.bytes_read < 30_000_000  # stopped early, not at the header's size
    rest = list(stream)
    assert [type(r) for r in rest] == [SkippedMember]
    assert rest[0].name == "bomb.zip" and "rest not scanned" in rest[0].reason


def test_gzip_bomb_is_limited_too(tmp_path: Path) -> None:
    path = write(tmp_path / "z.csv.gz", gzip.compress(bytes(20_000_000), 9))
    (member,) = expand(PathBlob(path), ArchiveLimits())
    with pytest.raises(AssetError, match="expansion ratio"), member.open() as fh:
        fh.read()


def test_member_count_limit(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "m.zip", {f"{i}.csv": CSV for i in range(5)})
    found = items(path, ArchiveLimits(max_members=3))
    assert len(members(found)) == 3
    assert skipped(found) == {
        "m.zip": "archive limit exceeded: more than 3 members (rest not scanned)"}


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize(("depth", "read", "skip"), [
    (4, ["o.zip/i.zip/d.zip/x.csv", "o.zip/i.zip/t.tar.gz/y.csv"], {}),
    (3, ["o.zip/i.zip/d.zip/x.csv", "o.zip/i.zip/t.tar.gz/y.csv"], {}),
    (2, [], {"o.zip/i.zip/d.zip": "nested deeper than 2", "o.zip/i.zip/t.tar.gz": "deeper"}),
    (1, [], {"o.zip/i.zip": "nested deeper than 1 archives"}),
])
def test_nested_archives_recurse_up_to_the_depth_limit(
        tmp_path: Path, depth: int, read: list[str], skip: dict[str, str]) -> None:
    deep = zip_bytes({"x.csv": CSV})
    inner = zip_bytes({"d.zip": deep, "t.tar.gz": tar_bytes({"y.csv": CSV}, "w:gz")})
    path = write(tmp_path / "o.zip", zip_bytes({"i.zip": inner}))
    found = items(path, ArchiveLimits(max_depth=depth))
    assert list(members(found)) == read
    got = skipped(found)
    assert list(got) == list(skip)
    assert all(skip[k] in got[k] for k in skip)


# -- corrupt, encrypted-looking, misleading, empty ------------------------------------------------
def test_truncated_gzip_fails_when_the_member_is_read(tmp_path: Path) -> None:
    data = gzip.compress(NOISE)
    (member,) = items(write(tmp_path / "t.csv.gz", data[: len(data) // 2]))
    assert isinstance(member, MemberBlob)
    with pytest.raises(AssetError, match="corrupt or truncated"), member.open() as fh:
        fh.read()


BROKEN = [
    ("truncated tar.gz", "t.tar.gz",
     lambda: tar_bytes({"a.csv": NOISE}, "w:gz")[:3000], "corrupt or truncated"),
    ("corrupt zip", "c.zip", lambda: b"PK\x03\x04" + b"\x00" * 200, "corrupt zip archive"),
    ("text named zip", "n.zip", lambda: b"name,email\n", "misleading extension"),
    ("empty", "e.zip", lambda: b"", "empty file"),
    ("garbage gzip", "g.gz", lambda: b"\x1f\x8b" + b"\xff" * 100, "corrupt"),
    ("truncated early", "t.csv.gz", lambda: gzip.compress(NOISE)[:300], "corrupt or truncated"),
]


@pytest.mark.parametrize(("label", "name", "data", "reason"), BROKEN,
                         ids=[b[0] for b in BROKEN])
def test_broken_archives_are_one_skip_with_a_reason(
        tmp_path: Path, label: str, name: str, data: Callable[[], bytes], reason: str) -> None:
    found = items(write(tmp_path / name, data()))
    if found and isinstance(found[0], MemberBlob):  # detected lazily: fails on read
        with pytest.raises(AssetError, match=reason), found[0].open() as fh:
            fh.read()
        return
    assert list(skipped(found)) == [name]
    assert reason in skipped(found)[name]


def test_limits_come_from_config() -> None:
    config = Config(max_archive_bytes=5, max_archive_ratio=6, max_archive_depth=7,
                    max_archive_members=8)
    assert ArchiveLimits.from_config(config) == ArchiveLimits(5, 6, 7, 8)


# -- format table and magic bytes ----------------------------------------------------------------
@pytest.mark.parametrize(("name", "fmt"), [
    ("a.csv", "csv"), ("b.XLSX", "xlsx"), ("m.xlsm", "xlsx"), ("d.pdf", "pdf"),
    ("w.docx", "docx"), ("m.eml", "eml"), ("r.avro", "avro"), ("x.zip", "archive"),
    ("x.tar", "archive"), ("x.tar.gz", "archive"), ("x.tgz", "archive"),
    ("x.csv.gz", "archive"), ("x.bz2", "archive"), ("x.tar.bz2", "archive"),
    ("x.tbz2", "archive"), ("x.zip/in/a.csv", "csv"), ("x.csv.gz/x.csv", "csv"),
    ("v.2024.csv", "csv"), ("README", ""), ("photo.png", None),
])
def test_format_for(name: str, fmt: str | None) -> None:
    assert format_for(name) == fmt


MAGIC = [
    ("parquet", b"PAR1\x15\x04", "parquet"),
    ("zip", b"PK\x03\x04\x14\x00", "zip"),
    ("empty zip", b"PK\x05\x06" + bytes(18), "zip"),
    ("gzip", gzip.compress(b"x"), "gzip"),
    ("bzip2", bz2.compress(b"x"), "bzip2"),
    ("bzip2 lookalike text", b"BZh is not bzip", None),
    ("pdf", b"%PDF-1.7\n", "pdf"),
    ("avro", b"Obj\x01\x04", "avro"),
    ("tar", tar_bytes({"a": b"x"}), "tar"),
    ("ole", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(8), "ole"),
    ("csv", CSV, None),
    ("empty", b"", None),
]


@pytest.mark.parametrize(("label", "head", "kind"), MAGIC, ids=[m[0] for m in MAGIC])
def test_sniff_format(label: str, head: bytes, kind: str | None) -> None:
    assert sniff_format(head[:512]) == kind


@pytest.mark.parametrize(("fmt", "head", "problem"), [
    ("csv", CSV, None),
    ("csv", b"PK\x03\x04rest", "content is zip, not csv"),
    ("parquet", b"PAR1", None),
    ("parquet", CSV, "does not look like parquet"),
    ("xlsx", b"PK\x03\x04", None),
    ("xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", None),
    ("pdf", b"PK\x03\x04", "content is zip, not pdf"),
    ("archive", gzip.compress(b"x"), None),
    ("text", b"%PDF-1.4", "content is pdf, not text"),
    ("text", b"", None),
])
def test_mismatch_names_misleading_extensions(fmt: str, head: bytes,
                                              problem: str | None) -> None:
    found = mismatch(fmt, head)
    assert (found is None) if problem is None else (problem in (found or ""))


# -- the table and text readers on member blobs ------------------------------------------------
def test_file_readers_work_on_members(tmp_path: Path) -> None:
    from piiscan.connectors.readers.csv_reader import csv_batches
    from piiscan.connectors.readers.encoding import read_head
    from piiscan.connectors.readers.json_reader import jsonl_batches
    from piiscan.connectors.readers.parquet_reader import open_parquet, parquet_batches
    from piiscan.connectors.readers.text_reader import text_lines

    buf = io.BytesIO()
    pq.write_table(pa.table({"email": [f"u{i}@example.org" for i in range(50)]}), buf,
                   row_group_size=10)
    inner = tar_bytes({"t.parquet": buf.getvalue(), "n.txt": b"call Ann\nbye\n",
                       "r.jsonl": b'{"a": {"b": 1}}\n{"a": {"b": 2}}\n'}, "w:gz")
    path = write_zip(tmp_path / "all.zip", {"p.csv": CSV, "more.tar.gz": inner})
    found = {m.name: m for m in items(path) if isinstance(m, MemberBlob)}
    assert read_head(found["all.zip/p.csv"], 4) == b"name"
    rows = [r for b in csv_batches(found["all.zip/p.csv"], batch_rows=10, limit=None)
            for r in b.to_pylist()]
    assert rows == [{"name": "Ann", "email": "ann@example.org"}]
    table = found["all.zip/more.tar.gz/t.parquet"]
    got = [r for b in parquet_batches(open_parquet(table), batch_rows=100, limit=None)
           for r in b.to_pylist()]
    assert len(got) == 50 and table.size == len(buf.getvalue())
    assert list(text_lines(found["all.zip/more.tar.gz/n.txt"], max_line_chars=100)) == [
        "call Ann", "bye"]
    jsonl = jsonl_batches(found["all.zip/more.tar.gz/r.jsonl"], batch_rows=10, limit=None,
                          max_line_chars=1000)
    assert [r["a.b"] for b in jsonl for r in b.to_pylist()] == [1, 2]
