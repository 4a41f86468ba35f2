"""Is the first row of a table a header, or data? Are a JSON object's keys names, or values?

A CSV file or a worksheet without a header row would otherwise make its first data row
the column names: the values in it would reach every output as names, and an anonymized
copy would keep them. The decision is cheap and needs no model: each cell gets a *kind*
from its shape (:func:`cell_kind`), and

1. a first row holding a cell that is never a column label - an e-mail address, or an
   identifier-shaped number (at least 7 digits and nothing but separators, or one code of
   mostly digits: phone, SSN, card, account, passport; an IPv4 address) - is data
   (``20240131`` is a date, not an identifier);
2. otherwise the first row is compared with the rows below it, column by column: a cell
   that is a number, year or date over a column of the same kind votes *data*, a cell of
   another kind than its column (a label over numbers, ``2019`` over amounts) votes
   *header*; text over text says nothing. The row is data when *data* votes win.

So ``region,2019,2020`` over ``north,120,98`` is a header (years over amounts), while
``Margaret,42,1985-03-02`` over ``John,37,1990-11-20`` is data; a table of words only
(``London,Paris`` over ``Rome,Oslo``) keeps its first row as the header - the scanner
then examines that row's names with the detectors like any other name (see
:mod:`piiscan.name_scan`). Columns of a table read as headerless are named
:func:`generic_names` (``column_1`` … ``column_N``) and the reader says so in a note.

JSON object keys that are values (``{"jane@corp.com": {...}}``, ``{"2024-01-02": 3}``) are
found with the same shapes (:func:`is_value_key`); :mod:`.flatten` gathers them into one
field instead of one field per key.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

#: Rows below the first that the header decision looks at.
SAMPLE_ROWS = 20
#: Digits that make a number an identifier (phone, SSN, card, account), never a label.
ID_DIGITS = 7
#: Kinds of a cell that no header row holds.
STRONG_KINDS = frozenset({"email", "id"})

_EMAIL = re.compile(r"[^@\s,;]+@[^@\s,;]+\.[A-Za-z]{2,}")
_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:[,' ]\d{3})+|\d+)(?:[.,]\d+)?%?")
_DATE = re.compile(
    r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
#: Only digits and the separators numbers are written with (phones, SSNs, cards).
_DIGITISH = re.compile(r"\+?[\d\s().\-/]+")


def cell_kind(cell: object) -> str:
    """``empty``, ``email``, ``id``, ``date``, ``year``, ``number`` or ``text``."""
    if cell is None:
        return "empty"
    text = str(cell).strip()
    if not text:
        return "empty"
    if "@" in text and _EMAIL.fullmatch(text):
        return "email"
    digits = sum(c.isdigit() for c in text)
    if digits == 0:
        return "text"
    if _IPV4.fullmatch(text):
        return "id"
    if _DATE.fullmatch(text):
        return "date"
    if len(text) == 4 and text.isdigit() and 1800 <= int(text) <= 2199:
        return "year"
    if len(text) == 8 and text.isdigit() and _compact_date(text):
        return "date"  # 20240131
    if digits >= ID_DIGITS and _DIGITISH.fullmatch(text):
        return "id"
    if _NUMBER.fullmatch(text):
        return "number"
    letters = sum(c.isalpha() for c in text)
    if digits >= ID_DIGITS and digits >= letters and not any(c.isspace() for c in text):
        return "id"  # one code of mostly digits: passport, account or licence number
    return "text"


def _compact_date(text: str) -> bool:
    """``YYYYMMDD`` of a plausible date."""
    year, month, day = int(text[:4]), int(text[4:6]), int(text[6:])
    return 1800 <= year <= 2199 and 1 <= month <= 12 and 1 <= day <= 31


def _column_kind(rows: Sequence[Sequence[object]], i: int) -> str | None:
    """The kind most cells of column ``i`` have (at least half of the non-empty ones)."""
    kinds = Counter(cell_kind(r[i]) for r in rows if i < len(r))
    kinds.pop("empty", None)
    if not kinds:
        return None
    kind, n = kinds.most_common(1)[0]
    return kind if 2 * n >= sum(kinds.values()) else None


def header_is_data(first: Sequence[object], rows: Sequence[Sequence[object]]) -> bool:
    """Whether ``first`` (a table's first non-empty row) is data rather than a header,
    judged on its own and against ``rows`` (up to :data:`SAMPLE_ROWS` rows below it)."""
    kinds = [cell_kind(c) for c in first]
    if any(k in STRONG_KINDS for k in kinds):
        return True
    data = header = 0
    for i, kind in enumerate(kinds):
        if kind == "empty":
            continue
        below = _column_kind(rows, i)
        if below is None:
            continue
        if kind == "text":
            header += below != "text"
        elif kind == below:
            data += 1
        else:
            header += 1
    return data > header


def generic_names(n: int) -> list[str]:
    """Names of the columns of a table without a header row: ``column_1`` … ``column_N``."""
    return [f"column_{i}" for i in range(1, n + 1)]


def headerless_note(n: int) -> str:
    """The note a reader adds when it reads a table as headerless."""
    last = f" … column_{n}" if n > 1 else ""
    return f"no header row: the first row looks like data and is read as data (column_1{last})"


def is_value_key(key: str) -> bool:
    """Whether a JSON object key is a value (an e-mail, number, date or identifier)
    rather than a field name."""
    return cell_kind(key) not in ("text", "empty")
