"""piiscan's custom recognizers, run through a real Presidio engine over a blank pipeline."""

from __future__ import annotations

import time

import pytest
import regex
from presidio_analyzer import EntityRecognizer
from recognizer_engine import analyze, best_score  # tests/recognizer_engine.py

from piiscan.detectors.recognizers import RuleRecognizer, custom_recognizers
from piiscan.detectors.recognizers.personal import plausible_birth_date

POLICY_ENTITIES = {
    "DATE_OF_BIRTH", "AGE", "GENDER", "ETHNICITY", "RELIGION", "MEDICAL_CONDITION",
    "POLITICAL_OPINION", "SEXUAL_ORIENTATION", "UNION_MEMBERSHIP", "GEO_COORDINATE",
    "POSTAL_CODE", "STREET_ADDRESS", "USERNAME", "PASSWORD", "CREDENTIAL", "DEVICE_ID",
    "COOKIE_ID", "MAC_ADDRESS", "USER_AGENT", "SALARY", "JOB_TITLE", "EDUCATION",
    "NATIONALITY", "MARITAL_STATUS", "CVV",
}

# (entity, text, context): the entity must score >= 0.5 somewhere in the text.
POSITIVE = [
    # date of birth: a date with a birth context (column name or nearby words)
    ("DATE_OF_BIRTH", "1987-03-14", ["dob"]),
    ("DATE_OF_BIRTH", "14/03/1987", ["date", "of", "birth"]),
    ("DATE_OF_BIRTH", "03/14/1987", ["birthdate"]),
    ("DATE_OF_BIRTH", "14.03.1987", ["geburtsdatum"]),
    ("DATE_OF_BIRTH", "March 14, 1987", ["birthday"]),
    ("DATE_OF_BIRTH", "14 Mar 1987", ["fecha", "nacimiento"]),
    ("DATE_OF_BIRTH", "1987-03-14T00:00:00", ["dob"]),
    ("DATE_OF_BIRTH", "She was born on 14 March 1987 in Lyon.", None),
    ("DATE_OF_BIRTH", "Date of birth: 1987-03-14", None),
    ("DATE_OF_BIRTH", "geboren am 14. März 1987", None),
    # age
    ("AGE", "42", ["age"]),
    ("AGE", "7", ["alter"]),
    ("AGE", "The patient is 42 years old.", None),
    ("AGE", "aged 67, retired", None),
    ("AGE", "age: 35", None),
    # gender
    ("GENDER", "F", ["gender"]),
    ("GENDER", "m", ["sex"]),
    ("GENDER", "female", ["gender"]),
    ("GENDER", "Non-binary", ["geschlecht"]),
    ("GENDER", "weiblich", ["geschlecht"]),
    ("GENDER", "mujer", ["sexo"]),
    ("GENDER", "Gender: female", None),
    ("GENDER", "sex=M", None),
    # special categories
    ("ETHNICITY", "Hispanic", ["ethnicity"]),
    ("ETHNICITY", "White", ["race"]),
    ("ETHNICITY", "The applicant's ethnicity is African American.", None),
    ("RELIGION", "Catholic", ["religion"]),
    ("RELIGION", "muslim", ["faith"]),
    ("RELIGION", "Religion: Buddhist", None),
    ("MEDICAL_CONDITION", "Type 2 diabetes", ["diagnosis"]),
    ("MEDICAL_CONDITION", "The patient was diagnosed with asthma last year.", None),
    ("MEDICAL_CONDITION", "depression", ["medical", "condition"]),
    ("MEDICAL_CONDITION", "E11.9", ["diagnosis", "code"]),
    ("POLITICAL_OPINION", "Labour Party", ["political", "party"]),
    ("POLITICAL_OPINION", "He has voted for the Green Party for years.", None),
    ("SEXUAL_ORIENTATION", "bisexual", ["sexual", "orientation"]),
    ("SEXUAL_ORIENTATION", "straight", ["sexuality"]),
    ("UNION_MEMBERSHIP", "Unite the Union", ["union"]),
    ("UNION_MEMBERSHIP", "She is a trade union member since 2010.", None),
    ("NATIONALITY", "German", ["nationality"]),
    ("NATIONALITY", "Germany", ["citizenship"]),
    ("NATIONALITY", "Nationality: Indian", None),
    ("MARITAL_STATUS", "married", ["marital", "status"]),
    ("MARITAL_STATUS", "single", ["marital", "status"]),
    ("MARITAL_STATUS", "verheiratet", ["familienstand"]),
    # geolocation
    ("GEO_COORDINATE", "48.8566, 2.3522", None),
    ("GEO_COORDINATE", "-33.8688,151.2093", None),
    ("GEO_COORDINATE", "meet at lat=48.8566, lon=2.3522 tomorrow", None),
    ("GEO_COORDINATE", '{"lat": 40.7128, "lng": -74.006}', None),
    ("GEO_COORDINATE", "POINT(2.3522 48.8566)", None),
    ("GEO_COORDINATE", "48.856613", ["latitude"]),
    ("GEO_COORDINATE", "-74.0060", ["lng"]),
    ("POSTAL_CODE", "SW1A 1AA", ["postcode"]),
    ("POSTAL_CODE", "90210", ["zip"]),
    ("POSTAL_CODE", "90210-1234", ["zip", "code"]),
    ("POSTAL_CODE", "560001", ["pincode"]),
    ("POSTAL_CODE", "10115", ["plz"]),
    ("POSTAL_CODE", "Send it to ZIP code 94103 please", None),
    ("POSTAL_CODE", "ec1a 1bb", ["postal", "code"]),
    ("STREET_ADDRESS", "1600 Pennsylvania Avenue NW, Washington, DC 20500", None),
    ("STREET_ADDRESS", "221B Baker Street", None),
    ("STREET_ADDRESS", "Flat 3, 12 High Street", None),
    ("STREET_ADDRESS", "12, MG Road, Bengaluru", None),
    ("STREET_ADDRESS", "Hauptstraße 5", None),
    ("STREET_ADDRESS", "Bahnhofstr. 12", None),
    ("STREET_ADDRESS", "Am Lindenweg 3a, 10115 Berlin", None),
    ("STREET_ADDRESS", "Berliner Allee 44", None),
    ("STREET_ADDRESS", "12 rue de la Paix", None),
    ("STREET_ADDRESS", "5 avenue des Champs-Élysées, Paris", None),
    ("STREET_ADDRESS", "Calle Mayor 3", None),
    ("STREET_ADDRESS", "Avenida de la Constitución, 12", None),
    ("STREET_ADDRESS", "Via Roma 10", None),
    ("STREET_ADDRESS", "12 main st apt 4, springfield", ["address"]),
    ("STREET_ADDRESS", "Please ship to 42 Elm Street, Springfield.", None),
    # online identifiers
    ("USERNAME", "follow @jane_doe for updates", None),
    ("USERNAME", "jdoe42", ["username"]),
    ("USERNAME", "mary.smith", ["login"]),
    ("USERNAME", "login: jsmith", None),
    ("PASSWORD", "password: hunter2!", None),
    ("PASSWORD", "pwd=S3cr3t-Pa55", None),
    ("PASSWORD", "Mein Passwort ist geheim123", None),
    ("PASSWORD", "postgresql://admin:Tr0ub4dor@db.example.com/app", None),
    ("PASSWORD", "$2b$12$KIXQJ1c8tU0pV0k1Y6a5e.8nNoMx5Jv7xw1y1ZcH0i5H2Z4Z6Zq1a", ["password"]),
    ("PASSWORD", "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
     ["password", "hash"]),
    ("PASSWORD", "5f4dcc3b5aa765d61d8327deb882cf99", ["password"]),
    ("PASSWORD", "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8", ["pwd"]),
    ("CREDENTIAL", "AKIAIOSFODNN7EXAMPLE", None),
    ("CREDENTIAL", "token ghp_16C7e42F292c6912E7710c838347Ae178B4a in the config", None),
    ("CREDENTIAL", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", None),
    ("CREDENTIAL", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
                   "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", None),
    ("CREDENTIAL", "-----BEGIN RSA PRIVATE KEY-----", None),
    ("CREDENTIAL", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", None),
    ("CREDENTIAL", "api_key=0123456789abcdef0123456789abcdef", None),
    ("CREDENTIAL", "Authorization: Bearer abcdef0123456789abcdef0123456789", None),
    ("CREDENTIAL", "9f8e7d6c5b4a39281706f5e4d3c2b1a0ZZ", ["api", "key"]),
    ("CVV", "123", ["cvv"]),
    ("CVV", "0123", ["security", "code"]),
    ("CVV", "Card 4111 1111 1111 1111, exp 12/27, CVV 123", None),
    ("DEVICE_ID", "6D92078A-8246-4BA4-AE5B-76104861E7DC", ["idfa"]),
    ("DEVICE_ID", "38400000-8cf0-11bd-b23e-10b96e40000d", ["device", "id"]),
    ("DEVICE_ID", "490154203237518", ["imei"]),
    ("DEVICE_ID", "IMEI 49-015420-323751-8", None),
    ("DEVICE_ID", "idfa: 6D92078A-8246-4BA4-AE5B-76104861E7DC", None),
    ("COOKIE_ID", "GA1.2.1234567890.1612345678", None),
    ("COOKIE_ID", "fb.1.1596403881668.1116446470", None),
    ("COOKIE_ID", "3f2504e0-4f89-41d3-9a0c-0305e82c3301", ["session", "id"]),
    ("COOKIE_ID", "a8f5f167f44f4964e6c998dee827110c", ["cookie"]),
    ("MAC_ADDRESS", "aa:bb:cc:dd:ee:ff", None),
    ("MAC_ADDRESS", "00-1A-2B-3C-4D-5E", None),
    ("MAC_ADDRESS", "001a.2b3c.4d5e", None),
    ("MAC_ADDRESS", "001A2B3C4D5E", ["mac"]),
    ("USER_AGENT", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                   "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", None),
    ("USER_AGENT", "curl/8.4.0", None),
    ("USER_AGENT", "okhttp/4.9.3", None),
    ("USER_AGENT", "Googlebot/2.1 (+http://www.google.com/bot.html)", None),
    ("USER_AGENT", "MyApp/3.2.1 (iPhone; iOS 17.1; Scale/3.00)", ["user", "agent"]),
    # professional and education
    ("SALARY", "85000", ["salary"]),
    ("SALARY", "85,000.00", ["annual", "salary"]),
    ("SALARY", "$85,000", ["compensation"]),
    ("SALARY", "Her annual salary is $85,000 plus bonus.", None),
    ("SALARY", "Gehalt: 55.000 EUR brutto", None),
    ("SALARY", "He earns £30k per year", None),
    ("JOB_TITLE", "Software Engineer", ["job", "title"]),
    ("JOB_TITLE", "Senior Sales Manager", ["position"]),
    ("JOB_TITLE", "Chief Executive Officer", ["title"]),
    ("JOB_TITLE", "Nurse", ["occupation"]),
    ("JOB_TITLE", "Head of Marketing", ["role"]),
    ("JOB_TITLE", "Customer Success Manager", ["designation"]),
    ("JOB_TITLE", "She works as an accountant in Leeds.", None),
    ("EDUCATION", "MSc", ["degree"]),
    ("EDUCATION", "Bachelor of Science in Computer Science", None),
    ("EDUCATION", "PhD", ["education"]),
    ("EDUCATION", "University of Oxford", ["school"]),
    ("EDUCATION", "Springfield High School", ["school"]),
    ("EDUCATION", "High School Diploma", ["qualification"]),
    ("EDUCATION", "A-levels", ["education"]),
    ("EDUCATION", "He graduated with an MBA from Stanford University.", None),
]

# (entity, text, context): look-alikes and values without context stay below 0.5.
NEGATIVE = [
    ("DATE_OF_BIRTH", "1987-03-14", None),
    ("DATE_OF_BIRTH", "2023-05-01T12:30:00Z", ["created", "at"]),
    ("DATE_OF_BIRTH", "2023-05-01 10:22:13", ["dob"]),
    ("DATE_OF_BIRTH", "1850-01-01", ["dob"]),
    ("DATE_OF_BIRTH", "2999-01-01", ["dob"]),
    ("DATE_OF_BIRTH", "1987-02-30", ["dob"]),
    ("DATE_OF_BIRTH", "Order shipped on 2021-07-04 to the customer.", None),
    ("DATE_OF_BIRTH", "version 1.2.3", ["dob"]),
    ("AGE", "42", None),
    ("AGE", "150", ["age"]),
    ("AGE", "I bought 42 apples", None),
    ("AGE", "42", ["quantity"]),
    ("GENDER", "F", None),
    ("GENDER", "M", ["size"]),
    ("GENDER", "The man walked his dog.", None),
    ("ETHNICITY", "White", None),
    ("ETHNICITY", "White", ["color"]),
    ("RELIGION", "Catholic", None),
    ("MEDICAL_CONDITION", "The stock market depression of 1929", None),
    ("MEDICAL_CONDITION", "E11", ["product", "code"]),
    ("POLITICAL_OPINION", "Green", ["color"]),
    ("SEXUAL_ORIENTATION", "straight", ["road", "type"]),
    ("UNION_MEMBERSHIP", "European Union", None),
    ("NATIONALITY", "Germany", None),
    ("NATIONALITY", "Italian restaurant", None),
    ("MARITAL_STATUS", "single", ["room", "type"]),
    ("GEO_COORDINATE", "1.5, 2.5", None),
    ("GEO_COORDINATE", "48.8566", None),
    ("GEO_COORDINATE", "3.14159", ["pi"]),
    ("GEO_COORDINATE", "version 1.2.3", None),
    ("POSTAL_CODE", "SKU-12345", None),
    ("POSTAL_CODE", "12345", None),
    ("POSTAL_CODE", "Order 12345 shipped", None),
    ("POSTAL_CODE", "1Z999AA10123456784", ["tracking"]),
    ("POSTAL_CODE", "560001", ["order", "id"]),
    ("STREET_ADDRESS", "It is a 5 minute walk", None),
    ("STREET_ADDRESS", "SKU-12345", ["address"]),
    ("STREET_ADDRESS", "We sold 300 units in Q3", None),
    ("STREET_ADDRESS", "Spring 2024 collection", None),
    ("USERNAME", "jdoe42", None),
    ("USERNAME", "jdoe42", ["product", "name"]),
    ("USERNAME", "email me at jane@example.com", None),
    ("PASSWORD", "e83c5163316f89bfbde7d9ab23ca2e25604af290", ["commit"]),
    ("PASSWORD", "Fixed in commit e83c5163316f89bfbde7d9ab23ca2e25604af290", None),
    ("PASSWORD", "d41d8cd98f00b204e9800998ecf8427e", ["checksum"]),
    ("PASSWORD", "$2b$12$KIXQJ1c8tU0pV0k1Y6a5e.8nNoMx5Jv7xw1y1ZcH0i5H2Z4Z6Zq1a", None),
    ("PASSWORD", "Forgot your password? Click here.", None),
    ("CREDENTIAL", "pk_live_4eC39HqLyjWDarjtT1zdp7dc", None),
    ("CREDENTIAL", "SKU-12345-ABCDE-67890", None),
    ("CREDENTIAL", "9f8e7d6c5b4a39281706f5e4d3c2b1a0ZZ", ["description"]),
    ("CVV", "123", None),
    ("CVV", "123", ["academic", "year", "code"]),
    ("CVV", "12345", ["cvv"]),
    ("DEVICE_ID", "6D92078A-8246-4BA4-AE5B-76104861E7DC", None),
    ("DEVICE_ID", "6D92078A-8246-4BA4-AE5B-76104861E7DC", ["order", "id"]),
    ("DEVICE_ID", "490154203237519", ["imei"]),
    ("DEVICE_ID", "490154203237518", None),
    ("DEVICE_ID", "00000000-0000-0000-0000-000000000000", ["idfa"]),
    ("COOKIE_ID", "3f2504e0-4f89-41d3-9a0c-0305e82c3301", None),
    ("COOKIE_ID", "a8f5f167f44f4964e6c998dee827110c", ["checksum"]),
    ("MAC_ADDRESS", "00:00:00:00:00:00", None),
    ("MAC_ADDRESS", "12:30:45", None),
    ("MAC_ADDRESS", "001A2B3C4D5E", None),
    ("MAC_ADDRESS", "2001:0db8:85a3:0000:0000:8a2e:0370:7334", None),
    ("USER_AGENT", "MyApp/3.2.1 (iPhone; iOS 17.1; Scale/3.00)", None),
    ("USER_AGENT", "see docs/index.html for details", None),
    ("SALARY", "85000", None),
    ("SALARY", "85000", ["product", "id"]),
    ("SALARY", "The product costs $85", None),
    ("SALARY", "999", ["salary"]),
    ("JOB_TITLE", "Software Engineer", None),
    ("JOB_TITLE", "iPhone 15 Pro Max", ["title"]),
    ("EDUCATION", "MSc", None),
    ("EDUCATION", "Oxford", ["city"]),
]


def _case_id(case: tuple[str, str, list[str] | None]) -> str:
    entity, text, context = case
    return f"{entity}:{text[:30]}:{'+'.join(context or [])}"


@pytest.mark.parametrize("case", POSITIVE, ids=_case_id)
def test_detected_with_context(case: tuple[str, str, list[str] | None]) -> None:
    entity, text, context = case
    assert best_score(text, entity, context) >= 0.5


@pytest.mark.parametrize("case", NEGATIVE, ids=_case_id)
def test_look_alikes_stay_low(case: tuple[str, str, list[str] | None]) -> None:
    entity, text, context = case
    assert best_score(text, entity, context) < 0.5


@pytest.mark.parametrize(("text", "context", "entity", "span"), [
    ("The patient is 42 years old.", None, "AGE", "42"),
    ("password: hunter2!", None, "PASSWORD", "hunter2!"),
    ("postgresql://admin:Tr0ub4dor@db.example.com/app", None, "PASSWORD", "Tr0ub4dor"),
    ("Gender: female", None, "GENDER", "female"),
    ("  1987-03-14 ", ["dob"], "DATE_OF_BIRTH", "1987-03-14"),
    ("12 High Street, London SW1A 1AA", None, "STREET_ADDRESS",
     "12 High Street, London SW1A 1AA"),
])
def test_span_is_the_value(text: str, context: list[str] | None, entity: str,
                           span: str) -> None:
    found = [r for r in analyze(text, context) if r.entity_type == entity and r.score >= 0.5]
    assert [text[r.start:r.end] for r in found] == [span]


@pytest.mark.parametrize(("text", "expected"), [
    ("1987-03-14", True), ("14/03/1987", True), ("03/14/1987", True), ("14.03.1987", True),
    ("March 14, 1987", True), ("14 Mar 1987", True), ("14th of March 1987", True),
    ("1899-12-31", False), ("2999-01-01", False), ("31/02/1987", False), ("13/13/1987", False),
])
def test_plausible_birth_date(text: str, expected: bool) -> None:
    assert plausible_birth_date(text) is expected


def test_context_lift_needs_no_nlp_lemmas() -> None:
    """The in-text lift reads the raw words around a match, so a blank pipeline suffices."""
    plain = best_score("code 94103", "POSTAL_CODE")
    lifted = best_score("postal code 94103", "POSTAL_CODE")
    assert plain < 0.5 <= lifted


def test_whole_value_rules_ignore_surrounding_text() -> None:
    """A bare integer is an age only as a whole value with an age column name."""
    assert best_score("age 42 and counting 17", "AGE") >= 0.5  # the labelled rule
    assert best_score("17", "AGE", ["age"]) >= 0.5
    assert best_score("count 17", "AGE", ["age"]) < 0.5


def test_custom_recognizers_contract() -> None:
    recognizers = custom_recognizers()
    assert all(isinstance(r, EntityRecognizer) for r in recognizers)
    assert all(r.supported_language == "en" for r in recognizers)
    entities = {e for r in recognizers for e in r.supported_entities}
    assert entities >= POLICY_ENTITIES
    assert len({r.name for r in recognizers}) == len(recognizers)
    again = custom_recognizers()
    assert all(a is not b for a, b in zip(recognizers, again, strict=True))


ADVERSARIAL = {
    "letters": "a" * 50_000,
    "digits": "1" * 50_000,
    "digit_space": "1 " * 20_000,
    "dotted": "a." * 25_000 + "!",
    "at_signs": "@" * 50_000,
    "mozilla": "Mozilla/5.0 (" * 5_000,
    "capitalised_words": "Aaaa " * 10_000 + "1",
    "jwt_prefix": "eyJ" * 20_000,
    "crypt_prefix": "$2b$" * 10_000,
    "hex_colon": "ab:" * 20_000,
    "digit_dot": "1." * 25_000,
    "digit_comma": "1," * 25_000,
    "spaces": " " * 50_000,
    "newlines": "a\n" * 25_000,
    "dashes": "a-" * 25_000,
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_patterns_are_safe_against_backtracking(name: str) -> None:
    text = ADVERSARIAL[name]
    for recognizer in custom_recognizers():
        assert isinstance(recognizer, RuleRecognizer)
        for pattern in recognizer.patterns:
            compiled = regex.compile(pattern.regex, recognizer.global_regex_flags)
            start = time.perf_counter()
            for _ in compiled.finditer(text):
                pass
            elapsed = time.perf_counter() - start
            assert elapsed < 2.0, f"{recognizer.name}/{pattern.name} took {elapsed:.2f}s"
