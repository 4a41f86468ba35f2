"""Score a piiscan inventory against column labels (see ``benchmarks/corpus.py``).

    python benchmarks/evaluate_columns.py --labels OUT/labels.json --inventory inventory.json
    python benchmarks/evaluate_columns.py --labels OUT/labels.json \\
        --scan sqlite:///OUT/corpus.db OUT/files [--spacy-model PATH] [--json] [--verbose]

Metrics over labelled columns only (inventory columns without a label are ignored):

* category level: micro precision/recall/F1 over (column, policy category) pairs; the
  gold categories of a column are the policy categories of its labelled entity types;
* entity level: precision/recall/F1 per personal entity type and micro over all;
* false-positive rate: the share of negative columns (label ``[]``) flagged with any
  category;
* a labelled column absent from the inventory counts as a false negative for each of its
  gold pairs and is listed as missing (a missing negative is listed but not scored).

Assets match when the inventory's asset name equals the label key or ends with it after
a ``/`` or ``.`` (so ``files/crm/x.csv`` matches ``crm/x.csv`` and ``main.orders``
matches ``orders``); field names match exactly, else after normalising case and ``/``
versus ``.`` separators.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from piiscan.policy import Policy, load_policy

sys.path.insert(0, str(Path(__file__).resolve().parent))
from labels import CORPUS_EQUIVALENT  # benchmarks/labels.py, beside this script

Labels = Mapping[str, Mapping[str, Sequence[str]]]


@dataclass
class Counts:
    """True positives, false positives and false negatives, with the usual ratios."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, gold: set[str], predicted: set[str]) -> None:
        self.tp += len(gold & predicted)
        self.fp += len(predicted - gold)
        self.fn += len(gold - predicted)

    def to_dict(self) -> dict[str, Any]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn,
                "precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f1": round(self.f1, 4)}


@dataclass(frozen=True)
class ColumnError:
    """One column whose verdict differs from its label (``kind``: FN, FP or MISSING)."""

    kind: str
    asset: str
    column: str
    entities: tuple[str, ...]
    categories: tuple[str, ...]

    def line(self) -> str:
        what = ",".join(self.entities) or "-"
        cats = ",".join(self.categories) or "-"
        return f"{self.kind:<7} {self.asset} :: {self.column}  {what}  [{cats}]"


@dataclass
class Metrics:
    categories: Counts = field(default_factory=Counts)
    entities: Counts = field(default_factory=Counts)
    per_entity: dict[str, Counts] = field(default_factory=dict)
    per_category: dict[str, Counts] = field(default_factory=dict)
    columns: int = 0
    positives: int = 0
    negatives: int = 0
    negatives_flagged: int = 0
    missing: list[tuple[str, str]] = field(default_factory=list)
    errors: list[ColumnError] = field(default_factory=list)

    @property
    def false_positive_rate(self) -> float:
        return self.negatives_flagged / self.negatives if self.negatives else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": self.columns, "positives": self.positives, "negatives": self.negatives,
            "category_micro": self.categories.to_dict(),
            "entity_micro": self.entities.to_dict(),
            "false_positive_rate": round(self.false_positive_rate, 4),
            "negatives_flagged": self.negatives_flagged,
            "per_entity": {k: v.to_dict() for k, v in sorted(self.per_entity.items())},
            "per_category": {k: v.to_dict() for k, v in sorted(self.per_category.items())},
            "missing": [{"asset": a, "column": c} for a, c in self.missing],
            "errors": [{"kind": e.kind, "asset": e.asset, "column": e.column,
                        "entities": list(e.entities), "categories": list(e.categories)}
                       for e in self.errors],
        }


# -- matching labels to the inventory -------------------------------------------------
def _norm(name: str) -> str:
    name = name.strip().replace("\\", "/")
    if name.startswith("$."):
        name = name[2:]
    return name.replace("/", ".").replace("[*]", "").replace("[]", "").lower()


