"""``piiscan diff``: only added lines are scanned, in real git repositories."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from gitrepo import GitRepo  # tests/gitrepo.py (tests/ is on sys.path)

from piiscan.cli import cli
from piiscan.config import Config
from piiscan.gate.runner import run_diff
from piiscan.gate.scan_diff import split_cells

CUSTOMERS = (
    "name,email,phone,ssn\n"
    "John Smith,john.smith@gmail.com,(212) 749-7788,219-45-6789\n"
    "Maria Garcia,maria.garcia@yahoo.com,+1 415 867 2309,536-22-8841\n"
    "Wei Chen,wei.chen@outlook.com,(646) 273-4410,412-66-3390\n"
)
RAW_VALUES = ("john.smith@gmail.com", "219-45-6789", "536-22-8841", "(212) 749-7788")
RULE_ONLY = Config(spacy_model="none")


def gate(repo: GitRepo, *args: str) -> Result:
    return CliRunner().invoke(cli, ["diff", "--repo", str(repo.path), *args])


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """``main`` with one harmless commit, checked out on a new branch ``feature``."""
    r = GitRepo(tmp_path / "repo")
    r.commit("init", {"app.py": "print('hello')\n", "README.md": "# demo\n"})
    r.branch("feature")
    return r


def test_branch_adding_customers_csv_fails(repo: GitRepo) -> None:
    repo.commit("customers", {"data/customers.csv": CUSTOMERS})
    result = gate(repo)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert "data/customers.csv:2:12: HIGH EMAIL_ADDRESS j***@gmail.com" in lines
    assert any(":2:" in x and "VERY_HIGH US_SSN" in x for x in lines)
    assert lines[-1].startswith("FAIL:")
    assert not any(v in result.output for v in RAW_VALUES)


def test_harmless_change_passes(repo: GitRepo) -> None:
    repo.commit("code", {"app.py": "print('hello')\nprint(1 + 2)\n"})
    result = gate(repo)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "PASS: no new findings at or above high"


def test_only_added_lines_count(repo: GitRepo) -> None:
    """Personal data already on main is not the branch's doing."""
    repo.checkout("main")
    repo.commit("old data", {"contacts.txt": "mail john.smith@gmail.com\n"})
    repo.checkout("feature")
    repo.git("merge", "-q", "main")
    repo.commit("more", {"contacts.txt": "mail john.smith@gmail.com\nnothing here\n"})
    assert gate(repo).exit_code == 0


@pytest.mark.parametrize(("fail_on", "code"), [("high", 1), ("very_high", 1), ("low", 1)])
def test_fail_on_levels(repo: GitRepo, fail_on: str, code: int) -> None:
    repo.commit("ssn", {"notes.txt": "ssn 219-45-6789 for the file\n"})
    assert gate(repo, "--fail-on", fail_on).exit_code == code


def test_fail_on_above_the_findings_passes(repo: GitRepo) -> None:
    repo.commit("mail", {"notes.txt": "write to john.smith@gmail.com\n"})
    assert gate(repo, "--fail-on", "high").exit_code == 1
    assert gate(repo, "--fail-on", "very_high").exit_code == 0


def test_csv_cells_map_to_line_columns(repo: GitRepo) -> None:
    repo.commit("quoted", {"c.csv": 'id,email\n7,"Smith, J <john.smith@gmail.com>"\n'})
    result = run_diff(repo.path, "main", config=RULE_ONLY)
    (email,) = [f for f in result.findings if f.entity_type == "EMAIL_ADDRESS"]
    line = '7,"Smith, J <john.smith@gmail.com>"'
    assert (email.line, email.column) == (2, line.index("john") + 1)
    assert line[email.column - 1 : email.end_column - 1] == "john.smith@gmail.com"


@pytest.mark.parametrize(
    ("line", "cells"),
    [
        ("a,b,c", [(0, "a"), (2, "b"), (4, "c")]),
        ('"x, y",z', [(1, "x, y"), (7, "z")]),
        ('1,"say ""hi""",2', [(0, "1"), (3, 'say "hi"'), (15, "2")]),
        ("a,,", [(0, "a"), (2, ""), (3, "")]),
    ],
)
def test_split_cells(line: str, cells: list[tuple[int, str]]) -> None:
    got = split_cells(line, ",")
    assert got is not None
    assert [(start, value) for start, value, _ in got] == cells


