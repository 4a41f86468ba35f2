"""What the copiers (database, file tree) need from the anonymization logic.

A copier reads every asset of a source in full, passes each batch, JSON leaf or text
line through a :class:`RecordTransformer`, and writes the result to the target in the
same shape. Copiers know nothing about policies or operators.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import pyarrow as pa


class RecordTransformer(Protocol):
    """Transforms the data of one asset (``asset`` is the name the scanner gives it:
    ``schema.table`` for tables, the relative path for files)."""

    def batch(self, asset: str, batch: pa.RecordBatch) -> pa.RecordBatch:
        """Same column names, same row count; types kept wherever the operator allows."""

    def value(self, asset: str, field: str, value: Any) -> Any:
        """One leaf of a nested document (JSON), ``field`` its dotted path as the scanner
        names it (``customer.email``, ``items[].sku``)."""

    def text(self, asset: str, text: str) -> str:
        """A line of free text with the detected spans replaced, the rest kept."""


@dataclass
class AssetCopy:
    """What a copier did with one asset (no values, counts only)."""

    asset: str
    rows_in: int = 0
    rows_out: int = 0
    status: str = "copied"  # copied | skipped | failed
    reason: str | None = None
    notes: list[str] = field(default_factory=list)
    #: Written under another name: its path held personal data (file copies).
    renamed: bool = False


@dataclass
class CopyReport:
    """Outcome of one copy run, for the manifest and the exit code."""

    assets: list[AssetCopy] = field(default_factory=list)

    @property
    def failed(self) -> list[AssetCopy]:
        return [a for a in self.assets if a.status == "failed"]


#: The database copier's progress: (asset, rows read so far), after each batch.
RowsCopied = Callable[[str, int], None]
#: The file copier's progress: each file's result, copied or not, when it is done.
FileCopied = Callable[[AssetCopy], None]
#: The runner's progress: one line of text per step (scanning, writing, verifying).
Say = Callable[[str], None]
