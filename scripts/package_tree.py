"""The package as installed, for the tools that only read folders (mypy, import-linter).

setuptools installs the root folders ``connectors/``, ``detectors/`` and ``reports/`` as
``piiscan.connectors`` … (``package-dir`` in ``pyproject.toml``); a tool that walks the
source tree sees only ``piiscan/``. This script lays every module of the packages listed
in ``pyproject.toml`` out as installed, as symlinks in a folder of real directories
(``.cache/package-tree/piiscan/connectors/sql.py`` → ``connectors/sql.py``), and runs a
tool over it with paths in its output written back as repository paths::

    python scripts/package_tree.py mypy            # mypy over every module
    python scripts/package_tree.py lint-imports    # the import-linter contracts
    python scripts/package_tree.py tree [DEST]     # only lay the tree out; print its path

Extra arguments go to the tool. The exit code is the tool's.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TREE = ROOT / ".cache" / "package-tree"
MODULE_SUFFIXES = (".py", ".pyi")
#: import-linter's command (it has no ``python -m`` entry point).
LINT_IMPORTS = "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())"


def package_folders(root: Path = ROOT) -> dict[str, Path]:
    """Each package that ``pyproject.toml`` installs → its source folder, honouring
    ``package-dir`` as setuptools does (the nearest mapped parent package decides)."""
    setuptools = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]
    mapping: dict[str, str] = setuptools.get("package-dir", {})
    folders: dict[str, Path] = {}
    for package in setuptools["packages"]:
        parts = package.split(".")
        for cut in range(len(parts), -1, -1):
            base = ".".join(parts[:cut])
            if base in mapping or cut == 0:
                folder = Path(mapping.get(base, ""), *parts[cut:])
                break
        folders[package] = root / folder
    return folders


def module_files(root: Path = ROOT) -> dict[str, Path]:
    """Every module the wheel holds (dotted name → source file); a package is named by
    its ``__init__.py``."""
    modules: dict[str, Path] = {}
    for package, folder in package_folders(root).items():
        for path in sorted(folder.glob("*.py")):
            name = package if path.stem == "__init__" else f"{package}.{path.stem}"
            modules[name] = path
    return modules


def lay_out(dest: Path, root: Path = ROOT) -> Path:
    """(Re)build ``dest`` as the installed layout of symlinks; returns ``dest``."""
    if dest.exists():
        shutil.rmtree(dest)
    for package, folder in package_folders(root).items():
        target = dest.joinpath(*package.split("."))
        target.mkdir(parents=True, exist_ok=True)
        for path in sorted(folder.iterdir()):
            if path.suffix in MODULE_SUFFIXES or path.name == "py.typed":
                (target / path.name).symlink_to(path)
    return dest


def repo_paths(text: str, tree: Path, root: Path = ROOT) -> str:
    """``text`` with the tree's file paths (absolute or relative to it) written back as
    paths relative to the repository."""
    links = {}
    for link in tree.rglob("*"):
        if link.is_symlink():
            links[str(link.relative_to(tree))] = str(link.resolve().relative_to(root))
    if not links:
        return text
    pattern = re.compile(
        rf"(?:{re.escape(str(tree))}{re.escape(os.sep)})?("
        + "|".join(re.escape(k) for k in sorted(links, key=len, reverse=True))
        + r")\b"
    )
    return pattern.sub(lambda m: links[m.group(1)], text)


def run_tool(command: list[str], tree: Path) -> int:
    """Run ``command`` in ``tree`` with it first on the import path; echo its output with
    repository paths."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(tree), os.environ.get("PYTHONPATH")])),
    }
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, check=False)
    sys.stdout.write(repo_paths(done.stdout, tree))
    sys.stderr.write(repo_paths(done.stderr, tree))
    return done.returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("mypy", "lint-imports", "tree"):
        print(__doc__, file=sys.stderr)
        return 2
    tool, args = argv[0], argv[1:]
    if tool == "tree":
        print(lay_out(Path(args[0]).resolve() if args else DEFAULT_TREE))
        return 0
    tree = lay_out(DEFAULT_TREE)
    config = str(ROOT / "pyproject.toml")
    if tool == "mypy":
        cache = str(ROOT / ".cache" / "mypy")
        command = [sys.executable, "-m", "mypy", "--config-file", config, "--cache-dir", cache]
        return run_tool([*command, "-p", "piiscan", *args], tree)
    return run_tool([sys.executable, "-c", LINT_IMPORTS, "--no-cache", config, *args], tree)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
