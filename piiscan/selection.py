"""``--include`` / ``--exclude``: one grammar for every connector (see ``docs/selection.md``).

Every table, file and field has a *qualified name* made of parts: on a database
``schema.table.column``; on files the path's ``/``-separated segments (folders, archives,
workbooks, then the file or sheet), then ``.`` and the field, whose dots separate nested
fields (``exports/orders.json.customer.address.city``). A pattern is a case-insensitive
glob that *names* a table, file, folder or field when it matches its qualified name or a
trailing part of it that starts at a part boundary: ``email``, ``*.email``,
``customers.email`` and ``main.customers.email`` all name the column
``main.customers.email``. What a pattern names is selected (``--include``) or left out
(``--exclude``) with everything in it (``customers``, ``logs``, ``backup.zip``).

* ``*`` and ``?`` stay inside one part: they never match the ``/`` or ``.`` between parts
  (``user*name`` does not name ``users.name``), but do match dots inside a file name
  (``*.csv``). ``**`` matches across parts; ``**/`` is any number of folders.
* In a pattern, ``/`` only separates path segments; ``.`` is either a dot in a name or
  the boundary between parts. On files, ``.csv`` (any extension the file readers know)
  is part of a file name until the field begins (``people.csv.phone``): ``*.csv`` and
  ``*.zip`` name files, never a field called ``csv`` or ``zip``; such a field is named
  alone (``zip``) or after its file (``people.json.address.zip``).
* Exclude wins over include; with include patterns, only what they name is read.

A table or file none of whose fields can be selected is not read at all (the check on
a name never needs the data); :class:`Selection` also records which patterns named
something, so a scan can warn about each pattern that matched nothing
(:func:`unmatched_warnings`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from piiscan.errors import PiiscanError

#: Boundary markers in an encoded qualified name: between parts joined by ``.`` (schema,
#: table, column; file and field; nested fields) and between path segments (``/``).
DOT, SLASH = "\x00", "\x01"
_MARKERS = DOT + SLASH

#: What a connector does with an asset: read it all (fields filtered by exclude patterns),
#: read it for the fields an include pattern may name, or not at all.
Choice = Literal["all", "some", "none", "excluded"]
Kind = Literal["include", "exclude"]
PatternKey = tuple[Kind, str]
#: Assets whose states are cached, and assets kept as not read yet (older ones are folded).
CACHED_ASSETS = 4096


class NothingSelected(PiiscanError):
    """An asset with fields, none of which the patterns select: it is left out of the
    inventory, as a table with no selected column is never listed."""


@dataclass(frozen=True)
class _Token:
    regex: str
    #: Whether the token can match inside a field path (no ``/``, no dot of a file name).
    in_field: bool = True


class Pattern:
    """One compiled glob (see the module docstring for the grammar)."""

    def __init__(self, kind: Kind, text: str, suffixes: Collection[str] = ()) -> None:
        self.kind = kind
        self.text = text
        glob = text.lower().removeprefix("./")
        if glob.endswith("/"):  # a folder: what is in it
            glob += "**"
        tokens = _tokens(glob, suffixes)
        self._regex = re.compile("".join(t.regex for t in tokens), re.DOTALL)
        #: (regex of the first t tokens, whether the rest can match inside a field path)
        self._prefixes = [
            (
                re.compile("".join(t.regex for t in tokens[:i]), re.DOTALL),
                all(t.in_field for t in tokens[i:]),
            )
            for i in range(len(tokens) + 1)
        ]

    @property
    def key(self) -> PatternKey:
        return (self.kind, self.text)

    def names(self, candidates: Iterable[str]) -> bool:
        """Whether the pattern matches one of a node's encoded names."""
        return any(self._regex.fullmatch(c) for c in candidates)

    def could_name_field(self, asset_runs: Iterable[str]) -> bool:
        """Whether some field of an asset (encoded trailing runs of its name) could be
        named: through the asset's name and a field path, or a field path alone."""
        starts = [run + DOT for run in asset_runs] + [""]
        return any(
            rest_ok and prefix.fullmatch(start)
            for start in starts
            for prefix, rest_ok in self._prefixes
        )


def _extension_at(pattern: str, i: int, suffixes: Collection[str]) -> bool:
    """Whether the ``.`` at ``i`` starts a known file extension (``.csv`` then the end,
    ``.`` or ``/``): that dot is part of a file name."""
    for suffix in suffixes:
        end = i + len(suffix)
        if pattern.startswith(suffix, i) and (end == len(pattern) or pattern[end] in "./"):
            return True
    return False


