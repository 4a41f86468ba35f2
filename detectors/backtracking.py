"""A static check for regular expressions that backtrack exponentially: a repeated group
whose branches overlap, ``(a|aa)+``, ``(?:\\$|\\$\\$)+``, ``(\\d|\\d\\d)*``.

Such a group can split the same text into repetitions in many ways (``aaaa`` is ``a a a
a``, ``aa aa``, ``a aa a`` ...); when the rest of the pattern then fails, a backtracking
engine tries every split: 2^n steps for n characters. The time-budget probes of
:func:`piiscan.detectors.packs.too_slow` catch it only when a probe string happens to
repeat the right characters, so :func:`overlapping_alternation` looks at the pattern's
structure (Python's own regular-expression parser) instead.

A repeated group's body is expanded into its alternatives (branches, with what comes
before and after them in the body), each as a sequence of character sets as far as it is
made of single characters. Two alternatives A and B are ambiguous when A's characters can
all match B's first characters and either they have the same fixed length (two ways to
match one repetition) or the rest of B can start a new repetition (``a`` then ``a``
equals ``aa``). ``(a|ab)*`` and ``(\\d{3}(?:-|))+`` are not flagged: their splits are
unique. Anything the parser cannot read is left to the probes.
"""

from __future__ import annotations

from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

#: The characters sets are computed over (Latin scripts and common punctuation).
_UNIVERSE = frozenset(chr(c) for c in range(0x250))
_CATEGORIES = {
    sre.CATEGORY_DIGIT: frozenset(c for c in _UNIVERSE if c.isdigit()),
    sre.CATEGORY_WORD: frozenset(c for c in _UNIVERSE if c.isalnum() or c == "_"),
    sre.CATEGORY_SPACE: frozenset(c for c in _UNIVERSE if c.isspace()),
}
_CATEGORIES[sre.CATEGORY_NOT_DIGIT] = _UNIVERSE - _CATEGORIES[sre.CATEGORY_DIGIT]
_CATEGORIES[sre.CATEGORY_NOT_WORD] = _UNIVERSE - _CATEGORIES[sre.CATEGORY_WORD]
_CATEGORIES[sre.CATEGORY_NOT_SPACE] = _UNIVERSE - _CATEGORIES[sre.CATEGORY_SPACE]
_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT}
#: Alternatives expanded per repeated group at most (more: left to the probes).
MAX_ALTERNATIVES = 64
#: Characters a fixed count (``\\d{3}``) expands to at most.
MAX_FIXED = 32

Items = list[tuple[Any, Any]]


def overlapping_alternation(pattern: str, ignore_case: bool = True) -> str:
    """A description of the first ambiguous repeated group in ``pattern`` (its source
    text), or ``""`` when there is none (or the pattern cannot be parsed here)."""
    try:
        parsed = sre_parse.parse(pattern, sre.SRE_FLAG_IGNORECASE if ignore_case else 0)
    except Exception:  # syntax only the regex module reads: the probes still run
        return ""
    found = _search(list(parsed), ignore_case)
    return found or ""


def _search(items: Items, fold: bool) -> str | None:
    for op, av in items:
        if op in _REPEATS:
            _low, high, body = av
            body = list(body)
            if high > 1 and _ambiguous(body, fold):
                return f"a repeated group with overlapping branches ({_describe(body)})"
            found = _search(body, fold)
        elif op is sre.SUBPATTERN:
            found = _search(list(av[-1]), fold)
        elif op is sre.BRANCH:
            found = next((f for b in av[1] if (f := _search(list(b), fold))), None)
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            found = _search(list(av[1]), fold)
        else:
            found = None
        if found:
            return found
    return None


def _describe(body: Items) -> str:
    alternatives = _alternatives(body) or []
    shown = ["".join(_show(s) for s in _chars(a, False)[0]) or "(empty)" for a in alternatives]
    return " | ".join(shown[:4])


def _show(chars: frozenset[str]) -> str:
    if len(chars) == 1:
        return next(iter(chars))
    return "[...]"


def _alternatives(items: Items) -> list[Items] | None:
    """The sequences of items the body can be, one per choice of its branches."""
    out: list[Items] = [[]]
    for op, av in items:
        if op is sre.BRANCH:
            options: list[Items] = []
            for branch in av[1]:
                expanded = _alternatives(list(branch))
                if expanded is None:
                    return None
                options += expanded
        elif op is sre.SUBPATTERN and not av[1] and not av[2]:
            options = _alternatives(list(av[-1])) or [[(op, av)]]
        else:
            options = [[(op, av)]]
        out = [a + o for a in out for o in options]
        if len(out) > MAX_ALTERNATIVES:
            return None
    return out


def _chars(items: Items, fold: bool) -> tuple[list[frozenset[str]], bool]:
    """The character sets an alternative matches one by one, and whether that is all of
    it (``False``: something variable follows, not followed here)."""
    seq: list[frozenset[str]] = []
    for op, av in items:
        if op is sre.AT:
            continue  # anchors and word boundaries consume nothing
        one = _single(op, av, fold)
        if one is not None:
            seq.append(one)
            continue
        if op in _REPEATS and av[0] == av[1] and av[0] <= MAX_FIXED and len(av[2]) == 1:
            inner_op, inner_av = next(iter(av[2]))
            inner = _single(inner_op, inner_av, fold)
            if inner is not None:
                seq += [inner] * av[0]
                continue
        return seq, False
    return seq, True


def _single(op: Any, av: Any, fold: bool) -> frozenset[str] | None:
    """The set of characters one single-character item matches, or None."""
    if op is sre.LITERAL:
        chars = frozenset({chr(av)})
    elif op is sre.NOT_LITERAL:
        chars = _UNIVERSE - {chr(av)}
    elif op is sre.ANY:
        chars = _UNIVERSE
    elif op is sre.IN:
        chars = _in(av)
    else:
        return None
    if fold:
        chars = chars | {c.swapcase() for c in chars}
    return frozenset(chars)


def _in(items: Any) -> frozenset[str]:
    chars: set[str] = set()
    negate = False
    for op, av in items:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            chars.add(chr(av))
        elif op is sre.RANGE:
            low, high = av
            chars.update(chr(c) for c in range(low, min(high, 0x24F) + 1))
        elif op is sre.CATEGORY:
            chars |= _CATEGORIES.get(av, _UNIVERSE)
    return frozenset(_UNIVERSE - chars) if negate else frozenset(chars)


def _ambiguous(body: Items, fold: bool) -> bool:
    """Whether some text splits into repetitions of ``body`` in more than one way."""
    alternatives = _alternatives(body)
    if alternatives is None or len(alternatives) < 2:
        return False
    seqs = [_chars(a, fold) for a in alternatives]
    first = frozenset().union(*(s[0] if s else _UNIVERSE for s, _ in seqs))
    for i, (a, a_closed) in enumerate(seqs):
        if not a_closed:
            continue
        for j, (b, b_closed) in enumerate(seqs):
            if i == j or len(b) < len(a) or not all(x & y for x, y in zip(a, b, strict=False)):
                continue
            if len(b) == len(a):
                if b_closed and i < j:
                    return True  # two branches match the same text
            elif b[len(a)] & first:
                return True  # a, then a new repetition, is also b
    return False
