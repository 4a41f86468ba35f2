"""piiscan's own Presidio recognizers: rule-based, no NLP model needed.

:func:`custom_recognizers` returns fresh instances (supported language ``en``) for the
entity types of the default policy that Presidio does not cover. Each is a
:class:`~piiscan.detectors.recognizers.base.RuleRecognizer`: patterns and vocabularies
with low base scores where a value alone is ambiguous, lifted by context words found in
the column name (``analyze(..., context=[...])``) or around the match in text.
"""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer

from piiscan.detectors.recognizers.base import Rule, RuleRecognizer
from piiscan.detectors.recognizers.contact import contextual_phone
from piiscan.detectors.recognizers.credentials import all_credential_recognizers
from piiscan.detectors.recognizers.location import all_location_recognizers
from piiscan.detectors.recognizers.national_ids import us_driver_license_formats
from piiscan.detectors.recognizers.online import all_online_recognizers
from piiscan.detectors.recognizers.personal import age, birth_year, date_of_birth
from piiscan.detectors.recognizers.professional import all_professional_recognizers
from piiscan.detectors.recognizers.vehicle import vehicle_id
from piiscan.detectors.recognizers.vocabulary import all_vocabulary_recognizers

__all__ = ["Rule", "RuleRecognizer", "custom_recognizers"]


def custom_recognizers() -> list[EntityRecognizer]:
    """Fresh instances of all piiscan recognizers."""
    return [
        date_of_birth(),
        birth_year(),
        age(),
        *all_vocabulary_recognizers(),
        *all_location_recognizers(),
        *all_online_recognizers(),
        contextual_phone(),
        us_driver_license_formats(),
        *all_credential_recognizers(),
        *all_professional_recognizers(),
        vehicle_id(),
    ]
