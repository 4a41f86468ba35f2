"""Incremental rescans: a SQLite state file remembering each object's version and verdict.

One row per (source, asset): the fingerprint the connector reported (ETag, or size and
mtime), the :meth:`AssetResult.to_dict` of the scan (masked or hashed evidence only, as in
the inventory), when it was scanned, the tool version and a *settings digest*. A rescan
reuses a row only when both the fingerprint and the digest match, so changing the policy,
the detectors or a result-shaping setting invalidates every cached verdict.

Each record is committed on its own (WAL journal), so a scan that is killed keeps what it
finished. A file that is not a readable piiscan state file raises
:class:`piiscan.errors.ConfigError`; it is never overwritten.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piiscan import __version__
from piiscan.errors import ConfigError
from piiscan.masking import mask_url
from piiscan.model import AssetResult

if TYPE_CHECKING:
    from piiscan.config import Config
    from piiscan.masking import EvidenceEncoder
    from piiscan.policy import Policy

log = logging.getLogger(__name__)

STATE_FORMAT = "1"
#: Settings that change a verdict besides ``Config.public_settings()`` (never secrets).
_RESULT_SETTINGS = (
    "evidence_examples",
    "max_text_bytes",
    "max_line_chars",
    "max_cell_chars",
    "sample_bytes",
    "seed",
    "ignore_reserved",
    "detectors",
    "detector_packs",
    "max_archive_bytes",
    "max_archive_ratio",
    "max_archive_depth",
    "max_archive_members",
)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS piiscan_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS objects (
    source TEXT NOT NULL,
    asset TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    result TEXT NOT NULL,
    scanned_at TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    settings_digest TEXT NOT NULL,
    PRIMARY KEY (source, asset)
);
"""


def settings_digest(
    config: Config, policy: Policy, detectors: Sequence[str], encoder: EvidenceEncoder
) -> str:
    """A SHA-256 over everything that shapes a verdict: tool version, policy content,
    result-shaping settings and detector descriptions.

    With keyed-hash evidence it also covers a keyed hash of a fixed label, so hashes made
    under another key are never mixed in (an ephemeral key therefore never reuses a row).
    The key itself never enters the digest.
    """
    described = policy.describe()
    settings = {**config.public_settings(), **{k: getattr(config, k) for k in _RESULT_SETTINGS}}
    payload: dict[str, Any] = {
        "tool": __version__,
        "policy": [described.get("name"), described.get("version"), described.get("digest")],
        "settings": settings,
        "detectors": list(detectors),
    }
    if config.evidence == "hash":
        payload["key_check"] = encoder.keyed_hash("piiscan-state-key-check")
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ScanState:
    """The state file of incremental rescans; open with :meth:`open`, then close it."""

    def __init__(self, conn: sqlite3.Connection, path: str, digest: str) -> None:
        self._conn = conn
        self.path = path
        self.digest = digest
        self._write_failed = False

    @classmethod
    def open(cls, path: str | Path, settings_digest: str) -> ScanState:
        """Open (or create) the state file at ``path``; ConfigError when it is unusable."""
        where = str(path)
        if Path(where).is_dir():
            raise ConfigError(f"state file {where} is a directory")
        try:
            conn = sqlite3.connect(where, timeout=5.0)
        except sqlite3.Error as exc:
            raise ConfigError(f"cannot open state file {where}: {exc}") from exc
        try:
            _prepare(conn, where)
        except sqlite3.Error as exc:
            conn.close()
            raise ConfigError(
                f"state file {where} is not a readable piiscan state file ({exc}); "
                "give another path or remove it to start afresh"
            ) from exc
        except ConfigError:
            conn.close()
            raise
        return cls(conn, where, settings_digest)

    def lookup(self, source: str, asset: str, fingerprint: str) -> AssetResult | None:
        """The recorded result of this version of the asset under the same settings."""
        try:
            row = self._conn.execute(
                "SELECT result FROM objects WHERE source = ? AND asset = ? "
                "AND fingerprint = ? AND settings_digest = ?",
                (mask_url(source), asset, fingerprint, self.digest),
            ).fetchone()
        except sqlite3.Error as exc:
            log.warning("state file %s: lookup failed (%s); scanning again", self.path, exc)
            return None
        if row is None:
            return None
        try:
            return AssetResult.from_dict(json.loads(row[0]))
        except (ValueError, KeyError, TypeError):
            log.warning("state file %s: unusable record for %s; scanning again", self.path, asset)
            return None

    def record(self, source: str, asset: str, fingerprint: str, result: AssetResult) -> None:
        """Remember ``result`` for this version of the asset (committed at once)."""
        stored = replace(result, source=mask_url(result.source), carried_over=False)
        now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        try:
            with self._conn:
                self._conn.execute(
                    "INSERT OR REPLACE INTO objects (source, asset, fingerprint, result, "
                    "scanned_at, tool_version, settings_digest) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (mask_url(source), asset, fingerprint,
                     json.dumps(stored.to_dict(), ensure_ascii=False), now, __version__,
                     self.digest),
                )
        except sqlite3.Error as exc:  # the scan result stays valid; only the cache is lost
            if not self._write_failed:
                log.warning("state file %s: cannot record results (%s)", self.path, exc)
            self._write_failed = True

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> ScanState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _prepare(conn: sqlite3.Connection, where: str) -> None:
    """Check that ``conn`` is empty or a piiscan state file of a known format; set it up."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if tables and "piiscan_state" not in tables:
        raise ConfigError(
            f"{where} is an SQLite database but not a piiscan state file; "
            "give another path for --state"
        )
    if tables:
        row = conn.execute("SELECT value FROM piiscan_state WHERE key = 'format'").fetchone()
        if row is None or row[0] != STATE_FORMAT:
            found = row[0] if row else "unknown"
            raise ConfigError(
                f"state file {where} has format {found}, this piiscan reads {STATE_FORMAT}; "
                "give another path or remove it to start afresh"
            )
    conn.execute("PRAGMA journal_mode=WAL")
    with conn:
        conn.executescript(_SCHEMA)
        conn.execute(
            "INSERT OR IGNORE INTO piiscan_state (key, value) VALUES ('format', ?)",
            (STATE_FORMAT,),
        )
