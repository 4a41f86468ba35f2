#!/usr/bin/env python3
"""Free-text scoring of piiscan's detector on presidio-research's synthetic set.

    .venv/bin/python benchmarks/evaluate_spans.py --vanilla \
        --data ../shared/benchmarks/presidio-research/synth_dataset_v2.json \
        --spacy-model ../shared/models/en_ner_distilled_sm-0.1.1

Two figures per run (see ``span_scoring.py``): **token level**, presidio-research's own
evaluation and the one its published figures use, and **span overlap**. Labels map to
piiscan types through ``labels.PRESIDIO_RESEARCH`` (``DATE_TIME`` and ``ORGANIZATION``
are not scored; a ``TITLE`` that is an honorific such as "Mr." is not scored, the others
are job titles). piiscan's finer protected-class types (``NATIONALITY``, ``RELIGION``,
``ETHNICITY``, ``POLITICAL_OPINION``) count as Presidio's ``NRP``. Predictions of other
types and below ``--min-score`` are ignored. ``--vanilla`` scores Presidio's default
recognizers on the same spaCy pipeline in the same run.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

from piiscan.config import Config
from piiscan.detectors.presidio_detector import PresidioDetector
from piiscan.model import Span

sys.path.insert(0, str(Path(__file__).resolve().parent))
import labels as _labels
from span_scoring import (
    format_counts,
    gold_spans,
    ratio,
    score_overlap,
    score_tokens,
    totals,
)

LABELS = _labels.PRESIDIO_RESEARCH
SCORED = frozenset(v for v in LABELS.values() if v)
HONORIFIC = re.compile(r"(?i)(?:mr|mrs|ms|miss|mx|dr|prof|sir|dame)\.?")
NRP_FAMILY = frozenset({"NATIONALITY", "RELIGION", "ETHNICITY", "POLITICAL_OPINION"})


def label_of(label: str, value: str) -> str | None:
    """The piiscan type a gold label is scored as (None: not scored)."""
    if label == "TITLE" and HONORIFIC.fullmatch(value.strip()):
        return None
    return LABELS.get(label)


def as_scored(spans: list[Span]) -> list[Span]:
    """Predictions under the benchmark's names (NATIONALITY… → NRP)."""
    return [
        Span("NRP", s.start, s.end, s.score, s.detector) if s.entity_type in NRP_FAMILY else s
        for s in spans
    ]


def vanilla_predictions(texts: list[str], spacy_model: str | None) -> list[list[Span]]:
    """Presidio's default recognizers over the same spaCy pipeline (no piiscan rules)."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry

    from piiscan.detectors.nlp import resolve_model
    from piiscan.detectors.presidio_engines import PreloadedSpacyEngine
    from piiscan.detectors.presidio_steps import ENTITY_ALIASES

    engine = PreloadedSpacyEngine(resolve_model(spacy_model).nlp, "en")
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


def report(
    name: str, records: list[dict], predictions: list[list[Span]], min_score: float, elapsed: float
) -> dict[str, dict[str, float]]:
    """Print both views; return the micro figures."""
    texts = [r["full_text"] for r in records]
    gold = [gold_spans(r, label_of) for r in records]
    predictions = [as_scored(p) for p in predictions]
    print(f"{name}: {len(texts)} texts in {elapsed:.1f} s")
    out = {}
    for title, counts in (
        ("token level", score_tokens(texts, gold, predictions, SCORED, min_score)),
        ("span overlap", score_overlap(gold, predictions, SCORED, min_score)),
    ):
        lines = format_counts(title, counts)
        print("\n".join(lines))
        tp, fp, fn = totals(counts)
        out[title] = {"precision": ratio(tp, tp + fp), "recall": ratio(tp, tp + fn)}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--spacy-model", default=None)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--min-score", type=float, default=0.5)
    parser.add_argument("--json", type=Path, default=None, help="also write the micro figures")
    parser.add_argument(
        "--vanilla",
        action="store_true",
        help="also score Presidio's default recognizers on the same model",
    )
    args = parser.parse_args()
    records = json.loads(args.data.read_text(encoding="utf-8"))[: args.limit]
    texts = [r["full_text"] for r in records]
    detector = PresidioDetector(Config(spacy_model=args.spacy_model, ignore_reserved=False))
    started = time.perf_counter()
    predictions = detector.analyze(texts)
    figures = {
        "piiscan": report(
            f"piiscan ({detector.describe()})",
            records,
            predictions,
            args.min_score,
            time.perf_counter() - started,
        )
    }
    if args.vanilla:
        started = time.perf_counter()
        predictions = vanilla_predictions(texts, args.spacy_model)
        figures["vanilla"] = report(
            "vanilla Presidio (default recognizers, same spaCy model)",
            records,
            predictions,
            args.min_score,
            time.perf_counter() - started,
        )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
