"""Orchestration: sources → connectors → assets → detectors → verdicts → inventory.

Data flows as a stream: each asset yields record batches (or lines), each batch is
analysed column by column (distinct values once), and only accumulators survive the
batch. One unreadable asset becomes an entry in ``errors[]`` and the scan goes on.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import logging
import re
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pyarrow as pa

from piiscan import __version__
from piiscan.classification import (
    TEXT_FIELD,
    FieldAccumulator,
    ValueVerdict,
    cache_per_field,
    judge_asset,
    judge_text,
    reserved_in_text,
    text_findings,
)
from piiscan.config import Config
from piiscan.detection import detection_of, free_text_warning
from piiscan.errors import AssetError, EmptyAsset, PiiscanError, SourceError, UsageError
from piiscan.log_scrub import env_secrets
from piiscan.log_scrub import register as register_secrets
from piiscan.masking import EvidenceEncoder, mask_url, scrub, url_secrets
from piiscan.model import (
    AssetResult,
    FieldResult,
    Hint,
    Inventory,
    ScanError,
    Skipped,
    Span,
    TextFinding,
)
from piiscan.name_scan import NameScanner, ScannedName
from piiscan.plugins import Asset, Connector, Detector
from piiscan.policy import Policy, level_rank, load_policy
from piiscan.prefix_summary import prefix_summary
from piiscan.registry import Registry, default_registry
from piiscan.selection import NothingSelected, Selection, unmatched_warnings
from piiscan.state import ScanState, settings_digest
from piiscan.value_scrub import driver_message, scrub_values, sqlstate
from piiscan.workers import WorkerPool, split

log = logging.getLogger(__name__)

TEXT_CHUNK_LINES = 256
ANALYZE_CHUNK = 50  # distinct values analysed between two checks of a column's verdict
FULL_CHUNK = 20_000  # distinct values per detector call when every value is analysed (--full)
FULL_BATCH_ROWS = 20_000  # rows per batch in --full (small reader batches are joined)
FULL_BATCH_BYTES = 64 << 20  # ... and at most about this many bytes of Arrow data
TEXT_WINDOW_CHARS = 5_000
MAX_FINDINGS_PER_ASSET = 1_000
#: Skipped files listed in the inventory (all of them are counted in its summary).
MAX_SKIPPED_LISTED = 1_000
#: Fields examined per asset (a JSON object of 400,000 keys is 400,000 fields): the rest
#: are counted in a note and the asset is marked incomplete.
MAX_FIELDS_PER_ASSET = 2_000


@dataclass(frozen=True)
class Event:
    """A progress event: ``kind`` is source|asset|unchanged|rows|error|done.

    ``unchanged`` carries ``message`` "unchanged" (an incremental rescan reused the
    object's result) or "resumed" (the interrupted run being resumed had finished it).
    """

    kind: str
    source: str
    asset: str | None = None
    rows: int = 0
    message: str = ""


EventSink = Callable[[Event], None]


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


#: A number with at least this many digits may be an identifier stored as a number
#: (SSN, card, phone, account): it is analysed like text.
NUMBER_ID_DIGITS = 9


def column_kind(type_: pa.DataType) -> str:
    """``number``, ``temporal``, ``bool`` or ``text`` (everything else: analysed as text)."""
    if pa.types.is_integer(type_) or pa.types.is_floating(type_) or pa.types.is_decimal(type_):
        return "number"
    if pa.types.is_temporal(type_):
        return "temporal"
    if pa.types.is_boolean(type_):
        return "bool"
    return "text"


#: A temporal value with a time of day that no time-zone shift of a midnight gives
#: (seconds, fractions, minutes other than :00/:30/:45) is an event time, never a date of
#: birth: it is not analysed. ``1985-03-01T23:00:00`` (a birth date stored in UTC) is.
_EVENT_TIME = re.compile(r"T\d\d:(?!(?:00|30|45):00(?:\.0+)?(?:[+-]|Z|$))|^\d\d:\d\d")


def typed_plan(value: str, kind: str, typed: frozenset[str]) -> frozenset[str] | None:
    """What a typed column's value is analysed for: None for everything (a long number,
    maybe an identifier), else the column's ``typed`` types (empty: not analysed)."""
    if kind == "number" and sum(c.isdigit() for c in value) >= NUMBER_ID_DIGITS:
        return None
    if kind == "temporal" and _EVENT_TIME.search(value):
        return frozenset()
    return typed


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
            yield pa.concat_batches(buffer)
            buffer, held, held_bytes = [], 0, 0
        buffer.append(batch)
        held += batch.num_rows
        held_bytes += size
        if held >= limit:
            yield pa.concat_batches(buffer)
            buffer, held, held_bytes = [], 0, 0
    if buffer:
        yield pa.concat_batches(buffer)


