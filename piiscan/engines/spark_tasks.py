"""What runs on Spark executors: cells to distinct values, and values to field partials.

Both functions take and yield ``pyarrow.RecordBatch`` objects (``DataFrame.mapInArrow``)
and import nothing from pyspark but :class:`~pyspark.TaskContext`. The detectors are built
once per executor Python process and kept in a module-level cache keyed by the settings
(:func:`engine`); :data:`BUILDS` counts the builds so tests can check the reuse. No raw
value leaves :func:`analyse_values`: it yields counts, scores and masked evidence only.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pyarrow as pa

from piiscan.classification import (
    FieldAccumulator,
    looks_like_free_text,
    looks_like_prose,
    reserved_types,
    value_shape,
)
from piiscan.config import Config
from piiscan.connectors.readers.parquet_reader import flatten_batch
from piiscan.declared_types import scan_policy
from piiscan.engines.partial import FieldPartial, Key, ValueFinding
from piiscan.masking import EvidenceEncoder
from piiscan.model import Hint, Span
from piiscan.plugins import Detector
from piiscan.policy import Policy, load_policy
from piiscan.registry import build_detectors, default_registry
from piiscan.scanning.column import ColumnAnalyzer, to_text

#: Names of the first-occurrence key columns a file scan adds (file path, row in file).
K1, K2 = "__piiscan_k1", "__piiscan_k2"
#: ``col`` of the rows that carry row counts per key group instead of a column's values.
ROWS = -1
CELLS_SCHEMA = "col int, text string, k1 string, k2 long, n long"
STATES_SCHEMA = "col int, state string"
#: Distinct values handed to the detectors at once.
ANALYZE_CHUNK = 500

#: Detector builds in this process (each executor Python worker keeps its own count).
BUILDS = 0
_ENGINES: dict[str, Engine] = {}


@dataclass(frozen=True)
class Plan:
    """What the executors need, shipped from the driver in the task closure."""

    config: Config
    #: Evidence hash key (the driver draws one when the config has none, shared by all).
    key: bytes
    columns: tuple[str, ...]
    hints: tuple[tuple[Hint, ...], ...]
    #: Arrow type of each column (as the file reader gives it, when known).
    types: tuple[pa.DataType | None, ...]
    #: Whether the input carries the K1/K2 key columns (file scans); else partition order.
    keyed: bool

    @property
    def cap(self) -> int | None:
        """Characters of a cell analysed: all with ``--full``, as the scanner does."""
        return None if self.config.full else self.config.max_cell_chars


class Engine:
    """The detectors, policy and evidence encoder of one configuration, and the
    scanner's per-column analysis over them (:class:`ColumnAnalyzer`)."""

    def __init__(self, config: Config, key: bytes) -> None:
        self.config = config
        self.policy: Policy = load_policy(config.policy_path)
        self.detectors: list[Detector] = build_detectors(config, default_registry)
        #: With the entity types the detectors declare, as the one-process scanner's.
        self.policy = scan_policy(self.detectors, self.policy)
        self.encoder = EvidenceEncoder(config.evidence, key)
        self.columns = ColumnAnalyzer(self.detectors, config)

    def column_spans(
        self, acc: FieldAccumulator, texts: list[str], type_: pa.DataType | None
    ) -> list[list[Span]]:
        """Spans per value, as the scanner analyses this column's values (a typed
        column's short values only for the types its name points to; ``type_`` None:
        every value as text)."""
        return self.columns.spans(acc, texts, type_)

    def hints(self, field: str) -> tuple[Hint, ...]:
        return tuple(h for d in self.detectors for h in d.field_hints(field))

    def template(self, name: str, hints: tuple[Hint, ...]) -> FieldAccumulator:
        """An accumulator used only for its matching rules (hinted types, overlaps)."""
        c = self.config
        return FieldAccumulator(
            name, None, hints, self.policy, self.encoder, c.min_score, None, c.evidence_examples
        )


def executor_config(config: Config) -> Config:
    """The settings as this executor sees them: when the configured spaCy model is a path
    missing here and ``PIISCAN_SPACY_MODEL`` is set (``spark.executorEnv.*``), that one."""
    model, here = config.spacy_model, os.environ.get("PIISCAN_SPACY_MODEL")
    if not model or not here or here == model or ("/" not in model and os.sep not in model):
        return config
    return config if Path(model).exists() else replace(config, spacy_model=here)


def engine(config: Config, key: bytes) -> Engine:
    """The cached engine of these settings, built on first use in this process."""
    global BUILDS
    digest = hashlib.sha256(repr(config).encode() + b"\0" + key).hexdigest()
    found = _ENGINES.get(digest)
    if found is None:
        found = _ENGINES[digest] = Engine(config, key)
        BUILDS += 1
    return found


