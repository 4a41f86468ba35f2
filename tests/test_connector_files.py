"""FileConnector on real files in temporary directories."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from piiscan.config import Config
from piiscan.connectors.files import FileAsset, FileConnector
from piiscan.errors import AssetError, EmptyAsset, SourceError
from piiscan.scanning.scanner import Scanner
from piiscan.selection import NothingSelected


def one_asset(path: Path, **settings: Any) -> FileAsset:
    assets = list(FileConnector(str(path), Config(**settings)).assets())
    assert len(assets) == 1
    return assets[0]  # type: ignore[return-value]


def read_rows(asset: FileAsset) -> list[dict[str, Any]]:
    return [row for batch in asset.batches() for row in batch.to_pylist()]


def header(asset: FileAsset) -> list[str]:
    return next(iter(asset.batches())).schema.names


# -- CSV ---------------------------------------------------------------------------------
CSV_CASES = [
    ("comma", "a.csv", b"name,email\nAnn,ann@x.org\nBob,bob@y.org\n",
     ["name", "email"], [["Ann", "ann@x.org"], ["Bob", "bob@y.org"]]),
    ("semicolon", "a.csv", b"name;city\nAnn;Paris\nBob;Lyon\n",
     ["name", "city"], [["Ann", "Paris"], ["Bob", "Lyon"]]),
    ("tab", "a.tsv", b"name\tcity\nAnn\tParis, FR\n", ["name", "city"], [["Ann", "Paris, FR"]]),
    ("pipe", "a.csv", b"id|note\n1|x\n2|y\n", ["id", "note"], [["1", "x"], ["2", "y"]]),
    ("quoted", "a.csv", b'name,addr\n"Doe, Jane","1 ""Main"" St"\n',
     ["name", "addr"], [["Doe, Jane", '1 "Main" St']]),
    ("cp1252", "a.csv", "name,city\nJosé,Orléans\n".encode("cp1252"),
     ["name", "city"], [["José", "Orléans"]]),
    ("utf8 bom", "a.csv", b"\xef\xbb\xbfname,city\nZo\xc3\xab,Gen\xc3\xa8ve\n",
     ["name", "city"], [["Zoë", "Genève"]]),
    ("crlf", "a.csv", b"a,b\r\n1,2\r\n", ["a", "b"], [["1", "2"]]),
    ("duplicate and empty headers", "a.csv", b"x,,x\n1,2,3\n",
     ["x", "column_2", "x_2"], [["1", "2", "3"]]),
    ("ragged rows", "a.csv", b"a,b,c\n1\n1,2,3,4\n",
     ["a", "b", "c"], [["1", None, None], ["1", "2", "3"]]),
    ("single column", "a.csv", b"email\nann@x.org\nbob@y.org\n",
     ["email"], [["ann@x.org"], ["bob@y.org"]]),
]


@pytest.mark.parametrize(("label", "name", "data", "columns", "rows"), CSV_CASES,
                         ids=[c[0] for c in CSV_CASES])
def test_csv_cases(tmp_path: Path, label: str, name: str, data: bytes, columns: list[str],
                   rows: list[list[str | None]]) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    asset = one_asset(path)
    assert (asset.name, asset.kind, asset.structured) == (name, "file", True)
    assert header(asset) == columns
    assert [list(r.values()) for r in read_rows(asset)] == rows


def test_csv_invalid_utf8_never_crashes_and_notes_fallback(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"name\nok\n\xff\xfe\x81broken\n")
    asset = one_asset(path)
    rows = read_rows(asset)
    assert len(rows) == 2 and rows[1]["name"].endswith("broken")
    assert any("not valid UTF-8" in n for n in asset.notes)


def test_csv_header_only_gives_columns_and_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("id,email,phone\n")
    batches = list(one_asset(path).batches())
    assert [b.num_rows for b in batches] == [0]
    assert batches[0].schema.names == ["id", "email", "phone"]


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("empty.csv", b"", "empty file"),
    ("blank.csv", b"\n\n  \n", "empty file"),
    ("bin.csv", b"PK\x03\x04\x00\x00binary\x00stuff", "not a text CSV file (binary content)"),
    ("empty.json", b"", "empty file"),
    ("bad.json", b'{"a": 1,\n  "b": }', "invalid JSON at line 2 column"),
    ("empty_array.json", b"[]", "no records"),
    ("all_bad.jsonl", b"nope\n{broken\n", "no valid JSON lines (2 bad lines)"),
    ("text.parquet", b"id,name\n1,Ann\n", "not a Parquet file"),
    ("short.parquet", b"PAR1", "not a Parquet file"),
    ("bin.txt", b"\x00\x01\x02\x03", "not a text file (binary content)"),
])
def test_unreadable_files_raise_asset_error(tmp_path: Path, name: str, data: bytes,
                                            reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    asset = one_asset(path)
    with pytest.raises(AssetError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        list(asset.lines() if asset.kind == "text" else asset.batches())


def test_csv_sample_limit_and_batches(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("n\n" + "".join(f"{i}\n" for i in range(25)))
    sampled = one_asset(path, sample_rows=10, batch_rows=4)
    assert [b.num_rows for b in sampled.batches()] == [4, 4, 2]
    full = one_asset(path, sample_rows=10, batch_rows=4, full=True)
    assert sum(b.num_rows for b in full.batches()) == 25


@pytest.mark.parametrize("name", ["z.csv", "z.json", "z.jsonl", "z.parquet", "z.txt", "z.md"])
def test_zero_byte_files_are_empty_assets(tmp_path: Path, name: str) -> None:
    """Nothing in them, nothing missed: EmptyAsset (a note in the inventory, not an error)."""
    (tmp_path / name).write_bytes(b"")
    asset = one_asset(tmp_path / name)
    assert asset.size == 0
    with pytest.raises(EmptyAsset, match=r"^empty file$"):
        list(asset.lines() if asset.kind == "text" else asset.batches())


def parquet_of(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return sink.getvalue().to_pybytes()


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("a.csv", b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "it looks like a ZIP archive"),
    ("a.jsonl", b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "it looks like gzip-compressed data"),
    ("a.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00", "it looks like a PDF document"),
    ("a.json", bytes(range(256)), "not a JSON file (binary content)"),
])
def test_misleading_extensions_name_the_real_content(tmp_path: Path, name: str, data: bytes,
                                                     reason: str) -> None:
    (tmp_path / name).write_bytes(data)
    asset = one_asset(tmp_path / name)
    with pytest.raises(AssetError, match=r"\(binary content\)") as info:
        list(asset.lines() if asset.kind == "text" else asset.batches())
    assert reason in str(info.value)


def test_parquet_behind_a_csv_extension_is_read_as_parquet(tmp_path: Path) -> None:
    (tmp_path / "export.csv").write_bytes(parquet_of(pa.table({"email": ["a@b.org"]})))
    asset = one_asset(tmp_path / "export.csv")
    assert read_rows(asset) == [{"email": "a@b.org"}]
    assert asset.notes == ["content is Parquet despite the .csv extension; read as Parquet"]


@pytest.mark.parametrize(("name", "body", "settings", "count", "note"), [
    ("a.csv", "n\n" + "".join(f"{i}\n" for i in range(30)), {"sample_rows": 10}, 10,
     "sampled: first 10 rows (--full reads everything)"),
    ("a.csv", "n\n" + "".join(f"{i:04d}\n" for i in range(300)), {"sample_bytes": 100}, 20,
     "sampled: stopped after about 100 bytes (--full reads everything)"),
    ("a.jsonl", "".join(f'{{"n": {i}}}\n' for i in range(30)), {"sample_rows": 10}, 10,
     "sampled: first 10 records (--full reads everything)"),
    ("a.jsonl", "".join(f'{{"n": "{i:04d}"}}\n' for i in range(300)), {"sample_bytes": 120}, 9,
     "sampled: stopped after about 120 bytes (--full reads everything)"),
    ("a.txt", "".join(f"line {i}\n" for i in range(30)), {"sample_rows": 10}, 10,
     "sampled: first 10 lines (--full reads everything)"),
    ("a.txt", "".join(f"line {i:04d}\n" for i in range(300)), {"sample_bytes": 100}, 11,
     "sampled: stopped after about 100 bytes (--full reads everything)"),
    ("a.txt", "".join(f"line {i:04d}\n" for i in range(300)),
     {"sample_bytes": 100, "full": True}, 300, None),
])
def test_sampling_limits_rows_and_bytes_and_says_so(tmp_path: Path, name: str, body: str,
                                                   settings: dict[str, Any], count: int,
                                                   note: str | None) -> None:
    (tmp_path / name).write_text(body)
    asset = one_asset(tmp_path / name, **settings)
    got = (len(list(asset.lines())) if asset.kind == "text"
           else sum(b.num_rows for b in asset.batches()))
    assert got == count
    assert asset.notes == ([note] if note else [])


# -- JSON / JSONL ------------------------------------------------------------------------
JSON_CASES = [
    ("array", [{"name": "Ann", "age": 30}, {"name": "Bob"}],
     [{"name": "Ann", "age": 30}, {"name": "Bob", "age": None}]),
    ("single object", {"name": "Ann"}, [{"name": "Ann"}]),
    ("records under one key", {"count": 2, "results": [{"id": 1}, {"id": 2}]},
     [{"id": 1}, {"id": 2}]),
    ("nested objects", [{"address": {"city": "Oslo", "geo": {"lat": 1.5}}}],
     [{"address.city": "Oslo", "address.geo.lat": 1.5}]),
    ("list of scalars", [{"tags": ["a", "b"]}], [{"tags": '["a", "b"]'}]),
    ("list of objects", [{"items": [{"sku": "A1", "qty": 1}, {"sku": "B2"}]}],
     [{"items[].sku": '["A1", "B2"]', "items[].qty": "[1]"}]),
    ("scalar array", ["x@y.org", "z@w.org"], [{"value": "x@y.org"}, {"value": "z@w.org"}]),
    ("mixed types fall back to text", [{"v": 1}, {"v": "two"}], [{"v": "1"}, {"v": "two"}]),
]


@pytest.mark.parametrize(("label", "doc", "rows"), JSON_CASES, ids=[c[0] for c in JSON_CASES])
def test_json_cases(tmp_path: Path, label: str, doc: Any, rows: list[dict[str, Any]]) -> None:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc))
    assert read_rows(one_asset(path)) == rows


def test_json_deep_nesting_is_stringified(tmp_path: Path) -> None:
    doc: Any = "leaf"
    for _ in range(100):
        doc = {"k": doc}
    path = tmp_path / "deep.json"
    path.write_text(json.dumps([doc]))
    (row,) = read_rows(one_asset(path))
    (name,) = row
    assert name.count(".") == 63 and json.loads(row[name])


def test_json_too_large_suggests_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text(json.dumps([{"a": "x" * 200}]))
    with pytest.raises(AssetError, match=r"too large for JSON.*\.jsonl"):
        list(one_asset(path, max_text_bytes=100).batches())


def test_jsonl_skips_and_counts_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text('{"user": {"email": "a@b.org"}}\nnot json\n\n{"user": {"email": "c@d.org"}}\n')
    asset = one_asset(path)
    assert read_rows(asset) == [{"user.email": "a@b.org"}, {"user.email": "c@d.org"}]
    assert asset.notes == ["1 lines skipped (not valid JSON)"]


# -- Parquet -----------------------------------------------------------------------------
def test_parquet_struct_columns_flatten_to_dotted_names(tmp_path: Path) -> None:
    table = pa.table({
        "id": [1, 2, 3],
        "person": [{"name": "Ann", "addr": {"city": "Oslo"}}, None,
                   {"name": "Cy", "addr": {"city": None}}],
        "tags": [["a"], [], None],
    })
    path = tmp_path / "people.parquet"
    pq.write_table(table, path)
    asset = one_asset(path, batch_rows=2)
    assert [c.name for c in asset.columns()] == ["id", "person.name", "person.addr.city", "tags"]
    assert [b.num_rows for b in asset.batches()] == [2, 1]
    rows = read_rows(asset)
    assert rows[0] == {"id": 1, "person.name": "Ann", "person.addr.city": "Oslo", "tags": ["a"]}
    assert rows[1]["person.name"] is None and rows[2]["person.addr.city"] is None


def test_parquet_sample_limit(tmp_path: Path) -> None:
    path = tmp_path / "n.pq"
    pq.write_table(pa.table({"n": list(range(50))}), path, row_group_size=7)
    assert len(read_rows(one_asset(path, sample_rows=12, batch_rows=5))) == 12
    assert len(read_rows(one_asset(path, sample_rows=12, full=True))) == 50


# -- text --------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "data", "lines"), [
    ("notes.txt", b"first line\r\nsecond\n\nlast", ["first line", "second", "", "last"]),
    ("README.md", b"# Title\n\nContact: a@b.org\n", ["# Title", "", "Contact: a@b.org"]),
    ("app.log", "caf\xe9 ok\n".encode("cp1252"), ["café ok"]),
    ("NOEXT", b"plain text without extension\n", ["plain text without extension"]),
])
def test_text_lines(tmp_path: Path, name: str, data: bytes, lines: list[str]) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    asset = one_asset(path)
    assert (asset.kind, asset.structured) == ("text", False)
    assert list(asset.lines()) == lines


def test_long_lines_are_cut(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("x" * 50 + "\nshort\n")
    assert list(one_asset(path, max_line_chars=10).lines()) == ["x" * 10, "short"]


# -- directories, names, selection -------------------------------------------------------
def make_tree(root: Path) -> None:
    files = {
        "b.csv": "a\n1\n", "a.txt": "hi\n", "sub/z.json": "[{\"a\": 1}]",
        "sub/deeper/y.jsonl": "{\"a\": 1}\n", "sub/a.md": "# x\n",
        ".hidden.csv": "a\n1\n", ".git/config.txt": "x\n", "sub/.secret/s.txt": "x\n",
        "image.png": "\x89PNG", "program.exe": "MZ", "data.bin": "\x00\x01",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def names(root: Path, **settings: Any) -> list[str]:
    return [a.name for a in FileConnector(str(root), Config(**settings)).assets()]


def test_directory_walk_is_sorted_relative_scans_hidden_and_lists_what_it_skips(
        tmp_path: Path) -> None:
    """Hidden files are scanned (``.env`` holds secrets); version-control internals and
    binary files of no known type are skipped, each with a reason (issue 19, item 6)."""
    make_tree(tmp_path)
    connector = FileConnector(str(tmp_path), Config())
    assert [a.name for a in connector.assets()] == [
        ".hidden.csv", "a.txt", "b.csv", "sub/.secret/s.txt", "sub/a.md", "sub/deeper/y.jsonl",
        "sub/z.json"]
    assert connector.skipped == [(".git", "version-control internals"),
                                 ("data.bin", "unsupported file type: .bin"),
                                 ("image.png", "unsupported file type: .png"),
                                 ("program.exe", "unsupported file type: .exe")]


def test_symlinks_outside_the_root_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text("a\n1\n")
    root = tmp_path / "root"
    root.mkdir()
    (root / "in.csv").write_text("a\n1\n")
    (root / "link_in.csv").symlink_to(root / "in.csv")
    (root / "link_out.csv").symlink_to(outside / "secret.csv")
    (root / "linkdir").symlink_to(outside)
    assert names(root) == ["in.csv", "link_in.csv"]


@pytest.mark.parametrize(("include", "exclude", "expected"), [
    ((), ("sub/*",), [".hidden.csv", "a.txt", "b.csv"]),
    ((), ("*.txt", "*.md"), [".hidden.csv", "b.csv", "sub/deeper/y.jsonl", "sub/z.json"]),
    (("*.json", "*.jsonl"), (), ["sub/deeper/y.jsonl", "sub/z.json"]),
    (("b.csv.a",), (), ["b.csv"]),
    (("sub/*",), ("*/deeper/*",), ["sub/.secret/s.txt", "sub/a.md", "sub/z.json"]),
    ((), ("sub",), [".hidden.csv", "a.txt", "b.csv"]),
    ((), ("deeper",), [".hidden.csv", "a.txt", "b.csv", "sub/.secret/s.txt", "sub/a.md",
                       "sub/z.json"]),
    ((), ("*.secret", ".hidden.csv"), ["a.txt", "b.csv", "sub/a.md", "sub/deeper/y.jsonl",
                                       "sub/z.json"]),
    (("sub/*.json*",), (), ["sub/z.json"]),  # * stays within a folder
    (("sub/**/*.jsonl",), (), ["sub/deeper/y.jsonl"]),
    (("**.JSONL",), (), ["sub/deeper/y.jsonl"]),
    (("a",), (), [".hidden.csv", "b.csv", "sub/deeper/y.jsonl", "sub/z.json"]),  # a field
    (("*.csv.a",), (), [".hidden.csv", "b.csv"]),
])
def test_include_exclude_on_paths(tmp_path: Path, include: tuple[str, ...],
                                  exclude: tuple[str, ...], expected: list[str]) -> None:
    make_tree(tmp_path)
    assert names(tmp_path, include=include, exclude=exclude) == expected


@pytest.mark.parametrize(("include", "exclude", "columns"), [
    ((), ("people.csv.email",), ["name", "phone", "internal_notes"]),
    (("people.csv.name", "people.csv.phone"), (), ["name", "phone"]),
    (("*.csv",), ("*.csv.phone",), ["name", "email", "internal_notes"]),
    ((), ("*.phone", "*.txt"), ["name", "email", "internal_notes"]),
    ((), ("*.internal_notes",), ["name", "email", "phone"]),
    ((), ("internal_notes", "PHONE"), ["name", "email"]),
    (("email",), (), ["email"]),
    (("*.email", "data/people.csv.name"), (), ["name", "email"]),
    (("people.csv",), ("email",), ["name", "phone", "internal_notes"]),
    ((), ("*.csv.*e*",), None),  # every field left out: so is the file
    (("phone",), ("data",), None),
])
def test_include_exclude_on_columns(tmp_path: Path, include: tuple[str, ...],
                                    exclude: tuple[str, ...], columns: list[str] | None) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data/people.csv").write_text(
        "name,email,phone,internal_notes\nAnn,a@b.org,555,x\n")
    config = Config(include=include, exclude=exclude)
    found = list(FileConnector(str(tmp_path), config).assets())
    if columns is None and not found:
        return
    (asset,) = found
    if columns is None:
        with pytest.raises(NothingSelected):
            header(asset)  # type: ignore[arg-type]
    else:
        assert header(asset) == columns  # type: ignore[arg-type]


def test_single_file_names_and_unsupported_type(tmp_path: Path) -> None:
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n")
    asset = one_asset(tmp_path / "photo.png")
    assert asset.name == "photo.png"
    with pytest.raises(AssetError, match="unsupported file type"):
        list(asset.batches())


@pytest.mark.parametrize(("source", "accepted"), [
    ("data/", True), ("export.csv", True), ("~/nothing-here", True), ("./x", True),
    ("file:///tmp/x.csv", True), ("sqlite:///x.db", False), ("postgresql://u@h/db", False),
    ("s3://bucket/key.csv", True), ("gs://bucket", True), ("az://container/dir", True),
    ("memory://x/y", True), ("https://example.org/a.csv", False),
    ("mysql+pymysql://u@h/db", False), ("justaword", False),
])
def test_accepts(source: str, accepted: bool) -> None:
    assert FileConnector.accepts(source) is accepted


def test_file_url_and_missing_path(tmp_path: Path) -> None:
    (tmp_path / "my file.csv").write_text("a\n1\n")
    url = (tmp_path / "my file.csv").as_uri()
    assert FileConnector.accepts(url)
    assert [a.name for a in FileConnector(url, Config()).assets()] == ["my file.csv"]
    with pytest.raises(SourceError, match="no such file or directory"):
        FileConnector(str(tmp_path / "missing.csv"), Config())


# -- end to end --------------------------------------------------------------------------
def test_scanner_records_bad_files_and_scans_the_rest(tmp_path: Path) -> None:
    (tmp_path / "good.csv").write_text("name,email\nAnn,a@b.org\n")
    (tmp_path / "notes.txt").write_text("hello\n")
    (tmp_path / "broken.json").write_text("{nope")
    (tmp_path / "fake.parquet").write_text("not parquet")
    inventory = Scanner(Config(progress=False), detectors=[]).scan([str(tmp_path)])
    assert sorted(a.asset for a in inventory.assets) == ["good.csv", "notes.txt"]
    reasons = {e.asset: e.reason for e in inventory.errors}
    assert set(reasons) == {"broken.json", "fake.parquet"}
    assert "invalid JSON at line 1" in reasons["broken.json"]
    assert "not a Parquet file" in reasons["fake.parquet"]
    good = next(a for a in inventory.assets if a.asset == "good.csv")
    assert [f.name for f in good.fields] == ["name", "email"]


def _wide_parquet(path: Path, rows: int = 20_000) -> None:
    """Three columns of distinct, incompressible text and one struct column."""
    table = pa.table({
        "name": [f"name {i:08x}{i * 7919:08x}" for i in range(rows)],
        "email": [f"user{i * 104729:012x}@example.org" for i in range(rows)],
        "notes": [f"note {i * 15485863:016x} {i:06d}" for i in range(rows)],
        "address": [{"city": f"c{i % 97}", "zip": f"{i * 31:09d}"} for i in range(rows)],
    })
    pq.write_table(table, path, compression="none")


@pytest.mark.parametrize(("include", "exclude", "columns"), [
    ((), (), ["name", "email", "notes", "address.city", "address.zip"]),
    (("people.parquet.email",), (), ["email"]),
    ((), ("*.parquet.notes", "*.parquet.name"), ["email", "address.city", "address.zip"]),
    (("people.parquet.address.zip",), (), ["address.zip"]),
    (("zip",), (), ["address.zip"]),
    ((), ("address", "notes"), ["name", "email"]),
    ((), ("*.parquet.*",), []),
])
def test_parquet_reads_only_selected_columns(tmp_path: Path, include: tuple[str, ...],
                                             exclude: tuple[str, ...],
                                             columns: list[str]) -> None:
    """A field selection is a column projection: unselected column chunks are not read."""
    _wide_parquet(tmp_path / "people.parquet")
    everything = one_asset(tmp_path, full=True)
    all_rows = sum(b.num_rows for b in everything.batches())
    asset = one_asset(tmp_path, full=True, include=include, exclude=exclude)
    if not columns:  # no field selected: the file is left out, no column chunk read
        with pytest.raises(NothingSelected):
            asset.columns()
        with pytest.raises(NothingSelected):
            list(asset.batches())
        assert asset.bytes_read < everything.bytes_read * 0.05
        return
    batches = list(asset.batches())
    assert batches[0].schema.names == columns
    if columns:
        assert sum(b.num_rows for b in batches) == all_rows
    if len(columns) < 5:  # each text column is a quarter to a third of the file
        assert asset.bytes_read < everything.bytes_read * (0.3 + 0.25 * len(columns))
    else:
        assert asset.bytes_read == everything.bytes_read
