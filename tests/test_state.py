"""Incremental rescans: the state file, what it reuses, what it refuses, what it never keeps.

Two sources: real directories through the files connector (the issue's acceptance test:
a rescan after changing one file reads only that file), and ``mem://`` objects from a
small in-test connector that counts every read, so the pipeline's carry-over logic is
checked on its own.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest

from piiscan.config import Config
from piiscan.detectors.presidio_detector import PresidioDetector
from piiscan.errors import AssetError, ConfigError
from piiscan.masking import EvidenceEncoder
from piiscan.model import AssetResult, FieldResult, Inventory, TextFinding
from piiscan.plugins import Asset, Connector
from piiscan.policy import load_policy
from piiscan.registry import Registry
from piiscan.reports.loading import validate_inventory_dict
from piiscan.scanning.events import Event
from piiscan.scanning.scanner import Scanner
from piiscan.state import ScanState, settings_digest

EMAILS = [f"person{i}.private@example.com" for i in range(8)]
RULES = Config(spacy_model="none", ignore_reserved=False)  # example.com: counted as real
DETECTORS = [PresidioDetector(RULES)]

# -- an in-memory object store whose connector counts reads ---------------------------
#: bucket → object name → (text, fingerprint)
STORE: dict[str, dict[str, tuple[str, str | None]]] = {}
READS: list[str] = []


class _MemObject(Asset):
    kind = "text"

    def __init__(self, name: str, text: str, fingerprint: str | None) -> None:
        self.name = name
        self.notes = []
        self.fingerprint = fingerprint
        self.size = len(text.encode("utf-8"))
        self._text = text

    def lines(self) -> Iterator[str]:
        READS.append(self.name)
        if self._text.startswith("UNREADABLE"):
            raise AssetError("cannot read object")
        self.bytes_read = self.size
        yield from self._text.splitlines()


class MemConnector(Connector):
    """``mem://BUCKET``: the objects of ``STORE[BUCKET]``, sorted by name."""

    name = "mem"

    @classmethod
    def accepts(cls, source: str) -> bool:
        return source.startswith("mem://")

    def assets(self) -> Iterator[Asset]:
        bucket = STORE[self.source.removeprefix("mem://")]
        for name in sorted(bucket):
            text, fingerprint = bucket[name]
            yield _MemObject(name, text, fingerprint)


REGISTRY = Registry(
    {
        "connector": [
            EntryPoint("mem", f"{__name__}:MemConnector", "piiscan.connectors"),
            EntryPoint("files", "piiscan.connectors.files:FileConnector", "piiscan.connectors"),
        ],
    }
)


@pytest.fixture(autouse=True)
def _fresh_store() -> Iterator[None]:
    STORE.clear()
    READS.clear()
    yield
    STORE.clear()
    READS.clear()


def scan(
    state: Path, source: str, events: list[Event] | None = None, **settings: Any
) -> Inventory:
    """One scan with the state file at ``state`` (opened from the config, then closed)."""
    config = RULES.with_overrides(state_path=str(state), **settings)
    sink = events.append if events is not None else None
    scanner = Scanner(config, registry=REGISTRY, detectors=DETECTORS, on_event=sink)
    try:
        return scanner.scan([source])
    finally:
        assert scanner.state is not None
        scanner.state.close()


def by_name(inventory: Inventory) -> dict[str, AssetResult]:
    return {a.asset: a for a in inventory.assets}


def carried(inventory: Inventory) -> set[str]:
    return {a.asset for a in inventory.assets if a.carried_over}


def email_text(n: int = 3) -> str:
    return "".join(f"Write to {e} please.\n" for e in EMAILS[:n])


# -- the state file itself ----------------------------------------------------------------
def _result(source: str = "s3://bucket") -> AssetResult:
    finding = TextFinding("EMAIL_ADDRESS", 1, 9, 30, 0.9, "p***@example.com")
    body = FieldResult("(text)", "text", "personal", 3, 0, categories=("identifiers",),
                       sensitivity="high", gdpr="personal", findings=())
    return AssetResult(source, "a/b.txt", "text", 3, True, (body,), (finding,),
                       ("identifiers",), "high", "personal", (), 120, 120)


