"""The library closes what it opens: ``piiscan.scan()`` and ``with Scanner(...)`` release
the ``--state`` file (and a ``--jobs`` pool) when they return."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import piiscan
from piiscan import Scanner
from piiscan.config import Config
from piiscan.model import Inventory

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")


def _open_files() -> set[str]:
    """The files this process holds open."""
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            found.add(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:  # closed meanwhile (the listing's own descriptor)
            continue
    return found


def _with_scanner(sources: list[str], config: Config) -> Inventory:
    with Scanner(config) as scanner:
        inventory = scanner.scan(sources)
        assert scanner.state is not None  # open while the scanner is
    assert scanner.state is None
    return inventory


@pytest.fixture
def no_collector() -> Iterator[None]:
    """The file must be closed by the code, not by the garbage collector."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.mark.parametrize("run", [piiscan.scan, _with_scanner], ids=["scan()", "with Scanner"])
def test_the_state_file_is_closed_on_return(
    tmp_path: Path, no_collector: None, run: Callable[[list[str], Config], Inventory]
) -> None:
    (tmp_path / "people.csv").write_text("email\nkim.lee@gmx.net\n", encoding="utf-8")
    state = tmp_path / "state.db"
    config = Config(spacy_model="none", hash_key=b"k", state_path=str(state))
    inventory = run([str(tmp_path / "people.csv")], config)
    assert inventory.assets and state.exists()
    assert not {f for f in _open_files() if f.startswith(str(state))}
