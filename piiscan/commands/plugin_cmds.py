"""``piiscan plugins``: the installed connectors, detectors and reporters, and any that
failed to load."""

from __future__ import annotations

import click


@click.command()
def plugins() -> None:
    """List installed connectors, detectors, reporters and file formats."""
    from piiscan.registry import default_registry

    rows = default_registry.describe()
    for kind in ("connector", "detector", "reporter", "format"):
        if kind == "format" and not any(r.kind == kind for r in rows):
            continue  # no file-format plugin installed (the built-in readers are no plugins)
        click.echo(f"{kind}s:")
        for info in (r for r in rows if r.kind == kind):
            state = "ok" if info.loaded else f"BROKEN ({info.error})"
            click.echo(
                f"  {info.name:<14} {state:<4} {info.target}"
                + (f"  - {info.description}" if info.description else "")
            )
