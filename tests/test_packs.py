"""Detector packs: Presidio-format YAML recognizers, allow-lists and deny-lists.

Real pack files, CSV and text files in temporary folders, scanned through the Scanner and
the CLI with the rule-only pipeline (``spacy_model="none"``).
"""

from __future__ import annotations

import csv
import json
import logging
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from piiscan.cli import cli
from piiscan.config import Config, load_config
from piiscan.detectors import packs as packs_module
from piiscan.detectors.allow_list import AllowList, AllowRule, normalise
from piiscan.detectors.packs import builtin_dir, load_pack, load_packs, too_slow
from piiscan.detectors.presidio_detector import PresidioDetector
from piiscan.errors import ConfigError
from piiscan.masking import EvidenceEncoder
from piiscan.model import Inventory, Span
from piiscan.policy import load_policy
from piiscan.scanning.scanner import Scanner
from piiscan.state import settings_digest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "packs" / "employee_ids.yaml"
POLICY = "entities:\n  EMPLOYEE_ID: {categories: [identifiers, professional], level: medium}\n"
TEST_VALUES = [
    "4111 1111 1111 1111",
    "4242 4242 4242 4242",
    "078-05-1120",
    "123-45-6789",
    "DE89 3704 0044 0532 0130 00",
    "GB82 WEST 1234 5698 7654 32",
]


@pytest.fixture
def policy_file(tmp_path: Path) -> str:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY, encoding="utf-8")
    return str(path)


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> str:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def scan(sources: list[str], **settings: object) -> Inventory:
    config = Config(spacy_model="none", progress=False, hash_key=b"k" * 16, **settings)
    scanner = Scanner(config)
    try:
        return scanner.scan(sources)
    finally:
        scanner.close()


def entities(inventory: Inventory, field: str) -> dict[str, int]:
    """Entity type -> matched values of ``field`` over all assets."""
    return {
        e.type: e.matched
        for a in inventory.assets
        for f in a.fields
        if f.name == field
        for e in f.entities
    }


# -- validation --------------------------------------------------------------------------
RECOGNIZER = "recognizers:\n  - name: R\n    supported_entity: EMPLOYEE_ID\n"
INVALID = [
    ("not a mapping", "- a\n- b\n", "must be a mapping"),
    ("not yaml", "recognizers: [\n", "not valid UTF-8 YAML"),
    ("empty", "name: x\n", "neither recognizers nor an allow_list"),
    (
        "unknown top key",
        "recognisers: []\nallow_list: [{entity: '*', values: [x]}]\n",
        "unknown key(s) recognisers",
    ),
    (
        "unknown recognizer key",
        RECOGNIZER + "    deny_list: [X1]\n    flavour: mint\n",
        "recognizer 'R': unknown key(s) flavour",
    ),
    (
        "missing entity",
        "recognizers:\n  - name: R\n    deny_list: [X1]\n",
        "recognizer 'R': missing supported_entity",
    ),
    (
        "lower-case entity",
        "recognizers:\n  - name: R\n    supported_entity: emp\n    deny_list: [X1]\n",
        "UPPER_SNAKE_CASE",
    ),
    ("no patterns nor deny_list", RECOGNIZER, "recognizer 'R': needs patterns or a deny_list"),
    ("empty patterns", RECOGNIZER + "    patterns: []\n", "'patterns' must be a non-empty list"),
    ("empty deny_list", RECOGNIZER + "    deny_list: []\n", "'deny_list' must be a non-empty list"),
    (
        "invalid regex",
        RECOGNIZER + "    patterns: [{name: p, regex: 'EMP-(\\d+', score: 0.5}]\n",
        "recognizer 'R': pattern 1 ('p'): invalid regex",
    ),
    (
        "score above 1",
        RECOGNIZER + "    patterns: [{name: p, regex: 'EMP', score: 1.5}]\n",
        "score must be a number between 0 and 1, not 1.5",
    ),
    (
        "negative score",
        RECOGNIZER + "    patterns: [{regex: 'EMP', score: -0.1}]\n",
        "pattern 1: score must be a number between 0 and 1",
    ),
    ("score missing", RECOGNIZER + "    patterns: [{regex: 'EMP'}]\n", "needs regex and score"),
    (
        "unknown pattern key",
        RECOGNIZER + "    patterns: [{regex: 'EMP', score: 0.5, weight: 2}]\n",
        "unknown key(s) weight",
    ),
    (
        "nested quantifier",
        RECOGNIZER + "    patterns: [{regex: '(a+)+$', score: 0.5}]\n",
        "pattern too slow on adversarial input",
    ),
    (
        "alternation under star",
        RECOGNIZER + "    patterns: [{regex: '(a|aa)+$', score: 0.5}]\n",
        "pattern backtracks exponentially: a repeated group with overlapping branches",
    ),
    (
        "slow behind a literal prefix",
        RECOGNIZER + "    patterns: [{regex: 'EMP-(\\w|\\w)+;', score: 0.5}]\n",
        "pattern backtracks exponentially: a repeated group with overlapping branches",
    ),
    (  # issue 19, item 16: accepted before; a 3-row CSV then took minutes
        "overlapping escaped branches",
        RECOGNIZER + "    patterns: [{regex: '(?:\\$|\\$\\$)+z', score: 0.5}]\n",
        "pattern backtracks exponentially: a repeated group with overlapping branches ($ | $$)",
    ),
    (
        "overlapping branches behind a literal",
        RECOGNIZER + "    patterns: [{regex: 'x(?:\\d|\\d\\d)+y', score: 0.5}]\n",
        "pattern backtracks exponentially",
    ),
    (  # not an alternation (measured): '$' is now among the probe characters
        "nested quantifier on an escaped character",
        RECOGNIZER + "    patterns: [{regex: '(?:\\$+)+z', score: 0.5}]\n",
        "pattern too slow on adversarial input ('$' x 5000)",
    ),
    (  # the parser merges the branches into one set; the regex module does not
        "overlapping classes after one literal",
        RECOGNIZER + "    patterns: [{regex: '#(?:\\d|[0-9a])+#', score: 0.5}]\n",
        "pattern too slow on adversarial input ('#' + digits)",
    ),
    (
        "allow entry without entity",
        "allow_list: [{values: [x]}]\n",
        "allow_list entry 1: missing entity",
    ),
    (
        "allow entry without values",
        "allow_list: [{entity: EMAIL_ADDRESS}]\n",
        "needs values, patterns or builtin",
    ),
    (
        "allow entry unknown builtin",
        "allow_list: [{entity: '*', builtin: famous_people}]\n",
        "unknown builtin 'famous_people'",
    ),
    (
        "allow entry slow pattern",
        "allow_list: [{entity: '*', patterns: ['(x+x+)+y']}]\n",
        "allow_list entry 1: pattern 1: pattern too slow",
    ),
    (
        "allow entry empty values",
        "allow_list: [{entity: '*', values: []}]\n",
        "'values' must be a non-empty list",
    ),
]


