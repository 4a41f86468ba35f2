"""Scoring predicted spans against labelled spans in free text: span overlap and per token.

Two views of the same predictions:

* **span overlap** (strict about counting, lenient about borders): a predicted span is a
  true positive when it overlaps an unmatched gold span of the same type; each gold span
  is matched at most once.
* **token level** (presidio-research's evaluation, which its published figures use):
  every token of the text gets a gold type and a predicted type (or ``O``); a token is a
  true positive when both are the same type. A long predicted address that covers a
  gold address labelled in three pieces is then scored by how much of it is right.

Gold labels pass through a mapping (label → piiscan entity type, ``None``: not scored);
predictions of types outside the mapped set and below ``min_score`` are ignored.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from piiscan.model import Span

Counts = dict[str, Counter]
_TOKEN = re.compile(r"\w+|[^\w\s]")
OUTSIDE = "O"


@dataclass(frozen=True)
class GoldSpan:
    entity_type: str
    start: int
    end: int


def gold_spans(record: Mapping, label_of: Callable[[str, str], str | None]) -> list[GoldSpan]:
    """The record's labelled spans mapped to piiscan types by ``label_of(label, value)``
    (``None``: not scored)."""
    out = []
    for s in record["spans"]:
        mapped = label_of(s["entity_type"], s["entity_value"])
        if mapped:
            out.append(GoldSpan(mapped, s["start_position"], s["end_position"]))
    return out


def _empty() -> Counts:
    return {"tp": Counter(), "fp": Counter(), "fn": Counter()}


def score_overlap(
    gold: Sequence[Sequence[GoldSpan]],
    predictions: Sequence[Sequence[Span]],
    scored: frozenset[str],
    min_score: float,
) -> Counts:
    """Per-type span counts: overlap with an unmatched gold span of the same type."""
    counts = _empty()
    for spans_gold, spans in zip(gold, predictions, strict=True):
        used: set[int] = set()
        for s in spans:
            if s.score < min_score or s.entity_type not in scored:
                continue
            hit = next(
                (
                    i
                    for i, g in enumerate(spans_gold)
                    if i not in used
                    and g.entity_type == s.entity_type
                    and s.start < g.end
                    and g.start < s.end
                ),
                None,
            )
            if hit is None:
                counts["fp"][s.entity_type] += 1
            else:
                used.add(hit)
                counts["tp"][s.entity_type] += 1
        for i, g in enumerate(spans_gold):
            if i not in used:
                counts["fn"][g.entity_type] += 1
    return counts


def _token_labels(
    tokens: Sequence[tuple[int, int]], spans: Sequence[tuple[str, int, int, float]]
) -> list[str]:
    """Each token's type: the highest-scoring span covering its first character."""
    labels = []
    for start, end in tokens:
        covering = [(score, t) for t, a, b, score in spans if a <= start < b or a < end <= b]
        labels.append(max(covering)[1] if covering else OUTSIDE)
    return labels


def score_tokens(
    texts: Sequence[str],
    gold: Sequence[Sequence[GoldSpan]],
    predictions: Sequence[Sequence[Span]],
    scored: frozenset[str],
    min_score: float,
) -> Counts:
    """Per-type token counts (tp: same type on both sides; fp/fn: the rest)."""
    counts = _empty()
    for text, spans_gold, spans in zip(texts, gold, predictions, strict=True):
        tokens = [m.span() for m in _TOKEN.finditer(text)]
        truth = _token_labels(tokens, [(g.entity_type, g.start, g.end, 1.0) for g in spans_gold])
        guess = _token_labels(
            tokens,
            [
                (s.entity_type, s.start, s.end, s.score)
                for s in spans
                if s.score >= min_score and s.entity_type in scored
            ],
        )
        for t, p in zip(truth, guess, strict=True):
            if t == p:
                if t != OUTSIDE:
                    counts["tp"][t] += 1
                continue
            if p != OUTSIDE:
                counts["fp"][p] += 1
            if t != OUTSIDE:
                counts["fn"][t] += 1
    return counts


def ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def totals(counts: Counts) -> tuple[int, int, int]:
    return tuple(sum(counts[k].values()) for k in ("tp", "fp", "fn"))  # type: ignore[return-value]


def format_counts(title: str, counts: Counts) -> list[str]:
    """Printable lines: the micro figures over all types, then one line per type."""
    tp, fp, fn = totals(counts)
    p, r = ratio(tp, tp + fp), ratio(tp, tp + fn)
    f1 = ratio(2 * p * r, p + r) if p + r else 0.0
    lines = [f"  {title:<18} P {p:.3f}  R {r:.3f}  F1 {f1:.3f}  (tp {tp}, fp {fp}, fn {fn})"]
    for entity in sorted(set().union(*counts.values())):
        t, f, m = counts["tp"][entity], counts["fp"][entity], counts["fn"][entity]
        lines.append(
            f"    {entity:<20} P {ratio(t, t + f):.2f}  R {ratio(t, t + m):.2f}"
            f"  (tp {t}, fp {f}, fn {m})"
        )
    return lines
