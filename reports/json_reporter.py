"""The JSON inventory: the machine-readable contract (see ``inventory.schema.json``)."""

from __future__ import annotations

import json
from typing import IO, TYPE_CHECKING

from piiscan.plugins import Reporter

if TYPE_CHECKING:
    from piiscan.model import Inventory


class JsonReporter(Reporter):
    """Writes ``Inventory.to_dict()`` as indented UTF-8 JSON, keys in contract order."""

    name = "json"
    description = "JSON inventory (schema: reports/inventory.schema.json)"
    extension = ".json"

    def write(self, inventory: Inventory, out: IO[str]) -> None:
        json.dump(inventory.to_dict(), out, indent=2, ensure_ascii=False)
        out.write("\n")
