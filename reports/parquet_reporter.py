"""Parquet: the CSV's rows with an explicit Arrow schema, for loading into a warehouse."""

from __future__ import annotations

import json
from typing import IO, TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from piiscan.plugins import Reporter
from piiscan.reports.rows import COLUMNS, field_rows

if TYPE_CHECKING:
    from piiscan.model import Inventory

_TYPES = {"str": pa.string(), "int": pa.int64(), "float": pa.float64()}
SCHEMA = pa.schema([pa.field(name, _TYPES[kind], nullable=True) for name, kind in COLUMNS])
BATCH_ROWS = 10_000
#: Schema metadata key holding the inventory's ``detection`` record (JSON; ``{}`` when
#: the inventory did not record it).
DETECTION_KEY = b"piiscan.detection"


def _batch(rows: list[dict[str, Any]]) -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist(rows, schema=SCHEMA)


class ParquetReporter(Reporter):
    """Writes :data:`SCHEMA` rows in batches to a binary stream (``binary = True``)."""

    name = "parquet"
    description = "one row per field (Parquet), for loading into a warehouse"
    binary = True
    extension = ".parquet"

    def write(self, inventory: Inventory, out: IO[Any]) -> None:
        schema = SCHEMA.with_metadata({DETECTION_KEY: json.dumps(inventory.detection)})
        with pq.ParquetWriter(out, schema) as writer:
            rows: list[dict[str, Any]] = []
            for row in field_rows(inventory):
                rows.append(row)
                if len(rows) >= BATCH_ROWS:
                    writer.write_batch(_batch(rows))
                    rows = []
            if rows:
                writer.write_batch(_batch(rows))
