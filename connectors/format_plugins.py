"""File formats from plugins (the ``piiscan.formats`` entry-point group), by suffix.

The files connector reads the formats it knows itself (:data:`~piiscan.connectors.readers.FORMATS`);
for a file whose suffix none of them takes, it asks :class:`FormatPlugins` for a
:class:`~piiscan.plugins.FileFormat` plugin declaring that suffix. A built-in suffix is
never handed to a plugin; two plugins declaring one suffix is a warning naming both, and
the first by name reads it.
"""

from __future__ import annotations

import logging
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from piiscan.connectors.readers import COMPOUND, FORMATS

if TYPE_CHECKING:
    from piiscan.config import Config
    from piiscan.plugins import FileFormat
    from piiscan.registry import Registry

log = logging.getLogger(__name__)


class FormatPlugins:
    """The installed format plugins of one scan, built once with its config."""

    def __init__(self, registry: Registry, config: Config) -> None:
        self.by_suffix: dict[str, FileFormat] = {}
        owner: dict[str, str] = {}
        for name, cls in registry.all("format").items():
            suffixes = [s.lower() for s in getattr(cls, "suffixes", ()) if isinstance(s, str)]
            taken = [s for s in suffixes if s in FORMATS or s in COMPOUND]
            if taken:
                log.warning("format %s: built-in suffixes %s are not its", name, ", ".join(taken))
            wanted = [s for s in suffixes if s not in taken]
            if not wanted:
                continue
            try:
                instance = cls(config)
            except Exception as exc:  # a broken plugin must not break the scan
                log.warning("format %s failed to start and is skipped: %s", name, exc)
                continue
            for suffix in wanted:
                if suffix in owner:
                    log.warning(
                        "formats %s and %s both declare %s; %s reads it",
                        owner[suffix], name, suffix, owner[suffix],
                    )  # fmt: skip
                    continue
                owner[suffix] = name
                self.by_suffix[suffix] = instance

    @property
    def suffixes(self) -> tuple[str, ...]:
        return tuple(self.by_suffix)

    def for_name(self, name: str) -> FileFormat | None:
        """The plugin format reading a file of this name, by its (compound) suffix."""
        if not self.by_suffix:
            return None
        return next((self.by_suffix[k] for k in suffix_keys(name) if k in self.by_suffix), None)


def suffix_keys(name: str) -> tuple[str, str]:
    """The suffixes a format may declare for a file of this name, lower-cased and most
    specific first: its compound suffix (``.tar.gz``, or the last one alone), then its last."""
    pure = PurePosixPath(name)
    return "".join(pure.suffixes[-2:]).lower(), pure.suffix.lower()


def plugin_format_of(name: str, registry: Registry) -> str | None:
    """The name of the format plugin that declares this file's (compound) suffix, if one
    does and no built-in reader takes it; read from the classes, nothing is started."""
    wanted = suffix_keys(name)
    for plugin, cls in sorted(registry.all("format").items()):
        declared = {str(s).lower() for s in getattr(cls, "suffixes", ())}
        if any(w and w in declared and w not in FORMATS and w not in COMPOUND for w in wanted):
            return str(plugin)
    return None
