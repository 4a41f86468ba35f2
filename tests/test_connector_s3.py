"""The storage connector on a real S3-compatible server (moto_server on 127.0.0.1)."""

from __future__ import annotations

import errno
import io
import json
import re
import time
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from piiscan.config import Config
from piiscan.connectors.files import FileAsset, FileConnector
from piiscan.connectors.readers.blob import Blob, CountingReader
from piiscan.connectors.storage import (
    guarded,
    is_transient,
    object_error,
    retry_transient,
)
from piiscan.errors import AssetError, SourceError, UsageError
from piiscan.scanning.scanner import Scanner
from piiscan.selection import NothingSelected


def parquet_bytes(table: pa.Table, **options: Any) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, **options)
    return sink.getvalue()


PEOPLE = parquet_bytes(pa.table({
    "customer_email": [f"user{i}@example.com" for i in range(20)],
    "signup_ip": [f"192.0.2.{i + 1}" for i in range(20)],
}))

BUCKET_OBJECTS: dict[str, bytes] = {
    "exports/people.csv": b"name,email\n" + b"".join(
        f"Ann {i},ann{i}@example.org\n".encode() for i in range(20)),
    "exports/events.jsonl": b"".join(
        json.dumps({"user": {"email": f"u{i}@example.net"}, "n": i}).encode() + b"\n"
        for i in range(20)),
    "exports/config.json": json.dumps([{"host": "db1", "port": 5432}]).encode(),
    "exports/people.parquet": PEOPLE,
    "exports/renamed.csv": PEOPLE,  # Parquet content behind a .csv extension
    "exports/notes/readme.txt": b"Contact ops at ops@example.com from 198.51.100.7\n",
    "exports/empty.csv": b"",
    "exports/binary.csv": bytes(range(256)) * 4,
    "exports/truncated.parquet": PEOPLE[: len(PEOPLE) // 2],
    "exports/photo.png": b"\x89PNG\r\n\x1a\n",
    "exports/.hidden/secret.csv": b"a\n1\n",
    "exports/.git/config": b"[remote]\n",
    "other/outside.csv": b"a\n1\n",
}


def snapshot(client: Any, bucket: str) -> dict[str, tuple[str, int]]:
    """Every key with its ETag and size: what "nothing was written" is checked against."""
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: (o["ETag"], o["Size"]) for o in listed}


@pytest.fixture(scope="module")
def rule_scanner_factory() -> Callable[[Config], Scanner]:
    """Rule-only detectors (no NER model), built once per module and reused."""
    from piiscan.registry import build_detectors, default_registry

    # the objects' e-mails are at example.*: counted as real (--no-default-allow-list)
    base = Config(spacy_model="none", progress=False, hash_key=b"k", ignore_reserved=False)
    detectors = build_detectors(base, default_registry)

    def make(config: Config) -> Scanner:
        return Scanner(config, detectors=detectors)

    return make


def entity_types(inventory: Any, asset: str) -> dict[str, set[str]]:
    [result] = [a for a in inventory.assets if a.asset == asset]
    return {f.name: {e.type for e in f.entities} for f in result.fields}


# -- the whole bucket through the Scanner -----------------------------------------------
def test_bucket_scan_inventory_errors_and_read_only(s3_bucket, s3_env: str,
                                                    rule_scanner_factory) -> None:
    bucket, client = s3_bucket(BUCKET_OBJECTS)
    client.put_object(Bucket=bucket, Key="exports/archived.csv", Body=b"a\n1\n",
                      StorageClass="GLACIER")  # GetObject answers 403 InvalidObjectState
    before = snapshot(client, bucket)
    scanner = rule_scanner_factory(Config(spacy_model="none", progress=False,
                                          hash_key=b"k", endpoint_url=s3_env))
    inventory = scanner.scan([f"s3://{bucket}/exports"])

    assert sorted(a.asset for a in inventory.assets) == [
        ".hidden/secret.csv", "config.json", "empty.csv", "events.jsonl", "notes/readme.txt",
        "people.csv", "people.parquet", "renamed.csv"]
    # hidden keys are scanned; version-control folders and binary objects are listed as
    # skipped, with a reason and a count (issue 19, item 6)
    assert [(s.asset, s.reason) for s in inventory.skipped] == [
        (".git", "version-control internals"), ("photo.png", "unsupported file type: .png")]
    assert inventory.summary["skipped"] == 2
    reasons = {e.asset: e.reason for e in inventory.errors}
    assert set(reasons) == {"archived.csv", "binary.csv", "truncated.parquet"}
    assert reasons["archived.csv"] == "access denied"
    [empty] = [a for a in inventory.assets if a.asset == "empty.csv"]
    assert empty.notes == ("empty file: nothing to scan",)
    assert "not a text CSV file (binary content)" in reasons["binary.csv"]
    assert "not a Parquet file" in reasons["truncated.parquet"]

    assert entity_types(inventory, "people.csv")["email"] == {"EMAIL_ADDRESS"}
    assert entity_types(inventory, "events.jsonl")["user.email"] == {"EMAIL_ADDRESS"}
    assert entity_types(inventory, "people.parquet")["customer_email"] == {"EMAIL_ADDRESS"}
    assert entity_types(inventory, "renamed.csv")["signup_ip"] == {"IP_ADDRESS"}
    [renamed] = [a for a in inventory.assets if a.asset == "renamed.csv"]
    assert any("content is Parquet" in n for n in renamed.notes)
    [readme] = [a for a in inventory.assets if a.asset == "notes/readme.txt"]
    assert {f.entity for f in readme.findings} >= {"EMAIL_ADDRESS", "IP_ADDRESS"}
    [people] = [a for a in inventory.assets if a.asset == "people.csv"]
    size = len(BUCKET_OBJECTS["exports/people.csv"])
    assert (people.size_bytes, people.bytes_read) == (size, size)  # fetched once

    assert snapshot(client, bucket) == before  # nothing written, nothing changed
    assert "ann3@example.org" not in json.dumps(inventory.to_dict())


