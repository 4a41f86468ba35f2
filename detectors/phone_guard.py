"""Presidio's phone recognizer behind a digit count: the costliest recognizer skips the
texts too short of digits to hold a phone number (the prefilter's phone gate is the same
count, :mod:`piiscan.detectors.prefilter`)."""

from __future__ import annotations

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer import predefined_recognizers as pr
from presidio_analyzer.nlp_engine import NlpArtifacts

from piiscan.detectors.presidio_speedups import MemoPhoneMatcher, number_region

#: No region's valid number has fewer digits.
MIN_PHONE_DIGITS = 6

_DIGIT = re.compile(r"\d")


class DigitGuardedPhoneRecognizer(pr.PhoneRecognizer):
    """Presidio's phone recognizer, skipped for texts with too few digits to hold a number,
    over the memoised matcher of :mod:`.presidio_speedups` (same matches).

    ``phonenumbers`` scans the text once per region, the costliest step for short code or
    log lines; no region's valid number has fewer than ``MIN_PHONE_DIGITS`` digits.
    """

    leniency: int  # Presidio's parameter is optional, its default 1 (None fails in phonenumbers)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if len(_DIGIT.findall(text)) < MIN_PHONE_DIGITS:
            return []
        results = []
        for region in self.supported_regions:
            for match in MemoPhoneMatcher(text, region, leniency=self.leniency):
                # The explanation names the number's own region when it is written in
                # international form, else the region it was matched for.
                named = number_region(text[match.start : match.end]) or region
                results.append(self._get_recognizer_result(match, text, named, nlp_artifacts))
        return EntityRecognizer.remove_duplicates(results)
