"""Property tests: evidence never carries the raw value it stands for.

The guarantee of :func:`mask_value` (see its docstring) is exact: a whole e-mail address
keeps its first local character and its domain; anything else keeps at most
``min(3, len // 4)`` characters, a prefix and a suffix, around ``***``. So a value of four
or more characters never survives whole, unless it is itself ``x***``-shaped.
"""

from __future__ import annotations

import csv
import json
import re
import string
import tempfile
from pathlib import Path
from urllib.parse import quote

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from piiscan.config import Config
from piiscan.detectors.presidio_detector import PresidioDetector
from piiscan.masking import MASK, EvidenceEncoder, mask_url, mask_value, scrub, url_secrets
from piiscan.model import Span
from piiscan.scanning.scanner import Scanner

#: A whole address as mask_value reads one: its domain is labels of letters, digits and
#: hyphens ending in a letters-only TLD (so "j@corp.com;ssn:219000000" is not an address).
EMAIL = re.compile(r"[^@\s]+@(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,63}")
ENTITIES = st.sampled_from([None, "EMAIL_ADDRESS", "PERSON", "PHONE_NUMBER", "US_SSN", "URL"])
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=80)


@given(TEXT, ENTITIES)
@example("Contact jane@example.com, SSN 078-05-1120", "EMAIL_ADDRESS")  # tail of a cell
@example("secretpassword", "EMAIL_ADDRESS")  # not an address: was "***@secretpassword"
@example("j@corp.com;ssn:219000000", "EMAIL_ADDRESS")  # issue 19: kept the cell's tail
@example("a***", None)
@example("*000", None)  # "****": the mask's own "*" next to a revealed "*"
@settings(max_examples=300, deadline=None)
def test_mask_value_reveals_only_its_bounded_part(value: str, entity: str | None) -> None:
    masked = mask_value(value, entity)
    v = value.strip()
    if EMAIL.fullmatch(v):
        local, _, domain = v.rpartition("@")
        assert masked == (local[:1] if len(local) > 1 else "") + MASK + "@" + domain
        return
    assert masked.count(MASK) >= 1
    visible = min(3, len(v) // 4)
    # a value holding "*" makes the split ambiguous ("*000" → "****"): some split must fit
    splits = [(masked[:i], masked[i + len(MASK):]) for i in range(len(masked))
              if masked.startswith(MASK, i)]
    assert any(len(head) + len(tail) <= visible and v.startswith(head) and v.endswith(tail)
               for head, tail in splits), (value, masked)
    if len(v) >= 4 and not v[1:].startswith(MASK):
        assert v not in masked


@given(TEXT.filter(lambda s: len(s) >= 2), ENTITIES, st.binary(min_size=1, max_size=32))
@settings(max_examples=200, deadline=None)
def test_hash_evidence_never_contains_the_value(value: str, entity: str | None,
                                                key: bytes) -> None:
    out = EvidenceEncoder("hash", key).encode(value, entity)
    assert re.fullmatch(r"hmac-sha256:[0-9a-f]{16}", out)
    assert value not in out or value in "hmac-sha256:0123456789abcdef"
    assert EvidenceEncoder("none").encode(value, entity) == ""


PASSWORD = st.text(st.sampled_from(string.printable.strip()), min_size=1, max_size=24)
HOST = st.sampled_from(["db.internal", "10.0.0.7:5432", "[::1]:5432", "h"])


@given(st.sampled_from(["postgresql", "mysql+pymysql", "mssql", "s3", "https"]),
       st.sampled_from(["app", "svc_user", ""]), PASSWORD, st.booleans(), HOST,
       st.sampled_from(["/db", "/db?sslmode=require", "", "/x/y.csv#frag", "/db?a=b@c"]))
@example("postgresql", "u", "@/", False, "h", "/db")  # was "postgresql://u:***@/@h/db"
@example("postgresql", "u", "pa/ss", False, "h", "/db")  # urlsplit stops at "/"
@example("postgresql", "u", "pa#ss", False, "h", "/db")
@example("postgresql", "u", "pa[ss", False, "h", "/db")  # urlsplit raises
@settings(max_examples=300, deadline=None)
def test_mask_url_and_scrub_never_leave_the_password(
        scheme: str, user: str, password: str, encoded: bool, host: str, tail: str) -> None:
    written = quote(password, safe="") if encoded else password
    url = f"{scheme}://{user}:{written}@{host}{tail}"
    rest = f"{scheme}://{user}:{MASK}@{host}{tail}"  # what may show; a secret inside it
    masked = mask_url(url)
    for secret in {written, password}:
        if secret not in rest:  # ("a" spells part of a host) tells nothing
            assert secret not in masked
    message = f"could not connect to {url}: password {written!r} rejected"
    scrubbed = scrub(message, url_secrets(url))
    for secret in {written, password}:
        if secret not in rest and secret not in "could not connect to : password  rejected":
            assert secret not in scrubbed


# -- end to end: a scanned CSV's inventory never holds a generated secret -----------------
DETECTOR = PresidioDetector(Config(spacy_model="none", progress=False))
WORD = st.text(st.sampled_from(string.ascii_letters + string.digits), min_size=3, max_size=10)
SSN = st.builds(lambda a, b, c: f"{a:03d}-{b:02d}-{c:04d}",
                st.integers(101, 665), st.integers(10, 99), st.integers(1000, 9999))
ADDRESS = st.builds(lambda local, dom: f"{local}@{dom}.com", WORD, WORD)
CELL = st.builds(lambda w, e, s, sep: sep.join([f"Zq{w}", e, s]),
                 WORD, ADDRESS, SSN, st.sampled_from([" ", ", ", "; ", " | "]))


def _strings(obj: object) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for k, v in obj.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(obj, list | tuple):
        return [s for v in obj for s in _strings(v)]
    return []


@given(st.lists(st.tuples(CELL, SSN, ADDRESS), min_size=1, max_size=12),
       st.sampled_from(["masked", "hash"]))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_scanned_inventory_never_holds_a_generated_value(
        rows: list[tuple[str, str, str]], mode: str) -> None:
    config = Config(spacy_model="none", progress=False, evidence=mode, hash_key=b"k" * 16)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "people.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["note", "ssn", "email"])
            writer.writerows(rows)
        inventory = Scanner(config, detectors=[DETECTOR]).scan([str(path)])
    data = inventory.to_dict()
    text = json.dumps(data, ensure_ascii=False)
    strings = _strings(data)
    secrets_ = {v for row in rows for v in row}
    secrets_ |= {part for row in rows for part in re.split(r"[ ,;|]+", row[0])
                 if re.fullmatch(r"\d{3}-\d{2}-\d{4}", part)}
    for secret in secrets_:
        assert secret not in text
        assert not any(secret in s for s in strings)


# -- issue 19, item 7: evidence is the detected span, never the rest of the cell -----------
@given(TEXT, TEXT.filter(lambda t: t.strip() != ""), TEXT, ENTITIES.filter(bool),
       st.sampled_from(["masked", "hash", "none"]))
@example("", "jane@corp.com", ";ssn:219000000", "EMAIL_ADDRESS", "masked")
@example("x ", "219-40-1234", " jane@corp.com", "US_SSN", "masked")
@settings(max_examples=300, deadline=None)
def test_detected_evidence_is_its_span_alone(prefix: str, span: str, suffix: str, entity: str,
                                             mode: str) -> None:
    cell = prefix + span + suffix
    other = Span("PERSON" if entity != "PERSON" else "URL", 0, len(cell), 0.99, "t")
    found = Span(entity, len(prefix), len(prefix) + len(span), 0.8, "t")
    encoder = EvidenceEncoder(mode, b"k" * 16)
    assert encoder.encode_detected(cell, [other, found], entity) == encoder.encode(span, entity)
    assert encoder.encode_detected(cell, [other], entity) == ""  # no span of that type


LOCAL = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz"), min_size=8, max_size=12)


@given(st.lists(st.tuples(SSN, LOCAL), min_size=5, max_size=8, unique_by=lambda r: r[1]),
       st.sampled_from([";ssn:", ";", "|ssn="]))
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_an_address_cell_with_a_tail_keeps_nothing_of_the_tail(
        rows: list[tuple[str, str]], sep: str) -> None:
    """``j***@corp.com;ssn:219000000`` (issue 19): a cell that starts like an address kept
    its whole tail as the address's "domain"."""
    config = Config(spacy_model="none", progress=False, hash_key=b"k" * 16)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "contacts.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["id", "email"])
            writer.writerows([i, f"{local}@corp-mail.com{sep}{ssn.replace('-', '')}"]
                             for i, (ssn, local) in enumerate(rows))
        inventory = Scanner(config, detectors=[DETECTOR]).scan([str(path)])
    evidence = [x for a in inventory.assets for f in a.fields for e in f.entities
                for x in e.evidence]
    assert evidence  # the addresses were found, and shown
    text = json.dumps(inventory.to_dict(), ensure_ascii=False)
    for ssn, local in rows:
        digits = ssn.replace("-", "")
        assert digits not in text and local[1:] not in text
        assert not any(digits[i:i + 4] in x for x in evidence for i in range(6))