@pytest.mark.parametrize(("label", "text", "message"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_pack_is_rejected_naming_file_and_problem(
    tmp_path: Path, label: str, text: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    with pytest.raises(ConfigError) as info:
        load_pack(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)
    assert time.perf_counter() - start < 10  # the backtracking check cannot hang


@pytest.mark.parametrize(
    "pattern",
    [
        r"\bEMP-\d{6}\b",
        r"\b[A-Z]{2}\d{2}[A-Z0-9]{11,30}\b",
        r"(?i)\b(?:staff|emp)[ -]?\d{4,8}\b",
        r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}",
    ],
)
def test_linear_patterns_pass_the_backtracking_check(pattern: str) -> None:
    import regex

    assert too_slow(regex.compile(pattern, packs_module.FLAGS)) == ""


def test_missing_path_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="detector pack not found"):
        load_packs([str(tmp_path / "nope.yaml")])
    with pytest.raises(ConfigError, match="holds no"):
        load_packs([str(tmp_path)])


def test_builtin_and_example_packs_load() -> None:
    packs = load_packs([str(EXAMPLE.parent)])
    assert {p.builtin for p in packs.packs} == {True, False}
    assert any(p.origin.endswith("well_known_test_values.yaml") for p in packs.packs)
    assert (builtin_dir() / "well_known_test_values.yaml").is_file()
    (example,) = packs.user_packs
    assert example.entities == ("EMPLOYEE_ID",)
    assert example.deny_tokens == 2
    assert len(packs.allow_rules(default=False)) == 1
    assert len(packs.allow_rules()) == 2


# -- allow-lists -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (" 4111-1111-1111-1111 ", "4111111111111111"),
        ("4111.1111.1111.1111", "4111111111111111"),
        ("DE89 3704 0044 0532 0130 00", "de89370400440532013000"),
        ("EMP-000000", "emp000000"),
        ("Jane  Doe", "jane  doe"),  # not digit-heavy: spaces kept
        ("ACME-Founder", "acme-founder"),
    ],
)
def test_normalise(value: str, expected: str) -> None:
    assert normalise(value) == expected


