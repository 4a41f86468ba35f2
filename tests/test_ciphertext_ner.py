"""The ``encrypt`` operator's ciphertext is read as no name, place or group.

NER tagged pieces of ciphertext (``…vFGm-mxhoxQ…``) as PERSON, LOCATION, NRP or
ORGANIZATION, so a copy made with ``examples/reversible-policy.yaml`` failed its own
verification for about half of the keys (the README's anonymize/deanonymize steps).
"""

from __future__ import annotations

import random
import secrets

import pytest

from piiscan.anonymize.operators import _aes_cbc
from piiscan.config import Config
from piiscan.detectors.presidio_detector import PresidioDetector
from piiscan.detectors.reserved import ciphertext_regions

NER_TYPES = {"PERSON", "LOCATION", "NRP", "ORGANIZATION"}


def _ciphertexts(seed: int, n: int) -> list[str]:
    """What the encrypt operator writes for e-mails, phones and notes, under random keys."""
    rng = random.Random(seed)
    plain = ["user{}@example.com", "(212) 555-01{:02d}", "note {} of a longer free text field"]
    return [
        _aes_cbc(rng.randbytes(32), rng.randbytes(32), plain[i % 3].format(i % 100))
        for i in range(n)
    ]


@pytest.mark.parametrize("token", _ciphertexts(1, 30))
def test_ciphertext_is_a_region(token: str) -> None:
    text = f"Reach me on {token}, thanks."
    assert [text[a:b] for a, b in ciphertext_regions(text)] == [token]


@pytest.mark.parametrize(
    "text",
    [
        "key " + "Ab1" * 14 + "A",  # 43 characters: no whole base64 quantum
        "sha256 " + "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "slug " + "-".join(["john", "smith", "2019", "profile"] * 3),  # no upper case
        "Thanks, Ruby Khan",
    ],
)
def test_other_text_is_no_ciphertext(text: str) -> None:
    assert ciphertext_regions(text) == []


@pytest.fixture(scope="module")
def detector(spacy_model: str) -> PresidioDetector:
    return PresidioDetector(Config(spacy_model=spacy_model))


def test_ner_reads_no_name_place_or_group_in_ciphertext(detector: PresidioDetector) -> None:
    tokens = _ciphertexts(7, 400)
    texts = [
        f"Please update my details. You can reach me on {a} or at {b}. "
        f"Thanks, Person {secrets.token_hex(6).upper()}"
        for a, b in zip(tokens[::2], tokens[1::2], strict=True)
    ]
    found = [
        (text[s.start : s.end], s.entity_type)
        for text, spans in zip(texts, detector.analyze(texts), strict=True)
        for s in spans
        if s.entity_type in NER_TYPES and not s.reserved
    ]
    assert found == []


def test_a_name_beside_ciphertext_is_still_found(detector: PresidioDetector) -> None:
    [token] = _ciphertexts(3, 1)
    text = f"My new address is {token}. Regards, Ruby Khan from Leeds"
    [spans] = detector.analyze([text])
    people = {text[s.start : s.end] for s in spans if s.entity_type == "PERSON"}
    assert "Ruby Khan" in people
