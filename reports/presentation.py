"""What the Markdown and HTML reports say, independent of markup: labels, counts, order."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from piiscan.policy import LEVELS

if TYPE_CHECKING:
    from piiscan.model import AssetResult, EntityVerdict, FieldResult, Inventory, TextFinding

NO_LEVEL = "none"
#: Levels highest first, then assets without personal data.
LEVEL_ORDER: tuple[str, ...] = (*reversed(LEVELS), NO_LEVEL)
LEVEL_LABELS = {
    "very_high": "Very high",
    "high": "High",
    "medium": "Medium",
    "low": "Low",
    NO_LEVEL: "No personal data",
}
NOTHING_FOUND = "No personal data found"


#: What every mark in the human-readable reports means: (mark, meaning). The table,
#: Markdown and HTML reports end with this legend; a test checks that each mark they can
#: print is in it.
LEGEND: tuple[tuple[str, str], ...] = (
    (
        "EMAIL_ADDRESS 0.97 198/198 100%",
        "entity type; confidence (0-1: the detectors' scores on the matching values, their "
        "share and the name signal combined, see docs/inventory.md); values that matched / "
        "values examined; share of examined values (its 95% interval is in the JSON inventory)",
    ),
    ("+name", "the field's name points to this type too (a column called email, dob…)"),
    (
        "very_high, high, medium, low",
        "sensitivity from the policy; an asset takes the level of its most sensitive field "
        "(raised when quasi-identifiers such as postcode + birth date + gender meet)",
    ),
    ("none / No personal data", "nothing personal was found in what was examined"),
    ("gdpr", "GDPR class: personal, special_category (Art. 9) or criminal (Art. 10)"),
    (
        "insufficient data",
        "too few non-empty values were examined to judge the field (the count is shown)",
    ),
    ("not scanned", "the field was selected out or could not be read"),
    (
        "set aside as reserved/test",
        "values that look personal but belong to nobody (example.com, 555-01xx, test "
        "cards, documentation IPs, pseudonym tokens): not counted as findings",
    ),
    (
        "findings / row 4:12-22 / line 3:10-27",
        "occurrences in free text: the row (or line) and character offsets; evidence masked",
    ),
    ("j***@example.com", "masked evidence: never the raw value"),
    ("INCOMPLETE", "some assets could not be read; they are listed under Errors"),
    ("rule-only", "no NER model: names, places and NRP in values were not looked for"),
    ("…", "cut to fit; the JSON inventory (--format json) holds everything"),
)


def level_key(level: str | None) -> str:
    return level or NO_LEVEL


def level_label(level: str | None) -> str:
    key = level_key(level)
    return LEVEL_LABELS.get(key, key)


def entity_text(e: EntityVerdict) -> str:
    """``EMAIL_ADDRESS (0.97, 198/198)``; ``+name`` when the field name agrees."""
    name = ", +name" if e.name_signal else ""
    name += ", minority" if e.minority else ""
    return f"{e.type} ({e.confidence:.2f}, {e.matched}/{e.sampled}{name})"


def reserved_text(f: FieldResult) -> str:
    """``email: 51 values set aside as reserved/test (EMAIL_ADDRESS)``; for several
    types, the count per type."""
    if len(f.reserved) == 1:
        [(entity, n)] = f.reserved
        values = "value" if n == 1 else "values"
        return f"{f.name}: {n} {values} set aside as reserved/test ({entity})"
    counts = ", ".join(f"{entity} {n}" for entity, n in f.reserved)
    return f"{f.name}: values set aside as reserved/test: {counts}"


def reserved_texts(a: AssetResult) -> list[str]:
    """:func:`reserved_text` for each field of ``a`` with values set aside."""
    return [reserved_text(f) for f in a.fields if f.reserved]


def personal_fields(a: AssetResult) -> list[FieldResult]:
    return [f for f in a.fields if f.status == "personal"]


def findings_of(a: AssetResult) -> list[TextFinding]:
    """Every text finding of an asset: the document's own, then those inside fields."""
    return [*a.findings, *(t for f in a.fields for t in f.findings)]


def where(f: TextFinding) -> str:
    """``line 3:10-27`` or ``notes row 4:12-22``."""
    head = f"{f.field} row" if f.field else "line"
    return f"{head} {f.line}:{f.start}-{f.end}"


def assets_by_level(inventory: Inventory) -> list[tuple[str, int]]:
    """(level, number of assets) for every level, highest first, zeros included."""
    counts = Counter(level_key(a.sensitivity) for a in inventory.assets)
    return [(level, counts.get(level, 0)) for level in LEVEL_ORDER]


def fields_by_category(inventory: Inventory) -> list[tuple[str, int]]:
    """(category, personal fields in it), most fields first; a text document is one field."""
    counts = Counter(c for a in inventory.assets for f in personal_fields(a) for c in f.categories)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def category_cells(a: AssetResult, categories: list[str]) -> list[int]:
    """Number of personal fields of ``a`` in each of ``categories``."""
    counts = Counter(c for f in personal_fields(a) for c in f.categories)
    return [counts.get(c, 0) for c in categories]


def found_anything(inventory: Inventory) -> bool:
    return any(a.sensitivity or personal_fields(a) or findings_of(a) for a in inventory.assets)


def nothing_found_text(inventory: Inventory) -> str:
    """The explicit "nothing found" sentence, saying how much was looked at."""
    n = len(inventory.assets)
    scope = "no asset was scanned" if n == 0 else f"{n} asset{'s' if n != 1 else ''} scanned"
    text = f"{NOTHING_FOUND} ({scope})."
    if inventory.errors:
        text += f" {len(inventory.errors)} could not be read: this result is incomplete."
    return text