# -- listing, names, fingerprints --------------------------------------------------------
@pytest.mark.parametrize(("suffix", "names"), [
    ("", ["exports/.hidden/secret.csv", "exports/binary.csv", "exports/config.json",
          "exports/empty.csv",
          "exports/events.jsonl", "exports/notes/readme.txt", "exports/people.csv",
          "exports/people.parquet", "exports/renamed.csv", "exports/truncated.parquet",
          "other/outside.csv"]),
    ("/exports/notes", ["readme.txt"]),
    ("/exports/notes/", ["readme.txt"]),
    ("/exports/people.csv", ["people.csv"]),
    ("/exports/photo.png", ["photo.png"]),  # a single object is always an asset
])
def test_listing_is_sorted_relative_and_skips_hidden(s3_bucket, s3_env: str, suffix: str,
                                                     names: list[str]) -> None:
    bucket, _ = s3_bucket(BUCKET_OBJECTS)
    connector = FileConnector(f"s3://{bucket}{suffix}", Config(endpoint_url=s3_env))
    assert [a.name for a in connector.assets()] == names


def test_assets_carry_size_and_etag_fingerprint(s3_bucket, s3_env: str) -> None:
    bucket, client = s3_bucket({"a/people.csv": BUCKET_OBJECTS["exports/people.csv"]})
    [asset] = FileConnector(f"s3://{bucket}/a", Config(endpoint_url=s3_env)).assets()
    head = client.head_object(Bucket=bucket, Key="a/people.csv")
    assert asset.size == head["ContentLength"]
    assert asset.fingerprint == head["ETag"].strip('"')
    assert asset.bytes_read == 0  # listing reads nothing
    rows = sum(b.num_rows for b in asset.batches())
    assert rows == 20 and asset.bytes_read == asset.size


def test_include_exclude_apply_to_keys(s3_bucket, s3_env: str) -> None:
    bucket, _ = s3_bucket(BUCKET_OBJECTS)
    config = Config(endpoint_url=s3_env, include=("*.csv",), exclude=("empty.csv",))
    names = [a.name for a in FileConnector(f"s3://{bucket}/exports", config).assets()]
    assert names == [".hidden/secret.csv", "binary.csv", "people.csv", "renamed.csv"]


def test_field_patterns_read_only_what_may_hold_the_field(s3_bucket, s3_env: str) -> None:
    """The grammar of docs/selection.md on keys: a nested field by its last part, a file's
    field, a folder; objects that cannot hold a selected field are never fetched."""
    bucket, _ = s3_bucket(BUCKET_OBJECTS)
    config = Config(endpoint_url=s3_env, include=("people.csv.name", "*.email"),
                    exclude=("notes", "*.parquet", "renamed.csv", "binary.csv", "empty.csv"))
    found: dict[str, list[str] | None] = {}
    for asset in FileConnector(f"s3://{bucket}/exports", config).assets():
        try:
            found[asset.name] = list(dict.fromkeys(
                n for b in asset.batches() for n in b.schema.names))
        except NothingSelected:  # read for an email field, and it has none
            found[asset.name] = None
    assert found == {".hidden/secret.csv": None, "config.json": None,
                     "events.jsonl": ["user.email"], "people.csv": ["name", "email"]}


