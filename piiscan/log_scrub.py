"""Secrets kept out of log output, third-party libraries' included.

At ``-vv`` the libraries piiscan drives log their own debug lines: botocore prints every
request's headers, the session token among them. :class:`SecretScrubber` is a
:class:`logging.Filter` for the *handlers* (a filter on a logger misses the records of
its children) that replaces every known secret — the values of :data:`SECRET_ENV_VARS`,
source URL passwords registered by the CLI — in the message, the traceback and the stack
of each record, in the spellings a secret leaks in (raw, URL-encoded, base64).
"""

from __future__ import annotations

import base64
import logging
import os
from collections.abc import Iterable, Mapping
from urllib.parse import quote, quote_plus, unquote

from piiscan.masking import MASK, url_secrets

#: Environment variables whose values are secrets.
SECRET_ENV_VARS = (
    "PIISCAN_HASH_KEY",
    "PIISCAN_ANON_KEY",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AZURE_STORAGE_KEY",
    "AZURE_STORAGE_ACCOUNT_KEY",
    "AZURE_STORAGE_CONNECTION_STRING",
    "AZURE_STORAGE_SAS_TOKEN",
    "AZURE_CLIENT_SECRET",
    "GOOGLE_OAUTH_ACCESS_TOKEN",
    "PGPASSWORD",
    "MYSQL_PWD",
)
#: Shorter values are not scrubbed (they would mask ordinary words).
MIN_SECRET_CHARS = 4


_registered: set[str] = set()


def register(*secrets_: str) -> None:
    """Scrub these values from the log output of every installed :class:`SecretScrubber`
    (process-wide: connectors register the passwords of the URLs they open)."""
    _registered.update(s for s in secrets_ if s and len(s) >= MIN_SECRET_CHARS)


def register_url(url: str) -> None:
    """Register the password and secret query values of a source or target URL."""
    register(*url_secrets(url))


def env_secrets(env: Mapping[str, str] | None = None) -> list[str]:
    """The secret values set in the environment (see :data:`SECRET_ENV_VARS`)."""
    env = os.environ if env is None else env
    return [env[n] for n in SECRET_ENV_VARS if len(env.get(n) or "") >= MIN_SECRET_CHARS]


def spellings(secret: str) -> set[str]:
    """The forms a secret can leak in: raw, URL-decoded and -encoded, base64, hex."""
    forms = {secret, unquote(secret), quote(secret, safe=""), quote_plus(secret)}
    raw = secret.encode("utf-8", "surrogatepass")
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        forms.add(encoded.decode())
        forms.add(encoded.decode().rstrip("="))
    forms.add(raw.hex())
    return {f for f in forms if len(f) >= MIN_SECRET_CHARS}


class SecretScrubber(logging.Filter):
    """Replaces known secrets in every record a handler emits (never drops a record):
    the environment's (read once), the registered ones (:func:`register`) and ``secrets_``."""

    def __init__(self, secrets_: Iterable[str] = ()) -> None:
        super().__init__()
        self._own = set(env_secrets()) | {s for s in secrets_ if len(s) >= MIN_SECRET_CHARS}
        self._known: frozenset[str] = frozenset()
        self._forms: list[str] = []

    def _spellings(self) -> list[str]:
        known = frozenset(self._own | _registered)
        if known != self._known:
            forms = {f for secret in known for f in spellings(secret)}
            self._known, self._forms = known, sorted(forms, key=len, reverse=True)
        return self._forms

    def scrub(self, text: str) -> str:
        for form in self._spellings():
            if form in text:
                text = text.replace(form, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._spellings():
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler's own error path
            return True
        record.msg, record.args = self.scrub(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        return True


def install(
    handlers: Iterable[logging.Handler] | None = None, secrets_: Iterable[str] = ()
) -> SecretScrubber:
    """Attach one :class:`SecretScrubber` to ``handlers`` (default: the root logger's)."""
    scrubber = SecretScrubber(secrets_)
    for handler in logging.getLogger().handlers if handlers is None else handlers:
        handler.addFilter(scrubber)
    return scrubber
