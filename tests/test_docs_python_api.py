"""docs/python-api.md runs as written.

Every ```python block is run, in the order of the page, each in a fresh namespace, all in
one temporary folder (the first block builds the example data the others use), rule-only
(``PIISCAN_SPACY_MODEL=none``) and with no other ``PIISCAN_*`` setting from the
environment. A ```text block that follows a python block with nothing but blank lines
between is the output that block must print, exactly. No printed output may hold a value
of the example data.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

import piiscan

DOC = Path(__file__).resolve().parents[1] / "docs" / "python-api.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.M | re.S)


@dataclass(frozen=True)
class Example:
    line: int  # of the opening fence
    code: str
    output: str | None  # None: the page shows no output for it


def examples(text: str) -> list[Example]:
    blocks = list(FENCE.finditer(text))
    found = []
    for block, following in zip(blocks, [*blocks[1:], None], strict=True):
        if block.group(1) != "python":
            continue
        shown = (following is not None and following.group(1) == "text"
                 and not text[block.end():following.start()].strip())
        found.append(Example(text.count("\n", 0, block.start()) + 1, block.group(2),
                             following.group(2) if shown and following else None))
    return found


EXAMPLES = examples(DOC.read_text(encoding="utf-8"))


def test_the_reader_finds_blocks_and_their_outputs() -> None:
    page = ("text\n```python\nprint(1)\n```\n\n```text\n1\n```\n"
            "```python\npass\n```\n```sh\nx\n```\n")
    assert examples(page) == [Example(2, "print(1)\n", "1\n"), Example(9, "pass\n", None)]
    assert len(EXAMPLES) >= 8 and sum(e.output is not None for e in EXAMPLES) >= 6


def test_the_page_names_every_public_name() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert [n for n in piiscan.__all__ if n not in text] == []


def _example_values(folder: Path) -> set[str]:
    """Every value the first example wrote (CSV cells, text lines' words, table cells)."""
    with (folder / "data/people.csv").open(encoding="utf-8", newline="") as fh:
        values = {cell for row in list(csv.reader(fh))[1:] for cell in row if cell != "Springfield"}
    values |= {w for w in (folder / "data/notes.txt").read_text(encoding="utf-8").split()
               if "@" in w or w.isdigit()}
    with contextlib.closing(sqlite3.connect(folder / "shop.db")) as db:
        values |= {v for row in db.execute("SELECT email, phone FROM customers") for v in row}
    return values


def test_every_example_runs_and_prints_what_the_page_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("PIISCAN_") and n != "PIISCAN_PLUGINS"]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PIISCAN_SPACY_MODEL", "none")
    printed = []
    for example in EXAMPLES:
        where = f"{DOC.name} line {example.line}"
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(example.code, where, "exec"), {"__name__": "__main__"})
        if example.output is not None:
            assert out.getvalue() == example.output, where
        printed.append(out.getvalue())
    values = _example_values(tmp_path)
    assert len(values) > 40
    assert [v for v in values if any(v in text for text in printed)] == []
