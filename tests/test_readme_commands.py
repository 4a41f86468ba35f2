"""The README's shell commands, extracted and run as written.

Every line of a fenced ``bash``/``sh`` block of README.md (and any ``piiscan …`` or
``./scripts/…`` line of another fenced block) is a command: ``\\`` continuations joined,
the text after an unquoted `` #`` kept as its documentation. Each runs through
``bash -c`` with this venv's ``piiscan`` first on PATH, in a sandbox folder holding the
names the README uses (``shop.db``: the demo shop plus a ``tmp_`` table; ``./exports/``;
``inventory.json``; ``privacy-policy.txt``; ``policy.yaml``; ``./hr``; ``my-packs/``;
``examples/``; ``lake/customers/``; a git work tree on a branch ``feature`` whose
``origin`` has ``main``). Each fenced block gets its own copy of the sandbox and runs in
README order, so a command reads what the block's earlier commands wrote; an ``export``
carries over to the block's later commands, as in one terminal.

Three tables say what differs from a reader's machine, each entry with its reason:
``STAND_INS`` (infrastructure a test cannot have, replaced by the live PostgreSQL,
``moto_server`` and Spark ``local[2]`` of the shared fixtures; a missing one skips the
command, and fails it under ``CI=true``), ``NOT_RUN`` (commands that cannot run here by
nature) and ``EXPECTED_EXIT`` (where a command is meant to exit non-zero). A README
command in none of them runs and must exit 0.

The NER model: commands run with ``PIISCAN_SPACY_MODEL`` set to the shared small model
(the ``spacy_model`` fixture), as ``scripts/demo.sh`` does; no README line passes
``--spacy-model none``. Without the model the commands are skipped (failed when CI=true):
the README's ``piiscan anonymize`` refuses free text without one, by design.

Each command asserts: the exit code; no ``Traceback``; an ``--include``/``--exclude``
pattern that matched something; the files it names (``-o``, ``--to``, manifests, the
``CREATES`` table) exist and parse; and no raw e-mail, phone, card, NI number or IBAN of
the demo data, nor the stand-in's database password or ``PIISCAN_ANON_KEY``, in its
stdout, stderr or outputs (``deanonymize``'s restored copy excepted: restoring them is
its job; it must give back the source's e-mails and phones).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import _require
from gitrepo import GIT_ENV, GitRepo

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
VENV_BIN = Path(sys.executable).parent
COMMAND_TIMEOUT = 300


# -- the tables ------------------------------------------------------------------------------
@dataclass(frozen=True)
class StandIn:
    """README text naming infrastructure the test replaces (``new`` is a template over the
    service's values; ``None`` keeps the text and only starts the service)."""

    old: str
    new: str | None
    service: str  # "postgres" | "s3" | "spark"
    reason: str


STAND_INS = (
    StandIn("scanner@db.internal", "{pg_userinfo}@{pg_host}", "postgres",
            "db.internal is the reader's server: the session's throwaway PostgreSQL "
            "(tests/postgres.py) holds the demo shop's tables in a database `crm`; its test "
            "user and password replace `scanner`"),
    StandIn("http://127.0.0.1:9000", "{s3_endpoint}", "s3",
            "the reader's S3-compatible store: the session's moto_server (tests/s3.py) on a "
            "free port, bucket `bucket` holding the sandbox's exports/ under exports/"),
    StandIn("s3://bucket/", None, "s3",
            "no AWS account: moto's fake credentials and the provider chain's endpoint "
            "setting (AWS_ENDPOINT_URL_S3) point every s3:// command at moto_server"),
    StandIn("s3a://lake/customers/", "lake/customers/", "spark",
            "Spark's s3a:// needs hadoop-aws jars and a real bucket: the same Parquet "
            "folder (the demo's customers) on local disk"),
    StandIn("--master yarn", "--master 'local[2]'", "spark",
            "no YARN cluster: Spark local[2], as tests/test_spark_engine.py runs it"),
)

#: Commands that cannot run in a test by nature (matched as prefixes of the command).
NOT_RUN = {
    "./scripts/demo.sh": "sets up .venv with pip, then runs `piiscan demo` with the shared "
                         "model: the README's own `piiscan demo` line runs here that way",
    "./scripts/test.sh": "it is CI itself (lint and the whole suite, this test included)",
    "pip install -e .": "installs piiscan: the test runs the piiscan this venv has "
                        "(scripts/setup.sh installs it with this command)",
    "python -m spacy download": "downloads a model: needs the network (the test uses the "
                                "shared model instead)",
}

#: Exit codes that need saying (the default is 0): prefix -> (code, why, in this sandbox).
EXPECTED_EXIT = {
    "piiscan scan sqlite:///shop.db --full --fail-on high":
        (1, "the demo shop holds very_high tables (card numbers, NI numbers)"),
    "piiscan diff origin/main --fail-on high":
        (1, "the branch adds hr/payroll.json (IBANs, very_high) to origin/main"),
    "piiscan diff --staged":
        (0, "what is staged is a test fixture of published test values, allowed by default"),
}

#: Files a command writes without naming them with -o/--to (checked like outputs).
CREATES = {
    "piiscan scan s3://bucket/ --state scan-state.db": ("scan-state.db",),
    "piiscan baseline create": (".piiscan-baseline.json",),
    "piiscan demo": ("piiscan-demo/inventory.json",),
}

#: What a command's stdout must show for its comment to be true.
STDOUT_SHOWS = {
    "piiscan scan ./hr --detector-pack": ("EMPLOYEE_ID", "the pack finds hr/staff.csv's ids"),
    "piiscan doctor": ("NER labels", "the model a scan would load, and its labels"),
    "piiscan plugins": ("presidio", "the installed detectors"),
    "piiscan report objects.json --format prefixes": ("bucket", "the summary names the bucket"),
}

PRIVACY_POLICY = """\
Demo Shop GmbH - Privacy Policy

When you open an account we collect your name, your email address, your postal address
and your phone number. To take payment for an order we process your payment card details.
When you use our website we record your IP address and set cookies. We ask for your date
of birth to confirm that you are over 18.
"""

PACK_POLICY = """\
# policy.yaml: the detector pack's EMPLOYEE_ID in the policy (docs/detector-packs.md)
entities:
  EMPLOYEE_ID: {categories: [identifiers, professional], level: medium}
"""

#: Published test values only: what the staged fixture holds (allowed by default).
TEST_FIXTURE = """\
{"card": "4111 1111 1111 1111", "ssn": "078-05-1120", "email": "jane.doe@example.com"}
"""


# -- extraction ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Command:
    line: int  # README line of its first physical line
    block: int  # index of its fenced block
    text: str  # as written, continuations joined
    comment: str  # the text after an unquoted " #"

    @property
    def id(self) -> str:
        text = self.text if len(self.text) <= 70 else self.text[:67] + "..."
        return f"README:{self.line} {text}"


def split_comment(line: str) -> tuple[str, str]:
    """``(command, comment)``: the first ``#`` outside quotes that starts a word."""
    single = double = False
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and not single:
            i += 2
            continue
        if ch == "'" and not double:
            single = not single
        elif ch == '"' and not single:
            double = not double
        elif ch == "#" and not single and not double and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), line[i + 1 :].strip()
        i += 1
    return line.rstrip(), ""


