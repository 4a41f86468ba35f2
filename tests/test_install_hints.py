"""Install hints name our distribution (never PyPI's unrelated ``piiscan``) and match how
piiscan was installed: an editable checkout, a local folder or wheel, or an index."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from piiscan.install import (
    DISTRIBUTION,
    Installation,
    _from_direct_url,
    install_command,
    installation,
)

ROOT = Path(__file__).resolve().parents[1]
PIP = f"{sys.executable} -m pip install"


def test_the_distribution_name_is_ours_not_the_unrelated_pypi_project() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == DISTRIBUTION == "piiscan-inventory"
    assert project["scripts"]["piiscan"] == "piiscan.cli:main"  # the command keeps its name


@pytest.mark.parametrize(
    ("direct_url", "expected"),
    [
        ({"url": "file:///src/piiscan", "dir_info": {"editable": True}},
         Installation("editable", "/src/piiscan")),
        ({"url": "file:///src/piiscan", "dir_info": {}}, Installation("local", "/src/piiscan")),
        ({"url": "file:///tmp/piiscan_inventory-0.1.0-py3-none-any.whl",
          "archive_info": {"hashes": {}}},
         Installation("local", "/tmp/piiscan_inventory-0.1.0-py3-none-any.whl")),
        ({"url": "https://example.org/p.whl", "archive_info": {}}, None),  # an index or URL
        ({"no": "url"}, None),
    ],
)
def test_direct_url_json_says_where_from(direct_url: dict, expected: Installation | None) -> None:
    assert _from_direct_url(json.dumps(direct_url)) == expected


@pytest.mark.parametrize(
    ("how", "extra", "command"),
    [
        (Installation("editable", "/src/piiscan"), "s3", f"{PIP} -e '/src/piiscan[s3]'"),
        (Installation("local", "/src/piiscan"), "postgresql", f"{PIP} '/src/piiscan[postgresql]'"),
        (Installation("local", "/w/piiscan_inventory-0.1.0-py3-none-any.whl"), "documents",
         f"{PIP} '/w/piiscan_inventory-0.1.0-py3-none-any.whl[documents]'"),
        (Installation("index"), "spark", f"{PIP} 'piiscan-inventory[spark]'"),
        (Installation("index"), None, f"{PIP} piiscan-inventory"),
    ],
)
def test_install_command_matches_the_installation(
    how: Installation, extra: str | None, command: str
) -> None:
    assert install_command(extra, how) == command


def test_this_checkout_is_recognised_as_editable() -> None:
    assert installation() == Installation("editable", str(ROOT))


#: Files users read or that print hints: none may tell them to install PyPI's ``piiscan``
#: (the CHANGELOG's earlier entries quote the commands of their day).
HINT_FILES = [
    *(p for p in ROOT.glob("*.md") if p.name != "CHANGELOG.md"),
    *ROOT.glob("docs/*.md"), *ROOT.glob("piiscan/**/*.py"),
    *ROOT.glob("connectors/**/*.py"), *ROOT.glob("detectors/**/*.py"),
    *ROOT.glob("reports/**/*.py"), *ROOT.glob("scripts/*"), ROOT / ".pre-commit-hooks.yaml",
]
WRONG_HINT = re.compile(
    r"pip install\s+['\"]?piiscan(?![-\w])|install piiscan\[|pip install en_core"
)


@pytest.mark.parametrize("path", HINT_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_hint_installs_someone_elses_package(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    assert not WRONG_HINT.findall(text), f"{path}: {WRONG_HINT.findall(text)}"


def test_a_wheel_install_gets_a_hint_for_a_wheel_install(tmp_path: Path) -> None:
    """Build the real wheel, install it (no dependencies: those of this venv serve) in a
    folder put first on the path, and ask for an extra it lacks: the hint names our
    distribution in the form that reinstalls from that wheel."""
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(dist), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )
    [wheel] = dist.glob("piiscan_inventory-*.whl")
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
         str(wheel)],
        check=True, capture_output=True, timeout=300,
    )
    probe = (
        "import piiscan, piiscan.install as i; "
        "print(piiscan.__file__); print(i.install_command('gcs'))"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True,
        check=True, timeout=120,
    ).stdout.splitlines()
    assert out[0].startswith(str(target))  # the wheel's copy, not this checkout
    assert out[1] == f"{PIP} '{wheel}[gcs]'"
