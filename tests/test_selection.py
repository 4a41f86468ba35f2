"""--include/--exclude: the matcher's cases, the documented examples (docs/selection.md)
checked on a real SQLite database and a real folder, and the warning for a pattern that
matched nothing."""

from __future__ import annotations

import json
import re
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from piiscan import selection as selection_module
from piiscan.config import Config
from piiscan.connectors.files import file_selection
from piiscan.model import Inventory
from piiscan.policy import load_policy
from piiscan.scanning.scanner import Scanner
from piiscan.selection import Selection, unmatched_warning, unmatched_warnings

DOC = Path(__file__).resolve().parents[1] / "docs/selection.md"
POLICY = load_policy(None)


def sql(include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> Selection:
    return Selection(include, exclude)


def files(include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> Selection:
    return file_selection(include, exclude)


# -- the matcher ---------------------------------------------------------------------------
CUSTOMERS = ("main", "customers")
PEOPLE = ("exports", "people.csv")
ORDERS = ("exports", "orders.json")


@pytest.mark.parametrize(("pattern", "asset", "field", "named"), [
    # a database column: main.customers.email, named by itself or trailing parts
    ("email", CUSTOMERS, "email", True),
    ("EMAIL", CUSTOMERS, "Email", True),
    ("*.email", CUSTOMERS, "email", True),
    ("customers.email", CUSTOMERS, "email", True),
    ("main.customers.email", CUSTOMERS, "email", True),
    ("*.*.email", CUSTOMERS, "email", True),
    ("customers", CUSTOMERS, "email", True),  # the table, with its columns
    ("main", CUSTOMERS, "email", True),  # the schema
    ("crm.customers.email", CUSTOMERS, "email", False),
    ("ustomers.email", CUSTOMERS, "email", False),  # parts are whole
    ("mail", CUSTOMERS, "email", False),
    ("customers*email", CUSTOMERS, "email", False),  # * stays within one part
    ("customers**email", CUSTOMERS, "email", True),  # ** does not
    ("user*name", ("main", "users"), "name", False),
    ("user*name", ("main", "users"), "user_name", True),
    ("e?ail", CUSTOMERS, "email", True),
    ("e[lm]ail", CUSTOMERS, "email", True),
    ("e[!m]ail", CUSTOMERS, "email", False),
    ("customers.e*", CUSTOMERS, "email", True),
    ("customers/email", CUSTOMERS, "email", False),  # / only separates folders
    # a file's field: exports/people.csv.phone
    ("phone", PEOPLE, "phone", True),
    ("*.phone", PEOPLE, "phone", True),
    ("people.csv.phone", PEOPLE, "phone", True),
    ("*.csv.phone", PEOPLE, "phone", True),
    ("exports/people.csv.phone", PEOPLE, "phone", True),
    ("exports/*.csv.phone", PEOPLE, "phone", True),
    ("**/people.csv.phone", PEOPLE, "phone", True),
    ("people.csv", PEOPLE, "phone", True),  # the file, with its fields
    ("*.csv", PEOPLE, "phone", True),
    ("exports", PEOPLE, "phone", True),  # the folder
    ("exports/*", PEOPLE, "phone", True),
    ("exports/", PEOPLE, "phone", True),
    ("./exports/people.csv", PEOPLE, "phone", True),
    ("people.csv/", PEOPLE, "phone", False),  # a folder called people.csv
    ("people", PEOPLE, "phone", False),
    ("*.json.phone", PEOPLE, "phone", False),
    ("exports.people.csv.phone", PEOPLE, "phone", False),
    ("csv.phone", PEOPLE, "phone", False),
    # nested fields: exports/orders.json.customer.address.zip
    ("zip", ORDERS, "customer.address.zip", True),
    ("address", ORDERS, "customer.address.zip", True),  # the parent object
    ("address.zip", ORDERS, "customer.address.zip", False),  # .zip: an archive's name
    ("customer.address.*", ORDERS, "customer.address.zip", True),
    ("orders.json.customer.address.zip", ORDERS, "customer.address.zip", True),
    ("*.json.customer.*", ORDERS, "customer.address.zip", True),
    ("*.zip", ORDERS, "customer.address.zip", False),  # archives, not zip fields
    ("*.csv", ORDERS, "csv", False),
    ("*.csv", ("a.csv",), "csv", True),  # the file
    ("orders.*", ORDERS, "id", True),  # the dot of orders.json
])
def test_what_a_pattern_names(pattern: str, asset: tuple[str, ...], field: str,
                              named: bool) -> None:
    make = sql if asset[0] == "main" else files
    assert make((pattern,)).field(asset, field) is named
    assert make((), (pattern,)).field(asset, field) is not named


@pytest.mark.parametrize(("include", "exclude", "asset", "choice"), [
    ((), (), PEOPLE, "all"),
    (("*.csv",), (), PEOPLE, "all"),
    (("*.csv",), (), ORDERS, "none"),  # cannot have a selected field: not read
    (("email",), (), ORDERS, "some"),  # may have an email field: read for it
    (("*.csv.email",), (), ORDERS, "none"),
    (("people.csv.email",), (), ORDERS, "none"),
    (("exports/*",), (), ("logs", "a.json"), "none"),
    (("logs",), (), ("logs", "2024", "a.json"), "all"),
    ((), ("exports",), PEOPLE, "excluded"),
    ((), ("*.csv",), PEOPLE, "excluded"),
    ((), ("exports/**",), PEOPLE, "excluded"),
    (("people.csv",), ("exports",), PEOPLE, "excluded"),  # exclude wins
    ((), ("email",), PEOPLE, "all"),  # a field pattern: the file is read
])
def test_what_is_read(include: tuple[str, ...], exclude: tuple[str, ...],
                      asset: tuple[str, ...], choice: str) -> None:
    assert files(include, exclude).asset(asset) == choice


@pytest.mark.parametrize(("include", "exclude", "asset", "choice"), [
    (("customers",), (), ("main", "orders"), "some"),  # a column may be called customers
    (("customers.email",), (), ("main", "orders"), "some"),  # a JSON column customers.email
    (("crm/x",), (), ("main", "orders"), "none"),
    ((), ("main.*",), ("main", "orders"), "excluded"),
    ((), ("crm",), ("main", "orders"), "all"),
])
def test_what_is_read_on_a_database(include: tuple[str, ...], exclude: tuple[str, ...],
                                    asset: tuple[str, ...], choice: str) -> None:
    assert sql(include, exclude).asset(asset) == choice


def test_exclude_wins_over_include() -> None:
    selection = sql(("customers",), ("*.email",))
    assert selection.field(CUSTOMERS, "name")
    assert not selection.field(CUSTOMERS, "email")


def test_matched_and_unmatched_patterns() -> None:
    selection = files(("*.csv", "*.parquet"), ("phone", "*.internal_note", "zip"))
    assert selection.asset(PEOPLE) == "all"
    assert selection.field(PEOPLE, "phone") is False
    assert selection.field(PEOPLE, "internal_notes") is True
    assert sorted(selection.unmatched()) == [
        ("exclude", "*.internal_note"), ("exclude", "zip"), ("include", "*.parquet")]


def test_unseen_fields_keep_field_patterns_from_being_reported() -> None:
    """A file listed for reading but never read might hold the field: no warning for a
    pattern that could name it, one for a pattern that could not."""
    selection = files((), ("internal_notes", "*.csv.notes", "*.txt"))
    assert selection.asset(ORDERS) == "all"  # never read
    assert selection.unmatched() == [("exclude", "*.csv.notes"), ("exclude", "*.txt")]
    selection.seen(ORDERS)
    assert len(selection.unmatched()) == 3


def test_many_assets_keep_bounded_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bucket of millions: states are cached for the latest assets only, and assets
    left unread longest are folded into the patterns they could hold a field for."""
    monkeypatch.setattr(selection_module, "CACHED_ASSETS", 2)
    selection = files(("*.csv", "*.json.name"), ("*.csv.notes", "*.json.notes"))
    for i in range(5):
        assert selection.asset((f"{i}.csv",)) == "all"
    assert selection.asset(("a.json",)) == "some"
    assert len(selection._assets) <= 2 and len(selection._unseen) <= 2
    assert selection.field(("0.csv",), "id") is True  # its state is computed again
    for parts in [("3.csv",), ("4.csv",), ("a.json",)]:
        selection.seen(parts)
    # 1.csv and 2.csv were never read: they might have had a notes field
    assert selection.unmatched() == [("include", "*.json.name"), ("exclude", "*.json.notes")]


@pytest.mark.parametrize(("missed", "warned"), [
    ([[], []], []),
    ([[("exclude", "x")], []], []),  # matched in the second source
    ([[("exclude", "x")], [("exclude", "x")]], ["--exclude 'x' matched no table, file or field"]),
    ([None, [("exclude", "x")]], []),  # a connector that cannot tell: no warning
])
def test_warnings_across_sources(missed: list[list[tuple[str, str]] | None],
                                 warned: list[str]) -> None:
    selections: list[Selection | None] = []
    for keys in missed:
        if keys is None:
            selections.append(None)
            continue
        selection = sql((), ("x",))
        if not keys:
            selection.field(("main", "x"), "a")
        selections.append(selection)
    assert unmatched_warnings((), ("x",), selections) == warned


def test_warning_quotes_the_pattern_as_a_shell_would() -> None:
    assert unmatched_warning("include", "it's") == (
        "--include 'it'\\''s' matched no table, file or field")


# -- the documented examples ----------------------------------------------------------------
def doc_block(language: str) -> str:
    """The first ``language`` code block of the examples section."""
    text = DOC.read_text(encoding="utf-8")
    found = re.search(rf"```{language}\n(.*?)```", text[text.index("## Examples"):], re.S)
    assert found, f"no {language} block in {DOC}"
    return found.group(1)


def doc_examples() -> Iterator[tuple[str, str, str]]:
    """(pattern, database cell, files cell) of each row of the examples table."""
    text = DOC.read_text(encoding="utf-8")
    table = text[text.index("| pattern | on the database | on the files |"):]
    for line in table.splitlines()[2:]:
        if not line.startswith("|"):
            break
        pattern, db, fs = (c.strip() for c in line.strip("|").split(" | "))
        yield pattern.strip("`"), db, fs


def build_files(root: Path) -> None:
    """The folder the docs list: one row of data per file, a zip with its member."""
    for line in doc_block("text").splitlines():
        path, listed = line.split(maxsplit=1)
        target = root / path.removeprefix("files/")
        fields = [f.strip() for f in listed.split(",")]
        if path.endswith(".log"):
            content = "The service started at noon.\n"
        elif path.endswith(".json"):
            record: dict = {}
            for name in fields:
                *parents, leaf = name.split(".")
                node = record
                for parent in parents:
                    node = node.setdefault(parent, {})
                node[leaf] = "v"
            content = json.dumps([record])
        else:
            content = ",".join(fields) + "\n" + ",".join("v" for _ in fields) + "\n"
        if ".zip/" in path:
            archive, member = str(target).split(".zip/")
            with zipfile.ZipFile(archive + ".zip", "w") as zf:
                zf.writestr(member, content)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")


@pytest.fixture(scope="module")
def example_sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("selection")
    db = root / "shop.db"
    with sqlite3.connect(db) as conn:
        conn.executescript(doc_block("sql"))
        for table, in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            width = len(conn.execute(f"SELECT * FROM {table}").description)
            conn.execute(f"INSERT INTO {table} VALUES ({', '.join('1' * width)})")
    conn.close()
    build_files(root / "files")
    return {"db": f"sqlite:///{db}", "files": str(root / "files")}


def scan(sources: list[str], **patterns: tuple[str, ...]) -> Inventory:
    config = Config(progress=False, spacy_model="none", **patterns)
    return Scanner(config, policy=POLICY, detectors=[]).scan(sources)


def unmatched(inventory: Inventory) -> list[str]:
    """The inventory's warnings about patterns (others may be there: detection mode)."""
    return [w for w in inventory.warnings if "matched no table, file or field" in w]


def scanned(inventory: Inventory) -> set[str]:
    """``asset.field`` for each field scanned; a text document by its name."""
    assert not inventory.errors
    return {a.asset if a.kind == "text" else f"{a.asset}.{f.name}"
            for a in inventory.assets for f in a.fields}


def expected(cell: str, everything: set[str]) -> set[str]:
    if cell.startswith("—"):
        return set()
    out: set[str] = set()
    for entry in re.findall(r"`([^`]+)`", cell):
        if entry.endswith(".*"):
            fields = {e for e in everything if e.startswith(entry[:-1])}
            assert fields, f"{entry}: no such asset in the example data"
            out |= fields
        else:
            assert entry in everything, f"{entry}: not in the example data"
            out.add(entry)
    return out


EXAMPLES = list(doc_examples())


def test_the_docs_have_examples() -> None:
    assert len(EXAMPLES) >= 20
    assert {"email", "*.internal_notes", "*.csv", "customers"} <= {p for p, _, _ in EXAMPLES}


@pytest.mark.parametrize(("pattern", "db_cell", "files_cell"), EXAMPLES,
                         ids=[p for p, _, _ in EXAMPLES])
def test_documented_example(example_sources: dict[str, str], pattern: str, db_cell: str,
                            files_cell: str) -> None:
    """--include PATTERN scans what the row says, --exclude PATTERN the rest, and a
    pattern that names nothing is reported (on its own source, and on both)."""
    warning = unmatched_warning("include", pattern)
    for source, cell in (("db", db_cell), ("files", files_cell)):
        url = example_sources[source]
        everything = scanned(scan([url]))
        want = expected(cell, everything)
        included = scan([url], include=(pattern,))
        assert scanned(included) == want, source
        assert unmatched(included) == ([] if want else [warning]), source
        excluded = scan([url], exclude=(pattern,))
        assert scanned(excluded) == everything - want, source
        assert len(unmatched(excluded)) == (0 if want else 1), source
    both = scan(list(example_sources.values()), include=(pattern,))
    named = not (db_cell.startswith("—") and files_cell.startswith("—"))
    assert unmatched(both) == ([] if named else [warning])


# -- through the scanner ------------------------------------------------------------------
def test_unreadable_file_qualifies_the_warning_of_field_patterns(tmp_path: Path) -> None:
    """A field pattern that only an unreadable file could have held is not called
    unmatched outright: the warning says it matched nothing that was read."""
    (tmp_path / "broken.json").write_text("{nope")
    (tmp_path / "notes.txt").write_text("hello\n")
    inventory = scan([str(tmp_path)], exclude=("internal_notes", "*.csv.notes", "*.txt"))
    assert [e.asset for e in inventory.errors] == ["broken.json"]
    assert unmatched(inventory) == [
        unmatched_warning("exclude", "internal_notes", unread=True),
        unmatched_warning("exclude", "*.csv.notes"),
    ]


def test_state_carried_over_files_count_their_known_fields(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "people.csv").write_text("name,email\nAnn,ann@example.org\n")
    state = str(tmp_path / "state.db")
    config = Config(progress=False, spacy_model="none", include=("email", "phone"),
                    state_path=state)
    for run in range(2):
        scanner = Scanner(config, policy=POLICY, detectors=[])
        try:
            inventory = scanner.scan([str(data)])
        finally:
            scanner.close()
        assert [f.name for a in inventory.assets for f in a.fields] == ["email"], run
        # the file carried over unread still has its fields known from the last scan
        warned = [unmatched_warning("include", "phone")]
        assert unmatched(inventory) == warned, run


def test_warning_goes_into_the_json_inventory(tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text("name,internal_notes\nAnn,x\n")
    inventory = scan([str(tmp_path)], exclude=("*.internal_note",))
    again = Inventory.from_dict(json.loads(json.dumps(inventory.to_dict())))
    assert unmatched(again) == [unmatched_warning("exclude", "*.internal_note")]


def test_readme_patterns_are_documented_examples() -> None:
    """Every pattern of the README's table is an example checked above."""
    readme = (DOC.parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index("| pattern | names |", readme.index("### Choosing what to scan"))
    table = readme[start:readme.index("\n\n", start)]
    patterns = {p for line in table.splitlines()[2:]
                for p in re.findall(r"`([^`]+)`", line.split(" | ")[0])}
    assert patterns and patterns <= {p for p, _, _ in EXAMPLES}
