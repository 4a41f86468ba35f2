"""Every regular expression the Presidio detector runs, against strings built to make it
backtrack: each finishes within a time bound (the ``regex`` module's ``timeout`` turns a
hang into a failure), and the full analyzer stays bounded on one text window.

The patterns are enumerated from the built engine's registry: piiscan's recognizers and
Presidio's built-ins it enables. Adversarial strings: long runs of the characters the
patterns' classes accept, repeated separators, and near-matches built from each
pattern's own literals (``eyJ`` for JWTs, ``$2b$`` for crypt hashes, TLD-like suffixes).
"""

from __future__ import annotations

import re
import time

import pytest
import regex

from piiscan.config import Config
from piiscan.detectors.backtracking import overlapping_alternation
from piiscan.detectors.presidio_detector import PresidioDetector
from piiscan.detectors.presidio_engines import build_engines

LENGTH = 20_000
#: Per string and pattern. Linear patterns take a few ms on 20,000 chars; the two fixed
#: Presidio patterns took > 5 s (URL) and 3.6 s (PAN) on 5,000 and 20,000 chars.
BOUND_S = 1.0
FLAGS = regex.DOTALL | regex.MULTILINE | regex.IGNORECASE
UNITS = {
    "letters": "a", "upper": "A", "digits": "1", "digit_space": "1 ", "dotted": "a.",
    "digit_dot": "1.", "digit_comma": "1,", "dash": "a-", "digit_dash": "1-",
    "at_signs": "@", "spaces": " ", "newlines": "a\n", "words": "Aaaa ", "hex_colon": "ab:",
    "slashes": "a/", "plus": "+1 ", "underscore": "a_", "equals": "a=", "label": "a: ",
    "quotes": "'a", "mixed_token": "ab-", "mozilla": "Mozilla/5.0 (",
}
#: Regression strings for the patterns fixed in detectors/recognizers/safe_builtins.py.
REGRESSIONS = {
    "url_dotted_window": "a." * 2_500,
    "url_digit_dots": "1." * 10_000,
    "pan_digit_space": "1 " * 10_000,
    "pan_dotted": "a." * 10_000,
}


def _run(unit: str, length: int = LENGTH) -> str:
    return (unit * (length // len(unit) + 1))[:length] + "!"


def _literals(pattern: str) -> list[str]:
    """Literal words of a pattern (escapes, classes' shorthands and groups blanked)."""
    text = re.sub(r"\\[dDwWsSbBAZ]|\\[pP]\{[^}]*\}|\(\?[a-zA-Z:=!<P>]*|\{\d*,?\d*\}",
                  " ", pattern)
    words = {w for w in re.findall(r"[A-Za-z0-9$@/._:+-]{3,39}", text)}
    return sorted(words)[:30]


def _patterns() -> list[tuple[str, str, str, int]]:
    engines = build_engines("none")
    found = []
    for recognizer in engines.analyzer.registry.recognizers:
        flags = getattr(recognizer, "global_regex_flags", None) or FLAGS
        for pattern in getattr(recognizer, "patterns", None) or ():
            found.append((recognizer.name, pattern.name, pattern.regex, flags))
    return found


PATTERNS = _patterns()
BY_RECOGNIZER = sorted({name for name, *_ in PATTERNS})


def test_enumerates_builtins_and_ours() -> None:
    names = set(BY_RECOGNIZER)
    assert {"UrlRecognizer", "InPanRecognizer", "CreditCardRecognizer"} <= names
    assert any(n.startswith("Piiscan") for n in names)
    assert len(PATTERNS) > 150


@pytest.mark.parametrize("recognizer", BY_RECOGNIZER)
def test_patterns_finish_on_adversarial_strings(recognizer: str) -> None:
    slow = []
    generic = {name: _run(unit) for name, unit in UNITS.items()} | REGRESSIONS
    for _, name, pattern, flags in (p for p in PATTERNS if p[0] == recognizer):
        compiled = regex.compile(pattern, flags)
        texts = dict(generic)
        for word in _literals(pattern):
            texts[f"repeat {word}"] = _run(word + " ")
            texts[f"joined {word}"] = _run(word)
        for label, text in texts.items():
            start = time.perf_counter()
            try:
                for _ in compiled.finditer(text, timeout=BOUND_S):
                    pass
            except TimeoutError:
                slow.append(f"{name} on {label}: timed out")
                continue
            elapsed = time.perf_counter() - start
            if elapsed > BOUND_S:
                slow.append(f"{name} on {label}: {elapsed:.2f}s")
    assert not slow


@pytest.fixture(scope="module")
def detector() -> PresidioDetector:
    return PresidioDetector(Config(spacy_model="none", progress=False))


@pytest.mark.parametrize("name", ["dotted", "digit_dot", "digit_space", "mixed_token",
                                  "words", "plus", "label"])
def test_analyzer_bounded_on_one_text_window(detector: PresidioDetector, name: str) -> None:
    """The whole analyzer (phone numbers, validators and context included) on one
    5,000-char text window, as the pipeline cuts lines."""
    text = _run(UNITS[name], 5_000)
    start = time.perf_counter()
    detector.analyze([text])
    assert time.perf_counter() - start < 5.0


# -- issue 19, item 16: the static rule for repeated groups with overlapping branches --------
@pytest.mark.parametrize("pattern", [
    r"(?:\$|\$\$)+z", r"(a|aa)+", r"(\d|\d\d)*", r"(?:x|x)+", r"(?:|a)+b", r"(?:ab|a|b)+c",
    r"x(?:\d|\d{2})+y", r"(?:a|ab|abab)+", r"EMP-(\w|\w)+;", r"(?:-|--)*$",
])
def test_overlapping_branches_under_repetition_are_flagged(pattern: str) -> None:
    assert overlapping_alternation(pattern).startswith("a repeated group with overlapping")


@pytest.mark.parametrize("pattern", [
    r"(?:ab|ac)+", r"(a|ab)*c", r"(?:\d{3}(?:-|))+", r"[a-z]+(?:\.[a-z]+)*",
    r"(?:Mr|Mrs|Ms)\.?", r"\b\d{3}-\d{2}-\d{4}\b", r"(?:\d{1,3}\.){3}\d{1,3}",
    r"\b(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14})\b", r"(?:a|b)+",
])
def test_unambiguous_repetitions_are_not_flagged(pattern: str) -> None:
    assert overlapping_alternation(pattern) == ""


def test_no_builtin_pattern_is_flagged() -> None:
    """The static rule has no false positive on the ~200 patterns measured above."""
    flagged = [(name, pattern) for _, name, pattern, _ in PATTERNS
               if overlapping_alternation(pattern)]
    assert flagged == []