def _takes_entities(detector: Detector) -> bool:
    try:
        return "entities" in inspect.signature(detector.analyze).parameters
    except (TypeError, ValueError):
        return False


def analyze_with(
    detectors: Sequence[Detector],
    texts: list[str],
    field: str | None,
    entities: frozenset[str] | None = None,
) -> list[list[Span]]:
    """Spans of every detector for each text, merged per text (only ``entities``' types
    when given; detectors that predate the ``entities`` argument are filtered here)."""
    merged: list[list[Span]] = [[] for _ in texts]
    if not texts:
        return merged
    for detector in detectors:
        if entities is None:
            found = detector.analyze(texts, field=field)
        elif _takes_entities(detector):
            found = detector.analyze(texts, field=field, entities=entities)
        else:
            found = [
                [s for s in spans if s.entity_type in entities]
                for spans in detector.analyze(texts, field=field)
            ]
        for i, spans in enumerate(found):
            merged[i].extend(spans)
    return merged


def resolve_connector(source: str, registry: Registry) -> type[Connector]:
    """The connector class that accepts ``source``; UsageError when none does."""
    for name, cls in registry.all("connector").items():
        try:
            if cls.accepts(source):
                return cls
        except Exception as exc:  # a broken plugin must not break resolution
            log.warning("connector %s failed to inspect a source: %s", name, exc)
    raise UsageError(
        f"no connector for {mask_url(source)!r}: give an existing file or directory, "
        "or a database URL such as sqlite:///path.db or postgresql://user@host/db"
    )


def preflight_sources(sources: Sequence[str], registry: Registry | None = None) -> None:
    """Fail fast, before a model loads: every source has a connector and passes its
    connector's cheap checks (a local path that exists). UsageError naming the source."""
    if not sources:
        raise UsageError("give at least one source (a path or a database URL)")
    for source in sources:
        cls = resolve_connector(source, registry or default_registry)
        try:
            cls.preflight(source)
        except SourceError as exc:
            raise UsageError(f"{mask_url(source)}: {exc}") from None


def build_detectors(config: Config, registry: Registry) -> list[Detector]:
    """Instantiate the selected detectors (all installed ones by default), once per scan."""
    if config.detectors:
        classes = {name: registry.get("detector", name) for name in config.detectors}
    else:
        classes = registry.all("detector")
    return [cls(config) for cls in classes.values()]


