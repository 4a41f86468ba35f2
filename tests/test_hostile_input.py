"""The hostile-input corpus (tests/hostile.py) scanned end to end: every case gives its
expected per-asset error or a bounded result, nothing crashes, the rest is still scanned,
the SQLite source is left untouched, and the 50 MB line is cut, not loaded."""

from __future__ import annotations

import hashlib
import tracemalloc
from pathlib import Path

import pytest
from hostile import SQLITE_PATH, HostileCase, build_hostile_corpus

from piiscan.config import Config
from piiscan.connectors.files import FileConnector
from piiscan.model import Inventory
from piiscan.scanning.scanner import Scanner

# the corpus's e-mails are at example.org: counted as real (--no-default-allow-list)
RULES = Config(spacy_model="none", progress=False, ignore_reserved=False)
SMALL = RULES.with_overrides(max_line_chars=1_000, sample_bytes=100_000, sample_rows=200,
                             max_text_bytes=1_000_000, max_archive_bytes=5_000_000,
                             max_archive_members=100, max_archive_depth=2)
#: Peak Python allocation allowed while scanning the 50 MB single-line file: the reader
#: holds one line cut at max_line_chars (100,000 chars), an 8 KB text buffer, a 1 MB read
#: buffer and 1 MB chunks of the UTF-8 check; the detectors see 5,000-char windows. 16 MB
#: is well above that and far below the 50 MB a whole-line read would need.
LINE_PEAK_BYTES = 16 << 20


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[HostileCase]]:
    root = tmp_path_factory.mktemp("hostile") / "root"
    return root, build_hostile_corpus(root)


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(RULES)


def _scan(scanner: Scanner, root: Path) -> Inventory:
    return scanner.scan([str(root), f"sqlite:///{root / SQLITE_PATH}"])


@pytest.fixture(scope="module")
def scanned(corpus: tuple[Path, list[HostileCase]], scanner: Scanner
            ) -> tuple[Inventory, list[HostileCase], str, str]:
    root, cases = corpus
    db = root / SQLITE_PATH
    before = _digest(db)
    inventory = _scan(scanner, root)
    return inventory, cases, before, _digest(db)


def _where(case: HostileCase) -> str:
    return "sql" if case.source == "sql" else "files"


def _check(case: HostileCase, inventory: Inventory) -> str | None:
    """Why ``case`` did not come out as expected, or None."""
    sql = case.source == "sql"

    def mine(name: str | None, source: str) -> bool:  # the asset or, in archives, a member
        return (source.startswith("sqlite") == sql and name is not None
                and (name == case.path or name.startswith(case.path + "/")))

    assets = [a for a in inventory.assets if mine(a.asset, a.source)]
    errors = [e for e in inventory.errors if mine(e.asset, e.source)]
    if case.outcome == "skipped":
        return None if not assets and not errors else "read, but should be skipped"
    if case.outcome == "error":
        if assets:
            return "scanned, but should be an error"
        if not any(case.reason in e.reason for e in errors):
            return f"no error containing {case.reason!r}: {[e.reason for e in errors]}"
        return None
    if errors:
        return f"error instead of a result: {[e.reason for e in errors]}"
    if not assets:
        return "no result"
    if case.note and not any(case.note in n for a in assets for n in a.notes):
        return f"no note containing {case.note!r}: {[a.notes for a in assets]}"
    return None


def test_corpus_is_large_and_varied(corpus: tuple[Path, list[HostileCase]]) -> None:
    _, cases = corpus
    assert len(cases) >= 90
    assert {c.outcome for c in cases} == {"error", "bounded", "skipped"}
    assert len({(c.source, c.path) for c in cases}) == len(cases)


def test_every_case_has_its_expected_outcome(scanned: tuple) -> None:
    inventory, cases, _, _ = scanned
    wrong = {f"{_where(c)}:{c.path} ({c.what})": why for c in cases
             if (why := _check(c, inventory))}
    assert not wrong


def test_no_unexpected_exception_reached_the_pipeline(scanned: tuple) -> None:
    inventory, _, _, _ = scanned
    assert not [e for e in inventory.errors if "internal error" in e.reason]
    assert all(e.asset is not None for e in inventory.errors)  # no source was lost


def test_the_rest_of_the_corpus_is_scanned(scanned: tuple) -> None:
    inventory, _, _, _ = scanned
    people = next(a for a in inventory.assets if a.asset == "normal/people.csv")
    email = next(f for f in people.fields if f.name == "email")
    assert "EMAIL_ADDRESS" in {e.type for e in email.entities}
    table = next(a for a in inventory.assets if a.asset == "people")
    assert table.rows_scanned == 20


def test_sqlite_source_is_byte_identical(scanned: tuple) -> None:
    _, _, before, after = scanned
    assert before == after


def test_small_limits_bound_every_asset(corpus: tuple[Path, list[HostileCase]]) -> None:
    root, cases = corpus
    inventory = Scanner(SMALL).scan([str(root)])
    assert not [e for e in inventory.errors if "internal error" in e.reason]
    assert all(e.asset is not None for e in inventory.errors)
    reasons = {e.asset: e.reason for e in inventory.errors}
    assert "more than 100 members" in reasons["bomb/many.zip"]
    assert any(a.startswith("bomb/deep.zip/") and "nested deeper than 2" in r
               for a, r in reasons.items())
    notes = {a.asset: a.notes for a in inventory.assets}
    assert any("cut at 1000" in n for n in notes["big/line.txt"])
    assert any("cut at 1000" in n for n in notes["csv/bigcell.csv"])
    assert "normal/people.csv" in notes
    seen = set(notes) | set(reasons)
    missing = [c.path for c in cases if c.source == "files" and c.outcome != "skipped"
               and (root / c.path).is_file()
               and not any(s == c.path or s.startswith(c.path + "/") for s in seen)]
    assert missing == []


def test_fifty_megabyte_line_is_cut_not_loaded(corpus: tuple[Path, list[HostileCase]],
                                               scanner: Scanner) -> None:
    root, _ = corpus
    path = root / "big/line.txt"
    assert path.stat().st_size >= 50 << 20
    (asset,) = FileConnector(str(path), RULES).assets()
    tracemalloc.start()
    try:
        result = scanner.scan_asset(asset, "files")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < LINE_PEAK_BYTES, f"peak {peak} bytes"
    assert any(f"cut at {RULES.max_line_chars}" in n for n in result.notes)
    assert asset.bytes_read < 60 << 20
