"""``piiscan policy extract`` and ``piiscan policy check``: privacy policy vs. scan.

Thin wrappers over :mod:`piiscan.reports.declarations`. Library errors
(:class:`~piiscan.errors.UsageError`) reach the CLI group, which prints one ``Error:`` line
and exits 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from piiscan.commands import options as opt
from piiscan.commands.messages import warn
from piiscan.commands.output import write_text
from piiscan.errors import UsageError
from piiscan.policy import load_policy
from piiscan.reports.declarations import (
    NO_DECLARATIONS,
    Extractor,
    check_declarations,
    extract_declarations,
    load_declarations,
    load_terms,
    render_check_text,
)
from piiscan.reports.loading import load_inventory

EXIT_UNDECLARED = 1
_PATH = click.Path(exists=True, dir_okay=False, path_type=Path)
_POLICY = click.option(
    "--policy",
    "policy_path",
    type=_PATH,
    help="Policy file (entity types → categories) merged over the default one.",
)


def _read_policy_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not a privacy-policy text (not UTF-8 text)") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


@click.group()
def policy() -> None:
    """Compare a privacy policy with what a scan found."""


@policy.command()
@click.argument("privacy_policy", type=_PATH)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the YAML to this file instead of stdout.",
)
@click.option(
    "--terms",
    "terms_path",
    type=_PATH,
    help="Phrase vocabulary YAML replacing the built-in declaration_terms.yaml.",
)
@_POLICY
def extract(
    privacy_policy: Path, output: Path | None, terms_path: Path | None, policy_path: Path | None
) -> None:
    """Write the data categories and entity types PRIVACY_POLICY declares, as YAML."""
    text = _read_policy_text(privacy_policy)
    extractor = None
    if terms_path is not None or policy_path is not None:
        loaded = load_policy(policy_path)
        extractor = Extractor(load_terms(terms_path, loaded), loaded)
    declared = extract_declarations(text, privacy_policy.name, extractor)
    if not declared.categories and not declared.entities:
        warn(f"{privacy_policy}: {NO_DECLARATIONS}")
    write_text(declared.to_yaml(), output)


@policy.command()
@click.argument("inventory", type=_PATH)
@click.option(
    "--declared",
    "declared_path",
    type=_PATH,
    required=True,
    help="Declarations YAML (the output of `piiscan policy extract`, or hand-written).",
)
@opt.TEXT_OR_JSON
@click.option(
    "--fail-on-undeclared",
    is_flag=True,
    help="Exit 1 when personal data was found that the policy does not declare.",
)
@click.option(
    "--fail-on-undeclared-entities",
    is_flag=True,
    help="Exit 1 also when an entity type was found that the policy never names "
    "(even if a declared category covers it).",
)
@_POLICY
def check(
    inventory: Path,
    declared_path: Path,
    fmt: str,
    fail_on_undeclared: bool,
    fail_on_undeclared_entities: bool,
    policy_path: Path | None,
) -> None:
    """List personal data in INVENTORY the policy does not declare, and the reverse."""
    loaded = load_policy(policy_path)
    declared = load_declarations(declared_path, loaded)
    result = check_declarations(declared, load_inventory(inventory), loaded)
    if fmt == "json":
        sys.stdout.write(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render_check_text(result))
    if (fail_on_undeclared and result.undeclared) or (
        fail_on_undeclared_entities and result.undeclared_entities
    ):
        click.get_current_context().exit(EXIT_UNDECLARED)
