"""Settings precedence: defaults < config file < environment < flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from piiscan.config import Config, load_config
from piiscan.errors import ConfigError


def test_precedence(tmp_path: Path) -> None:
    cfg = tmp_path / "piiscan.toml"
    cfg.write_text('[piiscan]\nsample_rows = 50\nexclude = ["*.password"]\nspacy_model = "x"\n')
    env = {"PIISCAN_SAMPLE_ROWS": "70", "PIISCAN_HASH_KEY": "hush-hush-key"}
    config = load_config(cfg, env=env, spacy_model="from-flag")
    assert config.sample_rows == 70
    assert config.exclude == ("*.password",)
    assert config.spacy_model == "from-flag"
    assert config.hash_key == b"hush-hush-key"
    assert "hush-hush-key" not in repr(config)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sample_rows": 0}, "sample_rows"),
        ({"evidence": "raw"}, "evidence must be one of"),
        ({"min_score": 2.0}, "min_score"),
        ({"no_such_setting": 1}, "invalid configuration"),
    ],
)
def test_invalid_settings_are_config_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(None, env={}, **kwargs)


def test_missing_or_broken_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml", env={})
    bad = tmp_path / "bad.toml"
    bad.write_text("sample_rows = = 3")
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(bad, env={})


def test_public_settings_carry_no_secret() -> None:
    settings = Config(hash_key=b"topsecret").public_settings()
    assert "topsecret" not in str(settings)


@pytest.mark.parametrize(
    ("toml", "overrides", "ignore_reserved"),
    [
        ("", {}, True),  # reserved/test values are set aside by default
        ("", {"default_allow_list": False}, False),  # --no-default-allow-list
        ("default_allow_list = false\n", {}, False),
        ("default_allow_list = false\nignore_reserved = true\n", {}, True),
        ("ignore_reserved = true\n", {"default_allow_list": False}, False),  # the flag wins
        ("ignore_reserved = false\n", {}, False),
    ],
)
def test_reserved_values_are_set_aside_unless_the_allow_list_is_off(
    tmp_path: Path, toml: str, overrides: dict, ignore_reserved: bool
) -> None:
    path = tmp_path / "piiscan.toml"
    path.write_text("[piiscan]\n" + toml, encoding="utf-8")
    assert load_config(path, env={}, **overrides).ignore_reserved is ignore_reserved
