"""``piiscan.formats`` plugins: the files connector hands a plugin the files whose suffix
no built-in reader takes (tested with the example plugin's ``.roster`` format)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import pyarrow as pa
import pytest
from test_plugin_isolation import EXAMPLE, example_installed

from piiscan import Scanner
from piiscan.config import Config
from piiscan.connectors.files import FileConnector
from piiscan.connectors.format_plugins import FormatPlugins
from piiscan.plugins import BlobLike, FileFormat
from piiscan.registry import Registry

CONFIG = Config(spacy_model="none", sample_rows=3, progress=False)
ROSTER = "employee_id | email\n" + "".join(
    f"EMP-{100000 + i} | p{i}@corp-mail.com\n" for i in range(10)
)


class PipeFormat(FileFormat):
    name = "pipe"
    suffixes = (".pipe", ".PIPES")

    def batches(
        self, blob: BlobLike, limit: int | None, notes: list[str]
    ) -> Iterator[pa.RecordBatch]:
        yield pa.record_batch({"x": ["1"]})


class OtherPipeFormat(PipeFormat):
    name = "pipe2"


class CsvThiefFormat(PipeFormat):
    name = "thief"
    suffixes = (".csv", ".tar.gz", ".thief")


def formats(*classes: type[FileFormat]) -> FormatPlugins:
    eps = [EntryPoint(c.name, f"{__name__}:{c.__name__}", "piiscan.formats") for c in classes]
    return FormatPlugins(Registry({"format": eps}), CONFIG)


@pytest.mark.parametrize(("name", "found"), [
    ("a.pipe", "pipe"), ("dir/A.PIPE", "pipe"), ("x.pipes", "pipe"), ("x.thief", "thief"),
    ("x.csv", None), ("x.tar.gz", None), ("x.txt", None), ("pipe", None),
])
def test_plugin_suffixes(name: str, found: str | None) -> None:
    plugin = formats(PipeFormat, CsvThiefFormat).for_name(name)
    assert (plugin.name if plugin else None) == found


def test_a_built_in_suffix_is_never_a_plugins(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        plugins = formats(CsvThiefFormat)
    assert plugins.suffixes == (".thief",)
    assert any("thief: built-in suffixes .csv, .tar.gz" in r.getMessage() for r in caplog.records)


def test_two_plugins_declaring_a_suffix_is_a_warning_naming_both(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        plugins = formats(PipeFormat, OtherPipeFormat)
    assert plugins.for_name("a.pipe").name == "pipe"  # type: ignore[union-attr]
    assert any("formats pipe and pipe2 both declare .pipe" in r.getMessage()
               for r in caplog.records)


@pytest.fixture
def with_example(monkeypatch: pytest.MonkeyPatch) -> None:
    if not example_installed():
        if __import__("os").environ.get("CI") == "true":
            pytest.fail(f"{EXAMPLE} is not installed (scripts/test.sh installs it)")
        pytest.skip(f"{EXAMPLE} not installed")
    monkeypatch.setenv("PIISCAN_PLUGINS", "all")


def test_a_plugin_format_is_read_as_a_table(tmp_path: Path, with_example: None) -> None:
    (tmp_path / "staff.roster").write_text(ROSTER, encoding="utf-8")
    (tmp_path / "people.csv").write_text("email\na@example.com\n")
    assets = {a.name: a for a in FileConnector(str(tmp_path), CONFIG).assets()}
    roster = assets["staff.roster"]
    assert roster.kind == "file" and roster.structured
    batches = list(roster.batches())
    assert batches[0].schema.names == ["employee_id", "email"]
    assert sum(b.num_rows for b in batches) == 3  # sample_rows
    assert "sampled: first 3 rows (--full reads everything)" in roster.notes


def test_include_patterns_name_a_plugin_files_fields(tmp_path: Path, with_example: None) -> None:
    (tmp_path / "staff.roster").write_text(ROSTER, encoding="utf-8")
    config = CONFIG.with_overrides(include=("staff.roster.email",))
    [asset] = FileConnector(str(tmp_path), config).assets()
    assert [b.schema.names for b in asset.batches()] == [["email"]]


def test_a_scan_reads_a_plugin_format(tmp_path: Path, with_example: None) -> None:
    rows = "".join(f"EMP-{200000 + i} | q{i}@corp-mail.com\n" for i in range(40))
    (tmp_path / "staff.roster").write_text(ROSTER + rows, encoding="utf-8")
    with Scanner(CONFIG.with_overrides(sample_rows=100)) as scanner:
        inventory = scanner.scan([str(tmp_path)])
    [asset] = inventory.assets
    fields = {f.name: {e.type for e in f.entities} for f in asset.fields}
    assert fields["email"] == {"EMAIL_ADDRESS"}
    assert fields["employee_id"] == {"EMPLOYEE_ID"}  # the example's declared type


def test_without_the_plugin_an_unknown_suffix_is_text(tmp_path: Path) -> None:
    (tmp_path / "staff.roster").write_text(ROSTER, encoding="utf-8")
    [asset] = FileConnector(str(tmp_path), CONFIG).assets()
    assert asset.kind == "text"


def test_the_copy_leaves_out_a_plugin_format_it_cannot_write(
    tmp_path: Path, with_example: None
) -> None:
    """The copier has no rewriter for a plugin's format: the file is skipped with that
    reason, never copied as plain text (the plugin may read what text would not)."""
    from anon_data import Same

    from piiscan.anonymize.file_copy import copy_tree

    src = tmp_path / "src"
    src.mkdir()
    (src / "staff.roster").write_text(ROSTER, encoding="utf-8")
    (src / "people.csv").write_text("email\na@example.com\n")
    report = copy_tree(src, tmp_path / "out", Same())
    status = {a.asset: (a.status, a.reason) for a in report.assets}
    assert status["people.csv"][0] == "copied"
    assert status["staff.roster"] == (
        "skipped", "read by the roster format plugin, which cannot write a copy"
    )
    assert not (tmp_path / "out" / "staff.roster").exists()
