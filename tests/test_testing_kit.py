"""The conformance kit (piiscan.testing) catches the broken plugins it is there for: each
check, run on a plugin that breaks its rule, fails."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pytest

from piiscan.config import Config
from piiscan.connectors.sql import SqlConnector
from piiscan.model import Inventory, Span
from piiscan.plugins import Asset, Connector, Detector
from piiscan.reports.json_reporter import JsonReporter
from piiscan.testing import ConnectorContract, DetectorContract, ReporterContract
from piiscan.testing.detector import check_spans
from piiscan.testing.hostile_text import hostile_texts

CONFIG = Config(spacy_model="none")


# -- detectors --------------------------------------------------------------------------
class OneListShort(Detector):
    name = "short"

    def analyze(self, texts: Sequence[str], *, field: str | None = None) -> list[list[Span]]:
        return [[] for _ in texts][1:]


class PastTheEnd(Detector):
    name = "past_the_end"

    def analyze(self, texts: Sequence[str], *, field: str | None = None) -> list[list[Span]]:
        return [[Span("PERSON", 0, len(t) + 1, 0.9)] for t in texts]


class Undeclared(Detector):
    name = "undeclared"

    def analyze(self, texts: Sequence[str], *, field: str | None = None) -> list[list[Span]]:
        return [[Span("SHOE_SIZE", 0, len(t), 0.9)] if t else [] for t in texts]


class ChokesOnSurrogates(Detector):
    name = "chokes"

    def analyze(self, texts: Sequence[str], *, field: str | None = None) -> list[list[Span]]:
        return [[] for t in texts if t.encode("utf-8") or True]


@pytest.mark.parametrize(("found", "message"), [
    ([[]], "1 span lists for 2 texts"),
    ([[], {}], "not a list"),
    ([[], [Span("X", 2, 1, 0.5)]], "outside its text"),
    ([[], [Span("X", 0, 9, 0.5)]], "outside its text"),
    ([[], [Span("X", 0, 1, 1.5)]], "outside"),
    ([[], [Span("", 0, 1, 0.5)]], "no type"),
])
def test_check_spans_says_what_is_wrong(found: Any, message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        check_spans(["", "abc"], found)


@pytest.mark.parametrize(("cls", "check", "args"), [
    (OneListShort, "test_returns_one_list_per_text", ()),
    (PastTheEnd, "test_returns_one_list_per_text", ()),
    (Undeclared, "test_emits_only_types_a_policy_knows", ()),
    (ChokesOnSurrogates, "test_never_raises_on_hostile_text", ("lone high surrogate",)),
])
def test_detector_contract_fails_a_broken_detector(
    cls: type[Detector], check: str, args: tuple[str, ...]
) -> None:
    contract = type("Contract", (DetectorContract,), {"detector_class": cls})()
    with pytest.raises((AssertionError, UnicodeEncodeError)):
        getattr(contract, check)(cls(CONFIG), *args)


def test_a_known_failure_that_passes_fails_the_check() -> None:
    contract = type("Contract", (DetectorContract,), {
        "detector_class": OneListShort, "known_failures": {"empty": "it used to raise"},
    })()
    with pytest.raises(AssertionError, match="passes now: remove it from known_failures"):
        contract.test_never_raises_on_hostile_text(Undeclared(CONFIG), "empty")


@pytest.mark.parametrize("size", [1_000, 50_000])
def test_hostile_texts_grow_to_the_size_asked(size: int) -> None:
    texts = hostile_texts(size)
    assert max(len(t) for t in texts.values()) <= max(size, 2_500) + 2
    assert len(texts["huge prose"]) == len(texts["huge single token"]) == size
    assert any(0xD800 <= ord(c) <= 0xDFFF for t in texts.values() for c in t)


# -- connectors -------------------------------------------------------------------------
class _Rows(Asset):
    kind = "table"

    def __init__(self, name: str, rows: int, fail: Exception | None = None) -> None:
        self.name, self.rows, self.fail, self.notes = name, rows, fail, []

    def batches(self) -> Iterator[pa.RecordBatch]:
        if self.fail is not None:
            raise self.fail
        yield pa.record_batch({"n": list(range(self.rows))})


class Unsampled(Connector):
    """``unsampled://``: ignores sample_rows; its bad asset raises a KeyError."""

    name = "unsampled"
    schemes = ("unsampled",)

    def assets(self) -> Iterator[Asset]:
        yield _Rows("t", 50)
        if "bad" in self.source:
            yield _Rows("bad", 1, fail=KeyError("boom"))


class ShowsPassword(SqlConnector):
    name = "shows_password"

    def display_source(self) -> str:
        return self.source


class UnsampledContract(ConnectorContract):
    connector_class = Unsampled

    def make_source(self, tmp_path: Path) -> str:
        return "unsampled://x"

    def make_unreadable_source(self, tmp_path: Path) -> str:
        return "unsampled://bad"


class PasswordContract(ConnectorContract):
    connector_class = ShowsPassword

    def make_source_with_password(self, tmp_path: Path) -> tuple[str, str]:
        import sqlite3

        path = tmp_path / "x.db"
        sqlite3.connect(path).close()
        return f"sqlite://u:hunter2-kit@/{path}", "hunter2-kit"


@pytest.mark.parametrize(("contract", "check", "error"), [
    (UnsampledContract, "test_streams_arrow_batches_within_sample_rows", AssertionError),
    (UnsampledContract, "test_an_unreadable_asset_is_an_error_not_a_crash", KeyError),
    (PasswordContract, "test_shows_no_password", AssertionError),
])
def test_connector_contract_fails_a_broken_connector(
    tmp_path: Path, contract: type[ConnectorContract], check: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        getattr(contract(), check)(tmp_path)


# -- reporters --------------------------------------------------------------------------
class QuotesItsSources(JsonReporter):
    """Adds "context" to the report: the first lines of every file it was scanned from."""

    name = "quotes"

    def write(self, inventory: Inventory, out: IO[str]) -> None:
        super().write(inventory, out)
        for source in inventory.sources:
            for path in sorted(Path(source).glob("*")):
                out.write(path.read_text(encoding="utf-8")[:200])


def test_reporter_contract_fails_a_reporter_that_writes_raw_values(tmp_path: Path) -> None:
    contract = type("Contract", (ReporterContract,), {"reporter_class": QuotesItsSources})()
    with pytest.raises(AssertionError, match="raw values in the report"):
        contract.test_renders_a_scan_without_a_raw_value(tmp_path)
