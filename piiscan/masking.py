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
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_SECRET_QUERY_KEYS = re.compile(
    r"(pass(word)?|pwd|secret|token|key|credential|signature|sig|auth)", re.IGNORECASE
)
MASK = "***"


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


def mask_value(value: str, entity_type: str | None = None) -> str:
    """Mask a value so that no more than a small, bounded part of it remains visible.

    ``jane.doe@example.com`` → ``j***@example.com`` (the domain is kept: it is the
    organisation, rarely the person); everything else keeps at most its first and
    last character of each run and never more than a quarter of the characters.
    """
    value = value.strip()
    if not value:
        return MASK
    if entity_type == "EMAIL_ADDRESS" or re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        local, _, domain = value.rpartition("@")
        return f"{local[:1]}{MASK}@{domain}" if len(local) > 1 else f"{MASK}@{domain}"
    visible = min(3, len(value) // 4)
    if visible == 0:
        return MASK
    head = max(1, visible - 1) if visible > 1 else 1
    tail = visible - head
    return value[:head] + MASK + (value[-tail:] if tail else "")


def mask_url(url: str) -> str:
    """Hide the password (and secret-looking query parameters) of a URL-like source."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.scheme or parts.scheme == "file" or len(parts.scheme) == 1:
        return url
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user, sep, _password = userinfo.partition(":")
        netloc = f"{user}:{MASK}@{host}" if sep else f"{user}@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(k, MASK if _SECRET_QUERY_KEYS.search(k) else v) for k, v in pairs], safe="*"
        )
    if netloc == parts.netloc and query == parts.query:
        return url  # nothing secret; keep the exact spelling (sqlite:///…)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def url_secrets(url: str) -> list[str]:
    """The secret substrings of a URL (password, secret query values), for scrubbing."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    found: list[str] = []
    if "@" in parts.netloc:
        userinfo = parts.netloc.rpartition("@")[0]
        if ":" in userinfo:
            found.append(userinfo.partition(":")[2])
    found += [v for k, v in parse_qsl(parts.query) if _SECRET_QUERY_KEYS.search(k) and v]
    return [s for s in found if s]


def scrub(text: str, secrets_: list[str]) -> str:
    """Replace every occurrence of each secret (and its URL-decoded form) in ``text``."""
    from urllib.parse import unquote

    for secret in secrets_:
        for variant in {secret, unquote(secret)}:
            if variant:
                text = text.replace(variant, MASK)
    return text
