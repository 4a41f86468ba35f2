"""Issue 18 replayed end to end: scripts/replay_issue18.py installs a fresh clone of this
repository (no ../shared beside it) in a new virtual environment and checks every expected
behaviour of the issue against that installed ``piiscan``, once rule-only and once with
the shared NER model. Each run takes a minute or two."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "replay_issue18.py"


def replay(*args: str) -> list[str]:
    """Run the replay with this interpreter's packages; its check lines, all PASS."""
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=900,
        cwd=ROOT, stdin=subprocess.DEVNULL,
    )
    report = f"{proc.stdout[-8000:]}\n{proc.stderr[-3000:]}"
    checks = [ln for ln in proc.stdout.splitlines() if ln.startswith(("PASS ", "FAIL "))]
    assert proc.returncode == 0, report
    assert checks and all(ln.startswith("PASS ") for ln in checks), report
    assert f"{len(checks)} checks, {len(checks)} passed, 0 failed" in proc.stdout, report
    return checks


def test_replay_without_a_model() -> None:
    checks = replay()
    ids = {ln.split()[1] for ln in checks}
    # The behaviours of a user without a model (the default outside this repository).
    assert {"1.anonymize-refuses-free-text", "1.anonymize-allow-rule-only",
            "3.rescan-database-copy", "all.no-raw-values"} <= ids


@pytest.mark.ner
def test_replay_with_the_model(spacy_model: str) -> None:
    checks = replay("--model", spacy_model)
    ids = {ln.split()[1] for ln in checks}
    assert {"1.anonymize-with-model", "1.anonymize-documents-with-model",
            "3.rescan-database-copy", "all.no-raw-values"} <= ids


@pytest.mark.parametrize(
    "args",
    [("--model", "/nonexistent/model"), ("--deps", "pip"), ("--jobs", "0")],
    ids=["model-not-a-dir", "unknown-deps", "no-jobs"],
)
def test_a_usage_error_exits_2_before_any_work(args: tuple[str, ...]) -> None:
    proc = subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2
    assert not proc.stdout
