"""Column-name signals: splitting, hints (with the traps), context words, the detector."""

from __future__ import annotations

from importlib.resources import files

import pytest
import yaml

from piiscan.config import Config
from piiscan.detectors import column_names
from piiscan.detectors.column_names import (
    ColumnNameDetector,
    context_words,
    counter_hints_for,
    dictionary,
    hints_for,
    split_name,
)
from piiscan.detectors.recognizers import custom_recognizers
from piiscan.detectors.recognizers.base import fold
from piiscan.model import Hint


@pytest.mark.parametrize(("name", "tokens"), [
    ("birthDate", ["birth", "date"]),
    ("DOB", ["dob"]),
    ("date_of_birth", ["date", "of", "birth"]),
    ("customerEMail", ["customer", "e", "mail"]),
    ("IPAddress", ["ip", "address"]),
    ("userID", ["user", "id"]),
    ("address2", ["address", "2"]),
    ("address.city", ["address", "city"]),
    ("items[].sku", ["items", "sku"]),
    ("zip-code", ["zip", "code"]),
    ("First Name", ["first", "name"]),
    ("HTTPUserAgent", ["http", "user", "agent"]),
    ("PostalCode", ["postal", "code"]),
    ("Straße", ["straße"]),
    ("Geburtsdatum", ["geburtsdatum"]),
    ("", []),
    ("__", []),
])
def test_split_name(name: str, tokens: list[str]) -> None:
    assert split_name(name) == tokens