def extract(text: str) -> list[Command]:
    """Every shell command of the README's fenced blocks, in README order."""
    commands: list[Command] = []
    lines = text.splitlines()
    block, shell, inside = -1, False, False
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(lines, start=1):
        fence = re.match(r"^\s*```\s*([\w+-]*)", raw)
        if fence:
            inside = not inside
            if inside:
                block += 1
                shell = fence.group(1).lower() in ("bash", "sh", "shell")
            continue
        if not inside:
            continue
        stripped = raw.strip()
        if not pending:
            if stripped.startswith("$ "):  # a console block's prompt
                stripped = stripped[2:].lstrip()
            elif not shell and not stripped.startswith(("piiscan ", "./scripts/")):
                continue
            if not stripped or stripped.startswith("#"):
                continue
            start = number
        command, comment = split_comment(stripped)
        if command.endswith("\\") and not comment:
            pending.append(command[:-1].strip())
            continue
        joined = " ".join([*pending, command])
        pending = []
        commands.append(Command(start, block, joined, comment))
    return commands


COMMANDS = extract(README.read_text(encoding="utf-8"))


def _matching(table: dict[str, object] | tuple[StandIn, ...], command: Command) -> list:
    if isinstance(table, dict):
        return [key for key in table if command.text.startswith(key)]
    return [stand_in for stand_in in table if stand_in.old in command.text]


