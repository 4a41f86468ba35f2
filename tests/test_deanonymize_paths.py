"""Issue 19 item 14: ``piiscan deanonymize x.db --to y.db`` (a bare path, as the README
shows) restores the encrypted values, and a source it cannot restore from is an error.

It used to copy nothing, print "1 asset(s) written" and exit 0."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from piiscan.cli import cli
from piiscan.testing.canaries import Canaries, leaks

KEY = "k" * 32
ENV = {"PIISCAN_ANON_KEY": KEY, "PIISCAN_SPACY_MODEL": "none"}


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=ENV, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def emails(path: Path) -> list[tuple[int, str]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT id, email FROM customers ORDER BY id").fetchall()
    finally:
        conn.close()


@pytest.fixture
def anonymized(tmp_path: Path) -> tuple[Path, Path, Canaries]:
    """(the anonymized copy, its manifest, the planted e-mail addresses)."""
    c = Canaries()
    source = tmp_path / "shop.db"
    conn = sqlite3.connect(source)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT)")
    conn.executemany("INSERT INTO customers VALUES (?, ?)", [(i, c.email(i)) for i in range(30)])
    conn.commit()
    conn.close()
    policy = tmp_path / "encrypt.yaml"
    policy.write_text("anonymization:\n  entities:\n    EMAIL_ADDRESS: {operator: encrypt}\n")
    anon = tmp_path / "anon.db"
    code, _, err = invoke("anonymize", f"sqlite:///{source}", "--to", str(anon), "--policy",
                          str(policy), "--allow-rule-only", "--no-progress")
    assert code == 0, err
    assert leaks(c.all, paths=[anon]) == []  # encrypted in the copy
    return anon, Path(f"{anon}.manifest.json"), c


@pytest.mark.parametrize("spelling", ["bare .db path", "no suffix", "sqlite URL"])
def test_bare_paths_restore_the_values(anonymized: tuple[Path, Path, Canaries], tmp_path: Path,
                                       spelling: str) -> None:
    anon, manifest, c = anonymized
    source = str(anon)
    if spelling == "no suffix":
        source = str(tmp_path / "anon-copy")
        shutil.copyfile(anon, source)
    elif spelling == "sqlite URL":
        source = f"sqlite:///{anon}"
    restored = tmp_path / "restored.db"
    code, out, err = invoke("deanonymize", source, "--to", str(restored), "--manifest",
                            str(manifest))
    assert code == 0, err
    assert "1 asset(s) written, 0 skipped, 0 failed" in out
    assert emails(restored) == [(i, c.all[i]) for i in range(30)]


@pytest.mark.parametrize("kind", ["unknown file", "missing path"])
def test_a_source_it_cannot_restore_from_is_an_error(anonymized: tuple[Path, Path, Canaries],
                                                     tmp_path: Path, kind: str) -> None:
    _, manifest, _ = anonymized
    source = tmp_path / "notes.bin"
    if kind == "unknown file":
        source.write_bytes(b"\x00\x01 not a database")
    target = tmp_path / "out"
    code, out, err = invoke("deanonymize", str(source), "--to", str(target), "--manifest",
                            str(manifest))
    assert code == 2
    assert err.startswith("Error:") and "written" not in out
    assert not target.exists()
