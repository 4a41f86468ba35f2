"""Policy reconciliation: declarations extracted from privacy policies, checked against scans.

The five real policies live in ``../shared/privacy-policies`` (outside the repository);
the tests that read them skip when it is absent and fail when CI=true. The expectations
in ``tests/data/privacy_policies_expected.yaml`` were written by reading the policies.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import click
import pytest
import yaml
from bench_modules import load_bench
from click.testing import CliRunner
from test_reporters import MASKED_URL, small_inventory  # tests/ is on sys.path

from piiscan.cli import _Cli, cli
from piiscan.commands.policy_cmds import policy
from piiscan.errors import UsageError
from piiscan.model import EntityVerdict, FieldResult, Inventory
from piiscan.policy import load_policy
from piiscan.reports.declarations import (
    MAX_CHARS,
    MAX_LOCATIONS,
    MAX_SENTENCES,
    NO_DECLARATIONS,
    Declarations,
    check_declarations,
    declarations_from_dict,
    extract_declarations,
    load_declarations,
    load_terms,
    render_check_text,
)

POLICIES = Path(__file__).resolve().parents[2] / "shared" / "privacy-policies"
EXPECTED = Path(__file__).parent / "data" / "privacy_policies_expected.yaml"
POLICY = load_policy()


def _require_policies() -> None:
    if not POLICIES.is_dir():
        message = f"privacy policies not found at {POLICIES}"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: required)")
        pytest.skip(message)


def _bench() -> ModuleType:
    return load_bench("evaluate_declarations")


def _expected() -> dict:
    return yaml.safe_load(EXPECTED.read_text(encoding="utf-8"))["policies"]


def _norm(text: str) -> str:
    text = text.translate(str.maketrans({"\u2019": "'", "\u201c": '"', "\u201d": '"'}))
    return re.sub(r"\s+", " ", text).strip().lower()


# ----------------------------------------------------------------- the five real policies


def test_expectations_use_policy_names_and_quote_the_text() -> None:
    _require_policies()
    expected = _expected()
    assert sorted(expected) == sorted(p.name for p in POLICIES.glob("*.txt"))
    for name, spec in expected.items():
        text = _norm((POLICIES / name).read_text(encoding="utf-8"))
        assert set(spec["categories"]) <= set(POLICY.categories), name
        assert set(spec["entities"]) <= set(POLICY.rules), name
        for quote in [*spec["categories"].values(), *spec["entities"].values()]:
            for fragment in re.split(r"\s*\.\.\.\s*", quote.replace("(matrix)", "")):
                assert _norm(fragment) in text, f"{name}: {fragment!r} not in the policy"


def test_declared_categories_reach_precision_and_recall_of_0_9() -> None:
    _require_policies()
    scores, micro_categories, micro_entities = _bench().evaluate(POLICIES, EXPECTED)
    assert len(scores) == 5
    detail = {s.name: (s.false_positives, s.false_negatives) for s in scores}
    assert micro_categories.precision >= 0.9, detail
    assert micro_categories.recall >= 0.9, detail
    assert micro_entities.precision >= 0.8 and micro_entities.recall >= 0.8, detail


def test_real_policy_output_is_bounded_and_quotes_the_policy() -> None:
    _require_policies()
    path = POLICIES / "002_ff0d3558ac030b9f.txt"
    text = path.read_text(encoding="utf-8")
    declared = extract_declarations(text, path.name)
    data = yaml.safe_load(declared.to_yaml())
    assert data["policy"] == path.name and "note" not in data
    for section in ("categories", "entities"):
        for item in data[section].values():
            assert 1 <= len(item["sentences"]) <= MAX_SENTENCES
            assert all(len(s) <= MAX_CHARS for s in item["sentences"])
            assert item["phrases"]
    quote = data["categories"]["inferences"]["sentences"][0]
    assert "customer profiles and behavioral predictions" in quote


def test_benchmark_script_prints_per_policy_and_micro_rows(capsys: pytest.CaptureFixture) -> None:
    _require_policies()
    assert _bench().main(["--policies", str(POLICIES), "--expected", str(EXPECTED)]) == 0
    out = capsys.readouterr().out
    assert "== categories" in out and "== entities" in out
    assert out.count("micro") == 2 and "004_bb30c3677868a0e0.txt" in out


# ----------------------------------------------------------------- heuristics, case by case


def _categories(text: str) -> set[str]:
    return set(extract_declarations(text).categories)


def _entities(text: str) -> set[str]:
    return set(extract_declarations(text).entities)


@pytest.mark.parametrize(
    ("text", "name", "declared"),
    [
        ("We do not collect biometric data.", "biometric", False),
        ("We collect biometric data to secure your account.", "biometric", True),
        ("We never collect your precise location.", "geolocation", False),
        ("We collect your precise location when you allow it.", "geolocation", True),
        ("We don't store credit card numbers.", "CREDIT_CARD", False),
        ("We do not knowingly collect data from children under the age of 13.", "AGE", False),
        (
            "If we learn that we collected data from children under the age of 13, we delete it.",
            "AGE",
            False,
        ),
        ("We collect your age and gender.", "AGE", True),
        (
            "We collect your email address but we do not collect your phone number.",
            "PHONE_NUMBER",
            False,
        ),
        (
            "We collect your email address but we do not collect your phone number.",
            "EMAIL_ADDRESS",
            True,
        ),
        (
            "We do not sell your personal information, but we collect your email address.",
            "EMAIL_ADDRESS",
            True,
        ),
        ("While we do not sell data, we collect your IP address.", "IP_ADDRESS", True),
        ("We collect your name and email address, and we do not sell them.", "PERSON", True),
        ("We collect your email address, which we never sell.", "EMAIL_ADDRESS", True),
        ("Neither health data nor biometric data is collected.", "MEDICAL_CONDITION", False),
        ("Neither health data nor biometric data is collected.", "biometric", False),
        (
            "We do not collect biometric data, health data or passport numbers.",
            "US_PASSPORT",
            False,
        ),
        ("We do not collect, use or share your biometric data.", "biometric", False),
        ("We avoid collecting sensitive personal information.", "sensitive", False),
        (
            "Information we collect includes, but is not limited to, your IP address.",
            "IP_ADDRESS",
            True,
        ),
        (
            "In the past 12 months we have not collected these categories: biometric information, "
            "geolocation data.",
            "geolocation",
            False,
        ),
        ("No Targeting of Children: we collect your email address.", "EMAIL_ADDRESS", True),
        ("Biometric information: No.", "biometric", False),
        ("| Biometric information | No |", "biometric", False),
        ("| Geolocation data | Yes |", "geolocation", True),
        ("Education and Awareness", "education", False),
        ("Please contact us to address any concerns about your data.", "STREET_ADDRESS", False),
        ("We collect your postal address to ship orders.", "STREET_ADDRESS", True),
        ("Our logs record domain names and page views.", "PERSON", False),
        ("We use cookies and similar tracking technologies.", "internet_activity", True),
        ("We collect job title and employer from your profile.", "professional", True),
    ],
)
def test_negation_and_context(text: str, name: str, declared: bool) -> None:
    found = _categories(text) | _entities(text)
    assert (name in found) is declared, sorted(found)


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        (
            "Type of personal data:\n  • Email address\n  • Gender\n",
            {"EMAIL_ADDRESS", "GENDER"},
            set(),
        ),
        (
            "We do not collect the following:\n  • Biometric data\n  • Health data\n",
            set(),
            {"BIOMETRIC", "MEDICAL_CONDITION"},
        ),
        (
            "We do not sell data.\n• Email address\n",  # no lead-in ending in ':'
            set(),
            {"EMAIL_ADDRESS"},
        ),
        (
            "This Usage Data may include:\n\n    - Unique device identifiers\n\n"
            "Children's Privacy\nWe delete data of children under the age of 16.\n",
            {"DEVICE_ID"},
            {"AGE"},
        ),
    ],
)
def test_list_items_borrow_the_lead_in(text: str, present: set, absent: set) -> None:
    found = _entities(text)
    assert present <= found and not absent & found, sorted(found)


def test_entity_declares_its_policy_categories() -> None:
    declared = extract_declarations("We collect your credit card number and job title.")
    assert set(declared.entities) == {"CREDIT_CARD", "JOB_TITLE"}
    assert set(declared.categories) == {"customer_records", "sensitive", "professional"}
    assert list(declared.categories) == [c for c in POLICY.categories if c in declared.categories]


def test_curly_apostrophes_match() -> None:
    assert "US_DRIVER_LICENSE" in _entities("We collect your driver\u2019s license number.")


def test_long_sentences_are_trimmed_around_the_phrase() -> None:
    filler = "for the purposes listed in this notice and described below " * 10
    text = f"We collect {filler} your email address {filler}."
    sentence = extract_declarations(text).entities["EMAIL_ADDRESS"].sentences[0]
    assert len(sentence) <= MAX_CHARS
    assert "email address" in sentence and sentence.startswith("…") and sentence.endswith("…")


def test_at_most_three_sentences_per_item() -> None:
    text = "\n".join(f"We collect your email address for purpose {i}." for i in range(6))
    item = extract_declarations(text).entities["EMAIL_ADDRESS"]
    assert len(item.sentences) == MAX_SENTENCES and item.phrases == ("email address",)


@pytest.mark.parametrize("text", ["", "   \n", "Lorem ipsum dolor sit amet.", "Terms of Service"])
def test_no_declarations_says_so(text: str) -> None:
    data = extract_declarations(text, "x.txt").to_dict()
    assert data["note"] == NO_DECLARATIONS
    assert data["categories"] == {} and data["entities"] == {}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("entities: [oops\n", "is not valid YAML"),
        ("- EMAIL_ADDRESS\n", "must be a mapping"),
        ("entities: {EMAIL: [mail]}\n", "names not in the policy: EMAIL"),
    ],
)
def test_bad_vocabulary_is_a_config_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "terms.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError, match=re.escape(message)):
        load_terms(path, POLICY)


def test_custom_vocabulary_from_the_command(tmp_path: Path) -> None:
    terms = tmp_path / "terms.yaml"
    terms.write_text("entities: {USERNAME: [gamer tag]}\n", encoding="utf-8")
    text = tmp_path / "policy.txt"
    text.write_text("We collect your gamer tag and email address.\n", encoding="utf-8")
    code, out, _ = _invoke("extract", "--terms", str(terms), str(text))
    assert code == 0
    assert set(yaml.safe_load(out)["entities"]) == {"USERNAME"}


def test_vocabulary_names_only_policy_entities_and_categories() -> None:
    terms = load_terms(policy=POLICY)
    assert set(terms.entities) <= set(POLICY.rules)
    assert set(terms.categories) <= set(POLICY.categories)
    covered = set(terms.categories) | {
        c for e in terms.entities for c in POLICY.rules[e].categories
    }
    assert covered == set(POLICY.categories)


# ----------------------------------------------------------------- check


def _declared(categories: list[str], entities: list[str] = ()) -> Declarations:
    return declarations_from_dict(
        {"policy": "p.txt", "categories": categories, "entities": list(entities)}, POLICY
    )


def test_check_lists_undeclared_categories_with_locations() -> None:
    result = check_declarations(
        _declared(["identifiers", "customer_records", "geolocation"]), small_inventory(), POLICY
    )
    undeclared = {u.category: u for u in result.undeclared}
    assert list(undeclared) == ["protected_class", "internet_activity", "sensitive"]
    assert undeclared["sensitive"].entity_types == ("CREDIT_CARD",)
    assert undeclared["sensitive"].locations == (f"{MASKED_URL} public.customers card_number",)
    assert undeclared["protected_class"].entity_types == ("DATE_OF_BIRTH",)
    assert undeclared["internet_activity"].entity_types == ("URL",)
    assert result.declared_not_found == ("geolocation",)
    assert "education" not in result.found_categories


def test_a_declared_entity_type_covers_its_categories() -> None:
    result = check_declarations(
        _declared(["identifiers", "customer_records"], ["CREDIT_CARD"]), small_inventory(), POLICY
    )
    assert "sensitive" not in {u.category for u in result.undeclared}
    assert result.declared_entities_not_found == ()


def test_check_with_everything_declared_says_so() -> None:
    result = check_declarations(_declared(list(POLICY.categories)), small_inventory(), POLICY)
    assert result.undeclared == ()
    text = render_check_text(result)
    assert "All personal data found is declared (by category)." in text
    assert "Declared categories never found:" in text and "education" in text


def _nino_and_iban_inventory() -> Inventory:
    inv = small_inventory()
    verdict = lambda t: EntityVerdict(t, 0.9, 5, 5, 1.0, 0.5, 1.0)  # noqa: E731
    fields = (
        FieldResult("ni_number", "TEXT", "personal", 5, 0, entities=(verdict("UK_NINO"),),
                    categories=("identifiers", "sensitive")),
        FieldResult("iban", "TEXT", "personal", 5, 0, entities=(verdict("IBAN_CODE"),),
                    categories=("customer_records", "sensitive")),
        FieldResult("pw", "TEXT", "personal", 5, 0, entities=(verdict("PASSWORD"),),
                    categories=("sensitive",)),
    )
    return replace(inv, assets=(replace(inv.assets[0], fields=fields),))


@pytest.mark.parametrize(
    ("categories", "entities", "named", "covered"),
    [
        # "we collect your password" declares PASSWORD and, through it, `sensitive` (what
        # `policy extract` writes): the category check passes NI numbers and IBANs; the
        # entity check does not
        (["identifiers", "customer_records", "sensitive"], ["PASSWORD"], ["IBAN_CODE", "UK_NINO"],
         {"IBAN_CODE": ("customer_records", "sensitive"), "UK_NINO": ("identifiers", "sensitive")}),
        (["identifiers", "customer_records", "sensitive"], ["PASSWORD", "UK_NINO", "IBAN_CODE"],
         [], {}),
        ([], [], ["IBAN_CODE", "PASSWORD", "UK_NINO"],
         {"IBAN_CODE": (), "PASSWORD": (), "UK_NINO": ()}),
    ],
)
def test_entity_types_the_policy_never_names_are_listed(
    categories: list[str], entities: list[str], named: list[str], covered: dict
) -> None:
    declared = _declared(categories, entities)
    result = check_declarations(declared, _nino_and_iban_inventory(), POLICY)
    assert [u.entity_type for u in result.undeclared_entities] == named
    assert {u.entity_type: u.covered_by for u in result.undeclared_entities} == covered
    text = render_check_text(result)
    if any(covered.values()):
        assert result.undeclared == ()  # what the category check alone said
        assert "Entity types found that the policy never names" in text
        assert "UK_NINO: covered by identifiers, sensitive" in text


def test_fail_on_undeclared_entities_exit_code(tmp_path: Path) -> None:
    inv, declared = tmp_path / "inv.json", tmp_path / "declared.yaml"
    inv.write_text(json.dumps(_nino_and_iban_inventory().to_dict()))
    declared.write_text(
        "categories: [identifiers, customer_records, sensitive]\nentities: [PASSWORD]\n"
    )
    base = ["policy", "check", str(inv), "--declared", str(declared)]
    assert CliRunner().invoke(cli, [*base, "--fail-on-undeclared"]).exit_code == 0
    outcome = CliRunner().invoke(cli, [*base, "--fail-on-undeclared-entities", "-f", "json"])
    assert outcome.exit_code == 1
    data = json.loads(outcome.stdout)
    assert [u["entity_type"] for u in data["undeclared_entities"]] == ["IBAN_CODE", "UK_NINO"]


def test_locations_are_capped_counted_and_masked() -> None:
    inv = small_inventory("postgresql://app:Tr0ub4dor@db/crm")
    email = EntityVerdict("EMAIL_ADDRESS", 0.9, 5, 5, 1.0, 0.5, 1.0)
    fields = tuple(
        FieldResult(
            f"mail_{i}", "TEXT", "personal", 5, 0, entities=(email,), categories=("identifiers",)
        )
        for i in range(7)
    )
    inv = replace(inv, assets=(replace(inv.assets[0], fields=fields),))
    result = check_declarations(_declared(["customer_records"]), inv, POLICY)
    (identifiers,) = result.undeclared
    assert identifiers.location_count == 7 and len(identifiers.locations) == MAX_LOCATIONS
    text = render_check_text(result)
    assert "… 2 more" in text and "Tr0ub4dor" not in text
    assert "postgresql://app:***@db/crm public.customers mail_0" in text


def test_fields_without_personal_status_are_ignored() -> None:
    inv = small_inventory()
    customers = inv.assets[0]
    kept = tuple(
        replace(f, status="none_found") if f.name == "card_number" else f for f in customers.fields
    )
    inv = replace(inv, assets=(replace(customers, fields=kept),))
    result = check_declarations(_declared(["identifiers", "protected_class"]), inv, POLICY)
    assert "sensitive" not in {u.category for u in result.undeclared}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("categories: [identifiers\n", "is not valid YAML (line"),
        ("- identifiers\n", "not a declarations file"),
        ("categories: [identifiers, bogus]\n", "unknown categories bogus"),
        ("entities: [EMAIL, PHONE_NUMBER]\n", "unknown entity types EMAIL"),
        ("categories: {}\ncolour: red\n", "unknown keys colour"),
        ("policy: x\n", "missing categories"),
        ("categories: identifiers\n", "categories must be a mapping or a list"),
    ],
)
def test_bad_declarations_are_one_line_usage_errors(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "declared.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError, match=re.escape(message)) as info:
        load_declarations(path, POLICY)
    assert "\n" not in str(info.value)


# ----------------------------------------------------------------- commands


@click.group(cls=_Cli)
def _root() -> None:
    """The CLI group that turns library errors into one Error: line (as piiscan.cli does)."""


_root.add_command(policy)


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(_root, ["policy", *args])
    return result.exit_code, result.stdout, result.stderr


def _write_inventory(tmp_path: Path) -> Path:
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps(small_inventory().to_dict()), encoding="utf-8")
    return path


def test_extract_then_check_round_trip(tmp_path: Path) -> None:
    text = tmp_path / "policy.txt"
    text.write_text(
        "What we collect:\n• Email address\n• Phone number\n"
        "We do not collect biometric data.\nWe use cookies.\n",
        encoding="utf-8",
    )
    declared = tmp_path / "declared.yaml"
    code, out, err = _invoke("extract", str(text), "-o", str(declared))
    assert code == 0 and out == "" and "written to" in err
    data = yaml.safe_load(declared.read_text(encoding="utf-8"))
    assert data["policy"] == "policy.txt"
    assert set(data["entities"]) == {"EMAIL_ADDRESS", "PHONE_NUMBER", "COOKIE_ID"}
    assert data["categories"]["customer_records"]["sentences"] == [
        "What we collect: … • Phone number"
    ]

    code, out, _ = _invoke("check", "--declared", str(declared), str(_write_inventory(tmp_path)))
    assert code == 0
    assert "Personal data found but not declared:" in out
    assert "sensitive: CREDIT_CARD" in out and "protected_class: DATE_OF_BIRTH" in out
    code, _, _ = _invoke(
        "check",
        "--declared",
        str(declared),
        "--fail-on-undeclared",
        str(tmp_path / "inventory.json"),
    )
    assert code == 1


def test_check_json_output(tmp_path: Path) -> None:
    declared = tmp_path / "declared.yaml"
    declared.write_text(
        "categories: [identifiers, customer_records, education]\n", encoding="utf-8"
    )
    code, out, _ = _invoke(
        "check", "--declared", str(declared), "--format", "json", str(_write_inventory(tmp_path))
    )
    assert code == 0
    data = json.loads(out)
    assert data["declared_not_found"] == ["education"]
    assert [u["category"] for u in data["undeclared"]] == [
        "protected_class",
        "internet_activity",
        "sensitive",
    ]


def test_fail_on_undeclared_passes_when_all_declared(tmp_path: Path) -> None:
    declared = tmp_path / "declared.yaml"
    declared.write_text(yaml.safe_dump({"categories": list(POLICY.categories)}), encoding="utf-8")
    code, out, _ = _invoke(
        "check",
        "--declared",
        str(declared),
        "--fail-on-undeclared",
        str(_write_inventory(tmp_path)),
    )
    assert code == 0 and "All personal data found is declared (by category)." in out


def test_extract_without_declarations_warns_and_says_so(tmp_path: Path) -> None:
    text = tmp_path / "terms.txt"
    text.write_text("These terms govern your use of the website.\n", encoding="utf-8")
    code, out, err = _invoke("extract", str(text))
    assert code == 0
    assert yaml.safe_load(out) == {
        "policy": "terms.txt",
        "note": NO_DECLARATIONS,
        "categories": {},
        "entities": {},
    }
    assert NO_DECLARATIONS in err and err.startswith("warning:")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "--declared", "{bad}", "{inv}"], "Error: "),
        (["extract", "{bin}"], "is not a privacy-policy text (not UTF-8 text)"),
        (["check", "--declared", "{ok}", "{broken}"], "is not valid JSON"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    paths = {
        "bad": tmp_path / "bad.yaml",
        "ok": tmp_path / "ok.yaml",
        "bin": tmp_path / "policy.pdf",
        "broken": tmp_path / "broken.json",
        "inv": _write_inventory(tmp_path),
    }
    paths["bad"].write_text("categories: [identifiers, nope]\n", encoding="utf-8")
    paths["ok"].write_text("categories: [identifiers]\n", encoding="utf-8")
    paths["bin"].write_bytes(b"%PDF-1.7\n\xff\xfe\x00\x01")
    paths["broken"].write_text('{"schema_version": "1.0", "assets": [', encoding="utf-8")
    code, out, err = _invoke(*[a.format(**{k: str(v) for k, v in paths.items()}) for a in args])
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err
