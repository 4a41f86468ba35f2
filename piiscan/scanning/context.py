"""What reading one asset needs of its scanner, and the asset's verdict under masked names.

:class:`AssetContext` is the part of :class:`~piiscan.scanning.scanner.Scanner` that the
structured and text readers use; they take it as an argument and never import the
scanner.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from piiscan.classification import judge_asset
from piiscan.config import Config
from piiscan.masking import EvidenceEncoder
from piiscan.model import AssetResult, FieldResult, TextFinding
from piiscan.name_scan import NameScanner
from piiscan.plugins import Asset, Detector
from piiscan.policy import Policy
from piiscan.scanning.column import ColumnAnalyzer
from piiscan.scanning.events import Event


class AssetContext(Protocol):
    """Settings, policy, detectors, evidence encoder, name masking, column analysis and
    the progress callback of a scan."""

    @property
    def config(self) -> Config: ...
    @property
    def policy(self) -> Policy: ...
    @property
    def detectors(self) -> Sequence[Detector]: ...
    @property
    def encoder(self) -> EvidenceEncoder: ...
    @property
    def names(self) -> NameScanner: ...
    @property
    def columns(self) -> ColumnAnalyzer: ...

    def on_event(self, event: Event, /) -> None: ...


def judged(
    ctx: AssetContext,
    source: str,
    asset: Asset,
    rows: int,
    fields: list[FieldResult],
    findings: list[TextFinding],
    notes: list[str],
) -> AssetResult:
    """The asset's verdict under its masked name, with its field names masked and what
    the names hold added (:meth:`NameScanner.apply`); notes never quote a raw name."""
    named = ctx.names.path(asset.name)
    masked = ctx.names.apply(fields, named)
    return judge_asset(
        source, named.display, asset.kind, rows, True, masked.fields, findings,
        ctx.policy, [masked.hide(n) for n in notes] + masked.notes,
    )  # fmt: skip


def empty(ctx: AssetContext, asset: Asset, display: str, reason: str) -> AssetResult:
    """The result of an asset with no content: complete, no fields, a note."""
    return judged(ctx, display, asset, 0, [], [], [f"{reason}: nothing to scan"])
