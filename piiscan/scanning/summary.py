"""A scan's :class:`~piiscan.model.Inventory`: its assets ranked, its settings, policy,
detectors and detection mode, and the summary (:func:`piiscan.inventory_summary.summarize`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from piiscan.detection import detection_of, free_text_warning
from piiscan.inventory_summary import summarize
from piiscan.model import AssetResult, Inventory, ScanError, Skipped
from piiscan.policy import level_rank
from piiscan.scanning.context import AssetContext
from piiscan.version import __version__


def build_inventory(
    ctx: AssetContext,
    sources: Sequence[str],
    assets: list[AssetResult],
    errors: list[ScanError],
    warnings: Sequence[str] = (),
    skipped: Sequence[Skipped] = (),
    skipped_reasons: Mapping[str, int] | None = None,
) -> Inventory:
    """``sources``: as outputs show them; ``warnings``: the run's own (include/exclude
    patterns that matched nothing); ``skipped``: what connectors left out (listed),
    ``skipped_reasons``: all of it counted."""
    assets.sort(key=lambda a: (-level_rank(a.sensitivity), a.source, a.asset))
    detection = detection_of(ctx.detectors)
    warning = free_text_warning(detection, assets)
    return Inventory(
        tool={"name": "piiscan", "version": __version__},
        settings={
            **ctx.config.public_settings(),
            "hash_key": "ephemeral" if ctx.encoder.ephemeral_key else "provided",
        },
        policy=ctx.policy.describe(),
        detectors=tuple(d.describe() for d in ctx.detectors),
        sources=tuple(sources),
        assets=tuple(assets),
        errors=tuple(errors),
        generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        summary=summarize(assets, errors, skipped_reasons),
        detection=detection,
        warnings=(*warnings, *((warning,) if warning else ())),
        skipped=tuple(skipped),
    )
