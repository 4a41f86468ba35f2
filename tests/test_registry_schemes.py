"""A source's connector is chosen by its URL scheme; ``accepts()`` is only the fallback
for a scheme no connector declares."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from piiscan.connectors.files import FileConnector
from piiscan.connectors.sql import SqlConnector
from piiscan.errors import PluginError, UsageError
from piiscan.plugins import Asset, Connector, source_scheme
from piiscan.registry import Registry, installed_schemes, preflight_sources, resolve_connector


class GreedyConnector(Connector):
    """Says yes to every source, and sorts first by name: asking each connector in turn
    handed it every source."""

    name = "aaa_greedy"

    @classmethod
    def accepts(cls, source: str) -> bool:
        return True

    def assets(self) -> Iterator[Asset]:
        return iter(())


class MemoConnector(Connector):
    """Declares ``memo://``."""

    name = "memo"
    schemes = ("memo",)

    def assets(self) -> Iterator[Asset]:
        return iter(())


class OtherMemoConnector(MemoConnector):
    name = "memo2"


class FileThiefConnector(MemoConnector):
    """Claims a scheme the files connector declares."""

    name = "thief"
    schemes = ("s3",)


class OldStyleConnector(Connector):
    """A plugin written before schemes: it only has accepts()."""

    name = "old"

    @classmethod
    def accepts(cls, source: str) -> bool:
        return source.startswith("old://")

    def assets(self) -> Iterator[Asset]:
        return iter(())


def registry(*classes: type[Connector]) -> Registry:
    eps = [
        EntryPoint("sql", "piiscan.connectors.sql:SqlConnector", "piiscan.connectors"),
        EntryPoint("files", "piiscan.connectors.files:FileConnector", "piiscan.connectors"),
        *(EntryPoint(c.name, f"{__name__}:{c.__name__}", "piiscan.connectors") for c in classes),
    ]
    return Registry({"connector": sorted(eps, key=lambda ep: ep.name)})


@pytest.mark.parametrize(("source", "scheme"), [
    ("sqlite:///x.db", "sqlite"), ("postgresql+psycopg://u@h/db", "postgresql+psycopg"),
    ("S3://Bucket/key", "s3"), ("file:///tmp/x", "file"), ("file:/tmp/x", "file"),
    ("data/x.csv", None), ("C:\\data\\x.db", None), ("~/x", None), ("", None),
])
def test_source_scheme(source: str, scheme: str | None) -> None:
    assert source_scheme(source) == scheme


@pytest.mark.parametrize(("source", "connector"), [
    ("sqlite:///x.db", SqlConnector),
    ("sqlite://", SqlConnector),
    ("postgresql://u:p@h/db", SqlConnector),
    ("postgresql+psycopg://u@h:5432/db", SqlConnector),  # dialect+driver: the dialect
    ("mysql+pymysql://u@h/db", SqlConnector),
    ("duckdb:///x.duckdb", SqlConnector),  # a dialect sql does not declare: accepts()
    ("file:///tmp/x.csv", FileConnector),
    ("s3://bucket/key.csv", FileConnector),
    ("gs://bucket", FileConnector),
    ("az://container/dir", FileConnector),
    ("memory://x/y", FileConnector),  # an fsspec protocol files does not declare: accepts()
    ("data/", FileConnector),
    ("export.csv", FileConnector),
    ("justaword", FileConnector),  # a bare path: preflight says it does not exist
])
def test_builtins_are_chosen_by_scheme(source: str, connector: type[Connector]) -> None:
    assert resolve_connector(source, registry(MemoConnector)) is connector


def test_a_greedy_plugin_no_longer_takes_every_source() -> None:
    """Regression: connectors were asked in name order, so a plugin whose accepts() says
    yes to everything took ``sqlite://`` and paths from the built-ins."""
    reg = registry(GreedyConnector)
    assert resolve_connector("sqlite:///x.db", reg) is SqlConnector
    assert resolve_connector("data/", reg) is FileConnector
    assert resolve_connector("nosuchscheme://x", reg) is GreedyConnector  # the fallback


def test_a_plugin_scheme_and_an_old_style_plugin() -> None:
    reg = registry(MemoConnector, OldStyleConnector)
    assert resolve_connector("memo://notes", reg) is MemoConnector
    assert resolve_connector("MEMO://notes", reg) is MemoConnector
    assert resolve_connector("old://x", reg) is OldStyleConnector
    assert "memo" in installed_schemes(reg)


@pytest.mark.parametrize(("classes", "source", "named"), [
    ((MemoConnector, OtherMemoConnector), "memo://x", "memo and memo2"),
    ((FileThiefConnector,), "s3://bucket/x", "files and thief"),
])
def test_two_connectors_claiming_a_scheme_is_an_error_naming_both(
    classes: tuple[type[Connector], ...], source: str, named: str
) -> None:
    reg = registry(*classes)
    with pytest.raises(PluginError, match=f"connectors {named} both claim"):
        resolve_connector(source, reg)
    assert resolve_connector("sqlite:///x.db", reg) is SqlConnector  # other schemes work


def test_an_unknown_scheme_lists_the_installed_ones() -> None:
    """Without the sql connector: its accepts() takes any URL SQLAlchemy parses (and its
    constructor then says it knows no such database type)."""
    files = EntryPoint("files", "piiscan.connectors.files:FileConnector", "piiscan.connectors")
    memo = EntryPoint("memo", f"{__name__}:MemoConnector", "piiscan.connectors")
    with pytest.raises(UsageError) as info:
        resolve_connector("ftpx://user:hunter2@host/x", Registry({"connector": [files, memo]}))
    message = str(info.value)
    assert message.startswith("no connector for")
    assert "hunter2" not in message
    assert "(installed schemes: abfs, abfss, adl, az, file, gcs, gs, memo, s3, s3a)" in message


def test_preflight_names_a_missing_bare_path(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file or directory"):
        preflight_sources([str(tmp_path / "nothing-here")], registry())


def test_a_plugin_listed_by_two_metadata_folders_is_seen_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stale ``*.egg-info`` beside an install lists the same entry points again."""
    for dist in ("old_name-0.1.0.dist-info", "new_name-0.1.0.dist-info"):
        meta = tmp_path / dist
        meta.mkdir()
        (meta / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist.split('-')[0]}\n"
                                       "Version: 0.1.0\n")
        (meta / "entry_points.txt").write_text(
            "[piiscan.reporters]\ntwice = piiscan.reports.json_reporter:JsonReporter\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PIISCAN_PLUGINS", "all")
    assert Registry().names("reporter").count("twice") == 1
