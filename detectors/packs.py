"""Declarative detector packs: Presidio's YAML recognizers plus piiscan's allow-lists.

A pack is a YAML file in Presidio's recognizer format (``recognizers:``, each one a
``PatternRecognizer`` with ``patterns`` and/or a ``deny_list``) with one piiscan
extension, a top-level ``allow_list:`` of ``{entity, values, patterns, builtin}``
entries. Packs load from the built-in folder ``detectors/packs/`` (always) and then from
``Config.detector_packs`` (files or directories of ``*.yaml``/``*.yml``).

Validation is strict and names the file and the recognizer: unknown keys, a missing
entity, an invalid regular expression, a score outside 0..1, empty lists, and patterns
that backtrack catastrophically: a repeated group whose branches overlap (``(a|aa)+``,
:mod:`~piiscan.detectors.backtracking`) is refused from its structure, and each pattern
runs against adversarial strings under the ``regex`` module's timeout (so the check
itself cannot hang). At scan time a pack pattern that still hits its time limit is
skipped with a note (:mod:`~piiscan.detectors.slow_patterns`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import regex
import yaml
from presidio_analyzer import PatternRecognizer

from piiscan.detectors.allow_list import ANY_ENTITY, AllowRule, normalise
from piiscan.detectors.backtracking import overlapping_alternation
from piiscan.detectors.reserved import EXAMPLE_IBANS, EXAMPLE_SSNS, TEST_CARDS
from piiscan.detectors.slow_patterns import GuardedPatternRecognizer
from piiscan.errors import ConfigError
from piiscan.policy import Policy
from piiscan.safe_yaml import load_yaml

log = logging.getLogger(__name__)

PACK_SUFFIXES = (".yaml", ".yml")
#: Presidio's default flags for pattern recognizers (what the patterns run with).
FLAGS = regex.DOTALL | regex.MULTILINE | regex.IGNORECASE
TOP_KEYS = frozenset({"name", "description", "recognizers", "allow_list"})
RECOGNIZER_KEYS = frozenset(
    {
        "name",
        "supported_language",
        "supported_entity",
        "patterns",
        "context",
        "deny_list",
        "deny_list_score",
        "version",
    }
)
PATTERN_KEYS = frozenset({"name", "regex", "score"})
ALLOW_KEYS = frozenset({"entity", "values", "patterns", "builtin", "description"})
_ENTITY = regex.compile(r"[A-Z][A-Z0-9_]*")

#: Per adversarial string; a linear pattern takes a few ms on 5,000 characters.
PROBE_TIMEOUT_S = 0.25
PROBE_UNITS = ("a", "1", "a.", " ", "1-", "a-", "1 ", "Aa ")
PROBE_LENGTH = 5_000
_NOT_LITERAL = regex.compile(
    r"\\[dDwWsSbBAZ]|\\[pP]\{[^}]*\}|\[[^\]]*\]|\{\d*,?\d*\}|\(\?\w*[:=!<>]"
)
_LITERAL_CHAR = regex.compile(r"(?<!\\)[A-Za-z0-9@#%&:/_=,;'\"<>~-]")
#: An escaped literal character (``\$``, ``\.``, ``\+``): probed like the plain ones.
_ESCAPED_CHAR = regex.compile(r"(?<!\\)\\([^\w\s])")
_LITERAL = regex.compile(r"[^\\()|*+?^$.\[\]{}\s]{2,20}")


def _test_values() -> frozenset[str]:
    """Published test cards, example SSNs and example IBANs (:mod:`reserved`)."""
    return TEST_CARDS | EXAMPLE_SSNS | EXAMPLE_IBANS


#: ``builtin:`` names an allow-list entry may refer to.
BUILTIN_VALUES: dict[str, Callable[[], frozenset[str]]] = {"test_values": _test_values}


def builtin_dir() -> Path:
    """The packs shipped with piiscan (``detectors/packs/``)."""
    return Path(str(files("piiscan.detectors") / "packs"))


@dataclass(frozen=True, eq=False)
class Pack:
    """One validated pack file."""

    origin: str
    recognizers: tuple[PatternRecognizer, ...]
    allow: tuple[AllowRule, ...]
    builtin: bool
    digest: str

    @property
    def entities(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.supported_entities[0] for r in self.recognizers))

    @property
    def deny_tokens(self) -> int:
        return sum(len(r.deny_list) for r in self.recognizers)


@dataclass(frozen=True, eq=False)
class Packs:
    """All packs of a scan; equal (and hashed) by content, so it can key a cache."""

    packs: tuple[Pack, ...]

    @property
    def digest(self) -> str:
        joined = "\n".join(f"{p.origin}:{p.digest}" for p in self.packs)
        return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:12]

    @property
    def recognizers(self) -> tuple[PatternRecognizer, ...]:
        return tuple(r for p in self.packs for r in p.recognizers)

    @property
    def user_packs(self) -> tuple[Pack, ...]:
        return tuple(p for p in self.packs if not p.builtin)

    def allow_rules(self, default: bool = True) -> list[AllowRule]:
        """Every allow rule; the built-in packs' ones only when ``default``."""
        return [r for p in self.packs for r in p.allow if default or not r.default]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Packs) and other.digest == self.digest

    def __hash__(self) -> int:
        return hash(self.digest)