def test_record_then_lookup_round_trips_across_reopening(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with ScanState.open(path, "digest-1") as state:
        assert state.lookup("s3://bucket", "a/b.txt", "etag-1") is None
        state.record("s3://bucket", "a/b.txt", "etag-1", _result())
    with ScanState.open(path, "digest-1") as state:
        assert state.lookup("s3://bucket", "a/b.txt", "etag-1") == _result()
        assert state.lookup("s3://bucket", "a/b.txt", "etag-2") is None
        assert state.lookup("s3://other", "a/b.txt", "etag-1") is None
    with ScanState.open(path, "digest-2") as state:  # other settings: nothing reused
        assert state.lookup("s3://bucket", "a/b.txt", "etag-1") is None


def test_source_urls_are_stored_masked(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    url = "s3://bucket?secret_key=Sup3rS3cret"
    with ScanState.open(path, "d") as state:
        state.record(url, "a/b.txt", "etag", _result(url))
        assert state.lookup(url, "a/b.txt", "etag") is not None
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT source, result FROM objects").fetchall()
    conn.close()
    assert rows and all("Sup3rS3cret" not in s + r for s, r in rows)


def _not_sqlite(path: Path) -> None:
    path.write_bytes(b"this is not a database, just some bytes " * 40)


def _foreign_db(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER, email TEXT)")
    conn.close()


def _newer_format(path: Path) -> None:
    with ScanState.open(path, "d"):
        pass
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE piiscan_state SET value = '99' WHERE key = 'format'")
    conn.close()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_not_sqlite, "not a readable piiscan state file"),
        (_foreign_db, "not a piiscan state file"),
        (_newer_format, "has format 99"),
        (lambda p: p.mkdir(), "is a directory"),
    ],
)
def test_unusable_state_file_is_a_config_error_and_left_alone(
    tmp_path: Path, make: Any, message: str
) -> None:
    path = tmp_path / "state.db"
    make(path)
    before = path.read_bytes() if path.is_file() else None
    with pytest.raises(ConfigError, match=message):
        ScanState.open(path, "d")
    with pytest.raises(ConfigError, match=message):  # the scanner opens it up front
        Scanner(RULES.with_overrides(state_path=str(path)), detectors=DETECTORS)
    if before is not None:
        assert path.read_bytes() == before


