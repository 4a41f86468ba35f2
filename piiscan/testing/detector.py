"""The detector contract: one list of spans per text, spans inside their text, declared
types, and no exception on hostile strings."""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import ClassVar

import pytest

from piiscan.config import Config
from piiscan.model import Hint, Span
from piiscan.plugins import Detector
from piiscan.policy import EntitySpec, load_policy
from piiscan.testing.hostile_text import HUGE_CHARS, hostile_texts

_HOSTILE = hostile_texts(HUGE_CHARS)
_ORDINARY = ["", "hello", "jane.roe@example.com", "call +1 415 555 0100", "12345", "x" * 300]


def check_spans(texts: Sequence[str], found: object) -> list[list[Span]]:
    """``found`` is one list of :class:`Span` per text, each span inside its text with a
    score in [0, 1]; returned typed. AssertionError saying what is wrong otherwise."""
    assert isinstance(found, list), f"analyze() returned {type(found).__name__}, not a list"
    assert len(found) == len(texts), f"{len(found)} span lists for {len(texts)} texts"
    for i, (text, spans) in enumerate(zip(texts, found, strict=True)):
        assert isinstance(spans, list), f"text #{i}: {type(spans).__name__}, not a list"
        for span in spans:
            assert isinstance(span, Span), f"text #{i}: {type(span).__name__}, not a Span"
            assert isinstance(span.entity_type, str) and span.entity_type, f"text #{i}: no type"
            assert 0 <= span.start < span.end <= len(text), (
                f"text #{i}: {span.entity_type} span {span.start}:{span.end} outside its "
                f"text of {len(text)} characters"
            )
            assert 0.0 <= span.score <= 1.0, f"text #{i}: score {span.score} outside [0, 1]"
    return found


class DetectorContract:
    """Subclass as ``class TestMyDetector(DetectorContract)`` and set :attr:`detector_class`
    (and :attr:`examples`); override :meth:`make_config` for a detector that needs settings.
    """

    detector_class: ClassVar[type[Detector]]
    #: (text, entity type) pairs the detector must find.
    examples: ClassVar[Sequence[tuple[str, str]]] = ()
    #: Hostile cases (:func:`hostile_texts` names) known to raise, with the reason: they
    #: are expected to fail (xfail) until fixed, and a fixed one fails the check so the
    #: entry is removed.
    known_failures: ClassVar[Mapping[str, str]] = {}

    def make_config(self) -> Config:
        """The config the detector is built with (no NER model by default)."""
        return Config(spacy_model="none")

    @pytest.fixture(scope="class")
    def detector(self) -> Detector:
        return self.detector_class(self.make_config())

    def test_declares_its_name_and_entity_types(self) -> None:
        cls = self.detector_class
        assert isinstance(cls.name, str) and cls.name, "a detector needs a name"
        assert isinstance(cls.description, str)
        declared = cls.entity_types
        assert isinstance(declared, Mapping)
        categories = load_policy().categories
        for entity, spec in declared.items():
            assert isinstance(entity, str) and entity, "entity types are non-empty strings"
            assert isinstance(spec, EntitySpec), f"{entity}: declare it with an EntitySpec"
            unknown = [c for c in spec.categories if c not in categories]
            assert not unknown, f"{entity}: categories not in the default policy: {unknown}"

    def test_returns_one_list_per_text(self, detector: Detector) -> None:
        assert detector.analyze([]) == []
        check_spans(_ORDINARY, detector.analyze(_ORDINARY))
        check_spans(_ORDINARY, detector.analyze(_ORDINARY, field="contact"))

    def test_finds_its_examples_inside_the_text(self, detector: Detector) -> None:
        texts = [text for text, _ in self.examples]
        found = check_spans(texts, detector.analyze(texts))
        for (text, entity), spans in zip(self.examples, found, strict=True):
            assert entity in {s.entity_type for s in spans}, f"{entity} not found in {text!r}"

    def test_emits_only_types_a_policy_knows(self, detector: Detector) -> None:
        """Every type found in the examples is declared, or in the default policy: an
        undeclared one would never be reported."""
        texts = [text for text, _ in self.examples] + _ORDINARY
        known = set(load_policy().rules) | set(self.detector_class.entity_types)
        for spans in check_spans(texts, detector.analyze(texts)):
            for span in spans:
                assert span.entity_type in known, (
                    f"{span.entity_type} is neither declared in entity_types nor in the "
                    f"default policy"
                )

    def test_entities_argument_limits_the_types(self, detector: Detector) -> None:
        if "entities" not in inspect.signature(detector.analyze).parameters:
            pytest.skip("analyze() takes no entities argument (the scanner filters)")
        texts = [text for text, _ in self.examples] + _ORDINARY
        wanted = frozenset({entity for _, entity in self.examples[:1]})
        found = check_spans(texts, detector.analyze(texts, field=None, entities=wanted))
        assert {s.entity_type for spans in found for s in spans} <= wanted

    @pytest.mark.parametrize("case", sorted(_HOSTILE))
    def test_never_raises_on_hostile_text(self, detector: Detector, case: str) -> None:
        texts = [_HOSTILE[case]]
        known = self.known_failures.get(case)
        try:
            check_spans(texts, detector.analyze(texts))
            check_spans(texts, detector.analyze(texts, field=case))
        except Exception as exc:
            if known is None:
                raise
            pytest.xfail(f"known failure ({known}): {type(exc).__name__}")
        assert known is None, f"{case!r} passes now: remove it from known_failures"

    @pytest.mark.parametrize("field", ["email", "", "名前", "x" * 1_000, "\x00\ud800"])
    def test_field_hints_are_hints(self, detector: Detector, field: str) -> None:
        hints = detector.field_hints(field)
        assert isinstance(hints, list)
        assert all(isinstance(h, Hint) for h in hints)

    def test_describes_itself_on_one_line(self, detector: Detector) -> None:
        described = detector.describe()
        assert isinstance(described, str) and described and "\n" not in described
        assert isinstance(detector.take_notes(), list)
