"""The gate's CI outputs (SARIF 2.1.0, GitHub workflow commands, Markdown) and pre-commit hook.

Results are built by hand from masked values. SARIF is checked against Microsoft's official
schema and validator (``bash scripts/fetch_sarif_tools.sh`` puts them in ``.cache/sarif/``).
Regenerate the golden files after an intended output change with
``python tests/test_gate_outputs.py --regen``, then review ``git diff tests/golden/gate``.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shlex
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import _require  # tests/conftest.py (tests/ is on sys.path)

from piiscan.gate import github, markdown, sarif
from piiscan.gate.findings import GateFinding, GateResult, SkippedFile
from piiscan.masking import mask_value

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
SARIF_TOOLS = ROOT / ".cache" / "sarif" / "package"
RENDERERS = {"sarif": sarif.render, "github": github.render, "markdown": markdown.render}

# Raw values only ever reach a finding through mask_value; none may appear in any output.
RAW = {
    "EMAIL_ADDRESS": "jane.doe@example.com",
    "US_SSN": "123-45-6789",
    "PHONE_NUMBER": "+1 415 555 0142",
    "CREDIT_CARD": "4111 1111 1111 1111",
    "PERSON": "Jane Doe",
    "AGE": "47",
    "IP_ADDRESS": "10.1.2.3",
    "FAVOURITE_COLOUR": "periwinkle",
}
POLICY = {  # entity type -> (categories, level)
    "EMAIL_ADDRESS": (("identifiers",), "high"),
    "US_SSN": (("identifiers", "sensitive"), "very_high"),
    "PHONE_NUMBER": (("identifiers", "customer_records"), "high"),
    "CREDIT_CARD": (("customer_records", "sensitive"), "very_high"),
    "PERSON": (("identifiers",), "high"),
    "AGE": (("protected_class",), "medium"),
    "IP_ADDRESS": (("identifiers", "internet_activity"), "low"),  # a policy override
    "FAVOURITE_COLOUR": ((), None),  # a plugin's type the policy does not rate
}


def finding(
    path: str, line: int, entity: str, status: str = "new", reason: str | None = None
) -> GateFinding:
    categories, level = POLICY[entity]
    raw = RAW[entity]
    return GateFinding(
        path=path,
        line=line,
        column=5,
        end_column=5 + len(raw),
        entity_type=entity,
        categories=categories,
        level=level,
        score=0.85,
        evidence=mask_value(raw, entity),
        fingerprint="hmac-sha256:" + hashlib.sha256(f"{entity}:{raw}".encode()).hexdigest()[:16],
        status=status,  # type: ignore[arg-type]
        allow_reason=reason,
    )


def result(findings=(), skipped=(), fail_on: str | None = "high", **kw) -> GateResult:
    base = {
        "base": "origin/main",
        "base_commit": "0123456789abcdef0123456789abcdef01234567",
        "head": "HEAD",
        "files_scanned": 7,
        "lines_scanned": 240,
        "tool_version": "0.1.0",
        "policy": "piiscan-default 1.0",
    }
    base.update(kw)
    return GateResult(findings=tuple(findings), skipped=tuple(skipped), fail_on=fail_on, **base)


ODD_PATHS = ("docs/a b.md", "données/clé.txt", "100%,done:yes.csv", "a|b`c<d>.md")
FULL = result(
    findings=[
        finding("src/app/settings.py", 12, "EMAIL_ADDRESS"),
        finding("src/app/settings.py", 40, "US_SSN"),
        finding("fixtures/customers.csv", 3, "PHONE_NUMBER"),
        finding("fixtures/customers.csv", 3, "CREDIT_CARD", "baselined"),
        finding("README.md", 8, "PERSON", "allowed", "inline comment"),
        finding("tests/data.json", 2, "AGE", "allowed", "test value"),
        finding("logs/sample.log", 1, "IP_ADDRESS"),
        finding("notes.txt", 5, "FAVOURITE_COLOUR"),
        *(finding(p, 1, "EMAIL_ADDRESS") for p in ODD_PATHS),
        finding("docs/a b.md", 9, "AGE"),
    ],
    skipped=[
        SkippedFile("assets/logo.png", "binary"),
        SkippedFile("data/dump.sql", "too_large", "3.2 MB over the 1 MB limit"),
        SkippedFile("vendor/lib", "submodule"),
        SkippedFile("old, gone:file.txt", "deleted"),
    ],
    notes=("NER off: names and places were not looked for",),
)
CASES = {
    "empty": result(),
    "staged": result(base="staged", base_commit=None, head="staged"),
    "full": FULL,
    "skipped_only": result(skipped=FULL.skipped),
    "baselined_only": result(findings=[f for f in FULL.findings if f.status != "new"]),
    "no_fail_on": replace(FULL, fail_on=None),
    "many": result(findings=[finding(f"gen/f{i:03}.txt", i + 1, "PERSON") for i in range(60)]),
}


def golden_outputs() -> dict[str, str]:
    """File name → expected content (``python tests/test_gate_outputs.py --regen``)."""
    return {
        "gate/result.sarif": sarif.render(FULL),
        "gate/result.github.txt": github.render(FULL),
        "gate/result.md": markdown.render(FULL),
    }


@pytest.mark.parametrize("name", sorted(golden_outputs()))
def test_output_matches_golden_file(name: str) -> None:
    expected = (GOLDEN / name).read_text(encoding="utf-8")
    assert golden_outputs()[name] == expected, (
        f"{name} changed; if intended run: python tests/test_gate_outputs.py --regen"
    )


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_no_raw_value_reaches_any_output(case: str, fmt: str) -> None:
    res = CASES[case]
    out = RENDERERS[fmt](res)
    for raw in RAW.values():
        if len(raw) > 3:  # "47" could be a line number
            assert raw not in out
    shown = res.findings if fmt == "sarif" else res.new[: markdown.ROWS_SHOWN]
    for f in shown:
        assert f.evidence in out


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_output_does_not_depend_on_finding_order(fmt: str) -> None:
    shuffled = list(FULL.findings)
    random.Random(7).shuffle(shuffled)
    skipped = list(reversed(FULL.skipped))
    twin = replace(FULL, findings=tuple(shuffled), skipped=tuple(skipped))
    assert RENDERERS[fmt](twin) == RENDERERS[fmt](FULL)


# -- SARIF ---------------------------------------------------------------------------------
def sarif_run(res: GateResult) -> dict:
    log = json.loads(sarif.render(res))
    assert log["version"] == "2.1.0"
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    (run,) = log["runs"]
    return run


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("very_high", "error"),
        ("high", "error"),
        ("medium", "warning"),
        ("low", "note"),
        (None, "note"),
    ],
)
def test_sarif_level_follows_policy_level(level: str | None, expected: str) -> None:
    entity = next(e for e, (_, lv) in POLICY.items() if lv == level)
    run = sarif_run(result(findings=[finding("a.txt", 1, entity)]))
    (rule,) = run["tool"]["driver"]["rules"]
    assert rule["defaultConfiguration"]["level"] == expected
    assert run["results"][0]["level"] == expected


def test_sarif_rules_one_per_entity_type_and_indexed() -> None:
    run = sarif_run(FULL)
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted({f.entity_type for f in FULL.findings})
    for r in run["results"]:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    by_id = {r["id"]: r for r in rules}
    assert by_id["PHONE_NUMBER"]["properties"]["tags"] == ["customer_records", "identifiers"]
    assert by_id["FAVOURITE_COLOUR"]["properties"]["tags"] == []
    assert all(r["name"] != r["id"] for r in rules)
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("piiscan", "0.1.0")
    assert driver["informationUri"].startswith("https://")


@pytest.mark.parametrize(
    ("status", "reason", "state", "suppression"),
    [
        ("new", None, "new", None),
        ("baselined", None, "unchanged", {"kind": "external", "justification": "in baseline"}),
        (
            "allowed",
            "inline comment",
            "new",
            {"kind": "inSource", "justification": "inline comment"},
        ),
        ("allowed", None, "new", {"kind": "inSource", "justification": "allowed"}),
    ],
)
def test_sarif_status_as_baseline_state_and_suppressions(
    status: str, reason: str | None, state: str, suppression: dict | None
) -> None:
    f = finding("a.txt", 4, "EMAIL_ADDRESS", status, reason)
    (r,) = sarif_run(result(findings=[f]))["results"]
    assert r["baselineState"] == state
    assert r.get("suppressions") == ([suppression] if suppression else None)
    assert r["partialFingerprints"] == {"piiscan/v1": f.fingerprint}
    assert r["message"]["text"] == "EMAIL_ADDRESS (identifiers; level high): j***@example.com"
    assert r["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 4,
        "startColumn": 5,
        "endColumn": 25,
    }


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("src/app.py", "src/app.py"),
        ("docs/a b.md", "docs/a%20b.md"),
        ("données/clé.txt", "donn%C3%A9es/cl%C3%A9.txt"),
        ("100%,done:yes.csv", "100%25%2Cdone%3Ayes.csv"),
        ("a|b`c<d>.md", "a%7Cb%60c%3Cd%3E.md"),
        ("q?x#y.txt", "q%3Fx%23y.txt"),
    ],
)
def test_sarif_artifact_uri_is_escaped_and_relative(path: str, uri: str) -> None:
    (r,) = sarif_run(result(findings=[finding(path, 1, "AGE")]))["results"]
    location = r["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": uri, "uriBaseId": "%SRCROOT%"}


def test_sarif_run_records_skips_notes_and_settings() -> None:
    run = sarif_run(FULL)
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is True
    texts = [n["message"]["text"] for n in invocation["toolExecutionNotifications"]]
    assert texts == [
        "assets/logo.png: binary",
        "data/dump.sql: too_large (3.2 MB over the 1 MB limit)",
        "old, gone:file.txt: deleted",
        "vendor/lib: submodule",
        "NER off: names and places were not looked for",
    ]
    assert {n["level"] for n in invocation["toolExecutionNotifications"]} == {"note"}
    props = run["properties"]
    assert props["base"] == "origin/main"
    assert props["base_commit"] == FULL.base_commit
    assert props["fail_on"] == "high"
    assert (props["new"], props["baselined"], props["allowed"], props["skipped"]) == (10, 1, 2, 4)
    assert run["columnKind"] == "unicodeCodePoints"
    empty = sarif_run(CASES["empty"])
    assert empty["results"] == [] and empty["tool"]["driver"]["rules"] == []
    assert "toolExecutionNotifications" not in empty["invocations"][0]


def _schema() -> dict:
    path = SARIF_TOOLS / "sarif-2.1.0.json"
    _require(path.is_file(), f"SARIF schema missing at {path}: bash scripts/fetch_sarif_tools.sh")
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", sorted(CASES))
def test_sarif_is_valid_against_the_official_schema(case: str) -> None:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [
        f"{list(e.absolute_path)}: {e.message}"
        for e in validator.iter_errors(json.loads(sarif.render(CASES[case])))
    ]
    assert errors == []


def test_schema_check_sees_an_invalid_log() -> None:
    from jsonschema import Draft202012Validator

    log = json.loads(sarif.render(FULL))
    log["runs"][0]["results"][0]["level"] = "critical"
    del log["runs"][0]["tool"]["driver"]["name"]
    assert len(list(Draft202012Validator(_schema()).iter_errors(log))) == 2


def test_sarif_multitool_validates_every_case(tmp_path: Path) -> None:
    tool = SARIF_TOOLS / "Sarif.Multitool"
    _require(
        os.access(tool, os.X_OK),
        f"Sarif.Multitool missing at {tool}: bash scripts/fetch_sarif_tools.sh",
    )
    for case, res in CASES.items():
        (tmp_path / f"{case}.sarif").write_text(sarif.render(res), encoding="utf-8")
    broken = json.loads(sarif.render(FULL))  # a log the validator reliably rejects
    del broken["runs"][0]["tool"]["driver"]["name"]
    (tmp_path / "broken.sarif").write_text(json.dumps(broken), encoding="utf-8")
    out = tmp_path / "validation.json"
    proc = subprocess.run(
        # -j: without it the validator may silently skip the schema check
        [
            str(tool),
            "validate",
            "-j",
            str(SARIF_TOOLS / "sarif-2.1.0.json"),
            "-o",
            str(out),
            *sorted(str(p) for p in tmp_path.glob("*.sarif")),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **os.environ,
            "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1",
            "DOTNET_CLI_TELEMETRY_OPTOUT": "1",
        },
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (run,) = json.loads(out.read_text(encoding="utf-8"))["runs"]
    assert run["invocations"][0]["executionSuccessful"] is True
    problems: dict[str, list[str]] = {}
    for r in run.get("results", []):
        if r.get("level", "warning") in ("error", "warning"):
            uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            problems.setdefault(Path(uri).name, []).append(r["ruleId"])
    assert set(problems) == {"broken.sarif"}, problems  # the check works, ours are clean


# -- GitHub workflow commands --------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "data", "prop"),
    [
        ("plain", "plain", "plain"),
        ("100%", "100%25", "100%25"),
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("k: v, w", "k: v, w", "k%3A v%2C w"),
        ("%0A", "%250A", "%250A"),
        ("::error::x", "::error::x", "%3A%3Aerror%3A%3Ax"),
        ("clé", "clé", "clé"),
    ],
)
def test_github_escaping(text: str, data: str, prop: str) -> None:
    assert github.escape_data(text) == data
    assert github.escape_property(text) == prop


@pytest.mark.parametrize(
    ("entity", "command"),
    [
        ("US_SSN", "error"),
        ("EMAIL_ADDRESS", "error"),
        ("AGE", "warning"),
        ("IP_ADDRESS", "notice"),
        ("FAVOURITE_COLOUR", "notice"),
    ],
)
def test_github_command_per_level(entity: str, command: str) -> None:
    lines = github.render(result(findings=[finding("a.txt", 3, entity)])).splitlines()
    assert lines[0].startswith(f"::{command} file=a.txt,line=3,col=5,endColumn=")
    assert f",title=piiscan {entity}::{entity} (" in lines[0]


def test_github_annotation_escapes_path_and_cannot_inject_a_command() -> None:
    f = finding("100%,done:yes\n::error::pwned.csv", 2, "EMAIL_ADDRESS")
    out = github.render(result(findings=[f]))
    first, summary = out.splitlines()
    assert first == (
        "::error file=100%25%2Cdone%3Ayes%0A%3A%3Aerror%3A%3Apwned.csv,line=2,col=5,"
        "endColumn=25,title=piiscan EMAIL_ADDRESS::"
        "EMAIL_ADDRESS (identifiers; level high): j***@example.com"
    )
    assert summary.startswith("::notice::")


def test_github_annotates_only_new_findings_and_summarises() -> None:
    lines = github.render(FULL).splitlines()
    assert len(lines) == len(FULL.new) + 1
    assert lines[-1] == (
        "::notice::piiscan: 10 new, 1 baselined, 2 allowed, 4 skipped "
        "(base origin/main; fail on high)"
    )
    assert github.render(CASES["empty"]) == (
        "::notice::piiscan: 0 new, 0 baselined, 0 allowed, 0 skipped "
        "(base origin/main; fail on high)\n"
    )


# -- Markdown ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("res", "heading", "detail"),
    [
        (CASES["empty"], "## ✅ piiscan: passes", "No new personal data in this change."),
        (CASES["baselined_only"], "## ✅ piiscan: passes", "No new personal data"),
        (
            FULL,
            "## ❌ piiscan: fails at high",
            "7 new finding(s) at or above level high (10 new in all).",
        ),
        (replace(FULL, fail_on="very_high"), "## ❌ piiscan: fails at very_high", "1 new"),
        (
            result(findings=[finding("a", 1, "AGE")]),
            "## ✅ piiscan: passes",
            "1 new finding(s), all below level high.",
        ),
        (
            CASES["no_fail_on"],
            "## ✅ piiscan: passes",
            "10 new finding(s); no fail-on level set (report only).",
        ),
    ],
)
def test_markdown_verdict(res: GateResult, heading: str, detail: str) -> None:
    lines = markdown.render(res).splitlines()
    assert lines[0] == heading
    assert lines[2].startswith(detail)


@pytest.mark.parametrize(
    ("res", "scope"),
    [
        (FULL, "Compared `HEAD` with `origin/main` (`0123456789ab`): 7 file(s), 240 added"),
        (CASES["staged"], "Checked the staged changes: 7 file(s), 240 added line(s) scanned."),
        (replace(FULL, head="worktree", base="worktree"), "Checked the uncommitted changes:"),
    ],
)
def test_markdown_says_what_was_compared(res: GateResult, scope: str) -> None:
    assert markdown.render(res).splitlines()[4].startswith(scope)


def test_markdown_table_is_capped() -> None:
    out = markdown.render(CASES["many"])
    rows = [line for line in out.splitlines() if line.startswith("| gen/")]
    assert len(rows) == markdown.ROWS_SHOWN
    assert "… and 10 more new finding(s)." in out


def test_markdown_escapes_paths_and_lists_skips() -> None:
    out = markdown.render(FULL)
    assert "| a\\|b\\`c&lt;d&gt;.md:1 | EMAIL_ADDRESS | high | `j***@example.com` |" in out
    assert "| données/clé.txt:1 |" in out
    assert "- data/dump.sql: too_large (3.2 MB over the 1 MB limit)" in out
    assert "Also found: 1 baselined (accepted earlier) and 2 allowed" in out
    for line in out.splitlines():
        if line.startswith("| ") and not line.startswith("| Location"):
            assert line.replace("\\|", "").count("|") == 5, line  # four cells, intact
    assert "### How to fix" in out and "`piiscan baseline update`" in out
    assert "piiscan: allow ENTITY" in out
    assert "### How to fix" not in markdown.render(CASES["baselined_only"])


def test_markdown_most_sensitive_first() -> None:
    rows = [line for line in markdown.render(FULL).splitlines() if line.startswith("| ")][2:]
    levels = [row.split(" | ")[2] for row in rows]
    order = ["very_high", "high", "medium", "low", "unrated"]
    assert levels == sorted(levels, key=order.index)


# -- pre-commit hook -----------------------------------------------------------------------
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))


def test_pre_commit_hooks_are_well_formed() -> None:
    assert [h["id"] for h in HOOKS] == ["piiscan", "piiscan-ner", "piiscan-all-files"]
    for hook in HOOKS:
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False
        assert "pre-commit" in hook["stages"]
        assert shlex.split(hook["entry"])[:2] == ["piiscan", "diff"]
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'piiscan = "piiscan.cli:main"' in pyproject  # the entry's executable


COMMITTED_CUSTOMERS = (
    "name,email,phone\n"
    "John Smith,john.smith@gmail.com,(212) 749-7788\n"
    "Maria Garcia,maria.garcia@yahoo.com,+1 415 867 2309\n"
)


@pytest.mark.parametrize(
    ("hook_id", "exit_code"),
    [
        # What `pre-commit run --all-files` runs: the staged hooks see nothing already
        # committed (documented), the all-files hook sees the committed customer file.
        ("piiscan", 0),
        ("piiscan-all-files", 1),
    ],
)
def test_pre_commit_entry_on_a_repo_holding_customers(
    hook_id: str, exit_code: int, tmp_path: Path
) -> None:
    from gitrepo import GitRepo

    from piiscan.cli import cli

    hook = next(h for h in HOOKS if h["id"] == hook_id)
    repo = GitRepo(tmp_path / "repo")
    repo.commit("customers", {"data/customers.csv": COMMITTED_CUSTOMERS, "app.py": "x = 1\n"})
    args = [*shlex.split(hook["entry"])[1:], "--repo", str(repo.path)]
    outcome = CliRunner().invoke(cli, args)
    assert outcome.exit_code == exit_code, outcome.output
    assert "john.smith@gmail.com" not in outcome.output
    if exit_code:
        assert "data/customers.csv:2:" in outcome.output


@pytest.mark.parametrize("hook", HOOKS, ids=lambda h: h["id"])
def test_pre_commit_entry_is_a_real_cli_invocation(hook: dict) -> None:
    from piiscan.cli import cli

    args = shlex.split(hook["entry"])[1:]
    outcome = CliRunner().invoke(cli, [*args, "--help"])
    assert outcome.exit_code == 0, outcome.output  # every option of the entry exists
    assert "Usage:" in outcome.output


if __name__ == "__main__":
    if sys.argv[1:] != ["--regen"]:
        sys.exit("usage: python tests/test_gate_outputs.py --regen")
    for name, text in golden_outputs().items():
        target = GOLDEN / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target.relative_to(ROOT)}")
