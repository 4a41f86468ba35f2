"""The anonymization key: where it comes from, what is derived from it, where it never shows."""

from __future__ import annotations

import logging
import os
import pickle
from pathlib import Path

import pytest

from piiscan.anonymize.keys import ENV_VAR, Keyring, generate_key
from piiscan.errors import ConfigError, UsageError

SECRET = "correct-horse-battery-staple-42"


def test_key_from_the_environment() -> None:
    ring = Keyring.load(env={ENV_VAR: SECRET})
    assert ring.source == "env"
    assert ring.derive("hash") == Keyring(SECRET).derive("hash")


def test_key_file_wins_and_its_trailing_newline_is_not_key(tmp_path: Path) -> None:
    path = tmp_path / "anon.key"
    path.write_text(SECRET + "\n")
    path.chmod(0o600)
    ring = Keyring.load(path, env={ENV_VAR: "another-key-of-enough-length"})
    assert ring.key_id == Keyring(SECRET).key_id
    assert ring.source == str(path)


@pytest.mark.parametrize("env", [{}, {ENV_VAR: ""}, {ENV_VAR: "   "}])
def test_missing_key_says_how_to_fix_it(env: dict[str, str]) -> None:
    with pytest.raises(UsageError) as err:
        Keyring.load(env=env)
    message = str(err.value)
    assert ENV_VAR in message and "--key-file" in message and "--generate-key" in message


@pytest.mark.parametrize("secret", ["s3kr1t", b"15-bytes-s3kr1t", "q" * 15])
def test_short_key_is_a_config_error_without_the_key(secret: str | bytes) -> None:
    with pytest.raises(ConfigError) as err:
        Keyring(secret)
    text = secret.decode() if isinstance(secret, bytes) else secret
    assert text not in str(err.value)
    assert "16 bytes" in str(err.value)


def test_unreadable_key_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read key file"):
        Keyring.load(tmp_path / "missing.key")


@pytest.mark.skipif(os.name != "posix", reason="permission bits")
def test_world_readable_key_file_is_accepted_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "anon.key"
    path.write_text(SECRET)
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        Keyring.load(path)
    assert "readable by every user" in caplog.text
    assert SECRET not in caplog.text


def test_the_key_never_shows_in_repr_or_str() -> None:
    ring = Keyring(SECRET)
    for text in (repr(ring), str(ring), f"{ring}"):
        assert SECRET not in text
        assert ring.key_id in text


def test_derived_keys_differ_per_purpose_and_per_key() -> None:
    ring = Keyring(SECRET)
    purposes = ["hash", "pseudonym", "encrypt", "encrypt-iv", "date-shift"]
    derived = [ring.derive(p) for p in purposes]
    assert len(set(derived)) == len(purposes)
    assert all(len(d) == 32 for d in derived)
    assert SECRET.encode() not in b"".join(derived)
    other = Keyring(SECRET + "!")
    assert all(other.derive(p) != d for p, d in zip(purposes, derived, strict=True))


def test_key_id_is_stable_short_and_public() -> None:
    a, b = Keyring(SECRET), Keyring(SECRET.encode())
    assert a.key_id == b.key_id
    assert len(a.key_id) == 16 and int(a.key_id, 16) >= 0
    assert Keyring(SECRET + "!").key_id != a.key_id
    assert a.key_id not in a.derive("hash").hex()


def test_a_pickled_keyring_still_works() -> None:
    ring = pickle.loads(pickle.dumps(Keyring(SECRET)))
    assert ring.derive("hash") == Keyring(SECRET).derive("hash")


def test_generated_keys_are_long_random_and_usable() -> None:
    keys = {generate_key() for _ in range(5)}
    assert len(keys) == 5
    assert all(len(k) >= 40 for k in keys)
    assert Keyring.load(env={ENV_VAR: keys.pop()}).key_id
