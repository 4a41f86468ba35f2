"""Column-level verdicts and text findings from detector spans, judged by the policy.

A field is judged from the values actually examined together with its name:

* a value *matches* an entity type when a span of that type covers most of the value
  (short, structured values) or anywhere in it (free text) with at least ``min_score``;
  a name hint for the type lowers that bar to ``HINTED_MIN_SCORE`` — the values must
  still be compatible, so a ``name`` column of product names is not PERSON;
* an entity type is retained when its share of examined values is high enough
  (``VALUE_SHARE`` alone, ``HINTED_SHARE`` with a name hint, ``TEXT_SHARE`` in free text);
* too few examined values make the verdict ``insufficient`` rather than ``none_found``;
* reserved and test values (spans a detector flags ``reserved``: ``example.com``,
  555-01xx, test cards, pseudonym tokens) are set aside: they are no match and count
  toward no verdict, but the values that would have matched a type are counted
  (``FieldResult.reserved``).

The accumulators stream: memory is bounded by the value cache (a budget an asset's
fields share) and the capped evidence and findings lists, not by the number of rows.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import cast

from piiscan.masking import EvidenceEncoder
from piiscan.model import (
    AssetResult,
    EntityVerdict,
    FieldResult,
    FieldStatus,
    Hint,
    Level,
    Span,
    TextFinding,
)
from piiscan.policy import Policy, level_rank, max_gdpr, max_level

MIN_VALUES = 5
VALUE_SHARE = 0.5
HINTED_SHARE = 0.3
HINTED_MIN_SCORE = 0.1
# Types whose values are easy to mistake need more than a name to lower the bar:
# PERSON needs name-lexicon support, not just NER on a capitalised phrase.
HINTED_MIN_SCORE_BY_TYPE = {"PERSON": 0.4}
# Coarse location is personal data only when it relates to a person: in a structured
# asset with no other personal field it is not reported.
LINKED_ONLY = frozenset({"LOCATION"})
# Types a small NER model confuses with each other (German first names read as places):
# when the field name strongly says which one it is, the others are not reported.
NER_CONFUSABLE = frozenset({"PERSON", "LOCATION", "NRP"})
STRONG_HINT = 0.8
TEXT_SHARE = 0.02
COVERAGE = 0.6
OVERLAP_MARGIN = 0.2
FREE_TEXT_MIN_CHARS = 40
#: A free-text value is prose (sentences, notes) when at least this share of its tokens
#: are lower-case words: user agents and addresses are long but hold few.
PROSE_WORD_SHARE = 0.3
#: A field is flagged ``free_text`` when this many of its examined values are prose (or
#: all of them, when fewer were examined): names in it are visible only to NER.
FREE_TEXT_FIELD_VALUES = 2
_PUNCTUATION = ".,;:!?()[]{}\"'\u201c\u201d\u2018\u2019"
#: Distinct values whose verdicts a field keeps by default (repeats are counted without
#: analysis; a value dropped from the cache is analysed again when it comes back). When
#: full, the oldest tenth is dropped, not all: a column with about as many distinct
#: values as the cache holds would otherwise analyse most of them again after each clear.
MAX_CACHE = 100_000
#: Cached verdicts the fields of one asset share (see :func:`cache_per_field`): an entry
#: costs ~100 bytes whatever the value's length (see :func:`cache_key`), ~250 MB at most.
CACHE_PER_ASSET = 2_500_000
MIN_CACHE_PER_FIELD = 10_000
#: Longer values are cached under a 16-byte digest, not as themselves.
CACHE_KEY_CHARS = 32
#: Scores are summed as integer millionths (float sums depend on the order of addition).
SCORE_UNITS = 1_000_000
#: Distinct verdicts shared between cached values (one dict for every plain "PERSON 0.85").
MAX_SHARED_VERDICTS = 10_000
#: Sampling: distinct values a column reads before its verdict may be settled.
SETTLE_AFTER = 50
#: The same for a column with free text: its rarer types are listed at a 2% share, which
#: 50 values cannot tell from nothing.
TEXT_SETTLE_AFTER = 100
MAX_FINDINGS_PER_FIELD = 200
TEXT_FIELD = "(text)"
#: A type below its share threshold is still reported, as a *minority* of the column,
#: when at least this many distinct values matched it with a mean score of ``min_score``…
MINORITY_MIN_MATCHES = 3
#: … and they stand apart by shape (:func:`value_shape`): among the examined values of
#: the matches' shapes, at least this share matched. Otherwise the matches are chance
#: hits of a pattern on values of one kind (9 of 50 shipment ids pass a licence
#: checksum; a few of 50 cities read as people), not a few personal values among others.
MINORITY_SHAPE_SHARE = 0.5
#: Types read by NER or the name lexicon are never a minority: one capitalised word read
#: as a name or a place is too weak a reading on its own.
MINORITY_EXCLUDED = NER_CONFUSABLE
#: Distinct shapes a field counts (the rest share one bucket), and characters of a
#: shape kept: a bound on memory, whatever the column holds.
MAX_SHAPES = 1000
MAX_SHAPE_CHARS = 24
OTHER_SHAPE = "\u2026"
_SHAPE_SEP = "\x1f"


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a proportion k/n."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


#: What one value counts as: entity type -> best score (shared, read-only); a type the
#: value matched only through reserved spans is keyed ``RESERVED_KEY + type``.
ValueVerdict = dict[str, float]
RESERVED_KEY = "~"


def cache_key(value: str) -> str | bytes:
    """What a value's verdict is cached under: the value when short, else its 128-bit
    BLAKE2b digest (a collision is as unlikely as a guessed key), so a 10 kB cell costs
    no more memory than a postcode and the cache does not hold long texts."""
    if len(value) <= CACHE_KEY_CHARS:
        return value
    return hashlib.blake2b(value.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def cache_per_field(fields: int) -> int:
    """Each field's share of :data:`CACHE_PER_ASSET` when an asset has ``fields`` fields."""
    return max(MIN_CACHE_PER_FIELD, CACHE_PER_ASSET // max(1, fields))


def looks_like_free_text(value: str) -> bool:
    return len(value) >= FREE_TEXT_MIN_CHARS and value.count(" ") >= 4


def value_shape(value: str) -> str:
    """A value's shape: letters as ``a`` (a run as one), digits as ``9`` (each kept, so
    a 16-digit number is not a 4-digit one), blanks as one space, other characters as
    they are; at most :data:`MAX_SHAPE_CHARS`. ``SH1234567`` → ``a9999999``,
    ``jo.ray@corp.com`` → ``a.a@a.a``."""
    out: list[str] = []
    for ch in value.strip():
        if ch.isdigit():
            c = "9"
        elif ch.isalpha():
            c = "a"
        elif ch.isspace():
            c = " "
        else:
            c = ch
        if c in "a " and out and out[-1] == c:
            continue
        out.append(c)
        if len(out) >= MAX_SHAPE_CHARS:
            break
    return "".join(out)


def looks_like_prose(value: str) -> bool:
    """Free text written as sentences: a share of its tokens are lower-case words
    ("Thanks, Oliver, the parcel never came"), unlike a user agent or an address."""
    if not looks_like_free_text(value):
        return False
    tokens = value.split()
    words = sum(1 for t in tokens if (w := t.strip(_PUNCTUATION)).isalpha() and w.islower())
    return words >= PROSE_WORD_SHARE * len(tokens)


def holds_free_text(prose_values: int, examined: int) -> bool:
    """Whether a field with ``prose_values`` prose values among ``examined`` is free text."""
    return prose_values > 0 and prose_values >= min(FREE_TEXT_FIELD_VALUES, examined)


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
        floor = (
            HINTED_MIN_SCORE_BY_TYPE.get(entity, HINTED_MIN_SCORE)
            if entity in hinted
            else min_score
        )
        strong = [s for s in group if s.score >= floor]
        if not strong:
            continue
        if free_text or _coverage(strong, stripped_len) >= COVERAGE:
            out[entity] = max(s.score for s in strong)
    return out


def reserved_types(verdict: ValueVerdict) -> list[str]:
    """The types a value was set aside for (reserved/test values)."""
    return [e[len(RESERVED_KEY) :] for e in verdict if e.startswith(RESERVED_KEY)]


@dataclass(kw_only=True)
class FieldCounts:
    """A field's counters: what the scanner's :class:`FieldAccumulator` and a distributed
    engine's partials (:class:`~piiscan.engines.partial.FieldPartial`) both keep."""

    nulls: int = 0
    examined: int = 0
    free_text_values: int = 0
    #: Values that read as prose (:func:`looks_like_prose`): they make ``free_text``.
    prose_values: int = 0
    distinct_analyzed: int = 0
    matched: Counter[str] = field(default_factory=Counter)
    matched_distinct: Counter[str] = field(default_factory=Counter)
    #: Sums of scores in integer :data:`SCORE_UNITS`: exact, so the same whatever the
    #: order of addition (a distributed scan's partial sums merge to the same total).
    score_units: Counter[str] = field(default_factory=Counter)
    #: Values set aside as reserved/test values, per entity type they would have matched.
    reserved: Counter[str] = field(default_factory=Counter)
    #: Distinct structured values per shape (:func:`value_shape`), and per type and shape
    #: those that matched the type (``TYPE\x1fshape``): what tells a minority of personal
    #: values from chance matches (see :data:`MINORITY_SHAPE_SHARE`).
    shapes: Counter[str] = field(default_factory=Counter)
    shape_matched: Counter[str] = field(default_factory=Counter)

    def add_shape(self, shape: str, entities: Iterable[str]) -> None:
        """Count the shape of a distinct structured value, and its personal ``entities``."""
        if shape not in self.shapes and len(self.shapes) >= MAX_SHAPES:
            shape = OTHER_SHAPE
        self.shapes[shape] += 1
        for entity in entities:
            self.shape_matched[entity + _SHAPE_SEP + shape] += 1

    def add_counts(self, other: FieldCounts) -> None:
        """Add ``other``'s counters to these."""
        for name in _COUNTS:
            current = getattr(self, name)
            if isinstance(current, Counter):
                current.update(getattr(other, name))
            else:
                setattr(self, name, current + getattr(other, name))

    def set_counts(self, other: FieldCounts) -> None:
        """Take ``other``'s counters (copies)."""
        for name in _COUNTS:
            value = getattr(other, name)
            setattr(self, name, Counter(value) if isinstance(value, Counter) else value)

    def counts(self) -> dict[str, int | Counter[str]]:
        """The counters by name (JSON-ready; :meth:`counts_from` reads them back)."""
        return {name: getattr(self, name) for name in _COUNTS}

    @staticmethod
    def counts_from(data: dict[str, object]) -> dict[str, object]:
        """Keyword arguments restoring the counters of :meth:`counts`' output."""
        out: dict[str, object] = {}
        for name in _COUNTS:
            value = data[name]
            out[name] = Counter(value) if isinstance(value, dict) else value
        return out


_COUNTS = tuple(f.name for f in fields(FieldCounts))


@dataclass
class FieldAccumulator(FieldCounts):
    """Streams the values of one field and keeps only counts, scores and masked evidence."""

    name: str
    data_type: str | None
    hints: tuple[Hint, ...]
    policy: Policy
    encoder: EvidenceEncoder
    min_score: float
    max_values: int | None
    examples: int = 2
    #: Distinct verdicts kept (see :data:`MAX_CACHE`).
    max_cached: int = MAX_CACHE
    evidence: dict[str, list[str]] = field(default_factory=dict)
    findings: list[TextFinding] = field(default_factory=list)
    findings_dropped: int = 0
    _cache: dict[str | bytes, ValueVerdict] = field(default_factory=dict)
    _verdicts: dict[tuple[tuple[str, float], ...], dict[str, float]] = field(default_factory=dict)

    @property
    def hinted(self) -> frozenset[str]:
        """Types the field name points to (and does not also rule out)."""
        return frozenset(h.entity_type for h in self.hints if h.score > 0) - self.countered

    @property
    def countered(self) -> frozenset[str]:
        """Types the field name rules out (``warehouse_country`` is no person's place)."""
        return frozenset(h.entity_type for h in self.hints if h.score < 0)

    @property
    def mostly_free_text(self) -> bool:
        return bool(self.examined) and self.free_text_values / self.examined >= 0.5

    def cached(self, value: str) -> ValueVerdict | None:
        """The verdict of ``value`` when it is still cached (hold it to count the value's
        repeats later: adding values may drop it from the cache)."""
        return self._cache.get(cache_key(value))

    def budget(self) -> int | None:
        """How many more distinct values to analyse: None for no limit, 0 once settled.

        In sampling mode (``max_values`` set) analysis stops at the cap, or earlier once
        the verdict is settled: after ``SETTLE_AFTER`` values, every type seen is clearly
        above or clearly below its threshold (95% interval).
        """
        if self.max_values is None:
            return None
        if self.settled():
            return 0
        return max(0, self.max_values - self.distinct_analyzed)

    def settled(self) -> bool:
        n = self.examined
        least = TEXT_SETTLE_AFTER if self.free_text_values else SETTLE_AFTER
        if self.distinct_analyzed < least or n == 0:
            return False
        if self.free_text_values >= TEXT_SETTLE_AFTER:
            return True  # free text: occurrences are listed, not a share; enough read
        thresholds = [_share_threshold(self, e) for e in self.matched] or [
            min(VALUE_SHARE, HINTED_SHARE, self._free_text_floor())
        ]
        for entity, threshold in zip(self.matched, thresholds, strict=False):
            low, high = wilson_interval(self.matched[entity], n)
            if low < threshold <= high:
                return False
            if _minority_pending(self, entity):
                return False
        if not self.matched:
            return wilson_interval(0, n)[1] < thresholds[0]
        return True

    def _free_text_floor(self) -> float:
        return TEXT_SHARE if self.free_text_values else VALUE_SHARE

    def judge_value(self, value: str, spans: Sequence[Span], free: bool) -> ValueVerdict:
        """What one value counts as: its types (best score each) and, keyed
        ``RESERVED_KEY + type``, the personal types only its reserved spans match."""
        real = [s for s in spans if not s.reserved]
        entities = value_entities(value, real, self.hinted, self.min_score, free)
        if not free:
            entities = self._resolve_overlaps(entities)
        if len(real) < len(spans):
            aside = [s for s in spans if s.reserved]
            for entity in value_entities(value, aside, self.hinted, self.min_score, free):
                if entity not in entities and self.policy.is_personal(entity):
                    entities[RESERVED_KEY + entity] = 0.0
        return entities

    def add(self, value: str, spans: Sequence[Span], row: int | None = None) -> ValueVerdict:
        """Record one analysed distinct value (its first occurrence); its verdict."""
        free = looks_like_free_text(value)
        entities = self.judge_value(value, spans, free)
        self.distinct_analyzed += 1
        if len(self._cache) >= self.max_cached:
            for old in list(itertools.islice(self._cache, max(1, self.max_cached // 10))):
                del self._cache[old]
        entities = self._cache[cache_key(value)] = self._shared(entities)
        personal = [e for e in entities if self.policy.is_personal(e)]
        if free:
            self.free_text_values += 1
            self.prose_values += looks_like_prose(value)
            self._record_findings(value, spans, row)
        else:
            self.add_shape(value_shape(value), personal)
        self.matched_distinct.update(personal)
        self._count(value, entities, spans)
        return entities

    def _shared(self, entities: dict[str, float]) -> dict[str, float]:
        """One dict object per distinct verdict (cached values share it; read-only)."""
        key = tuple(sorted(entities.items()))
        found = self._verdicts.get(key)
        if found is None:
            if len(self._verdicts) >= MAX_SHARED_VERDICTS:
                self._verdicts.clear()
            found = self._verdicts[key] = entities
        return found

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

    def add_repeat(self, value: str, verdict: ValueVerdict | None = None) -> bool:
        """Count a value already analysed, by its ``verdict`` (from :meth:`add` or
        :meth:`cached`) or else the cache; False when there is none (never analysed)."""
        entities = self._cache.get(cache_key(value)) if verdict is None else verdict
        if entities is None:
            return False
        if looks_like_free_text(value):
            self.free_text_values += 1
            self.prose_values += looks_like_prose(value)
        self._count(value, entities)
        return True

    def _count(
        self, value: str, entities: dict[str, float], spans: Sequence[Span] | None = None
    ) -> None:
        """Count one value; with its ``spans`` (its first occurrence), keep evidence: the
        detected span of each type, masked (never the rest of the cell)."""
        self.examined += 1
        real = [s for s in spans if not s.reserved] if spans is not None else None
        for entity, score in entities.items():
            if entity.startswith(RESERVED_KEY):
                self.reserved[entity[len(RESERVED_KEY) :]] += 1
                continue
            if not self.policy.is_personal(entity):
                continue
            self.matched[entity] += 1
            self.score_units[entity] += score_units(score)
            bucket = self.evidence.setdefault(entity, [])
            if real is not None and len(bucket) < self.examples:
                masked = self.encoder.encode_detected(value, real, entity)
                if masked and masked not in bucket:
                    bucket.append(masked)

    def _record_findings(self, value: str, spans: Sequence[Span], row: int | None) -> None:
        for s in spans:
            if s.reserved or s.score < self.min_score or not self.policy.is_personal(s.entity_type):
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
    if acc.mostly_free_text:
        return TEXT_SHARE
    return HINTED_SHARE if entity in acc.hinted else VALUE_SHARE


def _enough(acc: FieldAccumulator, entity: str, share: float, threshold: float) -> bool:
    """Whether the matching share clears the threshold.

    Free text is judged on cells. Structured values are judged on distinct values, with
    the share of cells at least a quarter of the threshold: a frequent "Debit" read as a
    place is not the column, and a frequent junk value ("H") does not hide a column of
    names.
    """
    if acc.mostly_free_text:
        return share >= threshold
    distinct = acc.matched_distinct[entity] / max(acc.distinct_analyzed, 1)
    return share >= threshold / 4 and distinct >= threshold


def _minority_eligible(acc: FieldAccumulator, entity: str) -> bool:
    return (
        not acc.mostly_free_text
        and entity not in MINORITY_EXCLUDED
        and entity not in acc.countered
        and acc.policy.is_personal(entity)
    )


def _minority_pending(acc: FieldAccumulator, entity: str) -> bool:
    """Sampling reads on while an eligible type has matched, but too few values to say."""
    return (
        _minority_eligible(acc, entity)
        and 0 < acc.matched_distinct[entity] < MINORITY_MIN_MATCHES
        and not _enough(acc, entity, acc.matched[entity] / max(acc.examined, 1),
                        _share_threshold(acc, entity))
    )  # fmt: skip


def _minority(acc: FieldAccumulator, entity: str) -> bool:
    """Whether a type below its share threshold is a minority of real values: enough
    distinct matches, a mean score of ``min_score``, and matches that stand apart from
    the other values by shape (see :data:`MINORITY_SHAPE_SHARE`)."""
    k = acc.matched[entity]
    if not _minority_eligible(acc, entity) or acc.matched_distinct[entity] < MINORITY_MIN_MATCHES:
        return False
    if acc.score_units[entity] / SCORE_UNITS / k < acc.min_score:
        return False
    prefix = entity + _SHAPE_SEP
    hits = {key[len(prefix) :]: n for key, n in acc.shape_matched.items() if key.startswith(prefix)}
    mates = sum(acc.shapes[shape] for shape in hits)
    return bool(mates) and sum(hits.values()) >= MINORITY_SHAPE_SHARE * mates


def score_units(score: float) -> int:
    """``score`` in integer :data:`SCORE_UNITS` (what score sums add)."""
    return round(score * SCORE_UNITS)


def judge_field(acc: FieldAccumulator) -> FieldResult:
    """Turn an accumulator into a verdict: entities, categories, level, status."""
    n = acc.examined
    verdicts: list[EntityVerdict] = []
    hint_score = {h.entity_type: h.score for h in acc.hints if h.entity_type in acc.hinted}
    for entity, k in acc.matched.items():
        if entity in acc.countered:
            continue
        share = k / n
        threshold = _share_threshold(acc, entity)
        minority = False
        if (k < 2 and n >= MIN_VALUES) or not _enough(acc, entity, share, threshold):
            if not _minority(acc, entity):
                continue
            minority = True
        low, high = wilson_interval(k, n)
        mean_score = acc.score_units[entity] / SCORE_UNITS / k
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
                minority=minority,
            )
        )
    verdicts = _drop_dominated(verdicts, acc)
    verdicts.sort(key=lambda v: (-v.confidence, v.type))
    return _field_result(acc, verdicts)


def _drop_dominated(verdicts: list[EntityVerdict], acc: FieldAccumulator) -> list[EntityVerdict]:
    """In a structured column, keep the types that explain the values best.

    A competing type with less than half the leading share and no name signal is an
    overlap of patterns (a card number also read as a bank number), not a second kind
    of data; nor is one that explains no more values than the type the name points to,
    nor an NER type confusable with the one a strong name hint points to (first names
    read as places in a ``vorname`` column). A minority type (:func:`_minority`) stays:
    its values have shapes of their own.
    """
    if not verdicts or acc.mostly_free_text:
        return verdicts
    best = max(v.share for v in verdicts)
    named = max((v.share for v in verdicts if v.name_signal), default=0.0)
    strong = {h.entity_type for h in acc.hints if h.score >= STRONG_HINT} & acc.hinted
    confusable = NER_CONFUSABLE if strong & NER_CONFUSABLE else frozenset()
    return [
        v
        for v in verdicts
        if v.name_signal
        or v.minority  # values of their own shape, not another reading of the leader's
        or (v.share >= best / 2 and v.share > named and v.type not in confusable)
    ]


def field_status(found: bool, examined: int) -> FieldStatus:
    """``personal``; else ``insufficient`` below MIN_VALUES examined values, or ``none_found``."""
    if found:
        return "personal"
    return "insufficient" if examined < MIN_VALUES else "none_found"


def _field_result(acc: FieldAccumulator, verdicts: list[EntityVerdict]) -> FieldResult:
    retained = {v.type for v in verdicts}
    return FieldResult(
        name=acc.name,
        data_type=acc.data_type,
        status=field_status(bool(verdicts), acc.examined),
        sampled=acc.examined,
        nulls=acc.nulls,
        entities=tuple(verdicts),
        findings=tuple(f for f in acc.findings if f.entity in retained),
        reserved=tuple(sorted((e, n) for e, n in acc.reserved.items() if n)),
        free_text=holds_free_text(acc.prose_values, acc.examined),
        **acc.policy.tags(retained),
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
            if not s.reserved and s.score >= min_score and policy.is_personal(s.entity_type):
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


def reserved_in_text(
    spans: Sequence[Span], policy: Policy, min_score: float, counts: Counter[str]
) -> None:
    """Add the reserved/test values among one line's ``spans`` to ``counts`` (per type)."""
    for s in spans:
        if s.reserved and s.score >= min_score and policy.is_personal(s.entity_type):
            counts[s.entity_type] += 1


def finding_verdicts(
    findings: Sequence[TextFinding], examined: int, unit: Callable[[TextFinding], object]
) -> list[EntityVerdict]:
    """One verdict per entity type found: how many of the ``examined`` units (lines of a
    document, names of an asset) hold it, with the share's 95 % interval."""
    by_entity: dict[str, list[TextFinding]] = {}
    for f in findings:
        by_entity.setdefault(f.entity, []).append(f)
    verdicts = []
    for entity, group in sorted(by_entity.items()):
        hit = len({unit(f) for f in group})
        low, high = wilson_interval(hit, max(examined, 1))
        verdicts.append(
            EntityVerdict(
                type=entity,
                confidence=max(f.score for f in group),
                matched=hit,
                sampled=examined,
                share=hit / max(examined, 1),
                share_low=low,
                share_high=high,
                evidence=tuple(dict.fromkeys(f.evidence for f in group))[:2],
            )
        )
    return verdicts


def judge_text(
    findings: Sequence[TextFinding],
    lines_examined: int,
    policy: Policy,
    reserved: Counter[str] | None = None,
) -> FieldResult:
    """A text document's body as one field: an entity is present when it was found;
    ``reserved`` counts the reserved/test values set aside, per type."""
    verdicts = finding_verdicts(findings, lines_examined, lambda f: f.line)
    return FieldResult(
        name=TEXT_FIELD,
        data_type="text",
        status="personal" if verdicts else ("none_found" if lines_examined else "insufficient"),
        sampled=lines_examined,
        nulls=0,
        entities=tuple(verdicts),
        reserved=tuple(sorted((e, n) for e, n in (reserved or {}).items() if n)),
        free_text=lines_examined > 0,  # a document or log: names only NER can see
        **policy.tags(v.type for v in verdicts),
    )


def _without(field: FieldResult, drop: frozenset[str], policy: Policy) -> FieldResult:
    """The field's verdict with some entity types removed (levels recomputed)."""
    kept = tuple(e for e in field.entities if e.type not in drop)
    if len(kept) == len(field.entities):
        return field
    return replace(
        field,
        entities=kept,
        status=field_status(bool(kept), field.sampled),
        findings=tuple(f for f in field.findings if f.entity not in drop),
        **policy.tags(e.type for e in kept),
    )


def unlink_coarse_location(
    fields: Sequence[FieldResult], policy: Policy
) -> tuple[list[FieldResult], list[str]]:
    """Drop LINKED_ONLY types from a structured asset that holds no other personal data."""
    present = {e.type for f in fields for e in f.entities}
    if not present & LINKED_ONLY or present - LINKED_ONLY:
        return list(fields), []
    dropped = ", ".join(sorted(present & LINKED_ONLY))
    note = f"{dropped} not reported: no person in this asset to relate it to"
    return [_without(f, LINKED_ONLY, policy) for f in fields], [note]


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
    all_notes = list(notes)
    if kind != "text":
        fields, unlinked = unlink_coarse_location(fields, policy)
        all_notes += unlinked
    all_notes += [
        f"field {f.name}: {e.type} in a minority of its values "
        f"({e.matched} of {e.sampled}, {e.share:.0%})"
        for f in fields
        for e in f.entities
        if e.minority
    ]
    level = max_level(f.sensitivity for f in fields)
    present = {e.type for f in fields for e in f.entities}
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
        sensitivity=cast(Level | None, level),  # the policy's levels are checked against LEVELS
        gdpr=max_gdpr(f.gdpr for f in fields),
        notes=tuple(all_notes),
    )
