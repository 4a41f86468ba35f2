"""A plugin's own config section: ``[piiscan.plugins.<name>]`` (or the kind's table)
reaches the plugin as its options and never selects; ``detectors = [...]`` selects."""

from __future__ import annotations

from pathlib import Path

import pytest

from piiscan.config import Config, load_config
from piiscan.errors import ConfigError
from piiscan.registry import Registry, build_detectors, check_plugin_tables

BUILTINS = Registry.builtins()


def config_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "piiscan.toml"
    path.write_text('[piiscan]\nspacy_model = "none"\n' + text, encoding="utf-8")
    return path


def detector_names(config: Config) -> list[str]:
    return [d.name for d in build_detectors(config, BUILTINS)]


def test_a_detector_table_is_options_and_selects_nothing(tmp_path: Path) -> None:
    """Regression: ``[piiscan.detectors.column_names]`` turned ``detectors`` into a dict,
    which selected column_names alone and switched presidio off without a word."""
    config = load_config(config_file(tmp_path, (
        "[piiscan.detectors.column_names]\nextra_words = ['kundennr']\n"
    )), env={})
    assert config.detectors == ()
    assert detector_names(config) == ["column_names", "presidio"]
    assert config.plugin_options("column_names", "detector") == {"extra_words": ["kundennr"]}
    [column_names] = [d for d in build_detectors(config, BUILTINS) if d.name == "column_names"]
    assert column_names.options == {"extra_words": ["kundennr"]}


def test_a_detectors_list_still_selects(tmp_path: Path) -> None:
    config = load_config(config_file(tmp_path, 'detectors = ["column_names"]\n'), env={})
    assert config.detectors == ("column_names",)
    assert detector_names(config) == ["column_names"]


@pytest.mark.parametrize(("tables", "kind", "expected"), [
    ("[piiscan.plugins.x]\na = 1\nb = 2\n", "detector", {"a": 1, "b": 2}),
    ("[piiscan.plugins.x]\na = 1\nb = 2\n[piiscan.detectors.x]\nb = 3\n", "detector",
     {"a": 1, "b": 3}),  # the kind's table over the plugin's
    ("[piiscan.plugins.x]\na = 1\n[piiscan.detectors.x]\nb = 3\n", "connector", {"a": 1}),
    ("[piiscan.connectors.x]\nurl = 'u'\n", "connector", {"url": "u"}),
    ("[piiscan.reporters.x]\nwidth = 80\n", "reporter", {"width": 80}),
    ("[piiscan.formats.x]\nsep = '|'\n", "format", {"sep": "|"}),
    ("[piiscan.formats.x]\nsep = '|'\n", None, {}),
    ("", "detector", {}),
])
def test_plugin_options(tmp_path: Path, tables: str, kind: str | None, expected: dict) -> None:
    config = load_config(config_file(tmp_path, tables), env={})
    options = config.plugin_options("x", kind)
    assert options == expected
    with pytest.raises(TypeError):
        options["new"] = 1  # type: ignore[index]  # read-only


def test_options_are_never_shown(tmp_path: Path) -> None:
    config = load_config(config_file(tmp_path, (
        "[piiscan.plugins.column_names]\napi_token = 'tok-9f8e7d'\n"
    )), env={})
    assert "tok-9f8e7d" not in repr(config)
    assert "tok-9f8e7d" not in str(config.public_settings())
    hash(config)  # options are left out of the hash, not a reason it fails


@pytest.mark.parametrize(("tables", "message"), [
    ("[piiscan.plugins.nosuch]\na = 1\n", r"no plugin 'nosuch' is installed \(installed: "
     r"column_names, csv, files, html, json, markdown, parquet, prefixes, presidio, sql, table\)"),
    ("[piiscan.detectors.nosuch]\na = 1\n",
     r"\[piiscan.detectors.nosuch\].*no detector 'nosuch'.*\(installed: column_names, presidio\)"),
    ("[piiscan.detectors.sql]\na = 1\n", r"no detector 'sql'"),  # a connector, not a detector
    ("[piiscan.connectors.nosuch]\na = 1\n", r"\(installed: files, sql\)"),
])
def test_a_table_naming_a_plugin_not_installed_is_a_config_error(
    tmp_path: Path, tables: str, message: str
) -> None:
    config = load_config(config_file(tmp_path, tables), env={})
    with pytest.raises(ConfigError, match=message):
        check_plugin_tables(config, BUILTINS)
    with pytest.raises(ConfigError, match=message):
        build_detectors(config, BUILTINS)  # a scan fails before any detector is built


@pytest.mark.parametrize(("text", "message"), [
    ('plugins = ["presidio"]\n', "plugins: give each plugin's options as a table"),
    ("[piiscan.detectors]\npresidio = 1\n", r"a list, detectors = \[...\], selects"),
    ("[piiscan.plugins]\npresidio = 'x'\n", "as a table"),
])
def test_a_malformed_plugin_table_is_a_config_error(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(config_file(tmp_path, text), env={})
