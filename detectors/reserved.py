"""Reserved, test and fictional values: things that look personal but belong to nobody.

Documentation domains (RFC 2606/6761: ``example.com``, ``*.test``…), fictional phone
numbers (NANP 555-0100…0199, Ofcom's drama ranges), published test card numbers,
never-issued SSN areas, documentation IP ranges (RFC 5737/3849) and piiscan's own
pseudonym tokens. The anonymizer draws its surrogates from exactly these spaces, so a
verification re-scan with ``ignore_reserved`` can tell surrogates from real data.

The constants here are shared with :mod:`piiscan.anonymize.operators`, which must only
ever produce values this module recognises.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable
from urllib.parse import urlsplit

RESERVED_DOMAINS = frozenset({"example.com", "example.org", "example.net"})
RESERVED_TLDS = frozenset({"example", "test", "invalid", "localhost"})

#: Ofcom numbers for drama (national format, 11 digits: these 8 digits + any 3).
UK_DRAMA_PREFIXES = (
    "07700900",  # mobile
    "01632960",  # no area
    "02079460",  # London
    "01134960",  # Leeds
    "01144960",  # Sheffield
    "01154960",  # Nottingham
    "01164960",  # Leicester
    "01174960",  # Bristol
    "01184960",  # Reading
    "01214960",  # Birmingham
    "01314960",  # Edinburgh
    "01414960",  # Glasgow
    "01514960",  # Liverpool
    "01614960",  # Manchester
    "02890180",  # Belfast
    "02920180",  # Cardiff
    "08081570",  # freephone
    "09098790",  # premium rate
    "03069990",  # UK-wide
)
UK_MOBILE_DRAMA, UK_GEO_DRAMA, UK_LONDON_DRAMA = UK_DRAMA_PREFIXES[:3]
#: Phones outside NANP/UK: piiscan's surrogates put this right after the country code
#: (``+CC 00…``) or write ``000…`` without one. No real national number starts so.
GENERIC_PHONE_MARK = "00"
GENERIC_PHONE_MARK_NATIONAL = "000"

#: Card numbers published by card networks and payment processors for testing.
TEST_CARDS = frozenset(
    {
        "4111111111111111",
        "4242424242424242",
        "4012888888881881",
        "4000056655665556",
        "4222222222222",
        "5555555555554444",
        "5105105105105100",
        "2223003122003222",
        "378282246310005",
        "371449635398431",
        "378734493671000",
        "6011111111111117",
        "6011000990139424",
        "3056930009020004",
        "30569309025904",
        "38520000023237",
        "3566002020360505",
        "3530111333300000",
        "6200000000000005",
    }
)
#: Issuer prefixes of the test ranges above that piiscan's card surrogates use.
SURROGATE_CARD_PREFIXES = ("400000", "555555", "222300", "378282", "305693", "353011", "601111")

#: SSNs published in examples (the Woolworth wallet card, an ad) and placeholders.
EXAMPLE_SSNS = frozenset({"078051120", "219099999", "123456789"})
NEVER_ISSUED_SSN_AREAS = ("000", "666")  # plus 900-999

#: IBAN check digits ISO 13616 never produces (it yields 02-98) yet mod-97 valid.
UNISSUED_IBAN_CHECKS = frozenset({"01", "99"})
EXAMPLE_IBANS = frozenset(
    {
        "GB82WEST12345698765432",
        "GB33BUKB20201555555555",
        "DE89370400440532013000",
        "FR1420041010050500013M02606",
        "NL91ABNA0417164300",
    }
)

DOCUMENTATION_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
)

#: Pseudonym tokens: ``Person 3FA9C2D1E4B5`` and ``<ENTITY>_<hex>``.
PERSON_TOKEN = re.compile(r"Person [0-9A-F]{8,32}")
ENTITY_TOKEN = re.compile(r"[A-Z][A-Z0-9_]*_[0-9a-f]{8,32}")

_DIGIT = re.compile(r"[0-9]")
_PLUS_FIRST = re.compile(r"^[^0-9]*\+")
_ALNUM = re.compile(r"[0-9A-Za-z]")
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")


def digits_of(text: str) -> str:
    """The ASCII digits of ``text``, in order."""
    return "".join(_DIGIT.findall(text))


def is_reserved_domain(host: str) -> bool:
    """``example.com/.org/.net`` and their subdomains, or any name under a reserved TLD."""
    host = host.strip().rstrip(".").lower()
    if host in RESERVED_DOMAINS or any(host.endswith("." + d) for d in RESERVED_DOMAINS):
        return True
    return "." in host and host.rsplit(".", 1)[1] in RESERVED_TLDS


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_mod97(compact: str) -> int:
    """ISO 7064 MOD 97-10 of an IBAN (1 means checksum-valid)."""
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97


@functools.lru_cache(maxsize=1)
def _country_codes() -> frozenset[str]:
    import phonenumbers

    return frozenset(str(c) for c in phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


def country_code(digits: str) -> str:
    """The E.164 country code at the start of ``digits`` ('' if none; codes are prefix-free)."""
    codes = _country_codes()
    return next((digits[:n] for n in (1, 2, 3) if digits[:n] in codes), "")


def has_plus(text: str) -> bool:
    """True when a ``+`` comes before the first digit (international format)."""
    return bool(_PLUS_FIRST.match(text))


def _email(text: str) -> bool:
    local, at, domain = text.rpartition("@")
    return bool(at and local) and is_reserved_domain(domain)


def _url(text: str) -> bool:
    try:
        parts = urlsplit(text if "//" in text else "//" + text)
        host = parts.hostname or ""
    except ValueError:
        return False
    if _ip(host):
        return True
    return is_reserved_domain(host)


def _nanp_fictional(digits: str) -> bool:
    if len(digits) == 7:  # local format, no area code
        return digits.startswith("55501")
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    return len(digits) == 10 and digits[3:6] == "555" and digits[6:8] == "01"


def _uk_drama(digits: str, plus: bool) -> bool:
    if plus:
        if not digits.startswith("44"):
            return False
        digits = digits[2:]
        digits = "0" + (digits[1:] if digits.startswith("0") else digits)  # +44 (0) 20…
    return len(digits) == 11 and digits.startswith(UK_DRAMA_PREFIXES)


def _phone(text: str) -> bool:
    digits = digits_of(text)
    plus = has_plus(text)
    if _nanp_fictional(digits) or _uk_drama(digits, plus):
        return True
    if plus:
        cc = country_code(digits)
        return bool(cc) and digits[len(cc) :].startswith(GENERIC_PHONE_MARK)
    return digits.startswith(GENERIC_PHONE_MARK_NATIONAL)


def _card(text: str) -> bool:
    digits = digits_of(text)
    if digits in TEST_CARDS:
        return True
    return (
        12 <= len(digits) <= 19
        and digits.startswith(SURROGATE_CARD_PREFIXES)
        and luhn_valid(digits)
    )


def _ssn(text: str) -> bool:
    digits = digits_of(text)
    if len(digits) != 9:
        return False
    return digits in EXAMPLE_SSNS or digits[:3] in NEVER_ISSUED_SSN_AREAS or digits[0] == "9"


def _iban(text: str) -> bool:
    compact = "".join(_ALNUM.findall(text)).upper()
    if compact in EXAMPLE_IBANS:
        return True
    return (
        _IBAN.fullmatch(compact) is not None
        and compact[2:4] in UNISSUED_IBAN_CHECKS
        and iban_mod97(compact) == 1
    )


def _ip(text: str) -> bool:
    candidate = text.strip().strip("[]")
    try:
        network = ipaddress.ip_network(candidate, strict=False)
    except ValueError:
        return False
    return any(
        network.version == doc.version and network.subnet_of(doc)  # type: ignore[arg-type]
        for doc in DOCUMENTATION_NETWORKS
    )


def _token(text: str) -> bool:
    return bool(PERSON_TOKEN.fullmatch(text) or ENTITY_TOKEN.fullmatch(text))


_CHECKS: dict[str, Callable[[str], bool]] = {
    "EMAIL_ADDRESS": _email,
    "URL": _url,
    "DOMAIN_NAME": _url,
    "PHONE_NUMBER": _phone,
    "CREDIT_CARD": _card,
    "US_SSN": _ssn,
    "IBAN_CODE": _iban,
    "IP_ADDRESS": _ip,
    "PERSON": _token,
}


def _phone_international(text: str) -> bool:
    """The phone rule without bare ``000…`` numbers (real account numbers start so)."""
    digits = digits_of(text)
    if has_plus(text):
        return _phone(text)
    return _nanp_fictional(digits) or _uk_drama(digits, False)


def _ssn_surrogate(text: str) -> bool:
    """Only the 666 area piiscan writes (9xx areas are ITINs, real data of another type)."""
    return re.fullmatch(r"666[- .]?\d{2}[- .]?\d{4}", text) is not None


# Tried for other entity types: a surrogate card or phone also read as another id
# (UK_NHS, US_BANK_NUMBER, DATE_TIME…) is still the surrogate.
_ANY = (_token, _email, _url, _ip, _phone_international, _card, _iban, _ssn_surrogate)


_TOKEN_IN_TEXT = re.compile(
    rf"(?<![\w-])(?:{PERSON_TOKEN.pattern}|{ENTITY_TOKEN.pattern})(?![\w-])"
)


def token_regions(text: str) -> list[tuple[int, int]]:
    """Where pseudonym tokens stand in ``text`` (NER may tag only a part of one)."""
    return [m.span() for m in _TOKEN_IN_TEXT.finditer(text)]


def is_reserved(entity: str, text: str) -> bool:
    """True when ``text``, detected as ``entity``, is a reserved, test or pseudonym value.

    The entity type's own rule applies first; then the strict rules of every type (a
    card or SSN surrogate that a recognizer also reads as a phone or a national id is
    still a surrogate; bare ``000…`` numbers and 9xx SSN areas count only as their own
    type, since real account numbers and ITINs look so).
    """
    text = text.strip()
    if not text:
        return False
    check = _CHECKS.get(entity)
    if check is not None and check(text):
        return True
    return any(rule(text) for rule in _ANY)
