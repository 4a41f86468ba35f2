"""Issue 19, items 5, 6 and 11: what a folder walk sees and what it must say it did not.

* 5: a folder that cannot be listed is an ``errors[]`` entry (asset = the folder) and the
  inventory is incomplete; the anonymizer's copy marks it ``failed``.
* 6: hidden files (``.env``, ``.bash_history``) and text of no known extension (``.sql``,
  ``.vcf``, ``.yaml``, ``.bak`` ...) are scanned as text; version-control internals and
  binary files of no known type are listed as ``skipped`` with a reason and counted in
  ``summary.skipped`` and every report; include/exclude still apply.
* 11: a tree 1,000 levels deep no longer aborts the source with a RecursionError: the
  walk is iterative, the folder past ``walk.MAX_DEPTH`` is an error, the rest is scanned
  (and copied).

Planted canaries (piiscan/testing/canaries.py) must not leak into any output.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from piiscan.anonymize.contracts import AssetCopy
from piiscan.anonymize.file_copy import copy_tree
from piiscan.config import Config
from piiscan.connectors.files import FileConnector
from piiscan.connectors.walk import MAX_DEPTH, walk
from piiscan.model import Inventory
from piiscan.registry import build_detectors, default_registry
from piiscan.reports.loading import validate_inventory_dict
from piiscan.scanning.scanner import Scanner
from piiscan.testing.canaries import Canaries, leaks

RULES = Config(spacy_model="none", progress=False, hash_key=b"k" * 16)
_CLEANUP: list[Path] = []


def request_cleanup(path: Path) -> None:
    """Remove ``path`` (a deep tree) after the test: pytest's own clean-up recurses."""
    _CLEANUP.append(path)


@pytest.fixture(autouse=True)
def _remove_deep_trees() -> Iterator[None]:
    yield
    while _CLEANUP:
        path = _CLEANUP.pop()
        if path.exists():
            remove_tree(path)


@pytest.fixture(scope="module")
def detectors() -> list:
    return build_detectors(RULES, default_registry)


def scan(detectors: list, root: Path, **settings: object) -> Inventory:
    return Scanner(RULES.with_overrides(**settings), detectors=detectors).scan([str(root)])


def render_all(inventory: Inventory) -> dict[str, str]:
    out = {}
    for fmt in ("json", "table", "markdown", "html", "csv"):
        buf = io.StringIO()
        default_registry.get("reporter", fmt)(None).write(inventory, buf)
        out[fmt] = buf.getvalue()
    return out


class Identity:
    """A transformer that copies values unchanged (the walk is under test, not values)."""

    def batch(self, asset: str, batch):  # type: ignore[no-untyped-def]
        return batch

    def value(self, asset: str, field: str, value):  # type: ignore[no-untyped-def]
        return value

    def text(self, asset: str, text: str) -> str:
        return text


# -- item 6: hidden files, unknown extensions -------------------------------------------
def _ole(payload: bytes) -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 24 + payload


def _zip(members: dict[str, bytes]) -> bytes:
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return sink.getvalue()


