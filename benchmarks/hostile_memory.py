"""Peak memory and time of a scan of the hostile-input corpus (tests/hostile.py).

Builds the corpus in a temporary directory, scans it (rule-only detectors) in a child
process, and prints the child's peak RSS (``getrusage(RUSAGE_CHILDREN)``), the wall time,
and the numbers of cases, assets and errors::

    .venv/bin/python benchmarks/hostile_memory.py
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
CHILD = """
import json, sys
from piiscan.config import Config
from piiscan.scanning.scanner import Scanner
root, db = sys.argv[1], sys.argv[2]
inv = Scanner(Config(spacy_model="none", progress=False)).scan([root, "sqlite:///" + db])
internal = sum("internal error" in e.reason for e in inv.errors)
print(json.dumps({"assets": len(inv.assets), "errors": len(inv.errors), "internal": internal}))
"""


def main() -> None:
    sys.path.insert(0, str(TESTS))
    from hostile import SQLITE_PATH, build_hostile_corpus

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        start = time.perf_counter()
        cases = build_hostile_corpus(root)
        built = time.perf_counter() - start
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", CHILD, str(root), str(root / SQLITE_PATH)],
                             check=True, capture_output=True, text=True).stdout
        wall = time.perf_counter() - start
    counts = json.loads(out.strip().splitlines()[-1])
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
    print(f"cases: {len(cases)} (built in {built:.1f} s)")
    print(f"assets: {counts['assets']}  errors: {counts['errors']}  "
          f"internal errors: {counts['internal']}")
    print(f"scan wall time: {wall:.1f} s  peak RSS of the scanning process: {peak_mb:.0f} MiB")


if __name__ == "__main__":
    main()