# -- stage 1: cells to per-batch distinct values ---------------------------------------
def explode_cells(plan: Plan, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Each column's distinct texts per batch with their count and first key; plus, per key
    group, its row count (``col`` = ROWS). Nulls come as ``text`` null."""
    index = {name: i for i, name in enumerate(plan.columns)}
    position = 0
    part = f"{_partition_id():010d}"
    for batch in batches:
        k1s: list[Any]  # file paths (or the partition), never null
        k2s: list[Any]  # rows in the file (or the partition)
        if plan.keyed:
            k1s = batch.column(K1).to_pylist()
            k2s = batch.column(K2).to_pylist()
            batch = batch.drop_columns([K1, K2])
        else:
            k1s = [part] * batch.num_rows
            k2s = list(range(position, position + batch.num_rows))
        position += batch.num_rows
        out: dict[str, list[Any]] = {"col": [], "text": [], "k1": [], "k2": [], "n": []}
        groups: dict[str, list[int]] = {}
        for row, k1 in enumerate(k1s):
            groups.setdefault(k1, [row, 0])[1] += 1
        for k1, (row, n) in groups.items():
            _emit(out, ROWS, k1, (k1, k2s[row]), n)
        flat = flatten_batch(batch)
        for name, column in zip(flat.schema.names, flat.columns, strict=True):
            col = index.get(name)
            if col is None:
                continue
            seen: dict[str | None, list[int]] = {}
            for row, raw in enumerate(column.to_pylist()):
                text = to_text(raw)
                if text is not None and plan.cap is not None:
                    text = text[: plan.cap]
                seen.setdefault(text, [row, 0])[1] += 1
            for text, (row, n) in seen.items():
                _emit(out, col, text, (k1s[row], k2s[row]), n)
        yield pa.RecordBatch.from_pydict(out, schema=_CELLS)


def _emit(out: dict[str, list[Any]], col: int, text: str | None, first: Key, n: int) -> None:
    for name, value in zip(out, (col, text, *first, n), strict=True):
        out[name].append(value)


_CELLS_FIELDS: list[pa.Field[Any]] = [
    pa.field("col", pa.int32()),
    pa.field("text", pa.string()),
    pa.field("k1", pa.string()),
    pa.field("k2", pa.int64()),
    pa.field("n", pa.int64()),
]
_CELLS = pa.schema(_CELLS_FIELDS)


def _partition_id() -> int:
    from pyspark import TaskContext

    ctx = TaskContext.get()
    return ctx.partitionId() if ctx is not None else 0


# -- stage 2: distinct values to field partials ----------------------------------------
def analyse_values(plan: Plan, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Analyse each distinct value once and fold it into its field's partial; yield one
    JSON partial per field seen, then one row of row counts and worker facts (its
    process, detector builds, values handed to the detectors)."""
    eng = engine(executor_config(plan.config), plan.key)
    analysed_before = eng.columns.values_analysed
    templates = [eng.template(n, h) for n, h in zip(plan.columns, plan.hints, strict=True)]
    partials: dict[int, FieldPartial] = {}
    rows: dict[str, int] = {}
    pending: dict[int, list[tuple[str, int, Key]]] = {}
    seen_any = False

    def partial(col: int) -> FieldPartial:
        return partials.setdefault(col, FieldPartial(examples=plan.config.evidence_examples))

    def flush(col: int) -> None:
        items = pending.pop(col, [])
        if items:
            acc = templates[col]
            spans = eng.column_spans(acc, [t for t, _, _ in items], plan.types[col])
            for (text, n, key), value_spans in zip(items, spans, strict=True):
                fold_value(acc, partial(col), text, n, key, value_spans)

    for batch in batches:
        seen_any = True
        data = batch.to_pydict()
        for col, text, n, k1, k2 in zip(
            data["col"], data["text"], data["n"], data["k1"], data["k2"], strict=True
        ):
            if col == ROWS:
                rows[text] = rows.get(text, 0) + n
            elif text is None:
                partial(col).nulls += n
            else:
                pending.setdefault(col, []).append((text, n, (k1, k2)))
                if len(pending[col]) >= ANALYZE_CHUNK:
                    flush(col)
    for col in list(pending):
        flush(col)
    if not seen_any:
        return
    out_cols = [*partials, ROWS]
    analysed = eng.columns.values_analysed - analysed_before
    facts = {"rows": rows, "pid": os.getpid(), "builds": BUILDS, "analysed": analysed}
    states = [p.to_json() for p in partials.values()] + [json.dumps(facts)]
    yield pa.RecordBatch.from_pydict({"col": out_cols, "state": states}, schema=_STATES)


_STATES_FIELDS: list[pa.Field[Any]] = [pa.field("col", pa.int32()), pa.field("state", pa.string())]
_STATES = pa.schema(_STATES_FIELDS)


def fold_value(
    acc: FieldAccumulator, partial: FieldPartial, text: str, n: int, key: Key, spans: list[Span]
) -> None:
    """Fold a distinct value seen ``n`` times into ``partial``: what ``acc.add`` and
    ``acc.add_repeat`` record (``acc`` lends its matching rules, policy and encoder)."""
    policy, encoder, min_score = acc.policy, acc.encoder, acc.min_score
    free = looks_like_free_text(text)
    entities = acc.judge_value(text, spans, free)
    personal = {e: s for e, s in entities.items() if policy.is_personal(e)}
    real = [s for s in spans if not s.reserved]
    evidence = {e: encoder.encode_detected(text, real, e) for e in personal}
    findings = [
        ValueFinding(
            s.entity_type,
            s.start,
            s.end,
            s.score,
            encoder.encode(text[s.start : s.end], s.entity_type),
        )
        for s in spans
        if free and not s.reserved and s.score >= min_score and policy.is_personal(s.entity_type)
    ]
    prose = free and looks_like_prose(text)
    partial.add_value(
        n,
        key,
        personal,
        evidence,
        free,
        findings,
        prose,
        reserved=reserved_types(entities),
        shape=None if free else value_shape(text),
    )
