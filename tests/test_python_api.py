"""The public Python API (``piiscan.scan``, ``load_inventory``, ``render``, ``Scanner`` …)
and ``python -m piiscan``: what they accept, that they are typed for mypy, that ``import
piiscan`` stays light, and that ``render`` writes what the CLI writes."""

from __future__ import annotations

import csv
import dataclasses
import importlib
import io
import json
import os
import re
import subprocess
import sys
import typing
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import piiscan
from piiscan.api import ScanSettings
from piiscan.cli import cli
from piiscan.config import Config
from piiscan.errors import ConfigError, PluginError, UsageError
from piiscan.model import Inventory

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = {"Config", "Inventory", "Scanner", "__version__", "load_config", "load_inventory",
          "load_policy", "render", "scan"}
#: Top-level modules ``import piiscan`` must not load (each costs a second or more).
HEAVY = {"spacy", "thinc", "presidio_analyzer", "presidio_anonymizer", "pyarrow", "sqlalchemy",
         "click", "fsspec"}
#: Reserved values (example.com, 555-01xx): the scans count them as real.
ROWS = [("name", "email", "phone"),
        ("Ada Example", "ada@example.com", "+1 202-555-0142"),
        ("Ben Sample", "ben@example.org", "+1 202-555-0187"),
        ("Cy Test", "cy@example.net", "+1 202-555-0123"),
        ("Di Demo", "di@example.com", "+1 202-555-0199"),
        ("Ed Placeholder", "ed@example.com", "+1 202-555-0111"),
        ("Flo Mock", "flo@example.org", "+1 202-555-0164")]
RAW = [value for row in ROWS[1:] for value in row]


def people_csv(folder: Path) -> Path:
    path = folder / "people.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(ROWS)
    return path


