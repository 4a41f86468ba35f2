"""Orchestration: sources → connectors → assets → detectors → verdicts → inventory.

Data flows as a stream: each asset yields record batches (or lines), each batch is
analysed column by column (distinct values once), and only accumulators survive the
batch. One unreadable asset becomes an entry in ``errors[]`` and the scan goes on.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from piiscan import __version__
from piiscan.classification import (
    TEXT_FIELD,
    FieldAccumulator,
    judge_asset,
    judge_text,
    text_findings,
)
from piiscan.config import Config
from piiscan.errors import AssetError, PiiscanError, SourceError, UsageError
from piiscan.log_scrub import env_secrets
from piiscan.masking import EvidenceEncoder, mask_url, scrub, url_secrets
from piiscan.model import AssetResult, FieldResult, Inventory, ScanError, Span, TextFinding
from piiscan.plugins import Asset, Connector, Detector
from piiscan.policy import Policy, level_rank, load_policy
from piiscan.prefix_summary import prefix_summary
from piiscan.registry import Registry, default_registry
from piiscan.state import ScanState, settings_digest

log = logging.getLogger(__name__)

TEXT_CHUNK_LINES = 256
ANALYZE_CHUNK = 50  # distinct values analysed between two checks of a column's verdict
TEXT_WINDOW_CHARS = 5_000
MAX_FINDINGS_PER_ASSET = 1_000


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
        self.encoder = EvidenceEncoder(self.config.evidence, self.config.hash_key)
        #: Secrets no recorded reason may hold: the environment's keys and tokens, the hash key.
        self.secrets = env_secrets() + (
            [self.config.hash_key.decode("utf-8", "replace")] if self.config.hash_key else [])
        self.on_event = on_event or (lambda event: None)
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
        if self.state is not None:
            self.state.begin_run(sources)
        assets: list[AssetResult] = []
        errors: list[ScanError] = []
        for source, cls in zip(sources, classes, strict=True):
            display = mask_url(source)
            secrets_ = url_secrets(source) + self.secrets
            self.on_event(Event("source", display))
            try:
                connector = cls(source, self.config)
            except SourceError as exc:
                self._error(errors, display, None, scrub(str(exc), secrets_))
                continue
            try:
                for result, error in self._scan_connector(connector, display, secrets_):
                    if result is not None:
                        assets.append(result)
                    if error is not None:
                        errors.append(error)
                        self.on_event(Event("error", display, error.asset, message=error.reason))
            finally:
                connector.close()
        inventory = self._inventory(sources, assets, errors)
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
                self.on_event(Event("asset", display, asset.name))
                fingerprint = getattr(asset, "fingerprint", None)  # before reading
                cached = self._resumed(asset, display, fingerprint)
                if cached is not None:
                    yield cached, None
                    continue
                cached = self._carried_over(asset, display, fingerprint)
                if cached is not None:
                    self._record_in_run(display, asset.name, fingerprint, cached)
                    yield cached, None
                    continue
                try:
                    result = self.scan_asset(asset, display)
                    if asset.size is not None or asset.bytes_read is not None:
                        result = replace(result, size_bytes=asset.size,
                                         bytes_read=asset.bytes_read)
                except Exception as exc:  # one asset's failure never stops the scan
                    yield None, ScanError(display, asset.name, _failure(exc, asset.name, secrets_))
                    continue
                if self.state is not None and fingerprint is not None:
                    self.state.record(display, asset.name, fingerprint, result)
                self._record_in_run(display, asset.name, fingerprint, result)
                yield result, None
        except Exception as exc:  # discovery itself failed: the rest of the source is lost
            yield None, ScanError(display, None, _failure(exc, display, secrets_))

    def _resumed(
        self, asset: Asset, display: str, fingerprint: str | None
    ) -> AssetResult | None:
        """An asset the interrupted run being resumed already finished (not read again)."""
        if self.state is None:
            return None
        done = self.state.resumed(display, asset.name, fingerprint)
        if done is None:
            return None
        self.on_event(Event("unchanged", display, asset.name, message="resumed"))
        return replace(done, source=display)

    def _record_in_run(
        self, display: str, name: str, fingerprint: str | None, result: AssetResult
    ) -> None:
        if self.state is not None:
            self.state.record_in_run(display, name, fingerprint, result)

    def _carried_over(
        self, asset: Asset, display: str, fingerprint: str | None
    ) -> AssetResult | None:
        """The recorded result of an unchanged asset (not read again), or None."""
        if self.state is None or fingerprint is None:
            return None
        cached = self.state.lookup(display, asset.name, fingerprint)
        if cached is None:
            return None
        self.on_event(Event("unchanged", display, asset.name, message="unchanged"))
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

    def _accumulator(self, name: str, data_type: str | None) -> FieldAccumulator:
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
        )

    def analyze(self, texts: list[str], field: str | None) -> list[list[Span]]:
        """Spans of every detector for each text, merged per text."""
        merged: list[list[Span]] = [[] for _ in texts]
        if not texts:
            return merged
        for detector in self.detectors:
            for i, spans in enumerate(detector.analyze(texts, field=field)):
                merged[i].extend(spans)
        return merged

    def _scan_structured(self, asset: Asset, source: str) -> AssetResult:
        limit = None if self.config.full else self.config.sample_rows
        accs: dict[str, FieldAccumulator] = {
            c.name: self._accumulator(c.name, c.data_type) for c in asset.columns()
        }
        rows = 0
        for batch in asset.batches():
            if limit is not None and rows >= limit:
                break
            if limit is not None and rows + batch.num_rows > limit:
                batch = batch.slice(0, limit - rows)
            schema = batch.schema
            for i, (name, type_) in enumerate(zip(schema.names, schema.types, strict=True)):
                acc = accs.get(name)
                if acc is None:
                    acc = accs[name] = self._accumulator(name, str(type_))
                self._feed_column(acc, batch.column(i).to_pylist(), rows)
            rows += batch.num_rows
            self.on_event(Event("rows", source, asset.name, rows=batch.num_rows))
        fields = [acc.result() for acc in accs.values()]
        notes = [
            f"field {a.name}: {a.findings_dropped} further findings not listed"
            for a in accs.values()
            if a.findings_dropped
        ]
        if not fields:
            notes.append("no columns")
        notes += list(getattr(asset, "notes", ()))
        return judge_asset(
            source, asset.name, asset.kind, rows, True, fields, [], self.policy, notes
        )

    def _feed_column(self, acc: FieldAccumulator, values: list[Any], offset: int) -> None:
        """Analyse each new distinct value once, in chunks, until the verdict is settled."""
        first: dict[str, int] = {}
        repeats: list[str] = []
        cap = None if self.config.full else self.config.max_cell_chars
        for idx, raw in enumerate(values):
            text = to_text(raw)
            if text is not None and cap is not None:
                text = text[:cap]
            if text is None:
                acc.nulls += 1
            elif text in first or acc.known(text):
                repeats.append(text)
            else:
                first[text] = offset + idx + 1
        pending = list(first)
        while pending:
            budget = acc.budget()
            size = ANALYZE_CHUNK if budget is None else min(ANALYZE_CHUNK, budget)
            if size == 0:
                break
            chunk, pending = pending[:size], pending[size:]
            for value, spans in zip(chunk, self.analyze(chunk, acc.name), strict=True):
                acc.add(value, spans, first[value])
        for value in repeats:
            acc.add_repeat(value)

    def _scan_text(self, asset: Asset, source: str) -> AssetResult:
        limit = None if self.config.full else self.config.sample_rows
        findings: list[TextFinding] = []
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
                self.on_event(Event("rows", source, asset.name, rows=TEXT_CHUNK_LINES))
        flush()
        body: FieldResult = judge_text(findings, examined, self.policy)
        notes = [f"{dropped} further findings not listed"] if dropped else []
        if examined == 0:
            notes.append("empty document")
        notes += list(getattr(asset, "notes", ()))
        return judge_asset(
            source, asset.name, asset.kind, examined, True, [body], findings, self.policy, notes
        )

    # -- the inventory ----------------------------------------------------------------
    def _inventory(
        self, sources: Sequence[str], assets: list[AssetResult], errors: list[ScanError]
    ) -> Inventory:
        assets.sort(key=lambda a: (-level_rank(a.sensitivity), a.source, a.asset))
        return Inventory(
            tool={"name": "piiscan", "version": __version__},
            settings={
                **self.config.public_settings(),
                "hash_key": "ephemeral" if self.encoder.ephemeral_key else "provided",
            },
            policy=self.policy.describe(),
            detectors=tuple(d.describe() for d in self.detectors),
            sources=tuple(mask_url(s) for s in sources),
            assets=tuple(assets),
            errors=tuple(errors),
            generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            summary=summarize(assets, errors),
        )


_EXPECTED = (AssetError, SourceError, OSError, ValueError, UnicodeError)


def _failure(exc: Exception, where: str, secrets_: list[str]) -> str:
    """The recorded reason: the message of an expected failure, else an internal error."""
    if isinstance(exc, _EXPECTED):
        return scrub(_reason(exc), secrets_)
    log.debug("unexpected error on %s", where, exc_info=True)
    return scrub("internal error: " + _reason(exc), secrets_)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, PiiscanError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def unfinished(errors: Sequence[ScanError]) -> list[dict[str, str | None]]:
    """The assets not finished: each failed asset, and ``asset: None`` for a source whose
    discovery failed (what it would have listed is unknown)."""
    seen: dict[tuple[str, str | None], None] = {}
    for e in errors:
        seen.setdefault((e.source, e.asset), None)
    return [{"source": source, "asset": asset} for source, asset in seen]


def incomplete_line(errors: Sequence[ScanError]) -> str | None:
    """The line every human-readable report shows for a partial inventory, else None."""
    n = len(unfinished(errors))
    if not n:
        return None
    return f"INCOMPLETE: {n} asset{'s' if n != 1 else ''} not finished"


def summarize(assets: Sequence[AssetResult], errors: Sequence[ScanError]) -> dict[str, Any]:
    """Counts by sensitivity level and category: what a reader looks at first.

    ``complete`` is False, and ``unfinished`` lists the assets, when any asset or source
    could not be read to the end: such an inventory is never presented as complete.

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
        "complete": not errors,
        "unfinished": unfinished(errors),
    }
    by_prefix = prefix_summary(assets)
    if by_prefix:
        summary["by_prefix"] = by_prefix
    return summary


def scan(sources: Sequence[str], config: Config | None = None, **kwargs: Any) -> Inventory:
    """Library entry point: scan ``sources`` with ``config`` and return the inventory."""
    return Scanner(config, **kwargs).scan(sources)
