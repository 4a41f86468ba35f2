#!/usr/bin/env python3
"""Column-level scoring on datahub-classify's labelled tables, piiscan and vanilla Presidio.

    .venv/bin/python benchmarks/evaluate_datahub.py \\
        --data ../shared/benchmarks/datahub-classify \\
        --spacy-model ../shared/models/en_ner_distilled_sm-0.1.1 [--verbose] [--json]

Every shipped dataset (``datasets/*.csv|xlsx``) that ``expected_infotypes_IDEAL.json``
names is scanned with piiscan's library (default sampling). A labelled column is a
positive for its info type; every other column of the dataset is a negative; columns
labelled with an unscored type (``Swift_Code``) are left out. The unit is a
(column, info type) pair: a column's predicted info types are its personal entity types
mapped through ``benchmarks/labels.py`` (``DATAHUB``); types with no datahub
counterpart (``POSTAL_CODE``, ``LOCATION``…) are ignored. Categories: the policy
categories of the gold and of the predicted (mapped) types. Two views are printed: the
labels as published, every column scored; and the headline, with the documented
additions of ``labels.ADJUDICATED`` and with mostly-free-text columns predicting nothing
(see ``docs/evaluation.md``).

Vanilla Presidio (default recognizers, same spaCy pipeline, no column name) reads the
same assets: up to ``--vanilla-values`` non-null values per column, and a column is
predicted as type T when at least ``VANILLA_SHARE`` of them have a T finding scoring
at least ``VANILLA_MIN_SCORE``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from piiscan.config import Config
from piiscan.policy import Policy, load_policy

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluate_columns import Counts  # benchmarks/evaluate_columns.py, beside this script
from labels import ADJUDICATED, DATAHUB  # benchmarks/labels.py, beside this script

LABELS_FILE = "expected_infotypes_IDEAL.json"
EXTENSIONS = (".csv", ".xlsx")
VANILLA_VALUES = 200
VANILLA_SHARE = 0.3
VANILLA_MIN_SCORE = 0.5
#: datahub-classify's own figures (its README, threshold 0.6); other types 1.0 / 1.0.
PUBLISHED = {"Full_Name": (0.83, 0.71), "Age": (0.82, None)}

#: dataset -> column -> info type
Gold = Mapping[str, Mapping[str, str]]
#: dataset -> column -> {piiscan entity type: share of values}
Predicted = Mapping[str, Mapping[str, Mapping[str, float]]]

SCORED_TYPES = frozenset(t for t in DATAHUB.values() if t)


def info_type(entity: str) -> str:
    """The datahub name(s) of a piiscan type (``IP_Address_v4|IP_Address_v6``)."""
    return "|".join(sorted(k for k, v in DATAHUB.items() if v == entity))


@dataclass(frozen=True)
class Disagreement:
    dataset: str
    column: str
    gold: str
    predicted: tuple[str, ...]
    shares: tuple[tuple[str, float], ...]

    def line(self) -> str:
        shares = ", ".join(f"{t} {s:.2f}" for t, s in self.shares) or "-"
        return (
            f"{self.dataset} :: {self.column}  gold {self.gold or '-'}  "
            f"predicted {','.join(self.predicted) or '-'}  (shares: {shares})"
        )


@dataclass
class Result:
    micro: Counts = field(default_factory=Counts)
    per_type: dict[str, Counts] = field(default_factory=dict)
    per_category: dict[str, Counts] = field(default_factory=dict)
    categories: Counts = field(default_factory=Counts)
    positives: int = 0
    negatives: int = 0
    excluded: int = 0
    disagreements: list[Disagreement] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "positives": self.positives,
            "negatives": self.negatives,
            "excluded": self.excluded,
            "micro": self.micro.to_dict(),
            "category_micro": self.categories.to_dict(),
            "per_type": {k: v.to_dict() for k, v in sorted(self.per_type.items())},
            "per_category": {k: v.to_dict() for k, v in sorted(self.per_category.items())},
            "disagreements": [
                {
                    "dataset": d.dataset,
                    "column": d.column,
                    "gold": d.gold,
                    "predicted": list(d.predicted),
                    "shares": dict(d.shares),
                }
                for d in self.disagreements
            ],
        }


def _categories(types: Iterable[str], policy: Policy) -> set[str]:
    return {c for t in types if (rule := policy.rule(t)) for c in rule.categories}


def score(
    gold: Gold,
    predicted: Predicted,
    policy: Policy | None = None,
    free_text: frozenset[tuple[str, str]] = frozenset(),
) -> Result:
    """Score the datasets in ``predicted`` (the shipped, scanned ones) against ``gold``.

    A gold column absent from ``predicted`` counts as missed (the scan never saw it).
    Columns in ``free_text`` ((dataset, column) pairs) predict no info type: what a text
    mentions is not what the column is.
    """
    policy = policy or load_policy()
    res = Result()
    for dataset in sorted(predicted):
        labelled = gold.get(dataset, {})
        columns = predicted[dataset]
        for column in sorted(set(labelled) | set(columns)):
            label = labelled.get(column, "")
            if label and DATAHUB.get(label) is None:
                res.excluded += 1  # unscored type (Swift_Code) or unknown label
                continue
            gold_t = {DATAHUB[label]} if label else set()
            shares = columns.get(column, {})
            text = (dataset, column) in free_text
            pred_t = set() if text else {t for t in shares if t in SCORED_TYPES}
            res.positives += bool(gold_t)
            res.negatives += not gold_t
            res.micro.add(gold_t, pred_t)
            for t in gold_t | pred_t:
                name = label if t in gold_t else info_type(t)
                res.per_type.setdefault(name, Counts()).add(gold_t & {t}, pred_t & {t})
            gold_c, pred_c = _categories(gold_t, policy), _categories(pred_t, policy)
            res.categories.add(gold_c, pred_c)
            for c in gold_c | pred_c:
                res.per_category.setdefault(c, Counts()).add(gold_c & {c}, pred_c & {c})
            if gold_t != pred_t:
                res.disagreements.append(
                    Disagreement(
                        dataset,
                        column,
                        label,
                        tuple(sorted(info_type(t) for t in pred_t)),
                        tuple(sorted((t, round(s, 3)) for t, s in shares.items())),
                    )
                )
    return res


# -- reading the benchmark -----------------------------------------------------------
def load_gold(data: Path) -> dict[str, dict[str, str]]:
    return json.loads((data / LABELS_FILE).read_text(encoding="utf-8"))


def shipped(data: Path, gold: Gold) -> dict[str, Path]:
    """dataset name -> file, for the labelled datasets present in ``datasets/``."""
    files = sorted(p for p in (data / "datasets").iterdir() if p.suffix.lower() in EXTENSIONS)
    return {p.name[: -len(p.suffix)]: p for p in files if p.name[: -len(p.suffix)] in gold}


def adjudicated(gold: Gold) -> dict[str, dict[str, str]]:
    """``gold`` plus the documented additions of :data:`labels.ADJUDICATED`."""
    out = {k: dict(v) for k, v in gold.items()}
    for dataset, columns in ADJUDICATED.items():
        for column, label in columns.items():
            out.setdefault(dataset, {}).setdefault(column, label)
    return out


def free_text_columns(values: Mapping[str, Mapping[str, list[str]]]) -> frozenset:
    """(dataset, column) pairs whose sampled values are mostly free text."""
    from piiscan.classification import looks_like_free_text

    return frozenset(
        (dataset, column)
        for dataset, columns in values.items()
        for column, vals in columns.items()
        if vals and sum(map(looks_like_free_text, vals)) / len(vals) >= 0.5
    )


# -- piiscan -------------------------------------------------------------------------
def piiscan_predictions(files: Mapping[str, Path], config: Config) -> dict[str, dict]:
    """dataset -> column -> {personal entity type: share}, from one Scanner."""
    from piiscan.scanning.scanner import Scanner

    scanner = Scanner(config)
    out: dict[str, dict[str, dict[str, float]]] = {}
    for dataset, path in files.items():
        inventory = scanner.scan([str(path)])
        for error in inventory.errors:
            print(f"warning: {dataset}: {error.reason}", file=sys.stderr)
        columns = out.setdefault(dataset, {})
        for asset in inventory.assets:
            for f in asset.fields:
                columns.setdefault(f.name, {}).update(
                    {e.type: e.share for e in f.entities if scanner.policy.is_personal(e.type)}
                )
    return out


# -- vanilla Presidio ----------------------------------------------------------------
def column_values(path: Path, config: Config, limit: int) -> dict[str, list[str]]:
    """Up to ``limit`` non-null values per column, read by piiscan's file connector."""
    from piiscan.connectors.files import FileConnector
    from piiscan.scanning.column import to_text

    values: dict[str, list[str]] = {}
    connector = FileConnector(str(path), config)
    try:
        for asset in connector.assets():
            for batch in asset.batches():
                for name, column in zip(batch.schema.names, batch.columns, strict=True):
                    bucket = values.setdefault(name, [])
                    for raw in column.to_pylist():
                        text = to_text(raw)
                        if text is not None and len(bucket) < limit:
                            bucket.append(text[: config.max_cell_chars])
                if all(len(v) >= limit for v in values.values()):
                    break
    finally:
        connector.close()
    return values


