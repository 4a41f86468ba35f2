"""``piiscan anonymize`` and ``piiscan deanonymize``: thin wrappers over
:mod:`piiscan.anonymize.runner`. Exit 0 when the copy is complete and verified, 1 when
rows failed or the verification found personal data left, 2 on usage errors (among them
free text without an NER model, unless ``--allow-rule-only``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from piiscan.classification import TEXT_FIELD
from piiscan.commands.messages import warn
from piiscan.commands.progress import scan_progress
from piiscan.policy import LEVELS
from piiscan.terminal import printable

_KEY_FILE = click.option(
    "--key-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="File holding the secret key [default: env PIISCAN_ANON_KEY].",
)


@click.command()
@click.argument("source", required=False)
@click.option(
    "--to",
    "target",
    help="Where the de-identified copy goes: a database URL "
    "(a bare *.db path means SQLite) for a database, a path for files.",
)
@click.option(
    "--inventory",
    "inventory_path",
    type=click.Path(exists=True, dir_okay=False),
    help="Saved inventory of SOURCE to plan from [default: scan SOURCE now].",
)
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(dir_okay=False),
    help="Policy YAML; its `anonymization` section picks the operators.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="TOML config file [default: ./piiscan.toml if present].",
)
@click.option("--spacy-model", help="spaCy pipeline name or path; 'none' for rule-only.")
@click.option(
    "--allow-rule-only",
    is_flag=True,
    help="Anonymize free text without an NER model (names and places in it are then "
    "neither found nor verified) instead of refusing.",
)
@_KEY_FILE
@click.option(
    "--verify/--no-verify",
    default=True,
    show_default=True,
    help="Re-scan the output and exit 1 if personal data is left.",
)
@click.option(
    "--verify-level",
    type=click.Choice(LEVELS),
    default="high",
    show_default=True,
    help="Lowest sensitivity the verification reports.",
)
@click.option(
    "--verify-full",
    is_flag=True,
    help="Re-scan every row of the copy [default: --sample-rows rows per table].",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing target.")
@click.option(
    "--realistic-names",
    is_flag=True,
    help="Fake but realistic names instead of pseudonym tokens for PERSON.",
)
@click.option(
    "--manifest",
    "manifest_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where the manifest goes [default: next to the target].",
)
@click.option(
    "--sample-rows",
    type=click.IntRange(min=1),
    help="Rows per table read by the planning scan and the verification [default: 2000].",
)
@click.option("--generate-key", is_flag=True, help="Print a new random key and exit.")
@click.option("--progress/--no-progress", default=None, help="Progress on stderr.")
def anonymize(
    source: str | None,
    target: str | None,
    inventory_path: str | None,
    policy_path: str | None,
    config_path: str | None,
    spacy_model: str | None,
    allow_rule_only: bool,
    key_file: Path | None,
    verify: bool,
    verify_level: str,
    verify_full: bool,
    overwrite: bool,
    realistic_names: bool,
    manifest_path: Path | None,
    sample_rows: int | None,
    generate_key: bool,
    progress: bool | None,
) -> None:
    """Write a de-identified copy of SOURCE (a database URL or a path) to --to TARGET.

    Operators come from the policy per entity type, category or sensitivity level;
    pseudonyms are deterministic under the key, so joins survive. The source is
    never modified; the output appears only when complete.
    """
    from piiscan.anonymize.keys import Keyring
    from piiscan.anonymize.keys import generate_key as new_key

    if generate_key:
        click.echo(new_key())
        return
    if not source or not target:
        raise click.UsageError("give SOURCE and --to TARGET")
    from piiscan.anonymize.runner import anonymize as run
    from piiscan.config import load_config
    from piiscan.reports.loading import load_inventory

    config = load_config(
        config_path, spacy_model=spacy_model, policy_path=policy_path, sample_rows=sample_rows
    )
    keyring = Keyring.load(key_file)
    inventory = load_inventory(inventory_path) if inventory_path else None
    show = sys.stderr.isatty() if progress is None else progress
    with scan_progress(show) as on_event:
        result = run(
            source,
            target,
            config,
            keyring,
            inventory=inventory,
            verify_level=verify_level if verify else None,
            verify_full=verify_full,
            allow_rule_only=allow_rule_only,
            overwrite=overwrite,
            realistic_names=realistic_names,
            manifest_path=manifest_path,
            on_event=on_event,
            progress=(lambda m: click.echo(m, err=True)) if show else None,
        )
    _summary(result)
    sys.exit(result.exit_code)


def _summary(result: object) -> None:
    from piiscan.anonymize.runner import AnonymizeResult

    assert isinstance(result, AnonymizeResult)
    copied = [a for a in result.report.assets if a.status == "copied"]
    skipped = [a for a in result.report.assets if a.status == "skipped"]
    fields = sum(len(a["fields"]) for a in result.manifest["assets"])
    click.echo(
        f"{len(copied)} asset(s) written, {len(skipped)} skipped, "
        f"{len(result.report.failed)} failed; {fields} field(s) transformed; "
        f"manifest: {result.manifest_path}"
    )
    shown = result.manifest["assets"]  # names and reasons as the manifest shows them (masked)
    for a in (a for a in shown if a["status"] == "skipped"):
        click.echo(printable(f"skipped: {a['asset']}: {a['reason']}"), err=True)
    for a in (a for a in shown if a["status"] == "failed"):
        reason = a["reason"] or "; ".join(a["notes"])
        click.echo(printable(f"FAILED: {a['asset']}: {reason}"), err=True)
    for warning in result.manifest.get("warnings", []):
        warn(warning)
    v = result.verification
    if v is None:
        click.echo("verification: skipped (--no-verify)")
        return
    for leak in v.leaks:
        click.echo(printable(left_line(leak, v.level)), err=True)
    for err in v.errors:
        click.echo(printable(f"verification error: {err}"), err=True)
    click.echo(closing_line(v))


#: Operators that keep a (coarser) value: what is left after them needs a coarser one.
_KEEPING = ("generalize", "date_shift", "keep")


def left_line(leak: dict[str, Any], level: str) -> str:
    """``LEFT: staff.salary (high: SALARY) kept by generalize - choose ...``: names and
    types only, never a value."""
    where = (
        leak["asset"]
        if leak.get("field") in (None, TEXT_FIELD)
        else (f"{leak['asset']}.{leak['field']}")
    )
    head = f"LEFT: {where} ({leak['sensitivity']}: {', '.join(leak['entities']) or '-'})"
    op = leak.get("operator")
    higher = LEVELS[LEVELS.index(level) + 1] if level in LEVELS[:-1] else None
    coarser = "choose a coarser operator" + (f" or --verify-level {higher}" if higher else "")
    if leak.get("field") is None:
        return f"{head} raised by a combination of quasi-identifiers - {coarser} for one"
    if op in _KEEPING:
        return f"{head} kept by {op} - {coarser}"
    if op is None:
        return f"{head} not transformed: the planning scan did not find it"
    return f"{head} left after {op}"


def closing_line(v: Any) -> str:
    """``verification passed: ...`` with what the re-scan could see (model, sampling)."""
    state = "passed" if v.passed else "FAILED"
    left = f"{len(v.leaks)} field(s) at {v.level} or above left"
    power = [headline_of(v.detection)]
    if v.sampled_rows is not None:
        power.append(f"sampled {v.sampled_rows} rows per table; --verify-full rescans all")
    else:
        power.append("every row rescanned")
    return f"verification {state}: {left} ({'; '.join(power)})"


def headline_of(detection: dict[str, Any]) -> str:
    """The re-scan's detection mode; rule-only says what it could not verify."""
    from piiscan.detection import FREE_TEXT_NOT_VERIFIED, is_rule_only, model_text

    if is_rule_only(detection):
        return f"rule-only: {FREE_TEXT_NOT_VERIFIED}"
    return model_text(detection)


@click.command()
@click.argument("source")
@click.option("--to", "target", required=True, help="Where the restored copy goes.")
@click.option(
    "--manifest",
    "manifest_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The manifest `piiscan anonymize` wrote.",
)
@_KEY_FILE
@click.option("--overwrite", is_flag=True, help="Replace an existing target.")
def deanonymize(
    source: str, target: str, manifest_path: Path, key_file: Path | None, overwrite: bool
) -> None:
    """Restore the fields of an anonymized copy that the `encrypt` operator encrypted."""
    from piiscan.anonymize.keys import Keyring
    from piiscan.anonymize.runner import deanonymize as run
    from piiscan.config import load_config

    report = run(
        source, target, manifest_path, Keyring.load(key_file), load_config(), overwrite=overwrite
    )
    written = sum(1 for a in report.assets if a.status == "copied")
    skipped = sum(1 for a in report.assets if a.status == "skipped")
    click.echo(f"{written} asset(s) written, {skipped} skipped, {len(report.failed)} failed")
    sys.exit(1 if report.failed else 0)