def test_split_cells_open_quote_is_none() -> None:
    assert split_cells('1,"runs onto the next line', ",") is None


def test_staged_mode_sees_only_staged_changes(repo: GitRepo) -> None:
    repo.write("staged.txt", "call (212) 749-7788 now\n")
    repo.stage("staged.txt")
    repo.write("unstaged.txt", "mail john.smith@gmail.com\n")
    result = run_diff(repo.path, None, staged=True, config=RULE_ONLY)
    assert {f.path for f in result.findings} == {"staged.txt"}
    assert result.head == "staged"
    assert gate(repo, "--staged").exit_code == 1
    repo.git("reset", "-q")
    assert gate(repo, "--staged").exit_code == 0


def test_worktree_mode_sees_uncommitted_and_untracked(repo: GitRepo) -> None:
    repo.write("app.py", "print('hello')\nMAIL = 'john.smith@gmail.com'\n")
    repo.write("new file.txt", "ssn 219-45-6789\n")
    result = run_diff(repo.path, None, worktree=True, config=RULE_ONLY)
    assert {f.path for f in result.findings} == {"app.py", "new file.txt"}


def test_staged_in_a_repository_without_commits(tmp_path: Path) -> None:
    r = GitRepo(tmp_path / "fresh")
    r.write("a.txt", "mail john.smith@gmail.com\n")
    r.stage()
    assert gate(r, "--staged").exit_code == 1


def test_deleted_renamed_and_binary_files(repo: GitRepo) -> None:
    repo.checkout("main")
    repo.commit("data", {"old.txt": "mail john.smith@gmail.com\n", "gone.txt": "x 219-45-6789\n"})
    repo.checkout("feature")
    repo.git("merge", "-q", "main")
    repo.move("old.txt", "new name é.txt")
    repo.remove("gone.txt")
    repo.write("blob.bin", b"\x00\x01 john.smith@gmail.com \x00")
    repo.commit("rename, delete, binary")
    result = run_diff(repo.path, "main", config=RULE_ONLY)
    assert result.findings == ()  # a pure rename adds nothing
    reasons = {s.path: s.reason for s in result.skipped}
    assert reasons == {"gone.txt": "deleted", "blob.bin": "binary"}
    assert gate(repo).exit_code == 0


def test_renamed_and_edited_file_reports_the_new_path(repo: GitRepo) -> None:
    body = "".join(f"line {i} of the handbook\n" for i in range(20))
    repo.checkout("main")
    repo.commit("doc", {"doc.txt": body})
    repo.checkout("feature")
    repo.git("merge", "-q", "main")
    repo.move("doc.txt", "docs/guide.txt")
    repo.write("docs/guide.txt", body + "contact john.smith@gmail.com\n")
    repo.commit("move and edit")
    result = run_diff(repo.path, "main", config=RULE_ONLY)
    assert [(f.path, f.line) for f in result.findings] == [("docs/guide.txt", 21)]


def test_paths_with_spaces_and_unicode(repo: GitRepo) -> None:
    repo.commit("odd names", {"dir with space/Übersicht ü.txt": "mail john.smith@gmail.com\n"})
    result = run_diff(repo.path, "main", config=RULE_ONLY)
    assert [f.path for f in result.findings] == ["dir with space/Übersicht ü.txt"]


def test_huge_file_is_scanned_up_to_the_cap(repo: GitRepo, monkeypatch) -> None:
    from piiscan.gate import gitdiff

    monkeypatch.setattr(gitdiff, "MAX_ADDED_LINES", 50)
    body = "mail john.smith@gmail.com\n" + "".join(f"row {i}\n" for i in range(200))
    repo.commit("generated", {"gen.txt": body})
    result = run_diff(repo.path, "main", config=RULE_ONLY)
    assert [s.reason for s in result.skipped] == ["too_large"]
    assert result.lines_scanned == 50
    assert [f.line for f in result.findings] == [1]


def test_minified_line_is_cut_and_its_head_scanned(repo: GitRepo) -> None:
    blob = '{"email":"john.smith@gmail.com","pad":"' + "x" * 300 + '"}'
    repo.commit("min", {"min.json": blob})
    result = run_diff(repo.path, "main", config=Config(spacy_model="none", max_line_chars=120))
    assert [f.entity_type for f in result.findings] == ["EMAIL_ADDRESS"]
    assert any("cut at 120 characters" in n for n in result.notes)


