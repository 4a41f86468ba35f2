"""The reporter contract: it renders an empty inventory and a real one, and what it writes
holds no raw value of the scanned data (canaries planted, scanned, searched for)."""

from __future__ import annotations

import atexit
import csv
import functools
import io
import shutil
import tempfile
from pathlib import Path
from typing import Any, ClassVar

from piiscan.config import Config
from piiscan.model import Inventory
from piiscan.plugins import Reporter
from piiscan.testing.canaries import Canaries, leaks

_KEY = b"piiscan-testing-reporter-key"


def empty_inventory() -> Inventory:
    """An inventory of a scan that found nothing."""
    return Inventory(
        tool={"name": "piiscan", "version": "0"},
        settings={},
        policy={},
        detectors=(),
        sources=(),
        assets=(),
    )


@functools.cache
def canary_inventory() -> tuple[Inventory, tuple[str, ...]]:
    """A real scan (rule-only: no NER model) of a CSV table and a text file full of
    canary values, once per process; returns the inventory and the planted values."""
    from piiscan.scanning.scanner import Scanner

    canaries = Canaries()
    root = Path(tempfile.mkdtemp(prefix="piiscan-canaries-"))
    atexit.register(shutil.rmtree, root, True)  # kept while the process runs
    with (root / "people.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["name", "email", "ssn", "phone", "remark"])
        for n in range(8):
            writer.writerow(
                [canaries.name(n), canaries.email(n), canaries.ssn(n), canaries.phone(n),
                 f"reach me at {canaries.email(n + 20)}"]
            )  # fmt: skip
    (root / "notes.txt").write_text(
        "".join(
            f"Call {canaries.phone(n + 40)} or write to {canaries.email(n + 40)} "
            f"(SSN {canaries.ssn(n + 40)}).\n"
            for n in range(8)
        ),
        encoding="utf-8",
    )
    config = Config(spacy_model="none", hash_key=_KEY, ignore_reserved=False, progress=False)
    with Scanner(config) as scanner:
        inventory = scanner.scan([str(root)])
    return inventory, tuple(canaries.all)


def render(reporter: Reporter, inventory: Inventory, path: Path) -> str:
    """Write ``inventory`` with ``reporter`` to ``path`` (binary or text, as it says);
    returns the text, or ``""`` for a binary reporter."""
    if reporter.binary:
        with path.open("wb") as fh:
            reporter.write(inventory, fh)  # type: ignore[arg-type]  # binary: IO[bytes]
        return ""
    out = io.StringIO()
    reporter.write(inventory, out)
    text = out.getvalue()
    path.write_text(text, encoding="utf-8")
    return text


class ReporterContract:
    """Subclass as ``class TestMyReporter(ReporterContract)`` and set
    :attr:`reporter_class`; override :meth:`make_reporter` if it needs a config."""

    reporter_class: ClassVar[type[Reporter]]

    def make_reporter(self) -> Reporter:
        return self.reporter_class(Config(spacy_model="none"))

    def _path(self, tmp_path: Path, stem: str) -> Path:
        return tmp_path / f"{stem}{self.reporter_class.extension}"

    def test_declares_its_name_and_output(self) -> None:
        cls = self.reporter_class
        assert isinstance(cls.name, str) and cls.name, "a reporter needs a name (--format)"
        assert isinstance(cls.binary, bool)
        assert isinstance(cls.extension, str) and cls.extension.startswith("."), cls.extension

    def test_renders_an_empty_inventory(self, tmp_path: Path) -> None:
        path = self._path(tmp_path, "empty")
        render(self.make_reporter(), empty_inventory(), path)
        assert path.stat().st_size > 0, "nothing written for an empty inventory"

    def test_renders_a_scan_without_a_raw_value(self, tmp_path: Path) -> None:
        inventory, planted = canary_inventory()
        assert inventory.assets, "the canary scan found no asset"
        path = self._path(tmp_path, "report")
        text = render(self.make_reporter(), inventory, path)
        found: list[tuple[str, Any]] = leaks(planted, texts=[text] if text else [], paths=[path])
        assert not found, f"raw values in the report: {sorted({w for w, _ in found})}"
        empty = self._path(tmp_path, "empty")
        render(self.make_reporter(), empty_inventory(), empty)
        assert path.read_bytes() != empty.read_bytes(), "the scan renders as an empty inventory"
