"""``piiscan diff`` and ``piiscan baseline create|update``: the pre-merge gate's commands.

Exit codes of ``diff``: 0 no new finding at or above ``--fail-on``; 1 there is one;
2 usage, config or git errors (unknown base, shallow clone, not a repository).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from piiscan.errors import UsageError
from piiscan.policy import LEVELS

FORMATS = ("text", "sarif", "github", "markdown")


def _model_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--repo",
            type=click.Path(file_okay=False, path_type=Path),
            default=Path("."),
            show_default=True,
            help="The git work tree to check.",
        ),
        click.option("--ner", is_flag=True, help="Also run spaCy NER (names, places): slower."),
        click.option("--spacy-model", help="spaCy pipeline name or path (implies --ner)."),
        click.option(
            "--policy",
            "policy_path",
            type=click.Path(dir_okay=False),
            help="Policy YAML extending/overriding the default [env: PIISCAN_POLICY].",
        ),
        click.option(
            "--config",
            "config_path",
            type=click.Path(dir_okay=False),
            help="TOML config file [default: piiscan.toml in --repo; for diff, as BASE holds it].",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def gate_load_config(
    repo: Path,
    config_path: str | None,
    ner: bool,
    spacy_model: str | None,
    policy_path: str | None,
) -> Any:
    """Settings for a gate run: rule-only unless ``--ner`` or ``--spacy-model``."""
    from piiscan.config import DEFAULT_CONFIG_FILES, load_config

    if config_path is None:
        found = next((repo / n for n in DEFAULT_CONFIG_FILES if (repo / n).is_file()), None)
        config_path = str(found) if found else None
    model = spacy_model or (None if ner else "none")
    return load_config(config_path, spacy_model=model, policy_path=policy_path)


def render(result: Any, fmt: str) -> str:
    """The result in one of :data:`FORMATS` (renderers are imported by name, lazily)."""
    name = "text_output" if fmt == "text" else fmt
    try:
        module = importlib.import_module(f"piiscan.gate.{name}")
    except ModuleNotFoundError:
        raise UsageError(f"output format {fmt!r} is not available in this install") from None
    return module.render(result)


@click.command()
@click.argument("base", required=False)
@click.option("--staged", is_flag=True, help="Check the staged changes (pre-commit).")
@click.option("--worktree", is_flag=True, help="Check uncommitted changes, untracked files too.")
@click.option(
    "--all-files",
    is_flag=True,
    help="Check every line of every tracked file, not only what a change adds.",
)
@click.option(
    "--fail-on",
    type=click.Choice(LEVELS),
    default="high",
    show_default=True,
    help="Exit 1 when a new finding is at or above this level.",
)
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Baseline of accepted findings [default: .piiscan-baseline.json as BASE holds it].",
)
@click.option(
    "--allow-test-values/--no-allow-test-values",
    default=True,
    show_default=True,
    help="Allow well-known test values (4111 1111 1111 1111, example.com, 555-01xx…).",
)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the output to this file instead of stdout.",
)
@_model_options
def diff(
    base: str | None,
    staged: bool,
    worktree: bool,
    all_files: bool,
    fail_on: str,
    baseline_path: Path | None,
    allow_test_values: bool,
    fmt: str,
    output: Path | None,
    repo: Path,
    ner: bool,
    spacy_model: str | None,
    policy_path: str | None,
    config_path: str | None,
) -> None:
    """Scan only the lines a change adds (BASE: default the merge base with the first of
    origin/HEAD, origin/main, origin/master, main, master that exists), or
    with --all-files every tracked file.

    Exit 1 when a new finding (not baselined, not allowed) is at or above --fail-on.

    Settings, policy and baseline are read as BASE holds them (HEAD without BASE), or
    from --config/--policy/--baseline outside the repository: never from the change.
    """
    from piiscan.commands.output import check_writable, write_text
    from piiscan.gate.runner import run_diff

    check_writable(output, f"{fmt} output")
    result = run_diff(
        repo,
        base,
        staged=staged,
        worktree=worktree,
        all_files=all_files,
        config_path=config_path,
        policy_path=policy_path,
        spacy_model=spacy_model or (None if ner else "none"),
        baseline_path=baseline_path,
        allow_test_values=allow_test_values,
        fail_on=fail_on,
    )
    write_text(render(result, fmt), output, f"{fmt} output")
    if output is not None or fmt != "text":
        from piiscan.gate.text_output import verdict

        click.echo(verdict(result), err=True)
    sys.exit(1 if result.failing else 0)


@click.group()
def baseline() -> None:
    """Accepted findings: a committed file of keyed hashes (no raw values)."""


_FILE_OPTION = click.option(
    "--file",
    "baseline_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Baseline file [default: .piiscan-baseline.json at the repo root].",
)


@baseline.command("create")
@click.argument("base", required=False)
@_FILE_OPTION
@_model_options
def create(
    base: str | None,
    baseline_path: Path | None,
    repo: Path,
    ner: bool,
    spacy_model: str | None,
    policy_path: str | None,
    config_path: str | None,
) -> None:
    """Accept every finding in the tracked files (of the work tree, or of BASE)."""
    from piiscan.gate.runner import create_baseline

    config = gate_load_config(repo, config_path, ner, spacy_model, policy_path)
    _report(create_baseline(repo, base, config=config, baseline_path=baseline_path), "created")


@baseline.command("update")
@_FILE_OPTION
@_model_options
def update(
    baseline_path: Path | None,
    repo: Path,
    ner: bool,
    spacy_model: str | None,
    policy_path: str | None,
    config_path: str | None,
) -> None:
    """Re-scan the tracked files with the file's key: add new findings, drop vanished ones."""
    from piiscan.gate.runner import update_baseline

    config = gate_load_config(repo, config_path, ner, spacy_model, policy_path)
    _report(update_baseline(repo, config=config, baseline_path=baseline_path), "updated")


def _report(run: Any, verb: str) -> None:
    b = run.baseline
    click.echo(
        f"{verb} {run.path}: {len(b.entries)} accepted findings "
        f"(+{run.added} -{run.dropped}) from {run.lines_scanned} lines in "
        f"{run.files_scanned} files; key: {b.key_source}"
    )
    for s in run.skipped:
        if s.reason != "deleted":
            click.echo(f"  skipped {s.path}: {s.reason}" + (f" ({s.detail})" if s.detail else ""))
    if b.key_source == "salt":
        click.echo(
            "note: the salt is stored in the file; it does not stop brute force of "
            "low-entropy values (SSNs, phones). Set PIISCAN_HASH_KEY as a CI secret "
            "for a baseline that reveals nothing without it.",
            err=True,
        )