# -- loading ---------------------------------------------------------------------------
def pack_files(path: str | Path) -> list[Path]:
    """The pack files at ``path``: the file itself, or a directory's ``*.yaml``/``*.yml``."""
    p = Path(path)
    if p.is_dir():
        found = sorted(f for f in p.iterdir() if f.is_file() and f.suffix in PACK_SUFFIXES)
        if not found:
            raise ConfigError(f"detector pack folder {p} holds no *.yaml or *.yml file")
        return found
    if not p.is_file():
        raise ConfigError(f"detector pack not found: {p}")
    return [p]


def load_packs(paths: Sequence[str] = ()) -> Packs:
    """The built-in packs, then the packs at ``paths`` (files or directories)."""
    builtin = builtin_dir()
    found = sorted(f for f in builtin.iterdir() if f.suffix in PACK_SUFFIXES)
    packs = [load_pack(f, builtin=True) for f in found]
    for path in paths:
        packs += [load_pack(f) for f in pack_files(path)]
    return Packs(tuple(packs))


def load_pack(path: str | Path, builtin: bool = False) -> Pack:
    """Read and validate one pack file; ConfigError naming the file and recognizer."""
    p = Path(path)
    where = f"detector pack {p}"
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {where}: {exc.strerror or exc}") from exc
    try:
        data = load_yaml(raw.decode("utf-8"), where)
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{where} is not valid UTF-8 YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{where} must be a mapping with 'recognizers' and/or 'allow_list'")
    _no_unknown(data, TOP_KEYS, where)
    if not data.get("recognizers") and not data.get("allow_list"):
        raise ConfigError(f"{where} has neither recognizers nor an allow_list")
    recognizers = [
        _recognizer(spec, f"{where}: recognizer {_label(spec, i)}")
        for i, spec in enumerate(_list(data, "recognizers", where), start=1)
    ]
    allow = [
        _allow_rule(spec, f"{where}: allow_list entry {i}", builtin)
        for i, spec in enumerate(_list(data, "allow_list", where), start=1)
    ]
    return Pack(
        origin=str(p),
        recognizers=tuple(recognizers),
        allow=tuple(allow),
        builtin=builtin,
        digest=hashlib.sha256(raw).hexdigest()[:12],
    )


def _label(spec: Any, index: int) -> str:
    name = spec.get("name") if isinstance(spec, dict) else None
    return repr(name) if isinstance(name, str) and name else f"#{index}"


def _list(data: dict[str, Any], key: str, where: str) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConfigError(f"{where}: '{key}' must be a list")
    return value


def _no_unknown(spec: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(str(k) for k in spec if k not in allowed)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        )