def not_run(command: Command) -> str | None:
    keys = _matching(NOT_RUN, command)
    return NOT_RUN[keys[0]] if keys else None


RUN = [c for c in COMMANDS if not_run(c) is None]


def _can_exit_nonzero(command: Command) -> bool:
    """A command that exits 1 by design on what it finds (or whose comment names an exit)."""
    return ("--fail-on" in command.text or command.text.startswith("piiscan diff")
            or "exit" in command.comment.lower())


def test_the_readme_commands_are_found_and_their_infrastructure_stood_in() -> None:
    """Every command not in NOT_RUN is a case of test_readme_command; the extraction must
    find them, and what names a reader's infrastructure must have a stand-in."""
    assert len(RUN) >= 25, [c.text for c in COMMANDS]
    assert len({c.block for c in RUN}) >= 3
    for command in RUN:
        for bad in ("db.internal", "127.0.0.1:9000", "yarn", "s3a://"):
            if bad in command.text:
                assert any(s.old in command.text and bad in s.old for s in STAND_INS), command


@pytest.mark.parametrize(
    ("name", "keys"),
    [("NOT_RUN", list(NOT_RUN)), ("EXPECTED_EXIT", list(EXPECTED_EXIT)),
     ("CREATES", list(CREATES)), ("STDOUT_SHOWS", list(STDOUT_SHOWS))],
)
def test_every_table_entry_matches_a_readme_command(name: str, keys: list[str]) -> None:
    """A stale entry (the README line changed) must be noticed, not silently unused."""
    for key in keys:
        assert any(c.text.startswith(key) for c in COMMANDS), f"{name}[{key!r}]: no such command"


@pytest.mark.parametrize("stand_in", STAND_INS, ids=[s.old for s in STAND_INS])
def test_every_stand_in_is_used(stand_in: StandIn) -> None:
    assert any(stand_in.old in c.text for c in RUN), f"{stand_in.old!r}: in no README command"


def test_every_command_that_may_fail_on_findings_has_an_expected_exit() -> None:
    """Exit 0 is the default; a command that can exit 1 by design needs a stated code."""
    missing = [c.text for c in RUN if _can_exit_nonzero(c) and not _matching(EXPECTED_EXIT, c)]
    assert not missing


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("piiscan scan x  # exit 1 if 'a # b'", ("piiscan scan x", "exit 1 if 'a # b'")),
        ("piiscan scan --exclude '#tag' x", ("piiscan scan --exclude '#tag' x", "")),
        ('export K="$(piiscan anonymize --generate-key)"   # keep it',
         ('export K="$(piiscan anonymize --generate-key)"', "keep it")),
        ("echo a\\#b # c", ("echo a\\#b", "c")),
    ],
)
def test_split_comment(line: str, expected: tuple[str, str]) -> None:
    assert split_comment(line) == expected


def test_extract_joins_continuations_and_reads_only_shell_blocks() -> None:
    text = (
        "```bash\n# a comment line\npiiscan scan a \\\n  --full   # why\n\n./scripts/x.sh\n```\n"
        "```yaml\nkey: piiscan scan no\npiiscan report yes\n```\n"
        "```\npiiscan scan plain  # here too\n```\n"
        "```console\n$ piiscan doctor\nmodel: none\n```\n"
    )
    got = [(c.block, c.line, c.text, c.comment) for c in extract(text)]
    assert got == [
        (0, 3, "piiscan scan a --full", "why"),
        (0, 6, "./scripts/x.sh", ""),
        (1, 10, "piiscan report yes", ""),
        (2, 13, "piiscan scan plain", "here too"),
        (3, 16, "piiscan doctor", ""),
    ]


