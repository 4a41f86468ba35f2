"""Per-format file readers used by :mod:`piiscan.connectors.files`.

Each reader streams: CSV, JSONL, Parquet and text never hold a whole file in memory
(JSON does, up to ``Config.max_text_bytes``). Unreadable content raises
:class:`piiscan.errors.AssetError` with a reason that never quotes the data.
"""

from __future__ import annotations

from pathlib import PurePath

FORMATS: dict[str, str] = {
    ".csv": "csv", ".tsv": "csv", ".tab": "csv",
    ".json": "json",
    ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".parquet": "parquet", ".pq": "parquet",
    ".txt": "text", ".log": "text", ".md": "text", ".markdown": "text", ".rst": "text",
}


def format_for(path: str | PurePath) -> str | None:
    """The reader format for a file name by its extension; ``""`` when it has none."""
    suffix = PurePath(path).suffix.lower()
    if not suffix:
        return ""
    return FORMATS.get(suffix)
