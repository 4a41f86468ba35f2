"""The default policy implements the taxonomy; user policies extend or override it."""

from __future__ import annotations

from pathlib import Path

import pytest

from piiscan.errors import ConfigError
from piiscan.policy import load_policy, max_gdpr, max_level

TAXONOMY_CATEGORIES = {
    "identifiers",
    "customer_records",
    "protected_class",
    "commercial",
    "biometric",
    "internet_activity",
    "geolocation",
    "sensory",
    "professional",
    "education",
    "inferences",
    "sensitive",
}


@pytest.mark.parametrize(
    ("entity", "categories", "level", "gdpr"),
    [
        ("PERSON", ("identifiers",), "high", "personal"),
        ("PHONE_NUMBER", ("identifiers", "customer_records"), "high", "personal"),
        ("US_SSN", ("identifiers", "sensitive"), "very_high", "personal"),
        ("UK_NHS", ("identifiers", "sensitive"), "very_high", "special_category"),
        ("CREDIT_CARD", ("customer_records", "sensitive"), "very_high", "personal"),
        ("DATE_OF_BIRTH", ("protected_class", "identifiers"), "high", "personal"),
        ("AGE", ("protected_class",), "medium", "personal"),
        ("RELIGION", ("protected_class", "sensitive"), "very_high", "special_category"),
        ("GEO_COORDINATE", ("geolocation", "sensitive"), "very_high", "personal"),
        ("POSTAL_CODE", ("geolocation",), "medium", "personal"),
        ("USER_AGENT", ("internet_activity",), "low", "personal"),
        ("SALARY", ("professional",), "high", "personal"),
        ("ORGANIZATION", (), None, "none"),
        ("DATE_TIME", (), None, "none"),
    ],
)
def test_default_policy_follows_the_taxonomy(entity, categories, level, gdpr) -> None:
    rule = load_policy().rule(entity)
    assert rule is not None
    assert rule.categories == categories
    assert rule.level == level
    assert rule.gdpr == gdpr


def test_default_policy_declares_exactly_the_taxonomy_categories() -> None:
    assert set(load_policy().categories) == TAXONOMY_CATEGORIES


def test_user_policy_overrides_and_extends(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "name: acme\n"
        "entities:\n"
        "  USER_AGENT: {categories: [internet_activity], level: medium}\n"
        "  LOYALTY_ID: {categories: [customer_records], level: medium}\n"
    )
    policy = load_policy(path)
    assert policy.name == "acme"
    assert policy.rule("USER_AGENT").level == "medium"
    assert policy.rule("LOYALTY_ID").categories == ("customer_records",)
    assert policy.rule("PERSON").level == "high"  # inherited


@pytest.mark.parametrize(
    ("override", "level", "categories", "gdpr"),
    [
        # only the level changes: the default categories and GDPR class stay
        ("EMAIL_ADDRESS: {level: very_high}", "very_high", ("identifiers",), "personal"),
        ("UK_NHS: {gdpr: personal}", "very_high", ("identifiers", "sensitive"), "personal"),
        # what is given replaces what it names
        ("SALARY: {categories: [professional, sensitive]}", "high",
         ("professional", "sensitive"), "personal"),
    ],
)
def test_a_partial_entity_override_keeps_the_rest_of_the_spec(
    tmp_path: Path, override: str, level: str, categories: tuple[str, ...], gdpr: str
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(f"entities:\n  {override}\n")
    entity = override.split(":")[0]
    rule = load_policy(path).rule(entity)
    assert (rule.level, tuple(rule.categories), rule.gdpr) == (level, categories, gdpr)
    assert load_policy(path).is_personal(entity)  # still reported


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("entities:\n  X: {categories: [nope], level: high}\n", "unknown categories"),
        ("entities:\n  X: {categories: [identifiers], level: extreme}\n", "unknown level"),
        ("entities:\n  X: {categories: [identifiers], gdpr: secret}\n", "unknown gdpr"),
        ("- just\n- a list\n", "must be a mapping"),
        ("entities: {X: [\n", "not valid YAML"),
    ],
)
def test_bad_user_policy_is_a_clear_config_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_policy(path)


def test_missing_policy_file() -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_policy("/nonexistent/policy.yaml")


def test_level_and_gdpr_ordering() -> None:
    assert max_level(["low", None, "high", "medium"]) == "high"
    assert max_level([]) is None
    assert max_gdpr(["personal", "special_category", None]) == "special_category"


def test_every_type_a_builtin_recognizer_emits_has_a_policy_rule(ner_scanner) -> None:
    """A type the default policy does not know is reported without categories or level:
    each one the presidio detector can emit is in the policy or aliased to a type that is."""
    from piiscan.detectors.presidio_detector import PresidioDetector
    from piiscan.detectors.presidio_steps import ENTITY_ALIASES

    detector = next(d for d in ner_scanner.detectors if isinstance(d, PresidioDetector))
    emitted = {
        ENTITY_ALIASES.get(e, e)
        for r in detector._engines.analyzer.registry.recognizers
        for e in r.supported_entities
    }
    policy = load_policy(None)
    assert sorted(e for e in emitted if policy.rule(e) is None) == []
