"""Anonymization operators for whole cells and for detected spans in free text.

Built on presidio-anonymizer: ``redact``, ``replace``, ``mask`` and ``keep`` are
Presidio's own operators; random-IV ``encrypt`` (``deterministic: false``) is Presidio's
``Encrypt`` and :meth:`Operators.decrypt` Presidio's ``Decrypt``. piiscan's operators
run through Presidio's ``custom`` operator in free text:

* ``hash`` is a keyed HMAC-SHA256 (Presidio's ``hash`` is a plain salted SHA-256, which
  a dictionary of phone numbers or birth dates reverses);
* ``encrypt`` (default ``deterministic: true``) is AES-256-CBC in Presidio's exact format
  with a synthetic IV (HMAC of the plaintext): equal values give equal ciphertexts, so
  encrypted columns still join, and Presidio's ``Decrypt`` reverses them;
* ``pseudonym``, ``surrogate`` (see :mod:`piiscan.anonymize.surrogates`), ``generalize``
  and ``date_shift`` (see :mod:`piiscan.anonymize.generalize`).

Everything is deterministic: the same key and the same input (and entity type) give the
same output in every table and process; another key gives another output. Each
operator has its own sub-key (:meth:`Keyring.derive`).

Pseudonyms and surrogates are keyed on ``entity + "\\0" + normalised value``: e-mails are
stripped and case-folded (``A@X.COM`` and ``a@x.com`` map together), names case-folded
with whitespace collapsed, phone/card/SSN numbers reduced to their digits (and ``+``),
IBANs to upper-case without spaces, anything else stripped with whitespace collapsed.
``hash`` uses the same normalisation but not the entity, so a value hashes alike in
columns classified differently.

Types (``apply``): ``None`` stays ``None`` for every operator.

=========== ==================================================================================
keep        unchanged
redact      strings → ``""`` (``to_null: true`` → ``None``); other types → ``None``
replace     ``new_value`` as given (default the string ``<ENTITY>``)
mask        always a string (non-strings are masked as ``str(value)``)
hash        ``int`` → ``int`` with the same number of digits, no leading zero, sign kept;
            everything else → hex string (``length``, default 64)
encrypt     always a string (``str(value)``, dates as ISO 8601, is encrypted)
pseudonym   ``int`` → ``int`` (as ``hash``); everything else → string token
surrogate   ``int`` → ``int`` when the surrogate is all digits without a leading zero,
            else a string; everything else → string
generalize  dates/datetimes → same type (Jan 1 or first of the month), or the
            ``age_band`` string; ``int``/``float``/``Decimal`` → same type; strings →
            strings; unreadable values → ``None``
date_shift  dates/datetimes → same type; strings → same format; unreadable → ``None``
=========== ==================================================================================

Where a type cannot be kept the result is a string and the caller decides (cast, or
write into a text column).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from presidio_anonymizer import AnonymizerEngine, OperatorConfig, RecognizerResult
from presidio_anonymizer.operators import Decrypt, Encrypt, Mask, Replace

from piiscan.anonymize import generalize as gen
from piiscan.anonymize import surrogates as sur
from piiscan.anonymize.keys import Keyring
from piiscan.detectors.reserved import is_reserved_domain
from piiscan.errors import ConfigError
from piiscan.model import Span

OPERATORS = (
    "keep",
    "redact",
    "replace",
    "mask",
    "hash",
    "encrypt",
    "pseudonym",
    "surrogate",
    "generalize",
    "date_shift",
)
#: Parameters each operator accepts.
PARAMS: dict[str, frozenset[str]] = {
    "keep": frozenset(),
    "redact": frozenset({"to_null"}),
    "replace": frozenset({"new_value"}),
    "mask": frozenset({"masking_char", "chars_to_mask", "from_end"}),
    "hash": frozenset({"length"}),
    "encrypt": frozenset({"deterministic"}),
    "pseudonym": frozenset({"length", "domain"}),
    "surrogate": frozenset({"length", "domain"}),
    "generalize": frozenset({"to", "as_of", "width", "step", "decimals", "country"}),
    "date_shift": frozenset({"max_days"}),
}
GENERALIZE_TO = ("year", "month", "age_band")
DEFAULT_MAX_DAYS = 180
DEFAULT_SALARY_STEP = 10_000
DEFAULT_NUMBER_STEP = 10
_DIGITS_ONLY = frozenset(
    {"PHONE_NUMBER", "CREDIT_CARD", "US_SSN", "UK_NHS", "US_BANK_NUMBER", "IN_AADHAAR"}
)
_WS = re.compile(r"\s+")
_NOT_DIGIT = re.compile(r"[^0-9+]")


@dataclass(frozen=True)
class OperatorSpec:
    """An operator name and its parameters, as the anonymization plan chose them."""

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)


def _check(ok: bool, name: str, message: str) -> None:
    if not ok:
        raise ConfigError(f"operator {name}: {message}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_spec(spec: OperatorSpec) -> None:
    """Raise :class:`ConfigError` (one line) for an unknown operator, parameter or value."""
    name, params = spec.name, dict(spec.params)
    if name not in PARAMS:
        raise ConfigError(
            f"unknown anonymization operator {name!r} (choose from: {', '.join(OPERATORS)})"
        )
    unknown = sorted(set(params) - PARAMS[name])
    allowed = ", ".join(sorted(PARAMS[name])) or "none"
    _check(not unknown, name, f"unknown parameter(s) {', '.join(unknown)} (allowed: {allowed})")
    for key in ("to_null", "from_end", "deterministic"):
        if key in params:
            _check(isinstance(params[key], bool), name, f"{key} must be true or false")
    if "masking_char" in params:
        char = params["masking_char"]
        _check(isinstance(char, str) and len(char) == 1, name, "masking_char must be one character")
    if "chars_to_mask" in params:
        n = params["chars_to_mask"]
        _check(_is_int(n) and n >= 0, name, "chars_to_mask must be a whole number >= 0")
    if "length" in params:
        top = 64 if name == "hash" else 32
        n = params["length"]
        _check(_is_int(n) and 8 <= n <= top, name, f"length must be between 8 and {top}")
    if "domain" in params:
        domain = params["domain"]
        _check(
            isinstance(domain, str) and is_reserved_domain(domain),
            name,
            "domain must be a reserved one (example.com/.org/.net, *.example, *.test, "
            "*.invalid, *.localhost)",
        )
    if "to" in params:
        _check(params["to"] in GENERALIZE_TO, name, f"to must be one of {', '.join(GENERALIZE_TO)}")
    if "as_of" in params:
        _check(_as_date(params["as_of"]) is not None, name, "as_of must be a date (YYYY-MM-DD)")
    for key in ("width", "max_days"):
        if key in params:
            _check(_is_int(params[key]) and params[key] >= 1, name, f"{key} must be >= 1")
    if "step" in params:
        step = params["step"]
        ok = isinstance(step, int | float | Decimal) and not isinstance(step, bool) and step > 0
        _check(ok, name, "step must be a positive number")
    if "decimals" in params:
        n = params["decimals"]
        _check(_is_int(n) and 0 <= n <= 10, name, "decimals must be between 0 and 10")
    if "country" in params:
        _check(isinstance(params["country"], str), name, "country must be a country code")


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def normalise(entity: str, value: Any) -> str:
    """The form a value is keyed on (see the module docstring)."""
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    if entity == "EMAIL_ADDRESS":
        return text.strip().casefold()
    if entity == "PERSON":
        return _WS.sub(" ", text).strip().casefold()
    if entity in _DIGITS_ONLY:
        digits = _NOT_DIGIT.sub("", text)
        return digits or text.strip()
    if entity == "IBAN_CODE":
        return re.sub(r"[\s-]", "", text).upper()
    return _WS.sub(" ", text).strip()


class Operators:
    """Applies :class:`OperatorSpec` s to cells (:meth:`apply`) and free text (:meth:`apply_text`).

    ``realistic_names``: PERSON surrogates are first/last names from a bundled list
    instead of ``Person <TOKEN>`` pseudonym tokens (they then cannot be told from real
    names by a re-scan).
    """

    def __init__(self, keyring: Keyring, *, realistic_names: bool = False) -> None:
        self.keyring = keyring
        self.realistic_names = realistic_names
        self._hash_key = keyring.derive("hash")
        self._pseudonyms = sur.Prf(keyring.derive("pseudonym"))
        self._shifts = sur.Prf(keyring.derive("date-shift"))
        self._aes_key = keyring.derive("encrypt")
        self._iv_key = keyring.derive("encrypt-iv")
        self._engine = AnonymizerEngine()
        self._handlers: dict[str, Callable[[Any, str, Mapping[str, Any], str | None], Any]] = {
            "keep": lambda v, e, p, s: v,
            "redact": self._redact,
            "replace": self._replace,
            "mask": self._mask,
            "hash": self._hash,
            "encrypt": self._encrypt,
            "pseudonym": self._pseudonym,
            "surrogate": self._surrogate,
            "generalize": self._generalize,
            "date_shift": self._date_shift,
        }

    def __repr__(self) -> str:
        return f"Operators(key_id={self.keyring.key_id!r})"

    # -- public API ---------------------------------------------------------------------

    def apply(
        self, value: Any, entity: str, spec: OperatorSpec, *, subject: str | None = None
    ) -> Any:
        """The anonymized form of one whole cell (types as in the module docstring).

        ``subject`` identifies the person the row is about (for ``date_shift``: one
        offset per person, whatever the table).
        """
        if value is None:
            return None
        handler = self._handlers.get(spec.name)
        if handler is None:
            validate_spec(spec)  # raises the one-line error
        assert handler is not None
        return handler(value, entity, spec.params, subject)

    def apply_text(
        self,
        text: str,
        spans: Sequence[Span],
        spec_for: Callable[[str], OperatorSpec],
        *,
        subject: str | None = None,
    ) -> str:
        """``text`` with each detected span replaced and everything else kept.

        Overlapping spans are resolved first: the higher score wins, then the longer
        span. Spans outside the text are ignored.
        """
        chosen = _resolve_overlaps([s for s in spans if 0 <= s.start < s.end <= len(text)])
        if not chosen:
            return text
        results = [RecognizerResult(s.entity_type, s.start, s.end, s.score) for s in chosen]
        configs = {
            entity: self._text_config(entity, spec_for(entity), subject)
            for entity in {s.entity_type for s in chosen}
        }
        return self._engine.anonymize(text, results, configs).text

    def decrypt(self, value: str) -> str:
        """The plaintext of an ``encrypt`` output (Presidio's ``Decrypt``, derived key)."""
        try:
            return Decrypt().operate(value, {"key": self._aes_key})
        except (ValueError, TypeError, UnicodeDecodeError):
            raise ConfigError(
                "cannot decrypt: not a piiscan ciphertext, or another key "
                f"(this key: {self.keyring.key_id})"
            ) from None

    def date_offset(self, subject: str, max_days: int = DEFAULT_MAX_DAYS) -> int:
        """The non-zero shift in days, within ±``max_days``, for one subject."""
        n = self._shifts.number(2 * max_days, "date-shift", subject)
        offset = n - max_days
        return offset + 1 if offset >= 0 else offset

    # -- free text ----------------------------------------------------------------------

    def _text_config(self, entity: str, spec: OperatorSpec, subject: str | None) -> OperatorConfig:
        p = spec.params
        if spec.name == "keep":
            return OperatorConfig("keep")
        if spec.name == "redact":
            return OperatorConfig("redact")
        if spec.name == "replace":
            return OperatorConfig("replace", {"new_value": str(p.get("new_value", f"<{entity}>"))})
        if spec.name == "mask":
            return OperatorConfig("mask", self._mask_params(p, 10**9))
        if spec.name == "encrypt" and not p.get("deterministic", True):
            return OperatorConfig("encrypt", {"key": self._aes_key})
        if spec.name not in self._handlers:
            validate_spec(spec)

        def operate(span_text: str) -> str:
            out = self._handlers[spec.name](span_text, entity, p, subject)
            return f"<{entity}>" if out is None else str(out)

        return OperatorConfig("custom", {"lambda": operate})

    # -- operators ----------------------------------------------------------------------

    @staticmethod
    def _redact(value: Any, entity: str, p: Mapping[str, Any], subject: str | None) -> Any:
        if isinstance(value, str) and not p.get("to_null", False):
            return ""
        return None

    @staticmethod
    def _replace(value: Any, entity: str, p: Mapping[str, Any], subject: str | None) -> Any:
        if "new_value" in p and not isinstance(p["new_value"], str):
            return p["new_value"]
        params = {"new_value": p.get("new_value"), "entity_type": entity}
        return Replace().operate(str(value), params)

    @staticmethod
    def _mask_params(p: Mapping[str, Any], length: int) -> dict[str, Any]:
        return {
            "masking_char": p.get("masking_char", "*"),
            "chars_to_mask": p.get("chars_to_mask", length),
            "from_end": p.get("from_end", False),
        }

    def _mask(self, value: Any, entity: str, p: Mapping[str, Any], subject: str | None) -> str:
        text = _text_of(value)
        return Mask().operate(text, self._mask_params(p, len(text)))

    def _keyed_int(self, prf_digest: bytes, value: int) -> int:
        width = len(str(abs(value)))
        low = 10 ** (width - 1) if width > 1 else 1
        span = 9 * 10 ** (width - 1) if width > 1 else 9
        out = low + int.from_bytes(prf_digest, "big") % span
        return -out if value < 0 else out

    def _hash(self, value: Any, entity: str, p: Mapping[str, Any], subject: str | None) -> Any:
        digest = hmac.new(
            self._hash_key,
            normalise(entity, value).encode("utf-8", "surrogatepass"),
            hashlib.sha256,
        ).digest()
        if _is_int(value):
            return self._keyed_int(digest, value)
        return digest.hex()[: p.get("length", 64)]

    def _encrypt(self, value: Any, entity: str, p: Mapping[str, Any], subject: str | None) -> str:
        text = _text_of(value)
        if not p.get("deterministic", True):
            return Encrypt().operate(text, {"key": self._aes_key})
        return _aes_cbc(self._aes_key, self._iv_key, text)

    def _token(self, entity: str, value: Any, p: Mapping[str, Any]) -> str:
        length = p.get("length", sur.DEFAULT_TOKEN_LENGTH)
        return self._pseudonyms.token(length, entity, normalise(entity, value))

    def _pseudonym(self, value: Any, entity: str, p: Mapping[str, Any], subject: str | None) -> Any:
        if _is_int(value):
            return self._keyed_int(self._pseudonyms.digest(entity, normalise(entity, value)), value)
        token = self._token(entity, value, p)
        if entity == "EMAIL_ADDRESS":
            return sur.email_pseudonym(token, p.get("domain", sur.DEFAULT_DOMAIN))
        if entity == "PERSON":
            return sur.person_token(token)
        return sur.entity_token(entity, token)

    def _surrogate(self, value: Any, entity: str, p: Mapping[str, Any], subject: str | None) -> Any:
        text = _text_of(value)
        seed = entity + "\0" + normalise(entity, value)
        prf = self._pseudonyms
        token = self._token(entity, value, p)
        domain = p.get("domain", sur.DEFAULT_DOMAIN)
        if entity == "PHONE_NUMBER":
            out = sur.phone(prf, seed, text, token)
        elif entity == "CREDIT_CARD":
            out = sur.credit_card(prf, seed, text)
        elif entity == "US_SSN":
            out = sur.us_ssn(prf, seed, text)
        elif entity == "IBAN_CODE":
            out = sur.iban(prf, seed, text)
        elif entity == "IP_ADDRESS":
            out = sur.ip_address(prf, seed, text)
        elif entity == "URL":
            out = sur.url(token, domain)
        elif entity == "PERSON" and self.realistic_names:
            out = sur.realistic_name(prf, seed, text)
        else:
            out = self._pseudonym(text, entity, p, subject)
        if _is_int(value) and out.isascii() and out.isdigit() and not out.startswith("0"):
            return int(out)
        return out

    def _generalize(
        self, value: Any, entity: str, p: Mapping[str, Any], subject: str | None
    ) -> Any:
        to = p.get("to", "year")
        width = p.get("width", 10)
        as_of = _as_date(p["as_of"]) if "as_of" in p else dt.date.today()
        assert as_of is not None
        if entity == "DATE_OF_BIRTH" or isinstance(value, dt.date):
            return gen.generalize_date(value, to, as_of, width)
        if entity == "AGE":
            return gen.band(value, width)
        if entity == "POSTAL_CODE":
            return gen.postal_prefix(value, p.get("country"))
        if entity == "GEO_COORDINATE":
            return gen.round_coordinates(value, p.get("decimals", 2))
        if entity == "SALARY":
            return gen.round_step(value, p.get("step", DEFAULT_SALARY_STEP))
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return gen.round_step(value, p.get("step", DEFAULT_NUMBER_STEP))
        text = str(value)
        if gen.parse_date(text) is not None:
            return gen.generalize_date(text, to, as_of, width)
        return text[: max(1, len(text) // 2)] if text else text

    def _date_shift(
        self, value: Any, entity: str, p: Mapping[str, Any], subject: str | None
    ) -> Any:
        # Without a subject the offset comes from the value itself: equal dates move
        # together, but one person's dates move by different amounts (intervals break).
        key = subject if subject is not None else "value\0" + normalise(entity, value)
        return gen.shift_date(value, self.date_offset(key, p.get("max_days", DEFAULT_MAX_DAYS)))


def _text_of(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _aes_cbc(key: bytes, iv_key: bytes, text: str) -> str:
    """Presidio's ``AESCipher.encrypt`` format (urlsafe b64 of IV + AES-CBC/PKCS7) with a
    synthetic IV, so equal plaintexts give equal ciphertexts."""
    data = text.encode("utf-8", "surrogatepass")
    iv = hmac.new(iv_key, data, hashlib.sha256).digest()[:16]
    padder = padding.PKCS7(algorithms.AES.block_size).padder()
    padded = padder.update(data) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return base64.urlsafe_b64encode(iv + encryptor.update(padded) + encryptor.finalize()).decode()


def _resolve_overlaps(spans: Sequence[Span]) -> list[Span]:
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (-s.score, -(s.end - s.start), s.start)):
        if all(span.end <= k.start or k.end <= span.start for k in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: s.start)
