"""Canary values, and a search of every byte an artefact holds (part of the kit:
:mod:`piiscan.testing`; the red-team tests and :class:`~piiscan.testing.ReporterContract`
use them).

A test plants values no real data holds (``Canaries``), runs piiscan for real, then hands
every output to :func:`leaks`: stdout and stderr text, and every file below the folders it
wrote (reports, inventories, ``--state`` databases, manifests, anonymized copies). Each
file is searched as raw bytes and, where the bytes hide text, decoded: SQLite files row by
row (plus their ``-wal`` journal), Parquet through pyarrow, zip containers (xlsx, docx)
member by member, gzip streams. A canary is found in any of its spellings (as planted,
lower case, digits only for number-shaped ones, URL-encoded, and for a value with spaces
joined by ``_``, ``-``, ``.`` or nothing, as in file names).
"""

from __future__ import annotations

import gzip
import io
import re
import secrets
import sqlite3
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

_DIGITS = re.compile(r"\D")


@dataclass
class Canaries:
    """Unique values of the shapes detectors look for; ``all`` lists every one made."""

    tag: str = field(default_factory=lambda: secrets.token_hex(3))
    all: list[str] = field(default_factory=list)

    def _keep(self, value: str) -> str:
        self.all.append(value)
        return value

    def ssn(self, n: int = 0) -> str:
        """A valid-looking US SSN (area 219, never a reserved or test one)."""
        return self._keep(f"219-{40 + n % 50:02d}-{int(self.tag, 16) % 9000 + 1000:04d}")

    def email(self, n: int = 0) -> str:
        return self._keep(f"canary.{self.tag}{n}@corp-mail.com")

    def name(self, n: int = 0) -> str:
        """A person name no lexicon knows, unique to this run."""
        letters = "".join(chr(ord("a") + int(c, 16) % 26) for c in f"{self.tag}{n:x}")
        return self._keep(f"Margaret Thorn{letters}")

    def phone(self, n: int = 0) -> str:
        """A valid US number outside the fictional 555-01xx range."""
        return self._keep(f"+1 415 867 {int(self.tag, 16) % 9000 + 1000 + n:04d}")

    def custom(self, value: str) -> str:
        return self._keep(value)


def spellings(value: str) -> set[str]:
    """The forms a planted value could leak in."""
    forms = {value, value.lower(), quote(value, safe=""), quote(value)}
    if " " in value:  # a name written into a file name or key: Margaret_Thorn…
        forms |= {value.replace(" ", sep) for sep in ("_", "-", ".", "")}
    digits = _DIGITS.sub("", value)
    if len(digits) >= 7 and len(digits) >= len(value) // 2:
        forms.add(digits)
    return {f for f in forms if len(f) >= 6}


def _texts_of_file(path: Path) -> Iterator[tuple[str, bytes]]:
    """(where, bytes) for a file: its raw bytes and whatever text they hide."""
    data = path.read_bytes()
    yield str(path), data
    head = data[:16]
    if head.startswith(b"SQLite format 3"):
        yield from _sqlite_rows(path)
    elif head.startswith(b"PAR1"):
        yield from _parquet_text(path)
    elif head.startswith(b"PK\x03\x04"):
        yield from _zip_members(path, data)
    elif head.startswith(b"\x1f\x8b"):
        yield from _gunzipped(path, data)


def _gunzipped(path: Path, data: bytes) -> Iterator[tuple[str, bytes]]:
    try:
        text = gzip.decompress(data)
    except (OSError, EOFError):
        return
    yield f"{path} (gunzipped)", text


def _sqlite_rows(path: Path) -> Iterator[tuple[str, bytes]]:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        return
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master")]
        ddl = [r[0] or "" for r in conn.execute("SELECT sql FROM sqlite_master")]
        yield f"{path} (schema)", "\n".join(tables + ddl).encode()
        for table in tables:
            try:
                rows = conn.execute(f'SELECT * FROM "{table.replace(chr(34), chr(34) * 2)}"')
                text = "\n".join(repr(r) for r in rows)
            except sqlite3.Error:
                continue
            yield f"{path} table {table}", text.encode("utf-8", "replace")
    finally:
        conn.close()


def _parquet_text(path: Path) -> Iterator[tuple[str, bytes]]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception:  # not readable as Parquet: the raw bytes were searched
        return
    yield f"{path} (parquet)", (str(table.schema) + str(table.to_pylist())).encode()


def _zip_members(path: Path, data: bytes) -> Iterator[tuple[str, bytes]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                yield f"{path}:{info.filename} (name)", info.filename.encode()
                yield f"{path}:{info.filename}", zf.read(info)
    except (zipfile.BadZipFile, OSError):
        return


def _files(roots: Iterable[Path]) -> Iterator[Path]:
    for root in roots:
        if root.is_file():
            yield root
        elif root.is_dir():
            yield from (p for p in sorted(root.rglob("*")) if p.is_file())


def leaks(
    values: Iterable[str], *, texts: Iterable[str] = (), paths: Iterable[Path] = ()
) -> list[tuple[str, str]]:
    """(where, value) for every planted value found in ``texts`` or below ``paths`` (file
    names included). Empty when nothing leaked."""
    wanted = {v: spellings(v) for v in values}
    found: list[tuple[str, str]] = []

    def search(where: str, data: bytes) -> None:
        text = data.decode("utf-8", "replace")
        lower = text.lower()
        for value, forms in wanted.items():
            if any(f in text or f.lower() in lower for f in forms):
                found.append((where, value))

    for i, text in enumerate(texts):
        search(f"text #{i}", text.encode("utf-8", "replace"))
    for path in _files(paths):
        search(f"{path} (path)", str(path).encode())
        for where, data in _texts_of_file(path):
            search(where, data)
    return found