@pytest.fixture
def mixed_tree(tmp_path: Path) -> tuple[Path, Canaries, dict[str, str]]:
    """Text under names no reader knew, hidden files, VCS internals and binary files; the
    value each text file holds (by asset name)."""
    c = Canaries()
    root = tmp_path / "src"
    texts = {
        ".env": f"DB_USER=app\nOWNER_SSN={c.ssn(1)}\n",
        ".bash_history": f"ls\nmail {c.email(2)} < report.txt\n",
        "dump.sql": f"INSERT INTO people VALUES (1, '{c.email(3)}', '{c.ssn(4)}');\n",
        "contacts.vcf": f"BEGIN:VCARD\nEMAIL:{c.email(5)}\nEND:VCARD\n",
        "config.yaml": f"admin:\n  email: {c.email(6)}\n",
        "backup.bak": f"name,ssn\nx,{c.ssn(7)}\n",
        "data.xml": f"<person><email>{c.email(8)}</email></person>\n",
        "settings.ini": f"[owner]\nemail = {c.email(9)}\n",
        "legacy_cp1252.cfg": f"caf\xe9 owner {c.email(10)}\n",
        "sub/.hidden/notes.txt": f"call {c.email(11)}\n",
    }
    for rel, text in texts.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("cp1252" if rel.endswith(".cfg") else "utf-8"))
    binary = {
        ".git/config": f"[user]\nemail = {c.email(12)}\n".encode(),
        ".git/objects/ab/cdef": b"x\x00" + c.ssn(13).encode(),
        "legacy.xls": _ole(c.ssn(14).encode()),
        "sheet.ods": _zip({"content.xml": c.email(15).encode()}),
        "photo.png": b"\x89PNG\r\n\x1a\n" + c.email(16).encode(),
        "blob.dat": b"\x00\x01\x02" + c.ssn(17).encode(),
        "local.sqlite": b"SQLite format 3\x00" + b"\x00" * 84,
    }
    for rel, data in binary.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root, c, texts


def test_hidden_and_unknown_text_files_are_scanned(detectors: list, mixed_tree) -> None:
    root, _, texts = mixed_tree
    inventory = scan(detectors, root)
    by_name = {a.asset: a for a in inventory.assets}
    assert set(by_name) == set(texts)
    for name in texts:
        asset = by_name[name]
        assert asset.kind == "text"
        assert {f.entity for f in asset.findings} & {"EMAIL_ADDRESS", "US_SSN"}, name
    assert not inventory.errors
    assert inventory.summary["complete"] is True


def test_what_is_not_scanned_is_listed_with_a_reason_and_counted(detectors: list,
                                                                 mixed_tree) -> None:
    root, c, _ = mixed_tree
    inventory = scan(detectors, root)
    skipped = {s.asset: s.reason for s in inventory.skipped}
    assert skipped == {
        ".git": "version-control internals",
        "blob.dat": "unsupported file type: .dat (binary content)",
        "legacy.xls": "unsupported file type: .xls",
        "local.sqlite": "unsupported file type: .sqlite",
        "photo.png": "unsupported file type: .png",
        "sheet.ods": "unsupported file type: .ods",
    }
    assert inventory.summary["skipped"] == 6
    assert inventory.summary["skipped_by_reason"]["version-control internals"] == 1
    validate_inventory_dict(inventory.to_dict())
    reports = render_all(inventory)
    for fmt in ("table", "markdown", "html"):
        assert "skipped: 6 files or folders not scanned" in reports[fmt], fmt
    assert Inventory.from_dict(inventory.to_dict()).skipped == inventory.skipped
    # nothing of the planted values, scanned or skipped, reaches any report
    assert leaks(c.all, texts=reports.values()) == []


def test_a_binary_file_of_unknown_type_with_a_sqlite_header_says_how_to_scan_it(
        detectors: list, tmp_path: Path) -> None:
    (tmp_path / "shop.data").write_bytes(b"SQLite format 3\x00" + b"\x00" * 84)
    connector = FileConnector(str(tmp_path), RULES)
    assert list(connector.assets()) == []
    [(name, reason)] = connector.skipped
    assert name == "shop.data"
    assert "a SQLite database: scan it as sqlite:///PATH" in reason


@pytest.mark.parametrize(("exclude", "gone"), [
    ((".env",), {".env"}),
    (("*.sql", "*.png"), {"dump.sql", "photo.png"}),
    ((".git",), {".git"}),
    (("sub",), {"sub/.hidden/notes.txt"}),
])
def test_include_exclude_still_apply(detectors: list, mixed_tree,
                                     exclude: tuple[str, ...], gone: set[str]) -> None:
    root, _, texts = mixed_tree
    inventory = scan(detectors, root, exclude=exclude)
    seen = {a.asset for a in inventory.assets} | {s.asset for s in inventory.skipped}
    assert not seen & gone
    assert {a.asset for a in inventory.assets} == set(texts) - gone


