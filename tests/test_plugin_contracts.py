"""The built-in plugins pass the conformance kit third-party plugins are tested with
(:mod:`piiscan.testing`): the sql and files connectors, the presidio and column-name
detectors, and every built-in reporter."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from piiscan.connectors.files import FileConnector
from piiscan.connectors.sql import SqlConnector
from piiscan.detectors.column_names import ColumnNameDetector
from piiscan.detectors.presidio_detector import PresidioDetector
from piiscan.reports.csv_reporter import CsvReporter
from piiscan.reports.html_reporter import HtmlReporter
from piiscan.reports.json_reporter import JsonReporter
from piiscan.reports.markdown_reporter import MarkdownReporter
from piiscan.reports.parquet_reporter import ParquetReporter
from piiscan.reports.prefixes_reporter import PrefixesReporter
from piiscan.reports.table_reporter import TableReporter
from piiscan.testing import ConnectorContract, DetectorContract, ReporterContract

ROWS = 10


def _database(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE people (id INTEGER, email TEXT)")
        conn.executemany(
            "INSERT INTO people VALUES (?, ?)", [(i, f"p{i}@example.com") for i in range(ROWS)]
        )
        # a view over a table dropped later: reading it fails
        conn.execute("CREATE TABLE gone (x TEXT)")
        conn.execute("CREATE VIEW broken AS SELECT x FROM gone")
    conn.close()
    return path


class TestSqlConnectorContract(ConnectorContract):
    connector_class = SqlConnector

    def make_source(self, tmp_path: Path) -> str:
        return f"sqlite:///{_database(tmp_path / 'shop.db')}"

    def make_unreadable_source(self, tmp_path: Path) -> str:
        path = _database(tmp_path / "broken.db")
        with sqlite3.connect(path) as conn:
            conn.execute("DROP TABLE gone")
        conn.close()
        return f"sqlite:///{path}"

    def make_source_with_password(self, tmp_path: Path) -> tuple[str, str]:
        path = _database(tmp_path / "locked.db")
        return f"sqlite://reader:hunter2-sql@/{path}", "hunter2-sql"


class TestFileConnectorContract(ConnectorContract):
    connector_class = FileConnector

    def make_source(self, tmp_path: Path) -> str:
        (tmp_path / "people.csv").write_text(
            "id,email\n" + "".join(f"{i},p{i}@example.com\n" for i in range(ROWS))
        )
        (tmp_path / "notes.txt").write_text("".join(f"line {i}\n" for i in range(ROWS)))
        return str(tmp_path)

    def make_unreadable_source(self, tmp_path: Path) -> str:
        (tmp_path / "people.csv").write_text("id\n1\n")
        (tmp_path / "broken.parquet").write_bytes(b"PAR1" + b"\x00" * 64)
        return str(tmp_path)


class TestPresidioDetectorContract(DetectorContract):
    detector_class = PresidioDetector
    examples = (
        ("write to jane.roe@corp-mail.com today", "EMAIL_ADDRESS"),
        ("card 4532 0151 1283 0366", "CREDIT_CARD"),
        ("from 203.0.113.7", "IP_ADDRESS"),
    )


class TestColumnNameDetectorContract(DetectorContract):
    detector_class = ColumnNameDetector


class TestJsonReporterContract(ReporterContract):
    reporter_class = JsonReporter


class TestTableReporterContract(ReporterContract):
    reporter_class = TableReporter


class TestCsvReporterContract(ReporterContract):
    reporter_class = CsvReporter


class TestParquetReporterContract(ReporterContract):
    reporter_class = ParquetReporter


class TestMarkdownReporterContract(ReporterContract):
    reporter_class = MarkdownReporter


class TestHtmlReporterContract(ReporterContract):
    reporter_class = HtmlReporter


class TestPrefixesReporterContract(ReporterContract):
    reporter_class = PrefixesReporter


def test_a_lone_surrogate_beside_an_address_is_read_with_offsets_kept(ner_scanner) -> None:
    """A badly escaped JSON value ("\\udfff@…") used to crash spaCy's tokenizer and turn
    the whole asset into an error; now the surrogate reads as U+FFFD, same offsets."""
    text = "\udfff jane.roe@corp-mail.com"
    detector = next(d for d in ner_scanner.detectors if isinstance(d, PresidioDetector))
    spans = detector.analyze([text], field=None)[0]
    emails = [s for s in spans if s.entity_type == "EMAIL_ADDRESS"]
    assert [(s.start, s.end) for s in emails] == [(2, len(text))]
