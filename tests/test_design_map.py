"""docs/design.md's layout tree is the package as it is: every module of the wheel (found
the way ``scripts/package_tree.py`` finds them, ``package-dir`` honoured) is listed under
its source folder, and every file and folder the tree lists exists.

The tree is the first fenced block under ``## Layout``. A line lists one or more names
(``a.py, b.py``) at an indentation of two spaces per level, then, after two spaces or
more, what they are; a name ending in ``/`` is a folder, and the lines below it, one level
deeper, are its contents. A line whose first words are not file names continues the
description above it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_layering import package_tree  # scripts/package_tree.py, loaded once

ROOT = Path(__file__).resolve().parents[1]
DESIGN = ROOT / "docs" / "design.md"
NAME = re.compile(r"[\w.-]+\.\w+|[\w.-]+/")  # a file with an extension, or a folder




def tree_lines(text: str) -> list[str]:
    """The lines of the first fenced block under ``## Layout``."""
    section = text.split("\n## Layout\n", 1)[1]
    opening = section.index("\n```") + 1
    body = section[section.index("\n", opening) + 1:]
    return body[:body.index("```")].splitlines()


def listed(lines: list[str]) -> set[str]:
    """The repository paths the tree names (folders end in ``/``)."""
    folders: list[str] = []
    paths: set[str] = set()
    for line in lines:
        names = [n.strip() for n in re.split(r"\s{2,}", line.strip(), maxsplit=1)[0].split(",")]
        if not all(NAME.fullmatch(n) for n in names):
            continue  # a description, continued
        indent = len(line) - len(line.lstrip(" "))
        depth, odd = divmod(indent, 2)
        if odd or depth > len(folders):
            raise ValueError(f"misplaced entry in the tree: {line.strip()!r} (two spaces a "
                             "level; a description's next line must not start with a file name)")
        del folders[depth:]
        paths.update("".join(folders) + name for name in names)
        if len(names) == 1 and names[0].endswith("/"):
            folders.append(names[0])
    return paths


LISTED = listed(tree_lines(DESIGN.read_text(encoding="utf-8")))


def test_the_reader_follows_folders_and_skips_descriptions() -> None:
    tree = ["top/                a folder",
            "  a.py, b.py        two modules",
            "                    whose description, continued, names c.py",
            "  sub/              a subfolder",
            "    c.py            in it",
            "  d.json            back in top/",
            "other/              another"]
    assert listed(tree) == {"top/", "top/a.py", "top/b.py", "top/sub/", "top/sub/c.py",
                            "top/d.json", "other/"}
    with pytest.raises(ValueError, match="misplaced entry"):
        listed(["top/", "    too_deep.py  skipped a level"])


def test_every_module_of_the_package_is_on_the_map() -> None:
    modules = {str(path.relative_to(ROOT)) for path in package_tree.module_files(ROOT).values()
               if path.name != "__init__.py"}
    folders = {f"{folder.relative_to(ROOT)}/"
               for folder in package_tree.package_folders(ROOT).values()}
    assert sorted(modules - LISTED) == [], "add these to the tree in docs/design.md"
    assert sorted(folders - LISTED) == [], "add these packages to the tree in docs/design.md"


def test_everything_on_the_map_exists() -> None:
    gone = sorted(p for p in LISTED if not (ROOT / p).exists()
                  or p.endswith("/") != (ROOT / p).is_dir())
    assert gone == [], "remove (or rename) these in the tree of docs/design.md"