# -- the sandbox -----------------------------------------------------------------------------
def _sqlite_rows(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _demo_values(demo: Path) -> set[str]:
    """Raw values of the demo data that no output may carry."""
    values: set[str] = set()
    shop = demo / "shop.db"
    for sql in ("SELECT email, phone FROM customers", "SELECT work_email, "
                "national_insurance_number FROM staff", "SELECT card_number, '' FROM orders"):
        for row in _sqlite_rows(shop, sql):
            values.update(v for v in row if v)
    for person in json.loads((demo / "files/hr/payroll.json").read_text(encoding="utf-8")):
        values.add(person["bank"]["iban"])
    for line in (demo / "files/exports/customers_eu.jsonl").read_text("utf-8").splitlines():
        contact = json.loads(line).get("contact") or {}
        values.update(v for v in contact.values() if isinstance(v, str) and v)
    return {v for v in values if len(v) >= 8}


def _staff_csv() -> str:
    rows = ["staff_id,department,start_year"]
    rows += [f"EMP-{104200 + 37 * i:06d},{('Sales', 'Logistics', 'Support')[i % 3]},{2010 + i % 12}"
             for i in range(30)]
    rows.append("EMP-000001,Test account,2020")  # the pack's allow-list: not a finding
    return "\n".join(rows) + "\n"


def _lake(shop: Path, folder: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    conn = sqlite3.connect(shop)
    try:
        cursor = conn.execute("SELECT * FROM customers")
        names = [d[0] for d in cursor.description]
        table = pa.Table.from_pylist([dict(zip(names, row, strict=True)) for row in cursor])
    finally:
        conn.close()
    folder.mkdir(parents=True)
    half = table.num_rows // 2
    pq.write_table(table.slice(0, half), folder / "part-00000.parquet")
    pq.write_table(table.slice(half), folder / "part-00001.parquet")


def _base_env(spacy_model: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PIISCAN_", "AWS_", "SPARK_", "PYSPARK_", "GIT_"))}
    env.update({
        "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        "PIISCAN_SPACY_MODEL": spacy_model,
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "NO_COLOR": "1",
    })
    return env


def _build_template(root: Path, env: dict[str, str]) -> Path:
    """The sandbox every block copies: the README's relative names, a git work tree."""
    from piiscan.demo import build_demo

    demo = root / "demo"
    build_demo(demo)
    box = root / "template"
    box.mkdir()
    # what ./scripts/demo.sh (not run here) leaves for the commands that follow it
    shutil.copytree(demo, box / "piiscan-demo")
    shutil.copy2(demo / "shop.db", box / "shop.db")
    conn = sqlite3.connect(box / "shop.db")
    with conn:  # the README's --exclude 'tmp_*' names tmp_ tables: the sandbox has one
        conn.execute("CREATE TABLE tmp_import AS SELECT customer_id, email, phone "
                     "FROM customers LIMIT 20")
    conn.close()
    shutil.copytree(demo / "files/exports", box / "exports")
    # the README's --exclude '*.internal_notes' names a CSV field: the exports have one
    (box / "exports/returns.csv").write_text(
        "order_id,reason,internal_notes\n"
        + "".join(f"R-{i:04d},damaged,call back before refund {i}\n" for i in range(20)),
        encoding="utf-8")
    shutil.copytree(ROOT / "examples", box / "examples")
    shutil.copytree(ROOT / "examples/packs", box / "my-packs")
    (box / "privacy-policy.txt").write_text(PRIVACY_POLICY, encoding="utf-8")
    (box / "policy.yaml").write_text(PACK_POLICY, encoding="utf-8")
    _lake(box / "shop.db", box / "lake/customers")
    done = subprocess.run(
        ["piiscan", "scan", "sqlite:///shop.db", "./exports/", "--format", "json",
         "-o", "inventory.json"], cwd=box, env=env, capture_output=True, text=True,
        timeout=COMMAND_TIMEOUT)
    assert done.returncode == 0, done.stderr[-3000:]

    # git: main (on origin) holds the policy files; the branch `feature` adds the payroll,
    # and a fixture of published test values is staged.
    repo = GitRepo(box)
    repo.stage("examples", "my-packs", "privacy-policy.txt", "policy.yaml")
    repo.git("commit", "-q", "-m", "shop policies")
    origin = root / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(box), str(origin)], env=GIT_ENV,
                   check=True, capture_output=True)
    repo.git("remote", "add", "origin", str(origin))
    repo.git("fetch", "-q", "origin")
    repo.branch("feature")
    (box / "hr").mkdir()
    shutil.copy2(demo / "files/hr/payroll.json", box / "hr/payroll.json")
    (box / "hr/staff.csv").write_text(_staff_csv(), encoding="utf-8")
    repo.stage("hr")
    repo.git("commit", "-q", "-m", "hr exports")
    repo.write("fixtures/checkout.json", TEST_FIXTURE)
    repo.stage("fixtures")
    return box


# -- services the stand-ins need -------------------------------------------------------------
def _copy_to_postgres(shop: Path, url: str) -> None:
    """The demo shop's tables (columns and rows; no constraints) into a PostgreSQL db."""
    import sqlalchemy as sa

    source, target = sa.create_engine(f"sqlite:///{shop}"), sa.create_engine(url)
    found, made = sa.MetaData(), sa.MetaData()
    found.reflect(source)
    tables = {name: sa.Table(name, made, *(sa.Column(c.name, c.type) for c in t.columns))
              for name, t in found.tables.items()}
    made.create_all(target)
    with source.connect() as read, target.begin() as write:
        for name, table in tables.items():
            rows = [dict(r._mapping) for r in read.execute(found.tables[name].select())]
            if rows:
                write.execute(table.insert(), rows)
    source.dispose()
    target.dispose()


@dataclass
class Service:
    values: dict[str, str] = field(default_factory=dict)  # for StandIn.new templates
    env: dict[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()  # must never reach an output
    cleanup: Callable[[], None] | None = None


def _postgres(request: pytest.FixtureRequest, box: Path) -> Service:
    from postgres import PASSWORD, USER

    server = request.getfixturevalue("postgres_server")
    server.psql(f"DROP DATABASE IF EXISTS crm; CREATE DATABASE crm OWNER {USER};")
    host = f"127.0.0.1:{server.port}"
    _copy_to_postgres(box / "shop.db", f"postgresql+psycopg://{USER}:{PASSWORD}@{host}/crm")
    return Service({"pg_userinfo": f"{USER}:{PASSWORD}", "pg_host": host}, secrets=(PASSWORD,),
                   cleanup=lambda: server.psql("DROP DATABASE IF EXISTS crm WITH (FORCE);"))


def _s3(request: pytest.FixtureRequest, box: Path) -> Service:
    import boto3
    from s3 import FAKE_AWS_ENV

    server = request.getfixturevalue("s3_server")
    client = boto3.client("s3", endpoint_url=server.url, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    client.create_bucket(Bucket="bucket")
    for path in sorted((box / "exports").iterdir()):
        client.put_object(Bucket="bucket", Key=f"exports/{path.name}", Body=path.read_bytes())
    env = {**FAKE_AWS_ENV, "AWS_ENDPOINT_URL_S3": server.url}

    def cleanup() -> None:
        for item in client.list_objects_v2(Bucket="bucket").get("Contents", []):
            client.delete_object(Bucket="bucket", Key=item["Key"])
        client.delete_bucket(Bucket="bucket")

    return Service({"s3_endpoint": server.url}, env, cleanup=cleanup)


def _spark(request: pytest.FixtureRequest, box: Path) -> Service:
    _require(shutil.which("java") is not None, "java not found (apt-get install default-jre)")
    from piiscan.engines.spark import require_pyspark
    from piiscan.errors import UsageError

    try:
        require_pyspark()
    except UsageError as exc:
        _require(False, str(exc))
    return Service(env={"SPARK_LOCAL_IP": "127.0.0.1"})


SERVICES: dict[str, Callable[[pytest.FixtureRequest, Path], Service]] = {
    "postgres": _postgres, "s3": _s3, "spark": _spark,
}


# -- running ---------------------------------------------------------------------------------
@dataclass
class Result:
    command: str  # as run, after the stand-ins
    rc: int
    stdout: str
    stderr: str
    seconds: float
    secrets: tuple[str, ...]


class Sandboxes:
    """One copy of the template per fenced block; commands run once, in README order."""

    def __init__(self, root: Path, template: Path, env: dict[str, str],
                 forbidden: set[str]) -> None:
        self.root, self.template, self.env = root, template, env
        self.forbidden = forbidden  # raw demo values no output may carry
        self.boxes: dict[int, Path] = {}
        self.block_env: dict[int, dict[str, str]] = {}
        self.services: dict[str, Service] = {}
        self.results: dict[Command, Result] = {}

    def box(self, block: int) -> Path:
        if block not in self.boxes:
            path = self.root / f"block-{block}"
            shutil.copytree(self.template, path, symlinks=True)
            self.boxes[block] = path
            self.block_env[block] = dict(self.env)
        return self.boxes[block]

    def service(self, name: str, request: pytest.FixtureRequest) -> Service:
        if name not in self.services:
            self.services[name] = SERVICES[name](request, self.template)
        return self.services[name]

    def result(self, command: Command, request: pytest.FixtureRequest) -> Result:
        """Run ``command`` (after the earlier commands of its block) and return its result."""
        for earlier in RUN:
            if (earlier.block == command.block and earlier.line < command.line
                    and earlier not in self.results):
                # a missing service: the earlier command's own test reports it
                with contextlib.suppress(pytest.skip.Exception, pytest.fail.Exception):
                    self._run(earlier, request)
        if command not in self.results:
            self._run(command, request)
        return self.results[command]

    def _run(self, command: Command, request: pytest.FixtureRequest) -> None:
        box = self.box(command.block)
        text, env, secrets = command.text, dict(self.block_env[command.block]), ()
        for stand_in in _matching(STAND_INS, command):
            service = self.service(stand_in.service, request)
            if stand_in.new is not None:
                text = text.replace(stand_in.old, stand_in.new.format(**service.values))
            env.update(service.env)
            secrets += service.secrets
        exported = re.findall(r"\bexport\s+([A-Za-z_]\w*)=", text)
        env_file = self.root / f"env-{command.block}"
        script = text
        if exported:  # keep what the command exports for the block's later commands
            script = f'{text}\n__rc=$?; env -0 > {shlex.quote(str(env_file))}; exit $__rc'
        started = time.monotonic()
        done = subprocess.run(["bash", "-c", script], cwd=box, env=env, capture_output=True,
                              text=True, timeout=COMMAND_TIMEOUT)
        seconds = time.monotonic() - started
        if exported and env_file.exists():
            pairs = dict(item.split("=", 1) for item in
                         env_file.read_text().split("\0") if "=" in item)
            env_file.unlink()
            for name in exported:
                if name in pairs:
                    self.block_env[command.block][name] = pairs[name]
        secrets += (env["PIISCAN_ANON_KEY"],)  # the key never reaches an output
        self.results[command] = Result(text, done.returncode, done.stdout, done.stderr,
                                       seconds, secrets)


@pytest.fixture(scope="module")
def sandboxes(tmp_path_factory: pytest.TempPathFactory, spacy_model: str) -> Iterator[Sandboxes]:
    root = tmp_path_factory.mktemp("readme")
    home = root / "home"
    home.mkdir()
    env = _base_env(spacy_model, home)
    key = subprocess.run(["piiscan", "anonymize", "--generate-key"], env=env, check=True,
                         capture_output=True, text=True).stdout.strip()
    env["PIISCAN_ANON_KEY"] = key
    template = _build_template(root, env)
    sandboxes = Sandboxes(root, template, env, _demo_values(root / "demo"))
    yield sandboxes
    for service in sandboxes.services.values():
        if service.cleanup is not None:
            service.cleanup()


# -- checks ----------------------------------------------------------------------------------
def _option_values(argv: list[str], *names: str) -> list[str]:
    values = []
    for i, arg in enumerate(argv):
        for name in names:
            if arg == name and i + 1 < len(argv):
                values.append(argv[i + 1])
            elif arg.startswith(name + "="):
                values.append(arg.split("=", 1)[1])
    return values


def _text_of(path: Path) -> str:
    """What a reader of the output file sees, as text (parsing it on the way)."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return json.dumps(json.loads(path.read_text(encoding="utf-8")))
    if suffix in (".yaml", ".yml"):
        import yaml

        return json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str)
    if suffix == ".html":
        text = path.read_text(encoding="utf-8")
        assert "</html>" in text, f"{path.name} is not a whole HTML document"
        return text
    if suffix == ".xlsx":
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True)
        cells = [str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                 for v in row if v is not None]
        book.close()
        return "\n".join(cells)
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        assert table.num_rows > 0, f"{path.name} has no rows"
        return json.dumps(table.to_pylist(), default=str)
    if suffix == ".db":
        conn = sqlite3.connect(path)
        try:
            tables = [r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")]
            return "\n".join(str(row) for t in tables
                             for row in conn.execute(f'SELECT * FROM "{t}"'))
        finally:
            conn.close()
    return path.read_text(encoding="utf-8")


def _leaks(text: str, forbidden: set[str] | tuple[str, ...]) -> list[str]:
    return sorted(v for v in forbidden if v in text)


@pytest.mark.parametrize("command", RUN, ids=[c.id for c in RUN])
def test_readme_command(command: Command, sandboxes: Sandboxes,
                        request: pytest.FixtureRequest) -> None:
    result = sandboxes.result(command, request)
    box = sandboxes.box(command.block)
    forbidden = sandboxes.forbidden | set(result.secrets)
    shown = f"$ {result.command}\n--- stdout\n{result.stdout[-3000:]}\n--- stderr\n" \
            f"{result.stderr[-3000:]}"

    expected = [EXPECTED_EXIT[k][0] for k in _matching(EXPECTED_EXIT, command)] or [0]
    assert result.rc == expected[0], shown
    assert "Traceback" not in result.stderr + result.stdout, shown
    if "--include" in command.text or "--exclude" in command.text:
        assert "matched no" not in result.stderr, shown
    assert not _leaks(result.stdout + result.stderr, forbidden), shown
    for key in _matching(STDOUT_SHOWS, command):
        text, why = STDOUT_SHOWS[key]
        assert text in result.stdout, f"{why}\n{shown}"

    argv = shlex.split(result.command)
    outputs = _option_values(argv, "-o", "--output")
    outputs += [name for key in _matching(CREATES, command) for name in CREATES[key]]
    anonymized = _option_values(argv, "--to") if command.text.startswith("piiscan anonymize") \
        else []
    outputs += [f"{name}.manifest.json" for name in anonymized]
    for name in outputs:
        path = box / name
        assert path.is_file() and path.stat().st_size > 0, f"{name} not written\n{shown}"
        leaked = _leaks(_text_of(path), forbidden)
        assert not leaked, f"{name} carries raw demo values ({len(leaked)})"

    emails = {v for v in forbidden if "@" in v}
    source_tables = {r[0] for r in _sqlite_rows(box / "shop.db",
                     "SELECT name FROM sqlite_master WHERE type = 'table'")}
    for name in anonymized:  # a de-identified copy: same tables, none of the addresses
        # (surrogate phones and cards come from the demo's own reserved ranges: equal
        # values can be chance, so only the e-mail addresses are checked)
        copy = box / name
        tables = {r[0] for r in _sqlite_rows(copy, "SELECT name FROM sqlite_master "
                                             "WHERE type = 'table'")}
        assert tables == source_tables
        assert not _leaks(_text_of(copy), emails), f"{name} keeps demo e-mail addresses"
    if command.text.startswith("piiscan deanonymize"):  # the encrypted fields come back
        [restored] = _option_values(argv, "--to")
        sql = "SELECT customer_id, email, phone FROM customers ORDER BY customer_id"
        assert _sqlite_rows(box / restored, sql) == _sqlite_rows(box / "shop.db", sql)