def _score(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ConfigError(f"{where}: score must be a number between 0 and 1, not {value!r}")
    return float(value)


def _strings(value: Any, key: str, where: str) -> list[str]:
    """A non-empty list of non-empty strings (numbers YAML read as such become strings)."""
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{where}: '{key}' must be a non-empty list")
    out = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise ConfigError(f"{where}: '{key}' items must be strings")
        text = str(item)
        if not text.strip():
            raise ConfigError(f"{where}: '{key}' holds an empty string")
        out.append(text)
    return out


def _entity(value: Any, where: str, wildcard: bool = False) -> str:
    if wildcard and value == ANY_ENTITY:
        return ANY_ENTITY
    if not isinstance(value, str) or not _ENTITY.fullmatch(value):
        raise ConfigError(
            f"{where}: the entity type must be an UPPER_SNAKE_CASE name"
            + (" or '*'" if wildcard else "")
            + f", not {value!r}"
        )
    return value


def _recognizer(spec: Any, where: str) -> PatternRecognizer:
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}: must be a mapping")
    _no_unknown(spec, RECOGNIZER_KEYS, where)
    if "supported_entity" not in spec:
        raise ConfigError(f"{where}: missing supported_entity")
    entity = _entity(spec["supported_entity"], where)
    if "patterns" not in spec and "deny_list" not in spec:
        raise ConfigError(f"{where}: needs patterns or a deny_list")
    clean: dict[str, Any] = {
        "supported_entity": entity,
        "name": str(spec.get("name") or f"Pack{entity.title().replace('_', '')}Recognizer"),
        "supported_language": str(spec.get("supported_language", "en")),
    }
    if "patterns" in spec:
        clean["patterns"] = [
            _pattern(p, f"{where}: pattern {i}")
            for i, p in enumerate(_nonempty(spec["patterns"], "patterns", where), start=1)
        ]
    if "deny_list" in spec:
        clean["deny_list"] = _strings(spec["deny_list"], "deny_list", where)
    if "deny_list_score" in spec:
        clean["deny_list_score"] = _score(spec["deny_list_score"], f"{where}: deny_list_score")
    if "context" in spec:
        clean["context"] = [s.lower() for s in _strings(spec["context"], "context", where)]
    if "version" in spec:
        clean["version"] = str(spec["version"])
    return GuardedPatternRecognizer.from_dict(clean)


def _nonempty(value: Any, key: str, where: str) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{where}: '{key}' must be a non-empty list")
    return value


def _pattern(spec: Any, where: str) -> dict[str, Any]:
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}: must be a mapping with regex and score")
    _no_unknown(spec, PATTERN_KEYS, where)
    if "regex" not in spec or "score" not in spec:
        raise ConfigError(f"{where}: needs regex and score")
    name = str(spec.get("name") or where.rsplit(": ", 1)[-1])
    where = f"{where} ({name!r})" if "name" in spec else where
    compiled = compile_checked(spec["regex"], where)
    return {"name": name, "regex": compiled.pattern, "score": _score(spec["score"], where)}


def compile_checked(pattern: Any, where: str) -> regex.Pattern[str]:
    """Compile ``pattern`` as Presidio will; ConfigError when invalid or too slow."""
    if not isinstance(pattern, str) or not pattern:
        raise ConfigError(f"{where}: regex must be a non-empty string")
    try:
        compiled = regex.compile(pattern, FLAGS)
    except (regex.error, ValueError) as exc:
        raise ConfigError(f"{where}: invalid regex: {exc}") from exc
    ambiguous = overlapping_alternation(pattern)
    if ambiguous:
        raise ConfigError(
            f"{where}: pattern backtracks exponentially: {ambiguous} can match the same "
            "text in several ways; merge the branches (write (a|aa)+ as a+, (\\d|\\d\\d)* as "
            "\\d*) so that each repetition matches one way"
        )
    slow = too_slow(compiled)
    if slow:
        raise ConfigError(
            f"{where}: pattern too slow on adversarial input ({slow}); avoid nested or "
            "overlapping quantifiers such as (a+)+ or (\\d|\\d\\d)*"
        )
    return compiled


