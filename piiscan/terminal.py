"""Text from the data made safe for a terminal: control characters shown, never obeyed.

File, object, archive-member, table and field names come from the scanned data. Printed
raw, ``ESC[8m`` (concealed text) hides the findings that follow, ``\\r`` overwrites a
line, a C1 ``CSI`` or a bidirectional override (U+202E) reorders what a reader sees.
:func:`printable` writes every such character as a visible escape (``\\x1b``,
``\\u202e``); every human output uses it: the table report (:func:`printable_inventory`),
``warning:``/``Error:`` lines and library log lines on stderr, the progress line, the
``--fail-on`` listing and the gate's text output.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, TypeVar

T = TypeVar("T")

#: C0 and C1 controls, DEL, and the Unicode format characters that reorder or hide text
#: (bidirectional marks, embeddings, overrides and isolates; line/paragraph separators).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, keep: str = "") -> str:
    """``text`` with every control or reordering character written as a visible escape
    (``\\x1b``), except those in ``keep`` (``"\\n"`` for a message of several lines)."""
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(lambda m: m.group() if m.group() in keep else _escape(m.group()), text)


def printable_lines(text: str) -> str:
    """:func:`printable` for a message: line breaks kept, everything else escaped."""
    return printable(text, keep="\n")


def printable_inventory(value: T) -> T:
    """A copy of an inventory (or any of its records) with :func:`printable` applied to
    every string in it, dictionary keys included: what a terminal report renders."""
    return _deep(value)


def _deep(value: Any) -> Any:
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, tuple):
        return tuple(_deep(v) for v in value)
    if isinstance(value, list):
        return [_deep(v) for v in value]
    if isinstance(value, dict):
        return {_deep(k): _deep(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: _deep(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init
        }
        return dataclasses.replace(value, **changes)
    return value
