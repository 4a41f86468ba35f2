"""Inline allow comments and well-known test values."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from gitrepo import GitRepo

from piiscan.cli import cli
from piiscan.config import Config
from piiscan.gate.allow import allows, parse_allow
from piiscan.gate.runner import run_diff


@pytest.mark.parametrize(
    ("line", "entity", "allowed"),
    [
        ("x = 'a@b.org'  # piiscan: allow", "EMAIL_ADDRESS", True),
        ("x = 'a@b.org'  // PIISCAN:ALLOW", "PERSON", True),
        ("-- piiscan: allow EMAIL_ADDRESS,PHONE_NUMBER", "PHONE_NUMBER", True),
        ("-- piiscan: allow EMAIL_ADDRESS, PHONE_NUMBER", "PHONE_NUMBER", True),
        ("-- piiscan: allow EMAIL_ADDRESS,PHONE_NUMBER", "US_SSN", False),
        ("/* piiscan: allow US_SSN */", "US_SSN", True),
        ("<!-- piiscan: allow PERSON -->", "EMAIL_ADDRESS", False),
        ("<!-- piiscan: allow -->", "EMAIL_ADDRESS", True),
        ("# piiscan: allow because it is a fixture", "US_SSN", True),
        ("# piiscan: allowed", "US_SSN", False),
        ("# nothing to see", "US_SSN", False),
        ("", "US_SSN", False),
    ],
)
def test_allows(line: str, entity: str, allowed: bool) -> None:
    assert allows(line, entity) is allowed


def test_parse_allow_lists_each_comment() -> None:
    assert parse_allow("# piiscan: allow US_SSN # piiscan:allow") == [frozenset({"US_SSN"}), None]


def gate(repo: GitRepo, *args: str) -> Result:
    return CliRunner().invoke(cli, ["diff", "--repo", str(repo.path), *args])


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    r = GitRepo(tmp_path / "repo")
    r.commit("init", {"conf.py": "DEBUG = True\n\n\n"})
    r.branch("feature")
    return r


@pytest.mark.parametrize(
    ("name", "text", "code"),
    [
        ("same line", "OWNER = 'john.smith@gmail.com'  # piiscan: allow\n", 0),
        ("line above", "# piiscan: allow EMAIL_ADDRESS\nOWNER = 'john.smith@gmail.com'\n", 0),
        ("other type", "OWNER = 'john.smith@gmail.com'  # piiscan: allow PHONE_NUMBER\n", 1),
        ("two lines above", "# piiscan: allow\n\nOWNER = 'john.smith@gmail.com'\n", 1),
        ("html", "<p>john.smith@gmail.com</p> <!-- piiscan:allow -->\n", 0),
        ("sql", "-- piiscan: allow\nINSERT INTO t VALUES ('219-45-6789');\n", 0),
    ],
)
def test_allow_comments_via_cli(repo: GitRepo, name: str, text: str, code: int) -> None:
    repo.commit(name, {"settings.py": text})
    result = gate(repo)
    assert result.exit_code == code, result.output


def test_allow_comment_on_an_unchanged_line_above(repo: GitRepo) -> None:
    """The comment was already there; the branch adds the value under it."""
    repo.checkout("main")
    repo.commit("comment", {"fixtures.py": "# piiscan: allow\nX = 1\n"})
    repo.checkout("feature")
    repo.git("merge", "-q", "main")
    repo.commit("value", {"fixtures.py": "# piiscan: allow\nOWNER = 'john.smith@gmail.com'\n"})
    result = run_diff(repo.path, "main", config=Config(spacy_model="none"))
    assert [(f.status, f.allow_reason) for f in result.findings] == [("allowed", "inline comment")]


@pytest.mark.parametrize(
    "value",
    ["4111 1111 1111 1111", "192.0.2.15", "jane.doe@example.com", "(212) 555-0142"],
)
def test_test_values_pass_unless_turned_off(repo: GitRepo, value: str) -> None:
    repo.commit("fixture", {"test_data.py": f"VALUE = '{value}'\n"})
    allowed = gate(repo)
    assert allowed.exit_code == 0, allowed.output
    assert "test value" in allowed.output
    strict = gate(repo, "--no-allow-test-values")
    assert strict.exit_code == 1, strict.output


def test_allowed_findings_are_kept_with_their_reason(repo: GitRepo) -> None:
    repo.commit(
        "mixed", {"t.py": "A = '4111 1111 1111 1111'\nB = 'x@gmail.com'  # piiscan: allow\n"}
    )
    result = run_diff(repo.path, "main", config=Config(spacy_model="none"))
    reasons = {f.entity_type: (f.status, f.allow_reason) for f in result.findings}
    assert reasons["CREDIT_CARD"] == ("allowed", "test value")
    assert reasons["EMAIL_ADDRESS"] == ("allowed", "inline comment")
    assert result.new == ()
