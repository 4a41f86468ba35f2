"""One structured asset (a table, a sheet, a tabular file): batches → fields → verdict.

Batches are read up to the sample (all of them with ``--full``, joined into larger ones
by :func:`regroup`); each column of a batch feeds its field's accumulator through the
:class:`~piiscan.scanning.column.ColumnAnalyzer`. Only accumulators survive a batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

import pyarrow as pa

from piiscan.classification import FieldAccumulator, cache_per_field
from piiscan.model import AssetResult, FieldResult
from piiscan.plugins import Asset
from piiscan.scanning.context import AssetContext, judged
from piiscan.scanning.events import Event

FULL_BATCH_ROWS = 20_000  # rows per batch in --full (small reader batches are joined)
FULL_BATCH_BYTES = 64 << 20  # ... and at most about this many bytes of Arrow data
#: Fields examined per asset (a JSON object of 400,000 keys is 400,000 fields): the rest
#: are counted in a note and the asset is marked incomplete.
MAX_FIELDS_PER_ASSET = 2_000

#: ``pyarrow.concat_batches`` (pyarrow 19), which the pyarrow stubs do not list yet.
_concat_batches: Callable[[list[pa.RecordBatch]], pa.RecordBatch] = pa.concat_batches  # type: ignore[attr-defined]


def regroup(
    batches: Iterator[pa.RecordBatch],
    on_read: Callable[[int], None] | None = None,
    rows: int | None = None,
) -> Iterator[pa.RecordBatch]:
    """Batches joined up to about ``rows`` rows (``FULL_BATCH_ROWS``): the per-call costs
    of the vectorised prefilter and of a detector call are paid once per large batch.
    Memory stays bounded by ``rows`` and :data:`FULL_BATCH_BYTES` (batches of long cells
    are not joined past it); a change of schema starts a new batch. ``on_read`` gets each
    reader batch's row count as it is read (progress)."""
    limit = rows or FULL_BATCH_ROWS
    buffer: list[pa.RecordBatch] = []
    held = held_bytes = 0
    for batch in batches:
        if on_read is not None:
            on_read(batch.num_rows)
        size = batch.nbytes
        if buffer and (batch.schema != buffer[0].schema or held_bytes + size > FULL_BATCH_BYTES):
            yield _concat_batches(buffer)
            buffer, held, held_bytes = [], 0, 0
        buffer.append(batch)
        held += batch.num_rows
        held_bytes += size
        if held >= limit:
            yield _concat_batches(buffer)
            buffer, held, held_bytes = [], 0, 0
    if buffer:
        yield _concat_batches(buffer)


def accumulator(
    ctx: AssetContext, name: str, data_type: str | None, cached: int
) -> FieldAccumulator:
    """A field's accumulator, with the detectors' hints from its name."""
    hints = tuple(h for d in ctx.detectors for h in d.field_hints(name))
    return FieldAccumulator(
        name=name,
        data_type=data_type,
        hints=hints,
        policy=ctx.policy,
        encoder=ctx.encoder,
        min_score=ctx.config.min_score,
        max_values=None if ctx.config.full else ctx.config.max_values_per_field,
        examples=ctx.config.evidence_examples,
        max_cached=cached,
    )


def scan_structured(ctx: AssetContext, asset: Asset, source: str) -> AssetResult:
    """The verdict of a structured ``asset`` of the (displayed) ``source``."""
    limit = None if ctx.config.full else ctx.config.sample_rows
    shown = ctx.names.path(asset.name).display
    declared = list(asset.columns())
    # The fields share one cache budget; a column found only in a later batch gets
    # a share as large as the others (the budget is a bound, not an exact figure).
    cached = cache_per_field(min(len(declared), MAX_FIELDS_PER_ASSET))
    accs: dict[str, FieldAccumulator] = {
        c.name: accumulator(ctx, c.name, c.data_type, cached)
        for c in declared[:MAX_FIELDS_PER_ASSET]
    }
    #: Fields beyond MAX_FIELDS_PER_ASSET: counted, never examined (the asset is incomplete).
    over = {c.name for c in declared[MAX_FIELDS_PER_ASSET:]}
    rows = 0

    def read(n: int) -> None:
        ctx.on_event(Event("rows", source, shown, rows=n))

    # --full joins the reader's batches (progress is reported as they are read).
    batches = asset.batches() if limit is not None else regroup(asset.batches(), read)
    for batch in batches:
        if limit is not None and rows >= limit:
            break
        if limit is not None and rows + batch.num_rows > limit:
            batch = batch.slice(0, limit - rows)
        schema = batch.schema
        columns = []
        for i, (name, type_) in enumerate(zip(schema.names, schema.types, strict=True)):
            acc = accs.get(name)
            if acc is None:
                if len(accs) >= MAX_FIELDS_PER_ASSET:
                    over.add(name)
                    continue
                acc = accs[name] = accumulator(ctx, name, str(type_), cached)
            columns.append((acc, batch.column(i)))
        ctx.columns.feed_batch(columns, rows, full=limit is None)
        rows += batch.num_rows
        if limit is not None:
            read(batch.num_rows)
    fields = cell_fields(list(accs.values()), getattr(asset, "unexamined", None) or {})
    notes = [
        f"field {a.name}: {a.findings_dropped} further findings not listed"
        for a in accs.values()
        if a.findings_dropped
    ]
    if not fields:
        notes.append("no columns")
    if over:
        notes.append(
            f"{len(over)} more fields not examined (an asset's first "
            f"{MAX_FIELDS_PER_ASSET} fields are; the asset is incomplete)"
        )
    notes += list(getattr(asset, "notes", ())) + ctx.columns.take_notes()
    result = judged(ctx, source, asset, rows, fields, [], notes)
    return replace(result, complete=False) if over else result


def cell_fields(accs: Sequence[FieldAccumulator], unexamined: dict[str, int]) -> list[FieldResult]:
    """The field results of a structured asset, for cells a connector opened up
    (:mod:`piiscan.connectors.cells`): a column whose cells were all read as JSON paths
    (``profile.email``) and that received no value of its own is not listed (its paths
    are); a column with binary values that could not be examined (``unexamined``: field
    -> cells) and nothing else examined is ``not_scanned``, those cells not counted as
    nulls."""
    names = {a.name for a in accs}
    out = []
    for acc in accs:
        result = acc.result()
        nested = any(n.startswith((acc.name + ".", acc.name + "[]", acc.name + "{")) for n in names)
        if nested and result.sampled == 0 and acc.name not in unexamined:
            continue
        skipped = unexamined.get(acc.name, 0)
        if skipped and result.sampled == 0:
            result = replace(result, status="not_scanned", nulls=max(0, result.nulls - skipped))
        out.append(result)
    return out
