"""The connector contract: chosen for its sources, Arrow batches within ``sample_rows``,
an unreadable asset an error and not a crash, no password in what it shows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa
import pytest

from piiscan.config import Config
from piiscan.errors import AssetError, PiiscanError
from piiscan.plugins import Asset, Connector
from piiscan.registry import GROUPS, Registry, resolve_connector

ASSET_KINDS = ("table", "view", "file", "text")


def registry_with(cls: type[Any], kind: str, builtins: bool = True) -> Registry:
    """A registry holding ``cls`` as a plugin of ``kind`` (importable by its module and
    qualified name), next to piiscan's own plugins of that kind when ``builtins``."""
    own = [
        ep
        for ep in (Registry.builtins().entry_points(kind) if builtins else [])
        if ep.name != cls.name
    ]
    ep = EntryPoint(cls.name, f"{cls.__module__}:{cls.__qualname__}", GROUPS[kind])
    return Registry({kind: sorted([*own, ep], key=lambda e: e.name)})


def read_all(asset: Asset) -> int:
    """Rows (structured asset) or lines (text asset) the asset yields; checks their types."""
    if asset.structured:
        rows = 0
        for batch in asset.batches():
            assert isinstance(batch, pa.RecordBatch), f"{asset.name}: {type(batch).__name__}"
            rows += batch.num_rows
        return rows
    lines = 0
    for line in asset.lines():
        assert isinstance(line, str), f"{asset.name}: a line of type {type(line).__name__}"
        lines += 1
    return lines


class ConnectorContract:
    """Subclass as ``class TestMyConnector(ConnectorContract)``, set
    :attr:`connector_class` and write :meth:`make_source` (and, where the source can have
    them, :meth:`make_unreadable_source` and :meth:`make_source_with_password`)."""

    connector_class: ClassVar[type[Connector]]
    #: The sample size the checks scan with; :meth:`make_source` must hold more.
    sample_rows: ClassVar[int] = 3

    def make_source(self, tmp_path: Path) -> str:
        """A source with at least one asset of more than :attr:`sample_rows` rows or lines."""
        raise NotImplementedError

    def make_unreadable_source(self, tmp_path: Path) -> str | None:
        """A source holding an asset that cannot be read (None: the check is skipped)."""
        return None

    def make_source_with_password(self, tmp_path: Path) -> tuple[str, str] | None:
        """A source string that opens and carries a password, and the password (None: the
        source cannot carry one; the check is skipped)."""
        return None

    def make_config(self, **overrides: Any) -> Config:
        return Config(sample_rows=self.sample_rows, spacy_model="none", **overrides)

    def _assets(self, source: str, config: Config) -> Iterator[Asset]:
        connector = self.connector_class(source, config)
        try:
            yield from connector.assets()
        finally:
            connector.close()

    def test_declares_its_name_and_schemes(self) -> None:
        cls = self.connector_class
        assert isinstance(cls.name, str) and cls.name, "a connector needs a name"
        assert isinstance(cls.schemes, tuple), "schemes is a tuple of URL schemes"
        assert all(isinstance(s, str) and s == s.lower() for s in cls.schemes), cls.schemes
        overrides = cls.accepts.__func__ is not Connector.accepts.__func__  # type: ignore[attr-defined]
        assert cls.schemes or cls.takes_paths or overrides, (
            "declare schemes (or takes_paths), or override accepts()"
        )

    def test_is_chosen_for_its_source_next_to_the_builtins(self, tmp_path: Path) -> None:
        source = self.make_source(tmp_path)
        registry = registry_with(self.connector_class, "connector")
        assert resolve_connector(source, registry) is self.connector_class
        self.connector_class.preflight(source)

    def test_streams_arrow_batches_within_sample_rows(self, tmp_path: Path) -> None:
        source = self.make_source(tmp_path)
        counts = {}
        for asset in self._assets(source, self.make_config()):
            assert isinstance(asset.name, str) and asset.name, "an asset needs a name"
            assert asset.kind in ASSET_KINDS, f"{asset.name}: kind {asset.kind!r}"
            assert isinstance(asset.notes, list)
            assert all(isinstance(c.name, str) for c in asset.columns())
            counts[asset.name] = read_all(asset)
        assert counts, "the source yielded no asset"
        assert max(counts.values()) <= self.sample_rows, f"read past sample_rows: {counts}"
        assert max(counts.values()) == self.sample_rows, (
            f"no asset reached sample_rows={self.sample_rows} (make_source must hold more "
            f"rows than that): {counts}"
        )

    def test_full_reads_past_sample_rows(self, tmp_path: Path) -> None:
        source = self.make_source(tmp_path)
        counts = [read_all(a) for a in self._assets(source, self.make_config(full=True))]
        assert max(counts) > self.sample_rows

    def test_an_unreadable_asset_is_an_error_not_a_crash(self, tmp_path: Path) -> None:
        from piiscan.scanning.scanner import Scanner

        source = self.make_unreadable_source(tmp_path)
        if source is None:
            pytest.skip("make_unreadable_source gives no source")
        failed = 0
        for asset in self._assets(source, self.make_config()):
            try:
                read_all(asset)
            except AssetError:
                failed += 1
        assert failed, "no asset of the unreadable source raised AssetError"
        registry = registry_with(self.connector_class, "connector", builtins=False)
        with Scanner(self.make_config(), registry=registry, detectors=[]) as scanner:
            inventory = scanner.scan([source])
        assert inventory.errors, "the scan recorded no error for the unreadable asset"

    def test_shows_no_password(self, tmp_path: Path) -> None:
        from piiscan.scanning.scanner import Scanner

        given = self.make_source_with_password(tmp_path)
        if given is None:
            pytest.skip("make_source_with_password gives no source")
        source, password = given
        connector = self.connector_class(source, self.make_config())
        try:
            shown = connector.display_source()
        finally:
            connector.close()
        assert password not in shown, "display_source() shows the password"
        registry = registry_with(self.connector_class, "connector", builtins=False)
        try:
            with Scanner(self.make_config(), registry=registry, detectors=[]) as scanner:
                inventory = scanner.scan([source])
        except PiiscanError as exc:
            assert password not in str(exc)
            return
        assert password not in json.dumps(inventory.to_dict()), "the inventory holds it"
