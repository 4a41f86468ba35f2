#!/usr/bin/env python3
"""Span-level scoring of piiscan's detector on free text (presidio-research's synthetic set).

    .venv/bin/python benchmarks/evaluate_spans.py \
        --data ../shared/benchmarks/presidio-research/synth_dataset_v2.json \
        --spacy-model ../shared/models/en_ner_distilled_sm-0.1.1

A predicted span is a true positive when it overlaps an unmatched gold span of the same
(mapped) type and scores at least ``--min-score``; labels with no piiscan counterpart
(``DATE_TIME``, ``ORGANIZATION``) are not scored, and predictions of types outside the
mapping are ignored. ``--vanilla`` scores Presidio's default recognizers on the same
spaCy pipeline in the same run.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

from piiscan.config import Config
from piiscan.detectors.presidio_detector import PresidioDetector
from piiscan.model import Span

# presidio-research label -> piiscan entity type (None: not scored)
LABELS = {
    "PERSON": "PERSON",
    "STREET_ADDRESS": "STREET_ADDRESS",
    "GPE": "LOCATION",
    "PHONE_NUMBER": "PHONE_NUMBER",
    "CREDIT_CARD": "CREDIT_CARD",
    "EMAIL_ADDRESS": "EMAIL_ADDRESS",
    "IBAN_CODE": "IBAN_CODE",
    "US_SSN": "US_SSN",
    "NRP": "NRP",
    "IP_ADDRESS": "IP_ADDRESS",
    "ZIP_CODE": "POSTAL_CODE",
    "AGE": "AGE",
    "US_DRIVER_LICENSE": "US_DRIVER_LICENSE",
    "TITLE": "JOB_TITLE",
    "DOMAIN_NAME": "URL",
    "DATE_TIME": None,
    "ORGANIZATION": None,
}
SCORED = {v for v in LABELS.values() if v}


def score(records: list[dict], predictions: list[list], min_score: float) -> dict[str, Counter]:
    """Per-type true positives, false positives and false negatives."""
    counts = {"tp": Counter(), "fp": Counter(), "fn": Counter()}
    for record, spans in zip(records, predictions, strict=True):
        gold = [
            (LABELS.get(s["entity_type"]), s["start_position"], s["end_position"])
            for s in record["spans"]
        ]
        gold = [g for g in gold if g[0]]
        used: set[int] = set()
        for s in spans:
            if s.score < min_score or s.entity_type not in SCORED:
                continue
            hit = next(
                (
                    i
                    for i, (t, a, b) in enumerate(gold)
                    if i not in used and t == s.entity_type and s.start < b and a < s.end
                ),
                None,
            )
            if hit is None:
                counts["fp"][s.entity_type] += 1
            else:
                used.add(hit)
                counts["tp"][s.entity_type] += 1
        for i, (t, _, _) in enumerate(gold):
            if i not in used:
                counts["fn"][t] += 1
    return counts


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def vanilla_predictions(texts: list[str], spacy_model: str | None) -> list[list[Span]]:
    """Presidio's default recognizers over the same spaCy pipeline (no piiscan rules)."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry

    from piiscan.detectors.nlp import resolve_model
    from piiscan.detectors.presidio_detector import ENTITY_ALIASES, _PreloadedSpacyEngine

    engine = _PreloadedSpacyEngine(resolve_model(spacy_model).nlp, "en")
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=engine)
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])
    return [
        [
            Span(ENTITY_ALIASES.get(r.entity_type, r.entity_type), r.start, r.end, r.score)
            for r in analyzer.analyze(text, "en")
        ]
        for text in texts
    ]


def report(name: str, counts: dict[str, Counter], elapsed: float, n: int) -> None:
    tp, fp, fn = (sum(counts[k].values()) for k in ("tp", "fp", "fn"))
    print(f"{name}: {n} texts in {elapsed:.1f} s")
    print(
        f"  all scored types  P {_ratio(tp, tp + fp):.3f}  R {_ratio(tp, tp + fn):.3f}"
        f"  (tp {tp}, fp {fp}, fn {fn})"
    )
    for entity in sorted(set().union(*counts.values())):
        t, f, m = counts["tp"][entity], counts["fp"][entity], counts["fn"][entity]
        print(
            f"  {entity:<20} P {_ratio(t, t + f):.2f}  R {_ratio(t, t + m):.2f}"
            f"  (tp {t}, fp {f}, fn {m})"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--spacy-model", default=None)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--min-score", type=float, default=0.5)
    parser.add_argument(
        "--vanilla",
        action="store_true",
        help="also score Presidio's default recognizers on the same model",
    )
    args = parser.parse_args()
    records = json.loads(args.data.read_text(encoding="utf-8"))[: args.limit]
    texts = [r["full_text"] for r in records]
    detector = PresidioDetector(Config(spacy_model=args.spacy_model))
    started = time.perf_counter()
    predictions = detector.analyze(texts)
    report(
        f"piiscan ({detector.describe()})",
        score(records, predictions, args.min_score),
        time.perf_counter() - started,
        len(texts),
    )
    if args.vanilla:
        started = time.perf_counter()
        predictions = vanilla_predictions(texts, args.spacy_model)
        report(
            "vanilla Presidio (default recognizers, same spaCy model)",
            score(records, predictions, args.min_score),
            time.perf_counter() - started,
            len(texts),
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
