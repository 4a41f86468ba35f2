"""The pipeline keeps going: a failing discovery or asset is recorded, never fatal."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import pyarrow as pa

from piiscan.config import Config
from piiscan.plugins import Asset, Connector
from piiscan.registry import Registry
from piiscan.scanning.scanner import Scanner


class _Table(Asset):
    kind = "table"

    def __init__(self, name: str, fail: Exception | None = None) -> None:
        self.name = name
        self.fail = fail

    def batches(self) -> Iterator[pa.RecordBatch]:
        if self.fail:
            raise self.fail
        yield pa.record_batch({"email": [f"u{i}@example.com" for i in range(10)]})


class FlakyConnector(Connector):
    """``flaky://N``: yields two tables (the second fails), then discovery breaks."""

    name = "flaky"

    @classmethod
    def accepts(cls, source: str) -> bool:
        return source.startswith("flaky://")

    def assets(self) -> Iterator[Asset]:
        yield _Table("good")
        yield _Table("bad", fail=KeyError("boom"))
        raise OSError("listing interrupted")


def test_failures_are_recorded_and_the_scan_goes_on(tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text("email\n" + "a@example.com\n" * 6)
    registry = Registry(
        {
            "connector": [
                EntryPoint("flaky", f"{__name__}:FlakyConnector", "piiscan.connectors"),
                EntryPoint("files", "piiscan.connectors.files:FileConnector", "piiscan.connectors"),
            ],
            "detector": [
                EntryPoint(
                    "presidio",
                    "piiscan.detectors.presidio_detector:PresidioDetector",
                    "piiscan.detectors",
                )
            ],
        }
    )
    scanner = Scanner(Config(spacy_model="none"), registry=registry)
    inventory = scanner.scan(["flaky://x", str(tmp_path)])
    assert sorted(a.asset for a in inventory.assets) == ["good", "people.csv"]
    errors = {(e.asset, e.reason) for e in inventory.errors}
    assert ("bad", "internal error: KeyError: '***'") in errors  # a key may be a value
    assert (None, "OSError: listing interrupted") in errors
