"""Issue 19, item 15: a "billion laughs" YAML (nine anchors of nine aliases each) loads as
a small graph that expands to 9^9 nodes once walked (the policy digest serialises it).
Every user YAML piiscan reads (policy, detector packs, declarations, activities, matrix
defaults, the declaration vocabulary) refuses aliases beyond a small budget with one
clear ConfigError, quickly; ordinary anchors still work."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from piiscan.cli import cli
from piiscan.detectors.packs import load_pack
from piiscan.errors import ConfigError, UsageError
from piiscan.policy import load_policy
from piiscan.reports.declarations import load_declarations, load_terms
from piiscan.reports.matrix import load_defaults
from piiscan.reports.userfiles import read_yaml
from piiscan.safe_yaml import MAX_ALIASES, load_yaml


def laughs(top_key: str, levels: int = 9, width: int = 9) -> str:
    """A billion-laughs document: ``a`` holds ``width`` strings, each next anchor
    ``width`` aliases of the previous one; ``top_key`` refers to the last."""
    names = [f"l{i}" for i in range(levels)]
    lines = [f"{names[0]}: &{names[0]} [" + ", ".join(['"lol"'] * width) + "]"]
    for prev, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * width) + "]")
    lines.append(f"{top_key}: *{names[-1]}")
    return "\n".join(lines) + "\n"


LOADERS: dict[str, Callable[[Path], Any]] = {
    "policy": load_policy,
    "pack": load_pack,
    "declarations": load_declarations,
    "terms": load_terms,
    "matrix defaults": load_defaults,
    "user file": lambda p: read_yaml(p, "activities"),
}


@pytest.mark.parametrize("what", list(LOADERS))
def test_billion_laughs_is_refused_quickly_with_a_config_error(tmp_path: Path,
                                                              what: str) -> None:
    path = tmp_path / f"{what.replace(' ', '_')}.yaml"
    path.write_text(laughs("entities"))
    start = time.perf_counter()
    with pytest.raises(UsageError) as info:  # ConfigError is a UsageError
        LOADERS[what](path)
    assert time.perf_counter() - start < 5
    assert "YAML aliases expand to more than" in str(info.value)
    assert "lol" not in str(info.value)


def test_the_policy_digest_of_a_laughs_policy_never_runs(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("extends: default\n" + laughs("quasi_identifier_sets", levels=7))
    with pytest.raises(ConfigError, match="billion laughs"):
        load_policy(path)


def test_scan_with_a_laughs_policy_is_one_error_line(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(laughs("entities"))
    data = tmp_path / "data.csv"
    data.write_text("a\n1\n")
    result = CliRunner().invoke(cli, ["scan", str(data), "--policy", str(policy),
                                      "--spacy-model", "none", "--no-progress"])
    assert result.exit_code == 2
    assert "Error:" in result.output and "YAML aliases" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("text", "problem"), [
    ("a: &x [1, *x]\n", "refers to itself"),
    ("base: &b {k: 1}\n" + "".join(f"u{i}: *b\n" for i in range(MAX_ALIASES + 1)),
     f"more than {MAX_ALIASES} YAML aliases"),
])
def test_recursive_and_too_many_aliases_are_refused(text: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        load_yaml(text, "x.yaml")


@pytest.mark.parametrize(("text", "expected"), [
    ("a: &x [1, 2]\nb: *x\n", {"a": [1, 2], "b": [1, 2]}),
    ("base: &b {level: high}\nx: {<<: *b, categories: [contact]}\n",
     {"base": {"level": "high"}, "x": {"level": "high", "categories": ["contact"]}}),
    ("", None),
])
def test_ordinary_anchors_still_load(text: str, expected: object) -> None:
    assert load_yaml(text, "x.yaml") == expected
