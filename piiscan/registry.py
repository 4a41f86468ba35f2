"""Plugin discovery through entry points, built-ins included; what a scan takes from it.

A plugin that fails to import is isolated: one warning naming it, and the run goes on;
only a plugin the user asked for by name turns that failure into an error.

``PIISCAN_PLUGINS=builtin`` in the environment makes discovery see piiscan's own plugins
only (the test suite sets it, so an installed third-party plugin cannot change what the
tests see); ``all`` (or unset) sees every installed one. A source's connector is chosen by
its URL scheme (:func:`resolve_connector`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Any

from piiscan.config import PLUGIN_TABLES, Config
from piiscan.errors import ConfigError, PluginError, SourceError, UsageError
from piiscan.masking import mask_url
from piiscan.plugins import source_scheme

if TYPE_CHECKING:
    from piiscan.plugins import Connector, Detector

log = logging.getLogger(__name__)

GROUPS = {
    "connector": "piiscan.connectors",
    "detector": "piiscan.detectors",
    "reporter": "piiscan.reporters",
    "format": "piiscan.formats",
}
#: The environment variable choosing which installed plugins discovery sees.
PLUGINS_ENV = "PIISCAN_PLUGINS"
PLUGIN_MODES = ("all", "builtin")


def is_builtin(ep: EntryPoint) -> bool:
    """An entry point of piiscan itself: its object lives in the ``piiscan`` package."""
    return ep.value.split(":", 1)[0].split(".", 1)[0] == "piiscan"


def builtin_only(env: Mapping[str, str] | None = None) -> bool:
    """Whether :data:`PLUGINS_ENV` limits discovery to the built-ins; PluginError for a
    value that is neither ``all`` nor ``builtin``."""
    mode = (os.environ if env is None else env).get(PLUGINS_ENV, "").strip().lower() or "all"
    if mode not in PLUGIN_MODES:
        raise PluginError(f"{PLUGINS_ENV} must be one of {', '.join(PLUGIN_MODES)}, not {mode!r}")
    return mode == "builtin"


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
    """Loads plugins of each kind lazily; ``entry_points`` can be injected for tests.

    ``builtins``: only piiscan's own plugins (True), every installed one (False), or as
    :data:`PLUGINS_ENV` says at each lookup (None, the default). Injected entry points
    are all seen.
    """

    def __init__(
        self, eps: dict[str, list[EntryPoint]] | None = None, *, builtins: bool | None = None
    ) -> None:
        self._eps = eps
        self._builtins = builtins
        self._cache: dict[tuple[str, str], Any] = {}
        self._failed: dict[tuple[str, str], str] = {}

    @classmethod
    def builtins(cls) -> Registry:
        """A registry of piiscan's own plugins, whatever else is installed."""
        return cls(builtins=True)

    def entry_points(self, kind: str) -> list[EntryPoint]:
        """The entry points of ``kind`` this registry sees, by name (none loaded)."""
        return self._entry_points(kind)

    def _entry_points(self, kind: str) -> list[EntryPoint]:
        if self._eps is not None:
            return list(self._eps.get(kind, []))
        # One entry per (name, target): a stale *.egg-info beside an install lists the
        # same plugins again.
        unique = {(ep.name, ep.value): ep for ep in entry_points(group=GROUPS[kind])}
        found = sorted(unique.values(), key=lambda ep: ep.name)
        only = self._builtins if self._builtins is not None else builtin_only()
        return [ep for ep in found if is_builtin(ep)] if only else found

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


def _claimants(
    connectors: Mapping[str, type[Connector]], scheme: str | None
) -> dict[str, type[Connector]]:
    """The connectors that declare ``scheme`` (bare paths: ``takes_paths``); for
    ``dialect+driver`` the exact scheme first, else ``dialect``."""
    if scheme is None:
        return {n: c for n, c in connectors.items() if getattr(c, "takes_paths", False)}
    for wanted in dict.fromkeys((scheme, scheme.partition("+")[0])):
        found = {n: c for n, c in connectors.items() if wanted in _schemes(n, c)}
        if found:
            return found
    return {}


def _schemes(name: str, cls: type[Connector]) -> tuple[str, ...]:
    schemes = getattr(cls, "schemes", ())
    if isinstance(schemes, tuple) and all(isinstance(s, str) for s in schemes):
        return tuple(s.lower() for s in schemes)
    log.warning("connector %s: schemes must be a tuple of strings; ignored", name)
    return ()


def installed_schemes(registry: Registry) -> list[str]:
    """Every URL scheme the installed connectors declare, sorted."""
    return sorted({s for n, c in registry.all("connector").items() for s in _schemes(n, c)})


def resolve_connector(source: str, registry: Registry) -> type[Connector]:
    """The connector of ``source``, by its URL scheme (:func:`_claimants`); a scheme no
    connector declares falls back to each connector's ``accepts()``. PluginError when two
    connectors claim the scheme; UsageError when none takes the source."""
    connectors = registry.all("connector")
    scheme = source_scheme(source)
    claims = _claimants(connectors, scheme)
    if len(claims) > 1:
        what = f"the scheme {scheme}://" if scheme else "bare paths"
        raise PluginError(
            f"connectors {' and '.join(sorted(claims))} both claim {what}: uninstall one"
        )
    if claims:
        return next(iter(claims.values()))
    for name, cls in connectors.items():
        try:
            if cls.accepts(source):
                return cls
        except Exception as exc:  # a broken plugin must not break resolution
            log.warning("connector %s failed to inspect a source: %s", name, exc)
    raise UsageError(
        f"no connector for {mask_url(source)!r}: give an existing file or directory, "
        "or a database URL such as sqlite:///path.db or postgresql://user@host/db "
        f"(installed schemes: {', '.join(installed_schemes(registry)) or 'none'})"
    )


def preflight_sources(sources: Sequence[str], registry: Registry | None = None) -> None:
    """Fail fast, before a model loads: every source has a connector and passes its
    connector's cheap checks (a local path that exists). UsageError naming the source."""
    if not sources:
        raise UsageError("give at least one source (a path or a database URL)")
    for source in sources:
        cls = resolve_connector(source, registry or default_registry)
        try:
            cls.preflight(source)
        except SourceError as exc:
            raise UsageError(f"{mask_url(source)}: {exc}") from None


def check_plugin_tables(config: Config, registry: Registry) -> None:
    """ConfigError when a plugin-option table of the config file names a plugin that is
    not installed (``[piiscan.detectors.nosuch]``), naming the installed ones."""
    for table, named in config.plugin_tables.items():
        kind = PLUGIN_TABLES.get(table)
        kinds = [kind] if kind is not None else list(GROUPS)
        installed = sorted({n for k in kinds for n in registry.names(k)})
        for name in named:
            if name not in installed:
                raise ConfigError(
                    f"[piiscan.{table}.{name}] in the config file: no {kind or 'plugin'} "
                    f"{name!r} is installed (installed: {', '.join(installed) or 'none'})"
                )


def build_detectors(config: Config, registry: Registry) -> list[Detector]:
    """Instantiate the selected detectors (all installed ones by default), once per scan;
    first, the config file's plugin tables must name installed plugins."""
    check_plugin_tables(config, registry)
    if config.detectors:
        classes = {name: registry.get("detector", name) for name in config.detectors}
    else:
        classes = registry.all("detector")
    return [cls(config) for cls in classes.values()]
