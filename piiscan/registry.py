"""Plugin discovery through entry points, built-ins included.

A plugin that fails to import is isolated: one warning naming it, and the run goes on;
only a plugin the user asked for by name turns that failure into an error.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from piiscan.errors import PluginError

log = logging.getLogger(__name__)

GROUPS = {
    "connector": "piiscan.connectors",
    "detector": "piiscan.detectors",
    "reporter": "piiscan.reporters",
}


@dataclass(frozen=True)
class PluginInfo:
    kind: str
    name: str
    target: str
    distribution: str | None
    loaded: bool
    error: str | None
    description: str


class Registry:
    """Loads plugins of each kind lazily; ``entry_points`` can be injected for tests."""

    def __init__(self, eps: dict[str, list[EntryPoint]] | None = None) -> None:
        self._eps = eps
        self._cache: dict[tuple[str, str], Any] = {}
        self._failed: dict[tuple[str, str], str] = {}

    def _entry_points(self, kind: str) -> list[EntryPoint]:
        if self._eps is not None:
            return list(self._eps.get(kind, []))
        return sorted(entry_points(group=GROUPS[kind]), key=lambda ep: ep.name)

    def names(self, kind: str) -> list[str]:
        return [ep.name for ep in self._entry_points(kind)]

    def _load(self, kind: str, ep: EntryPoint) -> Any:
        key = (kind, ep.name)
        if key not in self._cache and key not in self._failed:
            try:
                self._cache[key] = ep.load()
            except Exception as exc:  # a broken plugin must not break the run
                self._failed[key] = f"{type(exc).__name__}: {exc}"
                log.warning(
                    "plugin %s %r failed to load and is skipped: %s",
                    kind,
                    ep.name,
                    self._failed[key],
                )
        return self._cache.get(key)

    def get(self, kind: str, name: str) -> Any:
        """The plugin class the user asked for by name; errors are fatal here."""
        for ep in self._entry_points(kind):
            if ep.name == name:
                cls = self._load(kind, ep)
                if cls is None:
                    raise PluginError(
                        f"{kind} plugin {name!r} failed to load: {self._failed[(kind, name)]}"
                    )
                return cls
        known = ", ".join(self.names(kind)) or "none installed"
        raise PluginError(f"unknown {kind} {name!r} (available: {known})")

    def all(self, kind: str) -> dict[str, Any]:
        """Every plugin of a kind that loads; broken ones are warned about and left out."""
        out = {}
        for ep in self._entry_points(kind):
            cls = self._load(kind, ep)
            if cls is not None:
                out[ep.name] = cls
        return out

    def describe(self) -> list[PluginInfo]:
        infos = []
        for kind in GROUPS:
            for ep in self._entry_points(kind):
                cls = self._load(kind, ep)
                dist = getattr(getattr(ep, "dist", None), "name", None)
                infos.append(
                    PluginInfo(
                        kind=kind,
                        name=ep.name,
                        target=ep.value,
                        distribution=dist,
                        loaded=cls is not None,
                        error=self._failed.get((kind, ep.name)),
                        description=getattr(cls, "description", "") if cls else "",
                    )
                )
        return infos


default_registry = Registry()