def probes(pattern: str) -> dict[str, str]:
    """Adversarial strings: long runs of common units, and of the pattern's own literals."""
    out = {
        f"{unit!r} x {PROBE_LENGTH // len(unit)}": unit * (PROBE_LENGTH // len(unit)) + "!"
        for unit in PROBE_UNITS
    }
    bare = _NOT_LITERAL.sub(" ", pattern)
    chars = _LITERAL_CHAR.findall(bare) + _ESCAPED_CHAR.findall(pattern)
    for char in list(dict.fromkeys(chars))[:10]:
        out[f"{char!r} x {PROBE_LENGTH}"] = char * PROBE_LENGTH + "!"
        out[f"{char!r} + digits"] = char + "1" * PROBE_LENGTH + "!"
        out[f"{char!r} + letters"] = char + "a" * PROBE_LENGTH + "!"
    literals = list(dict.fromkeys(_LITERAL.findall(bare)))[:3]
    for word in (regex.sub(r"\\(.)", r"\1", w) for w in literals):
        n = PROBE_LENGTH // (len(word) + 1)
        out[f"{word!r} repeated"] = (word + " ") * n + "!"
        out[f"{word!r} + digits"] = word + "1" * PROBE_LENGTH + "!"
        out[f"{word!r} + letters"] = word + "a" * PROBE_LENGTH + "!"
    return out


def too_slow(compiled: regex.Pattern[str]) -> str:
    """The adversarial input on which ``compiled`` times out, or '' when none does."""
    for label, text in probes(compiled.pattern).items():
        try:
            for _ in compiled.finditer(text, timeout=PROBE_TIMEOUT_S):
                pass
        except TimeoutError:
            return label
    return ""


def _allow_rule(spec: Any, where: str, builtin: bool) -> AllowRule:
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}: must be a mapping with entity and values/patterns")
    _no_unknown(spec, ALLOW_KEYS, where)
    if "entity" not in spec:
        raise ConfigError(f"{where}: missing entity (an entity type or '*')")
    entity = _entity(spec["entity"], where, wildcard=True)
    if not {"values", "patterns", "builtin"} & spec.keys():
        raise ConfigError(f"{where}: needs values, patterns or builtin")
    values: set[str] = set()
    if "values" in spec:
        values.update(normalise(v) for v in _strings(spec["values"], "values", where))
    if "builtin" in spec:
        source = BUILTIN_VALUES.get(spec["builtin"])
        if source is None:
            raise ConfigError(
                f"{where}: unknown builtin {spec['builtin']!r}; "
                f"use one of {', '.join(sorted(BUILTIN_VALUES))}"
            )
        values.update(normalise(v) for v in source())
    patterns: tuple[regex.Pattern[str], ...] = ()
    if "patterns" in spec:
        patterns = tuple(
            compile_checked(p, f"{where}: pattern {i}")
            for i, p in enumerate(_nonempty(spec["patterns"], "patterns", where), start=1)
        )
    return AllowRule(entity, frozenset(values), patterns, default=builtin)


# -- policy check ----------------------------------------------------------------------
_warned: set[tuple[str, str]] = set()


def unknown_entities(packs: Iterable[Pack], policy: Policy) -> list[tuple[str, str]]:
    """``(entity, pack origin)`` for each pack entity type the policy has no rule for."""
    return [
        (entity, pack.origin)
        for pack in packs
        for entity in pack.entities
        if policy.rule(entity) is None
    ]


def warn_unknown_entities(packs: Packs, policy: Policy) -> None:
    """Log once per process for each pack entity type missing from the policy."""
    for entity, origin in unknown_entities(packs.packs, policy):
        if (entity, origin) in _warned:
            continue
        _warned.add((entity, origin))
        log.warning("%s", unknown_entity_message(entity, origin))


def unknown_entity_message(entity: str, origin: str) -> str:
    return (
        f"entity {entity} from pack {origin} is not in the policy: its findings are not "
        f"reported; add it under `entities:` in your policy (--policy), e.g. "
        f"{entity}: {{categories: [identifiers], level: medium}}"
    )


def packs_note(packs: Packs, default_allow_list: bool) -> str:
    """What the detector's description adds for user packs and a disabled allow-list."""
    note = f", packs {packs.digest}" if packs.user_packs else ""
    return note + ("" if default_allow_list else ", default allow-list off")
