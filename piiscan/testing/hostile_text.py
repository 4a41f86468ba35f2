"""Hostile strings a detector must survive: empty, huge, control characters, lone
surrogates, bidirectional overrides, regex bait. :func:`hostile_texts` builds them (the
huge ones up to ``max_chars``); none holds real personal data."""

from __future__ import annotations

#: Characters of the largest hostile strings by default: four times what the scanner
#: hands a detector at once without ``--full`` (``Config.max_cell_chars`` of a cell, a
#: window of a text line).
HUGE_CHARS = 20_000


def hostile_texts(max_chars: int = HUGE_CHARS) -> dict[str, str]:
    """Case name → hostile string."""
    contact = "Jane Roe, jane.roe@example.com, +1 415 555 0100; "
    return {
        "empty": "",
        "one space": " ",
        "line breaks only": "\n\r\n\r\v\f",
        "nul bytes": "\x00" * 64,
        "C0 control characters": "".join(chr(c) for c in range(32)) + "\x7f",
        "C1 control characters": "".join(chr(c) for c in range(0x80, 0xA0)),
        "lone high surrogate": "ab\ud800cd",
        "lone low surrogate": "\udfff@example.com",
        "reversed surrogate pair": "\udc00\ud800",
        "bidirectional override": "\u202ejane.roe@example.com\u202c",
        "zero-width characters": "j\u200ba\u200dn\ufeffe\u2060",
        "stacked combining marks": "e" + "\u0301" * 2_000,
        "emoji sequences": "\U0001f469\u200d\U0001f469\u200d\U0001f467" * 500,
        "noncharacters": "\ufffe\uffff\U0010ffff\ufdd0",
        "replacement characters": "\ufffd" * 1_000,
        "mixed scripts": "Ωmega \u13a0 名前 مرحبا שלום देवनागरी",
        "markup": "<script>alert(1)</script>&amp;<!-- -->",
        "format strings": "%s%n%x{0}{}{{}}$1\\1",
        "sql": "'; DROP TABLE people; --",
        "huge prose": (contact * (max_chars // len(contact) + 1))[:max_chars],
        "huge single token": "a" * max_chars,
        "huge digits": "9" * max_chars,
        "huge at signs": "@" * max_chars,
        "nested brackets": "(" * (max_chars // 4) + "a" + ")" * (max_chars // 4),
        "backtracking bait": "a" * (max_chars // 10) + "!",
        "long lines": ("x" * 999 + "\n") * (max_chars // 1000),
    }