def test_default_base_is_main(repo: GitRepo) -> None:
    repo.commit("mail", {"a.txt": "john.smith@gmail.com\n"})
    result = run_diff(repo.path, None, config=RULE_ONLY)
    assert result.base == "main" and result.base_commit


def test_missing_base_exits_2_with_the_fix(repo: GitRepo) -> None:
    result = gate(repo, "no-such-branch")
    assert result.exit_code == 2
    assert "base 'no-such-branch' not found: fetch it (git fetch origin no-such-branch)" in (
        result.output
    )
    assert "Traceback" not in result.output


def test_missing_remote_base_hint_is_a_command_that_works(repo: GitRepo, tmp_path: Path) -> None:
    """``origin/main`` missing from a single-branch clone: the hint fetches ``main`` into
    ``origin/main`` (``git fetch origin origin/main`` fails; plain ``git fetch origin main``
    does not create ``origin/main`` there), and after running it the gate runs."""
    repo.commit("code", {"app.py": "print(2)\n"})
    clone = GitRepo.clone(repo, tmp_path / "single", "--single-branch", "--branch", "feature")
    result = gate(clone, "origin/main")
    assert result.exit_code == 2
    hint = "git fetch origin main:refs/remotes/origin/main"
    assert f"fetch it ({hint})" in result.output, result.output
    clone.git(*hint.split()[1:])
    assert clone.git("rev-parse", "--verify", "origin/main").strip()
    assert gate(clone, "origin/main").exit_code == 0


def test_shallow_clone_without_the_base_exits_2(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("one", {"a.txt": "a\n"})
    repo.commit("two", {"b.txt": "b\n"})
    repo.checkout("main")
    repo.commit("main moves on", {"c.txt": "c\n"})
    repo.checkout("feature")
    clone = GitRepo.clone(repo, tmp_path / "shallow", "--depth", "1", "--no-single-branch")
    result = gate(clone, "origin/main")
    assert result.exit_code == 2, result.output
    assert "shallow clone" in result.output and "fetch-depth: 0" in result.output
    single = GitRepo.clone(repo, tmp_path / "single", "--depth", "1", "--branch", "feature")
    result = gate(single, "main")
    assert result.exit_code == 2 and "git fetch --unshallow" in result.output


def test_not_a_git_repository_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["diff", "--repo", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a git repository" in result.output


def test_git_not_installed_exits_2(repo: GitRepo, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(repo.path / "no-bin"))
    result = gate(repo)
    assert result.exit_code == 2
    assert "git is not installed" in result.output


def test_output_file_and_unknown_module(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("mail", {"a.txt": "john.smith@gmail.com\n"})
    out = tmp_path / "gate.txt"
    result = gate(repo, "--output", str(out))
    assert result.exit_code == 1
    assert out.read_text().splitlines()[-1].startswith("FAIL:")


def test_subprocess_entry_point(repo: GitRepo) -> None:
    """The installed command, start-up included."""
    import subprocess
    import sys

    repo.commit("customers", {"c.csv": CUSTOMERS})
    exe = Path(sys.executable).with_name("piiscan")
    proc = subprocess.run(
        [str(exe), "diff"],
        cwd=repo.path,
        capture_output=True,
        text=True,
        env={**os.environ, "PIISCAN_SPACY_MODEL": ""},
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr


def test_all_files_sees_what_is_already_committed_and_honours_the_baseline(
    repo: GitRepo,
) -> None:
    repo.checkout("main")
    repo.commit("customers", {"data/customers.csv": CUSTOMERS})
    assert gate(repo, "--staged").exit_code == 0  # nothing staged: the hook sees nothing
    result = gate(repo, "--all-files")
    assert result.exit_code == 1, result.output
    assert "tracked files (--all-files)" in result.output
    assert not any(v in result.output for v in RAW_VALUES)
    created = CliRunner().invoke(cli, ["baseline", "create", "--repo", str(repo.path)])
    assert created.exit_code == 0, created.output
    repo.commit("baseline")
    assert gate(repo, "--all-files").exit_code == 0


@pytest.mark.parametrize("args", [["--all-files", "--staged"], ["--all-files", "main"]])
def test_all_files_takes_no_other_scope(repo: GitRepo, args: list[str]) -> None:
    result = gate(repo, *args)
    assert result.exit_code == 2 and "Error:" in result.output
