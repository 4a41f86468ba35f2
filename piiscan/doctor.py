"""``piiscan doctor``: what a scan on this machine would run with, and what is missing.

:func:`diagnose` reports the spaCy model that would be loaded and how it was chosen
(flag, environment, config file, installed package, or none: rule-only), its NER labels,
which optional drivers and extras import (with the command that installs a missing one),
whether the keys are set (never their values), the config file in effect, the policy
and the plugins. A scan can run (``usable``) unless something configured is broken: an
explicit model that does not load, a config or policy that cannot be read, a plugin that
fails to import. Rule-only is usable, but flagged.
"""

from __future__ import annotations

import importlib
import os
import platform
import sys
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from piiscan.config import DEFAULT_CONFIG_FILES, Config, load_config
from piiscan.detection import headline, rule_only_detection
from piiscan.errors import PiiscanError
from piiscan.install import install_command
from piiscan.version import __version__

if TYPE_CHECKING:
    from piiscan.registry import Registry

#: Importable module → the extra that brings it (None: a core dependency; reinstalling
#: piiscan brings it back).
MODULES: tuple[tuple[str, str | None, str], ...] = (
    ("psycopg", "postgresql", "PostgreSQL sources and targets"),
    ("s3fs", "s3", "s3:// objects"),
    ("gcsfs", "gcs", "gs:// objects"),
    ("adlfs", "azure", "az:// objects"),
    ("pypdf", "documents", "PDF text"),
    ("fastavro", "documents", "Avro files"),
    ("openpyxl", None, "Excel sheets"),
    ("pyspark", "spark", "piiscan spark-scan"),
    ("re2", None, "the prefilter's RE2 gates"),
)
KEYS = (
    ("PIISCAN_HASH_KEY", "keyed evidence hashes (--evidence hash); unset: a per-run key"),
    ("PIISCAN_ANON_KEY", "piiscan anonymize / deanonymize; unset: pass --key-file"),
)
ENV_MODEL = "PIISCAN_SPACY_MODEL"


@dataclass
class ModelReport:
    """The spaCy model a scan would load."""

    #: What was asked for (a name or path), None when nothing was.
    requested: str | None
    #: How it was chosen: ``flag``, ``environment``, ``config file``, ``installed
    #: package`` or ``none`` (no model found: rule-only).
    resolved_by: str
    detection: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass
class ModuleReport:
    module: str
    extra: str | None
    purpose: str
    available: bool
    install: str | None = None
    error: str | None = None


@dataclass
class Diagnosis:
    piiscan: str
    python: str
    config_file: str | None
    model: ModelReport
    modules: list[ModuleReport]
    keys: dict[str, str]
    scan: dict[str, Any]
    plugins: list[dict[str, Any]]
    problems: list[str]
    notes: list[str]

    @property
    def usable(self) -> bool:
        """A scan can run: nothing configured is broken (rule-only counts as usable)."""
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "usable": self.usable}


def config_file(path: str | None) -> Path | None:
    """The config file a scan would read (``--config``, else ./piiscan.toml if present)."""
    if path:
        return Path(path)
    return next((Path(p) for p in DEFAULT_CONFIG_FILES if Path(p).is_file()), None)


def _file_model(path: Path | None) -> str | None:
    """``spacy_model`` as the config file sets it (the file already parsed once)."""
    if path is None or not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    section = data.get("piiscan", data)
    value = section.get("spacy_model", section.get("spacy-model"))
    return str(value) if value else None


def _resolved_by(flag: str | None, env: dict[str, str], file_model: str | None) -> str | None:
    if flag:
        return "flag"
    if env.get(ENV_MODEL):
        return "environment"
    if file_model:
        return "config file"
    return None


def check_model(
    spec: str | None, resolved_by: str | None, detectors: tuple[str, ...]
) -> ModelReport:
    """Resolve the model as a scan would (without the rule-only warning); an explicit
    model that does not load is an error."""
    from piiscan.detectors.nlp import resolve_model

    if detectors and "presidio" not in detectors:
        return ModelReport(spec, resolved_by or "none", rule_only_detection("requested"))
    try:
        model = resolve_model(spec, warn=False)
    except Exception as exc:  # an incompatible pipeline fails in many ways: all unusable
        reason = str(exc) if isinstance(exc, PiiscanError) else f"{type(exc).__name__}: {exc}"
        return ModelReport(spec, resolved_by or "flag", {}, reason.splitlines()[0])
    by = resolved_by or ("installed package" if model.has_ner else "none")
    return ModelReport(spec, by, model.detection())


def check_module(name: str, extra: str | None, purpose: str) -> ModuleReport:
    """Whether ``name`` imports; the command that installs it when it does not."""
    try:
        importlib.import_module(name)
    except Exception as exc:  # a broken binary is as missing as an absent package
        reason = None if isinstance(exc, ModuleNotFoundError) else f"{type(exc).__name__}"
        return ModuleReport(name, extra, purpose, False, install_command(extra), reason)
    return ModuleReport(name, extra, purpose, True)


def _plugins(registry: Registry | None) -> list[dict[str, Any]]:
    from piiscan.registry import default_registry

    return [
        {"kind": p.kind, "name": p.name, "loaded": p.loaded, "error": p.error}
        for p in (registry or default_registry).describe()
    ]


def _policy(config: Config) -> tuple[str | None, str | None]:
    from piiscan.policy import load_policy

    try:
        described = load_policy(config.policy_path).describe()
    except PiiscanError as exc:
        return None, str(exc)
    name = f"{described.get('name', '?')} {described.get('version', '')}".strip()
    return f"{name} ({described.get('origin', '?')})", None


def diagnose(
    spacy_model: str | None = None,
    config_path: str | None = None,
    env: dict[str, str] | None = None,
    registry: Registry | None = None,
) -> Diagnosis:
    """Check this machine's setup for scanning; never prints or returns a key's value.

    ``env`` defaults to the process environment, ``registry`` to the installed plugins.
    """
    env = dict(os.environ) if env is None else env
    problems: list[str] = []
    notes: list[str] = []
    file = config_file(config_path)
    try:
        config = load_config(config_path, env=env, spacy_model=spacy_model)
    except PiiscanError as exc:
        problems.append(f"config: {exc}")
        config = Config(spacy_model=spacy_model or env.get(ENV_MODEL) or None)
    by = _resolved_by(spacy_model, env, _file_model(file))
    model = check_model(config.spacy_model, by, config.detectors)
    if model.error:
        problems.append(f"model: {model.error}")
    elif model.detection.get("mode") != "ner":
        notes.append(headline(model.detection))
    modules = [check_module(*m) for m in MODULES]
    plugins = _plugins(registry)
    problems += [
        f"plugin {p['kind']} {p['name']}: {p['error']}" for p in plugins if not p["loaded"]
    ]
    policy, policy_error = _policy(config)
    if policy_error:
        problems.append(f"policy: {policy_error}")
    keys = {name: "set" if env.get(name) else "not set" for name, _ in KEYS}
    scan = {
        "detection": headline(model.detection) if model.detection else "unusable model",
        "sample_rows": None if config.full else config.sample_rows,
        "full": config.full,
        "policy": policy,
        "evidence": config.evidence,
        "detectors": list(config.detectors) or ["all installed"],
    }
    return Diagnosis(
        piiscan=__version__,
        python=f"{platform.python_version()} ({sys.executable})",
        config_file=str(file) if file else None,
        model=model,
        modules=modules,
        keys=keys,
        scan=scan,
        plugins=plugins,
        problems=problems,
        notes=notes,
    )
