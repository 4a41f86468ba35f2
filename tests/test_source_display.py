"""A source is shown as its connector shows it (``Connector.display_source()``), in every
output: the inventory's sources and assets, errors, progress events and the state file.

The connector here is a real plugin class whose source is no URL (a DSN of
``key=value`` pairs, as ODBC and libpq take them): :func:`~piiscan.masking.mask_url`
cannot know where its password is, only the connector does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import pyarrow as pa
import pytest

from piiscan import Scanner
from piiscan.config import Config
from piiscan.errors import AssetError, SourceError
from piiscan.plugins import Asset, Connector
from piiscan.registry import Registry

SECRET = "s3cret-Pw"
GOOD = f"mydb:host=db1;user=svc;password={SECRET};tables=people,orders"
#: Opening fails, and the connector's message quotes its source (drivers do).
UNREACHABLE = f"mydb:host=db2;user=svc;password={SECRET};down=1"


class _Table(Asset):
    kind = "table"

    def __init__(self, name: str, source: str) -> None:
        self.name = name
        self.source = source

    def batches(self) -> Iterator[pa.RecordBatch]:
        if self.name == "orders":  # a driver error that quotes the connection string
            raise AssetError(f"permission denied on orders (connection {self.source})")
        yield pa.record_batch({"email": [f"kim.lee{i}@gmx.net" for i in range(5)]})


class DsnConnector(Connector):
    """``mydb:key=value;...``: one table per name in ``tables``; ``down=1`` cannot open."""

    name = "mydb"

    def __init__(self, source: str, config: Config) -> None:
        super().__init__(source, config)
        self.settings = dict(p.split("=", 1) for p in source.removeprefix("mydb:").split(";"))
        if self.settings.get("down"):
            raise SourceError(f"cannot connect with {source}: host unreachable")

    @classmethod
    def accepts(cls, source: str) -> bool:
        return source.startswith("mydb:")

    def display_source(self) -> str:
        return re.sub(r"password=[^;]*", "password=***", self.source)

    def assets(self) -> Iterator[Asset]:
        for table in self.settings["tables"].split(","):
            yield _Table(table, self.source)
        raise OSError(f"listing of {self.source} interrupted")


REGISTRY = Registry(
    {
        "connector": [EntryPoint("mydb", f"{__name__}:DsnConnector", "piiscan.connectors")],
        "detector": [
            EntryPoint(
                "presidio",
                "piiscan.detectors.presidio_detector:PresidioDetector",
                "piiscan.detectors",
            )
        ],
    }
)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, list, Path]:
    state = tmp_path_factory.mktemp("display") / "state.db"
    config = Config(spacy_model="none", hash_key=b"k", state_path=str(state))
    events: list = []
    scanner = Scanner(config, registry=REGISTRY, on_event=events.append)
    try:
        inventory = scanner.scan([GOOD, UNREACHABLE])
    finally:
        scanner.close()
    return inventory.to_dict(), events, state


def test_the_connector_shows_its_source(scanned: tuple[dict, list, Path]) -> None:
    inventory, events, _ = scanned
    # the connector hides the password; the user name is masked as names are
    shown = "mydb:host=db1;user=***;password=***;tables=people,orders"
    unreachable = "mydb:host=db2;user=***;password=***;down=1"
    assert inventory["sources"] == [shown, unreachable]
    assert [a["source"] for a in inventory["assets"]] == [shown]
    assert inventory["assets"][0]["fields"][0]["status"] == "personal"
    assert {(e["source"], e["asset"]) for e in inventory["errors"]} == {
        (shown, "orders"),
        (shown, None),
        (unreachable, None),
    }
    assert {e.kind for e in events} >= {"source", "asset", "error"}


@pytest.mark.parametrize(
    "where",
    ["inventory", "errors", "events", "state file"],
)
def test_no_output_holds_the_password(scanned: tuple[dict, list, Path], where: str) -> None:
    inventory, events, state = scanned
    text = {
        "inventory": lambda: json.dumps(inventory),
        "errors": lambda: " ".join(e["reason"] for e in inventory["errors"]),
        "events": lambda: " ".join(f"{e.source} {e.asset} {e.message}" for e in events),
        "state file": lambda: b"".join(
            p.read_bytes() for p in state.parent.iterdir() if p.name.startswith("state.db")
        ).decode("latin-1"),
    }[where]()
    assert text  # something was written there
    assert SECRET not in text
