"""Evidence without raw values: masking, keyed hashes, and credential scrubbing.

Low-entropy values (phones, birth dates) are reversible from a plain hash, so hashes
are always keyed (HMAC-SHA256). Masks reveal at most a quarter of a value's
characters and never more than three.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

_SECRET_QUERY_KEYS = re.compile(
    r"(pass(word)?|pwd|secret|token|key|credential|signature|sig|auth)", re.IGNORECASE
)
MASK = "***"
#: A whole e-mail address: its domain (kept in masks) is dot-separated labels of letters,
#: digits and hyphens ending in a letters-only TLD, so ``j@corp.com;ssn:219...`` is not one.
_EMAIL_SHAPE = re.compile(r"[^@\s]+@(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,63}")
#: ``user:`` at the start of a URL's authority (SQLAlchemy's reading: no ``:`` or ``/``).
_USER_COLON = re.compile(r"[^:/?#@]*:")


class EvidenceEncoder:
    """Turns a raw value into evidence safe to store: a mask, a keyed hash, or nothing."""

    def __init__(self, mode: str = "masked", key: bytes | None = None) -> None:
        self.mode = mode
        self.ephemeral_key = key is None
        self._key = key if key is not None else secrets.token_bytes(32)

    def keyed_hash(self, value: str) -> str:
        digest = hmac.new(self._key, value.encode("utf-8", "surrogatepass"), hashlib.sha256)
        return "hmac-sha256:" + digest.hexdigest()[:16]

    def encode(self, value: str, entity_type: str | None = None) -> str:
        if self.mode == "none":
            return ""
        if self.mode == "hash":
            return self.keyed_hash(value)
        return mask_value(value, entity_type)

    def encode_detected(self, value: str, spans: Iterable[Any], entity_type: str) -> str:
        """Evidence of ``entity_type`` in ``value``: its best span (highest score, then
        longest) encoded alone, so nothing of the rest of the cell shows; ``""`` when no
        span of that type is in ``value``."""
        best = max(
            (s for s in spans if s.entity_type == entity_type and 0 <= s.start < s.end),
            key=lambda s: (s.score, s.end - s.start),
            default=None,
        )
        if best is None:
            return ""
        return self.encode(value[best.start : best.end], entity_type)


def mask_value(value: str, entity_type: str | None = None) -> str:
    """Mask a value so that no more than a small, bounded part of it remains visible.

    ``jane.doe@example.com`` → ``j***@example.com`` (the domain is kept: it is the
    organisation, rarely the person); everything else keeps at most its first and
    last character of each run and never more than a quarter of the characters.
    """
    value = value.strip()
    if not value:
        return MASK
    if _EMAIL_SHAPE.fullmatch(value):  # only a whole address: never keep a cell's tail
        local, _, domain = value.rpartition("@")
        return f"{local[:1]}{MASK}@{domain}" if len(local) > 1 else f"{MASK}@{domain}"
    visible = min(3, len(value) // 4)
    if visible == 0:
        return MASK
    head = max(1, visible - 1) if visible > 1 else 1
    tail = visible - head
    return value[:head] + MASK + (value[-tail:] if tail else "")


def _userinfo(url: str) -> tuple[int, int, int] | None:
    """``(user_end, password_start, password_end)`` offsets of ``user:password@`` in ``url``.

    Passwords are often written unencoded (``p@ss/w#rd``), which :func:`urlsplit` cuts at
    the first ``/``, ``?`` or ``#`` and SQLAlchemy at the first ``@``. The password is
    taken to run to the *last* ``@`` of the URL, so no reading of it can leave a part
    visible (an ``@`` later in a path only makes the display coarser).
    """
    scheme_end = url.find("://")
    if scheme_end <= 0:
        return None
    begin = scheme_end + 3
    user = _USER_COLON.match(url, begin)
    at = url.rfind("@")
    if user is None or at < user.end():
        return None
    return user.end() - 1, user.end(), at


#: ``password=…`` in a connection string that is no URL (libpq ``key=value`` words,
#: ODBC/ADO ``Key=Value;`` pairs, a plugin's ``name:…;password=…``).
_DSN_SECRET = re.compile(
    r"(?i)(?<![\w.-])((?:pass(?:word|wd)?|pwd|secret|token|api[_-]?key|access[_-]?key"
    r"|secret[_-]?key|credentials?)\s*=\s*)(\{[^}]*\}|'[^']*'|\"[^\"]*\"|[^;&\s]+)"
)


def mask_url(url: str) -> str:
    """Hide the password (and secret-looking query parameters) of a URL-like source, and
    of a connection string that is no URL (``host=db password=…``, ``PWD=…;``)."""
    scheme = url.partition("://")[0] if "://" in url else ""
    if len(scheme) < 2 or scheme.lower() == "file":
        return _DSN_SECRET.sub(lambda m: m.group(1) + MASK, url)  # a path, or key=value words
    info = _userinfo(url)
    if info is not None:
        user_end, _, at = info
        url = url[:user_end] + ":" + MASK + url[at:]
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.query:
        return url  # nothing else secret; keep the exact spelling (sqlite:///…)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = urlencode(
        [(k, MASK if _SECRET_QUERY_KEYS.search(k) else v) for k, v in pairs], safe="*"
    )
    if query == parts.query:
        return url
    # Rebuild around the query only: urlunsplit would drop the empty host of sqlite:////x.
    head = url.partition("?")[0]
    return f"{head}?{query}" + (f"#{parts.fragment}" if parts.fragment else "")


def url_secrets(url: str) -> list[str]:
    """The secret substrings of a URL (password, secret query values), for scrubbing.

    Every reading of the password is listed (to the last ``@``, to the first ``@`` as
    SQLAlchemy reads it, and :func:`urlsplit`'s), longest first.
    """
    found: list[str] = []
    if "://" not in url:  # a connection string of key=value words: its secret values
        for m in _DSN_SECRET.finditer(url):
            value = m.group(2)
            found += [value, value[1:-1]] if value[:1] in "{'\"" else [value]
    info = _userinfo(url)
    if info is not None:
        _, start, at = info
        found.append(url[start:at])
        first_at = url.find("@", start)
        found.append(url[start:first_at])
    try:
        parts = urlsplit(url)
    except ValueError:
        return sorted({s for s in found if s}, key=len, reverse=True)
    if "@" in parts.netloc:
        userinfo = parts.netloc.rpartition("@")[0]
        if ":" in userinfo:
            found.append(userinfo.partition(":")[2])
    found += [v for k, v in parse_qsl(parts.query) if _SECRET_QUERY_KEYS.search(k) and v]
    return sorted({s for s in found if s}, key=len, reverse=True)


def scrub(text: str, secrets_: list[str]) -> str:
    """Replace every occurrence of each secret (and its URL-decoded form) in ``text``."""
    from urllib.parse import unquote

    for secret in secrets_:
        for variant in {secret, unquote(secret)}:
            if variant:
                text = text.replace(variant, MASK)
    return text


def mask_name_part(value: str, entity_type: str, encoder: EvidenceEncoder) -> str:
    """A detected span of an asset or field name as outputs show it: masked as evidence
    is (``--evidence masked``), a short keyed hash (``hash``: ``#3fa9c2d1e4b5``), or
    ``***`` (``none``); never a path separator, so a masked path keeps its folders."""
    if not entity_type:  # a part that could not be checked: nothing of it is shown
        return MASK
    if encoder.mode == "hash":
        return "#" + encoder.keyed_hash(value).rpartition(":")[2][:12]
    if encoder.mode == "none":
        return MASK
    return mask_value(value, entity_type).replace("/", "_")
