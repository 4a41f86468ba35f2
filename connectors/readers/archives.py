"""Compressed files and archives expanded into member blobs, with bomb limits.

:func:`expand` turns a ``.zip``, ``.tar`` (plain, gzip or bzip2), ``.gz`` or ``.bz2``
blob into :class:`MemberBlob` objects named ``archive.zip/inner/path.csv`` (a single
compressed file ``logs/a.csv.gz`` gives ``logs/a.csv.gz/a.csv``), so the format table
picks each member's reader by its own extension. Nothing is extracted to disk: members
are streams decompressed on demand (spooled to a temporary file only where a reader
needs to seek, or where a compressed tar needs random access).

Limits hold across one whole archive tree and are enforced on the bytes that
decompression actually produces (headers lie): total uncompressed bytes, expansion
ratio, nesting depth and member count. A problem with one member or the archive itself is
a :class:`SkippedMember` with a reason (never an exception out of :func:`expand`), or an
:class:`~piiscan.errors.AssetError` raised while a member is read.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import io
import itertools
import stat
import tarfile
import tempfile
import weakref
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, TYPE_CHECKING, BinaryIO, cast

from piiscan.connectors.readers import format_for, sniff_format
from piiscan.connectors.readers.blob import Blob, RangeReader
from piiscan.errors import AssetError

if TYPE_CHECKING:
    from piiscan.config import Config

_KEYS = itertools.count()
CHUNK = 1 << 20
#: Spools keep this much in memory before moving to a temporary file.
SPOOL_MEMORY = 8 << 20
#: The ratio limit applies once this many bytes came out (small files compress well).
RATIO_FLOOR = 1 << 20
#: Member suffixes whose readers seek: their streams are spooled.
SEEKING_SUFFIXES = frozenset({".parquet", ".pq", ".xlsx", ".xlsm", ".docx", ".pdf", ".zip", ".tar"})
_CORRUPT = (
    zipfile.BadZipFile,
    tarfile.TarError,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
)
_COMPRESSED_SUFFIXES = {".gz": "", ".tgz": ".tar", ".bz2": "", ".tbz2": ".tar", ".tbz": ".tar"}


@dataclass(frozen=True)
class ArchiveLimits:
    """Bomb limits for one archive tree (see ``Config.max_archive_*``)."""

    max_bytes: int = 1_000_000_000
    max_ratio: int = 200
    max_depth: int = 3
    max_members: int = 10_000

    @classmethod
    def from_config(cls, config: Config) -> ArchiveLimits:
        return cls(
            max_bytes=config.max_archive_bytes,
            max_ratio=config.max_archive_ratio,
            max_depth=config.max_archive_depth,
            max_members=config.max_archive_members,
        )


@dataclass(frozen=True)
class SkippedMember:
    """A member (or a whole archive, when ``name`` is the archive's) that is not read."""

    name: str
    reason: str

    def error(self) -> AssetError:
        return AssetError(self.reason)


class _Budget:
    """Uncompressed bytes and members used so far in one archive tree."""

    def __init__(self, limits: ArchiveLimits, compressed: int | None) -> None:
        self.limits = limits
        self.compressed = compressed
        self.used = 0
        self.members = 0
        self.exceeded: str | None = None
        self.reported = False
        self._seen: dict[int, int] = {}

    def advance(self, key: int, position: int, compressed: int | None) -> None:
        """Charge a stream's new high-water mark ``position``; raise when over a limit."""
        if self.exceeded:
            raise AssetError(self.exceeded)
        before = self._seen.get(key, 0)
        if position <= before:
            return
        self._seen[key] = position
        self.used += position - before
        lim = self.limits
        if self.used > lim.max_bytes:
            self._fail(f"more than {lim.max_bytes} uncompressed bytes")
        for size, amount in ((compressed, position), (self.compressed, self.used)):
            if size and amount > RATIO_FLOOR and amount > lim.max_ratio * size:
                self._fail(f"expansion ratio above {lim.max_ratio}:1")

    def _fail(self, what: str) -> None:
        self.exceeded = f"archive limit exceeded: {what}"
        raise AssetError(self.exceeded)


class _Counted(io.RawIOBase):
    """A decompressing stream that charges what it produces to a budget (``None``: the
    bytes are slices of an archive, not decompressed, and only counted)."""

    def __init__(
        self,
        inner: IO[bytes],
        budget: _Budget | None,
        key: int,
        compressed: int | None,
        on_read: Callable[[int], None] | None = None,
    ) -> None:
        self.inner = inner
        self.budget = budget
        self.key = key
        self.compressed = compressed
        self.position = 0
        self.on_read = on_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.budget is not None and self.budget.exceeded:
            raise AssetError(self.budget.exceeded)
        try:
            data = self.inner.read(len(buffer))
        except _CORRUPT as exc:
            raise AssetError(f"corrupt or truncated compressed data ({_why(exc)})") from None
        n = len(data)
        buffer[:n] = data
        self.position += n
        if self.on_read is not None:
            self.on_read(n)
        if self.budget is not None:
            self.budget.advance(self.key, self.position, self.compressed)
        return n

    def close(self) -> None:
        if not self.closed:
            with contextlib.suppress(*_CORRUPT):
                self.inner.close()
        super().close()


def _why(exc: BaseException) -> str:
    """A short structural reason (exception messages of these libraries hold no data)."""
    text = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def spool(stream: IO[bytes]) -> IO[bytes]:
    """A seekable copy of ``stream`` (memory first, then a temporary file); closes it."""
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)  # noqa: SIM115
    try:
        with stream:
            while chunk := stream.read(CHUNK):
                out.write(chunk)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


