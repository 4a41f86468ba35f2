"""copy_tree: a de-identified mirror of a real file tree in temporary directories."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from piiscan.anonymize.contracts import AssetCopy, CopyReport
from piiscan.anonymize.file_copy import copy_tree
from piiscan.connectors.readers.flatten import flatten
from piiscan.errors import SourceError, UsageError

FIELDS = {"email", "customer.email", "items[].sku", "tags", "contact.email", "name"}


class Upper:
    """Upper-cases strings of chosen fields, writes ``@`` as `` at `` in text; records the
    field names it is given. ``fail_on`` makes it raise on a value (or text) containing it;
    ``interrupt_on`` raises KeyboardInterrupt there."""

    def __init__(self, fail_on: str | None = None, interrupt_on: str | None = None) -> None:
        self.fail_on = fail_on
        self.interrupt_on = interrupt_on
        self.batch_fields: dict[str, list[str]] = {}
        self.value_fields: dict[str, set[str]] = {}

    def _check(self, text: str) -> None:
        if self.interrupt_on and self.interrupt_on in text:
            raise KeyboardInterrupt
        if self.fail_on and self.fail_on in text:
            raise ValueError(f"cannot transform {text}")

    def batch(self, asset: str, batch: pa.RecordBatch) -> pa.RecordBatch:
        self.batch_fields[asset] = batch.schema.names
        columns = []
        for name, col in zip(batch.schema.names, batch.columns, strict=True):
            if pa.types.is_string(col.type):
                for v in col.to_pylist():
                    self._check(v or "")
                if name in FIELDS:
                    col = pc.utf8_upper(col)
            columns.append(col)
        return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)

    def value(self, asset: str, field: str, value: Any) -> Any:
        self.value_fields.setdefault(asset, set()).add(field)
        if isinstance(value, str):
            self._check(value)
            if field in FIELDS:
                return value.upper()
        return value

    def text(self, asset: str, text: str) -> str:
        self._check(text)
        return text.replace("@", " at ")


# -- the source tree ---------------------------------------------------------------------
CSV_BYTES = ('\ufeffname,email,age\r\nAnn,ann@x.org,42\r\n"Bob, Jr",bob@y.org,7\r\n'
             ).encode("utf-8")
TSV_BYTES = b"id\tname\tcity\n1\tAnn\tParis, FR\n2\tBob\tLyon\n"
JSONL_RECORDS = [
    {"id": 1, "customer": {"name": "ann", "email": "ann@x.org"},
     "items": [{"sku": "ab-1", "qty": 2}, {"sku": "cd-2", "qty": 1}],
     "tags": ["vip", "new"], "score": 1.5, "active": True, "note": None},
    {"id": 2, "customer": {"name": "bob", "email": "bob@y.org"}, "items": [],
     "tags": [], "score": 2, "active": False, "note": "call back"},
]
JSON_DOC = {"count": 2, "next": None, "results": [
    {"email": "ann@x.org", "n": 1, "city": "paris"},
    {"email": "bob@y.org", "n": 2, "city": "lyon"},
]}
LOG_TEXT = "ok line\r\nmail ann@x.org today\nlast line bob@y.org"
PARQUET_SCHEMA = pa.schema([
    pa.field("id", pa.int32(), nullable=False),
    pa.field("born", pa.date32()),
    pa.field("seen", pa.timestamp("ms", tz="UTC")),
    pa.field("contact", pa.struct([("email", pa.string()), ("city", pa.string())])),
    pa.field("amount", pa.decimal128(9, 2)),
    pa.field("tags", pa.list_(pa.string())),
], metadata={b"origin": b"test"})


def parquet_rows(n: int) -> list[dict[str, Any]]:
    return [{"id": i, "born": dt.date(1980, 1, 1) + dt.timedelta(days=i),
             "seen": dt.datetime(2024, 5, 1, tzinfo=dt.UTC),
             "contact": None if i == 2 else {"email": f"p{i}@x.org", "city": "rome"},
             "amount": None, "tags": ["a", "b"]} for i in range(n)]


@pytest.fixture
def source(tmp_path: Path) -> Path:
    root = tmp_path / "src"
    (root / "data").mkdir(parents=True)
    (root / "logs").mkdir()
    (root / "people.csv").write_bytes(CSV_BYTES)
    (root / "data" / "people.tsv").write_bytes(TSV_BYTES)
    (root / "data" / "orders.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in JSONL_RECORDS) + "\n", encoding="utf-8")
    (root / "data" / "doc.json").write_text(json.dumps(JSON_DOC, indent=4) + "\n",
                                            encoding="utf-8")
    table = pa.Table.from_pylist(parquet_rows(7), schema=PARQUET_SCHEMA)
    pq.write_table(table, root / "data" / "table.parquet", row_group_size=3)
    (root / "logs" / "app.log").write_bytes(LOG_TEXT.encode("utf-8"))
    (root / "README").write_text("contact: ann@x.org\n", encoding="utf-8")
    (root / "image.bin").write_bytes(bytes(range(256)))
    (root / "blob.txt").write_bytes(b"\x00\x01binary\x00")
    (root / "notes.xyz").write_text("ann@x.org\n", encoding="utf-8")
    (root / ".env").write_text("SECRET=ann@x.org\n", encoding="utf-8")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/ann@x.org\n", encoding="utf-8")
    return root


def tree_hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def by_name(report: CopyReport) -> dict[str, AssetCopy]:
    return {a.asset: a for a in report.assets}


def leftovers(parent: Path) -> list[str]:
    return [p.name for p in parent.iterdir() if ".tmp-" in p.name or ".old-" in p.name]


# -- the whole tree ----------------------------------------------------------------------
def test_mirror_tree_statuses_and_source_untouched(source: Path, tmp_path: Path) -> None:
    before = tree_hashes(source)
    seen: list[str] = []
    report = copy_tree(source, tmp_path / "out", Upper(), batch_rows=2,
                       on_progress=lambda a: seen.append(a.asset))
    assert tree_hashes(source) == before
    assets = by_name(report)
    assert seen == [a.asset for a in report.assets]
    # hidden files and text of no known extension are copied (as text) like the scanner
    # reads them; version-control internals and binary files are skipped (issue 19, item 6)
    copied = {"people.csv", "data/people.tsv", "data/orders.jsonl", "data/doc.json",
              "data/table.parquet", "logs/app.log", "README", ".env", "notes.xyz"}
    assert {n for n, a in assets.items() if a.status == "copied"} == copied
    skipped = {n: a.reason for n, a in assets.items() if a.status == "skipped"}
    assert skipped == {".git": "version-control internals",
                       "image.bin": "unsupported file type: .bin",
                       "blob.txt": "binary content"}
    assert (tmp_path / "out" / ".env").read_text(encoding="utf-8") == "SECRET=ann at x.org\n"
    assert not report.failed
    out_files = {str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("*")
                 if p.is_file()}
    assert out_files == copied
    assert not leftovers(tmp_path)


@pytest.mark.parametrize(("name", "rows"), [
    ("people.csv", 2), ("data/people.tsv", 2), ("data/orders.jsonl", 2),
    ("data/doc.json", 2), ("data/table.parquet", 7), ("logs/app.log", 3), ("README", 1),
])
def test_row_counts(source: Path, tmp_path: Path, name: str, rows: int) -> None:
    asset = by_name(copy_tree(source, tmp_path / "out", Upper(), batch_rows=2))[name]
    assert (asset.status, asset.rows_in, asset.rows_out) == ("copied", rows, rows)


def test_csv_keeps_bom_dialect_and_other_fields(source: Path, tmp_path: Path) -> None:
    copy_tree(source, tmp_path / "out", Upper())
    data = (tmp_path / "out" / "people.csv").read_bytes()
    assert data == ('\ufeffname,email,age\r\nANN,ANN@X.ORG,42\r\n"BOB, JR",BOB@Y.ORG,7\r\n'
                    ).encode("utf-8")
    tsv = (tmp_path / "out" / "data" / "people.tsv").read_bytes()
    assert tsv == b"id\tname\tcity\n1\tANN\tParis, FR\n2\tBOB\tLyon\n"


def test_csv_quote_all_and_non_utf8_source(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "q.csv").write_text('"name","city"\n"Zoë","Köln"\n', encoding="cp1252")
    report = copy_tree(src, tmp_path / "out", Upper())
    assert (tmp_path / "out" / "q.csv").read_text(encoding="utf-8") == \
        '"name","city"\n"ZOË","Köln"\n'
    assert by_name(report)["q.csv"].notes == ["source encoding cp1252; written as UTF-8"]


def test_jsonl_nested_objects_and_lists(source: Path, tmp_path: Path) -> None:
    transformer = Upper()
    copy_tree(source, tmp_path / "out", transformer)
    lines = (tmp_path / "out" / "data" / "orders.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [
        {"id": 1, "customer": {"name": "ann", "email": "ANN@X.ORG"},
         "items": [{"sku": "AB-1", "qty": 2}, {"sku": "CD-2", "qty": 1}],
         "tags": ["VIP", "NEW"], "score": 1.5, "active": True, "note": None},
        {"id": 2, "customer": {"name": "bob", "email": "BOB@Y.ORG"}, "items": [],
         "tags": [], "score": 2, "active": False, "note": "call back"},
    ]
    assert transformer.value_fields["data/orders.jsonl"] == {
        "id", "customer.name", "customer.email", "items[].sku", "items[].qty", "tags",
        "score", "active", "note"}


def test_json_document_keeps_shape_and_indent(source: Path, tmp_path: Path) -> None:
    copy_tree(source, tmp_path / "out", Upper())
    text = (tmp_path / "out" / "data" / "doc.json").read_text()
    expected = {"count": 2, "next": None, "results": [
        {"email": "ANN@X.ORG", "n": 1, "city": "paris"},
        {"email": "BOB@Y.ORG", "n": 2, "city": "lyon"}]}
    assert text == json.dumps(expected, indent=4) + "\n"


@pytest.mark.parametrize(("name", "records", "metadata"), [
    ("data/orders.jsonl", JSONL_RECORDS, set()),
    ("data/doc.json", JSON_DOC["results"], {"count"}),  # "count" sits beside the records
])
def test_json_paths_named_like_the_scanner(source: Path, tmp_path: Path, name: str,
                                           records: list[Any], metadata: set[str]) -> None:
    transformer = Upper()
    copy_tree(source, tmp_path / "out", transformer)
    scanned = {path for record in records for path in flatten(record)}
    assert transformer.value_fields[name] - metadata <= scanned
    assert transformer.value_fields[name] >= metadata


def test_parquet_schema_types_and_values(source: Path, tmp_path: Path) -> None:
    transformer = Upper()
    copy_tree(source, tmp_path / "out", transformer, batch_rows=2)
    src, out = source / "data" / "table.parquet", tmp_path / "out" / "data" / "table.parquet"
    assert pq.read_schema(out).equals(pq.read_schema(src), check_metadata=True)
    assert transformer.batch_fields["data/table.parquet"] == [
        "id", "born", "seen", "contact.email", "contact.city", "amount", "tags"]
    expected = parquet_rows(7)
    for row in expected:
        if row["contact"]:
            row["contact"]["email"] = row["contact"]["email"].upper()
    assert pq.read_table(out).to_pylist() == expected
    assert pq.ParquetFile(out).metadata.row_group(0).column(0).compression == \
        pq.ParquetFile(src).metadata.row_group(0).column(0).compression


def test_empty_parquet_keeps_schema(tmp_path: Path) -> None:
    src = tmp_path / "empty.parquet"
    pq.write_table(PARQUET_SCHEMA.empty_table(), src)
    report = copy_tree(src, tmp_path / "out.parquet", Upper())
    assert report.assets[0].status == "copied"
    assert pq.read_schema(tmp_path / "out.parquet").equals(PARQUET_SCHEMA)


def test_text_keeps_the_rest_and_line_endings(source: Path, tmp_path: Path) -> None:
    copy_tree(source, tmp_path / "out", Upper())
    assert (tmp_path / "out" / "logs" / "app.log").read_bytes() == \
        b"ok line\r\nmail ann at x.org today\nlast line bob at y.org"
    assert (tmp_path / "out" / "README").read_text() == "contact: ann at x.org\n"


def test_long_text_line_goes_in_pieces(tmp_path: Path) -> None:
    src = tmp_path / "long.txt"
    src.write_text("a@b " * 100 + "\nshort\n")
    report = copy_tree(src, tmp_path / "out.txt", Upper(), max_line_chars=30)
    assert (tmp_path / "out.txt").read_text() == "a at b " * 100 + "\nshort\n"
    assert (report.assets[0].rows_in, report.assets[0].rows_out) == (2, 2)


# -- selection, symlinks, single files ---------------------------------------------------
def test_include_exclude(source: Path, tmp_path: Path) -> None:
    report = copy_tree(source, tmp_path / "out", Upper(), include=["data/*", "*.csv.email"],
                       exclude=["*.jsonl"])
    copied = {a.asset for a in report.assets if a.status == "copied"}
    assert copied == {"people.csv", "data/people.tsv", "data/doc.json", "data/table.parquet"}
    assert by_name(report)["data/orders.jsonl"].reason == "excluded"


def test_symlink_outside_root_not_followed(source: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.csv"
    outside.write_text("email\nann@x.org\n")
    os.symlink(outside, source / "link.csv")
    os.symlink(source / "people.csv", source / "inside.csv")
    assets = by_name(copy_tree(source, tmp_path / "out", Upper()))
    assert assets["link.csv"].status == "skipped"
    assert assets["inside.csv"].status == "copied"
    assert not (tmp_path / "out" / "link.csv").exists()
    assert not (tmp_path / "out" / "inside.csv").is_symlink()


def test_single_file(source: Path, tmp_path: Path) -> None:
    report = copy_tree(source / "people.csv", tmp_path / "copy" / "p.csv", Upper())
    assert report.assets[0].asset == "people.csv"
    assert (tmp_path / "copy" / "p.csv").read_bytes().startswith(b"\xef\xbb\xbfname")
    assert not leftovers(tmp_path / "copy")


def test_single_unsupported_file_leaves_no_target(source: Path, tmp_path: Path) -> None:
    report = copy_tree(source / "image.bin", tmp_path / "out.bin", Upper())
    assert report.assets[0].status == "skipped"
    assert not (tmp_path / "out.bin").exists()


# -- refusals, overwrite, interruption ---------------------------------------------------
@pytest.mark.parametrize("target", [".", "sub", "data/new", ".."])
def test_overlapping_target_refused(source: Path, target: str) -> None:
    with pytest.raises(UsageError):
        copy_tree(source, source / target, Upper())


def test_missing_source(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        copy_tree(tmp_path / "nope", tmp_path / "out", Upper())


def test_existing_target_refused_unless_overwrite(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("old")
    with pytest.raises(UsageError):
        copy_tree(source, out, Upper())
    copy_tree(source, out, Upper(), overwrite=True)
    assert not (out / "old.txt").exists()
    assert (out / "people.csv").exists()
    assert not leftovers(tmp_path)


@pytest.mark.parametrize("marker", ["bob@y.org", "p5@x.org", "today"])
def test_interrupted_copy_leaves_no_target(source: Path, tmp_path: Path,
                                           marker: str) -> None:
    with pytest.raises(KeyboardInterrupt):
        copy_tree(source, tmp_path / "out", Upper(interrupt_on=marker))
    assert not (tmp_path / "out").exists()
    assert not leftovers(tmp_path)


def test_interrupted_overwrite_keeps_old_target(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("old")
    with pytest.raises(KeyboardInterrupt):
        copy_tree(source, out, Upper(interrupt_on="today"), overwrite=True)
    assert (out / "old.txt").read_text() == "old"
    assert not leftovers(tmp_path)


# -- failures: located, never quoting values ---------------------------------------------
FAIL_CASES = [
    ("csv", "people.csv", "Bob, Jr", "rows 2 failed"),
    ("tsv", "data/people.tsv", "Lyon", "rows 2 failed"),
    ("jsonl", "data/orders.jsonl", "call back", "lines 2 failed"),
    ("json", "data/doc.json", "lyon", "records 2 failed"),
    ("parquet", "data/table.parquet", "p5@x.org", "rows 6 failed"),
    ("text", "logs/app.log", "today", "lines 2 failed"),
]


@pytest.mark.parametrize(("kind", "name", "bad", "where"), FAIL_CASES,
                         ids=[c[0] for c in FAIL_CASES])
def test_failed_rows_reported_with_location(source: Path, tmp_path: Path, kind: str,
                                            name: str, bad: str, where: str) -> None:
    report = copy_tree(source, tmp_path / "out", Upper(fail_on=bad), batch_rows=2)
    assert [a.asset for a in report.failed] == [name]
    reason = report.failed[0].reason or ""
    assert where in reason and "ValueError" in reason
    assert bad not in reason
    assert not (tmp_path / "out" / name).exists()
    assert (tmp_path / "out" / "README").exists()  # the rest of the tree is copied


def test_invalid_jsonl_line_fails_the_file(tmp_path: Path) -> None:
    src = tmp_path / "a.jsonl"
    src.write_text('{"email": "a@b.c"}\n{"email": "trunc\n')
    report = copy_tree(src, tmp_path / "out.jsonl", Upper())
    assert report.assets[0].status == "failed"
    assert report.assets[0].reason == "lines 2 failed to transform (not valid JSON)"
    assert not (tmp_path / "out.jsonl").exists()


class ChangesShape(Upper):
    def batch(self, asset: str, batch: pa.RecordBatch) -> pa.RecordBatch:
        return batch.slice(0, 1)


@pytest.mark.parametrize("name", ["people.csv", "data/table.parquet"])
def test_transformer_changing_row_count_fails(source: Path, tmp_path: Path,
                                              name: str) -> None:
    assets = by_name(copy_tree(source, tmp_path / "out", ChangesShape()))
    assert assets[name].status == "failed"
    assert "number of rows" in (assets[name].reason or "")


@pytest.mark.parametrize("name", ["empty.csv", "empty.json", "empty.parquet", "empty.txt"])
def test_empty_files_are_copied_empty(tmp_path: Path, name: str) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / name).write_bytes(b"")
    report = copy_tree(src, tmp_path / "out", Upper())
    [asset] = report.assets
    assert (asset.status, asset.reason) == ("copied", None)
    assert "empty file: copied empty" in asset.notes
    assert (tmp_path / "out" / name).read_bytes() == b""


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("bad.json", b"{not json", "invalid JSON at line 1 column 2"),
    ("fake.parquet", b"PAR1 not really", "not a Parquet file (no PAR1 magic)"),
])
def test_unreadable_files_skipped(tmp_path: Path, name: str, content: bytes,
                                  reason: str) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / name).write_bytes(content)
    report = copy_tree(src, tmp_path / "out", Upper())
    assert (report.assets[0].status, report.assets[0].reason) == ("skipped", reason)
    assert list((tmp_path / "out").iterdir()) == []


def test_progress_callback_type(source: Path, tmp_path: Path) -> None:
    got: list[AssetCopy] = []
    callback: Callable[[AssetCopy], None] = got.append
    report = copy_tree(source, tmp_path / "out", Upper(), on_progress=callback)
    assert got == report.assets


def test_overwrite_file_target_with_tree(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("a file")
    copy_tree(source, out, Upper(), overwrite=True)
    assert (out / "people.csv").exists()
    assert not leftovers(tmp_path)
