"""The scanner: sources → connectors → assets → verdicts → inventory.

Data flows as a stream: each asset yields record batches (or lines), each batch is
analysed column by column (distinct values once), and only accumulators survive the
batch. One unreadable asset becomes an entry in ``errors[]`` and the scan goes on.
Reading one asset is :mod:`~piiscan.scanning.structured` or :mod:`~piiscan.scanning.text`;
this module opens the sources and walks their assets.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import replace
from types import TracebackType

from piiscan.config import Config
from piiscan.declared_types import UndeclaredTypes, scan_policy
from piiscan.errors import EmptyAsset, PluginError, SourceError, UsageError
from piiscan.log_scrub import env_secrets
from piiscan.log_scrub import register as register_secrets
from piiscan.masking import EvidenceEncoder, mask_url, scrub
from piiscan.model import AssetResult, Hint, Inventory, ScanError, Skipped, Span
from piiscan.name_scan import NameScanner
from piiscan.plugins import Asset, Connector, Detector
from piiscan.policy import Policy, load_policy
from piiscan.registry import Registry, build_detectors, default_registry, resolve_connector
from piiscan.scanning import resume
from piiscan.scanning.column import ColumnAnalyzer
from piiscan.scanning.context import empty
from piiscan.scanning.events import Event, EventSink
from piiscan.scanning.failures import failure_reason, record_error
from piiscan.scanning.sources import connector_display, source_secrets, unopened_display
from piiscan.scanning.structured import scan_structured
from piiscan.scanning.summary import build_inventory
from piiscan.scanning.text import scan_text
from piiscan.scanning.workers import WorkerPool
from piiscan.selection import NothingSelected, Selection, unmatched_warnings
from piiscan.state import ScanState
from piiscan.value_scrub import scrub_values

log = logging.getLogger(__name__)

#: Skipped files listed in the inventory (all of them are counted in its summary).
MAX_SKIPPED_LISTED = 1_000


class Scanner:
    """Scans sources into an :class:`Inventory`. Build once; reuse for several scans.

    A context manager: ``with Scanner(config) as scanner: ...`` closes its worker pool
    and its state file on the way out (:meth:`close`).
    """

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
        self.policy = policy or load_policy(self.config.policy_path)  # before a model loads
        self.registry = registry or default_registry
        self.detectors = (
            list(detectors)
            if detectors is not None
            else build_detectors(self.config, self.registry)
        )
        #: With the entity types the detectors declare (under the user's policy file).
        self.policy = scan_policy(self.detectors, self.policy)
        self._own_detectors = detectors is None and self.registry is default_registry
        #: One column's values to spans (also what the workers and Spark executors run).
        self.columns = ColumnAnalyzer(self.detectors, self.config)
        #: Entity types the detectors emit that the policy lacks: the inventory warns.
        self.undeclared = self.columns.undeclared = UndeclaredTypes(self.policy)
        self.encoder = EvidenceEncoder(self.config.evidence, self.config.hash_key)
        #: Personal data in asset and field names: found, masked, reported (name_scan.py).
        self.names = NameScanner(
            self.analyze, self.policy, self.encoder, self.config.min_score, self._hints
        )
        #: Secrets no recorded reason may hold: the environment's keys and tokens, the hash key.
        self.secrets = env_secrets() + (
            [self.config.hash_key.decode("utf-8", "replace")] if self.config.hash_key else []
        )
        self.on_event: EventSink = on_event or (lambda event: None)
        #: Incremental rescans: given, or opened from ``config.state_path`` (None: off).
        self.state = state
        if state is None:
            self.state = resume.open_state(self.config, self.policy, self.detectors, self.encoder)

    # -- lifetime ---------------------------------------------------------------------
    def __enter__(self) -> Scanner:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker pool, if one runs, and release the state file, when one is open."""
        if self.columns.pool is not None:
            self.columns.pool.close()
            self.columns.pool = None
        if self.state is not None:
            self.state.close()
            self.state = None

    # -- whole scan -------------------------------------------------------------------
    def scan(self, sources: Sequence[str]) -> Inventory:
        if not sources:
            raise UsageError("give at least one source (a path or a database URL)")
        classes = [resolve_connector(s, self.registry) for s in sources]
        self.columns.pool = self._start_pool()
        try:
            return self._scan_sources(sources, classes)
        finally:
            if self.columns.pool is not None:
                self.columns.pool.close()
                self.columns.pool = None

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
        unopened = [
            unopened_display(cls, source, self.config)
            for source, cls in zip(sources, classes, strict=True)
        ]
        if self.state is not None:
            self.state.begin_run(unopened)
        self.undeclared.clear()
        shown_sources: list[str] = []
        assets: list[AssetResult] = []
        errors: list[ScanError] = []
        #: What connectors left out on purpose: the first ones listed, all of them counted.
        skipped: list[Skipped] = []
        skipped_reasons: Counter[str] = Counter()
        #: Each opened source's include/exclude bookkeeping (None: its connector keeps none).
        selections: list[Selection | None] = []
        for source, cls, raw in zip(sources, classes, unopened, strict=True):
            display = self.names.path(raw).display
            secrets_ = source_secrets(source, raw) + self.secrets
            self.on_event(Event("source", display))
            try:
                connector = cls(source, self.config)
            except SourceError as exc:
                reason = scrub_values(scrub(str(exc), secrets_))
                record_error(errors, self.on_event, display, None, reason)
                shown_sources.append(display)
                continue
            raw = connector_display(connector)
            display = self.names.path(raw).display
            secrets_ = source_secrets(source, raw) + self.secrets
            shown_sources.append(display)
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
        warnings = [*unmatched, *self.undeclared.warnings()]
        inventory = build_inventory(
            self, shown_sources, assets, errors, warnings, skipped, skipped_reasons
        )
        if self.state is not None:
            self.state.finish_run()
        return inventory

    def _scan_connector(
        self, connector: Connector, display: str, secrets_: list[str]
    ) -> Iterator[tuple[AssetResult | None, ScanError | None]]:
        try:
            for asset in connector.assets():
                named = self.names.path(asset.name)
                shown = named.display  # the name as every output shows it
                register_secrets(*named.secrets)  # third-party debug lines name it too
                self.on_event(Event("asset", display, shown))
                fingerprint = resume.fingerprint_of(asset, named, self.encoder)  # before reading
                # a masked name may be another's: without a fingerprint, no resuming by it
                resumable = fingerprint is not None or not named.personal
                cached = (
                    resume.resumed(self.state, self.on_event, shown, display, fingerprint)
                    if resumable
                    else None
                )
                if cached is not None:
                    asset.known_fields(f.name for f in cached.fields)
                    yield cached, None
                    continue
                cached = resume.carried_over(
                    self.state, self.on_event, asset, shown, display, fingerprint
                )
                if cached is not None:
                    asset.known_fields(f.name for f in cached.fields)
                    resume.record(self.state, display, shown, fingerprint, cached, scanned=False)
                    yield cached, None
                    continue
                try:
                    result = self.scan_asset(asset, display)
                    if asset.size is not None or asset.bytes_read is not None:
                        result = replace(result, size_bytes=asset.size, bytes_read=asset.bytes_read)
                except NothingSelected:  # fields, none of them selected: left out
                    continue
                except EmptyAsset as exc:  # nothing in it, nothing missed: a note
                    result = empty(self, asset, display, str(exc))
                except Exception as exc:  # one asset's failure never stops the scan
                    hidden = secrets_ + named.secrets
                    yield None, ScanError(display, shown, failure_reason(exc, shown, hidden))
                    continue
                resume.record(self.state, display, shown, fingerprint, result, scanned=True)
                yield result, None
        except Exception as exc:  # discovery itself failed: the rest of the source is lost
            yield None, ScanError(display, None, failure_reason(exc, display, secrets_))

    def display_source(self, source: str, connector: Connector | None = None) -> str:
        """A source as outputs show it: as its connector shows it (credentials masked,
        :meth:`Connector.display_source`; ``connector`` None: the connector class that
        accepts ``source``, unopened, else :func:`mask_url`), and personal data in its
        path masked like asset names."""
        if connector is not None:
            raw = connector_display(connector)
        else:
            try:
                cls = resolve_connector(source, self.registry)
            except (UsageError, PluginError):  # no connector (a copy's target not made yet)
                raw = mask_url(source)
            else:
                raw = unopened_display(cls, source, self.config)
        return self.names.path(raw).display

    def _hints(self, name: str) -> list[Hint]:
        return [h for d in self.detectors for h in d.field_hints(name)]

    # -- one asset --------------------------------------------------------------------
    def scan_asset(self, asset: Asset, display_source: str) -> AssetResult:
        if asset.structured:
            return scan_structured(self, asset, display_source)
        return scan_text(self, asset, display_source)

    def analyze(
        self, texts: list[str], field: str | None, entities: frozenset[str] | None = None
    ) -> list[list[Span]]:
        """Spans of every detector for each text, merged per text (only ``entities``'
        types when given)."""
        return self.columns.analyze(texts, field, entities)