class MemberBlob(Blob):
    """One member of an archive. :meth:`open` decompresses afresh from the container;
    formats whose readers seek (and :meth:`read_range` past the start) use one spooled
    copy of the member, made on first need and kept while the blob lives."""

    def __init__(
        self,
        name: str,
        opener: Callable[[], IO[bytes]],
        budget: _Budget,
        size: int | None = None,
        compressed: int | None = None,
        fingerprint: str | None = None,
        decompresses: bool = True,
    ) -> None:
        self.name = name
        self.size = size
        self.fingerprint = fingerprint
        self.bytes_read = 0
        self._opener = opener
        self._budget = budget
        self._compressed = compressed
        self._decompresses = decompresses
        self._key = next(_KEYS)
        self._spool: IO[bytes] | None = None

    def _stream(self) -> _Counted:
        """A fresh, unbuffered stream that counts what it decompresses."""
        if self._budget.exceeded:
            raise AssetError(self._budget.exceeded)
        try:
            inner = self._opener()
        except AssetError:
            raise
        except (*_CORRUPT, KeyError) as exc:
            raise AssetError(f"cannot open archive member ({_why(exc)})") from None
        budget = self._budget if self._decompresses else None
        return _Counted(inner, budget, self._key, self._compressed, self.count)

    def raw(self) -> BinaryIO:
        """A fresh buffered stream of the member's bytes. It can seek, but a backward seek
        decompresses again from the start (readers that only rewind to 0 are fine)."""
        return io.BufferedReader(_Rewindable(self._stream), CHUNK)

    def _materialised(self) -> IO[bytes]:
        if self._spool is None:
            self._spool = spool(self.raw())
            self.size = self._spool.seek(0, io.SEEK_END)  # the real size, not the header's
        return self._spool

    def read_range(self, start: int, length: int) -> bytes:
        if self._spool is None and start == 0:  # a head: no need to spool the member
            with self._stream() as stream:
                parts: list[bytes] = []
                while length > 0 and (chunk := stream.read(length)):
                    parts.append(chunk)
                    length -= len(chunk)
            return b"".join(parts)
        copy = self._materialised()
        copy.seek(start)
        return copy.read(length)

    def open(self) -> BinaryIO:
        """A fresh stream; seekable (over the spooled copy) for formats whose readers seek."""
        if self.suffix in SEEKING_SUFFIXES:
            self._materialised()
            return io.BufferedReader(RangeReader(self), CHUNK)
        return self.raw()


class _Rewindable(io.RawIOBase):
    """A forward stream made seekable: forward seeks read and drop, backward seeks
    reopen (each reopen decompresses again; the budget charges bytes only once)."""

    def __init__(self, opener: Callable[[], io.RawIOBase]) -> None:
        self._opener = opener
        self._inner = opener()
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = self._inner.readinto(buffer) or 0
        self._pos += n
        return n

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR:
            offset += self._pos
        elif whence != io.SEEK_SET:
            raise io.UnsupportedOperation("archive member streams cannot seek from the end")
        if offset < self._pos:
            self._inner.close()
            self._inner = self._opener()
            self._pos = 0
        while self._pos < offset:
            chunk = self._inner.read(min(CHUNK, offset - self._pos))
            if not chunk:
                break
            self._pos += len(chunk)
        return self._pos

    def close(self) -> None:
        if not self.closed:
            self._inner.close()
        super().close()


