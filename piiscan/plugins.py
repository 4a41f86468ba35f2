"""The plugin kinds: Connector (read), Detector (find), Reporter (write), FileFormat.

Built-ins register through the same entry-point groups as third-party plugins
(``piiscan.connectors``, ``piiscan.detectors``, ``piiscan.reporters``,
``piiscan.formats``); see :mod:`piiscan.registry`. A plugin is a small class: metadata
as class attributes and one behaviour method. ``docs/plugins.md`` walks through writing
one; :mod:`piiscan.testing` holds the contract tests a plugin's own tests subclass.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import IO, TYPE_CHECKING, Any, BinaryIO, ClassVar, Literal, Protocol

from piiscan.masking import mask_url
from piiscan.policy import EntitySpec

if TYPE_CHECKING:
    import pyarrow as pa

    from piiscan.config import Config
    from piiscan.model import Hint, Inventory, Span

__all__ = [
    "Asset",
    "AssetKind",
    "BlobLike",
    "ColumnInfo",
    "Connector",
    "Detector",
    "EntitySpec",
    "FileFormat",
    "Reporter",
    "source_scheme",
]

AssetKind = Literal["table", "view", "file", "text"]
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_NO_OPTIONS: Mapping[str, Any] = MappingProxyType({})


def source_scheme(source: str) -> str | None:
    """The URL scheme of a source, lower case (``postgresql+psycopg``, ``s3``, ``file``
    also for ``file:/x``); ``None`` for a bare path (``data/``, ``C:\\x``)."""
    match = _SCHEME.match(source)
    if match:
        return match.group(1).lower()
    return "file" if source[:5].lower() == "file:" else None


def _options(config: Config | None, name: str, kind: str) -> Mapping[str, Any]:
    return _NO_OPTIONS if config is None else config.plugin_options(name, kind)


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

    ``name`` is what users type. The registry picks a connector by the source's URL
    scheme (:func:`source_scheme`): the one whose ``schemes`` name it (``dialect+driver``
    also matches ``dialect``), or for a bare path the one with ``takes_paths``. Only a
    scheme no connector declares falls back to asking each connector's :meth:`accepts`.
    Opening a source that cannot be reached raises :class:`piiscan.errors.SourceError`;
    a malformed source or a missing driver raises :class:`piiscan.errors.UsageError`.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    #: URL schemes this connector serves, lower case (``("sqlite", "postgresql")``).
    schemes: ClassVar[tuple[str, ...]] = ()
    #: Whether a bare path (no ``scheme://``) is this connector's.
    takes_paths: ClassVar[bool] = False

    def __init__(self, source: str, config: Config) -> None:
        self.source = source
        self.config = config

    @classmethod
    def accepts(cls, source: str) -> bool:
        """Whether ``source`` is this connector's, for a scheme no connector declares
        (the default: it is one of :attr:`schemes`, or a bare path with :attr:`takes_paths`)."""
        scheme = source_scheme(source)
        if scheme is None:
            return cls.takes_paths
        return scheme in cls.schemes or scheme.partition("+")[0] in cls.schemes

    @property
    def options(self) -> Mapping[str, Any]:
        """This connector's table in the config file (``[piiscan.connectors.<name>]`` or
        ``[piiscan.plugins.<name>]``); empty when there is none."""
        return _options(self.config, self.name, "connector")

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
        """The source as it may appear in outputs (credentials masked); override it when
        the source spells secrets in a way :func:`~piiscan.masking.mask_url` does not know."""
        return mask_url(self.source)

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; called once after the last asset."""


class Detector(ABC):
    """Finds entity spans in values. Built once per process and reused for every value.

    ``entity_types`` declares the types it emits that the default policy does not know,
    with their categories and level (``{"EMPLOYEE_ID": EntitySpec(("professional",),
    "medium")}``): the policy adds them under the user's policy file, which may still
    override them. A type emitted but declared nowhere is not reported, and the inventory
    says so in its ``warnings``.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    entity_types: ClassVar[Mapping[str, EntitySpec]] = MappingProxyType({})

    def __init__(self, config: Config) -> None:
        self.config = config

    @property
    def options(self) -> Mapping[str, Any]:
        """This detector's table in the config file (``[piiscan.detectors.<name>]`` or
        ``[piiscan.plugins.<name>]``); empty when there is none."""
        return _options(self.config, self.name, "detector")

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

    @property
    def options(self) -> Mapping[str, Any]:
        """This reporter's table in the config file (``[piiscan.reporters.<name>]`` or
        ``[piiscan.plugins.<name>]``); empty when there is none or no config was given."""
        return _options(self.config, self.name, "reporter")

    @abstractmethod
    def write(self, inventory: Inventory, out: IO[str]) -> None:
        """Write the rendering of ``inventory`` to ``out``."""


class BlobLike(Protocol):
    """What a :class:`FileFormat` reads: named bytes, wherever they live (a local file, an
    object in a bucket, an archive member)."""

    name: str
    size: int | None

    def open(self) -> BinaryIO:
        """A new binary stream positioned at the start."""
        ...


class FileFormat(ABC):
    """Reads one file format the files connector does not know, for files whose suffix
    is one of ``suffixes`` (``(".vcf",)``, lower case, with the dot).

    ``kind = "table"`` formats yield ``pyarrow.RecordBatch`` objects from :meth:`batches`,
    ``kind = "text"`` ones lines from :meth:`lines`; both stop after ``limit`` rows or
    lines when it is not ``None`` (``--full`` gives ``None``). Content that cannot be read
    raises :class:`piiscan.errors.AssetError` with a reason that never quotes the data;
    ``notes`` collects remarks shown on the asset. Built-in formats always win: a plugin
    cannot take over ``.csv``.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    suffixes: ClassVar[tuple[str, ...]]
    kind: ClassVar[Literal["table", "text"]] = "table"

    def __init__(self, config: Config) -> None:
        self.config = config

    @property
    def options(self) -> Mapping[str, Any]:
        """This format's table in the config file (``[piiscan.formats.<name>]`` or
        ``[piiscan.plugins.<name>]``); empty when there is none."""
        return _options(self.config, self.name, "format")

    def batches(
        self, blob: BlobLike, limit: int | None, notes: list[str]
    ) -> Iterator[pa.RecordBatch]:
        raise NotImplementedError(f"{type(self).__name__} is not a table format")

    def lines(self, blob: BlobLike, limit: int | None, notes: list[str]) -> Iterator[str]:
        raise NotImplementedError(f"{type(self).__name__} is not a text format")
