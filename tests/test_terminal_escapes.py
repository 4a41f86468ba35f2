"""Issue 19, item 19: names with terminal escape sequences. A file named
``\\x1b[8mhidden.csv`` printed raw turns on concealed text: the findings after it vanish
from the terminal. Every human output escapes control and reordering characters with one
function (:func:`piiscan.terminal.printable`): the table report, ``warning:``/``Error:``
lines and library log lines, the progress line, the ``--fail-on`` listing and the gate's
text output."""

from __future__ import annotations

import io
import logging
import re
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_reporters import small_inventory

from piiscan.cli import cli
from piiscan.commands.messages import _LowerCaseLevel
from piiscan.gate.findings import GateFinding, GateResult, SkippedFile
from piiscan.gate.text_output import render as render_gate
from piiscan.model import ScanError
from piiscan.reports.table_reporter import TableReporter
from piiscan.terminal import printable, printable_lines

HOSTILE = ["\x1b[8mhidden", "\x1b]0;title\x07", "a\rb", "\x9b31m", "x\u202ey", "two\nlines",
           "\u2066iso\u2069", "nul\x00"]
#: What no output line may contain: C0 controls but the line break, DEL, C1 controls and
#: the Unicode format characters that reorder text.
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                 "\u2066-\u2069]")


@pytest.mark.parametrize("name", HOSTILE)
def test_printable_shows_every_control_character(name: str) -> None:
    shown = printable(name)
    assert not RAW.search(shown) and "\n" not in shown
    assert shown == printable(shown)  # nothing left to escape
    assert printable("plain name.csv") == "plain name.csv"


def test_printable_lines_keeps_line_breaks_only() -> None:
    assert printable_lines("a\x1b[8mb\nc\rd") == "a\\x1b[8mb\nc\\x0dd"


@pytest.mark.parametrize("name", HOSTILE)
def test_table_report_escapes_names_notes_and_reasons(name: str) -> None:
    base = small_inventory()
    asset = replace(base.assets[0], asset=f"dir/{name}.csv", notes=(f"note {name}",),
                    fields=tuple(replace(f, name=f"{name}_col") for f in base.assets[0].fields))
    inventory = replace(base, assets=(asset, *base.assets[1:]), warnings=(f"w {name}",),
                        errors=(ScanError("src", f"e/{name}", f"reason {name}"),))
    buf = io.StringIO()
    TableReporter().write(inventory, buf)
    text = buf.getvalue()
    assert not RAW.search(text)
    assert f"dir/{printable(name)}.csv" in text
    assert f"e/{printable(name)}: reason {printable(name)}" in text


def test_log_lines_are_escaped() -> None:
    record = logging.LogRecord("piiscan", logging.WARNING, __file__, 1,
                               "cannot read %s", ("\x1b[8mx.csv",), None)
    line = _LowerCaseLevel("%(levelname_lower)s: %(message)s").format(record)
    assert line == "warning: cannot read \\x1b[8mx.csv"


def test_gate_text_output_is_escaped() -> None:
    finding = GateFinding(path="data/\x1b[8mp.csv", line=2, column=1, end_column=9,
                          entity_type="EMAIL_ADDRESS", categories=("contact",), level="medium",
                          score=0.9, evidence="j***@corp.com", fingerprint="f")
    result = GateResult(base="origin/main", base_commit=None, head="HEAD", files_scanned=1,
                        lines_scanned=3, findings=(finding,),
                        skipped=(SkippedFile("bin/\x1b]0;t\x07", "binary"),),
                        notes=("note \u202eevil",))
    text = render_gate(result)
    assert not RAW.search(text)
    assert "data/\\x1b[8mp.csv:2:1: MEDIUM EMAIL_ADDRESS" in text


@pytest.fixture
def hostile_tree(tmp_path: Path) -> Path:
    root = tmp_path / "src"
    root.mkdir()
    (root / "\x1b[8mhidden.csv").write_text("email\n" + "".join(
        f"p{i}@corp-mail.com\n" for i in range(10)))
    (root / "\x1b]0;owned\x07bad.parquet").write_bytes(b"PAR1garbagePAR1")
    (root / "ok.txt").write_text("nothing here\n")
    return root


def test_cli_scan_output_progress_warnings_and_fail_on_are_escaped(hostile_tree: Path) -> None:
    result = CliRunner().invoke(cli, ["scan", str(hostile_tree), "--spacy-model", "none",
                                      "--format", "table", "--progress", "--fail-on", "low"])
    assert result.exit_code == 1, result.output
    out, err = result.stdout, result.stderr
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b[8mhidden.csv" in out
    # stderr: the progress line rewrites itself with \r (its own), nothing else raw
    assert not RAW.search(err.replace("\r", ""))
    assert "\\x1b]0;owned\\x07bad.parquet" in err  # the error warning, escaped
    assert "fail-on low:" in err and "\\x1b[8mhidden.csv" in err.split("fail-on low:")[1]


def test_cli_error_line_is_escaped(tmp_path: Path) -> None:
    missing = tmp_path / "no\x1b[8msuch"
    result = CliRunner().invoke(cli, ["scan", str(missing), "--spacy-model", "none"])
    assert result.exit_code == 2
    assert "Error:" in result.stderr and "\x1b" not in result.stderr
    assert "no\\x1b[8msuch" in result.stderr
