"""Cross-recognizer clean-up of Presidio results for one value.

Presidio resolves overlaps only within one entity type. These rules resolve them across
types, and adjust scores where a table cell tells more than free text would:

* a span inside a larger span of another type that scores at least as high, or inside
  a composite identifier (user agent, URL, e-mail address, street address), is part of
  that identifier, not a second finding (the ``PERSON`` inside a user agent);
* a bare-digit national id (NHS, Aadhaar, bank account…) that is also a valid phone
  number and has no supporting context word is a phone number;
* a phone number written with separators or a ``+`` prefix is itself good evidence;
* in a table cell, NER's ``PERSON`` is weak on its own (capitalised product names
  look like names to a small model) and is corroborated by a name lexicon; a cell of a
  column whose name says "surname" only has to be name-shaped; likewise ``LOCATION``
  comes from a place gazetteer in a cell ("Debit" and "Visa" are no places);
* in free text, a one-word NER ``PERSON`` ("Cache warmed manually…") needs the lexicon;
* a whole-cell 1 January date is a birth year (``BIRTH_YEAR``), not a date of birth;
* spans of pseudonym tokens (``Person 3FA9…``, ``LOCATION_3fa9…``) and, with
  ``ignore_reserved`` (the default), of reserved and test values (``example.com``,
  555-01xx, test cards) are set aside (:func:`reserved_flags`): counted, not findings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from presidio_analyzer import RecognizerResult

from piiscan.detectors.address_blocks import merge_addresses
from piiscan.detectors.names import is_name_shaped
from piiscan.detectors.reserved import (
    ciphertext_regions,
    is_reserved_at,
    token_regions,
    value_regions,
)

NER_RECOGNIZER = "SpacyRecognizer"
COMPOSITE_TYPES = frozenset({"USER_AGENT", "URL", "EMAIL_ADDRESS", "STREET_ADDRESS", "CREDENTIAL"})
# Types that are not personal data on their own: they never hide a finding inside them
# (NER reads "a 21 year old" as a DATE_TIME and "Unit 4719 Box" as an ORGANIZATION).
NEVER_SWALLOW = frozenset({"DATE_TIME", "ORGANIZATION"})
# A composite too weak to be reported (a street-shaped line without context) hides nothing.
SWALLOW_MIN_SCORE = 0.5
PHONE_LOOKALIKE_IDS = frozenset(
    {
        "UK_NHS",
        "IN_AADHAAR",
        "US_BANK_NUMBER",
        "US_DRIVER_LICENSE",
        "US_PASSPORT",
        "IN_PASSPORT",
        "US_ITIN",
        "DE_TAX_ID",
        "MEDICAL_LICENSE",
        "PL_PESEL",
    }
)
# Words that, shortly before a number, say which id it is.
ID_CONTEXT = {
    "UK_NHS": ("nhs", "health service", "patient"),
    "IN_AADHAAR": ("aadhaar", "aadhar", "uidai", "uid"),
    "US_BANK_NUMBER": ("account", "acct", "bank"),
    "US_DRIVER_LICENSE": ("license", "licence", "driver", "dl"),
    "US_PASSPORT": ("passport",),
    "IN_PASSPORT": ("passport",),
    "US_ITIN": ("itin", "taxpayer"),
    "DE_TAX_ID": ("steuer", "tax", "idnr", "identifikationsnummer"),
    "MEDICAL_LICENSE": ("dea", "medical license", "licence"),
    "PL_PESEL": ("pesel",),
}
CONTEXT_WINDOW = 60
FULL_NAME_SCORE = 0.7  # lexicon score of a given name plus a name-shaped word, or better
CUED_NAME_SCORE = 0.75  # a known name right after "Dr.", "Mrs", "my name is"
_NAME_WORD = r"[A-Z\u00c0-\u00de][a-z\u00df-\u00ff'\u2019-]{1,24}"
_NAME_RUN = re.compile(
    r"(?P<cue>\b(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Herr|Frau|Mme|Mlle)\.?|"
    r"[Mm]y name is|[Nn]ame:)\s{1,3})?"
    rf"(?P<run>{_NAME_WORD}(?:\s{{1,2}}(?:[A-Z]\.\s{{1,2}})?{_NAME_WORD}){{0,3}})"
)
FORMATTED_PHONE_SCORE = 0.55
CELL_NER_PERSON_SCORE = 0.3
CELL_NER_LOCATION_SCORE = 0.3
NAME_SHAPE_SCORE = 0.4
LEXICON_CORROBORATED = 0.45
_PHONE_SEPARATORS = re.compile(r"[\s().-]")
_DATE_SHAPE = re.compile(r"\d{1,4}([-/.])\d{1,2}\1\d{1,4}")

NameScorer = Callable[[str], float]
ShapeTest = Callable[[str], bool]


def recognizer_of(result: RecognizerResult) -> str:
    return (result.recognition_metadata or {}).get("recognizer_name", "")


def _has_context(result: RecognizerResult) -> bool:
    explanation = result.analysis_explanation
    return bool(explanation and explanation.supportive_context_word)


def _inside(inner: RecognizerResult, outer: RecognizerResult) -> bool:
    return (
        outer is not inner
        and outer.start <= inner.start
        and inner.end <= outer.end
        and (outer.end - outer.start) > (inner.end - inner.start)
    )


def _overlaps(a: RecognizerResult, b: RecognizerResult) -> bool:
    return a is not b and a.start < b.end and b.start < a.end


def drop_contained(results: Sequence[RecognizerResult]) -> list[RecognizerResult]:
    """Drop spans that are parts of a larger span of another type.

    Against a composite identifier, overlapping is enough (a name-like token straddling
    the end of a user agent is still part of it).
    """
    kept = []
    for r in results:
        swallowed = any(
            o.entity_type != r.entity_type
            and o.entity_type not in NEVER_SWALLOW
            and (
                (
                    r.entity_type == "PHONE_NUMBER"  # never a phone inside an IP address
                    and o.entity_type == "IP_ADDRESS"
                    and _overlaps(r, o)
                )
                or (
                    o.entity_type in COMPOSITE_TYPES
                    and r.entity_type not in COMPOSITE_TYPES
                    and o.score >= SWALLOW_MIN_SCORE
                    and _overlaps(r, o)
                    and o.end - o.start > r.end - r.start
                )
                or (_inside(r, o) and o.score >= r.score)
            )
            for o in results
        )
        if not swallowed:
            kept.append(r)
    return kept


def _context_before(text: str, result: RecognizerResult) -> bool:
    window = text[max(0, result.start - CONTEXT_WINDOW) : result.start].lower()
    words = ID_CONTEXT.get(result.entity_type, ())
    return any(re.search(rf"\b{re.escape(w)}", window) for w in words)


def drop_phone_lookalikes(
    text: str, results: Sequence[RecognizerResult], hinted: frozenset[str] = frozenset()
) -> list[RecognizerResult]:
    """Numeric ids that coincide with a phone number need context to stay ids.

    Context is the column name (``hinted``), Presidio's context lift, or an id word
    shortly before the number in the text.
    """
    phones = [r for r in results if r.entity_type == "PHONE_NUMBER"]
    if not phones:
        return list(results)
    return [
        r
        for r in results
        if r.entity_type not in PHONE_LOOKALIKE_IDS
        or r.entity_type in hinted
        or _has_context(r)
        or _context_before(text, r)
        or not any(p.start < r.end and r.start < p.end for p in phones)
    ]


def lift_formatted_phones(text: str, results: Sequence[RecognizerResult]) -> None:
    """A validated phone number written as one (``+44 20 7946 0018``, ``(212) 555-0143``)."""
    for r in results:
        if r.entity_type != "PHONE_NUMBER" or r.score >= FORMATTED_PHONE_SCORE:
            continue
        raw = text[r.start : r.end]
        if _DATE_SHAPE.fullmatch(raw.strip()):
            continue  # 01-02-2011 has two separators too
        if raw.startswith(("+", "(")) or len(_PHONE_SEPARATORS.findall(raw)) >= 2:
            r.score = FORMATTED_PHONE_SCORE


def _is_ner(r: RecognizerResult, entity: str) -> bool:
    return r.entity_type == entity and recognizer_of(r) == NER_RECOGNIZER


def _whole_value(text: str, score: float, source: str, entity: str = "PERSON") -> RecognizerResult:
    stripped = text.strip()
    start = text.find(stripped) if stripped else 0
    metadata = {"recognizer_name": source}
    end = start + len(stripped)
    return RecognizerResult(entity, start, end, score, recognition_metadata=metadata)


def score_cell_person(
    text: str,
    results: list[RecognizerResult],
    name_score: NameScorer,
    name_shaped: ShapeTest | None = None,
    strong: bool = False,
) -> list[RecognizerResult]:
    """In a table cell, PERSON comes from the name lexicon, corroborated by NER.

    ``name_shaped`` is given when the column name points to a person's name: then a
    name-shaped cell of unknown names still counts (at ``NAME_SHAPE_SCORE``) when NER
    agrees, or on its own when the name is a ``strong`` hint (``surname``).
    """
    ner_person = [r for r in results if _is_ner(r, "PERSON")]
    others = [r for r in results if not _is_ner(r, "PERSON")]
    lexicon = name_score(text)
    if lexicon >= LEXICON_CORROBORATED and ner_person:
        lexicon = min(1.0, lexicon + 0.15)
    shape_counts = strong or bool(ner_person)
    if (
        name_shaped is not None
        and shape_counts
        and lexicon < NAME_SHAPE_SCORE
        and name_shaped(text)
    ):
        lexicon = NAME_SHAPE_SCORE
    if lexicon > 0:
        others.append(_whole_value(text, lexicon, "NameLexicon"))
        return others
    for r in ner_person:
        r.score = min(r.score, CELL_NER_PERSON_SCORE)
        others.append(r)
    return others


def score_cell_location(
    text: str, results: list[RecognizerResult], place_score: NameScorer
) -> list[RecognizerResult]:
    """In a table cell, LOCATION comes from the place gazetteer, corroborated by NER.

    NER alone reads categorical cells ("Debit", "Visa") as places; a gazetteer hit
    ("Leeds", "DE") is a place even where NER is silent.
    """
    ner = [r for r in results if _is_ner(r, "LOCATION")]
    others = [r for r in results if not _is_ner(r, "LOCATION")]
    gazetteer = place_score(text)
    if gazetteer > 0:
        score = min(1.0, gazetteer + (0.1 if ner else 0.0))
        others.append(_whole_value(text, score, "PlaceGazetteer", "LOCATION"))
        return others
    for r in ner:
        r.score = min(r.score, CELL_NER_LOCATION_SCORE)
        others.append(r)
    return others


def _starts_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t\"'(")
    return not before or before[-1] in ".!?:;\n"


def check_text_person(
    text: str, results: list[RecognizerResult], name_score: NameScorer
) -> list[RecognizerResult]:
    """In free text, a one-word NER PERSON opening a sentence needs the lexicon.

    At the start of a sentence a capital letter says nothing ("Cache warmed manually…");
    elsewhere NER is trusted.
    """
    return [
        r
        for r in results
        if not _is_ner(r, "PERSON")
        or " " in text[r.start : r.end].strip()
        or not _starts_sentence(text, r.start)
        or name_score(text[r.start : r.end]) > 0
    ]


VALIDATED_SCORE = 0.8  # a checksum- or format-validated pattern outranks NER on its span


def drop_ner_over_patterns(results: Sequence[RecognizerResult]) -> list[RecognizerResult]:
    """NER's reading of a validated identifier's characters ("GB10LORI…" as a place) goes."""
    strong = [
        r for r in results if recognizer_of(r) != NER_RECOGNIZER and r.score >= VALIDATED_SCORE
    ]
    return [
        r
        for r in results
        if recognizer_of(r) != NER_RECOGNIZER
        or not any(_overlaps(r, o) and o.entity_type != r.entity_type for o in strong)
    ]


#: What NER reads (names, places, groups, organisations): never the characters of a token.
NER_TYPES = frozenset({"PERSON", "LOCATION", "NRP", "ORGANIZATION"})


def drop_ner_in_ciphertext(
    text: str, results: Sequence[RecognizerResult]
) -> list[RecognizerResult]:
    """A name, place or group read into the ``encrypt`` operator's ciphertext goes
    (``…vFGm-mxhoxQ…`` as an organisation): an encrypted copy verifies clean."""
    regions = ciphertext_regions(text) if results else []
    if not regions:
        return list(results)
    return [
        r
        for r in results
        if r.entity_type not in NER_TYPES
        or not any(start < r.end and r.start < end for start, end in regions)
    ]


def prefer_birth_year(results: Sequence[RecognizerResult]) -> list[RecognizerResult]:
    """A value read as a birth year (a bare year, a whole-cell 1 January date) is no
    date of birth: a date generalized to its year keeps only the year."""
    years = [r for r in results if r.entity_type == "BIRTH_YEAR"]
    if not years:
        return list(results)
    return [
        r
        for r in results
        if r.entity_type != "DATE_OF_BIRTH" or not any(_overlaps(r, y) for y in years)
    ]


def trim_ner_lines(text: str, results: Sequence[RecognizerResult]) -> None:
    """An NER span never crosses a line break: a name, place or organisation ends there."""
    for r in results:
        if recognizer_of(r) != NER_RECOGNIZER:
            continue
        inner = text[r.start : r.end].strip()
        if "\n" in inner:
            first = inner.split("\n", 1)[0].rstrip()
            r.start = text.index(inner, r.start)
            r.end = r.start + len(first)


def relabel_known_given_names(
    text: str,
    results: list[RecognizerResult],
    name_score: NameScorer,
    place_score: NameScorer | None,
) -> None:
    """A one-word NER ORGANIZATION or LOCATION that the lexicon knows as a given name and
    the gazetteer does not know as a place is a person ("Teresa", "Diana is from…")."""
    for r in results:
        if recognizer_of(r) != NER_RECOGNIZER or r.entity_type not in {"ORGANIZATION", "LOCATION"}:
            continue
        word = text[r.start : r.end].strip()
        if " " in word or not word[:1].isupper():
            continue
        if name_score(word) >= LEXICON_CORROBORATED and not (place_score and place_score(word)):
            r.entity_type = "PERSON"


def lexicon_people(text: str, name_score: NameScorer) -> list[RecognizerResult]:
    """Names in free text that NER missed: runs of capitalised words the lexicon reads as a
    full name ("Cettina Fanucci"), or one known name after a title or "my name is"."""
    found = []
    for match in _NAME_RUN.finditer(text):
        run = match.group("run")
        start = match.start("run")
        score = name_score(run)
        if match.group("cue") and (score >= LEXICON_CORROBORATED - 0.1 or is_name_shaped(run)):
            score = max(score, CUED_NAME_SCORE)
        if score >= FULL_NAME_SCORE or (match.group("cue") and score >= CUED_NAME_SCORE):
            metadata = {"recognizer_name": "NameLexicon"}
            end = start + len(run)
            person = RecognizerResult("PERSON", start, end, score, recognition_metadata=metadata)
            found.append(person)
    return found


def add_lexicon_people(
    text: str, results: list[RecognizerResult], name_score: NameScorer
) -> list[RecognizerResult]:
    """Add the lexicon's names that overlap no PERSON span already found."""
    people = [r for r in results if r.entity_type == "PERSON"]
    extra = [
        r
        for r in lexicon_people(text, name_score)
        if not any(p.start < r.end and r.start < p.end for p in people)
    ]
    return results + extra


