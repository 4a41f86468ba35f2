"""The core imports no concrete plugin and never the CLI (checked on the source, by AST)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = [
    "model",
    "plugins",
    "policy",
    "classification",
    "pipeline",
    "config",
    "registry",
    "masking",
    "name_scan",
    "errors",
    "detection",
    "selection",
    "install",
]
FORBIDDEN = ("piiscan.connectors", "piiscan.detectors", "piiscan.reports", "piiscan.cli")
ROOT = Path(__file__).resolve().parents[1] / "piiscan"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_no_plugin_and_no_cli(module: str) -> None:
    imported = imported_modules(ROOT / f"{module}.py")
    offending = sorted(m for m in imported if m.startswith(FORBIDDEN))
    assert offending == []


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("from piiscan.detectors.nlp import resolve_model\nimport piiscan.cli\n")
    assert {"piiscan.detectors.nlp", "piiscan.cli"} <= imported_modules(sample)
