"""Anonymizing structured cells: JSON documents and text held in binary cells.

The scanner reads a JSON cell of column ``profile`` as fields ``profile.email``,
``profile.orders[].sku`` (:mod:`piiscan.connectors.cells`); the plan therefore names those
paths. :func:`transform_cells` walks each JSON cell of such a column and passes every
leaf through ``transformer.value`` under the same path the scanner gave it, the way the
file copier walks a JSON file's records (the same walker,
:func:`~piiscan.connectors.readers.flatten.rewrite_leaves`, so paths, lists and maps
keyed by values agree), and writes the document back. Other cells of the column get the
column's own plan, if it has one. A binary cell that holds text is decoded, transformed
as text and encoded back (UTF-8); binary that is not text is left to the copier (see
:mod:`piiscan.anonymize.sql_copy`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from piiscan.connectors.cells import cell_text, json_document
from piiscan.connectors.readers.flatten import rewrite_leaves

#: The suffixes the flattener puts after a column's name for what is inside its JSON.
NESTED = (".", "[]", "{")


def nested_under(plans: Mapping[str, Any], column: str) -> bool:
    """Whether the plan names paths inside ``column``'s JSON cells."""
    prefixes = tuple(column + s for s in NESTED)
    return any(str(k).startswith(prefixes) for k in plans)


def transform_cells(
    transformer: Any,
    asset: str,
    column: str,
    values: list[Any],
    whole: Callable[[Any], Any] | None,
) -> list[Any]:
    """``values`` of one column transformed cell by cell: JSON documents leaf by leaf
    (paths under ``column``), other cells by ``whole`` (the column's own plan) when given."""
    rename = getattr(transformer, "field_name", None)

    def leaf(path: str, value: Any) -> Any:
        return transformer.value(asset, path, value)

    def key_name(name: str) -> str:
        return rename(asset, name) if rename is not None else name

    out: list[Any] = []
    for value in values:
        if value is None:
            out.append(None)
            continue
        raw = value
        value = cell_text(value)
        doc = json_document(value)
        if doc is not None:
            walked = rewrite_leaves(doc, leaf, key_name, column, 0)
            new: Any = (
                walked
                if isinstance(raw, dict | list)
                else json.dumps(walked, ensure_ascii=False, default=str)
            )
        elif isinstance(value, bytes):  # binary that is not text: the copier's business
            new = value
        else:
            new = whole(value) if whole is not None else value
        if isinstance(raw, bytes | bytearray | memoryview) and isinstance(new, str):
            new = new.encode("utf-8")
        out.append(new)
    return out
