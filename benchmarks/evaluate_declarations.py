"""Score ``piiscan policy extract`` against hand-written expectations.

    python benchmarks/evaluate_declarations.py --policies ../shared/privacy-policies \\
        --expected tests/data/privacy_policies_expected.yaml [--json] [--verbose]

The expectations file maps each policy file name to the category ids and entity types a
human reader found declared (each with a justifying quote). Per policy and micro over all
policies: precision, recall and F1 of the declared categories, and of the entity types.
``--verbose`` lists the false positives and false negatives with the extractor's sentence.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from piiscan.reports.declarations import Declarations, extract_declarations


@dataclass
class Counts:
    """True positives, false positives and false negatives, with the usual ratios."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Counts) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn

    def to_dict(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "f1": round(self.f1, 3),
        }


@dataclass
class PolicyScore:
    """One policy: counts and the differing names for categories and for entity types."""

    name: str
    categories: Counts
    entities: Counts
    false_positives: dict[str, list[str]] = field(default_factory=dict)
    false_negatives: dict[str, list[str]] = field(default_factory=dict)


def _compare(found: set[str], expected: set[str]) -> Counts:
    return Counts(len(found & expected), len(found - expected), len(expected - found))


def score_policy(name: str, declared: Declarations, expected: Mapping[str, Any]) -> PolicyScore:
    cats, ents = set(declared.categories), set(declared.entities)
    want_cats, want_ents = (
        set(expected.get("categories") or ()),
        set(expected.get("entities") or ()),
    )
    return PolicyScore(
        name,
        _compare(cats, want_cats),
        _compare(ents, want_ents),
        {"categories": sorted(cats - want_cats), "entities": sorted(ents - want_ents)},
        {"categories": sorted(want_cats - cats), "entities": sorted(want_ents - ents)},
    )


def load_expected(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return dict(data.get("policies") or {})


def evaluate(policies: Path, expected_path: Path) -> tuple[list[PolicyScore], Counts, Counts]:
    """Extract every expected policy and score it; returns per-policy and micro counts."""
    expected = load_expected(expected_path)
    scores: list[PolicyScore] = []
    micro_cat, micro_ent = Counts(), Counts()
    for name in sorted(expected):
        text = (policies / name).read_text(encoding="utf-8")
        score = score_policy(name, extract_declarations(text, name), expected[name])
        micro_cat.add(score.categories)
        micro_ent.add(score.entities)
        scores.append(score)
    return scores, micro_cat, micro_ent


def _row(label: str, c: Counts) -> str:
    return (
        f"{label:<28} {c.tp:>3} {c.fp:>3} {c.fn:>3}  "
        f"{c.precision:>5.3f} {c.recall:>5.3f} {c.f1:>5.3f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--policies", type=Path, required=True, help="folder of policy texts")
    parser.add_argument("--expected", type=Path, required=True, help="expectations YAML")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    parser.add_argument("--verbose", action="store_true", help="list the differences")
    args = parser.parse_args(argv)
    scores, micro_cat, micro_ent = evaluate(args.policies, args.expected)
    if args.json:
        print(
            json.dumps(
                {
                    "policies": {
                        s.name: {
                            "categories": s.categories.to_dict(),
                            "entities": s.entities.to_dict(),
                            "false_positives": s.false_positives,
                            "false_negatives": s.false_negatives,
                        }
                        for s in scores
                    },
                    "micro": {"categories": micro_cat.to_dict(), "entities": micro_ent.to_dict()},
                },
                indent=2,
            )
        )
        return 0
    header = f"{'':<28} {'tp':>3} {'fp':>3} {'fn':>3}  {'P':>5} {'R':>5} {'F1':>5}"
    for kind in ("categories", "entities"):
        print(f"== {kind}")
        print(header)
        for s in scores:
            print(_row(s.name, getattr(s, kind)))
        print(_row("micro", micro_cat if kind == "categories" else micro_ent))
        print()
    if args.verbose:
        for s in scores:
            for kind in ("categories", "entities"):
                if s.false_positives[kind] or s.false_negatives[kind]:
                    print(
                        f"{s.name} {kind}: fp {s.false_positives[kind]} "
                        f"fn {s.false_negatives[kind]}"
                    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
