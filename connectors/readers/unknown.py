"""Files of no known format: read as text when they are text, else skipped with a reason.

``.sql`` dumps, ``.vcf`` contacts, ``.yaml``/``.xml``/``.ini`` configs, ``.bak`` copies,
``.env`` and ``.bash_history`` hold personal data as often as a ``.txt``. A file whose
extension no reader handles (or that has none) is scanned as plain text when its first
bytes are text: a Unicode BOM, or no NUL, few control bytes, no known binary signature,
and valid UTF-8 or cp1252. Everything else is skipped, and the reason (never the name or
the content) says why: :func:`skip_reason`. Extensions of well-known binary formats
(images, media, executables, legacy Office, databases) are skipped without reading.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from piiscan.connectors.readers.blob import Blob
from piiscan.connectors.readers.encoding import BOMS, looks_binary, read_head, sniff_magic
from piiscan.errors import AssetError

#: Bytes looked at to decide.
SNIFF_TEXT_BYTES = 8192
#: Extensions skipped unread (binary formats no reader handles).
_BINARY_EXTENSIONS = """
png jpg jpeg gif bmp ico webp tif tiff heic psd  mp3 mp4 m4a m4v mov avi mkv wav flac ogg
webm wma wmv  exe dll so dylib o a lib bin class jar war ear pyc pyo wasm apk ipa  iso img
dmg vhd vmdk qcow2 7z rar xz zst lz4 lzma cab deb rpm msi  sqlite sqlite3 db mdb accdb dbf
ibd kdbx  xls xlsb ods odt odp doc ppt pptx pages numbers  woff woff2 ttf otf eot pdb pkl
pickle npy npz h5 hdf5
"""
BINARY_SUFFIXES = frozenset("." + ext for ext in _BINARY_EXTENSIONS.split())
_SQLITE_MAGIC = b"SQLite format 3\x00"
_SHOWN_SUFFIX = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,9}")


def shown_suffix(name: str) -> str:
    """The extension as a reason may show it: short and alphanumeric (a name's "suffix"
    can be anything after its last dot), else ``other extension``."""
    suffix = PurePosixPath(name).suffix
    if not suffix:
        return "no extension"
    return suffix.lower() if _SHOWN_SUFFIX.fullmatch(suffix) else "other extension"


def known_binary(name: str) -> bool:
    """Whether the name's extension is a binary format no reader handles."""
    return PurePosixPath(name).suffix.lower() in BINARY_SUFFIXES


def text_head(head: bytes) -> bool:
    """Whether ``head`` (a file's first bytes) is text worth scanning."""
    if not head:
        return False
    if any(head.startswith(bom) for bom, _ in BOMS):
        return True
    if looks_binary(head) or sniff_magic(head):
        return False
    for encoding in ("utf-8", "cp1252"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError as exc:
            if encoding == "utf-8" and exc.start >= len(head) - 3:
                return True  # a character cut at the end of the head
            continue
        return True
    return False


def skip_reason(blob: Blob) -> str | None:
    """``None`` when a file of no known format is read as text (see the module
    docstring), else why it is not scanned (naming neither the file nor its data). One
    read of its first bytes at most."""
    shown = shown_suffix(blob.name)
    if known_binary(blob.name):
        return f"unsupported file type: {shown}"
    try:
        head = read_head(blob, SNIFF_TEXT_BYTES)
    except AssetError as exc:
        return f"unsupported file type: {shown} ({exc})"
    if text_head(head):
        return None
    if head.startswith(_SQLITE_MAGIC):
        return f"unsupported file type: {shown} (a SQLite database: scan it as sqlite:///PATH)"
    magic = sniff_magic(head)
    if magic is not None:
        return f"unsupported file type: {shown} ({magic[1]})"
    return f"unsupported file type: {shown} (binary content)"
