"""Evidence masking, keyed hashes and credential scrubbing never reveal raw values."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from piiscan.masking import EvidenceEncoder, mask_url, mask_value, scrub, url_secrets


@pytest.mark.parametrize(
    ("value", "entity", "expected"),
    [
        ("jane.doe@example.com", "EMAIL_ADDRESS", "j***@example.com"),
        ("a@example.org", None, "***@example.org"),
        ("+1 (555) 010-1234", "PHONE_NUMBER", "+1***4"),
        ("4111111111111111", "CREDIT_CARD", "41***1"),
        ("Bob", "PERSON", "***"),
        ("Anna", "PERSON", "A***"),
        ("", None, "***"),
    ],
)
def test_mask_value_table(value: str, entity: str | None, expected: str) -> None:
    assert mask_value(value, entity) == expected


@given(st.text(min_size=4, max_size=200).filter(lambda s: "@" not in s and s.strip()))
def test_mask_never_contains_the_value_or_most_of_it(value: str) -> None:
    masked = mask_value(value)
    stripped = value.strip()
    if len(stripped) >= 4:
        assert stripped not in masked
    visible = len(masked.replace("***", ""))
    assert visible <= max(1, min(3, len(stripped) // 4))


def test_keyed_hash_is_stable_per_key_and_differs_across_keys() -> None:
    a = EvidenceEncoder("hash", b"k1")
    b = EvidenceEncoder("hash", b"k2")
    assert a.encode("078-05-1120") == a.encode("078-05-1120")
    assert a.encode("078-05-1120") != b.encode("078-05-1120")
    assert "078" not in a.encode("078-05-1120")
    assert EvidenceEncoder("none").encode("secret") == ""
    assert EvidenceEncoder("hash").ephemeral_key


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://alice:s3cr3t@db.example:5432/shop",
            "postgresql://alice:***@db.example:5432/shop",
        ),
        ("postgresql+psycopg://bob@localhost/db", "postgresql+psycopg://bob@localhost/db"),
        ("mysql://u:p%40ss@h/db?ssl=1&password=x", "mysql://u:***@h/db?ssl=1&password=***"),
        ("sqlite:///tmp/shop.db", "sqlite:///tmp/shop.db"),
        ("./exports/customers.csv", "./exports/customers.csv"),
        ("s3://bucket/key?token=abc", "s3://bucket/key?token=***"),
        # an absolute SQLite path keeps its four slashes when a secret is masked
        ("sqlite:////tmp/x.db?password=abc", "sqlite:////tmp/x.db?password=***"),
        ("s3://b/k?token=abc#part", "s3://b/k?token=***#part"),
        # connection strings that are no URL: libpq words, ODBC pairs, a plugin's DSN
        ("host=db user=bob password=s3cret dbname=x", "host=db user=bob password=*** dbname=x"),
        ("Driver={ODBC 18};Server=h;PWD={s3;cret};UID=u",
         "Driver={ODBC 18};Server=h;PWD=***;UID=u"),
        ("mydb:host=x;user=bob;password=s3cret", "mydb:host=x;user=bob;password=***"),
        ("./exports/monkey=3/keys.csv", "./exports/monkey=3/keys.csv"),
    ],
)
def test_mask_url_table(url: str, expected: str) -> None:
    assert mask_url(url) == expected


def test_scrub_removes_password_and_its_decoded_form() -> None:
    url = "postgresql://u:p%40ss@h/db"
    message = "could not connect with p%40ss or p@ss"
    assert "ss" not in scrub(message, url_secrets(url)).replace("***", "")


@pytest.mark.parametrize(
    ("source", "secrets_"),
    [
        ("mydb:host=x;user=bob;password=s3c", ["s3c"]),
        ("Server=h;PWD={a;b};UID=u", ["{a;b}", "a;b"]),
        ("host=db password='p w' dbname=x", ["'p w'", "p w"]),
        ("./exports/customers.csv", []),
    ],
)
def test_connection_strings_name_their_secret_values_for_scrubbing(
    source: str, secrets_: list[str]
) -> None:
    assert sorted(url_secrets(source)) == sorted(secrets_)
