"""Exit codes, and the ``--fail-on`` verdict that names the assets crossing a level.

Exit codes: 0 the command ran; 1 findings at or above ``--fail-on``; 2 usage, config or
connection error (a source that could not be opened at all).
"""

from __future__ import annotations

import click

from piiscan.model import AssetResult, Inventory
from piiscan.policy import level_rank
from piiscan.terminal import printable

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

#: Assets named on stderr when --fail-on fails; the rest are counted.
FAIL_ON_LISTED = 20


def crossing(inventory: Inventory, level: str | None) -> list[AssetResult]:
    """The assets at or above ``level``, most sensitive first (none without a level)."""
    if not level:
        return []
    found = [a for a in inventory.assets if level_rank(a.sensitivity) >= level_rank(level)]
    return sorted(found, key=lambda a: (-level_rank(a.sensitivity), a.source, a.asset))


def fail_on_exit(inventory: Inventory, level: str | None) -> int:
    """Exit code for ``--fail-on``; names the assets that crossed the level on stderr."""
    found = crossing(inventory, level)
    if not found:
        return EXIT_OK
    click.echo(f"fail-on {level}: {len(found)} asset(s) at or above {level}:", err=True)
    for asset in found[:FAIL_ON_LISTED]:
        where = printable(f"{asset.asset}  ({asset.source})")
        click.echo(f"  {asset.sensitivity:<9} {where}", err=True)
    if len(found) > FAIL_ON_LISTED:
        click.echo(f"  … and {len(found) - FAIL_ON_LISTED} more", err=True)
    return EXIT_FINDINGS
