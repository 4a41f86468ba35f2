"""The detection mode is recorded in every inventory and stated in every report header.

A reader of a clean result must know what it is worth: NER (model name and version) or
rule-only (names and places not detected); an inventory from before the mode was recorded
still renders and says so. Free-text fields are flagged with or without a model.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import spacy
from click.testing import CliRunner
from test_reporters import small_inventory

from piiscan.classification import FieldAccumulator, looks_like_prose
from piiscan.cli import cli
from piiscan.config import Config
from piiscan.detection import (
    FREE_TEXT_NOT_VERIFIED,
    INSTALL_MODEL,
    ner_detection,
    rule_only_detection,
)
from piiscan.detectors import nlp
from piiscan.masking import EvidenceEncoder
from piiscan.policy import load_policy
from piiscan.registry import default_registry
from piiscan.reports.matrix import build_matrix, coverage, load_defaults
from piiscan.reports.matrix_render import render as render_matrix
from piiscan.scanning.scanner import Scanner

NER = ner_detection("en_core_web_lg 3.8.0", ("PERSON", "GPE"), "installed package")
RULE_ONLY = rule_only_detection()
RULE_ONLY_LINE = f"rule-only: names and places not detected - install a model: {INSTALL_MODEL}"
NO_MODEL_INSTALLED = not any(spacy.util.is_package(n) for n in nlp.INSTALLED_CANDIDATES)

TICKETS = [
    "Hi, this is Oliver Khan. I was charged twice for my order, please refund it.",
    "Please update my details, you can reach me at the usual address. Thanks, Ruby",
    "The lamp arrived with a cracked base and the box was open, please send another.",
    "When will the armchair be back in stock? The website says two weeks from now.",
] * 5
AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
] * 10
ADDRESSES = ["1600 Pennsylvania Avenue NW, Washington, DC 20500, United States"] * 20
NAMES = ["Oliver Khan", "Ruby Smith", "Ada Lovelace", "Alan Turing"] * 5


def render(fmt: str, inventory) -> str:
    out = io.StringIO()
    default_registry.get("reporter", fmt)(None).write(inventory, out)
    return out.getvalue()


# -- the header of every report ---------------------------------------------------------
@pytest.mark.parametrize("fmt", ["table", "markdown", "html", "csv", "prefixes"])
@pytest.mark.parametrize(
    ("detection", "expected"),
    [
        (NER, "NER model en_core_web_lg 3.8.0"),
        (RULE_ONLY, RULE_ONLY_LINE),
        ({}, "etection mode not recorded"),
    ],
    ids=["ner", "rule-only", "not-recorded"],
)
def test_every_report_states_the_detection_mode(fmt: str, detection: dict, expected: str) -> None:
    inventory = replace(small_inventory(), detection=detection)
    text = render(fmt, inventory)
    if fmt == "csv":  # a column on every row: what CSV readers cope with
        rows = text.splitlines()
        assert rows[0].endswith(",detection")
        expected = {"ner": "NER model en_core_web_lg 3.8.0",
                    "rule-only": "rule-only: names and places not detected"}.get(
            detection.get("mode", ""), "detection mode not recorded")
        assert all(r.endswith(expected) for r in rows[1:])
    else:
        head = text[: text.find("Summary")]  # in the header, before the summary
        assert expected in head
        assert ("rule-only" in head) is (detection == RULE_ONLY)


def test_parquet_carries_the_detection_in_its_schema_and_rows(tmp_path: Path) -> None:
    inventory = replace(small_inventory(), detection=RULE_ONLY)
    path = tmp_path / "fields.parquet"
    with path.open("wb") as fh:
        default_registry.get("reporter", "parquet")(None).write(inventory, fh)
    table = pq.read_table(path)
    assert json.loads(table.schema.metadata[b"piiscan.detection"]) == RULE_ONLY
    assert set(table.column("detection").to_pylist()) == {
        "rule-only: names and places not detected"}


@pytest.mark.parametrize("fmt", ["markdown", "html"])
@pytest.mark.parametrize("detection", [NER, RULE_ONLY, {}], ids=["ner", "rule-only", "none"])
def test_matrix_states_the_detection_mode(fmt: str, detection: dict) -> None:
    inventory = replace(small_inventory(), detection=detection)
    policy = load_policy()
    text = render_matrix(build_matrix(inventory, policy, load_defaults(None, policy)),
                         coverage(inventory, policy), fmt)
    expected = {"ner": "NER model en_core_web_lg 3.8.0", "rule-only": RULE_ONLY_LINE}.get(
        detection.get("mode", ""), "Detection mode not recorded")
    assert expected in text


def test_inventory_warnings_appear_in_the_report_headers() -> None:
    inventory = replace(small_inventory(), detection=RULE_ONLY,
                        warnings=(f"{FREE_TEXT_NOT_VERIFIED}: public.customers.notes",))
    for fmt in ("table", "markdown", "html"):
        text = render(fmt, inventory)
        assert f"{FREE_TEXT_NOT_VERIFIED}: public.customers.notes" in text[: text.find("Summary")]


def test_an_inventory_from_before_1_1_still_rerenders(tmp_path: Path) -> None:
    data = small_inventory().to_dict()
    data["schema_version"] = "1.0"
    del data["detection"], data["warnings"]
    saved = tmp_path / "old.json"
    saved.write_text(json.dumps(data), encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", str(saved), "--format", "table"])
    assert result.exit_code == 0, result.output
    assert "detection mode not recorded" in result.stdout


def test_a_directory_that_is_no_model_is_one_error_line(tmp_path: Path) -> None:
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "meta.json").write_text("{}")
    (tmp_path / "a.csv").write_text("id\n1\n")
    result = CliRunner().invoke(cli, ["scan", str(tmp_path / "a.csv"), "--spacy-model",
                                      str(tmp_path / "model"), "--no-progress"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: cannot load spaCy model")
    assert "Traceback" not in result.output


# -- what the scanner records -------------------------------------------------------------
@pytest.fixture
def tickets_db(tmp_path: Path) -> Path:
    path = tmp_path / "shop.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE tickets (id INTEGER, body TEXT, agent TEXT, address TEXT, "
                "name TEXT)")
    con.executemany("INSERT INTO tickets VALUES (?,?,?,?,?)",
                    [(i, t, a, ad, n) for i, (t, a, ad, n)
                     in enumerate(zip(TICKETS, AGENTS, ADDRESSES, NAMES, strict=True))])
    con.commit()
    con.close()
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "call.txt").write_text("Called back, she will pay on Friday.\n")
    return path


def _scan(sources: list[str], model: str) -> object:
    return Scanner(Config(spacy_model=model, progress=False)).scan(sources)


def _free(inventory) -> set[str]:
    return {f"{a.asset}.{f.name}" for a in inventory.assets for f in a.fields if f.free_text}


def test_rule_only_scan_records_its_mode_flags_free_text_and_warns(tickets_db: Path) -> None:
    inv = _scan([f"sqlite:///{tickets_db}", str(tickets_db.parent / "notes")], "none")
    assert inv.detection["mode"] == "rule-only"
    assert inv.detection["resolved"] == "requested"
    assert FREE_TEXT_NOT_VERIFIED in inv.detection["limits"]
    assert _free(inv) == {"tickets.body", "call.txt.(text)"}
    assert len(inv.warnings) == 1 and FREE_TEXT_NOT_VERIFIED in inv.warnings[0]
    assert "tickets.body" in inv.warnings[0]
    assert "Oliver" not in json.dumps(inv.to_dict()["warnings"])


@pytest.mark.ner
def test_ner_scan_records_the_model_and_its_labels(tickets_db: Path, spacy_model: str) -> None:
    inv = _scan([f"sqlite:///{tickets_db}"], spacy_model)
    assert inv.detection["mode"] == "ner"
    assert inv.detection["model"] == "en_ner_distilled_sm 0.1.1"
    assert {"PERSON", "GPE", "NORP"} <= set(inv.detection["labels"])
    assert inv.detection["limits"] == [] and inv.warnings == ()
    assert _free(inv) == {"tickets.body"}  # flagged with a model too


@pytest.mark.skipif(not NO_MODEL_INSTALLED, reason="an en_core_web pipeline is installed")
def test_no_model_found_is_recorded_as_a_fallback(tickets_db: Path, monkeypatch) -> None:
    monkeypatch.delenv(nlp.ENV_VAR, raising=False)
    inv = _scan([f"sqlite:///{tickets_db}"], None)
    assert inv.detection["mode"] == "rule-only"
    assert inv.detection["resolved"] == "none found"


@pytest.mark.parametrize(
    ("values", "free"),
    [
        (TICKETS, True),
        (AGENTS, False),  # long, many spaces, but no sentences
        (ADDRESSES, False),
        (NAMES, False),
        (["ok"] * 30 + [TICKETS[0]], False),  # one long note among short codes
        (["ok"] * 30 + TICKETS[:2], True),  # two are enough
        (TICKETS[:1], True),  # all of the one value read
    ],
    ids=["tickets", "user-agents", "addresses", "names", "one-note", "two-notes", "single"],
)
def test_free_text_flag(values: list[str], free: bool) -> None:
    acc = FieldAccumulator(name="f", data_type="TEXT", hints=(), policy=load_policy(),
                           encoder=EvidenceEncoder("masked"), min_score=0.5, max_values=None)
    for v in values:
        if acc.cached(v) is None:
            acc.add(v, [])
        else:
            acc.add_repeat(v)
    assert acc.result().free_text is free


@pytest.mark.parametrize(("text", "prose"), [
    (TICKETS[0], True), (AGENTS[0], False), (AGENTS[1], False), (ADDRESSES[0], False),
    ("short sentence here", False),
])
def test_looks_like_prose(text: str, prose: bool) -> None:
    assert looks_like_prose(text) is prose


@pytest.mark.skipif(not NO_MODEL_INSTALLED, reason="an en_core_web pipeline is installed")
def test_the_rule_only_warning_comes_once_per_run_with_workers(tmp_path: Path) -> None:
    data = tmp_path / "notes.csv"
    data.write_text("id,note\n" + "".join(f"{i},hello number {i}\n" for i in range(60)))
    env = {**os.environ, "PIISCAN_SPACY_MODEL": ""}
    run = subprocess.run(
        [sys.executable, "-m", "piiscan.cli", "scan", str(data), "--full", "--jobs", "2",
         "--no-progress", "-f", "json", "-o", str(tmp_path / "inv.json")],
        capture_output=True, text=True, env=env, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    warned = [line for line in run.stderr.splitlines() if "no spaCy NER model found" in line]
    assert len(warned) == 1, run.stderr
    assert warned[0].startswith("warning: ")
    assert "python -m spacy download en_core_web_lg" in warned[0]
    assert "pip install en_core" not in run.stderr
