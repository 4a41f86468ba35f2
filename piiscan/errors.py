"""Narrow exceptions of the library; the CLI turns them into one ``Error:`` line."""

from __future__ import annotations


class PiiscanError(Exception):
    """Base class for errors the library raises on purpose."""


class UsageError(PiiscanError):
    """The user asked for something malformed: bad URL, unknown format, missing driver.

    The CLI exits 2. The message says what to do next.
    """


class ConfigError(UsageError):
    """A config or policy file that cannot be used (CLI exit 2)."""


class SourceError(PiiscanError):
    """A whole source could not be opened (connection refused, path missing).

    Recorded in the inventory's ``errors[]``; the scan goes on with the other sources.
    """


class AssetError(PiiscanError):
    """One asset (table, file) could not be read. Recorded in ``errors[]``; the scan goes on."""


class EmptyAsset(AssetError):
    """An asset with no content at all (a zero-byte file): nothing to read, nothing
    missed. Recorded as a note on the asset, not as an error."""


class PluginError(PiiscanError):
    """A plugin failed to load or is unknown."""
