"""``piiscan doctor``: which model a scan would load and how it was chosen, extras,
keys (set or not, never their values), config; exit 1 only when something configured
is unusable."""

from __future__ import annotations

import json
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
import spacy
from click.testing import CliRunner

from piiscan.cli import cli
from piiscan.detectors import nlp
from piiscan.doctor import check_module, diagnose
from piiscan.install import install_command
from piiscan.registry import Registry

NO_MODEL_INSTALLED = not any(spacy.util.is_package(n) for n in nlp.INSTALLED_CANDIDATES)
CLEAN = {"PIISCAN_SPACY_MODEL": "", "PIISCAN_HASH_KEY": "", "PIISCAN_ANON_KEY": ""}


def doctor(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["doctor", *args], env={**CLEAN, **(env or {})})
    return result.exit_code, result.stdout


@pytest.mark.skipif(not NO_MODEL_INSTALLED, reason="an en_core_web pipeline is installed")
def test_without_a_model_a_scan_can_run_rule_only_and_says_how_to_get_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no piiscan.toml
    code, out = doctor()
    assert code == 0, out
    assert "model: none found - rule-only: names and places are not detected" in out
    assert "python -m spacy download en_core_web_lg" in out
    assert "status: a scan can run (rule-only" in out
    code, out = doctor("--format", "json")
    data = json.loads(out)
    assert data["usable"] is True
    assert data["model"]["resolved_by"] == "none"
    assert data["model"]["detection"]["mode"] == "rule-only"
    assert data["config_file"] is None


@pytest.mark.ner
@pytest.mark.parametrize("how", ["flag", "environment", "config file"])
def test_the_model_its_labels_and_how_it_was_chosen(
        how: str, spacy_model: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    args, env = [], {}
    if how == "flag":
        args = ["--spacy-model", spacy_model]
    elif how == "environment":
        env = {"PIISCAN_SPACY_MODEL": spacy_model}
    else:
        (tmp_path / "piiscan.toml").write_text(f'[piiscan]\nspacy_model = "{spacy_model}"\n')
    code, out = doctor(*args, "--format", "json", env=env)
    assert code == 0, out
    data = json.loads(out)
    assert data["model"]["resolved_by"] == how
    assert data["model"]["detection"]["model"] == "en_ner_distilled_sm 0.1.1"
    assert {"PERSON", "GPE"} <= set(data["model"]["detection"]["labels"])
    assert data["scan"]["detection"] == "NER model en_ner_distilled_sm 0.1.1"
    assert data["config_file"] == ("piiscan.toml" if how == "config file" else None)
    code, text = doctor(*args, env=env)
    assert f"model: en_ner_distilled_sm 0.1.1 ({how})" in text
    assert "NER labels: " in text and "PERSON" in text
    assert "status: a scan can run\n" in text


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_keys_are_reported_set_never_their_value(fmt: str) -> None:
    hash_key, anon_key = "hash-SECRET-7f3a9c1e", "anon-SECRET-b82d44e0"
    code, out = doctor("--spacy-model", "none", "--format", fmt,
                       env={"PIISCAN_HASH_KEY": hash_key, "PIISCAN_ANON_KEY": anon_key})
    assert code == 0, out
    for secret in (hash_key, anon_key):
        assert secret not in out
        assert secret[5:] not in out and "SECRET" not in out
    if fmt == "json":
        assert json.loads(out)["keys"] == {"PIISCAN_HASH_KEY": "set", "PIISCAN_ANON_KEY": "set"}
    else:
        assert "PIISCAN_HASH_KEY  set" in out and "PIISCAN_ANON_KEY  set" in out


def test_unset_keys_are_reported_not_set() -> None:
    code, out = doctor("--spacy-model", "none", "--format", "json")
    assert code == 0, out
    assert json.loads(out)["keys"] == {"PIISCAN_HASH_KEY": "not set",
                                       "PIISCAN_ANON_KEY": "not set"}


@pytest.mark.parametrize("case", ["model not installed", "model path missing", "not a model",
                                  "broken config"])
def test_something_configured_and_unusable_exits_1(case: str, tmp_path: Path) -> None:
    args = ["--spacy-model", "none"]
    if case == "model not installed":
        args = ["--spacy-model", "en_core_web_xl_not_installed"]
    elif case == "model path missing":
        args = ["--spacy-model", str(tmp_path / "no-model")]
    elif case == "not a model":
        (tmp_path / "dir").mkdir()
        (tmp_path / "dir" / "meta.json").write_text("{}")
        args = ["--spacy-model", str(tmp_path / "dir")]
    else:
        bad = tmp_path / "bad.toml"
        bad.write_text("[piiscan\n")
        args += ["--config", str(bad)]
    code, out = doctor(*args)
    assert code == 1, out
    assert "status: UNUSABLE" in out
    assert "problem: " in out


def test_a_broken_plugin_is_a_problem() -> None:
    broken = EntryPoint(name="bad", value="piiscan_no_such_module:Bad", group="piiscan.detectors")
    d = diagnose(spacy_model="none", env={}, registry=Registry({"detector": [broken]}))
    assert not d.usable
    assert any(p.startswith("plugin detector bad") for p in d.problems)


def test_a_missing_driver_comes_with_its_install_command() -> None:
    missing = check_module("piiscan_no_such_driver", "gcs", "gs:// objects")
    assert not missing.available
    assert missing.install == install_command("gcs")
    assert check_module("json", None, "x").available


def test_doctor_is_listed_in_the_help() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert "doctor" in result.stdout