# (column name, the entity type it must hint at, or None for no hint at all)
HINTS = [
    # dates of birth, many spellings
    ("dob", "DATE_OF_BIRTH"), ("DOB", "DATE_OF_BIRTH"), ("birthDate", "DATE_OF_BIRTH"),
    ("birth_date", "DATE_OF_BIRTH"), ("date_of_birth", "DATE_OF_BIRTH"),
    ("BirthDay", "DATE_OF_BIRTH"), ("geburtsdatum", "DATE_OF_BIRTH"),
    ("Geburtstag", "DATE_OF_BIRTH"), ("fecha_nacimiento", "DATE_OF_BIRTH"),
    ("date_naissance", "DATE_OF_BIRTH"), ("data_nascita", "DATE_OF_BIRTH"),
    # contact details
    ("email", "EMAIL_ADDRESS"), ("customerEMail", "EMAIL_ADDRESS"),
    ("e-mail", "EMAIL_ADDRESS"), ("emailAddress", "EMAIL_ADDRESS"),
    ("correo", "EMAIL_ADDRESS"), ("phone", "PHONE_NUMBER"), ("tel", "PHONE_NUMBER"),
    ("mobileNumber", "PHONE_NUMBER"), ("Telefonnummer", "PHONE_NUMBER"),
    ("handy", "PHONE_NUMBER"), ("telefono", "PHONE_NUMBER"), ("fax", "PHONE_NUMBER"),
    # people
    ("first_name", "PERSON"), ("firstName", "PERSON"), ("LastName", "PERSON"),
    ("customer_name", "PERSON"), ("contact_name", "PERSON"), ("full_name", "PERSON"),
    ("Name", "PERSON"), ("Person", "PERSON"), ("surname", "PERSON"),
    ("nachname", "PERSON"), ("Vorname", "PERSON"), ("apellido", "PERSON"),
    ("prenom", "PERSON"), ("cognome", "PERSON"), ("customer.name", "PERSON"),
    ("display_name", "PERSON"), ("company_contact_name", "PERSON"),
    # addresses and places
    ("address", "STREET_ADDRESS"), ("addr", "STREET_ADDRESS"), ("add1", "STREET_ADDRESS"),
    ("address_line_1", "STREET_ADDRESS"), ("street", "STREET_ADDRESS"),
    ("Straße", "STREET_ADDRESS"), ("strasse", "STREET_ADDRESS"),
    ("adresse", "STREET_ADDRESS"), ("direccion", "STREET_ADDRESS"),
    ("shipping_address", "STREET_ADDRESS"), ("zip", "POSTAL_CODE"),
    ("zipCode", "POSTAL_CODE"), ("postcode", "POSTAL_CODE"), ("postal_code", "POSTAL_CODE"),
    ("PLZ", "POSTAL_CODE"), ("pincode", "POSTAL_CODE"), ("Postleitzahl", "POSTAL_CODE"),
    ("code_postal", "POSTAL_CODE"), ("city", "LOCATION"), ("ciudad", "LOCATION"),
    ("address.city", "LOCATION"), ("country", "LOCATION"), ("lat", "GEO_COORDINATE"),
    ("longitude", "GEO_COORDINATE"), ("geo.lng", "GEO_COORDINATE"),
    # network
    ("ip", "IP_ADDRESS"), ("IPAddress", "IP_ADDRESS"), ("client_ip", "IP_ADDRESS"),
    ("remote_addr", "IP_ADDRESS"), ("mac_address", "MAC_ADDRESS"),
    ("user_agent", "USER_AGENT"), ("userAgent", "USER_AGENT"),
    ("device_id", "DEVICE_ID"), ("idfa", "DEVICE_ID"), ("IMEI", "DEVICE_ID"),
    ("session_id", "COOKIE_ID"), ("cookie", "COOKIE_ID"), ("visitorId", "COOKIE_ID"),
    ("website", "URL"),
    # finance and government ids
    ("card_number", "CREDIT_CARD"), ("ccNumber", "CREDIT_CARD"),
    ("credit_card", "CREDIT_CARD"), ("pan", "CREDIT_CARD"), ("pan", "IN_PAN"),
    ("cvv", "CVV"), ("CVC", "CVV"), ("security_code", "CVV"), ("iban", "IBAN_CODE"),
    ("account_number", "US_BANK_NUMBER"), ("ssn", "US_SSN"),
    ("social_security_number", "US_SSN"), ("drivers_license", "US_DRIVER_LICENSE"),
    ("license", "US_DRIVER_LICENSE"), ("Führerschein", "US_DRIVER_LICENSE"),
    ("fuhrerschein", "US_DRIVER_LICENSE"), ("passport_no", "US_PASSPORT"),
    ("passport", "UK_PASSPORT"), ("nino", "UK_NINO"), ("national_insurance", "UK_NINO"),
    ("nhs_number", "UK_NHS"), ("aadhaar", "IN_AADHAAR"), ("aadhar_no", "IN_AADHAAR"),
    # protected classes and special categories
    ("gender", "GENDER"), ("sex", "GENDER"), ("Geschlecht", "GENDER"), ("sexe", "GENDER"),
    ("sexo", "GENDER"), ("age", "AGE"), ("Alter", "AGE"), ("edad", "AGE"),
    ("ethnicity", "ETHNICITY"), ("race", "ETHNICITY"), ("religion", "RELIGION"),
    ("Konfession", "RELIGION"), ("diagnosis", "MEDICAL_CONDITION"),
    ("medical_condition", "MEDICAL_CONDITION"), ("allergies", "MEDICAL_CONDITION"),
    ("political_party", "POLITICAL_OPINION"), ("sexual_orientation", "SEXUAL_ORIENTATION"),
    ("union_member", "UNION_MEMBERSHIP"), ("marital_status", "MARITAL_STATUS"),
    ("Familienstand", "MARITAL_STATUS"), ("nationality", "NATIONALITY"),
    ("Staatsangehörigkeit", "NATIONALITY"), ("staatsangehoerigkeit", "NATIONALITY"),
    # work, education, accounts
    ("salary", "SALARY"), ("annualIncome", "SALARY"), ("Gehalt", "SALARY"),
    ("job_title", "JOB_TITLE"), ("jobTitle", "JOB_TITLE"), ("occupation", "JOB_TITLE"),
    ("employer", "EMPLOYER"), ("education_level", "EDUCATION"), ("degree", "EDUCATION"),
    ("username", "USERNAME"), ("user_name", "USERNAME"), ("login", "USERNAME"),
    ("screenName", "USERNAME"), ("password", "PASSWORD"), ("passwd", "PASSWORD"),
    ("password_hash", "PASSWORD"), ("pwd", "PASSWORD"), ("api_key", "CREDENTIAL"),
    ("accessToken", "CREDENTIAL"),
    # names that hint nothing
    ("id", None), ("created_at", None), ("sku", None), ("items[].sku", None),
    ("quantity", None), ("public_key", None), ("product_name", None), ("file_name", None),
    ("host_name", None), ("hostname", None), ("filename", None), ("republic", None),
    ("publication_date", None), ("duplicate", None), ("status", None), ("amount", None),
    ("description", None), ("order_id", None), ("last_login", None), ("page_title", None),
    ("screen_orientation", None), ("order_state", None), ("eta", None),
]


