"""A field's counts folded from pre-grouped values, mergeable across partitions.

The single-process scan feeds a :class:`~piiscan.classification.FieldAccumulator` one
cell at a time, in row order. A distributed engine sees each distinct value once, with
its number of occurrences and the key of its first occurrence (``(k1, k2)``: a file or
partition, and a position in it), in no particular order. :class:`FieldPartial` keeps
exactly what the accumulator would have kept — counts, score sums (integers, so exact in
any order), the first masked evidence strings and the first free-text findings by first
occurrence — so partials merge in any order and :meth:`FieldPartial.fill` hands the
accumulator the same state the single-process scan reaches with ``--full``. It never
holds a raw value.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from piiscan.classification import (
    MAX_FINDINGS_PER_FIELD,
    FieldAccumulator,
    FieldCounts,
    score_units,
)
from piiscan.model import TextFinding

#: Where a value first occurs: (file path or zero-padded partition id, position in it).
Key = tuple[str, int]


@dataclass(frozen=True)
class ValueFinding:
    """A free-text span found in one distinct value (evidence already masked)."""

    entity: str
    start: int
    end: int
    score: float
    evidence: str


@dataclass
class FieldPartial(FieldCounts):
    """Counts of one field over some distinct values (see the module docstring)."""

    examples: int = 2
    max_findings: int = MAX_FINDINGS_PER_FIELD
    #: entity -> masked evidence -> key of the first value that gave it.
    evidence: dict[str, dict[str, Key]] = field(default_factory=dict)
    #: (key of the value, index of the span in it, finding), the earliest ones kept.
    findings: list[tuple[Key, int, ValueFinding]] = field(default_factory=list)
    findings_total: int = 0

    def add_value(
        self,
        count: int,
        key: Key,
        entities: Mapping[str, float],
        evidence: Mapping[str, str],
        free: bool,
        findings: Sequence[ValueFinding] = (),
        prose: bool = False,
        reserved: Sequence[str] = (),
        shape: str | None = None,
    ) -> None:
        """One distinct value seen ``count`` times, first at ``key``.

        ``entities`` are the personal types it counts as (best score each), ``evidence``
        the masked string per type, ``findings`` its free-text spans (when ``free``);
        ``prose`` whether it reads as sentences (see :func:`looks_like_prose`),
        ``reserved`` the types it was set aside for as a reserved/test value, ``shape``
        its :func:`~piiscan.classification.value_shape` (None for free text).
        """
        self.examined += count
        self.distinct_analyzed += 1
        if free:
            self.free_text_values += count
        if prose:
            self.prose_values += count
        for entity, score in entities.items():
            self.matched[entity] += count
            self.matched_distinct[entity] += 1
            self.score_units[entity] += score_units(score) * count
            masked = evidence.get(entity, "")
            if masked:
                self._evidence(entity, masked, key)
        for entity in reserved:
            self.reserved[entity] += count
        if shape is not None:
            self.add_shape(shape, entities)
        for i, f in enumerate(findings):
            self.findings.append((key, i, f))
        self.findings_total += len(findings)
        self._prune(slack=True)

    def merge(self, other: FieldPartial) -> None:
        """Fold another partial of the same field into this one."""
        self.add_counts(other)
        for entity, bucket in other.evidence.items():
            for masked, key in bucket.items():
                self._evidence(entity, masked, key)
        self.findings.extend(other.findings)
        self.findings_total += other.findings_total
        self._prune(slack=False)

    def _evidence(self, entity: str, masked: str, key: Key) -> None:
        bucket = self.evidence.setdefault(entity, {})
        if masked not in bucket or key < bucket[masked]:
            bucket[masked] = key

    def _prune(self, *, slack: bool) -> None:
        """Keep the earliest evidence and findings (with some slack while adding)."""
        factor = 4 if slack else 1
        for entity, bucket in self.evidence.items():
            if len(bucket) > self.examples * factor:
                kept = sorted(bucket.items(), key=lambda kv: kv[1])[: self.examples]
                self.evidence[entity] = dict(kept)
        if len(self.findings) > self.max_findings * factor:
            self.findings.sort(key=lambda t: (t[0], t[1]))
            del self.findings[self.max_findings :]

    def fill(self, acc: FieldAccumulator, row_of: Callable[[Key], int]) -> FieldAccumulator:
        """Give ``acc`` the state the single-process scan reaches; ``row_of`` turns a key
        into the 1-based row number shown in findings."""
        acc.set_counts(self)
        acc.evidence = {
            entity: [m for m, _ in sorted(bucket.items(), key=lambda kv: kv[1])[: self.examples]]
            for entity, bucket in self.evidence.items()
        }
        ordered = sorted(self.findings, key=lambda t: (t[0], t[1]))[: self.max_findings]
        acc.findings = [
            TextFinding(f.entity, row_of(key), f.start, f.end, f.score, f.evidence, acc.name)
            for key, _, f in ordered
        ]
        acc.findings_dropped = self.findings_total - len(acc.findings)
        return acc

    # -- transport between executors and the driver (JSON: no code runs on loading) ------
    def to_json(self) -> str:
        return json.dumps(
            {
                "examples": self.examples,
                "max_findings": self.max_findings,
                **self.counts(),
                "evidence": {e: [[m, *k] for m, k in b.items()] for e, b in self.evidence.items()},
                "findings": [
                    [*key, i, f.entity, f.start, f.end, f.score, f.evidence]
                    for key, i, f in self.findings
                ],
                "findings_total": self.findings_total,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> FieldPartial:
        d: dict[str, Any] = json.loads(text)
        counts: dict[str, Any] = cls.counts_from(d)
        return cls(
            examples=d["examples"],
            max_findings=d["max_findings"],
            **counts,
            evidence={e: {m: (k1, k2) for m, k1, k2 in b} for e, b in d["evidence"].items()},
            findings=[
                ((k1, k2), i, ValueFinding(entity, start, end, score, ev))
                for k1, k2, i, entity, start, end, score, ev in d["findings"]
            ],
            findings_total=d["findings_total"],
        )
