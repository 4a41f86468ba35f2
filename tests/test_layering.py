"""The import graph of every installed module: no cycle, and the core imports no plugin.

The modules are those the wheel holds: the packages ``pyproject.toml`` lists, found in the
folders its ``package-dir`` maps them to (``connectors/`` is ``piiscan.connectors``), by
the same code that lays the package out for mypy and import-linter
(``scripts/package_tree.py``). Imports are read from the source (AST): imports inside
functions and under ``if TYPE_CHECKING`` count, relative imports are resolved, and
``from package import name`` counts as an import of the module ``package.name`` when
there is one. The core is computed too: every module outside the plugin packages and
the applications (the public API, the CLI, its commands, and the programs built on the
scanner).
"""

from __future__ import annotations

import ast
import importlib.util
import itertools
import sys
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_PACKAGES = ("piiscan.connectors", "piiscan.detectors", "piiscan.reports")
#: Built over the scanner and the plugins (each may import them); never imported by the core.
APPLICATIONS = (
    "piiscan.api",
    "piiscan.__main__",
    "piiscan.cli",
    "piiscan.commands",
    "piiscan.anonymize",
    "piiscan.gate",
    "piiscan.engines",
    "piiscan.demo",
    "piiscan.doctor",
    "piiscan.testing",
)
#: The package's ``__init__``: it re-exports the public API (piiscan.api, the scanner,
#: load_inventory …), so it sits on top like an application, and the core never imports it.
FACADE = "piiscan"
#: The scanner has a layer of its own in the import-linter contract.
SCANNER = "piiscan.scanning"

Graph = dict[str, set[str]]


