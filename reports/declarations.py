"""Policy reconciliation: what a privacy policy declares, and how a scan compares with it.

:func:`extract_declarations` reads a privacy-policy text with spaCy's ``PhraseMatcher`` over
a blank English pipeline (no model, no network) and the phrase vocabulary in
``piiscan/data/declaration_terms.yaml``. A phrase counts as a declaration when

* it is not negated in its clause ("we do not collect biometric data", "we avoid
  collecting …", a table cell answering "No"),
* its sentence talks about data at all (a bare heading such as "Education and Awareness"
  declares nothing), where a list item borrows the context and negation of the line
  ending in ``:`` that introduces it.

An entity phrase also declares the categories the policy maps the entity to.
:func:`check_declarations` then lists personal data found in an inventory but not declared,
and declared categories never found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from piiscan.errors import ConfigError, UsageError
from piiscan.masking import mask_url
from piiscan.model import Inventory
from piiscan.policy import Policy, load_policy
from piiscan.reports.userfiles import read_yaml
from piiscan.safe_yaml import load_yaml

MAX_SENTENCES = 3
MAX_CHARS = 300
MAX_LOCATIONS = 5
_LEAD_MIN = 60  # characters of a list's lead-in kept before a long item
NO_DECLARATIONS = "no recognisable declarations found"

_NEGATORS = frozenset({"not", "n't", "never", "no", "neither", "nor", "none", "nothing", "avoid"})
_NOT_NEGATING_NEXT = frozenset({"limited", "only", "just"})  # "not limited to"
_BREAKERS = frozenset({";", ":", "|", "but", "however", "whereas", "yet", "except"})
_SUBORDINATORS = frozenset({"while", "although", "though", "if", "when", "whereas", "because"})
_CUE_PREFIXES = (
    "collect", "gather", "obtain", "receiv", "process", "stor", "retain", "hold", "includ",
    "provid", "shar", "request", "submit", "captur", "record", "inform", "data", "personal",
    "use", "using", "ask", "access",
)  # fmt: skip
_DATA_VERBS = (
    "collect", "gather", "obtain", "receiv", "process", "stor", "retain", "hold", "use",
    "shar", "sell", "sold", "ask", "request", "record", "captur", "track", "keep", "disclos",
)  # fmt: skip
_VERB_OBJECTS = frozenset({"any", "your", "the", "our", "us", "these", "this", "them", "it"})
_BULLET = re.compile(r"^\s*(?:[-*•·▪◦‣]|\d{1,2}[.)]|[a-z][.)])\s+")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
_SPACE = re.compile(r"\s+")
_Found = dict[str, dict[str, dict[str, None]]]  # "E:TYPE"/"C:id" → phrases/sentences (ordered)


# ----------------------------------------------------------------- declarations model


@dataclass(frozen=True)
class Declared:
    """The phrases that declare one category or entity type, and their sentences."""

    phrases: tuple[str, ...] = ()
    sentences: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, list[str]]:
        return {"phrases": list(self.phrases), "sentences": list(self.sentences)}


@dataclass(frozen=True)
class Declarations:
    """Categories and entity types a privacy policy declares collecting."""

    policy: str
    categories: Mapping[str, Declared] = field(default_factory=dict)
    entities: Mapping[str, Declared] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"policy": self.policy}
        if not self.categories and not self.entities:
            d["note"] = NO_DECLARATIONS
        d["categories"] = {k: v.to_dict() for k, v in self.categories.items()}
        d["entities"] = {k: v.to_dict() for k, v in self.entities.items()}
        return d

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True, width=100)


def _declared_map(value: Any, what: str, known: Iterable[str], origin: str) -> dict[str, Declared]:
    if value is None:
        return {}
    if isinstance(value, list):
        value = {k: None for k in value}
    if not isinstance(value, dict):
        raise UsageError(f"{origin}: {what} must be a mapping or a list of names")
    known = set(known)
    unknown = sorted(str(k) for k in value if k not in known)
    if unknown:
        raise UsageError(f"{origin}: unknown {what} {', '.join(unknown)} (not in the policy)")
    out: dict[str, Declared] = {}
    for key, spec in value.items():
        spec = spec if isinstance(spec, dict) else {}
        out[str(key)] = Declared(
            tuple(str(p) for p in spec.get("phrases") or ()),
            tuple(str(s) for s in spec.get("sentences") or ()),
        )
    return out


def declarations_from_dict(data: Any, policy: Policy, origin: str = "declarations") -> Declarations:
    """Validate a decoded declarations YAML (the ``policy extract`` output or a hand-written
    file with plain lists of category ids and entity types)."""
    if not isinstance(data, dict):
        raise UsageError(f"{origin} is not a declarations file (expected a YAML mapping)")
    unknown = sorted(str(k) for k in data if k not in {"policy", "note", "categories", "entities"})
    if unknown:
        raise UsageError(
            f"{origin}: unknown keys {', '.join(unknown)}; use policy, categories, entities"
        )
    if "categories" not in data and "entities" not in data:
        raise UsageError(f"{origin}: missing categories (and entities)")
    return Declarations(
        policy=str(data.get("policy") or origin),
        categories=_declared_map(data.get("categories"), "categories", policy.categories, origin),
        entities=_declared_map(data.get("entities"), "entity types", policy.rules, origin),
    )


def load_declarations(path: str | Path, policy: Policy | None = None) -> Declarations:
    """Read a declarations YAML; every problem is a one-line :class:`UsageError`."""
    data = read_yaml(path, "declarations")
    return declarations_from_dict(data, policy or load_policy(), str(path))


# ----------------------------------------------------------------- vocabulary


@dataclass(frozen=True)
class Terms:
    """The phrase vocabulary: entity type → phrases, category → phrases, shadowing phrases."""

    entities: Mapping[str, tuple[str, ...]]
    categories: Mapping[str, tuple[str, ...]]
    ignore: tuple[str, ...] = ()


def load_terms(path: str | Path | None = None, policy: Policy | None = None) -> Terms:
    """Load the vocabulary (the built-in one by default), checked against the policy."""
    if path is None:
        text = resources.files("piiscan").joinpath("data/declaration_terms.yaml").read_text("utf-8")
        origin = "declaration_terms.yaml"
    else:
        text, origin = Path(path).read_text(encoding="utf-8"), str(path)
    try:
        data = load_yaml(text, origin) or {}
    except yaml.YAMLError:
        raise ConfigError(f"{origin} is not valid YAML") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{origin} must be a mapping with entities and categories")
    policy = policy or load_policy()
    entities = {str(k): tuple(v or ()) for k, v in (data.get("entities") or {}).items()}
    categories = {str(k): tuple(v or ()) for k, v in (data.get("categories") or {}).items()}
    bad = sorted(set(categories) - set(policy.categories)) + sorted(
        set(entities) - set(policy.rules)
    )
    if bad:
        raise ConfigError(f"{origin}: names not in the policy: {', '.join(bad)}")
    return Terms(entities, categories, tuple(data.get("ignore") or ()))


# ----------------------------------------------------------------- extraction


@dataclass(frozen=True)
class _Line:
    """One line of the policy, with the lead-in (a line ending in ``:``) of its list."""

    text: str
    lead_in: str | None


def _lines(text: str) -> Iterator[_Line]:
    lead_in: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        is_item = bool(_BULLET.match(raw)) or (
            len(line.split()) <= 10 and not line.endswith((".", "?", "!"))
        )
        yield _Line(line, lead_in if is_item else None)
        if line.endswith(":"):
            lead_in = line
        elif not is_item:
            lead_in = None


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _trim(text: str, start: int, end: int, limit: int = MAX_CHARS) -> str:
    """``text`` cut to ``limit`` characters around ``[start, end)``, marked with …."""
    if len(text) <= limit:
        return text
    room = max(limit - (end - start) - 2, 0)
    lo = max(0, min(start - room // 2, len(text) - (limit - 2)))
    hi = min(len(text), lo + limit - 2)
    return ("…" if lo else "") + text[lo:hi].strip() + ("…" if hi < len(text) else "")


def _with_lead_in(lead: str, item: str, limit: int = MAX_CHARS) -> str:
    """A list item quoted after (the end of) the sentence that introduces it."""
    room = limit - len(item) - 3
    if len(lead) > room:
        lead = "…" + lead[len(lead) - room + 1 :].lstrip()
    return f"{lead} … {item}"


def _negated_before(tokens: list[str]) -> bool:
    """Whether a negator governs the end of ``tokens`` (lower-cased, clause-scoped).

    ``;``, ``|``, "but", "however"… end the scope; a ``:`` ends it unless the negator
    governs a data verb ("we have not collected the following: …"), so that a label such
    as "No Targeting of Children: we collect …" does not negate what follows.
    """
    negated = verbal = False
    subordinate = bool(tokens) and tokens[0] in _SUBORDINATORS
    for i, tok in enumerate(tokens):
        if tok in _BREAKERS and not (tok == ":" and verbal):
            negated = verbal = False
            subordinate = i + 1 < len(tokens) and tokens[i + 1] in _SUBORDINATORS
        elif tok == "," and subordinate and negated:
            negated = verbal = subordinate = False
        elif tok in _NEGATORS:
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            prev = tokens[i - 1] if i else ""
            if not (nxt in _NOT_NEGATING_NEXT or (tok == "not" and prev == "or")):
                negated = True
                verbal = any(t.startswith(_DATA_VERBS) for t in tokens[i + 1 : i + 4])
    return negated


def _answered_no(tokens: list[str]) -> bool:
    """A table cell or label answering ``No`` after the phrase ("Biometric | No |")."""
    for i, tok in enumerate(tokens):
        if tok in {"no", "none"}:
            before = tokens[i - 1] if i else "|"
            after = tokens[i + 1] if i + 1 < len(tokens) else "."
            if before in {"|", ":", "-", ",", "("} and after in {"|", ".", ";", ",", ")"}:
                return True
    return False


def _has_cue(tokens: Iterable[str]) -> bool:
    return any(t.startswith(_CUE_PREFIXES) for t in tokens)


def _is_verb_use(doc: Any, start: int, end: int) -> bool:
    """A bare "address" used as a verb ("to address any concerns")."""
    if end - start != 1 or doc[start].lower_ not in {"address", "addresses"}:
        return False
    prev = doc[start - 1].lower_ if start else ""
    nxt = doc[end].lower_ if end < len(doc) else ""
    return prev in {"to", "will", "we", "can", "may"} or nxt in _VERB_OBJECTS


class Extractor:
    """A PhraseMatcher over a blank English pipeline, built once per vocabulary."""

    def __init__(self, terms: Terms, policy: Policy) -> None:
        import spacy
        from spacy.matcher import PhraseMatcher

        self.policy = policy
        self.nlp = spacy.blank("en")
        self.nlp.add_pipe("sentencizer")
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        groups = [(f"E:{k}", v) for k, v in terms.entities.items()]
        groups += [(f"C:{k}", v) for k, v in terms.categories.items()]
        groups.append(("IGNORE", terms.ignore))
        for label, phrases in groups:
            docs = [self.nlp.make_doc(p.translate(_QUOTES)) for p in phrases]
            if docs:
                self.matcher.add(label, docs)

    def _matches(self, doc: Any) -> Iterator[tuple[int, int, set[str]]]:
        """Longest non-overlapping phrase spans with every label matched on each."""
        labels: dict[tuple[int, int], set[str]] = {}
        for match_id, start, end in self.matcher(doc):
            labels.setdefault((start, end), set()).add(self.nlp.vocab.strings[match_id])
        taken: set[int] = set()
        for start, end in sorted(labels, key=lambda s: (s[0] - s[1], s[0])):
            if taken.isdisjoint(range(start, end)):
                taken.update(range(start, end))
                yield start, end, labels[(start, end)]

    def extract(self, text: str, name: str = "") -> Declarations:
        found: _Found = {}  # label → {"p": phrases, "s": ...}
        lines = list(_lines(text.translate(_QUOTES)))
        lead_docs = {ln.lead_in: self.nlp(ln.lead_in) for ln in lines if ln.lead_in}
        for line, doc in zip(lines, self.nlp.pipe(ln.text for ln in lines), strict=True):
            lead = lead_docs.get(line.lead_in) if line.lead_in else None
            lead_lower = [t.lower_ for t in lead] if lead is not None else []
            lead_sentence = list(lead.sents)[-1] if lead is not None else None
            lead_negated = lead_sentence is not None and _negated_before(
                [t.lower_ for t in lead_sentence]
            )
            for start, end, labels in sorted(self._matches(doc)):
                if "IGNORE" in labels or _is_verb_use(doc, start, end):
                    continue
                sent = doc[start].sent
                before = [t.lower_ for t in doc[sent.start : start]]
                after = [t.lower_ for t in doc[end : sent.end]]
                if lead_negated or _negated_before(before) or _answered_no(after):
                    continue
                if not (_has_cue(t.lower_ for t in sent) or _has_cue(lead_lower)):
                    continue
                s_start = doc[start].idx - sent.start_char
                s_end = doc[end - 1].idx + len(doc[end - 1]) - sent.start_char
                if lead_sentence is None:
                    quote = _trim(sent.text, s_start, s_end)
                else:
                    item = _trim(sent.text, s_start, s_end, MAX_CHARS - _LEAD_MIN - 3)
                    quote = _with_lead_in(lead_sentence.text, item)
                self._record(found, labels, _clean(doc[start:end].text.lower()), _clean(quote))
        return self._declarations(found, name)

    def _record(self, found: _Found, labels: set[str], phrase: str, quote: str) -> None:
        targets = set()
        for label in labels:
            kind, _, key = label.partition(":")
            targets.add(label)
            if kind == "E":
                rule = self.policy.rule(key)
                targets.update(f"C:{c}" for c in (rule.categories if rule else ()))
        for target in targets:
            slot = found.setdefault(target, {"p": {}, "s": {}})
            slot["p"][phrase] = None
            if len(slot["s"]) < MAX_SENTENCES:
                slot["s"][quote] = None

    def _declarations(self, found: _Found, name: str) -> Declarations:
        def pick(kind: str, order: Iterable[str]) -> dict[str, Declared]:
            return {
                key: Declared(
                    tuple(found[f"{kind}:{key}"]["p"]), tuple(found[f"{kind}:{key}"]["s"])
                )
                for key in order
                if f"{kind}:{key}" in found
            }

        return Declarations(
            policy=name,
            categories=pick("C", self.policy.categories),
            entities=pick("E", sorted(k[2:] for k in found if k.startswith("E:"))),
        )


@cache
def _default_extractor() -> Extractor:
    policy = load_policy()
    return Extractor(load_terms(policy=policy), policy)


def extract_declarations(
    text: str, name: str = "", extractor: Extractor | None = None
) -> Declarations:
    """The categories and entity types ``text`` (a privacy policy) declares collecting."""
    return (extractor or _default_extractor()).extract(text, name)


# ----------------------------------------------------------------- check against a scan


@dataclass(frozen=True)
class Undeclared:
    """A category found in the scan that the policy does not declare."""

    category: str
    entity_types: tuple[str, ...]
    locations: tuple[str, ...]  # ``source asset field``, at most MAX_LOCATIONS
    location_count: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "entity_types": list(self.entity_types),
            "locations": list(self.locations),
            "location_count": self.location_count,
        }


@dataclass(frozen=True)
class UndeclaredEntity:
    """An entity type found in the scan that the policy never names. ``covered_by``: its
    categories the policy declares (so the category check alone would pass it)."""

    entity_type: str
    categories: tuple[str, ...]
    covered_by: tuple[str, ...]
    locations: tuple[str, ...]
    location_count: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity_type": self.entity_type,
            "categories": list(self.categories),
            "covered_by": list(self.covered_by),
            "locations": list(self.locations),
            "location_count": self.location_count,
        }


@dataclass(frozen=True)
class CheckResult:
    """Personal data found but not declared, and declarations the scan never confirmed."""

    policy: str
    undeclared: tuple[Undeclared, ...]
    declared_not_found: tuple[str, ...]
    declared_entities_not_found: tuple[str, ...]
    found_categories: tuple[str, ...]
    undeclared_entities: tuple[UndeclaredEntity, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "undeclared": [u.to_dict() for u in self.undeclared],
            "undeclared_entities": [u.to_dict() for u in self.undeclared_entities],
            "declared_not_found": list(self.declared_not_found),
            "declared_entities_not_found": list(self.declared_entities_not_found),
            "found_categories": list(self.found_categories),
        }


def _found_entities(inventory: Inventory) -> Iterator[tuple[str, str]]:
    """(entity type, ``source asset field``) for every personal entity in the inventory."""
    for asset in inventory.assets:
        where = f"{mask_url(asset.source)} {asset.asset}"
        in_fields: set[str] = set()
        for f in asset.fields:
            if f.status != "personal":
                continue
            for verdict in f.entities:
                in_fields.add(verdict.type)
                yield verdict.type, f"{where} {f.name}"
        for finding in asset.findings:
            if finding.entity not in in_fields:
                yield finding.entity, f"{where} {finding.field or f'line {finding.line}'}"


def check_declarations(declared: Declarations, inventory: Inventory, policy: Policy) -> CheckResult:
    """Compare what a policy declares with what a scan found.

    An entity found under a category is undeclared when neither the category nor the
    entity type itself is declared. Every entity type the policy does not name is also
    listed on its own (``undeclared_entities``), with the declared categories that cover
    it: a policy that declares "passwords" declares the category *sensitive*, which would
    otherwise hide national insurance numbers and IBANs.
    """
    per_category: dict[str, tuple[dict[str, None], dict[str, None]]] = {}
    per_entity: dict[str, dict[str, None]] = {}
    found_entities: set[str] = set()
    found_categories: set[str] = set()
    for entity, location in _found_entities(inventory):
        rule = policy.rule(entity)
        if rule is None or not rule.categories:
            continue
        found_entities.add(entity)
        found_categories.update(rule.categories)
        if entity in declared.entities:
            continue
        per_entity.setdefault(entity, {})[location] = None
        for category in rule.categories:
            if category not in declared.categories:
                types, places = per_category.setdefault(category, ({}, {}))
                types[entity] = None
                places[location] = None
    order = list(policy.categories)
    undeclared = tuple(
        Undeclared(cat, tuple(sorted(types)), tuple(places)[:MAX_LOCATIONS], len(places))
        for cat, (types, places) in sorted(
            per_category.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99
        )
    )
    return CheckResult(
        policy=declared.policy,
        undeclared=undeclared,
        undeclared_entities=tuple(
            _undeclared_entity(entity, places, declared, policy)
            for entity, places in sorted(per_entity.items())
        ),
        declared_not_found=tuple(c for c in declared.categories if c not in found_categories),
        declared_entities_not_found=tuple(e for e in declared.entities if e not in found_entities),
        found_categories=tuple(c for c in order if c in found_categories),
    )


def _undeclared_entity(
    entity: str, places: dict[str, None], declared: Declarations, policy: Policy
) -> UndeclaredEntity:
    rule = policy.rule(entity)
    categories = tuple(rule.categories) if rule else ()
    return UndeclaredEntity(
        entity,
        categories,
        tuple(c for c in categories if c in declared.categories),
        tuple(places)[:MAX_LOCATIONS],
        len(places),
    )


def render_check_text(result: CheckResult) -> str:
    """The check result for a terminal: explicit lines, never an empty report."""
    out = [f"Policy: {result.policy}"]
    if result.undeclared:
        out.append("Personal data found but not declared:")
        for u in result.undeclared:
            out.append(f"  {u.category}: {', '.join(u.entity_types)}")
            out.extend(f"    {loc}" for loc in u.locations)
            if u.location_count > len(u.locations):
                out.append(f"    … {u.location_count - len(u.locations)} more")
    else:
        out.append("All personal data found is declared (by category).")
    covered = [u for u in result.undeclared_entities if u.covered_by]
    if covered:
        out.append("Entity types found that the policy never names (only a category covers them):")
        for e in covered:
            out.append(f"  {e.entity_type}: covered by {', '.join(e.covered_by)}")
            out.extend(f"    {loc}" for loc in e.locations)
            if e.location_count > len(e.locations):
                out.append(f"    … {e.location_count - len(e.locations)} more")
    if result.declared_not_found:
        out.append("Declared categories never found: " + ", ".join(result.declared_not_found))
    else:
        out.append("Every declared category was found.")
    if result.declared_entities_not_found:
        out.append(
            "Declared entity types never found: " + ", ".join(result.declared_entities_not_found)
        )
    return "\n".join(out) + "\n"
