"""The gate cannot be talked out of failing by the branch it checks (issue 19, item 4).

Each attack is a real branch in a real repository that adds a CSV of canary SSNs together
with a file meant to hide them: a ``.gitattributes`` marking CSVs binary, its own baseline
(a salt the author chose), its own ``piiscan.toml`` pointing at a lowered policy, a
detector pack allowing everything. The gate must fail, report every SSN masked, and no
output may carry a raw value. Settings, policy and baseline come from the base branch or
from paths CI gives; never from the change under review.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from gitrepo import GitRepo

from piiscan.cli import cli
from piiscan.gate.baseline import DEFAULT_FILE, Fingerprinter
from piiscan.masking import mask_value
from piiscan.testing.canaries import Canaries, leaks

FORMATS = ("text", "sarif", "github", "markdown")
LAX_POLICY = (
    "entities:\n"
    "  US_SSN: {categories: [identifiers], level: low}\n"
    "  EMAIL_ADDRESS: {categories: [identifiers], level: low}\n"
)
STRICT_POLICY = "entities:\n  EMAIL_ADDRESS: {categories: [identifiers], level: very_high}\n"
ALLOW_ALL_PACK = 'allow_list:\n  - entity: "*"\n    patterns: [".*"]\n'
POLICY_TOML = 'policy_path = "ci/policy.yaml"\n'
MAIL = "mail canary.x1@corp-mail.com\n"


def gate(repo: GitRepo, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["diff", "--repo", str(repo.path), *args], env=env)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    """``main`` with one harmless commit, checked out on a new branch ``feature``."""
    for var in ("PIISCAN_HASH_KEY", "PIISCAN_POLICY", "PIISCAN_DETECTOR_PACKS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)  # no piiscan.toml of the test runner's folder
    r = GitRepo(tmp_path / "repo")
    r.commit("init", {"app.py": "print('hello')\n", "README.md": "# demo\n"})
    r.branch("feature")
    return r


def customers(c: Canaries, n: int = 3) -> tuple[str, list[str]]:
    ssns = [c.ssn(i) for i in range(n)]
    rows = "".join(f"Customer {i},{ssn}\n" for i, ssn in enumerate(ssns))
    return "name,ssn\n" + rows, ssns


def salted_baseline(salt: bytes, path: str, values: list[str], **extra: object) -> str:
    fp = Fingerprinter(salt)
    entries = [
        {"path": path, "entity_type": "US_SSN", "fingerprint": fp("US_SSN", v), "line_hint": 2}
        for v in values
    ]
    body = {"piiscan_baseline": 1, "key": "salt", "salt": salt.hex(), **extra, "entries": entries}
    return json.dumps(body, indent=2) + "\n"


def assert_fails_on_every_value(
    repo: GitRepo, tmp_path: Path, c: Canaries, ssns: list[str], path: str, *args: str
) -> None:
    """Every output format fails, lists each SSN masked in ``path``, and leaks nothing."""
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    texts = []
    for fmt in FORMATS:
        result = gate(repo, *args, "--format", fmt, "--output", str(out / f"gate.{fmt}"))
        assert result.exit_code == 1, (fmt, result.output)
        texts.append(result.output)
    report = (out / "gate.text").read_text()
    for ssn in ssns:
        assert f"VERY_HIGH US_SSN {mask_value(ssn, 'US_SSN')}" in report, report
    assert sum(line.startswith(f"{path}:") for line in report.splitlines()) >= len(ssns)
    assert leaks(c.all, texts=texts, paths=[out]) == []


ATTACKS = {
    "gitattributes -diff": {".gitattributes": "*.csv -diff\n"},
    "gitattributes binary": {".gitattributes": "*.csv binary\n"},
    "gitattributes everything binary": {".gitattributes": "* -diff -text\n"},
    "own config lowering the policy": {"piiscan.toml": 'policy_path = "lax.yaml"\n'},
    "own dotted config lowering the policy": {".piiscan.toml": 'policy_path = "lax.yaml"\n'},
    "own config with a [piiscan] table": {"piiscan.toml": '[piiscan]\npolicy_path = "lax.yaml"\n'},
    "own config raising min_score": {"piiscan.toml": "min_score = 1.0\n"},
    "own pack allowing everything": {
        "piiscan.toml": 'detector_packs = ["packs"]\n',
        "packs/allow.yaml": ALLOW_ALL_PACK,
    },
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_files_the_branch_adds_do_not_hide_its_data(
    repo: GitRepo, tmp_path: Path, attack: str
) -> None:
    c = Canaries()
    body, ssns = customers(c)
    files = {"data.csv": body, "lax.yaml": LAX_POLICY, **ATTACKS[attack]}
    repo.commit(attack, files)
    assert_fails_on_every_value(repo, tmp_path, c, ssns, "data.csv")


def test_a_baseline_the_branch_adds_is_not_honoured(repo: GitRepo, tmp_path: Path) -> None:
    """A baseline keyed by a salt the author chose, accepting the branch's own data."""
    c = Canaries()
    body, ssns = customers(c)
    own = salted_baseline(b"x" * 16, "data.csv", ssns)
    repo.commit("accept my own", {"data.csv": body, DEFAULT_FILE: own})
    assert_fails_on_every_value(repo, tmp_path, c, ssns, "data.csv")
    result = gate(repo)
    assert f"note: the change edits {DEFAULT_FILE}" in result.output, result.output


