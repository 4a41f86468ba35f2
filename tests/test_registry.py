"""Plugins load through entry points; a broken one is isolated unless asked for by name."""

from __future__ import annotations

import logging
from importlib.metadata import EntryPoint

import pytest

from piiscan.errors import PluginError
from piiscan.plugins import Connector, Detector, Reporter
from piiscan.registry import Registry, default_registry


def ep(name: str, value: str, group: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=group)


def test_builtins_register_through_the_projects_entry_point_groups() -> None:
    assert set(default_registry.names("connector")) >= {"sql", "files"}
    assert set(default_registry.names("detector")) >= {"presidio", "column_names"}
    assert set(default_registry.names("reporter")) >= {"json", "table"}
    for kind, base in (("connector", Connector), ("detector", Detector), ("reporter", Reporter)):
        for name, cls in default_registry.all(kind).items():
            assert issubclass(cls, base), name
            assert cls.name == name


def test_broken_plugin_is_isolated_with_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    registry = Registry(
        {
            "reporter": [
                ep("json", "piiscan.reports.json_reporter:JsonReporter", "piiscan.reporters"),
                ep("broken", "piiscan_no_such_module:Thing", "piiscan.reporters"),
            ]
        }
    )
    with caplog.at_level(logging.WARNING):
        loaded = registry.all("reporter")
        registry.all("reporter")
    assert list(loaded) == ["json"]
    assert sum("broken" in r.getMessage() for r in caplog.records) == 1
    with pytest.raises(PluginError, match="failed to load"):
        registry.get("reporter", "broken")
    infos = {i.name: i for i in registry.describe()}
    assert infos["json"].loaded and not infos["broken"].loaded


def test_unknown_plugin_names_the_available_ones() -> None:
    registry = Registry(
        {
            "reporter": [
                ep("json", "piiscan.reports.json_reporter:JsonReporter", "piiscan.reporters")
            ]
        }
    )
    with pytest.raises(PluginError, match=r"unknown reporter 'xml' \(available: json\)"):
        registry.get("reporter", "xml")
