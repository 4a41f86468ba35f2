"""Avro object container files: flattened records, streamed (fastavro, the ``documents``
extra). ``bytes`` and ``fixed`` values are read as text when they are UTF-8."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import IO, Any

import pyarrow as pa

from piiscan.connectors.readers.arrow import records_to_batch
from piiscan.connectors.readers.blob import Blob
from piiscan.connectors.readers.document_io import why
from piiscan.connectors.readers.flatten import flatten
from piiscan.errors import AssetError, EmptyAsset
from piiscan.install import install_command


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
            raise AssetError(f"corrupt Avro file ({why(exc)})") from None
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
