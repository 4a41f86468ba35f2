"""The inventory JSON Schema matches what the model writes, and load_inventory refuses bad files."""

from __future__ import annotations

import copy
import json
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import jsonschema
import pyarrow as pa
import pytest

from piiscan.config import Config
from piiscan.errors import AssetError, SourceError, UsageError
from piiscan.model import SCHEMA_VERSION, Span
from piiscan.plugins import Asset, ColumnInfo, Connector, Detector
from piiscan.registry import Registry
from piiscan.reports.json_reporter import JsonReporter
from piiscan.reports.loading import load_inventory, load_schema
from piiscan.scanning.scanner import Scanner

GOLDEN_JSON = Path(__file__).parent / "golden" / "inventory_small.json"


def golden() -> dict[str, Any]:
    return json.loads(GOLDEN_JSON.read_text(encoding="utf-8"))


def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(load_schema())


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(load_schema())
    assert load_schema()["$schema"].endswith("2020-12/schema")


def test_hand_made_inventory_is_valid() -> None:
    validator().validate(golden())


# -- a real scan through the pipeline, with tiny plugins defined here --------------------

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
ROWS = {
    "id": list(range(1, 9)),
    "email": [f"user{i}@example.com" for i in range(8)],
    "city": ["Paris", "Oslo", None, "Rome", "Lima", "Kyiv", "Baku", "Riga"],
}


class EmailDetector(Detector):
    name = "email-test"

    def analyze(self, texts: Sequence[str], *, field: str | None = None) -> list[list[Span]]:
        return [
            [Span("EMAIL_ADDRESS", m.start(), m.end(), 0.9, self.name) for m in EMAIL.finditer(t)]
            for t in texts
        ]


class TableAsset(Asset):
    kind = "table"

    def __init__(self, name: str, broken: bool = False) -> None:
        self.name = name
        self.broken = broken

    def columns(self) -> list[ColumnInfo]:
        return [
            ColumnInfo("id", "INTEGER"),
            ColumnInfo("email", "TEXT"),
            ColumnInfo("city", "TEXT"),
            ColumnInfo("empty", "TEXT"),
        ]

    def batches(self) -> Iterator[pa.RecordBatch]:
        if self.broken:
            raise AssetError(f"cannot read {self.name}: file is corrupt")
        yield pa.RecordBatch.from_pydict(ROWS)


class TextAsset(Asset):
    kind = "text"
    name = "notes.txt"

    def lines(self) -> Iterator[str]:
        yield "Ticket opened by a customer."
        yield "Reply to jane.doe@example.com before Friday."


class MemoryConnector(Connector):
    name = "mem"

    def __init__(self, source: str, config: Config) -> None:
        if source.endswith("/down"):
            raise SourceError("connection refused")
        super().__init__(source, config)

    @classmethod
    def accepts(cls, source: str) -> bool:
        return source.startswith("mem://")

    def assets(self) -> Iterator[Asset]:
        yield TableAsset("customers")
        yield TableAsset("broken", broken=True)
        yield TextAsset()


class OnlyMemory(Registry):
    def all(self, kind: str) -> dict[str, Any]:
        return {"mem": MemoryConnector} if kind == "connector" else {}


@pytest.fixture(scope="module")
def scanned() -> dict[str, Any]:
    config = Config()
    scanner = Scanner(config, registry=OnlyMemory(), detectors=[EmailDetector(config)])
    inventory = scanner.scan(["mem://user:hunter2@host/db", "mem://user@host/down"])
    return inventory.to_dict()


def test_pipeline_inventory_is_valid(scanned: dict[str, Any]) -> None:
    validator().validate(scanned)
    assert {a["asset"] for a in scanned["assets"]} == {"customers", "notes.txt"}
    assert [e["asset"] for e in scanned["errors"]] == ["broken", None]
    assert "hunter2" not in json.dumps(scanned)


def test_pipeline_inventory_survives_save_and_load(scanned: dict[str, Any], tmp_path: Path) -> None:
    from piiscan.model import Inventory

    path = tmp_path / "inventory.json"
    with path.open("w", encoding="utf-8") as out:
        JsonReporter().write(Inventory.from_dict(scanned), out)
    assert load_inventory(path).to_dict() == scanned


# -- invalid inventories -----------------------------------------------------------------


