"""The anonymization secret and the sub-keys derived from it.

The secret comes from a key file (``--key-file``) or the ``PIISCAN_ANON_KEY`` environment
variable. It is never written anywhere: :class:`Keyring` shows only :attr:`Keyring.key_id`,
a short public fingerprint safe for manifests. Every operator gets its own sub-key
(HMAC-SHA256 of the secret and a purpose label), so a pseudonym never reveals a hash
and the encryption key is independent of both. The same secret reproduces the same
output in every run and process.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path

from piiscan.errors import ConfigError, UsageError

log = logging.getLogger(__name__)

ENV_VAR = "PIISCAN_ANON_KEY"
MIN_KEY_BYTES = 16
_DERIVE_PREFIX = b"piiscan-anonymize/v1/"
_KEY_ID_LABEL = b"piiscan-anonymize/key-id"
MISSING_KEY = (
    f"no anonymization key: set {ENV_VAR} or pass --key-file; "
    "generate one with `piiscan anonymize --generate-key`"
)


def generate_key() -> str:
    """A fresh random secret (256 bits, URL-safe text) for ``PIISCAN_ANON_KEY`` or a key file."""
    return secrets.token_urlsafe(32)


class Keyring:
    """Holds the secret; hands out per-purpose sub-keys and a public ``key_id``.

    ``repr``/``str`` show only the key id; error messages never include the secret.
    """

    __slots__ = ("__secret", "key_id", "source")

    def __init__(self, secret: bytes | str, *, source: str = "argument") -> None:
        raw = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
        if len(raw) < MIN_KEY_BYTES:
            raise ConfigError(
                f"anonymization key from {source} is too short: at least {MIN_KEY_BYTES} "
                "bytes are needed; generate one with `piiscan anonymize --generate-key`"
            )
        self.__secret = raw
        #: Where the key came from (``env``, a file path, ``argument``): no key material.
        self.source = source
        #: Short public identifier of the key (HMAC of a constant): safe in manifests.
        self.key_id = hmac.new(raw, _KEY_ID_LABEL, hashlib.sha256).hexdigest()[:16]

    @classmethod
    def load(
        cls, key_file: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None
    ) -> Keyring:
        """The key from ``key_file`` if given, else from ``PIISCAN_ANON_KEY``.

        Raises :class:`UsageError` when neither is set, :class:`ConfigError` when the key
        file cannot be read or the key is shorter than 16 bytes. A key file readable by
        everyone is accepted with a warning. Surrounding whitespace (a trailing newline)
        is not part of the key.
        """
        if key_file is not None:
            return cls(_read_key_file(Path(key_file)), source=str(key_file))
        env = os.environ if env is None else env
        value = env.get(ENV_VAR, "").strip()
        if not value:
            raise UsageError(MISSING_KEY)
        return cls(value, source="env")

    def derive(self, purpose: str) -> bytes:
        """A 32-byte sub-key for one purpose (``"hash"``, ``"pseudonym"``, ``"encrypt"``…)."""
        return hmac.new(self.__secret, _DERIVE_PREFIX + purpose.encode(), hashlib.sha256).digest()

    def __repr__(self) -> str:
        return f"Keyring(key_id={self.key_id!r})"

    __str__ = __repr__


def _read_key_file(path: Path) -> bytes:
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read key file {path}: {exc.strerror or exc}") from None
    if os.name == "posix" and mode & stat.S_IROTH:
        log.warning("key file %s is readable by every user; restrict it (chmod 600)", path)
    return data.strip()