def test_allow_list_by_entity_and_wildcard() -> None:
    import regex

    allow = AllowList(
        [
            AllowRule(
                "EMPLOYEE_ID",
                frozenset({normalise("EMP-000000")}),
                (regex.compile(r"EMP-0000\d\d", regex.I),),
            ),
            AllowRule("*", frozenset({normalise("4111111111111111")})),
        ]
    )
    assert allow.allows("EMPLOYEE_ID", "emp 000000")
    assert allow.allows("EMPLOYEE_ID", "EMP-000042")
    assert not allow.allows("EMPLOYEE_ID", "EMP-000142")
    assert not allow.allows("USERNAME", "EMP-000000")
    assert allow.allows("US_BANK_NUMBER", "4111-1111-1111-1111")
    text = "EMP-000000 EMP-123456"
    spans = [Span("EMPLOYEE_ID", 0, 10, 0.9), Span("EMPLOYEE_ID", 11, 21, 0.9)]
    assert allow.drop_allowed(text, spans) == spans[1:]
    assert AllowList().drop_allowed(text, spans) == spans


# -- scans -------------------------------------------------------------------------------
STAFF = [
    ["EMP-123456", "EMP-123456"],
    ["EMP-234567", "EMP-234567"],
    ["EMP-345678", "EMP-345678"],
    ["EMP-000000", "EMP-000000"],  # allow-listed value
    ["EMP-000042", "EMP-000042"],  # allow-listed pattern
    ["EMP-456789", "EMP-456789"],
    ["EMP-567890", "EMP-567890"],
    ["EMP-999999", "EMP-999999"],  # allow-listed value
]


def test_example_pack_finds_employee_ids_with_context(tmp_path: Path, policy_file: str) -> None:
    path = write_csv(tmp_path / "people.csv", ["staff_id", "code"], STAFF)
    inventory = scan([path], detector_packs=(str(EXAMPLE),), policy_path=policy_file)
    # "staff" in the column name lifts the 0.4 pattern above min_score; "code" does not.
    assert entities(inventory, "staff_id") == {"EMPLOYEE_ID": 5}
    assert entities(inventory, "code") == {}
    (asset,) = inventory.assets
    staff = next(f for f in asset.fields if f.name == "staff_id")
    assert "professional" in staff.categories and staff.sensitivity == "medium"
    assert "EMP-123456" not in json.dumps(inventory.to_dict())  # evidence is masked


def test_context_lifts_the_pack_score(policy_file: str) -> None:
    detector = PresidioDetector(
        Config(
            spacy_model="none",
            progress=False,
            detector_packs=(str(EXAMPLE),),
            policy_path=policy_file,
        )
    )
    # EMPLOYEE_ID must be a policy type: a cell no reportable type can reach skips
    # Presidio (detectors/reach.py).
    (plain,), (lifted,) = (
        [s for s in spans if s.entity_type == "EMPLOYEE_ID"]
        for spans in (
            detector.analyze(["EMP-123456"], field="code")[0],
            detector.analyze(["EMP-123456"], field="staff_id")[0],
        )
    )
    assert plain.score == pytest.approx(0.4)
    assert lifted.score > 0.5


def test_deny_list_token_is_found_in_text(tmp_path: Path, policy_file: str) -> None:
    doc = tmp_path / "minutes.txt"
    doc.write_text("Agenda approved.\nSigned off by acme-founder-2 today.\n", encoding="utf-8")
    inventory = scan([str(doc)], detector_packs=(str(EXAMPLE),), policy_path=policy_file)
    (asset,) = inventory.assets
    assert [(f.entity, f.line, f.score) for f in asset.findings] == [("EMPLOYEE_ID", 2, 1.0)]


def test_default_test_values_are_not_reported(tmp_path: Path) -> None:
    doc = tmp_path / "fixtures.txt"
    doc.write_text("".join(f"payment reference {v}\n" for v in TEST_VALUES), encoding="utf-8")
    quiet = scan([str(doc)])
    assert quiet.assets[0].findings == ()
    loud = scan([str(doc)], default_allow_list=False, ignore_reserved=False)
    found = {f.entity for f in loud.assets[0].findings}
    assert {"CREDIT_CARD", "IBAN_CODE"} <= found


def test_other_values_in_the_same_column_remain(tmp_path: Path) -> None:
    cards = ["4111 1111 1111 1111", "4242 4242 4242 4242"] * 3 + [
        "4556 7375 8689 9855",
        "4916 3385 0608 2832",
        "5425 2334 3010 9903",
        "4024 0071 5336 1885",
    ]
    path = write_csv(tmp_path / "cards.csv", ["card_number"], [[c] for c in cards])
    assert entities(scan([path]), "card_number") == {"CREDIT_CARD": 4}
    loud = scan([path], default_allow_list=False, ignore_reserved=False)
    assert entities(loud, "card_number") == {"CREDIT_CARD": 10}