def test_a_baseline_the_branch_edits_is_not_honoured(repo: GitRepo, tmp_path: Path) -> None:
    """main has a baseline; the branch adds its new values to it."""
    c = Canaries()
    body, ssns = customers(c)
    repo.checkout("main")
    repo.commit("baseline", {DEFAULT_FILE: salted_baseline(b"s" * 16, "old.csv", [])})
    repo.checkout("feature")
    repo.git("merge", "-q", "main")
    edited = salted_baseline(b"s" * 16, "data.csv", ssns)
    repo.commit("accept", {"data.csv": body, DEFAULT_FILE: edited})
    assert_fails_on_every_value(repo, tmp_path, c, ssns, "data.csv")


@pytest.mark.parametrize("where", ["extra field", "entry path"])
def test_data_inside_the_baseline_file_is_scanned(
    repo: GitRepo, tmp_path: Path, where: str
) -> None:
    c = Canaries()
    ssns = [c.ssn(i) for i in range(2)]
    if where == "extra field":
        text = salted_baseline(b"k" * 16, "a.csv", [], comment=f"ssn {ssns[0]} and {ssns[1]}")
    else:
        text = salted_baseline(b"k" * 16, f"hr/{ssns[0]} {ssns[1]}.txt", ssns)
    repo.commit("hide in the baseline", {DEFAULT_FILE: text})
    assert_fails_on_every_value(repo, tmp_path, c, ssns, DEFAULT_FILE)


def test_the_base_branch_settings_apply_and_the_branch_edit_does_not(repo: GitRepo) -> None:
    """main's piiscan.toml rates e-mail very_high; the branch lowers the policy file."""
    repo.checkout("main")
    repo.commit("policy", {"piiscan.toml": POLICY_TOML, "ci/policy.yaml": STRICT_POLICY})
    repo.checkout("feature")
    repo.git("merge", "-q", "main")
    repo.commit("lower it", {"ci/policy.yaml": LAX_POLICY, "notes.txt": MAIL})
    result = gate(repo, "--fail-on", "very_high")
    assert result.exit_code == 1, result.output
    assert "VERY_HIGH EMAIL_ADDRESS" in result.output
    assert "note: the change edits ci/policy.yaml" in result.output


def test_settings_of_the_base_tip_apply_without_a_rebase(repo: GitRepo) -> None:
    """A policy merged into main after the branch forked applies to the branch."""
    repo.commit("mail", {"notes.txt": MAIL})
    repo.checkout("main")
    repo.commit("policy", {"piiscan.toml": POLICY_TOML, "ci/policy.yaml": STRICT_POLICY})
    repo.checkout("feature")
    assert gate(repo, "main", "--fail-on", "very_high").exit_code == 1


@pytest.mark.parametrize("how", ["--policy", "PIISCAN_POLICY"])
def test_ci_policy_inside_the_checkout_is_read_from_the_base(repo: GitRepo, how: str) -> None:
    repo.checkout("main")
    repo.commit("policy", {"ci/policy.yaml": STRICT_POLICY})
    repo.checkout("feature")
    repo.git("merge", "-q", "main")
    repo.commit("lower it", {"ci/policy.yaml": LAX_POLICY, "notes.txt": MAIL})
    policy = str(repo.path / "ci" / "policy.yaml")
    if how == "--policy":
        result = gate(repo, "--fail-on", "very_high", "--policy", policy)
    else:
        result = gate(repo, "--fail-on", "very_high", env={"PIISCAN_POLICY": policy})
    assert result.exit_code == 1, result.output


@pytest.mark.parametrize("how", ["file", "symlink to it", "parent a symlink out of the repo"])
def test_ci_policy_the_branch_adds_is_refused(repo: GitRepo, tmp_path: Path, how: str) -> None:
    """A path CI gives inside the checkout that BASE lacks: the branch made it."""
    repo.write("lax/lax.yaml", LAX_POLICY)
    if how == "symlink to it":
        (repo.path / "ci").mkdir()
        (repo.path / "ci" / "lax.yaml").symlink_to("../lax/lax.yaml")
    elif how == "parent a symlink out of the repo":
        (tmp_path / "elsewhere").mkdir()
        (tmp_path / "elsewhere" / "lax.yaml").write_text(LAX_POLICY)
        (repo.path / "ci").symlink_to(tmp_path / "elsewhere")
    else:
        repo.write("ci/lax.yaml", LAX_POLICY)
    repo.commit("lax")
    result = gate(repo, "--policy", str(repo.path / "ci" / "lax.yaml"))
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error:")
    assert "added by the change under review" in result.output


