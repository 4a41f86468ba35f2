"""Analyse many short lines in few detector calls: join them, split the spans back.

A detector call has a fixed cost (every recognizer runs, context is scored) that
dominates on short lines of code or logs. :func:`analyze_lines` joins lines into
blocks of at most ``block_chars`` characters separated by ``\\n``, analyses each block
once, and cuts every span back to the line(s) it covers; a span over a line break (a
street address on three lines) becomes one span per line.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

from piiscan.model import Span

BLOCK_CHARS = 4_000

Analyze = Callable[[list[str]], list[list[Span]]]


def _blocks(lines: Sequence[str], block_chars: int) -> Iterator[list[int]]:
    block: list[int] = []
    size = 0
    for i, line in enumerate(lines):
        if block and size + len(line) + 1 > block_chars:
            yield block
            block, size = [], 0
        block.append(i)
        size += len(line) + 1
    if block:
        yield block


def analyze_lines(
    lines: Sequence[str], analyze: Analyze, block_chars: int = BLOCK_CHARS
) -> list[list[Span]]:
    """Spans per line, with offsets within that line (lines must hold no ``\\n``)."""
    out: list[list[Span]] = [[] for _ in lines]
    for block in _blocks(lines, block_chars):
        texts = [lines[i] for i in block]
        starts: list[int] = []
        pos = 0
        for text in texts:
            starts.append(pos)
            pos += len(text) + 1
        (spans,) = analyze(["\n".join(texts)])
        for s in spans:
            k = bisect_right(starts, s.start) - 1
            while k < len(texts) and starts[k] < s.end:
                a = max(s.start, starts[k]) - starts[k]
                b = min(s.end, starts[k] + len(texts[k])) - starts[k]
                if b > a and texts[k][a:b].strip():
                    out[block[k]].append(replace(s, start=a, end=b))
                k += 1
    return out
