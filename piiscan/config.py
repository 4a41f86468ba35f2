"""Scan settings: one frozen object built from defaults, a config file, the environment and flags.

Precedence (lowest to highest): built-in defaults → config file (``piiscan.toml`` /
``.piiscan.toml`` in the working directory, or ``--config``) → ``PIISCAN_*`` environment
variables → command-line flags.

A plugin's options are its own table in the config file, ``[piiscan.plugins.<name>]``
(or ``[piiscan.detectors.<name>]``, ``[piiscan.connectors.<name>]``,
``[piiscan.reporters.<name>]``, ``[piiscan.formats.<name>]`` for one kind of plugin of
that name): :meth:`Config.plugin_options`. Such a table never selects anything; the list
``detectors = ["presidio", "column_names"]`` does.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from piiscan.errors import ConfigError

DEFAULT_SAMPLE_ROWS = 2000
#: Seconds one SQL statement may run, and wait for a lock (PostgreSQL; 0: no limit).
DEFAULT_STATEMENT_TIMEOUT = 600.0
DEFAULT_LOCK_TIMEOUT = 30.0
DEFAULT_CONFIG_FILES = ("piiscan.toml", ".piiscan.toml")
EVIDENCE_MODES = ("masked", "hash", "none")
#: Config-file tables of plugin options: ``[piiscan.<table>.<plugin name>]`` → the plugin
#: kind they are for (``None``: any kind of that name).
PLUGIN_TABLES: dict[str, str | None] = {
    "plugins": None,
    "detectors": "detector",
    "connectors": "connector",
    "reporters": "reporter",
    "formats": "format",
}


@dataclass(frozen=True)
class Config:
    """Everything a scan needs to know besides its sources."""

    sample_rows: int = DEFAULT_SAMPLE_ROWS
    full: bool = False
    max_values_per_field: int = 400
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    spacy_model: str | None = None
    policy_path: str | None = None
    evidence: str = "masked"
    evidence_examples: int = 2
    hash_key: bytes | None = field(default=None, repr=False)
    min_score: float = 0.5
    language: str = "en"
    batch_rows: int = 1000
    max_text_bytes: int = 20_000_000
    max_line_chars: int = 100_000
    max_cell_chars: int = 5_000
    seed: int = 0
    progress: bool = True
    detectors: tuple[str, ...] = ()
    detector_packs: tuple[str, ...] = ()
    # The built-in allow-list of published test values (test cards, example SSNs/IBANs).
    default_allow_list: bool = True
    # Object storage (fsspec): custom endpoint for S3-compatible stores.
    endpoint_url: str | None = None
    # Bytes read from one text-like object when sampling (not --full).
    sample_bytes: int = 8_000_000
    # Archive limits: total uncompressed bytes, expansion ratio, nesting depth, members.
    max_archive_bytes: int = 1_000_000_000
    max_archive_ratio: int = 200
    max_archive_depth: int = 3
    max_archive_members: int = 10_000
    # Incremental rescans and resumable scans: a SQLite state file (None: off).
    state_path: str | None = None
    # Set reserved/test values (example.com, 555-01xx, test cards, the anonymizer's
    # surrogates) aside: counted per field, never findings. --no-default-allow-list, the
    # demo, the gate and the anonymizer's planning scan count them as real (False).
    # Pseudonym tokens (``Person 3FA9…``) are set aside either way.
    ignore_reserved: bool = True
    # Worker processes analysing values in --full scans (1: in the scanning process).
    jobs: int = 1
    # PostgreSQL, per statement, in seconds (0: no limit): a slow view or a table another
    # session locks becomes an error of that asset and the scan goes on.
    statement_timeout: float = DEFAULT_STATEMENT_TIMEOUT
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT
    # Plugin options from the config file: table (``plugins``, ``detectors``, …) → plugin
    # name → options. Never shown (an option may be a credential), never hashed.
    plugin_tables: Mapping[str, Mapping[str, Mapping[str, Any]]] = field(
        default_factory=dict, repr=False, hash=False
    )

    def __post_init__(self) -> None:
        if self.sample_rows < 1:
            raise ConfigError("sample_rows must be at least 1")
        if self.evidence not in EVIDENCE_MODES:
            raise ConfigError(
                f"evidence must be one of {', '.join(EVIDENCE_MODES)}, not {self.evidence!r}"
            )
        if self.jobs < 1:
            raise ConfigError("jobs must be at least 1")
        if not 0.0 <= self.min_score <= 1.0:
            raise ConfigError("min_score must be between 0 and 1")
        for name in ("statement_timeout", "lock_timeout"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must be 0 (no limit) or a number of seconds")

    def with_overrides(self, **overrides: Any) -> Config:
        """Return a copy with the given non-None overrides applied."""
        clean = {k: v for k, v in overrides.items() if v is not None}
        unknown = set(clean) - {f.name for f in fields(self)}
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return replace(self, **clean)

    def plugin_options(self, name: str, kind: str | None = None) -> Mapping[str, Any]:
        """The options of plugin ``name``: its ``[piiscan.plugins.<name>]`` table, with the
        table of its ``kind`` (``detector`` → ``[piiscan.detectors.<name>]``) over it.
        Read-only; empty when the config file has none."""
        options = dict(self.plugin_tables.get("plugins", {}).get(name, {}))
        for table, table_kind in PLUGIN_TABLES.items():
            if kind is not None and table_kind == kind:
                options.update(self.plugin_tables.get(table, {}).get(name, {}))
        return MappingProxyType(options)

    def public_settings(self) -> dict[str, Any]:
        """Settings worth recording in the inventory (no secrets)."""
        return {
            "sample_rows": self.sample_rows,
            "full": self.full,
            "max_values_per_field": self.max_values_per_field,
            "include": list(self.include),
            "exclude": list(self.exclude),
            "min_score": self.min_score,
            "evidence": self.evidence,
            "language": self.language,
            "ignore_reserved": self.ignore_reserved,
        }


def _paths(value: str) -> tuple[str, ...]:
    """An ``os.pathsep``-separated list of paths."""
    return tuple(p for p in value.split(os.pathsep) if p)


def _plugin_tables(section: Mapping[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """The plugin-option tables of a config file's ``[piiscan]`` section (whether the
    plugins they name are installed is checked by
    :func:`piiscan.registry.check_plugin_tables`). ``detectors = [..]``, a list, selects
    detectors and is no table."""
    tables: dict[str, dict[str, dict[str, Any]]] = {}
    for key, value in section.items():
        table = key.replace("-", "_")
        if table not in PLUGIN_TABLES or (table != "plugins" and not isinstance(value, dict)):
            continue
        if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
            raise ConfigError(
                f"{key}: give each plugin's options as a table, [piiscan.{table}.<name>]"
                + ("" if table == "plugins" else f" (a list, {table} = [...], selects)")
            )
        tables[table] = {name: dict(options) for name, options in value.items()}
    return tables


_ENV: dict[str, tuple[str, Callable[[str], Any]]] = {
    "PIISCAN_SPACY_MODEL": ("spacy_model", str),
    "PIISCAN_POLICY": ("policy_path", str),
    "PIISCAN_SAMPLE_ROWS": ("sample_rows", int),
    "PIISCAN_EVIDENCE": ("evidence", str),
    "PIISCAN_ENDPOINT_URL": ("endpoint_url", str),
    "PIISCAN_STATE": ("state_path", str),
    "PIISCAN_DETECTOR_PACKS": ("detector_packs", _paths),
    "PIISCAN_JOBS": ("jobs", int),
    "PIISCAN_STATEMENT_TIMEOUT": ("statement_timeout", float),
    "PIISCAN_LOCK_TIMEOUT": ("lock_timeout", float),
}


def load_config(
    path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Config:
    """Build a :class:`Config` from a TOML file, the environment and explicit overrides."""
    values: dict[str, Any] = {}
    file = (
        Path(path)
        if path
        else next((Path(p) for p in DEFAULT_CONFIG_FILES if Path(p).is_file()), None)
    )
    if path and not Path(path).is_file():
        raise ConfigError(f"config file not found: {path}")
    if file is not None:
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config file {file}: {exc}") from exc
        section = data.get("piiscan", data)
        tables = _plugin_tables(section)
        if tables:
            values["plugin_tables"] = tables
        for key, value in section.items():
            key = key.replace("-", "_")
            if key in tables:
                continue
            values[key] = tuple(value) if isinstance(value, list) else value
    environ: Mapping[str, str] = os.environ if env is None else env
    for var, (name, conv) in _ENV.items():
        if environ.get(var):
            try:
                values[name] = conv(environ[var])
            except ValueError as exc:
                raise ConfigError(f"{var}: {exc}") from exc
    hash_key = environ.get("PIISCAN_HASH_KEY")
    if hash_key:
        values["hash_key"] = hash_key.encode("utf-8")
    given = {k: v for k, v in overrides.items() if v is not None}
    # Without the default allow-list (--no-default-allow-list, or default_allow_list =
    # false in the file) reserved/test values count as real too, unless said otherwise.
    if given.get("default_allow_list") is False:
        given.setdefault("ignore_reserved", False)
    values.update(given)
    if values.get("default_allow_list") is False:
        values.setdefault("ignore_reserved", False)
    if isinstance(values.get("detector_packs"), str):  # one path written as a string
        values["detector_packs"] = (values["detector_packs"],)
    try:
        return Config(**values)
    except TypeError as exc:
        raise ConfigError(f"invalid configuration: {exc}") from exc
