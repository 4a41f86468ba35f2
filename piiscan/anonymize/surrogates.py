"""Format-preserving surrogates drawn from reserved or test spaces, and pseudonym tokens.

Every value here is deterministic: a keyed PRF (HMAC-SHA256) of the entity type and
the normalised input picks the digits, so the same key gives the same surrogate in
every table, file and process. Every surrogate is one that
:func:`piiscan.detectors.reserved.is_reserved` recognises, so a scan (which sets
reserved values aside by default) and the verification re-scan can tell it from real
data; ``tests/test_anon_surrogates_reserved.py`` checks every type and layout below:

=============== =======================================================================
EMAIL_ADDRESS   ``user-<token>@example.com`` (or another reserved ``domain``: ``x.test``)
PHONE_NUMBER    the input's layout (separators, ``+``, length) with new digits: NANP
                ``NPA-555-01xx``; UK ``07700 900xxx`` (mobile) or ``01632 960xxx`` (Ofcom
                drama ranges); elsewhere the country code is kept and the national
                number becomes ``00…`` (``000…`` without a country code). No country
                reserves a fictional range there, so these are *invalid* numbers instead.
CREDIT_CARD     same length and grouping, a test-range issuer prefix chosen by the first
                digit (``400000``, ``555555``, ``222300``, ``378282``, ``305693``,
                ``353011``, ``601111``), Luhn-valid; not a real card
US_SSN          area ``666`` (never issued; Presidio's own recognizer rejects it),
                separators kept
IBAN_CODE       same country, length and grouping; the BBAN (bank code included) is
                replaced and the check digits are ``01`` or ``99``: mod-97 valid, but
                ISO 13616 never issues them (02-98). The BBAN itself may exist.
IP_ADDRESS      RFC 5737 ``192.0.2.0/24``, ``198.51.100.0/24``, ``203.0.113.0/24``;
                IPv6 ``2001:db8::/32``
URL             ``https://example.com/<token>``
PERSON          ``Person <TOKEN>``; with ``realistic_names`` a first and last name from
                a bundled list (realistic names are *not* recognisable as reserved)
anything else   ``<ENTITY>_<token>``
=============== =======================================================================
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import re
from collections.abc import Sequence
from importlib import resources

import yaml

from piiscan.checksums import iban_check_digits, luhn_check_digit
from piiscan.detectors.reserved import (
    GENERIC_PHONE_MARK,
    GENERIC_PHONE_MARK_NATIONAL,
    UK_GEO_DRAMA,
    UK_LONDON_DRAMA,
    UK_MOBILE_DRAMA,
    country_code,
    has_plus,
)

DEFAULT_TOKEN_LENGTH = 12
DEFAULT_DOMAIN = "example.com"
NANP_AREA_CODES = (
    "201", "202", "206", "212", "213", "305", "312", "404", "415",
    "503", "512", "602", "617", "702", "713", "718", "805", "917",
)  # fmt: skip
DOC_NETWORKS_V4 = ("192.0.2.", "198.51.100.", "203.0.113.")
_DIGIT = re.compile(r"[0-9]")
_ALNUM = re.compile(r"[0-9A-Za-z]")
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_CARD_FALLBACK = "0000 0000 0000 0000"
_SSN_FALLBACK = "000-00-0000"
_IBAN_FALLBACK = "GB00 XXXX 0000 0000 0000 00"


class Prf:
    """A keyed pseudo-random function: deterministic bytes, digits and choices."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def digest(self, *parts: str) -> bytes:
        message = "\0".join(parts).encode("utf-8", "surrogatepass")
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def stream(self, n: int, *parts: str) -> bytes:
        """``n`` bytes (counter mode over :meth:`digest`)."""
        out = b""
        counter = 0
        while len(out) < n:
            out += self.digest(*parts, f"#{counter}")
            counter += 1
        return out[:n]

    def token(self, length: int, *parts: str) -> str:
        return self.stream((length + 1) // 2, *parts).hex()[:length]

    def number(self, below: int, *parts: str) -> int:
        """An integer in ``[0, below)`` (negligible bias: 256 bits reduced)."""
        return int.from_bytes(self.digest(*parts), "big") % below

    def digits(self, n: int, *parts: str) -> str:
        return "".join(str(b % 10) for b in self.stream(n, *parts))

    def letters(self, n: int, *parts: str) -> str:
        return "".join(chr(ord("A") + b % 26) for b in self.stream(n, *parts))

    def choice(self, options: Sequence[str], *parts: str) -> str:
        return options[self.number(len(options), *parts)]


def entity_token(entity: str, token: str) -> str:
    """``<ENTITY>_<token>`` with the entity name reduced to ``[A-Z0-9_]``."""
    name = re.sub(r"[^A-Z0-9_]", "_", entity.upper()) or "VALUE"
    if not name[0].isalpha():
        name = "X" + name
    return f"{name}_{token}"


def person_token(token: str) -> str:
    return f"Person {token.upper()}"


def email_pseudonym(token: str, domain: str = DEFAULT_DOMAIN) -> str:
    return f"user-{token}@{domain}"


def _fill(template: str, positions: Sequence[int], new: str) -> str:
    chars = list(template)
    for i, ch in zip(positions, new, strict=True):
        chars[i] = ch
    return "".join(chars)


def _digit_positions(text: str) -> list[int]:
    return [m.start() for m in _DIGIT.finditer(text)]


# -- phone --------------------------------------------------------------------------------


def _uk_drama_prefix(national: str) -> str:
    """Ofcom's drama range for mobiles, London (same 3-4-4 layout), or no area."""
    if national.startswith("07"):
        return UK_MOBILE_DRAMA
    return UK_LONDON_DRAMA if national.startswith("020") else UK_GEO_DRAMA


def _phone_digits(prf: Prf, seed: str, digits: str, plus: bool) -> str | None:
    n = len(digits)

    def fill(k: int) -> str:
        return prf.digits(k, seed, "phone")

    area = prf.choice(NANP_AREA_CODES, seed, "area")
    if n == 11 and digits[0] == "1":
        return "1" + area + "55501" + fill(2)
    if not plus and n == 10 and digits[0] in "23456789":
        return area + "55501" + fill(2)
    if not plus and n == 7:
        return "55501" + fill(2)
    if plus and digits.startswith("44") and (n == 12 or (n == 13 and digits[2] == "0")):
        prefix = _uk_drama_prefix("0" + (digits[3:] if n == 13 else digits[2:]))
        return "44" + ("0" if n == 13 else "") + prefix[1:] + fill(3)
    if not plus and n == 11 and digits[0] == "0":
        return _uk_drama_prefix(digits) + fill(3)
    if plus:
        cc = country_code(digits) or "1"
        rest = n - len(cc) - len(GENERIC_PHONE_MARK)
        return cc + GENERIC_PHONE_MARK + fill(rest) if rest >= 2 else None
    rest = n - len(GENERIC_PHONE_MARK_NATIONAL)
    return GENERIC_PHONE_MARK_NATIONAL + fill(rest) if rest >= 2 else None


def phone(prf: Prf, seed: str, text: str, token: str) -> str:
    positions = _digit_positions(text)
    digits = "".join(text[i] for i in positions)
    new = _phone_digits(prf, seed, digits, has_plus(text))
    if new is None:  # too few digits to be a phone number: a token instead
        return entity_token("PHONE_NUMBER", token)
    return _fill(text, positions, new)


# -- card, SSN, IBAN ----------------------------------------------------------------------


def _card_prefix(first: str, length: int) -> str:
    if first == "3":
        return {15: "378282", 14: "305693"}.get(length, "353011")
    return {"5": "555555", "2": "222300", "6": "601111"}.get(first, "400000")


def credit_card(prf: Prf, seed: str, text: str) -> str:
    positions = _digit_positions(text)
    first = text[positions[0]] if positions else "4"
    if not 12 <= len(positions) <= 19:
        text, positions = _CARD_FALLBACK, _digit_positions(_CARD_FALLBACK)
    prefix = _card_prefix(first, len(positions))
    body = prefix + prf.digits(len(positions) - len(prefix) - 1, seed, "card")
    return _fill(text, positions, body + luhn_check_digit(body))


def us_ssn(prf: Prf, seed: str, text: str) -> str:
    positions = _digit_positions(text)
    if len(positions) != 9:
        text, positions = _SSN_FALLBACK, _digit_positions(_SSN_FALLBACK)
    group = 1 + prf.number(99, seed, "ssn-group")
    serial = 1 + prf.number(9999, seed, "ssn-serial")
    return _fill(text, positions, f"666{group:02d}{serial:04d}")


def iban(prf: Prf, seed: str, text: str) -> str:
    positions = [m.start() for m in _ALNUM.finditer(text)]
    compact = "".join(text[i] for i in positions).upper()
    if not _IBAN.fullmatch(compact):
        text = _IBAN_FALLBACK
        positions = [m.start() for m in _ALNUM.finditer(text)]
        compact = "".join(text[i] for i in positions)
    country, bban_shape = compact[:2], compact[4:]
    for attempt in range(10_000):  # ~1 in 48 candidates has check digits 02 or 98
        digits = prf.digits(len(bban_shape), seed, "iban", str(attempt))
        letters = prf.letters(len(bban_shape), seed, "iban", str(attempt))
        bban = "".join(
            d if c.isdigit() else ch for c, d, ch in zip(bban_shape, digits, letters, strict=True)
        )
        check = iban_check_digits(country, bban)
        if check in (2, 98):
            new = country + ("99" if check == 2 else "01") + bban
            return _fill(text, positions, new)
    raise RuntimeError("no IBAN surrogate found")  # pragma: no cover - probability ~0


# -- network ------------------------------------------------------------------------------


def ip_address(prf: Prf, seed: str, text: str) -> str:
    try:
        version = ipaddress.ip_address(text.strip().strip("[]")).version
    except ValueError:
        version = 6 if text.count(":") >= 2 else 4
    if version == 6:
        groups = prf.stream(12, seed, "ipv6")
        words = [f"{groups[i] << 8 | groups[i + 1]:x}" for i in range(0, 12, 2)]
        return str(ipaddress.IPv6Address("2001:db8:" + ":".join(words)))
    network = prf.choice(DOC_NETWORKS_V4, seed, "ipv4-net")
    return network + str(1 + prf.number(254, seed, "ipv4-host"))


def url(token: str, domain: str = DEFAULT_DOMAIN) -> str:
    return f"https://{domain}/{token}"


# -- names --------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    text = resources.files("piiscan").joinpath("data/surrogate_names.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    return tuple(data["first"]), tuple(data["last"])


def realistic_name(prf: Prf, seed: str, text: str) -> str:
    """A first name, plus a last name when the input has more than one word."""
    first_names, last_names = _names()
    first = prf.choice(first_names, seed, "first")
    if len(text.split()) < 2:
        return first
    return f"{first} {prf.choice(last_names, seed, 'last')}"
