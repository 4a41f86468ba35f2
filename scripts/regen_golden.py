#!/usr/bin/env python3
"""Regenerate the reporters' golden files in tests/golden/ from tests/test_reporters.py.

Run after an intended change of the JSON or table output, then review ``git diff tests/golden``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"


def main() -> int:
    spec = importlib.util.spec_from_file_location("test_reporters", TESTS / "test_reporters.py")
    if spec is None or spec.loader is None:
        print("cannot load tests/test_reporters.py", file=sys.stderr)
        return 1
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    golden = TESTS / "golden"
    golden.mkdir(exist_ok=True)
    for name, text in module.golden_outputs().items():
        (golden / name).write_text(text, encoding="utf-8")
        print(f"wrote {(golden / name).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
