"""Incremental rescans: a SQLite state file remembering each object's version and verdict.

One row per (source, asset): the fingerprint the connector reported (ETag, or size and
mtime), the :meth:`AssetResult.to_dict` of the scan (masked or hashed evidence only, as in
the inventory), when it was scanned, the tool version and a *settings digest*. A rescan
reuses a row only when both the fingerprint and the digest match, so changing the policy,
the detectors or a result-shaping setting invalidates every cached verdict.

Resumable scans: each scan is also a *run* (``runs``), keyed by a digest of its sources
(masked) and the settings digest. Every asset the run finishes (tables too) is kept in
``run_assets`` exactly as it appears in the inventory. When a scan with the same key finds
the last such run unfinished (the process was killed), it resumes it: the assets already
recorded are taken over without being read (files only while their fingerprint still
matches), and the final inventory equals that of an uninterrupted run. Assets that failed
are never recorded, so a resume retries them. The run is marked finished when the scan
returns; the next scan with that key starts a new run.

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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piiscan.errors import ConfigError
from piiscan.masking import mask_url
from piiscan.model import AssetResult
from piiscan.version import __version__

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
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_key TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    resumed_at TEXT,
    finished_at TEXT,
    tool_version TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS run_assets (
    run_id INTEGER NOT NULL,
    source TEXT NOT NULL,
    asset TEXT NOT NULL,
    fingerprint TEXT,
    result TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    PRIMARY KEY (run_id, source, asset)
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
        # A plugin's options shape what it finds; they only enter this one-way digest.
        "plugin_options": config.plugin_tables,
    }
    if config.evidence == "hash":
        payload["key_check"] = encoder.keyed_hash("piiscan-state-key-check")
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_key(sources: Sequence[str], digest: str) -> str:
    """The identity of a scan for resuming: its sources (masked, in order) and settings."""
    text = json.dumps([[mask_url(s) for s in sources], digest])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Run:
    """One scan recorded in the state file; ``attempt`` counts starts (1, then resumes)."""

    id: int
    key: str
    attempt: int

    @property
    def resumed(self) -> bool:
        return self.attempt > 1


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


class ScanState:
    """The state file of incremental rescans; open with :meth:`open`, then close it."""

    def __init__(self, conn: sqlite3.Connection, path: str, digest: str) -> None:
        self._conn = conn
        self.path = path
        self.digest = digest
        self._write_failed = False
        self.run: Run | None = None

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
                    (
                        mask_url(source),
                        asset,
                        fingerprint,
                        json.dumps(stored.to_dict(), ensure_ascii=False),
                        now,
                        __version__,
                        self.digest,
                    ),
                )
        except sqlite3.Error as exc:  # the scan result stays valid; only the cache is lost
            if not self._write_failed:
                log.warning("state file %s: cannot record results (%s)", self.path, exc)
            self._write_failed = True

    # -- runs (resumable scans) -------------------------------------------------------
    def begin_run(self, sources: Sequence[str]) -> Run | None:
        """Resume the last run of these sources and settings if it never finished, else
        start a new one; the run becomes :attr:`run` (None when the file is unwritable:
        the scan goes on, without resuming)."""
        self.run = None
        try:
            self.run = self._begin(run_key(sources, self.digest))
        except sqlite3.Error as exc:
            log.warning(
                "state file %s: cannot record the run (%s); it will not resume", self.path, exc
            )
        return self.run

    def _begin(self, key: str) -> Run:
        with self._conn:
            row = self._conn.execute(
                "SELECT id, status, attempts FROM runs WHERE run_key = ? ORDER BY id DESC LIMIT 1",
                (key,),
            ).fetchone()
            if row is not None and row[1] == "running":
                attempt = row[2] + 1
                self._conn.execute(
                    "UPDATE runs SET attempts = ?, resumed_at = ? WHERE id = ?",
                    (attempt, _now(), row[0]),
                )
                return Run(row[0], key, attempt)
            else:  # what earlier finished runs of this key kept is of no further use
                self._conn.execute(
                    "DELETE FROM run_assets WHERE run_id IN "
                    "(SELECT id FROM runs WHERE run_key = ? AND status = 'finished')",
                    (key,),
                )
                cur = self._conn.execute(
                    "INSERT INTO runs (run_key, status, attempts, started_at, tool_version) "
                    "VALUES (?, 'running', 1, ?, ?)",
                    (key, _now(), __version__),
                )
                return Run(int(cur.lastrowid or 0), key, 1)

    def finish_run(self) -> None:
        """Mark the current run finished: the next scan with its key starts afresh."""
        if self.run is None:
            return
        try:
            with self._conn:
                self._conn.execute(
                    "UPDATE runs SET status = 'finished', finished_at = ? WHERE id = ?",
                    (_now(), self.run.id),
                )
        except sqlite3.Error as exc:
            log.warning("state file %s: cannot mark the run finished (%s)", self.path, exc)
        self.run = None

    def resumed(self, source: str, asset: str, fingerprint: str | None) -> AssetResult | None:
        """The result the current (resumed) run already recorded for this asset, or None.

        Tables (no fingerprint) match by name; files and objects only while their
        fingerprint is the one recorded, so a file changed since is read again.
        """
        if self.run is None or not self.run.resumed:
            return None
        try:
            row = self._conn.execute(
                "SELECT fingerprint, result FROM run_assets "
                "WHERE run_id = ? AND source = ? AND asset = ?",
                (self.run.id, mask_url(source), asset),
            ).fetchone()
        except sqlite3.Error as exc:
            log.warning("state file %s: lookup failed (%s); scanning again", self.path, exc)
            return None
        if row is None or row[0] != fingerprint:
            return None
        try:
            return AssetResult.from_dict(json.loads(row[1]))
        except (ValueError, KeyError, TypeError):
            log.warning("state file %s: unusable record for %s; scanning again", self.path, asset)
            return None

    def record_in_run(
        self, source: str, asset: str, fingerprint: str | None, result: AssetResult
    ) -> None:
        """Remember ``result`` (as it stands in the inventory) as finished in this run."""
        if self.run is None:
            return
        stored = replace(result, source=mask_url(result.source))
        try:
            with self._conn:
                self._conn.execute(
                    "INSERT OR REPLACE INTO run_assets (run_id, source, asset, fingerprint, "
                    "result, attempt) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        self.run.id,
                        mask_url(source),
                        asset,
                        fingerprint,
                        json.dumps(stored.to_dict(), ensure_ascii=False),
                        self.run.attempt,
                    ),
                )
        except sqlite3.Error as exc:  # the scan result stays valid; only resuming is lost
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