def vanilla_analyzer(spacy_model: str | None) -> Any:
    """Presidio's default recognizers on the same spaCy pipeline, built without downloads.

    The e-mail recognizer validates domains on the bundled suffix list (same patterns;
    the default one tries to fetch the list from the network first).
    """
    from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine, RecognizerRegistry

    from piiscan.detectors.nlp import resolve_model
    from piiscan.detectors.presidio_engines import PreloadedSpacyEngine
    from piiscan.detectors.presidio_recognizers import OfflineEmailRecognizer

    engine = PreloadedSpacyEngine(resolve_model(spacy_model).nlp, "en")
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=engine)
    registry.remove_recognizer("EmailRecognizer")
    registry.add_recognizer(OfflineEmailRecognizer())
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])
    return BatchAnalyzerEngine(analyzer)


def vanilla_column(values: list[str], batch: Any) -> dict[str, float]:
    """{type: share} for the types that reach ``VANILLA_SHARE`` of the values."""
    from piiscan.detectors.presidio_steps import ENTITY_ALIASES

    if not values:
        return {}
    distinct = list(dict.fromkeys(values))
    found: dict[str, set[str]] = {}
    for text, results in zip(
        distinct, batch.analyze_iterator(distinct, "en", batch_size=100), strict=True
    ):
        for t in {
            ENTITY_ALIASES.get(r.entity_type, r.entity_type)
            for r in results
            if r.score >= VANILLA_MIN_SCORE
        }:
            found.setdefault(t, set()).add(text)
    shares = {t: sum(v in hits for v in values) / len(values) for t, hits in found.items()}
    return {t: s for t, s in shares.items() if s >= VANILLA_SHARE}


