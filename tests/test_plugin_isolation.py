"""The tests see piiscan's own plugins only (``PIISCAN_PLUGINS=builtin``, set in
conftest.py), whatever else is installed: scripts/test.sh installs the example plugin
package, and the golden tests must not see it."""

from __future__ import annotations

import os
from importlib.metadata import EntryPoint, PackageNotFoundError, distribution

import pytest

from piiscan.errors import PluginError
from piiscan.registry import Registry, builtin_only, default_registry, is_builtin

EXAMPLE = "piiscan-plugin-example"


def example_installed() -> bool:
    try:
        distribution(EXAMPLE)
    except PackageNotFoundError:
        return False
    return True


@pytest.mark.parametrize(("value", "only"), [
    (None, False), ("", False), ("all", False), ("ALL", False),
    ("builtin", True), (" Builtin ", True),
])
def test_plugins_env(value: str | None, only: bool) -> None:
    assert builtin_only({} if value is None else {"PIISCAN_PLUGINS": value}) is only


def test_a_bad_plugins_env_is_an_error() -> None:
    with pytest.raises(PluginError, match="PIISCAN_PLUGINS must be one of all, builtin"):
        builtin_only({"PIISCAN_PLUGINS": "mine"})


@pytest.mark.parametrize(("value", "builtin"), [
    ("piiscan.detectors.presidio_detector:PresidioDetector", True),
    ("piiscan.reports.json_reporter:JsonReporter", True),
    ("piiscan_plugin_example.detector:EmployeeIdDetector", False),
    ("piiscanner.x:Y", False),
    ("acme.piiscan.x:Y", False),
])
def test_is_builtin(value: str, builtin: bool) -> None:
    assert is_builtin(EntryPoint("x", value, "piiscan.detectors")) is builtin


def test_the_suite_runs_with_the_builtins_only() -> None:
    assert os.environ["PIISCAN_PLUGINS"] == "builtin"
    for kind in ("connector", "detector", "reporter", "format"):
        assert all(is_builtin(ep) for ep in default_registry.entry_points(kind)), kind


def test_an_installed_plugin_is_hidden_from_the_tests_and_seen_otherwise() -> None:
    if not example_installed():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{EXAMPLE} is not installed (scripts/test.sh installs it)")
        pytest.skip(f"{EXAMPLE} not installed (pip install -e examples/{EXAMPLE})")
    assert "employee_ids" not in default_registry.names("detector")
    assert "employee_ids" not in Registry.builtins().names("detector")
    everything = Registry(builtins=False)
    assert "employee_ids" in everything.names("detector")
    assert "roster" in everything.names("format")
    assert "roster" in everything.names("connector")


def test_injected_entry_points_are_all_seen() -> None:
    ep = EntryPoint("mine", "acme_plugins.x:Mine", "piiscan.detectors")
    assert Registry({"detector": [ep]}).names("detector") == ["mine"]