def _class(pattern: str, i: int) -> tuple[str, int] | None:
    """A ``[...]`` class starting at ``i`` as fnmatch reads it, and the index after it;
    None when it does not close (the ``[`` is then a literal)."""
    j = i + 1
    if j < len(pattern) and pattern[j] == "!":
        j += 1
    if j < len(pattern) and pattern[j] == "]":
        j += 1
    while j < len(pattern) and pattern[j] != "]":
        j += 1
    if j >= len(pattern):
        return None
    stuff = pattern[i + 1 : j].replace("\\", "\\\\")
    stuff = re.sub(r"([&~|])", r"\\\1", stuff)
    if stuff.startswith("!"):
        stuff = "^" + stuff[1:]
    elif stuff.startswith(("^", "[")):
        stuff = "\\" + stuff
    return f"(?![{_MARKERS}])[{stuff}]", j + 1


def _tokens(pattern: str, suffixes: Collection[str]) -> list[_Token]:
    """Regex pieces of a glob. With ``suffixes`` (files), a ``.`` before a known extension
    is a dot in a file name until the field begins: at the first other ``.`` right after
    an extension (``people.csv.phone``); from there on dots separate nested fields."""
    suffixes = sorted({s.lower() for s in suffixes}, key=len, reverse=True)
    tokens: list[_Token] = []
    in_path, after_extension = bool(suffixes), False
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            tokens.append(_Token(f"(?:.*{SLASH})?"))
            i += 3
            continue
        if pattern.startswith("**", i):
            tokens.append(_Token(".*"))
            i += 2
            continue
        if c == "*":
            tokens.append(_Token(f"[^{_MARKERS}]*"))
        elif c == "?":
            tokens.append(_Token(f"[^{_MARKERS}]"))
        elif c == "/":
            tokens.append(_Token(SLASH, in_field=False))
            after_extension = False
        elif c == "." and in_path and _extension_at(pattern, i, suffixes):
            tokens.append(_Token(r"\.", in_field=False))
            after_extension = True
        elif c == ".":
            tokens.append(_Token(f"[.{DOT}]"))
            in_path = in_path and not after_extension
            after_extension = False
        elif c == "[" and (found := _class(pattern, i)) is not None:
            regex, i = found
            tokens.append(_Token(regex))
            continue
        else:
            tokens.append(_Token(re.escape(c)))
        i += 1
    return tokens


def _clean(name: str) -> str:
    return name.lower().translate({ord(DOT): "?", ord(SLASH): "?"})


def _runs(parts: Sequence[str], seps: Sequence[str]) -> list[str]:
    """Encoded trailing runs of a name: ``parts[j:]`` joined by their boundaries, j = 0…"""
    runs: list[str] = []
    run = ""
    for k in range(len(parts) - 1, -1, -1):
        run = parts[k] + (seps[k + 1] if k + 1 < len(parts) else "") + run
        runs.append(run)
    return runs[::-1]


@dataclass
class _AssetState:
    parts: tuple[str, ...]
    seps: tuple[str, ...]
    excluded: bool
    included: bool
    choice: Choice


