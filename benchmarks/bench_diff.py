"""Time ``piiscan diff`` on a branch of 50 changed files / 5,000 added lines.

Builds a throwaway repository (code, CSVs with some personal data, logs), then runs the
installed ``piiscan diff`` as a subprocess (start-up included), best of 3, rule-only
unless ``--ner`` is given. The aim: under 2 s in rule-only mode.

    .venv/bin/python benchmarks/bench_diff.py [--ner MODEL_PATH] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FILES = 50
LINES = 5_000
GIT_ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env=GIT_ENV, check=True, capture_output=True)


def _code(rng: random.Random, i: int) -> str:
    return rng.choice(
        [
            f"def handler_{i}(request):\n",
            f"    total += item.price * {rng.randint(1, 9)}  # running sum\n",
            f"    log.info('processed %d records', count_{i})\n",
            "    return Response(status=200)\n",
            f"CACHE_TTL_{i} = {rng.randint(10, 999)}\n",
        ]
    )


def _row(rng: random.Random, i: int) -> str:
    first = rng.choice(["John", "Maria", "Wei", "Aisha", "Lars", "Ana"])
    last = rng.choice(["Smith", "Garcia", "Chen", "Khan", "Berg", "Silva"])
    if i % 4:
        return f"{i},{rng.randint(1, 99)},{rng.choice(['open', 'closed'])},{rng.random():.3f}\n"
    return (
        f"{i},{first} {last},{first.lower()}.{last.lower()}{i}@gmail.com,"
        f"({rng.randint(201, 989)}) {rng.randint(200, 989)}-{rng.randint(1000, 9999)}\n"
    )


def _log(rng: random.Random, i: int) -> str:
    level = rng.choice(["INFO", "WARN", "DEBUG"])
    return f"2026-01-0{rng.randint(1, 9)}T10:{i % 60:02d}:00Z {level} worker-{i % 7} job done\n"


def build(repo: Path) -> None:
    rng = random.Random(7)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "bench")
    git(repo, "config", "user.email", "bench@example.org")
    (repo / "README.md").write_text("# bench\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "init")
    git(repo, "checkout", "-q", "-b", "feature")
    per_file = LINES // FILES
    for n in range(FILES):
        kind = ("py", "csv", "log")[n % 3]
        sub = repo / kind
        sub.mkdir(exist_ok=True)
        with open(sub / f"file_{n}.{kind}", "w", encoding="utf-8") as fh:
            if kind == "csv":
                fh.write("id,name,email,phone\n" if n % 2 else "id,count,state,ratio\n")
                fh.writelines(_row(rng, i) for i in range(per_file - 1))
            else:
                make = _code if kind == "py" else _log
                fh.writelines(make(rng, i) for i in range(per_file))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "feature")


def time_diff(repo: Path, extra: list[str]) -> tuple[float, int, str]:
    exe = Path(sys.executable).with_name("piiscan")
    start = time.perf_counter()
    proc = subprocess.run(
        [str(exe), "diff", *extra], cwd=repo, capture_output=True, text=True, check=False
    )
    return time.perf_counter() - start, proc.returncode, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ner", metavar="MODEL", help="spaCy model path: NER mode")
    parser.add_argument("--keep", type=Path, help="build the repository here and keep it")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    extra = ["--spacy-model", args.ner] if args.ner else []
    with tempfile.TemporaryDirectory() as tmp:
        repo = args.keep or Path(tmp) / "repo"
        repo.mkdir(parents=True, exist_ok=True)
        build(repo)
        times = []
        for _ in range(args.runs):
            wall, code, out = time_diff(repo, extra)
            times.append(wall)
        summary = [x for x in out.splitlines() if x.startswith(("scanned", "new:"))]
        mode = "ner" if args.ner else "rule-only"
        print(f"piiscan diff ({mode}), {FILES} files / {LINES} added lines, exit {code}")
        print("  " + "\n  ".join(summary))
        runs = ", ".join(f"{t:.2f}" for t in times)
        print(f"  wall: best {min(times):.2f} s of {args.runs} ({runs})")


if __name__ == "__main__":
    main()