def test_cli_exits_2_on_a_corrupt_state_file(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from piiscan.cli import cli

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.txt").write_text(email_text())
    state = tmp_path / "state.db"
    _not_sqlite(state)
    result = CliRunner().invoke(
        cli, ["scan", str(tmp_path / "data"), "--state", str(state), "--spacy-model", "none",
              "--no-progress"],
    )
    assert result.exit_code == 2
    assert "Error:" in result.stderr and "state file" in result.stderr
    assert "Traceback" not in result.stderr


def test_settings_digest_depends_on_what_shapes_a_verdict_but_never_holds_the_key() -> None:
    policy = load_policy()
    base = settings_digest(RULES, policy, ["presidio"], EvidenceEncoder())
    assert base == settings_digest(RULES, policy, ["presidio"], EvidenceEncoder())
    assert base != settings_digest(RULES, policy, ["presidio", "extra"], EvidenceEncoder())
    assert base != settings_digest(RULES.with_overrides(min_score=0.7), policy, ["presidio"],
                                   EvidenceEncoder())
    keyed = RULES.with_overrides(evidence="hash")
    one = settings_digest(keyed, policy, [], EvidenceEncoder("hash", b"key-one"))
    assert one == settings_digest(keyed, policy, [], EvidenceEncoder("hash", b"key-one"))
    assert one != settings_digest(keyed, policy, [], EvidenceEncoder("hash", b"key-two"))
    # a plugin's options shape its verdicts: changing them rescans everything
    tuned = replace(RULES, plugin_tables={"plugins": {"employee_ids": {"prefix": "EMP"}}})
    assert base != settings_digest(tuned, policy, ["presidio"], EvidenceEncoder())


# -- carry-over in the pipeline (mem:// objects, reads counted) ---------------------------
def test_only_new_or_changed_objects_are_read(tmp_path: Path) -> None:
    STORE["b"] = {"a.txt": (email_text(), "e1"), "logs/x.txt": ("nothing here\n", "e2")}
    first = scan(tmp_path / "s.db", "mem://b")
    assert sorted(READS) == ["a.txt", "logs/x.txt"] and not carried(first)
    READS.clear()
    STORE["b"]["logs/x.txt"] = (email_text(1), "e3")
    STORE["b"]["new.txt"] = ("plain words\n", "e4")
    events: list[Event] = []
    second = scan(tmp_path / "s.db", "mem://b", events)
    assert sorted(READS) == ["logs/x.txt", "new.txt"]
    assert carried(second) == {"a.txt"}
    assert [e.asset for e in events if e.kind == "unchanged"] == ["a.txt"]
    kept = by_name(second)["a.txt"]
    assert kept.bytes_read == 0 and kept.size_bytes == len(email_text().encode())
    assert replace_flags(kept) == replace_flags(by_name(first)["a.txt"])
    assert by_name(second)["logs/x.txt"].sensitivity == "high"


def replace_flags(a: AssetResult) -> dict[str, Any]:
    """An asset's verdict without the per-run facts (bytes read, carried over)."""
    d = a.to_dict()
    for key in ("bytes_read", "carried_over", "size_bytes"):
        d.pop(key, None)
    return d


def test_objects_without_a_fingerprint_are_always_read(tmp_path: Path) -> None:
    STORE["b"] = {"a.txt": (email_text(), None)}
    scan(tmp_path / "s.db", "mem://b")
    second = scan(tmp_path / "s.db", "mem://b")
    assert READS == ["a.txt", "a.txt"] and not carried(second)


def test_failed_objects_are_not_cached_and_are_retried(tmp_path: Path) -> None:
    STORE["b"] = {"a.txt": ("UNREADABLE\n", "e1")}
    first = scan(tmp_path / "s.db", "mem://b")
    assert [e.asset for e in first.errors] == ["a.txt"]
    second = scan(tmp_path / "s.db", "mem://b")  # same version: tried again
    assert [e.asset for e in second.errors] == ["a.txt"]
    assert READS == ["a.txt", "a.txt"]


def _policy(tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "policy.yaml"
    path.write_text("entities:\n  EMAIL_ADDRESS: {categories: [identifiers], level: medium}\n")
    return {"policy_path": str(path)}


@pytest.mark.parametrize(
    "change",
    [
        lambda tmp: {"min_score": 0.6},
        lambda tmp: {"sample_rows": 10},
        lambda tmp: {"evidence": "none"},
        lambda tmp: {"evidence": "hash", "hash_key": b"another key"},
        _policy,
    ],
    ids=["min_score", "sample_rows", "evidence", "hash_key", "policy"],
)
def test_changed_settings_invalidate_every_cached_result(tmp_path: Path, change: Any) -> None:
    STORE["b"] = {"a.txt": (email_text(), "e1")}
    base = {"evidence": "hash", "hash_key": b"the key"}
    scan(tmp_path / "s.db", "mem://b", **base)
    assert carried(scan(tmp_path / "s.db", "mem://b", **base)) == {"a.txt"}
    changed = scan(tmp_path / "s.db", "mem://b", **{**base, **change(tmp_path)})
    assert not carried(changed)
    assert READS == ["a.txt", "a.txt"]


def test_an_ephemeral_hash_key_never_reuses_results(tmp_path: Path) -> None:
    STORE["b"] = {"a.txt": (email_text(), "e1")}
    scan(tmp_path / "s.db", "mem://b", evidence="hash")
    assert not carried(scan(tmp_path / "s.db", "mem://b", evidence="hash"))


def _state_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


@pytest.mark.parametrize(
    ("settings", "absent"),
    [
        ({"evidence": "masked"}, []),
        ({"evidence": "hash", "hash_key": b"Hush-Key-0042"}, [b"Hush-Key-0042", b"@example.com"]),
        ({"evidence": "none"}, [b"@example.com"]),
    ],
)
def test_state_file_never_holds_raw_values_or_the_hash_key(
    tmp_path: Path, settings: dict[str, Any], absent: list[bytes]
) -> None:
    STORE["b"] = {"a.txt": (email_text(8), "e1")}
    inv = scan(tmp_path / "s.db", "mem://b", **settings)
    assert by_name(inv)["a.txt"].sensitivity == "high"
    raw = _state_bytes(tmp_path / "s.db")
    assert b"EMAIL_ADDRESS" in raw  # the verdict is there…
    for value in [e.encode() for e in EMAILS] + [b"person0", b"private"] + absent:
        assert value not in raw  # …the values are not


# -- real directories (files connector): the acceptance test ------------------------
@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    (root / "hr").mkdir(parents=True)
    (root / "people.csv").write_text("id,email\n" + "".join(f"{i},{e}\n"
                                                           for i, e in enumerate(EMAILS)))
    (root / "notes.txt").write_text(email_text(2))
    (root / "hr" / "codes.csv").write_text("code\n" + "".join(f"X-{i:04d}\n" for i in range(9)))
    return root


def _require_fingerprints(folder: Path) -> None:
    from piiscan.connectors.files import FileConnector

    assets = list(FileConnector(str(folder), RULES).assets())
    missing = [a.name for a in assets if a.fingerprint is None]
    assert not missing, (
        f"the files connector gives no fingerprint for {missing}: incremental rescans need "
        "Asset.fingerprint (size and mtime) from piiscan.connectors.files"
    )


def _rewrite_keeping_size_and_mtime(path: Path, text: str) -> None:
    """New content of the same length with the old mtime: invisible to the fingerprint,
    so a rescan that showed the new content would have read the file."""
    st = path.stat()
    old = path.read_text()
    path.write_text(text[: len(old)].ljust(len(old), "\n"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def _touch_later(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def test_rescan_after_changing_one_file_reads_only_that_file(
    tmp_path: Path, folder: Path
) -> None:
    _require_fingerprints(folder)
    state = tmp_path / "state.db"
    first = scan(state, str(folder))
    assert sorted(by_name(first)) == ["hr/codes.csv", "notes.txt", "people.csv"]
    assert not carried(first)
    assert by_name(first)["people.csv"].sensitivity == "high"

    # notes.txt changes; people.csv is replaced behind the fingerprint's back (same size
    # and mtime, no emails any more): if it were read, its verdict would change.
    (folder / "notes.txt").write_text("nothing personal in here any more\n")
    _touch_later(folder / "notes.txt")
    _rewrite_keeping_size_and_mtime(folder / "people.csv", "id,code\n" + "1,abc\n" * 400)
    events: list[Event] = []
    second = scan(state, str(folder), events)
    assert carried(second) == {"hr/codes.csv", "people.csv"}
    assert sorted(e.asset for e in events if e.kind == "unchanged") == [
        "hr/codes.csv", "people.csv"
    ]
    assert by_name(second)["people.csv"].sensitivity == "high"  # the old verdict, unread
    assert by_name(second)["notes.txt"].sensitivity is None  # the new content, read
    assert all(by_name(second)[n].bytes_read == 0 for n in ("hr/codes.csv", "people.csv"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unchanged_unreadable_file_is_not_opened(tmp_path: Path, folder: Path) -> None:
    _require_fingerprints(folder)
    state = tmp_path / "state.db"
    scan(state, str(folder))
    target = folder / "people.csv"
    st = target.stat()
    target.chmod(0)
    try:
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
        second = scan(state, str(folder))
    finally:
        target.chmod(0o644)
    assert not second.errors
    assert "people.csv" in carried(second)


def test_a_deleted_file_disappears_from_the_next_inventory(tmp_path: Path, folder: Path) -> None:
    _require_fingerprints(folder)
    state = tmp_path / "state.db"
    scan(state, str(folder))
    (folder / "notes.txt").unlink()
    second = scan(state, str(folder))
    assert sorted(by_name(second)) == ["hr/codes.csv", "people.csv"]
    assert carried(second) == {"hr/codes.csv", "people.csv"}


def test_rescanned_inventory_is_valid_and_summarises_by_prefix(
    tmp_path: Path, folder: Path
) -> None:
    _require_fingerprints(folder)
    state = tmp_path / "state.db"
    scan(state, str(folder))
    data = scan(state, str(folder)).to_dict()
    validate_inventory_dict(data)
    prefixes = {g["prefix"]: g for g in data["summary"]["by_prefix"]}
    assert set(prefixes) == {"", "hr"}
    assert prefixes[""]["carried_over"] == 2 and prefixes[""]["bytes_read"] == 0
    raw = _state_bytes(state)
    assert not any(e.encode() in raw for e in EMAILS)
