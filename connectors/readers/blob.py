"""Blobs: named bytes that a reader can open, wherever they live.

A local file, an object in a bucket (through fsspec) and a member of an archive are all
:class:`Blob` objects, so every format reader works on all of them. Readers call
:meth:`Blob.open` for a fresh binary stream from the start (as many times as they need);
failures to open or read raise :class:`piiscan.errors.AssetError` with a reason that
never quotes the data.
"""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import BinaryIO, TypeVar

from piiscan.errors import AssetError

T = TypeVar("T")
#: Runs one storage call: retries transient failures, turns the rest into AssetError.
Guard = Callable[[Callable[[], T]], T]
READ_BUFFER = 1 << 20
#: Blobs up to this size are read whole once and served from memory afterwards, so that
#: sniffing and reading fetch each byte once.
SMALL_BLOB_BYTES = 1 << 20


class Blob(ABC):
    """Bytes with a name. ``name`` is the relative name shown in the inventory (its
    extension chooses the reader); ``size`` is the length in bytes when known."""

    name: str
    size: int | None = None
    #: ETag, or size and mtime: what identifies this version (None when unknown).
    fingerprint: str | None = None
    #: Bytes fetched from the file or store so far, by :meth:`open` streams and
    #: :meth:`read_range` (for "bytes read" reports); see :meth:`count`.
    bytes_read: int = 0

    @abstractmethod
    def open(self) -> BinaryIO:
        """A new binary stream positioned at the start. Seekable when the store allows."""

    def read_range(self, start: int, length: int) -> bytes:
        """``length`` bytes from ``start`` (fewer at the end). Stores override this with
        one ranged request; the default seeks in a fresh stream."""
        with self.open() as fh:
            fh.seek(start)
            return fh.read(length)

    def count(self, n: int) -> None:
        """Add ``n`` fetched bytes to :attr:`bytes_read`."""
        self.bytes_read += n

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.name).suffix.lower()

    @property
    def local_path(self) -> Path | None:
        """The path on the local file system, when the blob is a plain local file."""
        return None


class PathBlob(Blob):
    """A regular file on the local file system."""

    def __init__(self, path: Path, name: str | None = None) -> None:
        self.path = path
        self.name = name or path.name
        self._data: bytes | None = None
        try:
            st = path.stat()
        except OSError:
            self.size = None
            self.fingerprint = None
        else:
            self.size = st.st_size
            self.fingerprint = f"{st.st_size}-{st.st_mtime_ns}"

    @property
    def _small(self) -> bool:
        return self.size is not None and self.size <= SMALL_BLOB_BYTES

    def _whole(self) -> bytes:
        if self._data is None:

            def read() -> bytes:
                with self.path.open("rb") as fh:
                    return fh.read(self.size)

            self._data = _local_call(read)
            self.count(len(self._data))
        return self._data

    def open(self) -> BinaryIO:
        if self._small:
            return io.BytesIO(self._whole())
        raw = _local_call(lambda: self.path.open("rb", buffering=0))
        return counted(raw, self, _local_call, buffer_size=io.DEFAULT_BUFFER_SIZE)

    def read_range(self, start: int, length: int) -> bytes:
        if self._small:
            return self._whole()[start : start + length]

        def read() -> bytes:
            with self.path.open("rb", buffering=0) as fh:
                fh.seek(start)
                return fh.read(length)

        data = _local_call(read)
        self.count(len(data))
        return data

    @property
    def local_path(self) -> Path | None:
        return self.path


def _local_call(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except OSError as exc:
        raise AssetError(f"cannot read file: {exc.strerror or exc}") from exc


class CountingReader(io.RawIOBase):
    """A raw stream over ``inner`` that adds the bytes it returns to ``blob.bytes_read``.

    Every read goes through ``guard`` (retries and error translation); a retried read
    first seeks back to where the failed one started."""

    def __init__(self, inner: BinaryIO, blob: Blob, guard: Guard) -> None:
        self._inner = inner
        self._blob = blob
        self._guard = guard
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._inner.seekable()

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        want, start, attempts = len(buffer), self._pos, [0]

        def read() -> bytes:
            if attempts[0]:
                self._inner.seek(start)
            attempts[0] += 1
            return self._inner.read(want)

        data = self._guard(read)
        n = len(data)
        buffer[:n] = data
        self._pos += n
        self._blob.count(n)
        return n

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._pos = self._guard(lambda: self._inner.seek(offset, whence))
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        if not self.closed:
            try:
                self._inner.close()
            finally:
                super().close()


def counted(
    inner: BinaryIO, blob: Blob, guard: Guard, *, buffer_size: int = READ_BUFFER
) -> BinaryIO:
    """A buffered stream over ``inner`` that counts into ``blob.bytes_read``."""
    return io.BufferedReader(CountingReader(inner, blob, guard), buffer_size=buffer_size)


class RangeReader(io.RawIOBase):
    """A seekable stream whose reads are :meth:`Blob.read_range` calls: no read-ahead, so a
    reader that seeks (Parquet) fetches only the ranges it asks for."""

    def __init__(self, blob: Blob) -> None:
        self._blob = blob
        self._pos = 0
        self._size = blob.size

    @property
    def size(self) -> int:
        if self._size is None:
            with self._blob.open() as fh:
                self._size = fh.seek(0, io.SEEK_END)
        return self._size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        want = min(len(buffer), max(self.size - self._pos, 0))
        if want <= 0:
            return 0
        data = self._blob.read_range(self._pos, want)
        n = len(data)
        buffer[:n] = data
        self._pos += n
        return n

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        self._pos = max(base + offset, 0)
        return self._pos

    def tell(self) -> int:
        return self._pos