def test_ci_paths_outside_the_checkout_are_honoured(repo: GitRepo, tmp_path: Path) -> None:
    strict = tmp_path / "ci-policy.yaml"
    strict.write_text(STRICT_POLICY)
    config = tmp_path / "ci.toml"
    config.write_text(f'policy_path = "{strict}"\n')
    repo.commit("mail", {"notes.txt": MAIL})
    assert gate(repo, "--fail-on", "very_high").exit_code == 0
    assert gate(repo, "--fail-on", "very_high", "--policy", str(strict)).exit_code == 1
    assert gate(repo, "--fail-on", "very_high", "--config", str(config)).exit_code == 1


def test_salted_baseline_is_refused_when_a_key_is_configured(repo: GitRepo) -> None:
    repo.checkout("main")
    repo.commit("baseline", {DEFAULT_FILE: salted_baseline(b"s" * 16, "old.csv", [])})
    repo.checkout("feature")
    repo.commit("code", {"app.py": "print(2)\n"})
    result = gate(repo, env={"PIISCAN_HASH_KEY": "ci-secret"})
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error:") and "salt" in result.output
    assert "PIISCAN_HASH_KEY=" in result.output and "baseline create" in result.output
    assert "ci-secret" not in result.output
    assert gate(repo).exit_code == 0  # no key configured: the salted baseline is used


# Fingerprints of a real baseline run that Presidio's MEDICAL_LICENSE pattern matches.
HEX_LOOKALIKES = (
    "69f9b11cc7e9291104148bef14b9fd32",
    "14e1a95362835a7d06e7a4b01ad212f3",
    "3dc17f2437757533c262dc3863037d77",
)


def test_a_baseline_update_on_the_branch_is_scanned_without_false_findings(
    repo: GitRepo,
) -> None:
    """The baseline's own hashes are random hex: not analysed; everything else is."""
    entries = [
        {"path": "data/old.csv", "entity_type": "US_SSN", "fingerprint": fp, "line_hint": 2}
        for fp in HEX_LOOKALIKES
    ]
    body = {
        "piiscan_baseline": 1,
        "policy": {"name": "piiscan-default", "version": "1.0", "digest": "0d1234567ab1"},
        "key": "salt",
        "salt": "ab1234567cd89ef01234567890abcdef",
        "entries": entries,
    }
    repo.commit("baseline update", {DEFAULT_FILE: json.dumps(body, indent=2) + "\n"})
    result = gate(repo, "--fail-on", "low")
    assert result.exit_code == 0, result.output
    assert "scanned 30 added lines in 1 files" in result.output  # the file was read


@pytest.mark.parametrize(
    ("line", "blanked"),
    [
        ('  "fingerprint": "69f9b11cc7e9291104148bef14b9fd32",', True),
        ('{"salt": "ab1234567cd89ef01234567890abcdef", "x": 1}', True),
        ('"fingerprint": "219-45-6789 and some more text here"', False),
        ('"fingerprint": "69f9b11cc7e9291104148bef14b9fd3"', False),  # 31 digits
        ('"note": "69f9b11cc7e9291104148bef14b9fd32"', False),
    ],
)
def test_blank_own_hashes_keeps_columns(line: str, blanked: bool) -> None:
    from piiscan.gate.baseline import blank_own_hashes

    out = blank_own_hashes(line)
    assert len(out) == len(line)
    assert (out != line) is blanked


@pytest.mark.parametrize("how", ["--spacy-model", "PIISCAN_SPACY_MODEL"])
def test_a_spacy_model_tracked_in_the_repository_is_refused(repo: GitRepo, how: str) -> None:
    """Loading a model runs its code: never one the branch under review can change."""
    repo.commit("model", {"models/evil/meta.json": "{}\n", "models/evil/config.cfg": "\n"})
    model = str(repo.path / "models" / "evil")
    if how == "--spacy-model":
        result = gate(repo, "--spacy-model", model)
    else:
        result = gate(repo, "--ner", env={"PIISCAN_SPACY_MODEL": model})
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error:") and "does not load a model" in result.output


def test_errors_name_the_trusted_commits_files(repo: GitRepo) -> None:
    repo.checkout("main")
    repo.commit("policy", {"piiscan.toml": POLICY_TOML, "ci/policy.yaml": "entities: [oops\n"})
    repo.checkout("feature")
    result = gate(repo, "main")
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error:") and "ci/policy.yaml of main" in result.output
    assert "piiscan-gate-" not in result.output


def test_packs_the_base_config_names_are_read_from_the_base(repo: GitRepo) -> None:
    """A folder of packs is written out of the trusted commit's tree (sub-folders too)."""
    allow_corp = 'allow_list:\n  - entity: EMAIL_ADDRESS\n    patterns: [".*@corp-mail\\\\.com"]\n'
    repo.checkout("main")
    repo.commit(
        "packs",
        {
            "piiscan.toml": 'detector_packs = ["ci/packs"]\n',
            "ci/packs/corp.yaml": allow_corp,
            "ci/packs/docs/README.md": "# our packs\n",
        },
    )
    repo.checkout("feature")
    repo.git("merge", "-q", "main")
    repo.commit("mail", {"notes.txt": MAIL, "ci/packs/corp.yaml": "allow_list: []\n"})
    result = gate(repo)
    assert result.exit_code == 0, result.output
    assert "note: the change edits ci/packs/corp.yaml" in result.output
