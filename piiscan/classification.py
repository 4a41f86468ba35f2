"""Column-level verdicts and text findings from detector spans, judged by the policy.

A field is judged from the values actually examined together with its name:

* a value *matches* an entity type when a span of that type covers most of the value
  (short, structured values) or anywhere in it (free text) with at least ``min_score``;
  a name hint for the type lowers that bar to ``HINTED_MIN_SCORE`` — the values must
  still be compatible, so a ``name`` column of product names is not PERSON;
* an entity type is retained when its share of examined values is high enough
  (``VALUE_SHARE`` alone, ``HINTED_SHARE`` with a name hint, ``TEXT_SHARE`` in free text);
* too few examined values make the verdict ``insufficient`` rather than ``none_found``.

The accumulators stream: memory is bounded by the per-field value cache and the capped
evidence and findings lists, not by the number of rows.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from piiscan.masking import EvidenceEncoder
from piiscan.model import (
    AssetResult,
    EntityVerdict,
    FieldResult,
    Hint,
    Span,
    TextFinding,
)
from piiscan.policy import Policy, level_rank, max_gdpr, max_level

MIN_VALUES = 5
VALUE_SHARE = 0.5
HINTED_SHARE = 0.3
HINTED_MIN_SCORE = 0.1
TEXT_SHARE = 0.02
COVERAGE = 0.6
OVERLAP_MARGIN = 0.2
FREE_TEXT_MIN_CHARS = 40
MAX_CACHE = 50_000
MAX_FINDINGS_PER_FIELD = 200
TEXT_FIELD = "(text)"


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a proportion k/n."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def looks_like_free_text(value: str) -> bool:
    return len(value) >= FREE_TEXT_MIN_CHARS and value.count(" ") >= 4


def _coverage(spans: Iterable[Span], length: int) -> float:
    covered = 0
    last_end = 0
    for s in sorted(spans, key=lambda s: s.start):
        start = max(s.start, last_end)
        if s.end > start:
            covered += s.end - start
            last_end = s.end
    return covered / length if length else 0.0


def value_entities(
    value: str, spans: Sequence[Span], hinted: frozenset[str], min_score: float, free_text: bool
) -> dict[str, float]:
    """Entity types a single value counts as (best score each), per the matching rule."""
    stripped_len = len(value.strip()) or 1
    by_type: dict[str, list[Span]] = {}
    for s in spans:
        by_type.setdefault(s.entity_type, []).append(s)
    out: dict[str, float] = {}
    for entity, group in by_type.items():
        floor = HINTED_MIN_SCORE if entity in hinted else min_score
        strong = [s for s in group if s.score >= floor]
        if not strong:
            continue
        if free_text or _coverage(strong, stripped_len) >= COVERAGE:
            out[entity] = max(s.score for s in strong)
    return out


@dataclass
class FieldAccumulator:
    """Streams the values of one field and keeps only counts, scores and masked evidence."""

    name: str
    data_type: str | None
    hints: tuple[Hint, ...]
    policy: Policy
    encoder: EvidenceEncoder
    min_score: float
    max_values: int | None
    examples: int = 2
    nulls: int = 0
    examined: int = 0
    free_text_values: int = 0
    distinct_analyzed: int = 0
    matched: Counter[str] = field(default_factory=Counter)
    score_sum: Counter[str] = field(default_factory=Counter)
    evidence: dict[str, list[str]] = field(default_factory=dict)
    findings: list[TextFinding] = field(default_factory=list)
    findings_dropped: int = 0
    _cache: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def hinted(self) -> frozenset[str]:
        return frozenset(h.entity_type for h in self.hints)

    def wants(self, value: str) -> bool:
        """Whether ``value`` still needs analysis (not cached and under the value cap)."""
        if value in self._cache:
            return False
        return self.max_values is None or self.distinct_analyzed < self.max_values

    def add(self, value: str, spans: Sequence[Span], row: int | None = None) -> None:
        """Record one analysed distinct value (its first occurrence)."""
        free = looks_like_free_text(value)
        entities = value_entities(value, spans, self.hinted, self.min_score, free)
        if not free:
            entities = self._resolve_overlaps(entities)
        self.distinct_analyzed += 1
        if len(self._cache) >= MAX_CACHE:
            self._cache.clear()
        self._cache[value] = entities
        if free:
            self.free_text_values += 1
            self._record_findings(value, spans, row)
        self._count(value, entities)

    def _resolve_overlaps(self, entities: dict[str, float]) -> dict[str, float]:
        """One short value is one thing: drop personal types clearly outscored by another.

        A 16-digit card number also matching a weaker national-id pattern is a card number.
        Types named by the column keep their place; non-personal types never outscore.
        """
        personal = {e: s for e, s in entities.items() if self.policy.is_personal(e)}
        if len(personal) < 2:
            return entities
        best = max(personal.values())
        return {
            e: s
            for e, s in entities.items()
            if e not in personal or e in self.hinted or s >= best - OVERLAP_MARGIN
        }

    def add_repeat(self, value: str) -> bool:
        """Count a value already analysed; False when it was never analysed (skipped)."""
        entities = self._cache.get(value)
        if entities is None:
            return False
        if looks_like_free_text(value):
            self.free_text_values += 1
        self._count(value, entities)
        return True

    def _count(self, value: str, entities: dict[str, float]) -> None:
        self.examined += 1
        for entity, score in entities.items():
            if not self.policy.is_personal(entity):
                continue
            self.matched[entity] += 1
            self.score_sum[entity] += score
            bucket = self.evidence.setdefault(entity, [])
            if len(bucket) < self.examples:
                masked = self.encoder.encode(value, entity)
                if masked and masked not in bucket:
                    bucket.append(masked)

    def _record_findings(self, value: str, spans: Sequence[Span], row: int | None) -> None:
        for s in spans:
            if s.score < self.min_score or not self.policy.is_personal(s.entity_type):
                continue
            if len(self.findings) >= MAX_FINDINGS_PER_FIELD:
                self.findings_dropped += 1
                continue
            self.findings.append(
                TextFinding(
                    entity=s.entity_type,
                    line=row or 0,
                    start=s.start,
                    end=s.end,
                    score=s.score,
                    evidence=self.encoder.encode(value[s.start : s.end], s.entity_type),
                    field=self.name,
                )
            )

    def result(self) -> FieldResult:
        return judge_field(self)


def _share_threshold(acc: FieldAccumulator, entity: str) -> float:
    if acc.examined and acc.free_text_values / acc.examined >= 0.5:
        return TEXT_SHARE
    return HINTED_SHARE if entity in acc.hinted else VALUE_SHARE


def judge_field(acc: FieldAccumulator) -> FieldResult:
    """Turn an accumulator into a verdict: entities, categories, level, status."""
    n = acc.examined
    verdicts: list[EntityVerdict] = []
    hint_score = {h.entity_type: h.score for h in acc.hints}
    for entity, k in acc.matched.items():
        share = k / n
        if share < _share_threshold(acc, entity) or (k < 2 and n >= MIN_VALUES):
            continue
        low, high = wilson_interval(k, n)
        mean_score = acc.score_sum[entity] / k
        value_part = min(1.0, share / VALUE_SHARE) * mean_score
        name_part = hint_score.get(entity, 0.0) * 0.6
        confidence = 1 - (1 - value_part) * (1 - name_part)
        if n < MIN_VALUES:
            confidence *= n / MIN_VALUES
        verdicts.append(
            EntityVerdict(
                type=entity,
                confidence=confidence,
                matched=k,
                sampled=n,
                share=share,
                share_low=low,
                share_high=high,
                name_signal=entity in hint_score,
                evidence=tuple(acc.evidence.get(entity, ())),
            )
        )
    verdicts = _drop_dominated(verdicts, acc)
    verdicts.sort(key=lambda v: (-v.confidence, v.type))
    return _field_result(acc, verdicts)


def _drop_dominated(verdicts: list[EntityVerdict], acc: FieldAccumulator) -> list[EntityVerdict]:
    """In a structured column, keep the types that explain the values best.

    A competing type with less than half the leading share and no name signal is an
    overlap of patterns (a card number also read as a bank number), not a second kind
    of data.
    """
    if not verdicts or (acc.examined and acc.free_text_values / acc.examined >= 0.5):
        return verdicts
    best = max(v.share for v in verdicts)
    return [v for v in verdicts if v.name_signal or v.share >= best / 2]


def _field_result(acc: FieldAccumulator, verdicts: list[EntityVerdict]) -> FieldResult:
    rules = [acc.policy.rule(v.type) for v in verdicts]
    categories = sorted({c for r in rules if r for c in r.categories})
    if verdicts:
        status = "personal"
    elif acc.examined < MIN_VALUES:
        status = "insufficient"
    else:
        status = "none_found"
    retained = {v.type for v in verdicts}
    findings = tuple(f for f in acc.findings if f.entity in retained)
    return FieldResult(
        name=acc.name,
        data_type=acc.data_type,
        status=status,
        sampled=acc.examined,
        nulls=acc.nulls,
        entities=tuple(verdicts),
        categories=tuple(categories),
        sensitivity=max_level(r.level for r in rules if r),
        gdpr=max_gdpr(r.gdpr for r in rules if r) if verdicts else None,
        findings=findings,
    )


def text_findings(
    lines: Sequence[str],
    first_line: int,
    spans: Sequence[Sequence[Span]],
    policy: Policy,
    encoder: EvidenceEncoder,
    min_score: float,
    offsets: Sequence[int] | None = None,
) -> list[TextFinding]:
    """Findings for a block of text lines (1-based line numbers; offsets within the line)."""
    out = []
    for i, (line, line_spans) in enumerate(zip(lines, spans, strict=True)):
        shift = offsets[i] if offsets else 0
        for s in line_spans:
            if s.score >= min_score and policy.is_personal(s.entity_type):
                out.append(
                    TextFinding(
                        entity=s.entity_type,
                        line=first_line + i,
                        start=s.start + shift,
                        end=s.end + shift,
                        score=s.score,
                        evidence=encoder.encode(line[s.start : s.end], s.entity_type),
                    )
                )
    return out


def judge_text(findings: Sequence[TextFinding], lines_examined: int, policy: Policy) -> FieldResult:
    """A text document's body as one field: an entity is present when it was found."""
    by_entity: dict[str, list[TextFinding]] = {}
    for f in findings:
        by_entity.setdefault(f.entity, []).append(f)
    verdicts = []
    for entity, group in sorted(by_entity.items()):
        lines_hit = len({f.line for f in group})
        low, high = wilson_interval(lines_hit, max(lines_examined, 1))
        verdicts.append(
            EntityVerdict(
                type=entity,
                confidence=max(f.score for f in group),
                matched=lines_hit,
                sampled=lines_examined,
                share=lines_hit / max(lines_examined, 1),
                share_low=low,
                share_high=high,
                evidence=tuple(dict.fromkeys(f.evidence for f in group))[:2],
            )
        )
    rules = [policy.rule(v.type) for v in verdicts]
    return FieldResult(
        name=TEXT_FIELD,
        data_type="text",
        status="personal" if verdicts else ("none_found" if lines_examined else "insufficient"),
        sampled=lines_examined,
        nulls=0,
        entities=tuple(verdicts),
        categories=tuple(sorted({c for r in rules if r for c in r.categories})),
        sensitivity=max_level(r.level for r in rules if r),
        gdpr=max_gdpr(r.gdpr for r in rules if r) if verdicts else None,
    )


def judge_asset(
    source: str,
    asset: str,
    kind: str,
    rows: int,
    complete: bool,
    fields: Sequence[FieldResult],
    findings: Sequence[TextFinding],
    policy: Policy,
    notes: Sequence[str] = (),
) -> AssetResult:
    """An asset takes the highest level of its fields, raised by quasi-identifier sets."""
    level = max_level(f.sensitivity for f in fields)
    present = {e.type for f in fields for e in f.entities}
    all_notes = list(notes)
    for qi in policy.quasi_identifier_sets:
        hit = qi.entities & present
        if len(hit) >= qi.min_present and level_rank(level) < level_rank(qi.level):
            level = qi.level
            all_notes.append(
                f"raised to {qi.level}: quasi-identifiers {', '.join(sorted(hit))} ({qi.note})"
            )
    return AssetResult(
        source=source,
        asset=asset,
        kind=kind,
        rows_scanned=rows,
        complete=complete,
        fields=tuple(fields),
        findings=tuple(findings),
        categories=tuple(sorted({c for f in fields for c in f.categories})),
        sensitivity=level,
        gdpr=max_gdpr(f.gdpr for f in fields),
        notes=tuple(all_notes),
    )
