"""Flatten nested JSON values to dotted field paths.

``{"address": {"city": "X"}}`` gives ``address.city``; a list of scalars stays one
value (a list, stored as JSON text); a list of objects flattens its members under
``key[]`` (``items[].sku``) and gathers their values into a list per path. Nesting
deeper than ``MAX_DEPTH`` is kept as JSON text.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64


def _json(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


def flatten(value: Any, prefix: str = "", depth: int = 0) -> dict[str, Any]:
    """Field path → leaf value for one JSON value; lists in leaves become JSON text."""
    out: dict[str, Any] = {}
    _walk(value, prefix, depth, out)
    return {k: _json(v) if isinstance(v, list | dict) else v for k, v in out.items()}


def _walk(value: Any, prefix: str, depth: int, out: dict[str, Any]) -> None:
    key = prefix or "value"
    if depth >= MAX_DEPTH and isinstance(value, dict | list):
        out[key] = _json(value)
    elif isinstance(value, dict):
        if not value and prefix:
            out[key] = None
        for name, child in value.items():
            _walk(child, f"{prefix}.{name}" if prefix else str(name), depth + 1, out)
    elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
        gathered: dict[str, list[Any]] = {}
        for item in value:
            member: dict[str, Any] = {}
            _walk(item, f"{key}[]", depth + 1, member)
            for path, leaf in member.items():
                gathered.setdefault(path, []).append(leaf)
        out.update(gathered)
    else:
        out[key] = value
