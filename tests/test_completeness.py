"""Never a partial inventory presented as complete: ``summary.complete``/``unfinished`` and
the ``INCOMPLETE`` line of every human-readable report."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest

from piiscan.config import Config
from piiscan.detectors.presidio_detector import PresidioDetector
from piiscan.inventory_summary import incomplete_line, summarize, unfinished
from piiscan.model import Inventory, ScanError
from piiscan.reports.html_reporter import HtmlReporter
from piiscan.reports.loading import validate_inventory_dict
from piiscan.reports.markdown_reporter import MarkdownReporter
from piiscan.reports.table_reporter import TableReporter
from piiscan.scanning.scanner import Scanner

RULES = Config(spacy_model="none")
DB = "sqlite:///db.sqlite"


@pytest.mark.parametrize(
    ("errors", "expected", "line"),
    [
        ([], [], None),
        ([ScanError(DB, "t1", "lost")], [{"source": DB, "asset": "t1"}],
         "INCOMPLETE: 1 asset not finished"),
        ([ScanError("/data", None, "gone")], [{"source": "/data", "asset": None}],
         "INCOMPLETE: 1 asset not finished"),
        ([ScanError(DB, "t1", "a"), ScanError(DB, "t1", "b"), ScanError(DB, "t2", "c")],
         [{"source": DB, "asset": "t1"}, {"source": DB, "asset": "t2"}],
         "INCOMPLETE: 2 assets not finished"),
    ],
)
def test_unfinished_lists_each_failed_asset_once(
    errors: list[ScanError], expected: list[dict[str, str | None]], line: str | None
) -> None:
    assert unfinished(errors) == expected
    summary = summarize([], errors)
    assert summary["unfinished"] == expected
    assert summary["complete"] is (not expected)
    assert incomplete_line(errors) == line


def scan(sources: list[str]) -> Inventory:
    scanner = Scanner(RULES, detectors=[PresidioDetector(RULES)])
    return scanner.scan(sources)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "files"
    root.mkdir()
    (root / "good.csv").write_text("id,email\n1,anna.berg@example.com\n", encoding="utf-8")
    (root / "broken.parquet").write_bytes(b"PAR1 truncated")
    return root


def test_a_scan_with_an_unreadable_asset_and_source_says_it_is_incomplete(
    tmp_path: Path, folder: Path
) -> None:
    missing = f"sqlite:///{tmp_path / 'nowhere' / 'absent.db'}"
    inventory = scan([str(folder), missing])
    doc = json.loads(json.dumps(inventory.to_dict()))
    validate_inventory_dict(doc)
    assert doc["summary"]["complete"] is False
    assert doc["summary"]["unfinished"] == [
        {"source": str(folder), "asset": "broken.parquet"},
        {"source": missing, "asset": None},
    ]
    assert [a["asset"] for a in doc["assets"]] == ["good.csv"]


def test_a_clean_scan_is_complete(tmp_path: Path) -> None:
    db = tmp_path / "ok.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE people (email TEXT)")
        conn.execute("INSERT INTO people VALUES ('anna.berg@example.com')")
    conn.close()
    doc = scan([f"sqlite:///{db}"]).to_dict()
    validate_inventory_dict(doc)
    assert doc["summary"]["complete"] is True and doc["summary"]["unfinished"] == []


def render(reporter: type, inventory: Inventory) -> str:
    out = io.StringIO()
    reporter(RULES).write(inventory, out)
    return out.getvalue()


REPORTERS = [TableReporter, MarkdownReporter, HtmlReporter]


@pytest.mark.parametrize("reporter", REPORTERS)
def test_every_readable_report_says_incomplete(reporter: type, folder: Path) -> None:
    partial = scan([str(folder)])
    assert "INCOMPLETE: 1 asset not finished" in render(reporter, partial)
    (folder / "broken.parquet").unlink()
    report = render(reporter, scan([str(folder)]))
    assert "INCOMPLETE" not in report.split("Legend")[0]  # the legend explains the mark


@pytest.mark.parametrize("reporter", REPORTERS)
def test_an_older_inventory_without_the_keys_is_judged_by_its_errors(
    reporter: type, folder: Path
) -> None:
    doc = scan([str(folder)]).to_dict()
    del doc["summary"]["complete"], doc["summary"]["unfinished"]
    validate_inventory_dict(doc)
    assert "INCOMPLETE: 1 asset not finished" in render(reporter, Inventory.from_dict(doc))