def _set(path: Sequence[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(d: dict[str, Any]) -> None:
        target = d
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return apply


def _delete(path: Sequence[Any]) -> Callable[[dict[str, Any]], None]:
    def apply(d: dict[str, Any]) -> None:
        target = d
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return apply


INVALID = {
    "unknown level": (_set(["assets", 0, "sensitivity"], "extreme"), "assets[0].sensitivity"),
    "field level": (
        _set(["assets", 0, "fields", 1, "sensitivity"], "HIGH"),
        "assets[0].fields[1].sensitivity",
    ),
    "missing assets": (_delete(["assets"]), "missing assets"),
    "missing errors": (_delete(["errors"]), "missing errors"),
    "negative matched": (
        _set(["assets", 0, "fields", 1, "entities", 0, "counts", "matched"], -1),
        "counts.matched",
    ),
    "negative rows": (_set(["assets", 0, "rows_scanned"], -5), "rows_scanned"),
    "negative nulls": (_set(["assets", 0, "fields", 0, "nulls"], -1), "nulls"),
    "confidence above 1": (
        _set(["assets", 0, "fields", 1, "entities", 0, "confidence"], 1.5),
        "confidence",
    ),
    "bad kind": (_set(["assets", 0, "kind"], "bucket"), "kind"),
    "bad status": (_set(["assets", 0, "fields", 0, "status"], "maybe"), "status"),
    "bad gdpr": (_set(["assets", 0, "gdpr"], "article_9"), "gdpr"),
    "bad category": (_set(["assets", 0, "categories"], ["Identifiers"]), "categories[0]"),
    "ci of three": (
        _set(["assets", 0, "fields", 1, "entities", 0, "share_ci95"], [0, 0.5, 1]),
        "share_ci95",
    ),
    "finding without evidence": (
        _delete(["assets", 1, "findings", 0, "evidence"]),
        "missing evidence",
    ),
    "error without reason": (_delete(["errors", 0, "reason"]), "missing reason"),
    "version not x.y": (_set(["schema_version"], "one"), "schema_version"),
    "string count": (_set(["assets", 0, "fields", 0, "sampled"], "200"), "sampled"),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_variants_fail_the_schema(case: str) -> None:
    data = copy.deepcopy(golden())
    INVALID[case][0](data)
    assert not validator().is_valid(data)


@pytest.mark.parametrize("case", sorted(INVALID))
def test_load_inventory_names_where_a_variant_is_wrong(case: str, tmp_path: Path) -> None:
    mutate, where = INVALID[case]
    data = copy.deepcopy(golden())
    mutate(data)
    path = tmp_path / "inv.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(UsageError) as info:
        load_inventory(path)
    message = str(info.value)
    assert "\n" not in message
    assert where in message


# -- load_inventory --------------------------------------------------------------------


def test_load_inventory_reads_a_saved_inventory() -> None:
    inv = load_inventory(GOLDEN_JSON)
    assert inv.to_dict() == golden()


def test_newer_minor_version_with_extra_keys_loads(tmp_path: Path) -> None:
    data = golden()
    data["schema_version"] = "1.7"
    data["future_key"] = {"anything": True}
    data["assets"][0]["future_asset_key"] = 1
    path = tmp_path / "inv.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert load_inventory(path).schema_version == "1.7"


BAD_FILES: dict[str, tuple[bytes | None, str]] = {
    "truncated": (GOLDEN_JSON.read_bytes()[:400], "not valid JSON"),
    "empty": (b"", "not valid JSON"),
    "not json": (b"name,email\nJane Roe,jane@example.com\n", "not valid JSON"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\xff\xfe", "not UTF-8"),
    "json list": (b"[1, 2, 3]", "not a piiscan inventory"),
    "other json object": (
        b'{"name": "Jane Roe", "email": "jane@example.com"}',
        "not a piiscan inventory",
    ),
    "newer major": (b'{"schema_version": "9.0", "assets": [], "layout": "new"}', "upgrade"),
    "missing file": (None, "not found"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_load_inventory_refuses_bad_files(case: str, tmp_path: Path) -> None:
    content, expected = BAD_FILES[case]
    path = tmp_path / "inventory.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UsageError) as info:
        load_inventory(path)
    message = str(info.value)
    assert expected in message
    assert "\n" not in message
    assert "Jane" not in message and "jane@" not in message


def test_error_messages_never_echo_values(tmp_path: Path) -> None:
    data = golden()
    data["assets"][0]["kind"] = "Jane Roe 078-05-1120"
    data["assets"][0]["rows_scanned"] = "jane@example.com"
    path = tmp_path / "inv.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(UsageError) as info:
        load_inventory(path)
    assert "Jane" not in str(info.value) and "jane@" not in str(info.value)
    assert "078-05-1120" not in str(info.value)


def test_newer_major_version_message_mentions_the_versions(tmp_path: Path) -> None:
    data = golden()
    data["schema_version"] = "9.0"
    path = tmp_path / "inv.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(UsageError, match=r"upgrade piiscan") as info:
        load_inventory(path)
    assert "9." in str(info.value) and SCHEMA_VERSION in str(info.value)


def test_structural_check_without_jsonschema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A runtime without the optional jsonschema still loads and refuses inventories."""
    monkeypatch.setitem(sys.modules, "jsonschema.exceptions", None)
    assert load_inventory(GOLDEN_JSON).to_dict() == golden()
    data = golden()
    del data["assets"][0]["asset"]
    path = tmp_path / "inv.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(UsageError, match="not a valid piiscan inventory"):
        load_inventory(path)
