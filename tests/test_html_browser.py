"""The HTML report in a real headless Chromium: it renders, logs no console error, shows data.

Skipped without Chromium (Debian package ``chromium``), failed when CI=true. Set
``PIISCAN_TEST_ARTIFACTS`` to a folder to keep the screenshot for a look.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from conftest import _require

from piiscan.config import Config
from piiscan.demo import build_demo
from piiscan.model import Inventory
from piiscan.reports.html_reporter import render
from piiscan.scanning.scanner import Scanner

TIMEOUT = 60
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CONSOLE_ERROR = re.compile(r"CONSOLE.*(ERROR|Uncaught)|Uncaught|Refused to", re.IGNORECASE)


def find_chromium() -> str | None:
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    _require(path is not None, "chromium not found (Debian package: chromium)")
    assert path is not None
    return path


@pytest.fixture(scope="module")
def demo_inventory(tmp_path_factory: pytest.TempPathFactory) -> Inventory:
    """A realistic inventory: the demo database and files, scanned with rules only."""
    paths = build_demo(tmp_path_factory.mktemp("demo"))
    # as `piiscan demo`: its reserved-range data counted as real
    scanner = Scanner(Config(spacy_model="none", hash_key=b"test-key", ignore_reserved=False))
    return scanner.scan([f"sqlite:///{paths.database}", str(paths.files)])


@pytest.fixture(scope="module")
def page(demo_inventory: Inventory, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render(demo_inventory), encoding="utf-8")
    return path


def run_chromium(chromium: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC, "not a PNG file"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_screenshot_renders_without_console_errors(
    chromium: str, page: Path, tmp_path: Path
) -> None:
    shot = tmp_path / "shot.png"
    result = run_chromium(
        chromium, tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri()
    )
    assert result.returncode == 0, result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if CONSOLE_ERROR.search(line)]
    assert errors == []
    data = shot.read_bytes()
    assert png_size(data) == (1280, 2000)
    assert len(data) > 50_000  # a blank page compresses to a few kilobytes
    keep = os.environ.get("PIISCAN_TEST_ARTIFACTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, Path(keep) / "html_report.png")


def test_dom_shows_the_most_sensitive_asset_first(
    chromium: str, page: Path, demo_inventory: Inventory, tmp_path: Path
) -> None:
    result = run_chromium(chromium, tmp_path, "--dump-dom", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    top = next(a for a in demo_inventory.assets if a.sensitivity == "very_high")
    assert "Very high" in dom and 'class="badge very_high"' in dom
    drill = dom.index("Assets, most sensitive first")
    assert top.asset in dom[drill:]
    first_details = dom.index("<details", drill)
    assert "very_high" in dom[first_details : dom.index("</summary>", first_details)]
    assert "<svg" in dom and 'class="heat"' in dom
