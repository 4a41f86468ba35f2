"""Load a saved JSON inventory back, refusing anything that is not one we can read.

Every failure is a :class:`~piiscan.errors.UsageError` with a one-line message that names
the file and the place of the problem but never echoes the file's content (a file given
by mistake may hold personal data).
"""

from __future__ import annotations

import json
import os
from functools import cache
from importlib import resources
from pathlib import Path
from typing import IO, Any

from piiscan.errors import UsageError
from piiscan.model import SCHEMA_VERSION, Inventory
from piiscan.reports.userfiles import read_text

SCHEMA_FILE = "inventory.schema.json"
_BOUNDS = {
    "minimum": "must be at least {}",
    "maximum": "must be at most {}",
    "minItems": "must have at least {} items",
    "maxItems": "must have at most {} items",
    "minLength": "must have at least {} characters",
}


@cache
def load_schema() -> dict[str, Any]:
    """The inventory JSON Schema shipped with the package (draft 2020-12)."""
    text = resources.files("piiscan.reports").joinpath(SCHEMA_FILE).read_text("utf-8")
    return json.loads(text)


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load_schema())


def _major(version: str) -> int | None:
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else None


def _where(path: Any) -> str:
    parts = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
    return parts.lstrip(".") or "the top level"


def _explain(error: Any) -> str:
    """A jsonschema error described from the schema side only (no instance values)."""
    rule, expected = error.validator, error.validator_value
    if rule == "required":
        present = error.instance if isinstance(error.instance, dict) else {}
        missing = [k for k in expected if k not in present]
        return f"missing {', '.join(missing)}"
    if rule == "enum":
        return "must be one of " + ", ".join("null" if v is None else str(v) for v in expected)
    if rule == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        return "must be of type " + " or ".join(kinds)
    if rule in _BOUNDS:
        return _BOUNDS[rule].format(expected)
    if rule == "pattern":
        return f"must match {expected}"
    return f"fails the {rule!r} rule"


def validate_inventory_dict(data: Any, origin: str = "inventory") -> None:
    """Check a decoded inventory against the schema and the supported version.

    Falls back to a structural check through :meth:`Inventory.from_dict` when
    ``jsonschema`` is not installed.
    """
    if not isinstance(data, dict) or not {"schema_version", "assets"} & data.keys():
        raise UsageError(
            f"{origin} is not a piiscan inventory "
            "(expected a JSON object with schema_version and assets)"
        )
    version = data.get("schema_version")
    major = _major(version) if isinstance(version, str) else None
    if major is not None and major > (_major(SCHEMA_VERSION) or 0):
        raise UsageError(
            f"{origin} uses inventory schema {major}.x, newer than this piiscan "
            f"reads ({SCHEMA_VERSION}): upgrade piiscan to read it"
        )
    try:
        from jsonschema.exceptions import best_match
    except ImportError:  # runtime without the optional validator: structure only
        if major is None:
            raise UsageError(f"{origin}: schema_version must look like 1.0") from None
        try:
            Inventory.from_dict(data)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise UsageError(
                f"{origin} is not a valid piiscan inventory ({type(exc).__name__})"
            ) from None
        return
    error = best_match(_validator().iter_errors(data))
    if error is not None:
        raise UsageError(
            f"{origin} is not a valid piiscan inventory: at "
            f"{_where(error.absolute_path)}: {_explain(error)}"
        )


def load_inventory(source: str | os.PathLike[str] | IO[str] | IO[bytes]) -> Inventory:
    """Read, validate and rebuild a saved JSON inventory: the file at a path, or a file
    opened for reading (text, or UTF-8 bytes)."""
    if isinstance(source, str | os.PathLike):
        p = Path(source)
        origin, text = str(p), read_text(p, "inventory")
    else:
        origin, text = _read_stream(source)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{origin} is not valid JSON (truncated or corrupted?): {exc.msg} "
            f"(line {exc.lineno}, column {exc.colno})"
        ) from None
    validate_inventory_dict(data, origin)
    return Inventory.from_dict(data)


def _read_stream(stream: IO[str] | IO[bytes]) -> tuple[str, str]:
    """The name messages give an open file (its path, when it has one) and its text."""
    name = getattr(stream, "name", None)
    origin = name if isinstance(name, str) else "the inventory stream"
    try:
        content = stream.read()
    except OSError as exc:
        raise UsageError(f"cannot read inventory file {origin}: {exc.strerror or exc}") from None
    if isinstance(content, str):
        return origin, content
    try:
        return origin, content.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{origin} is not an inventory file (not UTF-8 text)") from None