@pytest.mark.parametrize(("name", "entity"), HINTS)
def test_hints(name: str, entity: str | None) -> None:
    hinted = {h.entity_type for h in hints_for(name)}
    if entity is None:
        assert hinted == set()
    else:
        assert entity in hinted


# (column name, entity type it must NOT hint at)
TRAPS = [
    ("ACADEMIC_YEAR_CODE", "CVV"),
    ("public_key", "US_DRIVER_LICENSE"),
    ("publicKey", "US_DRIVER_LICENSE"),
    ("product_name", "PERSON"), ("company_name", "PERSON"), ("file_name", "PERSON"),
    ("host_name", "PERSON"), ("brand_name", "PERSON"), ("item_name", "PERSON"),
    ("category_name", "PERSON"), ("city_name", "PERSON"), ("country_name", "PERSON"),
    ("street_name", "PERSON"), ("domain_name", "PERSON"), ("table_name", "PERSON"),
    ("column_name", "PERSON"), ("product.name", "PERSON"), ("companyName", "PERSON"),
    ("email_address", "STREET_ADDRESS"), ("ip_address", "STREET_ADDRESS"),
    ("mac_address", "STREET_ADDRESS"), ("wallet_address", "STREET_ADDRESS"),
    ("product_title", "JOB_TITLE"), ("book_title", "JOB_TITLE"),
    ("scroll_position", "JOB_TITLE"), ("item_condition", "MEDICAL_CONDITION"),
    ("treatment_group", "MEDICAL_CONDITION"), ("image_orientation", "SEXUAL_ORIENTATION"),
    ("file_handle", "USERNAME"), ("csrf_token", "CREDENTIAL"), ("payment_state", "LOCATION"),
    ("stage", "AGE"), ("message", "AGE"), ("language", "AGE"), ("mileage", "AGE"),
    ("passage", "PASSWORD"), ("compass", "PASSWORD"), ("zipper", "POSTAL_CODE"),
    ("capacity", "POSTAL_CODE"), ("happiness", "PASSWORD"), ("email", "PERSON"),
    ("login_count", "USERNAME"), ("session_duration", "COOKIE_ID"),
    ("token_count", "CREDENTIAL"), ("treatment_arm", "MEDICAL_CONDITION"),
]


@pytest.mark.parametrize(("name", "entity"), TRAPS)
def test_traps(name: str, entity: str) -> None:
    assert entity not in {h.entity_type for h in hints_for(name)}


def test_hint_shape_and_order() -> None:
    hints = hints_for("customer_email")
    assert hints[0] == Hint("EMAIL_ADDRESS", 0.95, "email")
    assert [h.score for h in hints] == sorted((h.score for h in hints), reverse=True)
    assert len({h.entity_type for h in hints}) == len(hints)
    assert all(0 < h.score <= 1 for h in hints)


@pytest.mark.parametrize(("strong", "weak"), [
    ("email", "mail"), ("ssn", "uid"), ("dob", "name"), ("job_title", "title"),
    ("employer", "company"),
])
def test_strong_names_outrank_ambiguous_ones(strong: str, weak: str) -> None:
    assert hints_for(strong)[0].score > hints_for(weak)[0].score


def test_parent_path_counts_less_than_the_field_itself() -> None:
    (street,) = [h for h in hints_for("address.city") if h.entity_type == "STREET_ADDRESS"]
    (city,) = [h for h in hints_for("address.city") if h.entity_type == "LOCATION"]
    assert street.score < city.score
    assert hints_for("customer.email")[0].entity_type == "EMAIL_ADDRESS"


