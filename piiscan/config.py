"""Scan settings: one frozen object built from defaults, a config file, the environment and flags.

Precedence (lowest to highest): built-in defaults → config file (``piiscan.toml`` /
``.piiscan.toml`` in the working directory, or ``--config``) → ``PIISCAN_*`` environment
variables → command-line flags.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from piiscan.errors import ConfigError

DEFAULT_SAMPLE_ROWS = 2000
#: Seconds one SQL statement may run, and wait for a lock (PostgreSQL; 0: no limit).
DEFAULT_STATEMENT_TIMEOUT = 600.0
DEFAULT_LOCK_TIMEOUT = 30.0
DEFAULT_CONFIG_FILES = ("piiscan.toml", ".piiscan.toml")
EVIDENCE_MODES = ("masked", "hash", "none")


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


_ENV = {
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
    path: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None, **overrides: Any
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
        for key, value in section.items():
            values[key.replace("-", "_")] = tuple(value) if isinstance(value, list) else value
    env = os.environ if env is None else env
    for var, (key, conv) in _ENV.items():
        if env.get(var):
            try:
                values[key] = conv(env[var])
            except ValueError as exc:
                raise ConfigError(f"{var}: {exc}") from exc
    key = env.get("PIISCAN_HASH_KEY")
    if key:
        values["hash_key"] = key.encode("utf-8")
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
