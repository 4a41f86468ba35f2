#!/usr/bin/env python3
"""Regenerate the reporters' golden files in tests/golden/ from the reporter test modules.

Run after an intended change of a report's output, then review ``git diff tests/golden``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
# reporters, data classification matrix, Art. 30 record, per-prefix summary, gate outputs
MODULES = (
    "test_reporters",
    "test_reporters_formats",
    "test_matrix",
    "test_ropa",
    "test_prefix_summary",
    "test_gate_outputs",
)


def main() -> int:
    sys.path.insert(0, str(TESTS))  # the test modules import each other, as under pytest
    golden = TESTS / "golden"
    golden.mkdir(exist_ok=True)
    for name in MODULES:
        spec = importlib.util.spec_from_file_location(name, TESTS / f"{name}.py")
        if spec is None or spec.loader is None:
            print(f"cannot load tests/{name}.py", file=sys.stderr)
            return 1
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for file, text in module.golden_outputs().items():
            (golden / file).parent.mkdir(parents=True, exist_ok=True)
            (golden / file).write_text(text, encoding="utf-8")
            print(f"wrote {(golden / file).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
