"""Issue 19, item 16: a detector-pack pattern that backtracks.

``piiscan packs check`` refuses repeated groups with overlapping branches from their
structure (``(?:\\$|\\$\\$)+z`` was accepted, and a 3-row CSV then took minutes: Presidio
gives a pattern 60 s per value and only logs quietly). A pattern that still slips past
the check is bounded at scan time: it runs under ``slow_patterns.PATTERN_TIMEOUT_S``,
is skipped from its first timeout on, and the asset says so in a note.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import regex
from click.testing import CliRunner
from presidio_analyzer import Pattern

from piiscan.cli import cli
from piiscan.config import Config
from piiscan.detectors import slow_patterns
from piiscan.detectors.backtracking import overlapping_alternation
from piiscan.detectors.packs import FLAGS, compile_checked, too_slow
from piiscan.detectors.slow_patterns import GuardedPatternRecognizer
from piiscan.scanning.scanner import Scanner

#: Passes both checks (no alternation the parser keeps, no probe starts with "a.b"), yet
#: backtracks exponentially on "a.b" + digits that do not end in "#".
SLIPS_THROUGH = r"a[.]b(?:\d|[0-9a])+#"
PACK = f"""\
recognizers:
  - name: SlowIds
    supported_entity: SLOW_ID
    patterns: [{{name: slow, regex: '{SLIPS_THROUGH}', score: 0.9}}]
"""
POLICY = """\
extends: default
entities:
  SLOW_ID: {categories: [identifiers], level: medium, gdpr: personal}
"""


@pytest.fixture(autouse=True)
def fresh_registry() -> Iterator[None]:
    slow_patterns.reset()
    yield
    slow_patterns.reset()


def _hostile(n: int) -> str:
    return "a.b" + "1" * n + "! a.b1#"  # the tail makes the prefilter pass


def test_the_pattern_slips_past_the_load_time_check() -> None:
    compile_checked(SLIPS_THROUGH, "test")  # no ConfigError
    assert overlapping_alternation(SLIPS_THROUGH) == ""
    assert too_slow(regex.compile(SLIPS_THROUGH, FLAGS)) == ""
    with pytest.raises(TimeoutError):
        list(regex.compile(SLIPS_THROUGH, FLAGS).finditer(_hostile(30), timeout=0.5))


def test_the_recognizer_gives_up_on_time_and_then_skips_the_pattern() -> None:
    recognizer = GuardedPatternRecognizer(
        supported_entity="SLOW_ID", patterns=[Pattern("slow", SLIPS_THROUGH, 0.9)])
    start = time.perf_counter()
    assert recognizer.analyze(_hostile(30), ["SLOW_ID"]) == []
    assert recognizer.analyze(_hostile(31), ["SLOW_ID"]) == []  # skipped: no second wait
    assert time.perf_counter() - start < 3 * slow_patterns.PATTERN_TIMEOUT_S
    [note] = slow_patterns.take_notes()
    assert "detector pack pattern 'slow'" in note and "SLOW_ID may be missed" in note
    assert slow_patterns.take_notes() == []


def test_a_fast_value_still_matches() -> None:
    recognizer = GuardedPatternRecognizer(
        supported_entity="SLOW_ID", patterns=[Pattern("slow", SLIPS_THROUGH, 0.9)])
    [found] = recognizer.analyze("id a.b12# ok", ["SLOW_ID"])
    assert (found.entity_type, found.start, found.end, found.score) == ("SLOW_ID", 3, 9, 0.9)


def test_a_scan_with_the_pattern_finishes_and_says_what_it_skipped(tmp_path: Path) -> None:
    pack = tmp_path / "pack.yaml"
    pack.write_text(PACK)
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    data = tmp_path / "codes.csv"
    with data.open("w", newline="") as fh:
        csv.writer(fh).writerows([["code"], *[[_hostile(26 + i)] for i in range(3)]])
    config = Config(spacy_model="none", progress=False, detector_packs=(str(pack),),
                    policy_path=str(policy))
    scanner = Scanner(config)
    start = time.perf_counter()
    inventory = scanner.scan([str(data)])
    assert time.perf_counter() - start < 30  # was 3 x 60 s and more
    [asset] = inventory.assets
    assert any("detector pack pattern 'slow' (recognizer SlowIds) hit its 1 s time limit"
               in n for n in asset.notes), asset.notes
    assert not inventory.errors


def test_packs_check_refuses_the_issue_pattern(tmp_path: Path) -> None:
    pack = tmp_path / "bad.yaml"
    pack.write_text(PACK.replace(SLIPS_THROUGH, r"(?:\$|\$\$)+z"))
    result = CliRunner().invoke(cli, ["packs", "check", str(pack)])
    assert result.exit_code == 2
    assert "backtracks exponentially" in result.stderr