def _member_name(parent: str, member: str) -> str:
    return f"{parent}/{member}"


def _unsafe(name: str) -> str | None:
    """Why a member name must not be used, or ``None`` when it is a plain relative path."""
    clean = name.replace("\\", "/")
    if not clean or "\x00" in clean:
        return "empty or invalid name"
    if clean.startswith("/"):
        return "absolute path"
    if len(clean) >= 2 and clean[1] == ":" and clean[0].isalpha():
        return "drive letter in path"
    if ".." in clean.split("/"):
        return "a .. component in its path"
    return None


def _fingerprint(parent: Blob, member: str, extra: object = "") -> str | None:
    return f"{parent.fingerprint}:{member}:{extra}" if parent.fingerprint else None


def _limit_reason(budget: _Budget) -> str:
    return f"archive limit exceeded: more than {budget.limits.max_members} members"


def expand(
    blob: Blob, limits: ArchiveLimits, depth: int = 0, *, budget: _Budget | None = None
) -> Iterator[Blob | SkippedMember]:
    """Members of an archive or compressed file, nested archives expanded in place.

    Yields :class:`MemberBlob` for regular files and :class:`SkippedMember` for what is
    not read (unsafe names, links, encrypted members, limits, corrupt archives). Never
    raises for the archive's content; an AssetError may come later from reading a member.
    """
    if budget is None:
        budget = _Budget(limits, blob.size)
    if depth >= limits.max_depth:
        yield SkippedMember(
            blob.name, f"archive limit exceeded: nested deeper than {limits.max_depth} archives"
        )
        return
    try:
        head = blob.read_range(0, 512)
    except AssetError as exc:
        yield SkippedMember(blob.name, str(exc))
        return
    except _CORRUPT as exc:
        yield SkippedMember(blob.name, f"cannot read archive ({_why(exc)})")
        return
    kind = sniff_format(head)
    if not head:
        yield SkippedMember(blob.name, "empty file")
        return
    expanders = {
        "zip": _expand_zip,
        "tar": _expand_tar,
        "gzip": _expand_compressed,
        "bzip2": _expand_compressed,
    }
    if kind not in expanders:
        yield SkippedMember(
            blob.name, "not a zip, tar, gzip or bzip2 archive (misleading extension?)"
        )
        return
    try:
        for item in expanders[kind](blob, budget, kind):
            if isinstance(item, SkippedMember) or format_for(item.name) != "archive":
                yield item
            else:
                yield from expand(item, limits, depth + 1, budget=budget)
            if budget.exceeded:
                if not budget.reported:
                    budget.reported = True
                    yield SkippedMember(blob.name, f"{budget.exceeded} (rest not scanned)")
                return
    except AssetError as exc:
        yield SkippedMember(blob.name, str(exc))
    except _CORRUPT as exc:
        yield SkippedMember(blob.name, f"corrupt {kind} archive ({_why(exc)})")


def _take_member(budget: _Budget) -> bool:
    budget.members += 1
    return budget.members <= budget.limits.max_members


def _seekable(blob: Blob) -> IO[bytes]:
    """The blob's stream, spooled when it cannot seek (e.g. a member of another archive)."""
    stream = blob.open()
    if stream.seekable() and not isinstance(blob, MemberBlob):
        return stream
    if isinstance(blob, MemberBlob) and blob.suffix in SEEKING_SUFFIXES:
        return stream  # already over a spooled copy
    return spool(stream)


def _expand_zip(blob: Blob, budget: _Budget, _kind: str) -> Iterator[Blob | SkippedMember]:
    fh = _seekable(blob)
    try:
        zf = zipfile.ZipFile(fh)
    except BaseException:
        fh.close()
        raise
    weakref.finalize(zf, fh.close)  # members open lazily, possibly after this generator
    for info in zf.infolist():
        if info.is_dir():
            continue
        name = _member_name(blob.name, info.filename)
        if not _take_member(budget):
            yield SkippedMember(blob.name, f"{_limit_reason(budget)} (rest not scanned)")
            return
        kind = stat.S_IFMT(info.external_attr >> 16)  # 0 when no Unix mode was recorded
        reason = _unsafe(info.filename)
        if reason:
            yield SkippedMember(name, f"unsafe member name skipped: {reason}")
        elif kind == stat.S_IFLNK:
            yield SkippedMember(name, "symbolic link member skipped")
        elif kind and kind != stat.S_IFREG:
            yield SkippedMember(name, "not a regular file")
        elif info.flag_bits & 0x1:
            yield SkippedMember(name, "encrypted member skipped (no password)")
        else:
            yield MemberBlob(
                name,
                _zip_opener(zf, info),
                budget,
                size=info.file_size,
                compressed=info.compress_size,
                fingerprint=_fingerprint(blob, info.filename, info.CRC),
            )


