"""The inventory data model: frozen records that every plugin and report speaks.

An inventory never holds a raw personal value: evidence is masked or a keyed hash
(see :mod:`piiscan.masking`). ``to_dict``/``from_dict`` give the JSON contract
documented in ``reports/inventory.schema.json``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

SCHEMA_VERSION = "1.1"
#: Decimals kept of every confidence, share and score (in memory and in the JSON alike).
DECIMALS = 3

Level = Literal["low", "medium", "high", "very_high"]
FieldStatus = Literal["personal", "none_found", "insufficient", "not_scanned"]


@dataclass(frozen=True)
class Span:
    """One detected entity inside one text value (character offsets, end exclusive)."""

    entity_type: str
    start: int
    end: int
    score: float
    detector: str = ""
    #: A reserved, test or pseudonym value (example.com, 555-01xx, test cards,
    #: ``Person 3FA9…``): reported so it can be counted as set aside, never as a finding.
    reserved: bool = False


@dataclass(frozen=True)
class Hint:
    """A prior for an entity type drawn from metadata (a column name), not from values."""

    entity_type: str
    score: float
    token: str


@dataclass(frozen=True)
class EntityVerdict:
    """Evidence that a field holds one entity type."""

    type: str
    confidence: float
    matched: int
    sampled: int
    share: float
    share_low: float
    share_high: float
    name_signal: bool = False
    evidence: tuple[str, ...] = ()
    #: Retained below the share threshold: a minority of the values, standing apart by
    #: shape (see :mod:`piiscan.classification`); such a field is anonymized value by value.
    minority: bool = False

    def __post_init__(self) -> None:
        # Kept as stored (3 decimals), so a report from the scan and one re-rendered from
        # the saved inventory show the same figures (0.7549 and 0.755 print differently).
        for name in ("confidence", "share", "share_low", "share_high"):
            object.__setattr__(self, name, round(getattr(self, name), DECIMALS))

    def to_dict(self) -> dict[str, Any]:
        d = {
            "type": self.type,
            "confidence": round(self.confidence, 3),
            "counts": {"matched": self.matched, "sampled": self.sampled},
            "share": round(self.share, 3),
            "share_ci95": [round(self.share_low, 3), round(self.share_high, 3)],
            "name_signal": self.name_signal,
            "evidence": list(self.evidence),
        }
        if self.minority:
            d["minority"] = True
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EntityVerdict:
        counts = d.get("counts", {})
        ci = d.get("share_ci95", [0.0, 0.0])
        return cls(
            type=d["type"],
            confidence=d["confidence"],
            matched=counts.get("matched", 0),
            sampled=counts.get("sampled", 0),
            share=d.get("share", 0.0),
            share_low=ci[0],
            share_high=ci[1],
            name_signal=d.get("name_signal", False),
            evidence=tuple(d.get("evidence", ())),
            minority=d.get("minority", False),
        )


@dataclass(frozen=True)
class TextFinding:
    """One occurrence of an entity in unstructured text (1-based line, 0-based offsets)."""

    entity: str
    line: int
    start: int
    end: int
    score: float
    evidence: str
    field: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "score", round(self.score, DECIMALS))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["score"] = round(self.score, 3)
        if self.field is None:
            del d["field"]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TextFinding:
        return cls(
            **{k: d[k] for k in ("entity", "line", "start", "end", "score", "evidence")},
            field=d.get("field"),
        )


@dataclass(frozen=True)
class FieldResult:
    """The verdict for one column, JSON field path or text body."""

    name: str
    data_type: str | None
    status: FieldStatus
    sampled: int
    nulls: int
    entities: tuple[EntityVerdict, ...] = ()
    categories: tuple[str, ...] = ()
    sensitivity: Level | None = None
    gdpr: str | None = None
    findings: tuple[TextFinding, ...] = ()
    #: True when the field holds free text (sentences, notes): names and places in it
    #: are only visible to an NER model.
    free_text: bool = False
    #: Values that matched an entity type but are reserved or test values (example.com,
    #: 555-01xx, test cards, pseudonym tokens), set aside and not counted: type -> count.
    reserved: tuple[tuple[str, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "name": self.name,
            "data_type": self.data_type,
            "status": self.status,
            "sampled": self.sampled,
            "nulls": self.nulls,
            "entities": [e.to_dict() for e in self.entities],
            "categories": list(self.categories),
            "sensitivity": self.sensitivity,
            "gdpr": self.gdpr,
        }
        if self.findings:
            d["findings"] = [f.to_dict() for f in self.findings]
        if self.free_text:
            d["free_text"] = True
        if self.reserved:
            d["reserved"] = dict(self.reserved)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FieldResult:
        return cls(
            name=d["name"],
            data_type=d.get("data_type"),
            status=d.get("status", "none_found"),
            sampled=d.get("sampled", 0),
            nulls=d.get("nulls", 0),
            entities=tuple(EntityVerdict.from_dict(e) for e in d.get("entities", [])),
            categories=tuple(d.get("categories", [])),
            sensitivity=d.get("sensitivity"),
            gdpr=d.get("gdpr"),
            findings=tuple(TextFinding.from_dict(f) for f in d.get("findings", [])),
            free_text=d.get("free_text", False),
            reserved=tuple(sorted(d.get("reserved", {}).items())),
        )


@dataclass(frozen=True)
class AssetResult:
    """One table, view, file or text document and the verdicts on its fields."""

    source: str
    asset: str
    kind: str
    rows_scanned: int
    complete: bool
    fields: tuple[FieldResult, ...] = ()
    findings: tuple[TextFinding, ...] = ()
    categories: tuple[str, ...] = ()
    sensitivity: Level | None = None
    gdpr: str | None = None
    notes: tuple[str, ...] = ()
    #: Object size and bytes actually read (files and objects; ``None`` for tables).
    size_bytes: int | None = None
    bytes_read: int | None = None
    #: True when an incremental rescan reused this result for an unchanged object.
    carried_over: bool = False

    def to_dict(self) -> dict[str, Any]:
        d = {
            "source": self.source,
            "asset": self.asset,
            "kind": self.kind,
            "sensitivity": self.sensitivity,
            "categories": list(self.categories),
            "gdpr": self.gdpr,
            "rows_scanned": self.rows_scanned,
            "complete": self.complete,
            "notes": list(self.notes),
            "fields": [f.to_dict() for f in self.fields],
            "findings": [f.to_dict() for f in self.findings],
        }
        if self.size_bytes is not None:
            d["size_bytes"] = self.size_bytes
        if self.bytes_read is not None:
            d["bytes_read"] = self.bytes_read
        if self.carried_over:
            d["carried_over"] = True
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AssetResult:
        return cls(
            source=d["source"],
            asset=d["asset"],
            kind=d["kind"],
            rows_scanned=d.get("rows_scanned", 0),
            complete=d.get("complete", True),
            fields=tuple(FieldResult.from_dict(f) for f in d.get("fields", [])),
            findings=tuple(TextFinding.from_dict(f) for f in d.get("findings", [])),
            categories=tuple(d.get("categories", [])),
            sensitivity=d.get("sensitivity"),
            gdpr=d.get("gdpr"),
            notes=tuple(d.get("notes", [])),
            size_bytes=d.get("size_bytes"),
            bytes_read=d.get("bytes_read"),
            carried_over=d.get("carried_over", False),
        )


@dataclass(frozen=True)
class Skipped:
    """A file, object or folder a connector left out on purpose, and why: a type no reader
    handles, version-control internals, a link not followed. Not an error (nothing was
    expected to be read there), but listed so that a reader knows what was not looked at."""

    source: str
    asset: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "asset": self.asset, "reason": self.reason}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Skipped:
        return cls(source=d["source"], asset=d["asset"], reason=d["reason"])


@dataclass(frozen=True)
class ScanError:
    """An asset (or a whole source) that could not be read; the scan went on without it."""

    source: str
    asset: str | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "asset": self.asset, "reason": self.reason}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ScanError:
        return cls(source=d["source"], asset=d.get("asset"), reason=d["reason"])


@dataclass(frozen=True)
class Inventory:
    """The one output of a scan; reporters render it, ``piiscan report`` reloads it."""

    tool: dict[str, str]
    settings: dict[str, Any]
    policy: dict[str, Any]
    detectors: tuple[str, ...]
    sources: tuple[str, ...]
    assets: tuple[AssetResult, ...]
    errors: tuple[ScanError, ...] = ()
    generated_at: str = ""
    schema_version: str = SCHEMA_VERSION
    summary: dict[str, Any] = field(default_factory=dict)
    #: How values were examined: ``mode`` (``ner`` or ``rule-only``), the NER ``model``
    #: and its ``labels``, and ``limits`` (what this mode cannot see), so a reader knows
    #: what a clean result is worth.
    detection: dict[str, Any] = field(default_factory=dict)
    #: Run-level warnings a reader must see (patterns that matched nothing, checks run
    #: with less power); one sentence each, never a raw value.
    warnings: tuple[str, ...] = ()
    #: What connectors left out on purpose (the first ``MAX_SKIPPED_LISTED``; the count
    #: of all of them is ``summary["skipped"]``).
    skipped: tuple[Skipped, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "generated_at": self.generated_at,
            "tool": dict(self.tool),
            "settings": dict(self.settings),
            "policy": dict(self.policy),
            "detectors": list(self.detectors),
            "sources": list(self.sources),
            "summary": dict(self.summary),
            "detection": dict(self.detection),
            "warnings": list(self.warnings),
            "assets": [a.to_dict() for a in self.assets],
            "errors": [e.to_dict() for e in self.errors],
            "skipped": [s.to_dict() for s in self.skipped],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Inventory:
        return cls(
            schema_version=d.get("schema_version", SCHEMA_VERSION),
            generated_at=d.get("generated_at", ""),
            tool=d.get("tool", {}),
            settings=d.get("settings", {}),
            policy=d.get("policy", {}),
            detectors=tuple(d.get("detectors", [])),
            sources=tuple(d.get("sources", [])),
            summary=d.get("summary", {}),
            detection=d.get("detection", {}),
            warnings=tuple(d.get("warnings", [])),
            assets=tuple(AssetResult.from_dict(a) for a in d.get("assets", [])),
            errors=tuple(ScanError.from_dict(e) for e in d.get("errors", [])),
            skipped=tuple(Skipped.from_dict(s) for s in d.get("skipped", [])),
        )
