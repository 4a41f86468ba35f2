"""The anonymizer's copy reads a file exactly as the scan does (issue 20).

Each format module holds its reader and its rewriter side by side, sharing one encoding
sniff, one CSV dialect sniff and one header decision. These tests compare, on real files,
what the scanner's reader yields with what the copier hands the transformer: the same
field names and the same values. While the copier had sniffers of its own, a file of more
than 64 KB that is not valid cp1252 past its first 64 KB was read as cp1252 by the scan
and as latin-1 by the copy (the transformer saw other values than the scan had judged),
and a file the scan skipped as not text was copied unexamined.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from piiscan.anonymize.file_copy import copy_tree
from piiscan.config import Config
from piiscan.connectors.files import FileConnector

FULL = Config(full=True, progress=False, spacy_model="none")
#: Bytes a CSV case is padded to, past the encoding sniff's first look (64 KB).
PAST_HEAD = 70_000


class Recorder:
    """Changes nothing; records every column, JSON leaf and line it is given."""

    def __init__(self) -> None:
        self.columns: dict[str, list[Any]] = {}
        self.lines: list[str] = []

    def batch(self, asset: str, batch: pa.RecordBatch) -> pa.RecordBatch:
        for name, column in zip(batch.schema.names, batch.columns, strict=True):
            self.columns.setdefault(name, []).extend(column.to_pylist())
        return batch

    def value(self, asset: str, field: str, value: Any) -> Any:
        return value

    def text(self, asset: str, text: str) -> str:
        self.lines.append(text)
        return text


def scanned_columns(path: Path) -> dict[str, list[Any]]:
    [asset] = FileConnector(str(path), FULL).assets()
    columns: dict[str, list[Any]] = {}
    for batch in asset.batches():
        for name, column in zip(batch.schema.names, batch.columns, strict=True):
            columns.setdefault(name, []).extend(column.to_pylist())
    return columns


def copied(path: Path, out: Path) -> Recorder:
    recorder = Recorder()
    report = copy_tree(path, out, recorder)
    assert [a.status for a in report.assets] == ["copied"], report.assets
    return recorder


def rows_past_head(row: str, encoding: str) -> bytes:
    """Enough copies of ``row`` to pass :data:`PAST_HEAD` bytes."""
    data = row.encode(encoding)
    return data * (PAST_HEAD // len(data) + 1)


# (file name, content): tables whose delimiter, encoding or header a reader could misjudge
CSV_CASES = {
    "semicolon-latin1-headerless": (
        "people.csv",
        # \x90 is no cp1252 character: latin-1; an e-mail in row 1: no header row
        "zoë.müller@example.org;Zoë;Müller;Köln\x90\r\n"
        "jörg.weiß@example.org;Jörg;Weiß;Graz\r\n"
        "åsa.öberg@example.org;Åsa;Öberg;Malmö\r\n".encode("latin-1"),
    ),
    "semicolon-cp1252-then-not-past-64kb": (
        "orders.csv",
        # cp1252 in the first 64 KB, a byte cp1252 lacks (\x8d) after it
        "name;city;note\n".encode("cp1252")
        + rows_past_head("Zoë;Köln;“quoted” \u2013 €5\n", "cp1252")
        + "Åsa;Malmö;end\x8d\n".encode("latin-1"),
    ),
    "pipe-utf8-bom-quoted-header": (
        "export.csv",
        '\ufeff"id"|"email"|"city"\r\n"1"|"ann@example.org"|"Paris, FR"\r\n'
        '"2"|"bob@example.org"|"Lyon; Rhône"\r\n'.encode(),
    ),
    "tsv-with-commas": (
        "people.tsv",
        b"name\tcity, country\tscore\nAnn\tParis, FR\t1,5\nBob\tLyon, FR\t2,0\n",
    ),
    "comma-utf8-headerless-numbers": (
        "ids.csv",
        b"1001,555-0100,1985-03-02\n1002,555-0101,1990-11-20\n1003,555-0102,1979-01-31\n",
    ),
}


@pytest.mark.parametrize("case", list(CSV_CASES))
def test_the_copy_transforms_the_fields_the_scan_reports(tmp_path: Path, case: str) -> None:
    name, content = CSV_CASES[case]
    path = tmp_path / "src" / name
    path.parent.mkdir()
    path.write_bytes(content)
    scan = scanned_columns(path)
    copy = copied(path, tmp_path / "out" / name).columns
    assert list(copy) == list(scan)
    assert copy == scan


def test_a_text_file_is_read_as_the_scan_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(
        rows_past_head("Zoë from Köln paid €5 \u2013 “thanks”\n", "cp1252")
        + "Åsa from Malmö\x8d\n".encode("latin-1")
    )
    [asset] = FileConnector(str(path), FULL).assets()
    scan = [line for line in asset.lines() if line]
    assert copied(path, tmp_path / "out.txt").lines == scan


@pytest.mark.parametrize(("name", "content"), [
    ("contacts.xyz", "Zoë Müller\x81, zoe@example.org\n".encode("latin-1")),  # no cp1252
    ("export.219-45-6789", b"\x00\x01\x02 binary \x00"),   # an extension that is a value
    ("dump.dat", b"PK\x03\x04" + bytes(60)),               # a zip, by its signature
])
def test_a_file_the_scan_skips_is_not_copied_and_says_why_alike(tmp_path: Path, name: str,
                                                               content: bytes) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / name).write_bytes(content)
    connector = FileConnector(str(src), FULL)
    assert list(connector.assets()) == []
    [(_, reason)] = connector.skipped
    [asset] = copy_tree(src, tmp_path / "out", Recorder()).assets
    assert (asset.status, asset.reason) == ("skipped", reason)
    assert "219-45-6789" not in reason
    assert not (tmp_path / "out" / name).exists()