def find_asset(key: str, assets: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The inventory asset a label key refers to (exact name first, then a path suffix)."""
    key_n = key.replace("\\", "/")
    exact = [a for a in assets if a.get("asset", "").replace("\\", "/") == key_n]
    if exact:
        return exact[0]
    suffix = [a for a in assets
              if any(a.get("asset", "").replace("\\", "/").endswith(sep + key_n)
                     for sep in ("/", "."))]
    return min(suffix, key=lambda a: len(a["asset"])) if suffix else None


def find_field(column: str, asset: Mapping[str, Any]) -> Mapping[str, Any] | None:
    fields = asset.get("fields", [])
    for f in fields:
        if f.get("name") == column:
            return f
    wanted = _norm(column)
    return next((f for f in fields if _norm(f.get("name", "")) == wanted), None)


def categories_of(entities: Iterable[str], policy: Policy) -> set[str]:
    out: set[str] = set()
    for entity in entities:
        rule = policy.rule(entity)
        if rule is None:
            raise ValueError(f"label uses an entity type the policy does not know: {entity}")
        out.update(rule.categories)
    return out


def predicted(field_: Mapping[str, Any], policy: Policy) -> tuple[set[str], set[str]]:
    """(personal entity types, categories) that the inventory gives a field; a type with a
    labelled equivalent (``labels.CORPUS_EQUIVALENT``) counts as that type."""
    entities = {
        CORPUS_EQUIVALENT.get(e["type"], e["type"])
        for e in field_.get("entities", [])
        if policy.is_personal(e["type"])
    }
    cats = set(field_.get("categories") or ())
    if not cats and entities:
        cats = categories_of(entities, policy)
    return entities, cats


# -- scoring -------------------------------------------------------------------------
def score(labels: Labels, inventory: Mapping[str, Any], policy: Policy | None = None
          ) -> Metrics:
    """Compare ``inventory`` (``Inventory.to_dict()`` shape) with column ``labels``."""
    policy = policy or load_policy()
    m = Metrics()
    assets = inventory.get("assets", [])
    for asset_key in sorted(labels):
        asset = find_asset(asset_key, assets)
        for column in sorted(labels[asset_key]):
            gold_c = categories_of(labels[asset_key][column], policy)
            gold_e = {e for e in labels[asset_key][column] if policy.is_personal(e)}
            field_ = find_field(column, asset) if asset is not None else None
            m.columns += 1
            if gold_e:
                m.positives += 1
            if field_ is None:
                m.missing.append((asset_key, column))
                m.errors.append(ColumnError("MISSING", asset_key, column,
                                            tuple(sorted(gold_e)), tuple(sorted(gold_c))))
                pred_e: set[str] = set()
                pred_c: set[str] = set()
                if not gold_e:
                    continue
            else:
                pred_e, pred_c = predicted(field_, policy)
            if not gold_e:
                m.negatives += 1
                m.negatives_flagged += bool(pred_c)
            m.categories.add(gold_c, pred_c)
            m.entities.add(gold_e, pred_e)
            for e in gold_e | pred_e:
                m.per_entity.setdefault(e, Counts()).add(gold_e & {e}, pred_e & {e})
            for c in gold_c | pred_c:
                m.per_category.setdefault(c, Counts()).add(gold_c & {c}, pred_c & {c})
            if field_ is not None and gold_e - pred_e:
                m.errors.append(ColumnError("FN", asset_key, column,
                                            tuple(sorted(gold_e - pred_e)),
                                            tuple(sorted(gold_c - pred_c))))
            if field_ is not None and pred_e - gold_e:
                m.errors.append(ColumnError("FP", asset_key, column,
                                            tuple(sorted(pred_e - gold_e)),
                                            tuple(sorted(pred_c - gold_c))))
    return m


# -- output --------------------------------------------------------------------------
def render(m: Metrics, verbose: bool = False) -> str:
    def row(name: str, c: Counts) -> str:
        return (f"  {name:<24} P {c.precision:.3f}  R {c.recall:.3f}  F1 {c.f1:.3f}"
                f"  (tp {c.tp}, fp {c.fp}, fn {c.fn})")

    lines = [
        f"columns scored: {m.columns} ({m.positives} personal, {m.negatives} negative); "
        f"missing from the inventory: {len(m.missing)}",
        row("category (micro)", m.categories),
        row("entity (micro)", m.entities),
        f"  false-positive rate on negative columns: {m.false_positive_rate:.3f} "
        f"({m.negatives_flagged}/{m.negatives})",
        "per entity type:",
        *(row(k, v) for k, v in sorted(m.per_entity.items())),
        "per category:",
        *(row(k, v) for k, v in sorted(m.per_category.items())),
    ]
    if verbose:
        lines.append("errors:")
        lines.extend("  " + e.line() for e in m.errors)
    return "\n".join(lines)


def run_scan(sources: Sequence[str], spacy_model: str | None) -> dict[str, Any]:
    """Scan ``sources`` in-process and return the inventory as a dict."""
    from piiscan.config import Config
    from piiscan.scanning.scanner import Scanner

    # the corpus is drawn from reserved ranges (Faker's example.* e-mails): count them
    config = Config(spacy_model=spacy_model, progress=False, ignore_reserved=False)
    return Scanner(config).scan(list(sources)).to_dict()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score a piiscan inventory against labels.")
    parser.add_argument("--labels", type=Path, required=True)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--inventory", type=Path, help="JSON from `piiscan scan --format json`")
    source.add_argument("--scan", nargs="+", metavar="SOURCE", help="scan these sources now")
    parser.add_argument("--spacy-model", help="spaCy model path for --scan")
    parser.add_argument("--policy", help="policy file (default: the built-in policy)")
    parser.add_argument("--save-inventory", type=Path, help="with --scan: write it here")
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")
    parser.add_argument("--verbose", "-v", action="store_true", help="list FN/FP columns")
    args = parser.parse_args(argv)

    labels = json.loads(args.labels.read_text(encoding="utf-8"))
    if args.inventory:
        inventory = json.loads(args.inventory.read_text(encoding="utf-8"))
    else:
        inventory = run_scan(args.scan, args.spacy_model)
        if args.save_inventory:
            args.save_inventory.write_text(json.dumps(inventory, indent=2), encoding="utf-8")
    if not inventory.get("detectors"):
        print("warning: the inventory lists no detectors; every column will read as negative",
              file=sys.stderr)
    metrics = score(labels, inventory, load_policy(args.policy))
    if args.json:
        print(json.dumps(metrics.to_dict(), indent=2))
    else:
        print(render(metrics, args.verbose))
    return 0


if __name__ == "__main__":
    sys.exit(main())