#: Spans scoring less count nowhere (the lowest floor of the classification is a hinted
#: type's 0.1), so whether their text is reserved is not asked.
RESERVED_CHECK_FLOOR = 0.1


def reserved_flags(
    text: str, results: Sequence[RecognizerResult], *, values: bool = True
) -> list[bool]:
    """Which spans are set aside: those that touch a pseudonym token (always) and, with
    ``values``, those whose text is a reserved/test value, part of a written number that
    is one, or inside a reserved IBAN or e-mail address."""
    if not results:
        return []
    tokens = token_regions(text)
    regions = value_regions(text) if values else []
    return [
        any(start < r.end and r.start < end for start, end in tokens)
        or (
            values
            and r.score >= RESERVED_CHECK_FLOOR
            and is_reserved_at(r.entity_type, text, r.start, r.end, regions)
        )
        for r in results
    ]


def drop_reserved(text: str, results: Sequence[RecognizerResult]) -> list[RecognizerResult]:
    """``results`` without the spans :func:`reserved_flags` sets aside."""
    flags = reserved_flags(text, results)
    return [r for r, aside in zip(results, flags, strict=True) if not aside]


def clean(
    text: str,
    results: list[RecognizerResult],
    *,
    cell: bool,
    name_score: NameScorer | None = None,
    name_shaped: ShapeTest | None = None,
    strong_name: bool = False,
    hinted: frozenset[str] = frozenset(),
    place_score: NameScorer | None = None,
) -> list[RecognizerResult]:
    """Apply every rule; ``cell`` is True for a short table value, False for free text.

    ``hinted`` holds the entity types the field name points to; ``name_shaped`` is set
    when that name says "a person's name" (``strong_name``: says it strongly). Without
    ``name_score`` (no lexicon) NER's PERSON is kept as it is. Reserved values are
    flagged afterwards (:func:`reserved_flags`), once composites swallowed their parts.
    """
    lift_formatted_phones(text, results)
    if name_score is not None:
        if cell:
            results = score_cell_person(text, results, name_score, name_shaped, strong_name)
        else:
            trim_ner_lines(text, results)
            relabel_known_given_names(text, results, name_score, place_score)
            results = add_lexicon_people(
                text, check_text_person(text, results, name_score), name_score
            )
    if cell and place_score is not None:
        results = score_cell_location(text, results, place_score)
    if not cell:
        results = merge_addresses(text, results, place_score)
    results = drop_phone_lookalikes(text, results, hinted)
    results = drop_contained(drop_ner_over_patterns(prefer_birth_year(results)))
    return drop_ner_in_ciphertext(text, results)