def _zip_opener(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], IO[bytes]]:
    return lambda: zf.open(info)


def _expand_tar(
    blob: Blob, budget: _Budget, _kind: str, parent: str | None = None
) -> Iterator[Blob | SkippedMember]:
    """A plain tar: random access over a seekable stream (members are slices: no
    decompression, nothing charged beyond what produced the tar itself). ``parent`` names
    the members when the tar came out of ``x.tar.gz`` (``x.tar.gz/a.csv``)."""
    parent = parent or blob.name
    fh = _seekable(blob)
    try:
        tf = tarfile.open(fileobj=fh, mode="r:")  # noqa: SIM115 - members open lazily
    except BaseException:
        fh.close()
        raise
    weakref.finalize(tf, fh.close)
    while (info := tf.next()) is not None:
        if info.isdir():
            continue
        name = _member_name(parent, info.name)
        if not _take_member(budget):
            yield SkippedMember(parent, f"{_limit_reason(budget)} (rest not scanned)")
            return
        reason = _unsafe(info.name)
        if reason:
            yield SkippedMember(name, f"unsafe member name skipped: {reason}")
        elif info.issym() or info.islnk():
            yield SkippedMember(name, "link member skipped")
        elif not info.isfile():
            yield SkippedMember(name, "not a regular file")
        else:
            yield MemberBlob(
                name,
                _tar_opener(tf, info),
                budget,
                size=info.size,
                fingerprint=_fingerprint(blob, info.name, info.mtime),
                decompresses=False,
            )


def _tar_opener(tf: tarfile.TarFile, info: tarfile.TarInfo) -> Callable[[], IO[bytes]]:
    def opener() -> IO[bytes]:
        stream = tf.extractfile(info)
        if stream is None:
            raise AssetError("not a regular file")
        return stream

    return opener


def _inner_name(name: str) -> str:
    """``a.csv.gz`` → ``a.csv``, ``b.tgz`` → ``b.tar``, ``c.gz`` → ``c``."""
    base = PurePosixPath(name).name
    suffix = PurePosixPath(base).suffix
    replacement = _COMPRESSED_SUFFIXES.get(suffix.lower())
    if replacement is None or base == suffix:
        return base or "data"
    return base[: -len(suffix)] + replacement


def _expand_compressed(blob: Blob, budget: _Budget, kind: str) -> Iterator[Blob | SkippedMember]:
    """A gzip or bzip2 file: one member, or the members of the tar inside."""
    if not _take_member(budget):
        yield SkippedMember(blob.name, _limit_reason(budget))
        return

    def opener() -> IO[bytes]:
        raw = blob.open()
        if kind == "gzip":
            return cast(IO[bytes], _Closing(gzip.GzipFile(fileobj=raw, mode="rb"), raw))
        return cast(IO[bytes], _Closing(bz2.BZ2File(raw, mode="rb"), raw))

    member = MemberBlob(
        _member_name(blob.name, _inner_name(blob.name)),
        opener,
        budget,
        compressed=blob.size,
        fingerprint=_fingerprint(blob, kind),
    )
    try:
        with opener() as stream:  # a short peek: unbuffered, so a later fault waits
            head = stream.read(512)
    except _CORRUPT as exc:
        raise AssetError(f"corrupt or truncated compressed data ({_why(exc)})") from None
    if sniff_format(head) == "tar":
        budget.members -= 1  # the tar's members count, not the tar
        yield from _expand_tar(member, budget, "tar", parent=blob.name)
    else:
        yield member


class _Closing(io.RawIOBase):
    """A decompressor that also closes the raw stream under it."""

    def __init__(self, inner: gzip.GzipFile | bz2.BZ2File, raw: IO[bytes]) -> None:
        self.inner = inner
        self.raw_stream = raw

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self.inner.read(size)

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.inner.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            try:
                self.inner.close()
            finally:
                self.raw_stream.close()
        super().close()