def vanilla_predictions(
    values: Mapping[str, Mapping[str, list[str]]], spacy_model: str | None
) -> dict[str, dict]:
    """dataset -> column -> {type: share} by the vanilla rule, on the sampled values."""
    batch = vanilla_analyzer(spacy_model)
    return {
        dataset: {column: vanilla_column(vals, batch) for column, vals in columns.items()}
        for dataset, columns in values.items()
    }


# -- output --------------------------------------------------------------------------
def render(name: str, res: Result, elapsed: float, verbose: bool) -> str:
    def row(label: str, c: Counts, extra: str = "") -> str:
        return (
            f"  {label:<32} P {c.precision:.3f}  R {c.recall:.3f}  F1 {c.f1:.3f}"
            f"  (tp {c.tp}, fp {c.fp}, fn {c.fn}){extra}"
        )

    def published(label: str) -> str:
        if label not in DATAHUB or label not in {k for k, v in DATAHUB.items() if v}:
            return ""
        p, r = PUBLISHED.get(label, (1.0, 1.0))
        return f"   [datahub: P {p:.2f} R {r:.2f}]" if r is not None else f"   [datahub: P {p:.2f}]"

    lines = [
        f"{name}: {res.positives} labelled columns, {res.negatives} negatives, "
        f"{res.excluded} excluded; {elapsed:.1f} s",
        row("micro (column, info type)", res.micro),
        row("micro (column, category)", res.categories),
        "  per info type:",
        *(row(k, v, published(k)) for k, v in sorted(res.per_type.items())),
        "  per category:",
        *(row(k, v) for k, v in sorted(res.per_category.items())),
    ]
    if verbose:
        lines.append("  disagreements:")
        lines.extend("    " + d.line() for d in res.disagreements)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="datahub-classify folder")
    parser.add_argument("--spacy-model", default=None)
    parser.add_argument("--no-vanilla", action="store_true", help="skip vanilla Presidio")
    parser.add_argument("--vanilla-values", type=int, default=VANILLA_VALUES)
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")
    parser.add_argument("--verbose", "-v", action="store_true", help="list disagreements")
    args = parser.parse_args(argv)

    gold = load_gold(args.data)
    files = shipped(args.data, gold)
    # detection is measured: reserved/test values count as real (--no-default-allow-list)
    config = Config(spacy_model=args.spacy_model, progress=False, ignore_reserved=False)
    policy = load_policy()
    started = time.perf_counter()
    values = {d: column_values(p, config, args.vanilla_values) for d, p in files.items()}
    text_columns = free_text_columns(values)
    report: dict[str, Any] = {
        "datasets": len(files),
        "free_text_columns": sorted(f"{d} :: {c}" for d, c in text_columns),
        "read_seconds": round(time.perf_counter() - started, 1),
    }
    runs = [("piiscan", lambda: piiscan_predictions(files, config))]
    if not args.no_vanilla:
        label = "vanilla Presidio (default recognizers, same spaCy model)"
        runs.append((label, lambda: vanilla_predictions(values, config.spacy_model)))
    for name, run in runs:
        started = time.perf_counter()
        predicted = run()
        elapsed = time.perf_counter() - started
        headline = score(adjudicated(gold), predicted, policy, text_columns)
        published = score(gold, predicted, policy)
        report[name] = {
            "seconds": round(elapsed, 1),
            "adjudicated": headline.to_dict(),
            "as_published": published.to_dict(),
        }
        if not args.json:
            print(
                render(
                    f"{name}, adjudicated labels, free-text columns unscored",
                    headline,
                    elapsed,
                    args.verbose,
                )
            )
            print(
                render(
                    f"{name}, labels as published, every column", published, elapsed, args.verbose
                )
            )
    if args.json:
        print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
