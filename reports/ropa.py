"""Records of processing activities (GDPR Art. 30(1)) from a small YAML and an inventory.

The activities file (YAML)::

    controller:
      name: Example Shop GmbH              # required
      contact: privacy@example.com         # required
      dpo: dpo@example.com                 # optional
      representative: Example Rep Ltd      # optional (Art. 27)
    activities:
      - name: Online orders                # required, unique
        purpose: Fulfil and invoice orders # required
        legal_basis: contract              # required: consent, contract, legal_obligation,
                                           #   vital_interests, public_task, legitimate_interests
        data_subjects: [Customers]         # required, list of text
        recipients: [Payment provider]     # required, list of text
        transfers:                         # required: "none" or a list of {country, safeguard}
          - {country: US, safeguard: "EU-US Data Privacy Framework"}
        retention: 10 years after the order (tax law)   # required, text
        security_measures: [TLS, Encryption at rest]    # required, list of text
        sources: ["sqlite:///*shop.db", "*orders*"]     # required, glob patterns

``sources`` patterns are matched (``fnmatch``, case-sensitive) against each inventory
asset's ``source`` and ``source/asset``: ``"sqlite:///*shop.db"`` takes every table of
that database, ``"*customers*"`` any asset whose name contains ``customers``.

Unknown keys and values of the wrong type are errors (:class:`UsageError`, naming the key
and the activity). A *missing* required field is not an error: it is left empty and
listed in the record's missing information, never invented. From the scan, each activity
gets the categories of personal data and special categories found in its matched assets,
the systems (matched assets) and their highest sensitivity level; an activity whose
sources match nothing in the inventory says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from piiscan.detection import header_line
from piiscan.errors import UsageError
from piiscan.masking import mask_url
from piiscan.model import AssetResult, Inventory
from piiscan.policy import Policy, max_level
from piiscan.reports.userfiles import read_yaml

LEGAL_BASES = (
    "consent",
    "contract",
    "legal_obligation",
    "vital_interests",
    "public_task",
    "legitimate_interests",
)
NO_TRANSFERS = "none"
CONTROLLER_KEYS = {"name": True, "contact": True, "dpo": False, "representative": False}
TEXT_FIELDS = ("name", "purpose", "legal_basis", "retention")
LIST_FIELDS = ("data_subjects", "recipients", "security_measures", "sources")
ACTIVITY_KEYS = (*TEXT_FIELDS, *LIST_FIELDS, "transfers")
TRANSFER_KEYS = ("country", "safeguard")


@dataclass(frozen=True)
class Missing:
    """A required field the activities file leaves empty (``activity`` names where)."""

    activity: str
    field: str
    note: str = ""


@dataclass(frozen=True)
class Controller:
    name: str | None = None
    contact: str | None = None
    dpo: str | None = None
    representative: str | None = None


@dataclass(frozen=True)
class Transfer:
    country: str | None
    safeguard: str | None


@dataclass(frozen=True)
class Activity:
    """One processing activity as declared; ``None`` or ``()`` where it says nothing.

    ``transfers`` is ``None`` when not declared and ``()`` for an explicit ``none``.
    """

    label: str  # the name, or "activity N" when the name is missing
    name: str | None = None
    purpose: str | None = None
    legal_basis: str | None = None
    data_subjects: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    transfers: tuple[Transfer, ...] | None = None
    retention: str | None = None
    security_measures: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Activities:
    """A loaded activities file and what it leaves missing."""

    controller: Controller
    activities: tuple[Activity, ...]
    missing: tuple[Missing, ...]
    origin: str = ""


@dataclass(frozen=True)
class RecordEntry:
    """One activity of the Article 30 record, completed from the scan."""

    activity: Activity
    categories: tuple[str, ...]  # titles of the policy categories found
    special_categories: tuple[str, ...]  # GDPR Art. 9 entity types found
    systems: tuple[str, ...]  # matched ``source/asset``, credentials masked
    sensitivity: str | None
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Record:
    """The record of processing: controller, one entry per activity, missing information."""

    controller: Controller
    entries: tuple[RecordEntry, ...]
    missing: tuple[Missing, ...]
    inventory_generated_at: str = ""
    #: The inventory's detection line (see :func:`piiscan.detection.header_line`).
    detection: str = ""


# -- loading -----------------------------------------------------------------


class _Reader:
    """Checks one activities document, collecting missing fields as it goes."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.missing: list[Missing] = []

    def fail(self, where: str, message: str) -> UsageError:
        return UsageError(f"{self.origin}: {where}: {message}")

    def text(self, value: Any, where: str, key: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(where, f"{key} must be text, not {_kind(value)}")
        return value.strip() or None

    def texts(self, value: Any, where: str, key: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(where, f"{key} must be a list of text, not {_kind(value)}")
        return tuple(v.strip() for v in value if v.strip())

    def unknown(self, data: dict[str, Any], allowed: Any, where: str) -> None:
        extra = [str(k) for k in data if k not in allowed]
        if extra:
            raise self.fail(
                where, f"unknown key {extra[0]!r}; expected one of {', '.join(allowed)}"
            )

    def controller(self, data: Any) -> Controller:
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise self.fail("controller", f"must be a mapping, not {_kind(data)}")
        self.unknown(data, CONTROLLER_KEYS, "controller")
        values = {k: self.text(data.get(k), "controller", k) for k in CONTROLLER_KEYS}
        for key, required in CONTROLLER_KEYS.items():
            if required and values[key] is None:
                self.missing.append(Missing("(controller)", key, "Art. 30(1)(a)"))
        return Controller(**values)

    def transfers(self, value: Any, where: str) -> tuple[Transfer, ...] | None:
        if value is None or value == []:
            return None
        if isinstance(value, str) and value.strip().lower() == NO_TRANSFERS:
            return ()
        if not isinstance(value, list):
            raise self.fail(
                where,
                f'transfers must be "none" or a list of {{country, safeguard}}, not {_kind(value)}',
            )
        out = []
        for i, item in enumerate(value, 1):
            if not isinstance(item, dict):
                raise self.fail(
                    where, f"transfers item {i} must be a mapping {{country, safeguard}}"
                )
            self.unknown(item, TRANSFER_KEYS, f"{where}: transfers item {i}")
            out.append(
                Transfer(
                    country=self.text(item.get("country"), where, f"transfers item {i} country"),
                    safeguard=self.text(
                        item.get("safeguard"), where, f"transfers item {i} safeguard"
                    ),
                )
            )
        return tuple(out)

    def activity(self, data: Any, index: int) -> Activity:
        default_label = f"activity {index}"
        if not isinstance(data, dict):
            raise self.fail(default_label, f"must be a mapping, not {_kind(data)}")
        name = data.get("name")
        label = name.strip() if isinstance(name, str) and name.strip() else default_label
        where = f"activity {label!r}" if label != default_label else default_label
        self.unknown(data, ACTIVITY_KEYS, where)
        texts = {k: self.text(data.get(k), where, k) for k in TEXT_FIELDS}
        lists = {k: self.texts(data.get(k), where, k) for k in LIST_FIELDS}
        basis = texts["legal_basis"]
        if basis is not None and basis not in LEGAL_BASES:
            raise self.fail(
                where,
                f"legal_basis {basis!r} is not an Art. 6(1) basis; use one of "
                + ", ".join(LEGAL_BASES),
            )
        transfers = self.transfers(data.get("transfers"), where)
        declared: dict[str, Any] = {**texts, **lists}
        activity = Activity(label=label, transfers=transfers, **declared)
        self._note_missing(activity)
        return activity

    def _note_missing(self, a: Activity) -> None:
        required = {
            "name": (a.name, "Art. 30(1)"),
            "purpose": (a.purpose, "Art. 30(1)(b)"),
            "legal_basis": (a.legal_basis, "Art. 6(1)"),
            "data_subjects": (a.data_subjects, "Art. 30(1)(c)"),
            "recipients": (a.recipients, "Art. 30(1)(d)"),
            "transfers": (a.transfers is not None, "Art. 30(1)(e); write none if there are none"),
            "retention": (a.retention, "Art. 30(1)(f)"),
            "security_measures": (a.security_measures, "Art. 30(1)(g)"),
            "sources": (a.sources, "needed to fill the categories of personal data from the scan"),
        }
        for key, (value, note) in required.items():
            if not value:
                self.missing.append(Missing(a.label, key, note))
        for i, t in enumerate(a.transfers or (), 1):
            if t.country is None:
                self.missing.append(
                    Missing(a.label, f"transfers item {i} country", "Art. 30(1)(e)")
                )
            if t.safeguard is None:
                self.missing.append(
                    Missing(a.label, f"transfers item {i} safeguard", "Art. 30(1)(e), Art. 46")
                )


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )


def parse_activities(data: Any, origin: str = "activities") -> Activities:
    """Validate a decoded activities document (see the module docstring)."""
    reader = _Reader(origin)
    if not isinstance(data, dict):
        raise UsageError(f"{origin} must be a mapping with controller and activities")
    reader.unknown(data, ("controller", "activities"), "top level")
    controller = reader.controller(data.get("controller"))
    items = data.get("activities")
    if items is None or items == []:
        raise UsageError(f"{origin}: no processing activities (add an 'activities:' list)")
    if not isinstance(items, list):
        raise UsageError(f"{origin}: activities must be a list, not {_kind(items)}")
    activities = tuple(reader.activity(item, i) for i, item in enumerate(items, 1))
    seen: set[str] = set()
    for a in activities:
        if a.label in seen:
            raise UsageError(f"{origin}: activity {a.label!r} is declared twice")
        seen.add(a.label)
    return Activities(controller, activities, tuple(reader.missing), origin)


def load_activities(path: str | Path) -> Activities:
    """Read and validate the activities YAML at ``path``."""
    return parse_activities(read_yaml(path, "activities"), str(path))


# -- the record ----------------------------------------------------------------


def asset_key(asset: AssetResult) -> str:
    """``source/asset``, the string ``sources`` patterns match besides ``source``."""
    return f"{asset.source}/{asset.asset}"


def matches(patterns: tuple[str, ...], source: str, key: str | None = None) -> bool:
    return any(
        fnmatchcase(source, p) or (key is not None and fnmatchcase(key, p)) for p in patterns
    )


def _entry(
    activity: Activity, inventory: Inventory, policy: Policy
) -> tuple[RecordEntry, list[Missing]]:
    assets = [a for a in inventory.assets if matches(activity.sources, a.source, asset_key(a))]
    cats: set[str] = set()
    special: set[str] = set()
    for asset in assets:
        for f in asset.fields:
            for verdict in f.entities:
                rule = policy.rule(verdict.type)
                if rule is None:  # unknown to this policy: what the scan recorded
                    cats.update(f.categories)
                    if f.gdpr == "special_category":
                        special.add(verdict.type)
                    continue
                cats.update(rule.categories)
                if rule.gdpr == "special_category":
                    special.add(verdict.type)
    titles = sorted(str(policy.categories.get(c, {}).get("title", c)) for c in cats)
    notes: list[str] = []
    missing: list[Missing] = []
    unread = sorted(
        {
            mask_url(e.source) + (f"/{e.asset}" if e.asset else "")
            for e in inventory.errors
            if matches(activity.sources, e.source, f"{e.source}/{e.asset}" if e.asset else None)
        }
    )
    if activity.sources and not assets:
        notes.append("no scanned system matches: sources " + ", ".join(activity.sources))
    if unread:
        notes.append("could not be read in the scan: " + ", ".join(unread))
    if activity.sources and not cats:
        reason = (
            "no personal data found in the matched systems"
            if assets
            else ("no scanned system matches the activity's sources")
        )
        missing.append(Missing(activity.label, "categories of personal data", reason))
    entry = RecordEntry(
        activity=activity,
        categories=tuple(titles),
        special_categories=tuple(sorted(special)),
        systems=tuple(mask_url(a.source) + "/" + a.asset for a in assets),
        sensitivity=max_level(a.sensitivity for a in assets),
        notes=tuple(notes),
    )
    return entry, missing


def build_record(activities: Activities, inventory: Inventory, policy: Policy) -> Record:
    """Complete each declared activity with what the scan found in its sources."""
    entries: list[RecordEntry] = []
    missing = list(activities.missing)
    for activity in activities.activities:
        entry, more = _entry(activity, inventory, policy)
        entries.append(entry)
        missing += more
    order = {a.label: i for i, a in enumerate(activities.activities)}
    missing.sort(key=lambda m: order.get(m.activity, -1))
    return Record(
        controller=activities.controller,
        entries=tuple(entries),
        missing=tuple(missing),
        inventory_generated_at=inventory.generated_at,
        detection=header_line(inventory.detection, "Detection"),
    )