def test_reason_never_shows_an_odd_extension(tmp_path: Path) -> None:
    """A name's "extension" can be anything after its last dot (a value): the reason
    shows short alphanumeric extensions only."""
    (tmp_path / "export.219-45-6789").write_bytes(b"\x00\x01\x02")
    connector = FileConnector(str(tmp_path), RULES)
    assert list(connector.assets()) == []
    assert connector.skipped == [("export.219-45-6789",
                                  "unsupported file type: other extension (binary content)")]


def test_anonymize_copies_hidden_and_text_files_and_skips_vcs(mixed_tree,
                                                              tmp_path: Path) -> None:
    root, _, texts = mixed_tree
    report = copy_tree(root, tmp_path / "out", Identity())
    status = {a.asset: a.status for a in report.assets}
    for name in texts:
        assert status[name] == "copied", name
    assert status[".git"] == "skipped"
    assert not (tmp_path / "out" / ".git").exists()
    assert (tmp_path / "out" / ".env").read_text() == texts[".env"]
    for name in ("legacy.xls", "sheet.ods", "photo.png", "blob.dat", "local.sqlite"):
        assert status[name] == "skipped", name


# -- item 5: a folder that cannot be listed ------------------------------------------------
def _long_chain(root: Path, levels: int, width: int) -> Path:
    """Folders ``levels`` deep with ``width``-character names (made through directory
    file descriptors, so the full path may exceed PATH_MAX), and a CSV at the bottom.
    The relative path of the bottom folder."""
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    parts = []
    try:
        for i in range(levels):
            name = f"{i:03d}".ljust(width, "d")
            os.mkdir(name, dir_fd=fd)
            nxt = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = nxt
            parts.append(name)
        out = os.open("people.csv", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(out, b"email\nx@corp-mail.com\n")
        os.close(out)
    finally:
        os.close(fd)
    return Path(*parts)


def remove_tree(root: Path) -> None:
    """Delete a tree of any depth and path length, without recursion (Python 3.11's
    ``shutil.rmtree`` recurses once per level and fails on these trees)."""
    flags = os.O_RDONLY | os.O_DIRECTORY
    fds, names = [os.open(root, flags)], []
    while fds:
        fd = fds[-1]
        entries = list(os.scandir(fd))
        for entry in entries:
            if not entry.is_dir(follow_symlinks=False):
                os.unlink(entry.name, dir_fd=fd)
        sub = next((e.name for e in entries if e.is_dir(follow_symlinks=False)), None)
        if sub is not None:
            fds.append(os.open(sub, flags, dir_fd=fd))
            names.append(sub)
            continue
        os.close(fds.pop())
        if names:
            os.rmdir(names.pop(), dir_fd=fds[-1])
    os.rmdir(root)


def _unlistable(root: Path) -> str:
    """A folder of ``root`` that cannot be listed, whoever runs the test: its full path
    is longer than the system allows (ENAMETOOLONG); its relative name."""
    _long_chain(root / "deep", 60, 90)  # 60 x 91 characters > PATH_MAX (4096)
    request_cleanup(root / "deep")
    found = [e for e in walk(root) if e.status == "error"]
    assert found and "File name too long" in found[0].reason
    return found[0].rel


def test_a_folder_that_cannot_be_listed_is_an_error_and_the_scan_incomplete(
        detectors: list, tmp_path: Path) -> None:
    root = tmp_path / "src"
    (root / "ok").mkdir(parents=True)
    (root / "ok" / "people.csv").write_text("email\na@corp-mail.com\n")
    folder = _unlistable(root)
    inventory = scan(detectors, root)
    assert [a.asset for a in inventory.assets if a.asset.startswith("ok/")] == ["ok/people.csv"]
    [error] = [e for e in inventory.errors if e.asset == folder]
    assert error.reason.startswith("cannot list folder: ")
    assert inventory.summary["complete"] is False
    assert {"source": str(root), "asset": folder} in inventory.summary["unfinished"]
    assert "INCOMPLETE: 1 asset not finished" in render_all(inventory)["table"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root lists any folder")
def test_a_folder_without_permission_is_an_error(detectors: list, tmp_path: Path) -> None:
    root = tmp_path / "src"
    (root / "locked").mkdir(parents=True)
    (root / "locked" / "people.csv").write_text("email\na@corp-mail.com\n")
    os.chmod(root / "locked", 0)
    try:
        inventory = scan(detectors, root)
    finally:
        os.chmod(root / "locked", 0o755)
    [error] = inventory.errors
    assert (error.asset, error.reason) == ("locked", "cannot list folder: Permission denied")
    assert inventory.summary["complete"] is False


def test_an_unlistable_folder_fails_the_copy(tmp_path: Path) -> None:
    root = tmp_path / "src"
    (root / "ok").mkdir(parents=True)
    (root / "ok" / "people.csv").write_text("email\na@corp-mail.com\n")
    folder = _unlistable(root)
    report = copy_tree(root, tmp_path / "out", Identity())
    by_name = {a.asset: a for a in report.assets}
    assert by_name["ok/people.csv"].status == "copied"
    assert by_name[folder].status == "failed"
    assert by_name[folder].reason.startswith("cannot list folder: ")
    assert report.failed == [by_name[folder]]


# -- item 11: a tree 1,000 levels deep -------------------------------------------------------
@pytest.fixture
def deep_tree(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    root = tmp_path / "src"
    root.mkdir()
    (root / "top.csv").write_text("email\na@corp-mail.com\n")
    bottom = _long_chain(root / "chain", 1000, 1)
    yield root, f"chain/{bottom.as_posix()}"
    remove_tree(root / "chain")


def test_a_thousand_levels_deep_tree_is_walked_without_recursion(detectors: list,
                                                                 deep_tree) -> None:
    root, _ = deep_tree
    inventory = scan(detectors, root)
    names = {a.asset for a in inventory.assets}
    assert "top.csv" in names
    assert not [e for e in inventory.errors if "internal error" in e.reason]
    assert not [e for e in inventory.errors if e.asset is None]  # the source was not lost
    [error] = inventory.errors
    assert error.reason == f"folder nested deeper than {MAX_DEPTH} levels: not read"
    assert len(error.asset.split("/")) == MAX_DEPTH + 1  # the first folder past the limit
    # the files above the limit are scanned: one CSV per level would be, here the top
    assert inventory.summary["complete"] is False


def test_files_down_to_the_depth_limit_are_scanned(detectors: list, tmp_path: Path) -> None:
    root = tmp_path / "src"
    bottom = _long_chain(root, MAX_DEPTH, 1)  # the CSV sits in the deepest listed folder
    request_cleanup(root)
    inventory = scan(detectors, root)
    assert [a.asset for a in inventory.assets] == [f"{bottom.as_posix()}/people.csv"]
    assert not inventory.errors


def test_a_thousand_levels_deep_tree_is_copied_without_recursion(deep_tree,
                                                                 tmp_path: Path) -> None:
    root, _ = deep_tree
    report = copy_tree(root, tmp_path / "out", Identity())
    by_status: dict[str, list[AssetCopy]] = {}
    for a in report.assets:
        by_status.setdefault(a.status, []).append(a)
    assert [a.asset for a in by_status["copied"]] == ["top.csv"]
    [failed] = by_status["failed"]
    assert failed.reason == f"folder nested deeper than {MAX_DEPTH} levels: not read"
    assert (tmp_path / "out" / "top.csv").is_file()
