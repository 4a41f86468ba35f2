"""Why a finding on an added line is allowed: an inline comment, or a well-known test value.

An allow comment is the text ``piiscan: allow`` (or ``piiscan:allow``, any case) anywhere
on the finding's line or on the line above, in any comment syntax (``#``, ``//``, ``--``,
``/* */``, ``<!-- -->``). Entity types written in capitals right after it
(``piiscan: allow EMAIL_ADDRESS,PHONE_NUMBER``) narrow it to those types; lower-case words
after it are a free reason and allow every type. Test values are those
:func:`piiscan.detectors.reserved.is_reserved` recognises (test cards, 078-05-1120,
example.com, 555-01xx, documentation IP ranges…).
"""

from __future__ import annotations

import re

from piiscan.detectors.reserved import is_reserved

INLINE = "inline comment"
TEST_VALUE = "test value"

_ALLOW = re.compile(r"piiscan:\s?allow\b", re.IGNORECASE)
_TYPES = re.compile(r"[ \t]+([A-Z][A-Z0-9_]*(?:[ \t]*,[ \t]*[A-Z][A-Z0-9_]*)*)(?![a-z])")

#: ``None``: every entity type; else the set of types allowed.
Allowance = frozenset[str] | None


def parse_allow(line: str) -> list[Allowance]:
    """The allow comments on a line (empty list when there is none)."""
    found: list[Allowance] = []
    for m in _ALLOW.finditer(line):
        types = _TYPES.match(line, m.end())
        if types:
            found.append(frozenset(t.strip() for t in types.group(1).split(",")))
        else:
            found.append(None)
    return found


def allows(line: str | None, entity_type: str) -> bool:
    """Whether an allow comment on ``line`` covers ``entity_type``."""
    if not line or "piiscan" not in line.lower():
        return False
    return any(a is None or entity_type in a for a in parse_allow(line))


def allow_reason(
    entity_type: str,
    value: str,
    line: str,
    line_above: str | None,
    *,
    allow_test_values: bool = True,
) -> str | None:
    """``"inline comment"``, ``"test value"`` or None (the finding is new)."""
    if allows(line, entity_type) or allows(line_above, entity_type):
        return INLINE
    if allow_test_values and is_reserved(entity_type, value):
        return TEST_VALUE
    return None
