"""Baselines: accepted findings as keyed hashes; moved lines stay accepted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from gitrepo import GitRepo

from piiscan import __version__
from piiscan.cli import cli
from piiscan.gate.baseline import DEFAULT_FILE, Fingerprinter, load_baseline, normalise

CUSTOMERS = [
    "John Smith,john.smith@gmail.com,(212) 749-7788,219-45-6789",
    "Maria Garcia,maria.garcia@yahoo.com,+1 415 867 2309,536-22-8841",
    "Wei Chen,wei.chen@outlook.com,(646) 273-4410,412-66-3390",
]
HEADER = "name,email,phone,ssn"
RAW = [cell for row in CUSTOMERS for cell in row.split(",")]


def csv(rows: list[str]) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def run(repo: GitRepo, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, [*args, "--repo", str(repo.path)], env=env)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """A feature branch that added customers.csv, with a baseline created on it."""
    monkeypatch.delenv("PIISCAN_HASH_KEY", raising=False)
    r = GitRepo(tmp_path / "repo")
    r.commit("init", {"app.py": "print('hello')\n"})
    r.branch("feature")
    r.commit("customers", {"customers.csv": csv(CUSTOMERS)})
    return r


def accept_on_main(repo: GitRepo, env: dict[str, str] | None = None) -> None:
    """What a maintainer does to accept the branch's data: a baseline of the branch's
    tree, committed to main (the gate reads the baseline as the base branch holds it)."""
    repo.checkout("main")
    created = run(repo, "baseline", "create", "feature", env=env)
    assert created.exit_code == 0, created.output
    repo.commit("accept the customers of feature")
    repo.checkout("feature")


def test_baseline_turns_a_failing_branch_green(repo: GitRepo) -> None:
    assert run(repo, "diff").exit_code == 1
    accept_on_main(repo)
    result = run(repo, "diff")
    assert result.exit_code == 0, result.output
    assert "baselined: " in result.output and "new: 0" in result.output


def test_a_baseline_on_the_branch_itself_is_not_honoured(repo: GitRepo) -> None:
    created = run(repo, "baseline", "create")
    assert created.exit_code == 0, created.output
    repo.commit("accept my own data")
    result = run(repo, "diff")
    assert result.exit_code == 1, result.output
    assert f"note: the change edits {DEFAULT_FILE}" in result.output


@pytest.mark.parametrize(
    "rows",
    [
        list(reversed(CUSTOMERS)),  # reordered
        ["n/a,n/a,n/a,n/a", "-,-,-,-", *CUSTOMERS],  # lines inserted above
        [*CUSTOMERS[:1], "", "", *CUSTOMERS[1:]],  # blank lines inserted
    ],
)
def test_moved_lines_stay_baselined(repo: GitRepo, rows: list[str]) -> None:
    accept_on_main(repo)
    repo.commit("reshuffle", {"customers.csv": csv(rows)})
    result = run(repo, "diff")
    assert result.exit_code == 0, result.output


def test_a_new_value_still_fails_with_a_baseline(repo: GitRepo) -> None:
    accept_on_main(repo)
    repo.commit("more", {"customers.csv": csv([*CUSTOMERS, "Li Wu,li.wu@gmail.com,,"])})
    result = run(repo, "diff")
    assert result.exit_code == 1
    assert result.output.splitlines()[0].startswith("customers.csv:5:")


def test_baseline_file_has_no_raw_value_and_records_versions(repo: GitRepo) -> None:
    assert run(repo, "baseline", "create").exit_code == 0
    raw_bytes = (repo.path / DEFAULT_FILE).read_bytes()
    for value in RAW:
        assert value.encode() not in raw_bytes, value
        assert normalise("X", value).encode() not in raw_bytes
    data = json.loads(raw_bytes)
    assert data["tool"] == {"name": "piiscan", "version": __version__}
    assert data["policy"]["name"] == "piiscan-default" and data["policy"]["version"]
    assert data["key"] == "salt" and len(bytes.fromhex(data["salt"])) == 16
    entries = data["entries"]
    assert {e["entity_type"] for e in entries} >= {"EMAIL_ADDRESS", "US_SSN", "PHONE_NUMBER"}
    assert all(set(e) == {"path", "entity_type", "fingerprint", "line_hint"} for e in entries)


def test_update_is_stable_and_tracks_changes(repo: GitRepo) -> None:
    path = repo.path / DEFAULT_FILE
    assert run(repo, "baseline", "create").exit_code == 0
    salt = json.loads(path.read_bytes())["salt"]
    assert run(repo, "baseline", "update").exit_code == 0
    first = path.read_bytes()
    assert run(repo, "baseline", "update").exit_code == 0
    assert path.read_bytes() == first
    assert json.loads(first)["salt"] == salt
    repo.commit(
        "drop one, add one", {"customers.csv": csv([*CUSTOMERS[1:], "X Y,x.y@gmail.com,,"])}
    )
    result = run(repo, "baseline", "update")
    assert result.exit_code == 0
    assert "(+1 -" in result.output
    data = json.loads(path.read_bytes())
    assert data["salt"] == salt
    fp = Fingerprinter(bytes.fromhex(salt))
    prints = {e["fingerprint"] for e in data["entries"]}
    assert fp("EMAIL_ADDRESS", "x.y@gmail.com") in prints
    assert fp("EMAIL_ADDRESS", "john.smith@gmail.com") not in prints


def test_create_from_a_base_ref(repo: GitRepo) -> None:
    """``baseline create main`` accepts only what main holds."""
    result = run(repo, "baseline", "create", "main")
    assert result.exit_code == 0, result.output
    assert load_baseline(repo.path / DEFAULT_FILE).entries == []
    assert run(repo, "baseline", "create", "nope").exit_code == 2


def test_hash_key_from_the_environment(repo: GitRepo) -> None:
    env = {"PIISCAN_HASH_KEY": "ci-secret-value"}
    accept_on_main(repo, env)
    raw = repo.git("show", f"main:{DEFAULT_FILE}")
    data = json.loads(raw)
    assert data["key"] == "env:PIISCAN_HASH_KEY" and "salt" not in data
    assert "ci-secret-value" not in raw
    assert run(repo, "diff", env=env).exit_code == 0
    missing = run(repo, "diff", env={"PIISCAN_HASH_KEY": ""})
    assert missing.exit_code == 2 and "PIISCAN_HASH_KEY" in missing.output
    assert run(repo, "diff", env={"PIISCAN_HASH_KEY": "another"}).exit_code == 1


def test_explicit_baseline_path_and_damaged_file(repo: GitRepo, tmp_path: Path) -> None:
    other = tmp_path / "accepted.json"
    assert run(repo, "baseline", "create", "--file", str(other)).exit_code == 0
    assert run(repo, "diff", "--baseline", str(other)).exit_code == 0
    assert run(repo, "diff").exit_code == 1  # no default file at the root
    other.write_text("{not json")
    result = run(repo, "diff", "--baseline", str(other))
    assert result.exit_code == 2 and "baseline" in result.output


@pytest.mark.parametrize(
    ("entity", "a", "b"),
    [
        ("US_SSN", "219-45-6789", "219 45 6789"),
        ("PHONE_NUMBER", "(212) 749-7788", "(212) 749.7788"),
        ("EMAIL_ADDRESS", "John.Smith@Gmail.com", " john.smith@gmail.com"),
        ("CREDIT_CARD", "4012-8888-8888-1881", "4012888888881881"),
    ],
)
def test_fingerprint_normalises(entity: str, a: str, b: str) -> None:
    fp = Fingerprinter(b"k")
    assert fp(entity, a) == fp(entity, b)
    assert fp(entity, a) != Fingerprinter(b"other")(entity, a)
    assert fp(entity, a) != fp("PERSON", a)
