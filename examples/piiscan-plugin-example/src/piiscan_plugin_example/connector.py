"""``roster://`` sources: a ``.roster`` file, or a folder of them (``roster:///srv/hr``).

A tiny connector: it declares its URL scheme, and each roster is one table asset read
by :class:`~piiscan_plugin_example.roster.RosterFormat`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

import pyarrow as pa

from piiscan.config import Config
from piiscan.errors import AssetError, SourceError
from piiscan.plugins import Asset, AssetKind, Connector
from piiscan_plugin_example.roster import RosterFormat


def roster_path(source: str) -> Path:
    return Path(unquote(urlsplit(source).path))


class RosterFile:
    """A roster on disk as the format reads it (name, size, open)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.name
        self.size: int | None = path.stat().st_size

    def open(self) -> BinaryIO:
        try:
            return self.path.open("rb")
        except OSError as exc:
            raise AssetError(f"cannot open {self.name}: {exc.strerror}") from None


class RosterAsset(Asset):
    kind: AssetKind = "table"

    def __init__(self, path: Path, config: Config) -> None:
        self.file = RosterFile(path)
        self.name = path.name
        self.size = self.file.size
        self.notes: list[str] = []
        self.format = RosterFormat(config)
        self.limit = None if config.full else config.sample_rows

    def batches(self) -> Iterator[pa.RecordBatch]:
        return self.format.batches(self.file, self.limit, self.notes)


class RosterConnector(Connector):
    name = "roster"
    description = "ACME staff rosters: roster:///path (a .roster file or a folder of them)"
    schemes = ("roster",)

    def __init__(self, source: str, config: Config) -> None:
        super().__init__(source, config)
        self.preflight(source)
        self.root = roster_path(source)

    @classmethod
    def preflight(cls, source: str) -> None:
        if not roster_path(source).exists():
            raise SourceError(f"no such roster file or folder: {roster_path(source)}")

    def assets(self) -> Iterator[Asset]:
        paths = [self.root] if self.root.is_file() else sorted(self.root.glob("*.roster"))
        for path in paths:
            yield RosterAsset(path, self.config)
