"""One column's values to spans: the analysis the scanner, the workers and Spark share.

A column's cells become texts (:func:`to_text`); each distinct text not seen before is
analysed once, in chunks, until the field's verdict is settled, and repeats are counted
by the verdict of their first sight. A typed column's (numeric, temporal, boolean) short
values reach the detectors only for the entity types its name points to
(:func:`typed_plan`). :meth:`ColumnAnalyzer.spans` is that per-value plan on its own, for
engines that group values themselves (the Spark executors); :meth:`ColumnAnalyzer.feed`
and :meth:`ColumnAnalyzer.feed_parallel` feed a :class:`FieldAccumulator` with it, in
process or through the ``--jobs`` worker pool.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from piiscan.classification import FieldAccumulator, ValueVerdict
from piiscan.config import Config
from piiscan.declared_types import UndeclaredTypes
from piiscan.model import Span
from piiscan.plugins import Detector
from piiscan.scanning.detect import analyze_with
from piiscan.scanning.workers import WorkerPool, split

ANALYZE_CHUNK = 50  # distinct values analysed between two checks of a column's verdict
FULL_CHUNK = 20_000  # distinct values per detector call when every value is analysed (--full)

#: A number with at least this many digits may be an identifier stored as a number
#: (SSN, card, phone, account): it is analysed like text.
NUMBER_ID_DIGITS = 9

#: A temporal value with a time of day that no time-zone shift of a midnight gives
#: (seconds, fractions, minutes other than :00/:30/:45) is an event time, never a date of
#: birth: it is not analysed. ``1985-03-01T23:00:00`` (a birth date stored in UTC) is.
_EVENT_TIME = re.compile(r"T\d\d:(?!(?:00|30|45):00(?:\.0+)?(?:[+-]|Z|$))|^\d\d:\d\d")

#: The values to analyse, by the entity types wanted (None: all): (types, value indexes).
Groups = list[tuple[frozenset[str] | None, list[int]]]


def to_text(value: Any) -> str | None:
    """A cell as text for the detectors; None for nulls, empty strings and binary blobs."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


def column_kind(type_: pa.DataType) -> str:
    """``number``, ``temporal``, ``bool`` or ``text`` (everything else: analysed as text)."""
    if pa.types.is_integer(type_) or pa.types.is_floating(type_) or pa.types.is_decimal(type_):
        return "number"
    if pa.types.is_temporal(type_):
        return "temporal"
    if pa.types.is_boolean(type_):
        return "bool"
    return "text"


def typed_plan(value: str, kind: str, typed: frozenset[str]) -> frozenset[str] | None:
    """What a typed column's value is analysed for: None for everything (a long number,
    maybe an identifier), else the column's ``typed`` types (empty: not analysed)."""
    if kind == "number" and sum(c.isdigit() for c in value) >= NUMBER_ID_DIGITS:
        return None
    if kind == "temporal" and _EVENT_TIME.search(value):
        return frozenset()
    return typed


