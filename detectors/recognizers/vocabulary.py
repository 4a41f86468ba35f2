"""Vocabulary recognizers: protected-class and special-category terms as whole words.

Terms come from ``detectors/data/vocabularies.yaml``. Regular terms score ``score``
anywhere, ``strong`` ones ``STRONG_SCORE``; ``weak`` terms (common words such as
*white*, *single*, *other*) and single letters count only as a whole value, with a low
score that the column name can lift; a ``label: term`` pair in text (``Gender: F``)
scores high.
"""

from __future__ import annotations

from collections.abc import Sequence

from piiscan.detectors.recognizers.base import Rule, RuleRecognizer, term_regex, vocabularies

WEAK_SCORE = 0.1
LETTER_SCORE = 0.05
LABELLED_SCORE = 0.6
STRONG_SCORE = 0.6


def vocabulary_recognizer(
    entity: str,
    key: str,
    context: Sequence[str],
    labels: Sequence[str] = (),
    score: float = 0.4,
    extra: Sequence[Rule] = (),
) -> RuleRecognizer:
    """A recognizer for the term lists under ``key`` in the vocabulary file."""
    vocab = vocabularies()[key]
    terms = list(vocab.get("terms", []))
    weak = list(vocab.get("weak", []))
    letters = list(vocab.get("letters", []))
    strong = list(vocab.get("strong", []))
    rules = [Rule("term", term_regex(terms), score)]
    if strong:
        rules.append(Rule("strong_term", term_regex(strong), STRONG_SCORE))
    if weak:
        rules.append(Rule("weak_value", term_regex(weak), WEAK_SCORE, whole_value=True))
    if letters:
        rules.append(Rule("letter_value", term_regex(letters), LETTER_SCORE, whole_value=True))
    if labels:
        label = term_regex(labels)
        rules.append(
            Rule(
                "labelled",
                rf"{label}[\"']?\s{{0,3}}[:=]\s{{0,3}}[\"']?"
                rf"(?P<t>{term_regex(strong + terms + weak + letters)})",
                LABELLED_SCORE,
                group="t",
            )
        )
    return RuleRecognizer(entity, [*rules, *extra], context)


def gender() -> RuleRecognizer:
    return vocabulary_recognizer(
        "GENDER",
        "gender",
        context=[
            "gender",
            "sex",
            "geschlecht",
            "sexe",
            "sexo",
            "genre",
            "genere",
            "sesso",
            "geslacht",
            "gender identity",
        ],
        labels=["gender", "sex", "geschlecht", "sexe", "sexo"],
        score=0.3,
    )


def marital_status() -> RuleRecognizer:
    return vocabulary_recognizer(
        "MARITAL_STATUS",
        "marital_status",
        context=[
            "marital",
            "marital status",
            "civil status",
            "relationship status",
            "familienstand",
            "etat civil",
            "estado civil",
            "stato civile",
            "married",
            "spouse",
        ],
        labels=["marital status", "civil status", "familienstand", "estado civil"],
        score=0.3,
    )


def nationality() -> RuleRecognizer:
    countries = vocabularies()["nationality"]["countries"]
    return vocabulary_recognizer(
        "NATIONALITY",
        "nationality",
        context=[
            "nationality",
            "nationalities",
            "citizenship",
            "citizen",
            "national",
            "staatsangehoerigkeit",
            "staatsangehorigkeit",
            "staatsburgerschaft",
            "staatsbuergerschaft",
            "nationalite",
            "nacionalidad",
            "nazionalita",
            "nationaliteit",
            "passport country",
            "country of citizenship",
        ],
        labels=["nationality", "citizenship", "staatsangehörigkeit", "nationalité", "nacionalidad"],
        score=0.3,
        extra=[Rule("country_value", term_regex(countries), WEAK_SCORE, whole_value=True)],
    )


def ethnicity() -> RuleRecognizer:
    return vocabulary_recognizer(
        "ETHNICITY",
        "ethnicity",
        context=[
            "ethnicity",
            "ethnic",
            "ethnic origin",
            "ethnic group",
            "race",
            "racial",
            "ancestry",
            "heritage",
            "ethnie",
            "etnia",
            "herkunft",
            "abstammung",
            "origine ethnique",
            "origen etnico",
        ],
        labels=["ethnicity", "race", "ethnic origin", "ethnic group"],
    )


def religion() -> RuleRecognizer:
    return vocabulary_recognizer(
        "RELIGION",
        "religion",
        context=[
            "religion",
            "religious",
            "faith",
            "belief",
            "beliefs",
            "denomination",
            "church",
            "worship",
            "konfession",
            "religionszugehoerigkeit",
            "glaube",
            "religione",
            "religión",
            "confession",
            "culte",
        ],
        labels=["religion", "faith", "denomination", "konfession"],
    )


def medical_condition() -> RuleRecognizer:
    icd10 = r"(?-i:[A-TV-Z][0-9][0-9AB](?:\.[0-9A-TV-Z]{1,4})?)"
    return vocabulary_recognizer(
        "MEDICAL_CONDITION",
        "medical_condition",
        context=[
            "diagnosis",
            "diagnoses",
            "diagnosed",
            "diagnose",
            "condition",
            "conditions",
            "medical",
            "illness",
            "disease",
            "disorder",
            "health",
            "patient",
            "symptom",
            "symptoms",
            "treatment",
            "treated",
            "suffers",
            "suffering",
            "chronic",
            "allergy",
            "allergic",
            "comorbidity",
            "icd",
            "icd10",
            "medical history",
            "krankheit",
            "erkrankung",
            "diagnostic",
            "maladie",
            "enfermedad",
            "diagnostico",
            "malattia",
        ],
        labels=["diagnosis", "condition", "medical condition", "diagnose", "illness"],
        extra=[Rule("icd10_value", icd10, 0.05, whole_value=True)],
    )


def political_opinion() -> RuleRecognizer:
    return vocabulary_recognizer(
        "POLITICAL_OPINION",
        "political_opinion",
        context=[
            "political",
            "politics",
            "party",
            "affiliation",
            "political party",
            "vote",
            "voted",
            "voter",
            "voting",
            "ideology",
            "partei",
            "parteizugehoerigkeit",
            "parti",
            "partido",
            "partito",
            "politique",
            "politica",
            "supporter",
        ],
        labels=["political party", "party", "political affiliation", "partei", "politics"],
    )


def sexual_orientation() -> RuleRecognizer:
    return vocabulary_recognizer(
        "SEXUAL_ORIENTATION",
        "sexual_orientation",
        context=[
            "sexual orientation",
            "orientation",
            "sexuality",
            "sexual",
            "orientierung",
            "sexuelle orientierung",
            "orientation sexuelle",
            "orientacion sexual",
            "orientamento sessuale",
            "lgbt",
        ],
        labels=["sexual orientation", "orientation", "sexuality"],
    )


def union_membership() -> RuleRecognizer:
    return vocabulary_recognizer(
        "UNION_MEMBERSHIP",
        "union_membership",
        context=[
            "union",
            "unions",
            "trade union",
            "labor union",
            "labour union",
            "union member",
            "union membership",
            "unionized",
            "gewerkschaft",
            "syndicat",
            "sindicato",
            "sindacato",
            "dues",
        ],
        labels=["union", "trade union", "union membership", "gewerkschaft"],
    )


def all_vocabulary_recognizers() -> list[RuleRecognizer]:
    return [
        gender(),
        marital_status(),
        nationality(),
        ethnicity(),
        religion(),
        medical_condition(),
        political_opinion(),
        sexual_orientation(),
        union_membership(),
    ]
