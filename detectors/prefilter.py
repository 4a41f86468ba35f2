"""A sound, vectorised candidate prefilter: which entity types can a value possibly reach?

Presidio runs every recognizer on every value (~1-3 ms a call). Most values can reach
only a few types, or none: a pattern recognizer finds nothing unless one of its regexes
matches, the phone recognizer needs six digits, NER needs a letter. :class:`Prefilter`
derives one cheap gate per recognizer from the recognizer itself and evaluates the gates
over a whole batch of values at once with ``pyarrow.compute`` (RE2, in C++):

* a pattern recognizer's regexes are rewritten into an RE2 *superset*: lookarounds and
  possessive/atomic markers are dropped (``\\b``/``\\B`` are kept: on ASCII text
  RE2's word boundary is Python's), ``$`` and ``^`` match at
  every line end/start — every change only lets more through, so no value the
  recognizer would match is filtered out;
* the gates run only on ASCII values (where RE2's ``\\d \\w \\s`` mean what Python's do);
  any other value, and any recognizer whose regexes cannot be rewritten or whose
  behaviour is unknown, keeps every type (``None``: analyse as before).

The result per value is the set of entity types to ask Presidio for (``entities=``);
an empty set means no recognizer can fire and Presidio is not called at all.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeGuard

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import re2
import regex
from presidio_analyzer import Pattern, PatternRecognizer
from presidio_analyzer.predefined_recognizers import IbanRecognizer, PhoneRecognizer

from piiscan.detectors import slow_patterns
from piiscan.detectors.phone_guard import MIN_PHONE_DIGITS, DigitGuardedPhoneRecognizer
from piiscan.detectors.recognizers.base import RuleRecognizer
from piiscan.detectors.slow_patterns import GuardedPatternRecognizer

log = logging.getLogger(__name__)

NER_RECOGNIZER = "SpacyRecognizer"
#: Python's ``\\s`` also matches these on ASCII text; RE2's does not: such values bypass.
_UNSAFE_ASCII = r"[\x0b\x1c-\x1f]"
_PY_UNSAFE_ASCII = regex.compile(_UNSAFE_ASCII)
_LETTER = r"[A-Za-z]"
_PY_LETTER = regex.compile(r"[^\W\d_]")
_PY_DIGIT = regex.compile(r"\d")
#: Below this many values a batch is gated in Python (see :class:`Prefilter`).
PY_BATCH = 256
PY_TIMEOUT_S = 1.0
RE2_SET_MEMORY = 64 << 20
#: Gates per RE2 set. One DFA over all ~60 gates has more states than any cache holds:
#: it is rebuilt as new values arrive (~150 us a value on the benchmark's cells, after
#: warm-up too); sets of 8 keep their DFAs small (~15 us a value for all the sets).
RE2_SET_GATES = 8
_DIGIT = r"[0-9]"
_HEX = frozenset("0123456789abcdefABCDEF")
_UNICODE_ESCAPE = regex.compile(r"(?<!\\)\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))")
_DIGITS_AT = regex.compile(r"\d+")
_BOUNDED = regex.compile(r"\{(\d*),(\d+)\}")
_LOOKAROUND = ("(?=", "(?!", "(?<=", "(?<!")
_UNSUPPORTED_ESCAPES = frozenset("GKXRhHvVNLlUuE")
_IGNORECASE, _MULTILINE, _DOTALL, _VERBOSE = (
    regex.IGNORECASE,
    regex.MULTILINE,
    regex.DOTALL,
    regex.VERBOSE,
)


def _hex_escape(match: regex.Match[str]) -> str:
    return "\\x{" + (match.group(1) or match.group(2)) + "}"


def _class_end(p: str, i: int) -> int:
    """Index just past the character class opening at ``p[i] == '['``."""
    j = i + 1
    if j < len(p) and p[j] == "^":
        j += 1
    if j < len(p) and p[j] == "]":
        j += 1
    while j < len(p):
        c = p[j]
        if c == "\\":
            j += 2
            continue
        if c == "[" and p.startswith("[:", j):
            close = p.find(":]", j + 2)
            j = close + 2 if close >= 0 else j + 1
            continue
        if c == "]":
            return j + 1
        j += 1
    raise ValueError("unterminated character class")


def _group_end(p: str, i: int) -> int:
    """Index just past the group opening at ``p[i] == '('``."""
    depth = 0
    j = i
    while j < len(p):
        c = p[j]
        if c == "\\":
            j += 2
            continue
        if c == "[":
            j = _class_end(p, j)
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    raise ValueError("unbalanced parentheses")


def to_re2(pattern: str) -> str | None:
    """An RE2 pattern matching (at least) every string ``pattern`` matches; None if unsure."""
    out: list[str] = []
    i = 0
    n = len(pattern)
    try:
        while i < n:
            c = pattern[i]
            if c == "\\":
                if i + 1 >= n:
                    return None
                nxt = pattern[i + 1]
                if nxt == "Z":
                    out.append(r"\z")
                elif nxt in "uU":
                    width = 4 if nxt == "u" else 8
                    code = pattern[i + 2 : i + 2 + width]
                    if len(code) != width or not all(h in _HEX for h in code):
                        return None
                    out.append(f"\\x{{{code}}}")
                    i += 2 + width
                    continue
                elif nxt.isdigit() and nxt != "0":
                    out.append("(?s:.*)")  # a backreference: any text (superset)
                    number = _DIGITS_AT.match(pattern, i + 1)
                    assert number is not None  # nxt is a digit
                    i += 1 + len(number.group())
                    continue
                elif nxt in _UNSUPPORTED_ESCAPES:
                    return None  # an escape RE2 lacks
                else:
                    out.append(pattern[i : i + 2])
                i += 2
            elif c == "[":
                end = _class_end(pattern, i)
                body = pattern[i:end]
                if "[" in body[1:].replace("[:", ""):
                    return None  # nested sets (regex V1) or a literal '[': unsure
                out.append(_UNICODE_ESCAPE.sub(_hex_escape, body))
                i = end
            elif c == "(":
                if pattern.startswith(_LOOKAROUND, i):
                    i = _group_end(pattern, i)  # a zero-width assertion: dropped
                    continue
                if pattern.startswith("(?>", i):
                    out.append("(?:")
                    i += 3
                elif pattern.startswith("(?P<", i) or pattern.startswith("(?:", i):
                    out.append(pattern[i : i + 3])
                    i += 3
                elif pattern.startswith("(?P=", i):
                    out.append("(?s:.*)")  # a named backreference: any text (superset)
                    i = pattern.index(")", i) + 1
                elif pattern.startswith("(?<", i):
                    out.append("(?P<")
                    i += 3
                elif pattern.startswith("(?#", i):
                    i = pattern.index(")", i) + 1
                elif pattern.startswith("(?", i):
                    j = i + 2
                    while j < n and (pattern[j].isalpha() or pattern[j] == "-"):
                        j += 1
                    flags = pattern[i + 2 : j]
                    if set(flags) - set("ims-") or j >= n or pattern[j] not in ":)":
                        return None
                    if pattern[j] == ")" and i > 0:
                        return None  # a global flag mid-pattern: Python applies it everywhere
                    out.append(pattern[i : j + 1])
                    i = j + 1
                else:
                    out.append("(")
                    i += 1
            elif c == "{" and (bound := _BOUNDED.match(pattern, i)):
                out.append("{" + (bound.group(1) or "0") + ",}")  # no upper bound (superset)
                i = bound.end()
                if i < n and pattern[i] == "+":
                    i += 1
            elif c in "*+?}":
                out.append(c)
                i += 1
                if i < n and pattern[i] == "+":
                    i += 1  # possessive: plain greedy (superset)
            else:
                out.append(c)
                i += 1
    except ValueError:
        return None
    return "".join(out)


@functools.lru_cache(maxsize=4096)
def _re2_ok(pattern: str) -> bool:
    try:
        pc.match_substring_regex(pa.array(["x"]), pattern)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True


@dataclass(frozen=True)
class Gate:
    """What a recognizer needs before it can fire: an RE2 superset regex, or ``min_digits``
    ASCII digits, or a letter (``letters``); ``always`` when unknown."""

    name: str
    entities: frozenset[str]
    re2: str | None = None
    min_digits: int = 0
    letters: bool = False
    always: bool = False
    #: The recognizer's own patterns, compiled as it compiles them: for small batches,
    #: where compiling ``re2`` costs more than searching these value by value.
    python: tuple[regex.Pattern[str], ...] = ()

    def passes(self, text: str) -> bool:
        """The gate for one value, in Python (exact: the recognizer's own test)."""
        if self.always:
            return True
        if self.letters:
            return bool(_PY_LETTER.search(text))
        if self.min_digits:
            return len(_PY_DIGIT.findall(text)) >= self.min_digits
        for pattern in self.python:
            if slow_patterns.disabled(pattern.pattern):
                return True  # ran out of time before: may match, not run again
            try:
                if pattern.search(text, timeout=PY_TIMEOUT_S):
                    return True
            except TimeoutError:
                slow_patterns.timed_out(pattern.pattern)
                return True
        return False


def pattern_based(recognizer: object) -> TypeGuard[PatternRecognizer]:
    """Whether every result of the recognizer comes from a match of its ``patterns``."""
    if not isinstance(recognizer, PatternRecognizer):
        return False
    owner = next(k for k in type(recognizer).__mro__ if "analyze" in vars(k))
    return owner in (PatternRecognizer, RuleRecognizer, IbanRecognizer, GuardedPatternRecognizer)


def gate_for(recognizer: object) -> Gate:
    """The gate of one Presidio recognizer (``always`` when it cannot be derived soundly)."""
    name = getattr(recognizer, "name", type(recognizer).__name__)
    entities = frozenset(getattr(recognizer, "supported_entities", ()) or ())
    if name == NER_RECOGNIZER:
        return Gate(name, entities, letters=True)
    if isinstance(recognizer, DigitGuardedPhoneRecognizer):
        return Gate(name, entities, min_digits=MIN_PHONE_DIGITS)
    if isinstance(recognizer, PhoneRecognizer) or not pattern_based(recognizer):
        return Gate(name, entities, always=True)
    flags = getattr(recognizer, "global_regex_flags", None) or 0
    if flags & _VERBOSE:
        return Gate(name, entities, always=True)
    prefix = "(?m" + ("i" if flags & _IGNORECASE else "") + ("s" if flags & _DOTALL else "") + ")"
    # Presidio assigns PatternRecognizer.patterns unannotated: mypy cannot type it
    patterns: list[Pattern] = list(recognizer.patterns)  # type: ignore[has-type]
    parts = []
    for pattern in patterns:
        rewritten = to_re2(pattern.regex)
        if rewritten is None or not _re2_ok(prefix + rewritten):
            return Gate(name, entities, always=True)
        parts.append(f"(?:{rewritten})")
    if not parts:
        return Gate(name, entities, always=True)
    try:
        python = _python_gate([p.regex for p in patterns], flags)
    except regex.error:
        return Gate(name, entities, always=True)
    return Gate(name, entities, re2=prefix + "|".join(parts), python=python)


#: What stops patterns from being joined into one alternation: a backreference (its
#: group number would change) or a global inline flag (only valid at the start).
_NOT_JOINABLE = regex.compile(r"\\[1-9]|\(\?P=|\(\?[a-zA-Z]+\)")


def _python_gate(patterns: Sequence[str], flags: int) -> tuple[regex.Pattern[str], ...]:
    """The patterns compiled for one-value gating: one alternation when they can be
    joined (one search a value instead of one a pattern), else each on its own."""
    if len(patterns) > 1 and not any(_NOT_JOINABLE.search(p) for p in patterns):
        try:
            return (regex.compile("|".join(f"(?:{p})" for p in patterns), flags),)
        except regex.error:
            pass
    return tuple(regex.compile(p, flags) for p in patterns)


def _re2_sets(gates: Sequence[Gate]) -> list[tuple[re2.Set, dict[int, int]]]:
    """The gates' RE2 supersets compiled once into sets of ``RE2_SET_GATES`` (one pass a
    set per value), each with which gate each of its entries is. Gates whose pattern a
    set refuses are tested in Python."""
    patterns = [(k, gate.re2) for k, gate in enumerate(gates) if gate.re2 is not None]
    count = -(-len(patterns) // RE2_SET_GATES)  # ceiling
    sets = []
    for part in range(count):
        options = re2.Options()
        # RE2's default 8 MB can leave a set's DFA too small: it falls back to the NFA,
        # ~200x slower. Each set's DFA cache grows lazily up to this budget; sets of 8
        # stay far below it (the 100-column sampling scan peaks at 573 MB RSS in all).
        options.max_mem = RE2_SET_MEMORY
        matcher = re2.Set.SearchSet(options)
        entries: dict[int, int] = {}
        # Round robin: the long patterns (job titles, URLs, streets) are spread out.
        for k, pattern in patterns[part::count]:
            try:
                entries[matcher.Add(pattern)] = k
            except re2.error:
                continue
        if entries:
            matcher.Compile()
            sets.append((matcher, entries))
    return sets


class Prefilter:
    """Candidate entity types per value, from the gates of a set of recognizers.

    Batches of ``PY_BATCH`` values or more are gated with ``pyarrow.compute`` (RE2
    supersets, ASCII values, column at a time); smaller ones value by value with the same
    supersets compiled once into RE2 sets (pyarrow compiles its patterns on every call,
    ~50 ms), and other values with the recognizers' own patterns.
    """

    def __init__(self, recognizers: Iterable[object]) -> None:
        self.gates = [gate_for(r) for r in recognizers]
        self.always = frozenset(e for g in self.gates if g.always for e in g.entities)
        self.every = frozenset(e for g in self.gates for e in g.entities)
        self._checked = [g for g in self.gates if not g.always]
        self._sets = _re2_sets(self._checked)
        in_set = {k for _, entries in self._sets for k in entries.values()}
        self._outside_set = [g for k, g in enumerate(self._checked) if k not in in_set]
        unknown = [g.name for g in self.gates if g.always]
        if unknown:
            log.debug("prefilter: no gate for %s", ", ".join(unknown))

    def _one(self, text: str) -> frozenset[str]:
        if self._sets and text.isascii() and not _PY_UNSAFE_ASCII.search(text):
            checked = self._checked
            return self.always.union(
                *(
                    checked[entries[i]].entities
                    for matcher, entries in self._sets
                    for i in matcher.Match(text) or ()
                ),
                *(g.entities for g in self._outside_set if g.entities and g.passes(text)),
            )
        return self.always.union(
            *(g.entities for g in self._checked if g.entities and g.passes(text))
        )

    def candidates(self, texts: Sequence[str]) -> list[frozenset[str] | None]:
        """Per text: the entity types a recognizer might report, or None (unknown: all)."""
        if not texts:
            return []
        if len(texts) < PY_BATCH:
            return [self._one(text) for text in texts]
        arr = pa.array(texts, pa.string())
        safe = pc.and_(
            pc.string_is_ascii(arr), pc.invert(pc.match_substring_regex(arr, _UNSAFE_ASCII))
        )
        safe_np = safe.to_numpy(zero_copy_only=False)
        hits = np.zeros((len(texts), len(self._checked)), dtype=bool)
        digits = None
        for k, gate in enumerate(self._checked):
            if gate.re2 is not None:
                hit = pc.match_substring_regex(arr, gate.re2)
            elif gate.letters:
                hit = pc.match_substring_regex(arr, _LETTER)
            else:
                if digits is None:
                    digits = pc.count_substring_regex(arr, _DIGIT)
                # pyarrow takes a Python int as a scalar; its stubs want a Scalar
                hit = pc.greater_equal(digits, gate.min_digits)  # type: ignore[call-overload]
            hits[:, k] = hit.to_numpy(zero_copy_only=False)
        keys = np.packbits(hits, axis=1)
        memo: dict[bytes, frozenset[str]] = {}
        out: list[frozenset[str] | None] = []
        for i in range(len(texts)):
            if not safe_np[i]:
                out.append(None)
                continue
            key = keys[i].tobytes()
            found = memo.get(key)
            if found is None:
                idx = np.flatnonzero(hits[i])
                found = memo[key] = self.always.union(*(self._checked[k].entities for k in idx))
            out.append(found)
        return out
