"""The inventory flattened to one row per field: what the CSV and Parquet reporters write.

Rows follow the inventory: assets in inventory order, fields in field order. A text
document is its ``(text)`` field, which already sums up the document's findings. Nothing
is dropped silently: an asset without fields gets one row with an empty field, every
scan error gets a row with status ``error`` (the reason in ``note``), and an inventory
with no row at all gets one row whose note says that no personal data was found.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from piiscan.detection import short_text
from piiscan.masking import mask_url
from piiscan.policy import level_rank

if TYPE_CHECKING:
    from piiscan.model import AssetResult, FieldResult, Inventory

#: Column name → kind (``str``, ``int`` or ``float``); every column may be empty (null).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("source", "str"),
    ("asset", "str"),
    ("kind", "str"),
    ("asset_sensitivity", "str"),
    ("field", "str"),
    ("data_type", "str"),
    ("status", "str"),
    ("sampled", "int"),
    ("nulls", "int"),
    ("entity_types", "str"),
    ("top_entity", "str"),
    ("confidence", "float"),
    ("categories", "str"),
    ("sensitivity", "str"),
    ("gdpr", "str"),
    ("evidence", "str"),
    ("note", "str"),
    #: The scan's detection mode on every row (NER model, or rule-only: names and places
    #: not detected), so a row read alone says what its "none_found" is worth.
    ("detection", "str"),
)
NAMES: tuple[str, ...] = tuple(name for name, _ in COLUMNS)
SEP = ";"
NOTHING_FOUND = "no personal data found: the inventory holds no asset and no error"

Row = dict[str, Any]


def most_sensitive_first(assets: Sequence[AssetResult]) -> list[AssetResult]:
    """Assets by level, highest first; inventory order among equals."""
    return sorted(assets, key=lambda a: -level_rank(a.sensitivity))


def _blank(**values: Any) -> Row:
    row: Row = dict.fromkeys(NAMES)
    row.update(values)
    return row


def _field_row(a: AssetResult, f: FieldResult) -> Row:
    top = max(f.entities, key=lambda e: e.confidence, default=None)
    evidence = dict.fromkeys(x for e in f.entities for x in e.evidence)
    return _blank(
        source=mask_url(a.source),
        asset=a.asset,
        kind=a.kind,
        asset_sensitivity=a.sensitivity,
        field=f.name,
        data_type=f.data_type,
        status=f.status,
        sampled=f.sampled,
        nulls=f.nulls,
        entity_types=SEP.join(e.type for e in f.entities) or None,
        top_entity=top.type if top else None,
        confidence=round(top.confidence, 3) if top else None,
        categories=SEP.join(f.categories) or None,
        sensitivity=f.sensitivity,
        gdpr=f.gdpr,
        evidence=SEP.join(evidence) or None,
    )


def field_rows(inventory: Inventory) -> Iterator[Row]:
    """Yield the rows of ``inventory`` (dicts keyed by :data:`NAMES`, ``None`` = empty)."""
    detection = short_text(inventory.detection)
    for row in _rows(inventory):
        row["detection"] = detection
        yield row


def _rows(inventory: Inventory) -> Iterator[Row]:
    empty = True
    for a in inventory.assets:
        empty = False
        if not a.fields:
            yield _blank(
                source=mask_url(a.source),
                asset=a.asset,
                kind=a.kind,
                asset_sensitivity=a.sensitivity,
                status="none_found",
                sampled=a.rows_scanned,
                note="no fields",
            )
        for f in a.fields:
            yield _field_row(a, f)
    for e in inventory.errors:
        empty = False
        yield _blank(source=mask_url(e.source), asset=e.asset, status="error", note=e.reason)
    if empty:
        yield _blank(status="none_found", note=NOTHING_FOUND)