# -- failures ------------------------------------------------------------------------------
def test_object_deleted_between_listing_and_reading(s3_bucket, s3_env: str) -> None:
    bucket, client = s3_bucket({"d/a.csv": b"x\n1\n", "d/b.csv": b"x\n2\n"})
    assets = list(FileConnector(f"s3://{bucket}/d", Config(endpoint_url=s3_env)).assets())
    client.delete_object(Bucket=bucket, Key="d/a.csv")
    with pytest.raises(AssetError, match=r"object not found \(deleted since it was listed"):
        list(assets[0].batches())
    assert [b.num_rows for b in assets[1].batches()] == [1]


def test_large_object_deleted_mid_scan_is_an_asset_error(s3_bucket, s3_env: str) -> None:
    body = b"email\n" + b"".join(f"p{i}@example.org\n".encode() for i in range(120_000))
    bucket, client = s3_bucket({"big.csv": body})
    [asset] = FileConnector(f"s3://{bucket}/big.csv", Config(endpoint_url=s3_env)).assets()
    client.delete_object(Bucket=bucket, Key="big.csv")
    with pytest.raises(AssetError, match="object not found"):
        list(asset.batches())


@pytest.mark.parametrize(("source", "reason"), [
    ("s3://no-such-bucket-piiscan/prefix", "no such bucket, object or prefix"),
    ("s3://{bucket}/no/such/prefix", "no such bucket, object or prefix"),
])
def test_missing_bucket_or_prefix_is_a_source_error(s3_bucket, s3_env: str, source: str,
                                                    reason: str) -> None:
    bucket, _ = s3_bucket({"a.csv": b"a\n1\n"})
    with pytest.raises(SourceError, match=reason):
        FileConnector(source.format(bucket=bucket), Config(endpoint_url=s3_env))


def test_unreachable_endpoint_is_a_source_error_in_the_inventory(s3_env: str) -> None:
    from s3 import free_port

    config = Config(endpoint_url=f"http://127.0.0.1:{free_port()}", progress=False)
    started = time.monotonic()
    inventory = Scanner(config, detectors=[]).scan(["s3://some-bucket/data"])
    assert time.monotonic() - started < 60
    [error] = inventory.errors
    assert error.asset is None and "cannot reach s3://some-bucket/data" in error.reason
    assert inventory.assets == ()


@pytest.mark.parametrize(("source", "extra"), [
    ("gs://bucket/prefix", "gcs"), ("az://container/prefix", "azure"),
])
def test_missing_fsspec_implementation_names_the_extra(source: str, extra: str) -> None:
    import importlib.util

    module = {"gcs": "gcsfs", "azure": "adlfs"}[extra]
    if importlib.util.find_spec(module) is not None:
        pytest.skip(f"{module} is installed here")
    from piiscan.install import install_command

    with pytest.raises(UsageError, match=re.escape(install_command(extra))):
        FileConnector(source, Config())


def test_other_fsspec_protocols_use_the_same_connector() -> None:
    import fsspec

    fs = fsspec.filesystem("memory")
    fs.pipe({"/piiscan-mem/d/a.csv": b"email\nx@example.org\n",
             "/piiscan-mem/d/t.txt": b"hello\n"})
    try:
        assets = list(FileConnector("memory://piiscan-mem/d", Config()).assets())
        assert [(a.name, a.kind) for a in assets] == [("a.csv", "file"), ("t.txt", "text")]
        assert list(assets[1].lines()) == ["hello"]
    finally:
        fs.rm("/piiscan-mem", recursive=True)


# -- sampling ------------------------------------------------------------------------------
def big_parquet(groups: int = 40, rows_per_group: int = 2_000) -> bytes:
    n = groups * rows_per_group
    table = pa.table({
        "id": pa.array(range(n), pa.int64()),
        "email": [f"person{i}@example.com" for i in range(n)],
        "note": [f"free text note number {i} " * 3 for i in range(n)],
    })
    return parquet_bytes(table, row_group_size=rows_per_group, compression="none")


def test_sampling_a_large_parquet_reads_few_row_groups(s3_bucket, s3_env: str) -> None:
    body = big_parquet()
    bucket, _ = s3_bucket({"big.parquet": body})
    source = f"s3://{bucket}/big.parquet"

    [asset] = FileConnector(source, Config(endpoint_url=s3_env, sample_rows=2000)).assets()
    assert [c.name for c in asset.columns()] == ["id", "email", "note"]
    ids = [i for b in asset.batches() for i in b.column("id").to_pylist()]
    assert len(ids) == 2000
    assert min(ids) < 2_000 and max(ids) >= 78_000  # first and last row groups
    assert asset.bytes_read < len(body) * 0.1
    assert any(n.startswith("sampled: 2000 rows from 2 of 40 row groups") for n in asset.notes)

    full = Config(endpoint_url=s3_env, full=True)
    [whole] = FileConnector(source, full).assets()
    assert sum(b.num_rows for b in whole.batches()) == 80_000
    assert whole.bytes_read >= len(body) * 0.9 and not whole.notes