def test_unknown_entity_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    packs_module._warned.clear()
    config = Config(spacy_model="none", progress=False, detector_packs=(str(EXAMPLE),))
    with caplog.at_level(logging.WARNING, logger="piiscan.detectors.packs"):
        PresidioDetector(config)
        PresidioDetector(config)
    messages = [r.getMessage() for r in caplog.records if "EMPLOYEE_ID" in r.getMessage()]
    assert len(messages) == 1
    assert "is not in the policy" in messages[0] and "entities:" in messages[0]


# -- configuration and state -------------------------------------------------------------
def test_packs_from_toml_and_environment(tmp_path: Path) -> None:
    toml = tmp_path / "piiscan.toml"
    toml.write_text(f'[piiscan]\ndetector_packs = "{EXAMPLE}"\ndefault_allow_list = false\n')
    config = load_config(toml, env={})
    assert config.detector_packs == (str(EXAMPLE),) and config.default_allow_list is False
    env = {"PIISCAN_DETECTOR_PACKS": f"{EXAMPLE}{__import__('os').pathsep}{tmp_path}"}
    assert load_config(None, env=env).detector_packs == (str(EXAMPLE), str(tmp_path))


def _digest(config: Config) -> str:
    detector = PresidioDetector(config)
    policy = load_policy()
    return settings_digest(config, policy, [detector.describe()], EvidenceEncoder("masked"))


def test_state_digest_changes_with_packs(tmp_path: Path) -> None:
    base = Config(spacy_model="none", progress=False)
    pack = tmp_path / "pack.yaml"
    pack.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    with_pack = base.with_overrides(detector_packs=(str(pack),))
    first = _digest(with_pack)
    assert first != _digest(base)
    assert _digest(base.with_overrides(default_allow_list=False)) != _digest(base)
    pack.write_text(EXAMPLE.read_text(encoding="utf-8").replace("0.4", "0.45"), encoding="utf-8")
    assert _digest(with_pack) != first  # same path, new content


# -- CLI ---------------------------------------------------------------------------------
def test_cli_scan_with_detector_pack(tmp_path: Path, policy_file: str) -> None:
    path = write_csv(tmp_path / "people.csv", ["staff_id"], [[r[0]] for r in STAFF])
    out = tmp_path / "inv.json"
    args = [
        "scan",
        path,
        "--spacy-model",
        "none",
        "--no-progress",
        "-f",
        "json",
        "-o",
        str(out),
        "--policy",
        policy_file,
        "--detector-pack",
        str(EXAMPLE),
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    inventory = Inventory.from_dict(json.loads(out.read_text()))
    assert entities(inventory, "staff_id") == {"EMPLOYEE_ID": 5}
    assert any("packs " in d for d in inventory.detectors)


def test_cli_no_default_allow_list(tmp_path: Path) -> None:
    doc = tmp_path / "fixtures.txt"
    doc.write_text("card 4111 1111 1111 1111\n", encoding="utf-8")
    base = ["scan", str(doc), "--spacy-model", "none", "--no-progress", "-f", "json"]
    quiet = CliRunner().invoke(cli, base)
    loud = CliRunner().invoke(cli, [*base, "--no-default-allow-list"])
    assert quiet.exit_code == 0 and loud.exit_code == 0
    assert json.loads(quiet.stdout)["assets"][0]["findings"] == []
    assert [f["entity"] for f in json.loads(loud.stdout)["assets"][0]["findings"]] == [
        "CREDIT_CARD"
    ]


def test_cli_scan_with_invalid_pack_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(RECOGNIZER + "    patterns: [{regex: '(a+)+$', score: 0.5}]\n")
    result = CliRunner().invoke(
        cli, ["scan", str(tmp_path), "--spacy-model", "none", "--detector-pack", str(bad)]
    )
    assert result.exit_code == 2
    assert "too slow on adversarial input" in result.stderr


def test_cli_packs_check(tmp_path: Path) -> None:
    ok = CliRunner().invoke(cli, ["packs", "check", str(EXAMPLE), str(builtin_dir())])
    assert ok.exit_code == 0, ok.output
    assert "1 recognizer(s) (EMPLOYEE_ID), 2 deny-list token(s), 1 allow-list entry" in ok.stdout
    assert "well_known_test_values.yaml: ok" in ok.stdout
    assert "EMPLOYEE_ID" in ok.stderr and "not in the policy" in ok.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text(RECOGNIZER + "    patterns: [{regex: 'EMP', score: 2}]\n")
    result = CliRunner().invoke(cli, ["packs", "check", str(EXAMPLE), str(bad)])
    assert result.exit_code == 2
    assert "ok:" in result.stdout
    assert f"invalid: detector pack {bad}: recognizer 'R'" in result.stderr
