"""The scan's side of the ``--state`` file: fingerprints, unchanged and resumed assets.

The file itself is :mod:`piiscan.state`. An asset whose fingerprint and settings match a
record is carried over without being read (an incremental rescan); one that the
interrupted run being resumed had finished is taken over as it was recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from piiscan.config import Config
from piiscan.masking import EvidenceEncoder
from piiscan.model import AssetResult
from piiscan.name_scan import ScannedName
from piiscan.plugins import Asset, Detector
from piiscan.policy import Policy
from piiscan.scanning.events import Event, EventSink
from piiscan.state import ScanState, settings_digest


def open_state(
    config: Config, policy: Policy, detectors: Sequence[Detector], encoder: EvidenceEncoder
) -> ScanState | None:
    """The state file of ``config.state_path`` under these settings (None: no state)."""
    if not config.state_path:
        return None
    digest = settings_digest(config, policy, [d.describe() for d in detectors], encoder)
    return ScanState.open(config.state_path, digest)


def fingerprint_of(asset: Asset, named: ScannedName, encoder: EvidenceEncoder) -> str | None:
    """The fingerprint the state file keeps for ``asset``. An asset whose name holds
    personal data is shown masked, and masked names may coincide: its fingerprint is
    bound to the raw name with the keyed hash, so two such assets never share a
    record; without a configured hash key (an ephemeral one) it is not kept at all."""
    fingerprint = getattr(asset, "fingerprint", None)
    if fingerprint is None or not named.personal:
        return fingerprint
    if encoder.ephemeral_key:
        return None
    return encoder.keyed_hash(f"{fingerprint}\0{named.raw}")


def resumed(
    state: ScanState | None,
    on_event: EventSink,
    name: str,
    display: str,
    fingerprint: str | None,
) -> AssetResult | None:
    """An asset the interrupted run being resumed already finished (not read again)."""
    if state is None:
        return None
    done = state.resumed(display, name, fingerprint)
    if done is None:
        return None
    on_event(Event("unchanged", display, name, message="resumed"))
    return replace(done, source=display)


def carried_over(
    state: ScanState | None,
    on_event: EventSink,
    asset: Asset,
    name: str,
    display: str,
    fingerprint: str | None,
) -> AssetResult | None:
    """The recorded result of an unchanged asset (not read again), or None."""
    if state is None or fingerprint is None:
        return None
    cached = state.lookup(display, name, fingerprint)
    if cached is None:
        return None
    on_event(Event("unchanged", display, name, message="unchanged"))
    size = asset.size if asset.size is not None else cached.size_bytes
    return replace(cached, source=display, carried_over=True, size_bytes=size, bytes_read=0)


def record(
    state: ScanState | None,
    display: str,
    name: str,
    fingerprint: str | None,
    result: AssetResult,
    *,
    scanned: bool,
) -> None:
    """Keep a finished asset in the run being recorded; one that was read (``scanned``)
    and has a fingerprint is also kept for incremental rescans."""
    if state is None:
        return
    if scanned and fingerprint is not None:
        state.record(display, name, fingerprint, result)
    state.record_in_run(display, name, fingerprint, result)
