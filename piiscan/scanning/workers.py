"""``--jobs N``: a pool of processes that analyse chunks of distinct values.

Each worker builds the detectors once (its initializer loads the NLP model) and then
only answers ``analyze`` calls; the scanning process keeps reading, deduplicating and
accumulating, in order, so an inventory does not depend on the number of jobs. Workers
are started with ``spawn`` (spaCy and Presidio hold threads and file handles that a
``fork`` would copy in an unknown state).
"""

from __future__ import annotations

import logging
import math
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from piiscan.config import Config
from piiscan.model import Span
from piiscan.plugins import Detector
from piiscan.registry import build_detectors, default_registry
from piiscan.scanning.detect import analyze_with

#: Fewest values in one task: each detector call has a fixed cost (the prefilter's
#: regexes are compiled per call), so tiny tasks waste it.
MIN_TASK = 1_000

_detectors: list[Detector] = []


def _init(config: Config) -> None:
    # The scanning process has already said what model it runs with (the rule-only
    # warning comes once per run, not once per worker).
    logging.getLogger("piiscan.detectors.nlp").setLevel(logging.ERROR)
    global _detectors
    _detectors = build_detectors(config, default_registry)


class Spans(list[list[Span]]):
    """A worker's spans per text, with the detectors' notes of that call (``notes``: a
    pattern skipped after its time limit) for the scanning process to attach."""

    notes: list[str]


def _analyze(
    texts: list[str], field: str | None, entities: frozenset[str] | None
) -> list[list[Span]]:
    out = Spans(analyze_with(_detectors, texts, field, entities))
    out.notes = [n for d in _detectors for n in d.take_notes()]
    return out


def split(values: Sequence[int], jobs: int) -> list[list[int]]:
    """``values`` in about ``jobs`` consecutive pieces of at least ``MIN_TASK`` (in order)."""
    if not values:
        return []
    size = max(MIN_TASK, math.ceil(len(values) / jobs))
    return [list(values[i : i + size]) for i in range(0, len(values), size)]


class WorkerPool:
    """``jobs`` processes with the scan's detectors, built from ``config``."""

    def __init__(self, config: Config, jobs: int) -> None:
        self.jobs = jobs
        self._executor = ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init,
            initargs=(config,),
        )

    def submit(
        self, texts: list[str], field: str | None, entities: frozenset[str] | None
    ) -> Future[list[list[Span]]]:
        return self._executor.submit(_analyze, texts, field, entities)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