def run_python(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """This interpreter in a subprocess, rule-only (no model), piiscan's plugins only."""
    env = {**os.environ, "PIISCAN_SPACY_MODEL": "none", "PIISCAN_PLUGINS": "builtin"}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A JSON inventory written by the CLI (rule-only scan of people.csv)."""
    folder = tmp_path_factory.mktemp("saved")
    people_csv(folder)
    done = run_python("-m", "piiscan", "scan", "people.csv", "--no-default-allow-list",
                      "-f", "json", "-o", "inventory.json", cwd=folder)
    assert done.returncode == 0, done.stderr
    return folder / "inventory.json"


# -- the names ------------------------------------------------------------------------
def test_all_lists_exactly_the_public_names_and_each_resolves() -> None:
    assert set(piiscan.__all__) == PUBLIC
    assert set(dir(piiscan)) >= PUBLIC
    for name in piiscan.__all__:
        assert getattr(piiscan, name) is not None, name
    namespace: dict[str, object] = {}
    exec("from piiscan import *", namespace)
    assert set(namespace) - {"__builtins__"} == PUBLIC


@pytest.mark.parametrize(
    ("name", "home"),
    [("scan", "piiscan.api"), ("render", "piiscan.api"),
     ("load_inventory", "piiscan.reports.loading"), ("Scanner", "piiscan.scanning.scanner"),
     ("Config", "piiscan.config"), ("load_config", "piiscan.config"),
     ("load_policy", "piiscan.policy"), ("Inventory", "piiscan.model")],
)
def test_each_public_name_is_the_object_of_its_home_module(name: str, home: str) -> None:
    assert getattr(piiscan, name) is getattr(importlib.import_module(home), name)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'scanner'"):
        piiscan.scanner  # type: ignore[attr-defined]  # the point: no such name  # noqa: B018


def test_import_piiscan_loads_no_heavy_library(tmp_path: Path) -> None:
    """Nor does looking the functions up: they import the scanner when called."""
    code = ("import json, sys, piiscan\n"
            "before = sorted(sys.modules)\n"
            "piiscan.scan, piiscan.render, piiscan.load_inventory, piiscan.Config\n"
            "print(json.dumps([before, sorted(sys.modules)]))\n")
    done = run_python("-c", code, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    before, after = json.loads(done.stdout)
    assert "piiscan.api" not in before and "piiscan.api" in after
    assert {m.split(".")[0] for m in before} & HEAVY == set()
    assert {m.split(".")[0] for m in after} & HEAVY == set()


def test_scan_settings_are_the_config_fields() -> None:
    """``piiscan.scan(..., **settings)`` is typed by ScanSettings: a new Config field
    goes there too."""
    assert typing.get_type_hints(ScanSettings) == typing.get_type_hints(Config)
    assert list(ScanSettings.__annotations__) == [f.name for f in dataclasses.fields(Config)]


def test_mypy_sees_the_real_types(tmp_path: Path) -> None:
    """mypy over the package as installed resolves the lazy names to their real types;
    a misspelt or mistyped setting is an error (the ignores must be used)."""
    pytest.importorskip("mypy")
    snippet = tmp_path / "uses_piiscan.py"
    snippet.write_text(
        "import io\n"
        "from typing import assert_type\n"
        "import piiscan\n"
        "from piiscan.config import Config\n"
        "from piiscan.model import Inventory\n"
        "from piiscan.policy import Policy\n"
        "from piiscan.scanning.scanner import Scanner\n"
        "inventory = piiscan.scan(['data'], piiscan.Config(), sample_rows=10)\n"
        "assert_type(inventory, Inventory)\n"
        "assert_type(piiscan.scan('data'), piiscan.Inventory)\n"
        "assert_type(piiscan.render(inventory, 'json'), str)\n"
        "assert_type(piiscan.load_inventory(io.StringIO('{}')), Inventory)\n"
        "assert_type(piiscan.load_config(), Config)\n"
        "assert_type(piiscan.load_policy(), Policy)\n"
        "with piiscan.Scanner(piiscan.Config()) as scanner:\n"
        "    assert_type(scanner, Scanner)\n"
        "    assert_type(scanner.scan(['data']), Inventory)\n"
        "piiscan.scan('data', sampel_rows=10)  # type: ignore[call-arg]\n"
        "piiscan.scan('data', sample_rows='10')  # type: ignore[arg-type]\n"
        "piiscan.nothing_of_that_name.upper()  # type: ignore[attr-defined]\n",
        encoding="utf-8",
    )
    tree = tmp_path / "tree"
    laid = run_python(str(ROOT / "scripts/package_tree.py"), "tree", str(tree), cwd=tmp_path)
    assert laid.returncode == 0, laid.stderr
    done = run_python("-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
                      "--cache-dir", str(tmp_path / "cache"), str(snippet), cwd=tree)
    assert done.returncode == 0, done.stdout + done.stderr


# -- scan -----------------------------------------------------------------------------
def _fields(inventory: Inventory) -> dict[str, str | None]:
    return {f.name: f.sensitivity for a in inventory.assets for f in a.fields}


@pytest.mark.parametrize(
    "given",
    [lambda p: str(p), lambda p: p, lambda p: [p], lambda p: (str(p),), lambda p: iter([p])],
    ids=["str", "Path", "[Path]", "(str,)", "iterator"],
)
def test_scan_takes_one_source_or_several(tmp_path: Path, given: Callable[[Path], object]) -> None:
    path = people_csv(tmp_path)
    inventory = piiscan.scan(given(path), spacy_model="none")  # type: ignore[arg-type]
    assert [a.asset for a in inventory.assets] == ["people.csv"]
    assert len(inventory.sources) == 1 and inventory.sources[0].endswith("people.csv")


def test_settings_override_the_config(tmp_path: Path) -> None:
    path = people_csv(tmp_path)
    config = Config(spacy_model="none")
    counted = piiscan.scan(path, config, ignore_reserved=False)
    set_aside = piiscan.scan(path, config)
    assert _fields(counted)["email"] == "high" and _fields(set_aside)["email"] is None
    assert counted.settings["ignore_reserved"] is False and config.ignore_reserved is True


@pytest.mark.parametrize(
    ("sources", "settings", "error", "message"),
    [([], {}, UsageError, "give at least one source"),
     (["nope://x"], {}, UsageError, "unknown database type 'nope'"),
     (["people.csv"], {"sample_rowz": 3}, ConfigError, "unknown setting"),
     (["people.csv"], {"evidence": "plain"}, ConfigError, "evidence must be one of")],
)
def test_scan_raises_usage_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sources: list[str],
    settings: dict[str, object], error: type[Exception], message: str
) -> None:
    people_csv(tmp_path)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error, match=message):
        piiscan.scan(sources, Config(spacy_model="none"), **settings)  # type: ignore[arg-type]


def test_a_source_that_cannot_be_opened_is_an_error_entry(tmp_path: Path) -> None:
    inventory = piiscan.scan([people_csv(tmp_path), tmp_path / "missing"], spacy_model="none")
    assert [(e.source.endswith("missing"), e.asset) for e in inventory.errors] == [(True, None)]
    assert inventory.summary["complete"] is False and inventory.assets[0].complete


# -- render ---------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["json", "table", "markdown", "csv", "html", "prefixes"])
def test_render_writes_what_the_cli_report_writes(saved: Path, fmt: str) -> None:
    result = CliRunner().invoke(cli, ["report", str(saved), "-f", fmt])
    assert result.exit_code == 0, result.output
    assert piiscan.render(piiscan.load_inventory(saved), fmt) == result.stdout


def test_render_holds_no_raw_value(saved: Path) -> None:
    inventory = piiscan.load_inventory(saved)
    assert _fields(inventory) == {"name": "high", "email": "high", "phone": "high"}
    for fmt in ("json", "table", "markdown", "csv", "html"):
        text = piiscan.render(inventory, fmt)
        assert not [v for v in RAW if v in text], fmt


def test_render_to_a_path_and_to_streams(saved: Path, tmp_path: Path) -> None:
    inventory = piiscan.load_inventory(saved)
    text = piiscan.render(inventory, "markdown")
    assert piiscan.render(inventory, "markdown", tmp_path / "r.md") == text
    assert (tmp_path / "r.md").read_text(encoding="utf-8") == text
    as_text, as_bytes = io.StringIO(), io.BytesIO()
    piiscan.render(inventory, "markdown", as_text)
    piiscan.render(inventory, "markdown", as_bytes)
    assert as_text.getvalue() == as_bytes.getvalue().decode("utf-8") == text


def test_render_parquet_needs_a_binary_target(saved: Path, tmp_path: Path) -> None:
    inventory = piiscan.load_inventory(saved)
    for target in (None, io.StringIO()):
        with pytest.raises(UsageError, match="parquet report is binary data"):
            piiscan.render(inventory, "parquet", target)
    assert piiscan.render(inventory, "parquet", tmp_path / "r.parquet") == ""
    stream = io.BytesIO()
    piiscan.render(inventory, "parquet", stream)
    from_path = pq.read_table(tmp_path / "r.parquet")
    assert from_path.num_rows == 3
    assert from_path.equals(pq.read_table(io.BytesIO(stream.getvalue())))


def test_render_an_unknown_format_names_the_known_ones(saved: Path) -> None:
    with pytest.raises(PluginError, match=r"unknown reporter 'nope' \(available: csv, ") as raised:
        piiscan.render(piiscan.load_inventory(saved), "nope")
    assert {"json", "table", "markdown", "parquet"} <= set(str(raised.value)[:-1].split(", "))


# -- load_inventory -------------------------------------------------------------------
def test_load_inventory_takes_a_path_or_an_open_file(saved: Path) -> None:
    expected = piiscan.load_inventory(saved).to_dict()
    assert piiscan.load_inventory(str(saved)).to_dict() == expected
    with saved.open(encoding="utf-8") as text, saved.open("rb") as binary:
        assert piiscan.load_inventory(text).to_dict() == expected
        assert piiscan.load_inventory(binary).to_dict() == expected
    assert json.loads(piiscan.render(piiscan.load_inventory(saved), "json")) == expected


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"\xff\xfe ada@example.com", "is not an inventory file (not UTF-8 text)"),
     (b'{"assets": [], "schema_version": ', "is not valid JSON"),
     (b'["ada@example.com"]', "is not a piiscan inventory")],
)
def test_load_inventory_from_a_stream_names_it_and_never_echoes_it(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "given.json"
    path.write_bytes(content)
    with path.open("rb") as fh, pytest.raises(UsageError, match=re.escape(message)) as raised:
        piiscan.load_inventory(fh)
    assert str(path) in str(raised.value) and "ada@" not in str(raised.value)
    with pytest.raises(UsageError, match=re.escape(f"the inventory stream {message}")):
        piiscan.load_inventory(io.BytesIO(content))


# -- python -m piiscan ----------------------------------------------------------------
def test_python_m_piiscan_version(tmp_path: Path) -> None:
    done = run_python("-m", "piiscan", "--version", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (0, f"piiscan, version {piiscan.__version__}\n")


@pytest.mark.parametrize(
    ("args", "code"),
    [(["scan", "people.csv", "-f", "json"], 0),
     # --jobs: spawned workers import the main module again, and must not run the CLI
     (["scan", "people.csv", "--full", "--jobs", "2", "-f", "json", "--fail-on", "high"], 1),
     (["scan", "missing.csv", "-f", "json"], 2),
     (["scan", "people.csv", "-f", "nope"], 2)],
    ids=["scan", "fail-on with --jobs", "missing path", "unknown format"],
)
def test_python_m_piiscan_runs_the_cli(tmp_path: Path, args: list[str], code: int) -> None:
    people_csv(tmp_path)
    done = run_python("-m", "piiscan", *args, cwd=tmp_path)
    assert done.returncode == code, done.stderr
    if code < 2:
        inventory = json.loads(done.stdout)
        assert [a["asset"] for a in inventory["assets"]] == ["people.csv"]
        assert not [v for v in RAW if v in done.stdout + done.stderr]
    else:
        assert "Error: " in done.stderr