def test_sampling_a_large_csv_reads_a_bounded_prefix(s3_bucket, s3_env: str) -> None:
    body = b"email,city\n" + b"".join(
        f"someone{i}@example.org,Leeds\n".encode() for i in range(300_000))
    bucket, _ = s3_bucket({"big.csv": body})
    config = Config(endpoint_url=s3_env, sample_rows=500)
    [asset] = FileConnector(f"s3://{bucket}/big.csv", config).assets()
    assert sum(b.num_rows for b in asset.batches()) == 500
    assert asset.bytes_read < len(body) * 0.4
    assert "sampled: first 500 rows (--full reads everything)" in asset.notes

    by_bytes = Config(endpoint_url=s3_env, sample_rows=10**9, sample_bytes=100_000)
    [asset] = FileConnector(f"s3://{bucket}/big.csv", by_bytes).assets()
    rows = sum(b.num_rows for b in asset.batches())
    assert 3_000 < rows < 4_000  # ~100 kB of ~30-byte rows, whole rows only
    assert any("stopped after about 100000 bytes" in n for n in asset.notes)


# -- retries -------------------------------------------------------------------------------
class Flaky:
    """A real callable that fails ``failures`` times with ``exc`` and then answers."""

    def __init__(self, failures: int, exc: BaseException) -> None:
        self.failures = failures
        self.exc = exc
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.exc
        return "ok"


SLOW_DOWN = OSError(errno.EBUSY, "Please reduce your request rate.")


@pytest.mark.parametrize(("exc", "transient"), [
    (SLOW_DOWN, True),
    (OSError(errno.EREMOTEIO, "We encountered an internal error."), True),
    (TimeoutError("read timed out"), True),
    (ConnectionResetError(), True),
    (FileNotFoundError("NoSuchKey"), False),
    (PermissionError("AccessDenied"), False),
    (OSError(errno.EINVAL, "InvalidRange"), False),
    (ValueError("bad"), False),
])
def test_transient_errors(exc: BaseException, transient: bool) -> None:
    assert is_transient(exc) is transient


def test_retry_backs_off_exponentially_then_succeeds() -> None:
    waits: list[float] = []
    flaky = Flaky(3, SLOW_DOWN)
    assert retry_transient(flaky, attempts=4, base_delay=0.5, sleep=waits.append) == "ok"
    assert (flaky.calls, waits) == (4, [0.5, 1.0, 2.0])


def test_retry_gives_up_and_permanent_errors_are_not_retried() -> None:
    waits: list[float] = []
    flaky = Flaky(10, SLOW_DOWN)
    with pytest.raises(OSError):
        retry_transient(flaky, attempts=3, base_delay=0.1, max_delay=0.15, sleep=waits.append)
    assert (flaky.calls, waits) == (3, [0.1, 0.15])
    denied = Flaky(1, PermissionError("AccessDenied"))
    with pytest.raises(PermissionError):
        retry_transient(denied, sleep=waits.append)
    assert denied.calls == 1


@pytest.mark.parametrize(("exc", "reason"), [
    (FileNotFoundError("NoSuchKey"), "object not found"),
    (PermissionError("AccessDenied"), "access denied"),
    (OSError(errno.EINVAL, "InvalidRange"), "cannot read object: InvalidRange"),
])
def test_object_errors_are_short_reasons(exc: BaseException, reason: str) -> None:
    assert reason in str(object_error(exc))
    with pytest.raises(AssetError, match=reason):
        guarded(Flaky(1, exc))


class FlakyStream(io.BytesIO):
    """A real stream whose every second read fails once with SlowDown."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads = 0

    def read(self, n: int | None = -1) -> bytes:
        self.reads += 1
        if self.reads % 2 == 0:
            super().read(1)  # a failed read may leave the position anywhere
            raise SLOW_DOWN
        return super().read(n)


class _Named(Blob):
    name = "x.bin"

    def open(self):  # pragma: no cover - not used
        raise NotImplementedError


def test_counting_reader_retries_reads_from_where_they_started() -> None:
    data = bytes(range(256)) * 40
    blob = _Named()
    waits: list[float] = []
    reader = CountingReader(FlakyStream(data), blob,
                            lambda fn: retry_transient(fn, sleep=waits.append))
    out = b""
    while chunk := reader.read(1000):
        out += chunk
    assert out == data and blob.bytes_read == len(data)
    assert waits and set(waits) == {0.25}  # one retry per failed read


def test_file_asset_exposes_bytes_read(tmp_path) -> None:
    (tmp_path / "a.csv").write_bytes(b"a\n1\n")
    [asset] = FileConnector(str(tmp_path), Config()).assets()
    assert isinstance(asset, FileAsset)
    assert asset.size == 4 and asset.fingerprint and asset.fingerprint.startswith("4-")
    list(asset.batches())
    assert asset.bytes_read >= 4
