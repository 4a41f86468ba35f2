"""The files connector on documents and archives: every format becomes assets, every bad
case an ``errors[]`` entry, and the rest of the scan goes on (rule-only detectors)."""

from __future__ import annotations

import gzip
import io
import tarfile
from dataclasses import replace

import pytest
from test_archives import zip_bytes
from test_documents import docx_bytes, message, pdf_bytes, workbook_bytes

from piiscan.config import Config
from piiscan.model import Inventory
from piiscan.scanning.scanner import Scanner

CSV = b"name,email\nAnn Smith,ann.smith@gmail.com\nBob Jones,bob.jones@outlook.com\n"


def tar_gz(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


# example.* e-mails in the documents: counted as real (--no-default-allow-list)
CONFIG = Config(spacy_model="none", progress=False, max_archive_ratio=50, ignore_reserved=False)


def document_objects() -> dict[str, bytes]:
    """Every document and archive format, plus the bad cases."""
    return {
        "book.xlsx": workbook_bytes(),
        "letter.docx": docx_bytes(),
        "note.pdf": pdf_bytes([["Contact ann.smith@gmail.com about the refund"]]),
        "mail.eml": message(),
        "bundle.zip": zip_bytes({"crm/customers.csv": CSV,
                                 "logs.tar.gz": tar_gz({"app.log": b"login by bob@web.de\n"})}),
        "export.csv.gz": gzip.compress(CSV),
        "evil.zip": zip_bytes({"../escape.csv": CSV}),
        "bomb.zip": zip_bytes({"zeros.csv": b"0" * 30_000_000}),
        "fake.xlsx": b"name,email\nnot,a workbook\n",
        "broken.gz": gzip.compress(CSV)[:20],
    }


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory) -> Inventory:
    root = tmp_path_factory.mktemp("docs")
    for name, data in document_objects().items():
        (root / name).write_bytes(data)
    return Scanner(CONFIG).scan([str(root)])


def outline(inv: Inventory) -> tuple[dict[str, set[str]], dict[str | None, str]]:
    """Asset → entity types, and failed asset → reason: what a scan found, anywhere."""
    found = {a.asset: {e.type for f in a.fields for e in f.entities} for a in inv.assets}
    return found, {e.asset: e.reason for e in inv.errors}


def test_a_bucket_gives_the_same_inventory_as_the_disk(inventory: Inventory,
                                                       s3_bucket) -> None:
    bucket, client = s3_bucket({f"drop/{k}": v for k, v in document_objects().items()})
    before = client.list_objects_v2(Bucket=bucket)["Contents"]
    config = replace(CONFIG, endpoint_url=client.meta.endpoint_url)
    from_bucket = Scanner(config).scan([f"s3://{bucket}/drop/"])
    assert outline(from_bucket) == outline(inventory)
    assert client.list_objects_v2(Bucket=bucket)["Contents"] == before  # nothing written


def entities(inventory: Inventory, asset: str) -> set[str]:
    found = next(a for a in inventory.assets if a.asset == asset)
    return {e.type for f in found.fields for e in f.entities}


@pytest.mark.parametrize(("asset", "entity"), [
    ("book.xlsx/People", "EMAIL_ADDRESS"),
    ("letter.docx", "EMAIL_ADDRESS"),
    ("note.pdf", "EMAIL_ADDRESS"),
    ("mail.eml", "EMAIL_ADDRESS"),
    ("bundle.zip/crm/customers.csv", "EMAIL_ADDRESS"),
    ("bundle.zip/logs.tar.gz/app.log", "EMAIL_ADDRESS"),
    ("export.csv.gz/export.csv", "EMAIL_ADDRESS"),
])
def test_documents_and_archive_members_are_scanned(inventory: Inventory, asset: str,
                                                   entity: str) -> None:
    assert entity in entities(inventory, asset)


def test_sheets_are_tables_and_text_documents_are_text(inventory: Inventory) -> None:
    kinds = {a.asset: a.kind for a in inventory.assets}
    assert kinds["book.xlsx/Orders"] == "file"
    assert kinds["note.pdf"] == kinds["letter.docx"] == kinds["mail.eml"] == "text"


@pytest.mark.parametrize(("asset", "reason"), [
    ("evil.zip/../escape.csv", "unsafe"),
    ("bomb.zip", "archive limit exceeded"),
    ("fake.xlsx", "not"),
    ("broken.gz", ""),
])
def test_bad_containers_are_errors_and_the_scan_goes_on(inventory: Inventory, asset: str,
                                                       reason: str) -> None:
    errors = {e.asset: e.reason for e in inventory.errors}
    match = [a for a in errors if a is not None and a.startswith(asset)]
    assert match, sorted(a for a in errors if a)
    assert reason in errors[match[0]]
    assert not any(a.asset.startswith(asset) and a.fields for a in inventory.assets)


def test_an_archive_with_no_readable_member_is_not_silently_clean(tmp_path) -> None:
    (tmp_path / "images.zip").write_bytes(zip_bytes({"a.png": b"\x89PNG", "b.bin": b"\x00"}))
    inventory = Scanner(CONFIG).scan([str(tmp_path)])
    assert [(e.asset, e.reason) for e in inventory.errors] == [
        ("images.zip", "no member of a supported type (2 member(s) not scanned)")]


@pytest.fixture(scope="module")
def good_documents(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("good-docs")
    for name, data in document_objects().items():
        if name not in ("evil.zip", "bomb.zip", "fake.xlsx", "broken.gz"):
            (root / name).write_bytes(data)
    return str(root)


@pytest.mark.parametrize(("include", "exclude", "assets"), [
    (("*.csv",), (), ["bundle.zip/crm/customers.csv", "export.csv.gz/export.csv",
                      "mail.eml/ann.csv"]),
    (("crm",), (), ["bundle.zip/crm/customers.csv"]),  # a folder inside an archive
    (("*.log",), (), ["bundle.zip/logs.tar.gz/app.log"]),
    (("book.xlsx/People",), (), ["book.xlsx/People"]),
    (("People.email",), (), ["book.xlsx/People: email"]),  # a sheet's column
    (("mail.eml",), (), ["mail.eml", "mail.eml/ann.csv"]),  # a message with its attachment
    (("ann.csv.iban",), (), ["mail.eml/ann.csv: iban"]),
    ((), ("*.xlsx", "*.eml", "*.docx", "*.pdf", "bundle.zip"), ["export.csv.gz/export.csv"]),
    ((), ("*.xlsx", "*.eml", "*.docx", "*.pdf", "*.csv", "*.log", "*.gz"), []),
])
def test_include_exclude_reach_into_containers(good_documents: str, include: tuple[str, ...],
                                               exclude: tuple[str, ...],
                                               assets: list[str]) -> None:
    """Archive members, sheets and attachments follow docs/selection.md (``asset: fields``
    where only some fields are selected); an archive whose members are all left out by
    the patterns is not an error."""
    config = replace(CONFIG, include=include, exclude=exclude)
    inventory = Scanner(config, detectors=[]).scan([good_documents])
    everything = {a.asset: a.fields for a in Scanner(CONFIG, detectors=[]).scan(
        [good_documents]).assets}
    found = [a.asset if a.fields == everything[a.asset]
             else f"{a.asset}: {', '.join(f.name for f in a.fields)}" for a in inventory.assets]
    assert sorted(found) == assets
    assert not inventory.errors
    assert not [w for w in inventory.warnings if "matched no" in w]