@pytest.mark.parametrize(("name", "expected"), [
    ("dob", {"dob", "birth", "date of birth"}),
    ("ssn", {"ssn", "social", "security"}),
    ("credit_card_number", {"credit", "card"}),
    ("iban", {"iban"}),
    ("phone", {"phone"}),
    ("nhs_number", {"nhs"}),
    ("aadhaar", {"aadhaar"}),
    ("drivers_license", {"driver", "license"}),
    ("passport", {"passport"}),
    ("bank_account", {"account", "bank"}),
    ("Geburtsdatum", {"geburtsdatum", "birth"}),
])
def test_context_words(name: str, expected: set[str]) -> None:
    assert expected <= set(context_words(name))


def test_context_words_of_a_plain_name_are_its_tokens() -> None:
    assert context_words("order_id") == ["order", "id"]
    assert context_words("") == []


def test_canonical_context_words_lift_our_recognizers() -> None:
    """Each custom entity's canonical words include one of its recognizer's context words."""
    canonical = dictionary().context
    for recognizer in custom_recognizers():
        entity = recognizer.supported_entities[0]
        words = {fold(w) for w in canonical[entity]}
        assert words & {fold(c) for c in recognizer.context}, entity


def test_first_word_index_finds_what_a_scan_of_every_entry_finds() -> None:
    """``_Dictionary.candidates`` (entries by folded first word) leaves out only entries
    that cannot match: same hints and blocked labels as trying every entry."""
    entries = dictionary().entries
    labels = [e.label for e in entries]
    names = [lab.replace(" ", "_") for lab in labels]
    names += [f"{a}.{b}_{c}" for a, b, c in zip(labels, labels[7:], labels[13:], strict=False)]
    names += ["Straße", "Geburtsdatum", "customer.address.city", "order_state", "e_mail"]
    indexed = {name: column_names._matches(name) for name in names}
    column_names._matches.cache_clear()
    everything = dictionary().candidates(
        [frozenset(v for e in entries for v in e.phrase[0])]
    )
    assert len(everything) == len(entries)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(column_names._Dictionary, "candidates", lambda self, tokens: everything)
        scanned = {name: column_names._matches(name) for name in names}
        column_names._matches.cache_clear()
    assert sum(bool(hints) for hints, _ in indexed.values()) > len(names) // 2
    assert indexed == scanned


def test_dictionary_weights_are_probabilities() -> None:
    entries = dictionary().entries
    assert entries
    assert all(0 < e.weight <= 1 for e in entries)


def test_detector_contract() -> None:
    detector = ColumnNameDetector(Config())
    assert detector.name == "column_names"
    assert detector.analyze(["a", "b", "c"], field="email") == [[], [], []]
    assert detector.field_hints("email")[0].entity_type == "EMAIL_ADDRESS"
    assert [h for h in detector.field_hints("sku") if h.score > 0] == []
    assert "column_names" in detector.describe()


def test_every_hinted_type_is_in_the_default_policy() -> None:
    policy = yaml.safe_load((files("piiscan") / "data" / "default_policy.yaml").read_text())
    hinted = {e.entity for e in dictionary().entries} | set(dictionary().context)
    assert hinted <= set(policy["entities"])


@pytest.mark.parametrize(
    ("name", "ruled_out"),
    [
        ("warehouse_country", {"LOCATION", "PERSON"}),
        ("product_name", {"LOCATION", "PERSON"}),
        ("companyName", {"LOCATION", "PERSON"}),
        ("store.address.city", {"LOCATION", "PERSON"}),
        ("city", set()),
        ("customer_country", set()),
        ("first_name", set()),
    ],
)
def test_counter_hints_rule_out_person_and_place_for_things(name: str, ruled_out: set) -> None:
    assert {h.entity_type for h in counter_hints_for(name)} == ruled_out
    assert all(h.score < 0 for h in counter_hints_for(name))


@pytest.mark.parametrize(
    ("name", "absent", "present"),
    [
        ("order_state", "state", "order"),
        ("ip_address", "address", "ip"),
        ("state", None, "state"),
    ],
)
def test_context_words_leave_out_blocked_tokens(name: str, absent, present: str) -> None:
    words = context_words(name)
    assert present in words
    if absent:
        assert absent not in words
