"""Flatten nested JSON values to dotted field paths.

``{"address": {"city": "X"}}`` gives ``address.city``; a list of scalars stays one
value (a list, stored as JSON text); a list of objects flattens its members under
``key[]`` (``items[].sku``) and gathers their values into a list per path. Nesting
deeper than ``MAX_DEPTH`` is kept as JSON text.

An object whose keys are values, not names (``{"jane@corp.com": {"plan": "pro"}}``,
``{"2024-01-02": 3}``: e-mails, numbers, dates, identifiers, see
:func:`~.headers.is_value_key`), or an object of more than ``MAP_KEYS`` objects, is a
*map*: its keys become one field ``key{key}`` (``accounts{key}``, a list of the keys) and
its members are flattened under ``key{}`` like the members of a list (``accounts{}.plan``).
The keys are then scanned as values, and a thousand keys make two fields, not a thousand.
A map at the top of a record gives ``{key}`` and ``{}``.

:func:`rewrite_leaves` is the other direction, for a copy: the same value with every
leaf passed through a callback under the path :func:`flatten` names it by (a list of
scalars leaf by leaf under its own path), a map's keys through the callback as values of
``key{key}``, other keys through a renaming callback, and nesting past ``MAX_DEPTH``
as one JSON text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from piiscan.connectors.readers.headers import is_value_key

MAX_DEPTH = 64
#: An object with more members than this, all of them objects, is a map keyed by values.
MAP_KEYS = 50
#: Suffixes of a map's field paths: its keys, and its members.
MAP_KEYS_SUFFIX = "{key}"
MAP_MEMBERS_SUFFIX = "{}"


def map_keys(value: dict[Any, Any]) -> list[str]:
    """The keys of ``value`` that are values (gathered as a map), in order."""
    if len(value) > MAP_KEYS and all(isinstance(v, dict) for v in value.values()):
        return [str(k) for k in value]
    return [str(k) for k in value if is_value_key(str(k))]


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
        keyed = set(map_keys(value))
        for name, child in value.items():
            if str(name) not in keyed:
                _walk(child, f"{prefix}.{name}" if prefix else str(name), depth + 1, out)
        if keyed:
            members = [child for name, child in value.items() if str(name) in keyed]
            out[prefix + MAP_KEYS_SUFFIX] = [str(k) for k in value if str(k) in keyed]
            _gather(members, prefix + MAP_MEMBERS_SUFFIX, depth, out)
    elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
        _gather(value, f"{key}[]", depth, out)
    else:
        out[key] = value


def _gather(items: list[Any], path: str, depth: int, out: dict[str, Any]) -> None:
    """The members of a list (or a map) flattened under ``path``, a list per field."""
    gathered: dict[str, list[Any]] = {}
    for item in items:
        member: dict[str, Any] = {}
        _walk(item, path, depth + 1, member)
        for leaf_path, leaf in member.items():
            gathered.setdefault(leaf_path, []).append(leaf)
    out.update(gathered)


def rewrite_leaves(
    value: Any,
    leaf: Callable[[str, Any], Any],
    key_name: Callable[[str], str],
    prefix: str = "",
    depth: int = 0,
) -> Any:
    """``value`` with every non-null leaf replaced by ``leaf(path, leaf value)``, under
    the paths :func:`flatten` gives (``prefix`` and ``depth``: where ``value`` sits), and
    its object keys rewritten (see :meth:`_LeafRewrite.walk_object`)."""
    return _LeafRewrite(leaf, key_name).walk(value, prefix, depth)


class _LeafRewrite:
    def __init__(self, leaf: Callable[[str, Any], Any], key_name: Callable[[str], str]) -> None:
        self.leaf = leaf
        self.key_name = key_name

    def walk(self, value: Any, prefix: str, depth: int) -> Any:
        key = prefix or "value"
        if depth >= MAX_DEPTH and isinstance(value, dict | list):
            text = _json(value)
            new = self.leaf(key, text)
            return value if new == text else new
        if isinstance(value, dict):
            return self.walk_object(value, prefix, depth)
        if isinstance(value, list):
            if any(isinstance(v, dict) for v in value):
                return [self.walk(item, f"{key}[]", depth + 1) for item in value]
            return [
                self.walk(item, prefix, depth + 1)
                if isinstance(item, list)
                else self.scalar(key, item)
                for item in value
            ]
        return self.scalar(key, value)

    def walk_object(self, value: dict[Any, Any], prefix: str, depth: int) -> dict[Any, Any]:
        """An object with its members walked, and its keys rewritten where they hold
        personal data: a map's keys (values of the field ``prefix{key}``) through the leaf
        callback, other keys through ``key_name``."""
        keyed = set(map_keys(value))
        out: dict[Any, Any] = {}
        for name, child in value.items():
            if str(name) in keyed:
                new = self.leaf(prefix + MAP_KEYS_SUFFIX, str(name))
                key = str(new) if new not in (None, "") else "<key>"
                walked = self.walk(child, prefix + MAP_MEMBERS_SUFFIX, depth + 1)
            else:
                key = self.key_name(name) if isinstance(name, str) else name
                path = f"{prefix}.{name}" if prefix else str(name)
                walked = self.walk(child, path, depth + 1)
            unique, n = key, 1
            while unique in out:  # two keys rewritten alike (a redacted key): keep both
                n += 1
                unique = f"{key}_{n}"
            out[unique] = walked
        return out

    def scalar(self, path: str, value: Any) -> Any:
        return value if value is None else self.leaf(path, value)
