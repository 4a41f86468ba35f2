"""Per-format file readers used by :mod:`piiscan.connectors.files`.

Each reader streams: CSV, JSONL, Parquet and text never hold a whole file in memory
(JSON does, up to ``Config.max_text_bytes``). Unreadable content raises
:class:`piiscan.errors.AssetError` with a reason that never quotes the data.

:func:`format_for` picks a reader by extension; :func:`sniff_format` names the container
from the first bytes, and :func:`mismatch` says when the two disagree (a misleading
extension), so the connector can refuse a file before a reader misreads it.
"""

from __future__ import annotations

from pathlib import PurePath

FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".tab": "csv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".txt": "text",
    ".log": "text",
    ".md": "text",
    ".markdown": "text",
    ".rst": "text",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".pdf": "pdf",
    ".docx": "docx",
    ".eml": "eml",
    ".avro": "avro",
    ".zip": "archive",
    ".tar": "archive",
    ".tgz": "archive",
    ".gz": "archive",
    ".bz2": "archive",
    ".tbz2": "archive",
    ".tbz": "archive",
}

#: Two-part suffixes, checked before the last suffix alone.
COMPOUND: dict[str, str] = {".tar.gz": "archive", ".tar.bz2": "archive"}

#: What :func:`sniff_format` may say for a file of each reader format (``None``: no magic,
#: i.e. text). ``ole`` is allowed for Office formats: the reader explains encryption.
EXPECTED_MAGIC: dict[str, frozenset[str | None]] = {
    "csv": frozenset({None}),
    "json": frozenset({None}),
    "jsonl": frozenset({None}),
    "text": frozenset({None}),
    "eml": frozenset({None}),
    "parquet": frozenset({"parquet"}),
    "xlsx": frozenset({"zip", "ole"}),
    "docx": frozenset({"zip", "ole"}),
    "pdf": frozenset({"pdf"}),
    "avro": frozenset({"avro"}),
    "archive": frozenset({"zip", "gzip", "bzip2", "tar"}),
}

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Bytes :func:`sniff_format` needs to see every signature (tar's is at offset 257).
SNIFF_BYTES = 512


def format_for(path: str | PurePath) -> str | None:
    """The reader format for a file name by its extension; ``""`` when it has none."""
    pure = PurePath(path)
    suffix = pure.suffix.lower()
    if not suffix:
        return ""
    compound = "".join(pure.suffixes[-2:]).lower()
    return COMPOUND.get(compound) or FORMATS.get(suffix)


def sniff_format(head: bytes) -> str | None:
    """The container named by magic bytes at the start of ``head`` (give it
    :data:`SNIFF_BYTES`): ``parquet``, ``zip`` (also xlsx/docx), ``gzip``, ``bzip2``,
    ``pdf``, ``avro``, ``tar``, ``ole`` (legacy or encrypted Office); ``None`` otherwise."""
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if (
        head.startswith(b"BZh")
        and head[3:4].isdigit()
        and head[4:10] in (b"1AY&SY", b"\x17rE8P\x90")
    ):
        return "bzip2"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"Obj\x01"):
        return "avro"
    if head[257:262] == b"ustar":
        return "tar"
    if head.startswith(OLE_MAGIC):
        return "ole"
    return None


def mismatch(fmt: str, head: bytes) -> str | None:
    """Why the content contradicts the extension's format, or ``None`` when it fits
    (or the format is unknown). Never quotes the data."""
    expected = EXPECTED_MAGIC.get(fmt)
    if expected is None or not head:
        return None
    found = sniff_format(head)
    if found in expected:
        return None
    if found is None:
        return f"content does not look like {fmt} (misleading extension?)"
    return f"content is {found}, not {fmt} (misleading extension)"