def _package_tree() -> ModuleType:
    spec = importlib.util.spec_from_file_location("package_tree", ROOT / "scripts/package_tree.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("package_tree", module)
    spec.loader.exec_module(module)
    return module


package_tree = _package_tree()


def within(module: str, packages: Iterable[str]) -> bool:
    """Whether ``module`` is one of ``packages`` or inside one."""
    return any(module == p or module.startswith(p + ".") for p in packages)


def _known(name: str, modules: Mapping[str, Path]) -> str | None:
    """The longest prefix of ``name`` that is a module of the package (None: external)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(module: str, path: Path, modules: Mapping[str, Path]) -> set[str]:
    """The package's modules that ``module`` (source ``path``) imports, anywhere in it."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{anchor}.{base}" if base else anchor
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        found.update(m for m in (_known(n, modules) for n in names) if m is not None)
    found.discard(module)
    return found


def import_graph(modules: Mapping[str, Path]) -> Graph:
    """Module → the package's modules it imports."""
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def cycles(graph: Graph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            nxt = next(edges, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def cycle_path(graph: Graph, component: list[str]) -> list[str]:
    """One shortest cycle through the first module of ``component``: a → b → … → a."""
    start, members = component[0], set(component)
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in sorted(graph[node] & members):
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if nxt not in previous:
                    previous[nxt] = node
                    following.append(nxt)
        frontier = following
    return component


def above_the_core(module: str) -> bool:
    """A plugin, an application or the facade: what no core module may import."""
    return module == FACADE or within(module, PLUGIN_PACKAGES + APPLICATIONS)


def core_modules(modules: Iterable[str]) -> set[str]:
    return {m for m in modules if not above_the_core(m)}


def core_violations(graph: Graph) -> list[str]:
    """``core → imported`` for each import of a plugin package, an application or the
    facade."""
    return sorted(
        f"{module} → {target}"
        for module in core_modules(graph)
        for target in graph[module]
        if above_the_core(target)
    )


MODULES = package_tree.module_files(ROOT)
GRAPH = import_graph(MODULES)


def test_every_root_folder_is_seen_under_its_installed_name() -> None:
    assert {"piiscan.cli", "piiscan.connectors.sql", "piiscan.detectors.presidio_detector",
            "piiscan.reports.json_reporter", "piiscan.connectors.readers"} <= set(MODULES)
    assert MODULES["piiscan.connectors.sql"] == ROOT / "connectors" / "sql.py"
    assert not any(m.startswith(("connectors", "detectors", "reports")) for m in MODULES)


def test_every_package_folder_is_installed() -> None:
    """A folder of modules that pyproject.toml does not list is left out of the wheel."""
    folders = set(package_tree.package_folders(ROOT).values())
    missing = sorted(
        str(init.parent.relative_to(ROOT))
        for top in {ROOT / "piiscan", ROOT / "connectors", ROOT / "detectors", ROOT / "reports"}
        for init in top.rglob("__init__.py")
        if init.parent not in folders
    )
    assert missing == [], f"add these packages to [tool.setuptools] in pyproject.toml: {missing}"


def test_no_import_cycle() -> None:
    found = [f"{' → '.join(cycle_path(GRAPH, c))}  (all of {', '.join(c)})" for c in cycles(GRAPH)]
    assert found == [], "import cycles:\n" + "\n".join(found)


def test_core_imports_no_plugin_no_application_and_never_the_cli() -> None:
    assert {"piiscan.model", "piiscan.plugins", "piiscan.classification",
            "piiscan.config", "piiscan.policy", "piiscan.registry"} <= core_modules(GRAPH)
    assert core_violations(GRAPH) == []


def test_import_linter_core_layer_is_the_computed_core() -> None:
    """The contract lists the core by name; this keeps that list whole."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (layers,) = [c["layers"] for c in config["tool"]["importlinter"]["contracts"]
                 if c["type"] == "layers"]
    listed = {name.strip() for name in layers[-1].split(":")}
    computed = {m for m in core_modules(GRAPH) if m.count(".") == 1 and not within(m, [SCANNER])}
    assert listed == computed


def _tree(root: Path, files: Mapping[str, str]) -> dict[str, Path]:
    """A project in ``root`` laid out like piiscan's (``plug/`` installed as pkg.plug)."""
    (root / "pyproject.toml").write_text(
        '[tool.setuptools]\npackages = ["pkg", "pkg.plug", "pkg.plug.sub"]\n'
        '[tool.setuptools.package-dir]\n"pkg" = "pkg"\n"pkg.plug" = "plug"\n'
    )
    for rel, text in {"pkg/__init__.py": "", "plug/__init__.py": "",
                      "plug/sub/__init__.py": "", **files}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return package_tree.module_files(root)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # a cycle across the package-dir mapping, closed by a function-level relative import
        ({"pkg/a.py": "from pkg.plug import b\n",
          "plug/b.py": "def f():\n    from ..a import x\n"},
         [["pkg.a", "pkg.plug.b"]]),
        # two levels up from a subpackage, through `from package import module`
        ({"pkg/a.py": "import pkg.plug.sub.c\n",
          "plug/sub/c.py": "from ... import a\n"},
         [["pkg.a", "pkg.plug.sub.c"]]),
        # three modules in a ring, one import under TYPE_CHECKING
        ({"pkg/a.py": "from pkg import b\n",
          "pkg/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.c\n",
          "pkg/c.py": "from .a import thing\n"},
         [["pkg.a", "pkg.b", "pkg.c"]]),
        # no cycle: the plugin imports the core, the core imports nothing back
        ({"pkg/a.py": "import os\n", "plug/b.py": "from pkg.a import x\nfrom . import sub\n"},
         []),
    ],
)
def test_the_checker_finds_a_planted_cycle(
    tmp_path: Path, files: dict[str, str], expected: list[list[str]]
) -> None:
    graph = import_graph(_tree(tmp_path, files))
    assert cycles(graph) == expected
    for component in cycles(graph):
        path = cycle_path(graph, component)
        assert path[0] == path[-1] and set(path) == set(component)
        assert all(b in graph[a] for a, b in itertools.pairwise(path))


def test_the_checker_finds_a_core_module_importing_a_plugin(tmp_path: Path) -> None:
    modules = _tree(tmp_path, {"pkg/model.py": "def f():\n    from piiscan.detectors import nlp\n"})
    modules |= {"piiscan.detectors.nlp": ROOT / "detectors" / "nlp.py"}
    graph = import_graph(modules)
    assert graph["pkg.model"] == {"piiscan.detectors.nlp"}
    assert core_violations(graph) == ["pkg.model → piiscan.detectors.nlp"]


def test_the_checker_finds_a_core_module_importing_the_facade(tmp_path: Path) -> None:
    """``from piiscan import __version__`` in the core would load the whole public API."""
    modules = _tree(tmp_path, {"pkg/model.py": "from piiscan import __version__\n"})
    modules |= {"piiscan": ROOT / "piiscan" / "__init__.py"}
    graph = import_graph(modules)
    assert graph["pkg.model"] == {"piiscan"}
    assert core_violations(graph) == ["pkg.model → piiscan"]
