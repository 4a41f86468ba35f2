"""``piiscan packs check FILE...``: validate detector packs and summarise what they add.

Each file (or folder of ``*.yaml``/``*.yml``) is validated as a scan would load it
(:mod:`piiscan.detectors.packs`): one line per valid pack, one ``invalid:`` line on
stderr per invalid one, exit 2 when any is invalid.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from piiscan.commands.messages import warn
from piiscan.errors import ConfigError
from piiscan.policy import load_policy

if TYPE_CHECKING:  # the packs module loads Presidio: imported when a command runs
    from piiscan.detectors.packs import Pack

EXIT_INVALID = 2


@click.group()
def packs() -> None:
    """Detector packs: YAML recognizers, allow-lists and deny-lists."""


def summary(pack: Pack) -> str:
    """One line: recognizers and their entity types, deny-list and allow-list counts."""
    values = sum(len(r.values) for r in pack.allow)
    patterns = sum(len(r.patterns) for r in pack.allow)
    entities = ", ".join(pack.entities) or "-"
    return (
        f"{pack.origin}: ok: {len(pack.recognizers)} recognizer(s) ({entities}), "
        f"{pack.deny_tokens} deny-list token(s), {len(pack.allow)} allow-list "
        f"entr{'y' if len(pack.allow) == 1 else 'ies'} ({values} value(s), "
        f"{patterns} pattern(s))"
    )


@packs.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(exists=True, dir_okay=False),
    help="Policy to check the packs' entity types against [default: the built-in one].",
)
def check(files: tuple[Path, ...], policy_path: str | None) -> None:
    """Validate detector pack FILES (or folders of them); exit 2 if any is invalid."""
    from piiscan.detectors.packs import (
        load_pack,
        pack_files,
        unknown_entities,
        unknown_entity_message,
    )

    policy = load_policy(policy_path)
    invalid = 0
    for path in files:
        try:
            loaded = [load_pack(f) for f in pack_files(path)]
        except ConfigError as exc:
            invalid += 1
            click.echo(f"invalid: {exc}", err=True)
            continue
        for pack in loaded:
            click.echo(summary(pack))
            for entity, origin in unknown_entities([pack], policy):
                warn(f"{unknown_entity_message(entity, origin)}")
    if invalid:
        sys.exit(EXIT_INVALID)
