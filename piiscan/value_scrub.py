"""Cell values out of error messages: database drivers quote the values they choke on.

PostgreSQL says ``invalid input syntax for type integer: "219-73-4001"``, ``Failing row
contains (2, 219-73-4001, a@b.c)`` and ``Key (email)=(a@b.c) already exists``; MySQL
``Duplicate entry 'a@b.c' for key 'users.email'``; Python ``invalid literal for int():
'219-73-4001'``. :func:`scrub_values` masks, in any dialect's wording:

* every quoted literal (``'…'``, ``"…"``, backquotes), except a quoted *identifier*: one
  that directly follows a word naming a database object (``relation "t"``, ``constraint
  "t_email_key"``, ``column 'age'``, ``for user "app"``, ``database "shop"``). A quote
  after ``:`` or ``=`` is always a value. Identifiers stay readable because they are
  what a user needs to find the failing object; a table or column *named* after a value
  is a value in a name, which the scanner reports as such, not an error's business;
* parenthesised tuples of values: ``Failing row contains (…)``, ``Key (email)=(…)`` (the
  column list before ``=`` is kept), ``The duplicate key value is (…)``;
* the echoed input of PostgreSQL's JSON errors (``JSON data, line 1: …``);
* with ``driver=True`` (the text is a database's own message, not piiscan's), also
  e-mail-shaped words and digit runs of six digits or more (SSNs, phones, cards), which
  user-defined errors (``RAISE EXCEPTION 'bad row %', ssn``) print unquoted.

Messages that are free text written by the database's user (PostgreSQL ``RAISE``, MySQL
``SIGNAL``: SQLSTATE ``P0001``/``45000``) are withheld entirely by :func:`driver_message`:
names in them cannot be told from words.
"""

from __future__ import annotations

import re

MASK = "***"
#: SQLSTATEs of errors raised by user code (their message is free text).
USER_RAISED = frozenset({"P0001", "45000"})

#: Words after which a quoted string names a database object, not a value.
_IDENTIFIER_WORDS = (
    "relation|table|tables|column|columns|constraint|index|schema|database|role|user|type|"
    "function|procedure|view|sequence|trigger|extension|operator|domain|key|collation|"
    "tablespace|cursor|savepoint|server|publication|subscription|policy|rule|statement|"
    "portal|channel|attribute|object|parameter|setting|language|aggregate|conversion|"
    "partition|event|field|enum|member|routine|transform|family|class|method|mapping|"
    "wrapper|server at"
)
_IDENTIFIER_BEFORE = re.compile(rf"(?:\b(?:{_IDENTIFIER_WORDS}))\s*$", re.IGNORECASE)
_QUOTED = re.compile(r"\"(?:[^\"]|\"\")*\"|'(?:[^'\\]|''|\\.)*'|`(?:[^`]|``)*`")
#: ``(…)`` after ``=``, ``contains``, ``value is``, ``values``: a tuple of values.
_TUPLE = re.compile(
    r"(=\s*|\bcontains\s+|\bvalues?\s+(?:is\s+)?|\bvalues?:\s*)\((?:[^()]|\([^()]*\))*\)",
    re.IGNORECASE,
)
_JSON_ECHO = re.compile(r"(JSON data, line \d+:).*$", re.IGNORECASE)
_EMAIL = re.compile(r"[^\s@\"'(),;:<>]+@[^\s@\"'(),;:<>]+\.[A-Za-z]{2,}")
#: Six or more digits, possibly grouped by spaces, dots, dashes or slashes (+ prefix).
_DIGITS = re.compile(r"\+?\d(?:[\d\s./-]*\d)?")
MIN_DIGITS = 6


def _quoted(text: str) -> list[tuple[str, bool]]:
    """``text`` in pieces, ``(piece, is_kept_identifier)``, quoted values masked."""
    pieces: list[tuple[str, bool]] = []
    last = 0
    keep = False
    for match in _QUOTED.finditer(text):
        before = text[last : match.start()]
        pieces.append((before, False))
        quote = match.group(0)[0]
        if not (before == "." and keep):  # "schema"."table": as its first part
            head = text[: match.start()]
            keep = not head.rstrip().endswith((":", "=")) and bool(_IDENTIFIER_BEFORE.search(head))
        pieces.append((match.group(0), True) if keep else (f"{quote}{MASK}{quote}", False))
        last = match.end()
    pieces.append((text[last:], False))
    return pieces


def _digits(match: re.Match[str]) -> str:
    run = match.group(0)
    return MASK if sum(c.isdigit() for c in run) >= MIN_DIGITS else run


def _unquoted(piece: str, driver: bool) -> str:
    piece = _TUPLE.sub(lambda m: f"{m.group(1)}({MASK})", piece)
    piece = _EMAIL.sub(MASK, piece)
    return _DIGITS.sub(_digits, piece) if driver else piece


def scrub_values(text: str, *, driver: bool = False) -> str:
    """``text`` with the values it quotes masked (see the module docstring); line by line.
    Quoted identifiers are kept as they are."""
    lines = []
    for line in text.splitlines() or [""]:
        line = _JSON_ECHO.sub(rf"\1 {MASK}", line)
        out: list[str] = []
        run: list[str] = []
        for piece, kept in _quoted(line):
            if kept:
                out += [_unquoted("".join(run), driver), piece]
                run = []
            else:
                run.append(piece)
        lines.append("".join([*out, _unquoted("".join(run), driver)]))
    return "\n".join(lines)


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a DBAPI error (psycopg 3 ``sqlstate``, psycopg2 ``pgcode``)."""
    for name in ("sqlstate", "pgcode"):
        code = getattr(exc, name, None)
        if isinstance(code, str) and code:
            return code
    args = getattr(exc, "args", ())
    if args and isinstance(args[0], int) and args[0] in (1644,):  # MySQL SIGNAL
        return "45000"
    return None


def driver_message(exc: BaseException) -> str:
    """A database error's own message, values masked; a user-raised error's message is
    withheld (its SQLSTATE kept)."""
    code = sqlstate(exc)
    if code in USER_RAISED:
        return (
            f"error raised by a database function (SQLSTATE {code}; "
            "message withheld: it may quote a value)"
        )
    return scrub_values(str(exc), driver=True)