class Selection:
    """The include/exclude patterns of a scan, applied to one source's assets and fields.

    ``paths``: asset names are ``/``-separated paths (files and objects); otherwise their
    parts are joined by ``.`` (``schema.table``). ``suffixes``: file extensions (``.csv``)
    that are always part of a file name in a pattern. Asset parts are given as a tuple
    (``("main", "customers")``, ``("exports", "people.csv")``).
    """

    def __init__(
        self,
        include: Iterable[str] = (),
        exclude: Iterable[str] = (),
        *,
        paths: bool = False,
        suffixes: Collection[str] = (),
    ) -> None:
        self.include = [Pattern("include", p, suffixes) for p in dict.fromkeys(include)]
        self.exclude = [Pattern("exclude", p, suffixes) for p in dict.fromkeys(exclude)]
        self._asset_sep = SLASH if paths else DOT
        #: The latest assets' states (a bounded cache: a bucket may list millions).
        self._assets: dict[tuple[str, ...], _AssetState] = {}
        #: Patterns that named at least one table, file, folder or field.
        self.matched: set[PatternKey] = set()
        #: Assets listed for reading whose fields have not been seen (yet), and the
        #: patterns that could name a field of older ones, never read (carried over).
        self._unseen: dict[tuple[str, ...], None] = {}
        self._maybe: set[PatternKey] = set()

    @property
    def active(self) -> bool:
        return bool(self.include or self.exclude)

    @property
    def patterns(self) -> list[Pattern]:
        return [*self.include, *self.exclude]

    # -- names ------------------------------------------------------------------------
    def _named(self, parts: Sequence[str], seps: Sequence[str]) -> tuple[bool, bool]:
        """(excluded, included) for the node ``parts``; marks the patterns that name it."""
        runs = _runs(parts, seps)
        excluded = included = False
        for pattern in self.patterns:
            if pattern.names(runs):
                self.matched.add(pattern.key)
                if pattern.kind == "exclude":
                    excluded = True
                else:
                    included = True
        return excluded, included

    def _state(self, parts: Sequence[str]) -> _AssetState:
        key = tuple(parts)
        state = self._assets.get(key)
        if state is not None:
            return state
        clean = tuple(_clean(p) for p in key)
        seps = ("",) + (self._asset_sep,) * (len(clean) - 1)
        excluded = included = False
        for end in range(1, len(clean) + 1):  # the containers, then the asset
            ex, inc = self._named(clean[:end], seps[:end])
            excluded, included = excluded or ex, included or inc
        if excluded:
            choice: Choice = "excluded"
        elif included or not self.include:
            choice = "all"
        elif any(p.could_name_field(_runs(clean, seps)) for p in self.include):
            choice = "some"
        else:
            choice = "none"
        if len(self._assets) >= CACHED_ASSETS:
            del self._assets[next(iter(self._assets))]
        state = self._assets[key] = _AssetState(clean, seps, excluded, included, choice)
        return state

    def excluded(self, parts: Sequence[str]) -> bool:
        """Whether an exclude pattern names ``parts`` or a folder/container above it."""
        return self._state(parts).excluded

    def asset(self, parts: Sequence[str], *, fields: bool = True) -> Choice:
        """What to do with an asset: ``all`` (read it; exclude patterns may drop fields),
        ``some`` (read it for the fields an include pattern may name), ``none`` or
        ``excluded`` (do not read it). ``fields=False`` for an asset without fields (a text
        document): it is read only when named, or when there are no include patterns."""
        choice = self._state(parts).choice
        if not fields:
            return "none" if choice == "some" else choice
        if choice in ("all", "some") and self.active:
            self._unseen.setdefault(tuple(parts), None)
            if len(self._unseen) > CACHED_ASSETS:  # the oldest will not be read now
                self._maybe.update(self._could_name_field_of(next(iter(self._unseen))))
                del self._unseen[next(iter(self._unseen))]
        return choice

    def field(self, parts: Sequence[str], name: str) -> bool:
        """Whether field ``name`` (dots separate nested fields) of asset ``parts`` is read
        (connectors cache the answer per asset)."""
        state = self._state(parts)
        self._unseen.pop(tuple(parts), None)
        excluded, included = state.excluded, state.included
        segments = tuple(_clean(s) for s in name.split("."))
        for end in range(1, len(segments) + 1):  # parent objects, then the field
            ex, inc = self._named(state.parts + segments[:end], state.seps + (DOT,) * end)
            excluded, included = excluded or ex, included or inc
        return not excluded and (included or not self.include)

    def seen(self, parts: Sequence[str]) -> None:
        """Every field of the asset has gone through :meth:`field` (possibly none)."""
        self._unseen.pop(tuple(parts), None)

    # -- patterns that matched nothing ------------------------------------------------
    def _could_name_field_of(self, parts: tuple[str, ...]) -> set[PatternKey]:
        state = self._state(parts)
        runs = _runs(state.parts, state.seps)
        return {p.key for p in self.patterns if p.could_name_field(runs)}

    def _maybe_named(self) -> set[PatternKey]:
        maybe = set(self._maybe)
        for parts in self._unseen:
            maybe |= self._could_name_field_of(parts)
        return maybe

    def unmatched(self) -> list[PatternKey]:
        """Patterns that named nothing, leaving out those that could name a field of an
        asset whose fields were never seen (unreadable, or carried over unread)."""
        named = self.matched | self._maybe_named()
        return [p.key for p in self.patterns if p.key not in named]

    def unmatched_in_what_was_read(self) -> list[PatternKey]:
        """Patterns that named nothing that was read, but could name a field of an asset
        whose fields were never seen: nothing can be said of those, and the warning says so."""
        maybe = self._maybe_named() - self.matched
        return [p.key for p in self.patterns if p.key in maybe]


def quoted(pattern: str) -> str:
    """The pattern in single quotes, as a shell would take it back."""
    return "'" + pattern.replace("'", "'\\''") + "'"


def unmatched_warning(kind: Kind, pattern: str, unread: bool = False) -> str:
    text = f"--{kind} {quoted(pattern)} matched no table, file or field"
    suffix = " that was read (some were not: unreadable, or unchanged since the last scan)"
    return text + (suffix if unread else "")


def unmatched_warnings(
    include: Sequence[str],
    exclude: Sequence[str],
    selections: Sequence[Selection | None],
) -> list[str]:
    """One warning per pattern that matched nothing in any source of a run.

    ``selections`` holds each opened source's :class:`Selection` (a source that could not
    be opened saw nothing); ``None`` for a connector that does not report one, in which
    case nothing can be said and no warning is given.
    """
    if any(s is None for s in selections):
        return []
    missed = [set(s.unmatched()) for s in selections if s is not None]
    unread = [set(s.unmatched_in_what_was_read()) for s in selections if s is not None]
    keys: list[PatternKey] = [("include", p) for p in dict.fromkeys(include)]
    keys += [("exclude", p) for p in dict.fromkeys(exclude)]
    out = []
    for key in keys:
        if all(key in m for m in missed):
            out.append(unmatched_warning(*key))
        elif all(key in m or key in u for m, u in zip(missed, unread, strict=True)):
            out.append(unmatched_warning(*key, unread=True))  # only unread assets could
    return out