class ColumnAnalyzer:
    """Turns a column's values into spans with ``detectors``, under ``config``'s limits.

    ``pool``: the ``--jobs`` workers of the scan in progress (None: analysed in process).
    ``skip_typed`` False analyses every value of a typed column as text.
    """

    def __init__(self, detectors: Sequence[Detector], config: Config) -> None:
        self.detectors = detectors
        self.config = config
        self.chunk_size = FULL_CHUNK
        #: Typed columns' short values reach the detectors only for the types the column's
        #: name hints at or lifts (False: every value is analysed as text).
        self.skip_typed = True
        self.pool: WorkerPool | None = None
        #: Column values handed to the detectors by :meth:`spans` so far (the typed values
        #: its plan leaves out are not): what the Spark engine reports per task.
        self.values_analysed = 0
        #: Notes the workers' detectors returned for the asset being read.
        self._worker_notes: list[str] = []
        #: Collects the emitted entity types the policy lacks (None: not collected).
        self.undeclared: UndeclaredTypes | None = None

    def analyze(
        self, texts: list[str], field: str | None, entities: frozenset[str] | None = None
    ) -> list[list[Span]]:
        """Spans of every detector for each text, merged per text (only ``entities``'
        types when given)."""
        found = analyze_with(self.detectors, texts, field, entities)
        if self.undeclared is not None:
            self.undeclared.see(found)
        return found

    def typed_entities(self, acc: FieldAccumulator) -> frozenset[str]:
        """Types worth looking for in a typed (numeric, temporal, boolean) column's short
        values: those its name hints at or lifts as a recognizer's context."""
        found = set(acc.hinted)
        for detector in self.detectors:
            lifted = getattr(detector, "context_entities", None)
            if lifted is not None:
                found |= lifted(acc.name)
        return frozenset(found)

    def groups(self, acc: FieldAccumulator, type_: pa.DataType | None, values: list[str]) -> Groups:
        """The values to analyse, by the entity types wanted (None: all). A typed column's
        short values are analysed only for the types its name hints at or lifts, and not
        at all when there are none (see :func:`typed_plan`). ``type_`` None: text."""
        kind = "text" if type_ is None else column_kind(type_)
        if kind == "text" or not self.skip_typed:
            return [(None, list(range(len(values))))] if values else []
        typed = self.typed_entities(acc)
        groups: dict[frozenset[str] | None, list[int]] = {}
        for i, value in enumerate(values):
            wanted = typed_plan(value, kind, typed)
            if wanted is None or wanted:
                groups.setdefault(wanted, []).append(i)
        return list(groups.items())

    def spans(
        self, acc: FieldAccumulator, values: list[str], type_: pa.DataType | None
    ) -> list[list[Span]]:
        """Spans per value of the column ``acc`` accumulates, of Arrow type ``type_``, as
        :meth:`groups` plans them (a value not analysed has none)."""
        spans: list[list[Span]] = [[] for _ in values]
        for wanted, idx in self.groups(acc, type_, values):
            self.values_analysed += len(idx)
            found = self.analyze([values[i] for i in idx], acc.name, wanted)
            for i, value_spans in zip(idx, found, strict=True):
                spans[i] = value_spans
        return spans

    # -- feeding an accumulator ----------------------------------------------------------
    def distinct(
        self, acc: FieldAccumulator, array: pa.Array, offset: int
    ) -> tuple[dict[str, int], list[tuple[str, ValueVerdict | None]]]:
        """New distinct values (with their first row) and the repeats, each with its
        verdict when analysed before this batch (None: a repeat of a new value)."""
        first: dict[str, int] = {}
        repeats: list[tuple[str, ValueVerdict | None]] = []
        cap = None if self.config.full else self.config.max_cell_chars
        for idx, raw in enumerate(array.to_pylist()):
            text = to_text(raw)
            if text is not None and cap is not None:
                text = text[:cap]
            if text is None:
                acc.nulls += 1
            elif text in first:
                repeats.append((text, None))
            elif (verdict := acc.cached(text)) is not None:
                repeats.append((text, verdict))
            else:
                first[text] = offset + idx + 1
        return first, repeats

    @staticmethod
    def count_repeats(
        acc: FieldAccumulator,
        repeats: list[tuple[str, ValueVerdict | None]],
        added: dict[str, ValueVerdict],
    ) -> None:
        """Count the repeats once their batch's new values are ``added``, by the verdicts
        held since :meth:`distinct` (adding values may have dropped them from the cache).
        A repeat of a value never analysed (sampling stopped) is not counted."""
        for value, verdict in repeats:
            verdict = verdict if verdict is not None else added.get(value)
            if verdict is not None:
                acc.add_repeat(value, verdict)

    def feed(self, acc: FieldAccumulator, array: pa.Array, offset: int) -> None:
        """Analyse each new distinct value once, in chunks, until the verdict is settled."""
        first, repeats = self.distinct(acc, array, offset)
        added: dict[str, ValueVerdict] = {}
        pending = list(first)
        while pending:
            budget = acc.budget()
            size = self.chunk_size if budget is None else min(ANALYZE_CHUNK, budget)
            if size == 0:
                break
            chunk, pending = pending[:size], pending[size:]
            spans = self.spans(acc, chunk, array.type)
            for value, value_spans in zip(chunk, spans, strict=True):
                added[value] = acc.add(value, value_spans, first[value])
        self.count_repeats(acc, repeats, added)

    def feed_parallel(
        self, pool: WorkerPool, columns: list[tuple[FieldAccumulator, pa.Array]], offset: int
    ) -> None:
        """``--full`` with ``--jobs``: every column's distinct values go to the workers in
        pieces; results are accumulated column by column in the order of :meth:`feed`, so
        the inventory is the same as with one job."""
        pending = []
        for acc, array in columns:
            first, repeats = self.distinct(acc, array, offset)
            values = list(first)
            tasks = [
                (piece, pool.submit([values[i] for i in piece], acc.name, wanted))
                for wanted, idx in self.groups(acc, array.type, values)
                for piece in split(idx, pool.jobs)
            ]
            pending.append((acc, values, first, repeats, tasks))
        for acc, values, first, repeats, tasks in pending:
            spans: list[list[Span]] = [[] for _ in values]
            for piece, future in tasks:
                found = future.result()
                self._worker_notes += getattr(found, "notes", [])
                if self.undeclared is not None:
                    self.undeclared.see(found)
                for i, value_spans in zip(piece, found, strict=True):
                    spans[i] = value_spans
            added = {
                value: acc.add(value, value_spans, first[value])
                for value, value_spans in zip(values, spans, strict=True)
            }
            self.count_repeats(acc, repeats, added)

    def feed_batch(
        self, columns: list[tuple[FieldAccumulator, pa.Array]], offset: int, full: bool
    ) -> None:
        """One batch's columns: through the worker pool when there is one and every row is
        read (``full``), else column by column in process."""
        if self.pool is not None and full:
            self.feed_parallel(self.pool, columns, offset)
        else:
            for acc, array in columns:
                self.feed(acc, array, offset)

    def take_notes(self) -> list[str]:
        """What the detectors (and the workers' detectors) have to say about the asset just
        read (:meth:`Detector.take_notes`), once each."""
        notes = [n for d in self.detectors for n in d.take_notes()] + self._worker_notes
        self._worker_notes = []
        return list(dict.fromkeys(notes))
