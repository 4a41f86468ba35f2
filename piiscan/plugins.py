"""The three plugin kinds: Connector (read), Detector (find), Reporter (write).

Built-ins register through the same entry-point groups as third-party plugins
(``piiscan.connectors``, ``piiscan.detectors``, ``piiscan.reporters``); see
:mod:`piiscan.registry`. A plugin is a small class: metadata as class attributes and
one behaviour method.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, ClassVar, Literal

if TYPE_CHECKING:
    import pyarrow as pa

    from piiscan.config import Config
    from piiscan.model import Hint, Inventory, Span

AssetKind = Literal["table", "view", "file", "text"]


@dataclass(frozen=True)
class ColumnInfo:
    """A column (or flattened field path) and its declared type, as the source reports it."""

    name: str
    data_type: str | None = None


class Asset(ABC):
    """One readable unit of a source: a table, a view, a structured file or a text document.

    Structured assets stream ``pyarrow.RecordBatch`` objects from :meth:`batches`
    (at most ``Config.sample_rows`` rows unless ``Config.full``); text assets stream
    lines from :meth:`lines`. Reading errors raise :class:`piiscan.errors.AssetError`.
    """

    name: str
    kind: AssetKind
    #: Remarks from reading (encoding fallback, skipped bad lines), shown in the inventory.
    notes: list[str]
    #: What identifies this version of the asset (ETag, or size and mtime) for incremental
    #: rescans; ``None`` when the source cannot tell (tables), so it is always rescanned.
    fingerprint: str | None = None
    #: Size in bytes when known (files, objects) and bytes read so far by the readers.
    size: int | None = None
    bytes_read: int | None = None

    @property
    def structured(self) -> bool:
        return self.kind != "text"

    def columns(self) -> list[ColumnInfo]:
        """Declared columns, when known before reading (SQL, Parquet); else ``[]``."""
        return []

    def batches(self) -> Iterator[pa.RecordBatch]:
        raise NotImplementedError(f"{type(self).__name__} is not a structured asset")

    def lines(self) -> Iterator[str]:
        raise NotImplementedError(f"{type(self).__name__} is not a text asset")

    def known_fields(self, names: Iterable[str]) -> None:  # noqa: B027 - optional hook
        """The fields of this asset known without reading it (a result carried over from
        an earlier scan): connectors that track include/exclude patterns count them."""


class Connector(ABC):
    """Discovers and streams the assets of one source (a URL or a path). Never writes to it.

    ``name`` is what users type: the URL scheme family it serves. ``accepts`` decides
    whether a source string belongs to this connector. Opening a source that cannot be
    reached raises :class:`piiscan.errors.SourceError`; a malformed source or a missing
    driver raises :class:`piiscan.errors.UsageError`.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""

    def __init__(self, source: str, config: Config) -> None:
        self.source = source
        self.config = config

    @classmethod
    @abstractmethod
    def accepts(cls, source: str) -> bool: ...

    @abstractmethod
    def assets(self) -> Iterator[Asset]:
        """Yield every asset that passes the include/exclude patterns."""

    @classmethod
    def preflight(cls, source: str) -> None:
        """Cheap checks run before any model loads or source opens (a local path that does
        not exist): raise :class:`piiscan.errors.SourceError` saying what is wrong. No I/O
        beyond the local file system; the default checks nothing."""
        return None

    def display_source(self) -> str:
        """The source as it may appear in outputs (credentials masked)."""
        return self.source

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; called once after the last asset."""


class Detector(ABC):
    """Finds entity spans in values. Built once per process and reused for every value."""

    name: ClassVar[str]
    description: ClassVar[str] = ""

    def __init__(self, config: Config) -> None:
        self.config = config

    @abstractmethod
    def analyze(
        self,
        texts: Sequence[str],
        *,
        field: str | None = None,
        entities: Collection[str] | None = None,
    ) -> list[list[Span]]:
        """Return the spans found in each text (same order and length as ``texts``).

        ``field`` is the column or field name the values come from, when there is one;
        detectors may use it as context. ``entities``, when given, are the only entity
        types the caller needs: a detector may skip work for the others (or ignore the
        argument: the scanner drops spans of other types). Detectors written before this
        argument existed (no ``entities`` parameter) keep working.
        """

    def field_hints(self, field: str) -> list[Hint]:
        """Entity-type priors from a field name alone (default: none)."""
        return []

    def describe(self) -> str:
        """One line on how the detector is configured (for the inventory's settings)."""
        return self.name

    def detection(self) -> dict[str, Any] | None:
        """The detection mode this detector gives the scan, or None (no NER either way).

        A detector that runs an NER model returns :func:`piiscan.detection.ner_detection`
        (mode, model, labels); one that could but runs without returns
        :func:`piiscan.detection.rule_only_detection`. The scanner combines them into
        ``Inventory.detection`` (see :func:`piiscan.detection.detection_of`).
        """
        return None

    def take_notes(self) -> list[str]:
        """What the asset being scanned must say about this detector's work since the
        last call (a pattern skipped after hitting its time limit), then forget it. The
        scanner adds these notes to the asset it has just read (default: none)."""
        return []


class Reporter(ABC):
    """Renders an inventory. ``name`` is the ``--format`` value users type."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    binary: ClassVar[bool] = False
    extension: ClassVar[str] = ".txt"

    def __init__(self, config: Config | None = None) -> None:
        self.config = config

    @abstractmethod
    def write(self, inventory: Inventory, out: IO[str]) -> None:
        """Write the rendering of ``inventory`` to ``out``."""