class Scanner:
    """Scans sources into an :class:`Inventory`. Build once; reuse for several scans."""

    def __init__(
        self,
        config: Config | None = None,
        policy: Policy | None = None,
        registry: Registry | None = None,
        detectors: Sequence[Detector] | None = None,
        on_event: EventSink | None = None,
        state: ScanState | None = None,
    ) -> None:
        self.config = config or Config()
        self.policy = policy or load_policy(self.config.policy_path)
        self.registry = registry or default_registry
        self.detectors = (
            list(detectors)
            if detectors is not None
            else build_detectors(self.config, self.registry)
        )
        self._own_detectors = detectors is None and self.registry is default_registry
        self._pool: WorkerPool | None = None
        #: Notes the workers' detectors returned for the asset being read.
        self._worker_notes: list[str] = []
        self.encoder = EvidenceEncoder(self.config.evidence, self.config.hash_key)
        #: Personal data in asset and field names: found, masked, reported (name_scan.py).
        self.names = NameScanner(
            self.analyze, self.policy, self.encoder, self.config.min_score, self._hints
        )
        #: Secrets no recorded reason may hold: the environment's keys and tokens, the hash key.
        self.secrets = env_secrets() + (
            [self.config.hash_key.decode("utf-8", "replace")] if self.config.hash_key else []
        )
        self.on_event = on_event or (lambda event: None)
        self.chunk_size = FULL_CHUNK
        #: Typed columns' short values reach the detectors only for the types the column's
        #: name hints at or lifts (False: every value is analysed as text).
        self.skip_typed = True
        #: Incremental rescans: given, or opened from ``config.state_path`` (None: off).
        self.state = state
        if state is None and self.config.state_path:
            digest = settings_digest(
                self.config, self.policy, [d.describe() for d in self.detectors], self.encoder
            )
            self.state = ScanState.open(self.config.state_path, digest)

    # -- whole scan -------------------------------------------------------------------
    def scan(self, sources: Sequence[str]) -> Inventory:
        if not sources:
            raise UsageError("give at least one source (a path or a database URL)")
        classes = [resolve_connector(s, self.registry) for s in sources]
        self._pool = self._start_pool()
        try:
            return self._scan_sources(sources, classes)
        finally:
            if self._pool is not None:
                self._pool.close()
                self._pool = None

    def _start_pool(self) -> WorkerPool | None:
        """Worker processes for ``--jobs N`` in ``--full`` scans; None for one job, or when
        the detectors were handed in (workers can only rebuild the installed ones)."""
        if self.config.jobs <= 1 or not self.config.full:
            return None
        if not self._own_detectors:
            log.warning("--jobs ignored: detectors were given to the scanner")
            return None
        return WorkerPool(self.config, self.config.jobs)

    def _scan_sources(self, sources: Sequence[str], classes: list[type[Connector]]) -> Inventory:
        if self.state is not None:
            self.state.begin_run(sources)
        assets: list[AssetResult] = []
        errors: list[ScanError] = []
        #: What connectors left out on purpose: the first ones listed, all of them counted.
        skipped: list[Skipped] = []
        skipped_reasons: Counter[str] = Counter()
        #: Each opened source's include/exclude bookkeeping (None: its connector keeps none).
        selections: list[Selection | None] = []
        for source, cls in zip(sources, classes, strict=True):
            display = self.display_source(source)
            secrets_ = url_secrets(source) + self.secrets
            self.on_event(Event("source", display))
            try:
                connector = cls(source, self.config)
            except SourceError as exc:
                self._error(errors, display, None, scrub_values(scrub(str(exc), secrets_)))
                continue
            selection = getattr(connector, "selection", None)
            selections.append(selection if isinstance(selection, Selection) else None)
            try:
                for result, error in self._scan_connector(connector, display, secrets_):
                    if result is not None:
                        assets.append(result)
                    if error is not None:
                        errors.append(error)
                        self.on_event(Event("error", display, error.asset, message=error.reason))
            finally:
                for name, reason in getattr(connector, "skipped", None) or ():
                    skipped_reasons[reason] += 1
                    if len(skipped) < MAX_SKIPPED_LISTED:
                        skipped.append(Skipped(display, self.names.path(name).display, reason))
                connector.close()
        unmatched = unmatched_warnings(self.config.include, self.config.exclude, selections)
        inventory = self._inventory(sources, assets, errors, unmatched, skipped, skipped_reasons)
        if self.state is not None:
            self.state.finish_run()
        return inventory

    def close(self) -> None:
        """Release the state file, when one is open."""
        if self.state is not None:
            self.state.close()
            self.state = None

    def _scan_connector(
        self, connector: Connector, display: str, secrets_: list[str]
    ) -> Iterator[tuple[AssetResult | None, ScanError | None]]:
        try:
            for asset in connector.assets():
                named = self.names.path(asset.name)
                shown = named.display  # the name as every output shows it
                register_secrets(*named.secrets)  # third-party debug lines name it too
                self.on_event(Event("asset", display, shown))
                fingerprint = self._fingerprint(asset, named)  # before reading
                # a masked name may be another's: without a fingerprint, no resuming by it
                resumable = fingerprint is not None or not named.personal
                cached = self._resumed(shown, display, fingerprint) if resumable else None
                if cached is not None:
                    asset.known_fields(f.name for f in cached.fields)
                    yield cached, None
                    continue
                cached = self._carried_over(asset, shown, display, fingerprint)
                if cached is not None:
                    asset.known_fields(f.name for f in cached.fields)
                    self._record_in_run(display, shown, fingerprint, cached)
                    yield cached, None
                    continue
                try:
                    result = self.scan_asset(asset, display)
                    if asset.size is not None or asset.bytes_read is not None:
                        result = replace(result, size_bytes=asset.size, bytes_read=asset.bytes_read)
                except NothingSelected:  # fields, none of them selected: left out
                    continue
                except EmptyAsset as exc:  # nothing in it, nothing missed: a note
                    result = self._empty(asset, display, str(exc))
                except Exception as exc:  # one asset's failure never stops the scan
                    hidden = secrets_ + named.secrets
                    yield None, ScanError(display, shown, _failure(exc, shown, hidden))
                    continue
                if self.state is not None and fingerprint is not None:
                    self.state.record(display, shown, fingerprint, result)
                self._record_in_run(display, shown, fingerprint, result)
                yield result, None
        except Exception as exc:  # discovery itself failed: the rest of the source is lost
            yield None, ScanError(display, None, _failure(exc, display, secrets_))

    def _empty(self, asset: Asset, display: str, reason: str) -> AssetResult:
        """The result of an asset with no content: complete, no fields, a note."""
        return self._judged(display, asset, 0, [], [], [f"{reason}: nothing to scan"])

    def display_source(self, source: str) -> str:
        """A source as outputs show it: credentials masked (:func:`mask_url`), and
        personal data in its path masked like asset names."""
        return self.names.path(mask_url(source)).display

    def _hints(self, name: str) -> list[Hint]:
        return [h for d in self.detectors for h in d.field_hints(name)]

    def _fingerprint(self, asset: Asset, named: ScannedName) -> str | None:
        """The fingerprint the state file keeps for ``asset``. An asset whose name holds
        personal data is shown masked, and masked names may coincide: its fingerprint is
        bound to the raw name with the keyed hash, so two such assets never share a
        record; without a configured hash key (an ephemeral one) it is not kept at all."""
        fingerprint = getattr(asset, "fingerprint", None)
        if fingerprint is None or not named.personal:
            return fingerprint
        if self.encoder.ephemeral_key:
            return None
        return self.encoder.keyed_hash(f"{fingerprint}\0{named.raw}")

    def _judged(
        self,
        source: str,
        asset: Asset,
        rows: int,
        fields: list[FieldResult],
        findings: list[TextFinding],
        notes: list[str],
    ) -> AssetResult:
        """The asset's verdict under its masked name, with its field names masked and what
        the names hold added (:meth:`NameScanner.apply`); notes never quote a raw name."""
        named = self.names.path(asset.name)
        masked = self.names.apply(fields, named)
        return judge_asset(
            source, named.display, asset.kind, rows, True, masked.fields, findings,
            self.policy, [masked.hide(n) for n in notes] + masked.notes,
        )  # fmt: skip

    def _resumed(self, name: str, display: str, fingerprint: str | None) -> AssetResult | None:
        """An asset the interrupted run being resumed already finished (not read again)."""
        if self.state is None:
            return None
        done = self.state.resumed(display, name, fingerprint)
        if done is None:
            return None
        self.on_event(Event("unchanged", display, name, message="resumed"))
        return replace(done, source=display)

    def _record_in_run(
        self, display: str, name: str, fingerprint: str | None, result: AssetResult
    ) -> None:
        if self.state is not None:
            self.state.record_in_run(display, name, fingerprint, result)

    def _carried_over(
        self, asset: Asset, name: str, display: str, fingerprint: str | None
    ) -> AssetResult | None:
        """The recorded result of an unchanged asset (not read again), or None."""
        if self.state is None or fingerprint is None:
            return None
        cached = self.state.lookup(display, name, fingerprint)
        if cached is None:
            return None
        self.on_event(Event("unchanged", display, name, message="unchanged"))
        size = asset.size if asset.size is not None else cached.size_bytes
        return replace(cached, source=display, carried_over=True, size_bytes=size, bytes_read=0)

    def _error(self, errors: list[ScanError], source: str, asset: str | None, reason: str) -> None:
        errors.append(ScanError(source, asset, reason))
        self.on_event(Event("error", source, asset, message=reason))

    # -- one asset --------------------------------------------------------------------
    def scan_asset(self, asset: Asset, display_source: str) -> AssetResult:
        if asset.structured:
            return self._scan_structured(asset, display_source)
        return self._scan_text(asset, display_source)

    def _accumulator(self, name: str, data_type: str | None, cached: int) -> FieldAccumulator:
        hints = tuple(h for d in self.detectors for h in d.field_hints(name))
        return FieldAccumulator(
            name=name,
            data_type=data_type,
            hints=hints,
            policy=self.policy,
            encoder=self.encoder,
            min_score=self.config.min_score,
            max_values=None if self.config.full else self.config.max_values_per_field,
            examples=self.config.evidence_examples,
            max_cached=cached,
        )

    def analyze(
        self, texts: list[str], field: str | None, entities: frozenset[str] | None = None
    ) -> list[list[Span]]:
        """Spans of every detector for each text, merged per text (only ``entities``'
        types when given)."""
        return analyze_with(self.detectors, texts, field, entities)

    def _typed_entities(self, acc: FieldAccumulator) -> frozenset[str]:
        """Types worth looking for in a typed (numeric, temporal, boolean) column's short
        values: those its name hints at or lifts as a recognizer's context."""
        found = set(acc.hinted)
        for detector in self.detectors:
            lifted = getattr(detector, "context_entities", None)
            if lifted is not None:
                found |= lifted(acc.name)
        return frozenset(found)

    def _scan_structured(self, asset: Asset, source: str) -> AssetResult:
        limit = None if self.config.full else self.config.sample_rows
        shown = self.names.path(asset.name).display
        declared = list(asset.columns())
        # The fields share one cache budget; a column found only in a later batch gets
        # a share as large as the others (the budget is a bound, not an exact figure).
        cached = cache_per_field(min(len(declared), MAX_FIELDS_PER_ASSET))
        accs: dict[str, FieldAccumulator] = {
            c.name: self._accumulator(c.name, c.data_type, cached)
            for c in declared[:MAX_FIELDS_PER_ASSET]
        }
        #: Fields beyond MAX_FIELDS_PER_ASSET: counted, never examined (the asset is incomplete).
        over = {c.name for c in declared[MAX_FIELDS_PER_ASSET:]}
        rows = 0

        def read(n: int) -> None:
            self.on_event(Event("rows", source, shown, rows=n))

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
                    acc = accs[name] = self._accumulator(name, str(type_), cached)
                columns.append((acc, batch.column(i)))
            if self._pool is not None and limit is None:
                self._feed_parallel(self._pool, columns, rows)
            else:
                for acc, array in columns:
                    self._feed_column(acc, array, rows)
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
        notes += list(getattr(asset, "notes", ())) + self._detector_notes()
        result = self._judged(source, asset, rows, fields, [], notes)
        return replace(result, complete=False) if over else result

    def _distinct(
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
    def _count_repeats(
        acc: FieldAccumulator,
        repeats: list[tuple[str, ValueVerdict | None]],
        added: dict[str, ValueVerdict],
    ) -> None:
        """Count the repeats once their batch's new values are ``added``, by the verdicts
        held since :meth:`_distinct` (adding values may have dropped them from the cache).
        A repeat of a value never analysed (sampling stopped) is not counted."""
        for value, verdict in repeats:
            verdict = verdict if verdict is not None else added.get(value)
            if verdict is not None:
                acc.add_repeat(value, verdict)

    def _groups(
        self, acc: FieldAccumulator, array: pa.Array, values: list[str]
    ) -> list[tuple[frozenset[str] | None, list[int]]]:
        """The values to analyse, by the entity types wanted (None: all). A typed column's
        short values are analysed only for the types its name hints at or lifts, and not
        at all when there are none (see :func:`typed_plan`)."""
        kind = column_kind(array.type)
        if kind == "text" or not self.skip_typed:
            return [(None, list(range(len(values))))] if values else []
        typed = self._typed_entities(acc)
        groups: dict[frozenset[str] | None, list[int]] = {}
        for i, value in enumerate(values):
            wanted = typed_plan(value, kind, typed)
            if wanted is None or wanted:
                groups.setdefault(wanted, []).append(i)
        return list(groups.items())

    def _feed_column(self, acc: FieldAccumulator, array: pa.Array, offset: int) -> None:
        """Analyse each new distinct value once, in chunks, until the verdict is settled."""
        first, repeats = self._distinct(acc, array, offset)
        added: dict[str, ValueVerdict] = {}
        pending = list(first)
        while pending:
            budget = acc.budget()
            size = self.chunk_size if budget is None else min(ANALYZE_CHUNK, budget)
            if size == 0:
                break
            chunk, pending = pending[:size], pending[size:]
            spans: list[list[Span]] = [[] for _ in chunk]
            for wanted, idx in self._groups(acc, array, chunk):
                found = self.analyze([chunk[i] for i in idx], acc.name, wanted)
                for i, value_spans in zip(idx, found, strict=True):
                    spans[i] = value_spans
            for value, value_spans in zip(chunk, spans, strict=True):
                added[value] = acc.add(value, value_spans, first[value])
        self._count_repeats(acc, repeats, added)

    def _feed_parallel(
        self, pool: WorkerPool, columns: list[tuple[FieldAccumulator, pa.Array]], offset: int
    ) -> None:
        """``--full`` with ``--jobs``: every column's distinct values go to the workers in
        pieces; results are accumulated column by column in the order of
        :meth:`_feed_column`, so the inventory is the same as with one job."""
        pending = []
        for acc, array in columns:
            first, repeats = self._distinct(acc, array, offset)
            values = list(first)
            tasks = [
                (piece, pool.submit([values[i] for i in piece], acc.name, wanted))
                for wanted, idx in self._groups(acc, array, values)
                for piece in split(idx, pool.jobs)
            ]
            pending.append((acc, values, first, repeats, tasks))
        for acc, values, first, repeats, tasks in pending:
            spans: list[list[Span]] = [[] for _ in values]
            for piece, future in tasks:
                found = future.result()
                self._worker_notes += getattr(found, "notes", [])
                for i, value_spans in zip(piece, found, strict=True):
                    spans[i] = value_spans
            added = {
                value: acc.add(value, value_spans, first[value])
                for value, value_spans in zip(values, spans, strict=True)
            }
            self._count_repeats(acc, repeats, added)

    def _scan_text(self, asset: Asset, source: str) -> AssetResult:
        limit = None if self.config.full else self.config.sample_rows
        shown = self.names.path(asset.name).display
        findings: list[TextFinding] = []
        reserved: Counter[str] = Counter()
        dropped = 0
        examined = 0
        block: list[tuple[int, int, str]] = []  # (line number, offset in line, text)

        def flush() -> None:
            nonlocal dropped
            if not block:
                return
            texts = [t for _, _, t in block]
            spans = self.analyze(texts, None)
            for (line_no, offset, text), line_spans in zip(block, spans, strict=True):
                reserved_in_text(line_spans, self.policy, self.config.min_score, reserved)
                for f in text_findings(
                    [text],
                    line_no,
                    [line_spans],
                    self.policy,
                    self.encoder,
                    self.config.min_score,
                    [offset],
                ):
                    if len(findings) < MAX_FINDINGS_PER_ASSET:
                        findings.append(f)
                    else:
                        dropped += 1
            block.clear()

        for line_no, line in enumerate(asset.lines(), start=1):
            if limit is not None and examined >= limit:
                break
            examined += 1
            line = line[: self.config.max_line_chars]
            for offset in range(0, max(len(line), 1), TEXT_WINDOW_CHARS):
                piece = line[offset : offset + TEXT_WINDOW_CHARS]
                if piece.strip():
                    block.append((line_no, offset, piece))
            if len(block) >= TEXT_CHUNK_LINES:
                flush()
                self.on_event(Event("rows", source, shown, rows=TEXT_CHUNK_LINES))
        flush()
        body: FieldResult = judge_text(findings, examined, self.policy, reserved)
        notes = [f"{dropped} further findings not listed"] if dropped else []
        if examined == 0:
            notes.append("empty document")
        notes += list(getattr(asset, "notes", ())) + self._detector_notes()
        return self._judged(source, asset, examined, [body], findings, notes)

    def _detector_notes(self) -> list[str]:
        """What the detectors (and the workers' detectors) have to say about the asset just
        read (:meth:`Detector.take_notes`), once each."""
        notes = [n for d in self.detectors for n in d.take_notes()] + self._worker_notes
        self._worker_notes = []
        return list(dict.fromkeys(notes))

    # -- the inventory ----------------------------------------------------------------
    def _inventory(
        self,
        sources: Sequence[str],
        assets: list[AssetResult],
        errors: list[ScanError],
        warnings: Sequence[str] = (),
        skipped: Sequence[Skipped] = (),
        skipped_reasons: Mapping[str, int] | None = None,
    ) -> Inventory:
        """``warnings``: the run's own (include/exclude patterns that matched nothing);
        ``skipped``: what connectors left out (listed), ``skipped_reasons``: all of it counted."""
        assets.sort(key=lambda a: (-level_rank(a.sensitivity), a.source, a.asset))
        detection = detection_of(self.detectors)
        warning = free_text_warning(detection, assets)
        return Inventory(
            tool={"name": "piiscan", "version": __version__},
            settings={
                **self.config.public_settings(),
                "hash_key": "ephemeral" if self.encoder.ephemeral_key else "provided",
            },
            policy=self.policy.describe(),
            detectors=tuple(d.describe() for d in self.detectors),
            sources=tuple(self.display_source(s) for s in sources),
            assets=tuple(assets),
            errors=tuple(errors),
            generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            summary=summarize(assets, errors, skipped_reasons),
            detection=detection,
            warnings=(*warnings, *((warning,) if warning else ())),
            skipped=tuple(skipped),
        )


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


_EXPECTED = (AssetError, SourceError, OSError, ValueError, UnicodeError)


def _failure(exc: Exception, where: str, secrets_: list[str]) -> str:
    """The recorded reason: the message of an expected failure, else an internal error.

    Secrets are scrubbed and quoted values masked (:func:`scrub_values`): a reader's or a
    library's message may quote the cell it failed on. The debug log gets the traceback's
    frames (code, not values) and the scrubbed reason, never the raw message.
    """
    if isinstance(exc, _EXPECTED):
        return scrub_values(scrub(_reason(exc), secrets_))
    reason = scrub_values(scrub("internal error: " + _reason(exc), secrets_))
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.debug("unexpected error on %s: %s\nTraceback (most recent call last):\n%s%s",
              where, reason, frames, reason)  # fmt: skip
    return reason


def _reason(exc: BaseException) -> str:
    if isinstance(exc, PiiscanError):
        return str(exc)
    orig = getattr(exc, "orig", None)  # a database error (SQLAlchemy's wraps the driver's)
    if orig is not None or sqlstate(exc) is not None:
        return f"{type(exc).__name__}: {driver_message(orig or exc)}"
    return f"{type(exc).__name__}: {exc}"


def unfinished(
    errors: Sequence[ScanError], assets: Sequence[AssetResult] = ()
) -> list[dict[str, str | None]]:
    """The assets not finished: each failed asset, ``asset: None`` for a source whose
    discovery failed (what it would have listed is unknown), and each asset marked
    incomplete (a limit cut it short: fields not examined)."""
    seen: dict[tuple[str, str | None], None] = {}
    for e in errors:
        seen.setdefault((e.source, e.asset), None)
    for a in assets:
        if not a.complete:
            seen.setdefault((a.source, a.asset), None)
    return [{"source": source, "asset": asset} for source, asset in seen]


def incomplete_line(errors: Sequence[ScanError], assets: Sequence[AssetResult] = ()) -> str | None:
    """The line every human-readable report shows for a partial inventory, else None."""
    n = len(unfinished(errors, assets))
    if not n:
        return None
    return f"INCOMPLETE: {n} asset{'s' if n != 1 else ''} not finished"


def skipped_line(inventory: Inventory) -> str | None:
    """``skipped: 3 files or folders not scanned (unsupported file type: .png 2, ...)``
    for the reports, else None (reasons only: never a name)."""
    reasons: Mapping[str, int] = inventory.summary.get("skipped_by_reason") or Counter(
        s.reason for s in inventory.skipped
    )
    n = inventory.summary.get("skipped", sum(reasons.values()))
    if not n:
        return None
    ranked = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = "; ".join(f"{reason}: {count}" for reason, count in ranked[:5])
    more = f"; {len(ranked) - 5} more reasons" if len(ranked) > 5 else ""
    noun = "file or folder" if n == 1 else "files or folders"
    return f"skipped: {n} {noun} not scanned ({shown}{more})"


def summarize(
    assets: Sequence[AssetResult],
    errors: Sequence[ScanError],
    skipped: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """Counts by sensitivity level and category: what a reader looks at first.

    ``complete`` is False, and ``unfinished`` lists the assets, when any asset or source
    could not be read to the end (an error, or an asset marked incomplete because a limit
    cut it short): such an inventory is never presented as complete. ``skipped`` counts
    what connectors left out on purpose (``skipped_by_reason`` per reason).

    ``by_prefix`` (per bucket / folder of file and object sources, see
    :mod:`piiscan.prefix_summary`) is present only when there are such assets.
    """
    by_level: dict[str, int] = {}
    by_category: dict[str, int] = {}
    for a in assets:
        key = a.sensitivity or "none"
        by_level[key] = by_level.get(key, 0) + 1
        for c in a.categories:
            by_category[c] = by_category.get(c, 0) + 1
    fields = [f for a in assets for f in a.fields if f.name != TEXT_FIELD]
    summary: dict[str, Any] = {
        "assets": len(assets),
        "assets_by_sensitivity": dict(sorted(by_level.items())),
        "assets_by_category": dict(sorted(by_category.items())),
        "fields": len(fields),
        "personal_fields": sum(1 for f in fields if f.status == "personal"),
        "text_findings": sum(len(a.findings) for a in assets),
        "errors": len(errors),
        "complete": not errors and all(a.complete for a in assets),
        "unfinished": unfinished(errors, assets),
        "skipped": sum((skipped or {}).values()),
    }
    if skipped:
        summary["skipped_by_reason"] = dict(sorted(skipped.items()))
    by_prefix = prefix_summary(assets)
    if by_prefix:
        summary["by_prefix"] = by_prefix
    return summary


def scan(sources: Sequence[str], config: Config | None = None, **kwargs: Any) -> Inventory:
    """Library entry point: scan ``sources`` with ``config`` and return the inventory."""
    return Scanner(config, **kwargs).scan(sources)
