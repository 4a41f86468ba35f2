"""Reserved, test and fictional values: things that look personal but belong to nobody.

Documentation domains (RFC 2606/6761: ``example.com``, ``*.test``…), fictional phone
numbers (NANP 555-0100…0199, Ofcom's drama ranges), published test card numbers,
never-issued SSN areas, documentation IP ranges (RFC 5737/3849), piiscan's own
pseudonym tokens and redaction placeholders (``<PASSWORD>``, ``********``). The
anonymizer draws its surrogates from exactly these spaces, so a scan with
``ignore_reserved`` (the default) can tell surrogates from real data: every value
:mod:`piiscan.anonymize.surrogates` and :mod:`piiscan.anonymize.operators` write with
``pseudonym`` or ``surrogate`` is recognised here, for every entity type and layout
(``tests/test_anon_surrogates_reserved.py``). This module is the single source of truth
both sides use; :func:`is_reserved_at` also recognises a recognizer's reading of part of
a reserved value (``00 55017 377`` of ``+49 00 55017 377``, digit groups of an IBAN).
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from piiscan.checksums import iban_mod97, luhn_valid

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

#: Redaction placeholders: ``replace``'s default ``<ENTITY>`` and a value masked whole.
PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*>|[*\u2022]{3,}")

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


#: Every reserved host or documentation address holds one of these (a cheap first test:
#: most spans are checked and most are not reserved).
_IP_MARKS = ("192.0.2.", "198.51.100.", "203.0.113.", "2001:db8", "2001:0db8")
_HOST_MARKS = ("example", ".test", ".invalid", ".localhost", *_IP_MARKS)


def _url(text: str) -> bool:
    lower = text.lower()
    if not any(mark in lower for mark in _HOST_MARKS):
        return False
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
    lower = text.lower()
    if not any(mark in lower for mark in _IP_MARKS):
        return False
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


def _placeholder(text: str) -> bool:
    """What ``replace`` (``<PASSWORD>``) and a full ``mask`` (``********``) leave."""
    return PLACEHOLDER.fullmatch(text) is not None


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
_ANY = (_token, _placeholder, _email, _url, _ip, _phone_international, _card, _iban, _ssn_surrogate)


_TOKEN_IN_TEXT = re.compile(
    rf"(?<![\w-])(?:{PERSON_TOKEN.pattern}|{ENTITY_TOKEN.pattern})(?![\w-])"
    r"|<[A-Z][A-Z0-9_]*>"
)


def token_regions(text: str) -> list[tuple[int, int]]:
    """Where pseudonym tokens and ``<ENTITY>`` placeholders stand in ``text`` (NER may
    tag only a part of one)."""
    return [m.span() for m in _TOKEN_IN_TEXT.finditer(text)]


#: The ``encrypt`` operator's ciphertext (Presidio's format): urlsafe base64 of a 16-byte
#: IV and one or more AES blocks, i.e. 32, 48, 64… bytes: 44, 64, 88… characters.
_CIPHERTEXT_IN_TEXT = re.compile(r"(?<![\w=-])[A-Za-z0-9_-]{42,}={0,2}(?![\w=-])")
AES_BLOCK = 16


def _is_ciphertext(token: str) -> bool:
    if len(token) % 4 or not (re.search("[a-z]", token) and re.search("[A-Z]", token)):
        return False
    size = len(token) // 4 * 3 - token.count("=")
    return size >= 2 * AES_BLOCK and size % AES_BLOCK == 0


def ciphertext_regions(text: str) -> list[tuple[int, int]]:
    """Where values the ``encrypt`` operator wrote stand in ``text`` (NER reads pieces of
    them as names, places and groups)."""
    if len(text) < 44:
        return []
    return [m.span() for m in _CIPHERTEXT_IN_TEXT.finditer(text) if _is_ciphertext(m.group())]


# An IBAN written compact or in groups; the match may run on into the next upper-case
# word, so prefixes of it are tried (see :func:`value_regions`).
_IBAN_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])[A-Z]{2}[0-9]{2}(?:[ -]?[0-9A-Z]){11,34}")
_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
#: Characters the start of a written number runs over: a span of its tail (``00 55017
#: 377`` of ``+49 00 55017 377``) is judged with the start, where a surrogate's mark is.
_RUN_CHARS = frozenset("0123456789()-. \u00a0")
_RUN_START = frozenset("0123456789+(")
MIN_IBAN_CHARS = 15


def _iban_regions(text: str) -> list[tuple[int, int]]:
    found = []
    for m in _IBAN_IN_TEXT.finditer(text):
        ends = [m.start() + i + 1 for i, ch in enumerate(m.group()) if ch.isalnum()]
        for n in range(len(ends), MIN_IBAN_CHARS - 1, -1):
            if _iban(text[m.start() : ends[n - 1]]):
                found.append((m.start(), ends[n - 1]))
                break
    return found


def value_regions(text: str) -> list[tuple[int, int]]:
    """Where reserved values that recognizers may read only in part stand in ``text``:
    reserved IBANs (their digit groups look like phone numbers and licences) and
    e-mail addresses in reserved domains."""
    if not any(c.isdigit() or c == "@" for c in text):
        return []
    regions = _iban_regions(text)
    if "@" in text:
        regions += [m.span() for m in _EMAIL_IN_TEXT.finditer(text) if _email(m.group())]
    return regions


def number_start(text: str, start: int) -> int:
    """Where the written number that ``text[start:]`` continues begins: ``start`` moved
    back over digits, spaces and ``()-.`` up to a ``+`` (which starts a number; a ``/``
    or a letter ends it), then forward to a digit, ``+`` or ``(``. Only the start is
    extended: a number written after the span is another number."""
    if text.startswith("+", start):
        return start
    a = start
    while a > 0 and text[a - 1] in _RUN_CHARS:
        a -= 1
    if a > 0 and text[a - 1] == "+":
        a -= 1
    while a < start and text[a] not in _RUN_START:
        a += 1
    return a


def _alnum_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """``start, end`` moved inwards past non-alphanumeric characters (``59P.`` -> ``59P``)."""
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return start, end


def is_reserved_at(
    entity: str, text: str, start: int, end: int, regions: list[tuple[int, int]]
) -> bool:
    """True when the span ``text[start:end]`` detected as ``entity`` is a reserved value,
    the tail of a written number that is one, or inside one of ``regions``
    (:func:`value_regions`)."""
    if is_reserved(entity, text[start:end]):
        return True
    if regions:
        first, last = _alnum_bounds(text, start, end)
        if any(a <= first and last <= b for a, b in regions):
            return True
    if _DIGIT.search(text, start, end) is None:
        return False
    a = number_start(text, start)
    return a != start and is_reserved(entity, text[a:end])


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
