"""Every surrogate and pseudonym the anonymizer writes is recognised as reserved, and a
default scan of a table, a text file and free text holding them finds nothing at high.

Operators whose outputs are meant to be recognisable: ``pseudonym`` and ``surrogate``
(for every entity type, every phone region and layout, card network, SSN layout, IBAN
country, IP version, e-mail and URL domain). Not recognisable by design: realistic
names, keyed integers (``pseudonym``/``hash`` of an ``int``), ``hash`` hex digests and
``encrypt`` ciphertexts (pseudonymous data, still personal), partial masks; ``redact``,
``replace`` and a full ``mask`` leave nothing to recognise, and the scan below checks
that too.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from piiscan.anonymize.keys import Keyring
from piiscan.anonymize.operators import Operators, OperatorSpec
from piiscan.config import Config
from piiscan.detectors.reserved import is_reserved
from piiscan.model import Inventory
from piiscan.policy import level_rank, load_policy
from piiscan.scanning.scanner import Scanner

OPS = Operators(Keyring("surrogate-table-test-key-0123456789"))

# Real-looking inputs, by region or network: every branch of the surrogate generators.
PHONES = {
    "US": ["+1 (415) 867-5309", "(415) 867-5309", "415-867-5309", "415.867.5309",
           "4158675309", "1-415-867-5309", "+14158675309", "867-5309", "+1 415 867 5309"],
    "GB": ["+44 20 7123 4567", "020 7123 4567", "07911 123456", "+44 7911 123456",
           "+44 (0)20 7123 4567", "0161 496 1234", "+447911123456", "(020) 7123 4567"],
    "DE": ["+49 30 23125 479", "030 23125479", "+49 151 12345678", "0151 12345678",
           "+49-151-1234-5678", "(030) 2312547", "+49 (0)30 2312547", "0049 30 2312547"],
    "FR": ["+33 1 42 68 53 00", "01 42 68 53 00", "+33 6 12 34 56 78", "06 12 34 56 78",
           "+33142685300"],
    "IN": ["+91 98765 43210", "098765 43210", "+91-98765-43210", "9876543210",
           "+91 22 2345 6789"],
    "AU": ["+61 2 9374 4000", "(02) 9374 4000", "+61 412 345 678", "0412 345 678"],
    "JP": ["+81 3-1234-5678", "03-1234-5678", "090-1234-5678"],
    "BR": ["+55 11 91234-5678", "(11) 91234-5678"],
    "ES": ["+34 912 345 678", "912 345 678", "+34 612 34 56 78"],
    "IT": ["+39 06 1234 5678", "06 1234 5678", "+39 347 123 4567"],
    "NL": ["+31 20 123 4567", "020 123 4567", "+31 6 12345678"],
    "CN": ["+86 10 1234 5678", "+86 138 0013 8000"],
    "SG": ["+65 6123 4567", "6123 4567"],
    "MX": ["+52 55 1234 5678"],
    "PL": ["+48 12 345 67 89", "12 345 67 89"],
    "SE": ["+46 8 123 456 78", "08-123 456 78"],
    "CH": ["+41 44 668 18 00", "044 668 18 00"],
    "IE": ["+353 1 234 5678", "01 234 5678"],
    "ZA": ["+27 21 123 4567", "021 123 4567"],
    "KR": ["+82 2-312-3456", "02-312-3456"],
    "short": ["12-34", "+7"],  # too few digits: a token
}  # fmt: skip
CARDS = {
    "visa": ["4532 0151 1283 0366", "4532015112830366", "4917 4845 8989 7107 215"],
    "mastercard": ["5425-2334-3010-9903", "2223 0000 4841 0010"],
    "amex": ["3714 496353 98431", "371449635398431"],
    "diners": ["3056 9309 0259 04"],
    "discover": ["6011 0009 9013 9424"],
    "jcb": ["3530 1113 3330 0000"],
    "unionpay": ["6200 0000 0000 0005"],
    "maestro": ["6759 6498 2643 8453", "5019 7170 1010 3742", "6304 0000 0000 0000 018"],
    "other": ["4222222222222", "12 34", "not a card"],
}
SSNS = ["536-22-1234", "536 22 1234", "536221234", "078-05-1120", "12-34"]
IBANS = [
    "DE44 5001 0517 5407 3249 31", "GB29 NWBK 6016 1331 9268 19",
    "FR14 2004 1010 0505 0001 3M02 606", "NL91ABNA0417164300",
    "ES91 2100 0418 4502 0005 1332", "IT60 X054 2811 1010 0000 0123 456",
    "CH93 0076 2011 6238 5295 7", "BE68 5390 0754 7034", "AT61 1904 3002 3457 3201",
    "PL61 1090 1014 0000 0712 1981 2874", "SE45 5000 0000 0583 9825 7466",
    "IE29 AIBK 9311 5212 3456 78", "NO93 8601 1117 947", "DK50 0040 0440 1162 43",
    "FI21 1234 5600 0007 85", "PT50 0002 0123 1234 5678 9015 4",
    "LU28 0019 4006 4475 0000", "SA03 8000 0000 6080 1016 7519",
    "BR97 0036 0305 0000 1000 9795 493P 1", "MT84 MALT 0110 0001 2345 MTLC AST0 01S",
    "not an iban",
]  # fmt: skip
IPS = ["8.8.8.8", "10.1.2.3", "172.16.5.4", "192.168.0.1", "2a00:1450:4001::1", "fe80::1",
       "2001:4860:4860::8888", "::1", "host"]  # fmt: skip
EMAILS = ["jane.doe@corp.com", "j@gmail.com", "JOHN@Example.DE", "a.b-c+tag@sub.mail.co.uk"]
URLS = ["https://corp.com/u/jane", "www.shop.de/account?id=1", "http://10.0.0.1/admin"]
PEOPLE = ["Jane Doe", "Oliver", "María José García-López", "O'Neil, Sean"]
# Other types become ``<ENTITY>_<hex>`` tokens: one real-looking input each.
OTHER = {
    "UK_NHS": "943 476 5919", "UK_NINO": "QQ 12 34 56 C", "US_PASSPORT": "912803456",
    "IN_AADHAAR": "2345 6789 0124", "DE_TAX_ID": "86095742719", "STREET_ADDRESS":
    "221B Baker Street", "LOCATION": "Leeds", "NRP": "Kurdish", "RELIGION": "Catholic",
    "ETHNICITY": "Roma", "MEDICAL_CONDITION": "type 2 diabetes", "GENDER": "female",
    "NATIONALITY": "German", "USERNAME": "jdoe42", "COOKIE_ID": "a49bf79bf38c375df463a5860762cb49",
    "DEVICE_ID": "78875066-e5af-4907-88a1-e658c7dd27cc", "JOB_TITLE": "Nurse",
    "CRYPTO": "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", "PASSWORD": "hunter2!",
    "CREDENTIAL": "ghp_16C7e42F292c6912E7710c838347Ae178B4a", "VEHICLE_ID": "AB12 CDE",
    "POSTAL_CODE": "LS1 4AP", "MAC_ADDRESS": "00:1A:2B:3C:4D:5E",
}  # fmt: skip
DOMAINS = [{}, {"domain": "example.org"}, {"domain": "corp.test"}, {"length": 8}, {"length": 32}]


def _cases() -> list[tuple[str, str, str]]:
    """(entity, group, input) for every table above."""
    out = [("PHONE_NUMBER", region, v) for region, values in PHONES.items() for v in values]
    out += [("CREDIT_CARD", net, v) for net, values in CARDS.items() for v in values]
    out += [("US_SSN", "ssn", v) for v in SSNS]
    out += [("IBAN_CODE", v[:2], v) for v in IBANS]
    out += [("IP_ADDRESS", "ip", v) for v in IPS]
    out += [("EMAIL_ADDRESS", "email", v) for v in EMAILS]
    out += [("URL", "url", v) for v in URLS]
    out += [("PERSON", "person", v) for v in PEOPLE]
    out += [(entity, "token", v) for entity, v in OTHER.items()]
    return out


CASES = _cases()
RECOGNISABLE = ("pseudonym", "surrogate")


@pytest.mark.parametrize("params", DOMAINS, ids=lambda p: ",".join(map(str, p.items())) or "-")
@pytest.mark.parametrize("operator", RECOGNISABLE)
@pytest.mark.parametrize(("entity", "group", "value"), CASES)
def test_surrogates_and_pseudonyms_are_reserved(
    entity: str, group: str, value: str, operator: str, params: dict
) -> None:
    out = OPS.apply(value, entity, OperatorSpec(operator, params))
    assert isinstance(out, str) and out != value
    assert is_reserved(entity, out), (entity, group, value, out)


def test_every_policy_entity_type_gets_a_reserved_pseudonym() -> None:
    types = load_policy().personal_entities()
    assert "BIRTH_YEAR" in types
    for entity in types:
        for operator in RECOGNISABLE:
            out = OPS.apply("some value 123", entity, OperatorSpec(operator))
            assert is_reserved(entity, out), (entity, operator, out)


# -- a default scan of the outputs finds nothing at high or above -------------------------

COLUMNS = {
    "PHONE_NUMBER": "phone", "CREDIT_CARD": "card_number", "US_SSN": "ssn",
    "IBAN_CODE": "iban", "IP_ADDRESS": "ip_address", "EMAIL_ADDRESS": "email",
    "URL": "website", "PERSON": "full_name",
}  # fmt: skip
SCANNED_OPERATORS = [
    OperatorSpec("pseudonym"),
    OperatorSpec("surrogate"),
    OperatorSpec("surrogate", {"domain": "example.org"}),
    OperatorSpec("redact"),
    OperatorSpec("replace"),
    OperatorSpec("mask"),
]


def _column(entity: str) -> str:
    return COLUMNS.get(entity, entity.lower())


def _estate(root: Path) -> list[str]:
    """A SQLite table per entity type (its values in a column named for it, and in a
    sentence) and a text file of sentences, from every operator above."""
    db = sqlite3.connect(root / "copy.db")
    lines = []
    by_entity: dict[str, list[str]] = {}
    for entity, _group, value in CASES:
        for spec in SCANNED_OPERATORS:
            by_entity.setdefault(entity, []).append(str(OPS.apply(value, entity, spec)))
    for entity, outputs in by_entity.items():
        col = _column(entity)
        db.execute(f'CREATE TABLE "t_{col}" ("{col}" TEXT, notes TEXT)')
        rows = [
            (out, f"Customer asked us to update the record to {out} and call back today.")
            for out in outputs
        ]
        db.executemany(f'INSERT INTO "t_{col}" VALUES (?, ?)', rows)
        lines += [f"{col}: {out}" for out in outputs] + [r[1] for r in rows]
    db.commit()
    db.close()
    (root / "notes.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [f"sqlite:///{root / 'copy.db'}", str(root / "notes.txt")]


def _at_high(inventory: Inventory) -> list[str]:
    return [
        f"{a.asset}.{f.name}: {[e.type for e in f.entities]} {f.sensitivity}"
        for a in inventory.assets
        for f in a.fields
        if level_rank(f.sensitivity) >= level_rank("high")
    ] + [
        f"{a.asset}: {a.sensitivity} {a.notes}"
        for a in inventory.assets
        if level_rank(a.sensitivity) >= level_rank("high")
    ]


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return _estate(tmp_path_factory.mktemp("surrogates"))


def _scan_clean(estate: list[str], model: str) -> None:
    inventory = Scanner(Config(spacy_model=model, progress=False)).scan(estate)
    assert not inventory.errors
    assert _at_high(inventory) == []
    [phones] = [a for a in inventory.assets if a.asset == "t_phone"]
    [column] = [f for f in phones.fields if f.name == "phone"]
    assert dict(column.reserved).get("PHONE_NUMBER", 0) > 0  # seen, and set aside
    # counted as real (--no-default-allow-list), the same estate is very_high
    real = Scanner(Config(spacy_model=model, progress=False, ignore_reserved=False)).scan(estate)
    assert _at_high(real)


def test_a_default_rule_only_scan_finds_nothing_at_high(estate: list[str]) -> None:
    _scan_clean(estate, "none")


@pytest.mark.ner
def test_a_default_scan_with_the_model_finds_nothing_at_high(
    estate: list[str], spacy_model: str
) -> None:
    _scan_clean(estate, spacy_model)
