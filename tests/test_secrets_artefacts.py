"""No secret in any artefact: real CLI runs (``-vv``) against PostgreSQL, S3 and SQLite,
then every byte they produced (stdout, stderr, reports, state file, manifests, anonymized
copies, leftovers) is searched for the test secrets, raw, URL-encoded and base64."""

from __future__ import annotations

import base64
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from postgres import TempPostgres

PIISCAN = [str(Path(sys.executable).parent / "piiscan")]
DB_PASSWORD = "Pw-9f#Kq@z/Lx%7"  # needs URL-encoding: the raw and encoded forms differ
WRONG_PASSWORD = "Wr0ng-Pw#Zz9%Vq"
AWS_SECRET = "AwsSecretZq81XvNm4Tb0Rr"
AWS_TOKEN = "AwsSessionTokenYy72Pp5Ww"
HASH_KEY = "HashKeyVv93Jj0Qq5Ll"
ANON_KEY = "AnonKeyMm47Ss8Dd1Gg6Hh2Kk9Nn3Bb"
SECRETS = [DB_PASSWORD, WRONG_PASSWORD, AWS_SECRET, AWS_TOKEN, HASH_KEY, ANON_KEY]
LEAKY_USER = "leaky"

PEOPLE = """
CREATE TABLE people (id integer PRIMARY KEY, name text, email text, phone text);
INSERT INTO people VALUES (1, 'Jane Roe', 'jane.roe@example.org', '+1 415 555 0101'),
  (2, 'John Doe', 'john.doe@example.net', '+1 415 555 0102');
CREATE VIEW broken AS SELECT 1 / (x - x) AS y FROM generate_series(1, 3) AS x;
"""

LEAKY_DETECTOR = '''
import os
from piiscan.plugins import Detector

class LeakyDetector(Detector):
    """A broken plugin that puts its configuration in its error message."""
    name = "leaky"

    def analyze(self, texts, *, field=None):
        raise RuntimeError("backend refused key %r (aws %s)"
                           % (self.config.hash_key, os.environ.get("AWS_SECRET_ACCESS_KEY")))
'''


def forms(secret: str) -> set[str]:
    """The spellings a secret could leak in."""
    raw = secret.encode()
    return {secret, quote(secret, safe=""), quote_plus(secret), quote(secret),
            base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode(),
            raw.hex()}


class Artefacts:
    """Runs the CLI in one working directory and collects everything it leaves."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.env = env
        self.streams: list[tuple[str, bytes]] = []

    def run(self, *args: str, extra_env: dict[str, str] | None = None,
            ok: tuple[int, ...] = (0, 1)) -> subprocess.CompletedProcess[bytes]:
        done = subprocess.run([*PIISCAN, "-vv", *args], cwd=self.root,
                              env={**self.env, **(extra_env or {})},
                              capture_output=True, timeout=180)
        name = " ".join(a.split("@")[-1] for a in args)[:80]  # no password in the label
        self.streams += [(f"stdout of {name}", done.stdout), (f"stderr of {name}", done.stderr)]
        assert done.returncode in ok, done.stderr.decode(errors="replace")[-3000:]
        return done

    def everything(self) -> Iterator[tuple[str, bytes]]:
        yield from self.streams
        for path in sorted(self.root.rglob("*")):
            if path.is_file():
                yield str(path.relative_to(self.root)), path.read_bytes()


def leaks(where: str, data: bytes) -> list[str]:
    found = []
    for secret in SECRETS:
        for form in forms(secret):
            if form.encode() in data:
                found.append(f"{where}: {form!r} (a form of {secret!r})")
    return found


# -- fixtures ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pg_source(postgres_server: TempPostgres) -> tuple[str, str]:
    """A database readable by a user whose password needs URL-encoding: (url, bad url)."""
    server = postgres_server
    server.psql(f"DROP DATABASE IF EXISTS secrets_src; DROP ROLE IF EXISTS {LEAKY_USER};"
                f"CREATE ROLE {LEAKY_USER} LOGIN PASSWORD '{DB_PASSWORD}';"
                f"CREATE DATABASE secrets_src OWNER {LEAKY_USER};")
    server.psql(f"SET ROLE {LEAKY_USER};" + PEOPLE, database="secrets_src")
    base = f"postgresql+psycopg://{LEAKY_USER}:{{}}@127.0.0.1:{server.port}/secrets_src"
    return base.format(quote(DB_PASSWORD, safe="")), base.format(quote(WRONG_PASSWORD, safe=""))


@pytest.fixture
def workdir(tmp_path: Path, s3_env: str) -> Artefacts:
    plugins = tmp_path / "plugins"
    dist = plugins / "leaky_plugin-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: leaky-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[piiscan.detectors]\nleaky = leaky_detector:LeakyDetector\n")
    (plugins / "leaky_detector.py").write_text(LEAKY_DETECTOR)
    root = tmp_path / "run"
    root.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIISCAN_", "AWS_"))}
    env.update(AWS_ACCESS_KEY_ID="AKIDTESTONLY", AWS_SECRET_ACCESS_KEY=AWS_SECRET,
               AWS_SESSION_TOKEN=AWS_TOKEN, AWS_DEFAULT_REGION="us-east-1",
               PIISCAN_SPACY_MODEL="none", PIISCAN_ENDPOINT_URL=s3_env,
               TMPDIR=str(root / "tmp"))
    (root / "tmp").mkdir()
    art = Artefacts(root, env)
    art.plugins = plugins  # type: ignore[attr-defined]
    return art


@pytest.fixture
def sqlite_source(workdir: Artefacts) -> Path:
    path = workdir.root / "shop.db"
    with sqlite3.connect(path) as conn:
        conn.executescript("CREATE TABLE customers (name TEXT, email TEXT, phone TEXT);"
                           "INSERT INTO customers VALUES ('Jane Roe', 'jane@example.org', "
                           "'+1 415 555 0101'), ('John Doe', 'john@example.net', "
                           "'+1 415 555 0102');")
    conn.close()
    return path


def assert_no_leaks(art: Artefacts) -> int:
    checked = list(art.everything())
    found = [leak for where, data in checked for leak in leaks(where, data)]
    assert found == [], "\n".join(found)
    return len(checked)


# -- the runs ------------------------------------------------------------------------------
def test_scans_reports_and_state_hold_no_secret(workdir: Artefacts, pg_source: tuple[str, str],
                                                s3_bucket: Callable[..., tuple[str, object]],
                                                sqlite_source: Path) -> None:
    good, bad = pg_source
    bucket, _ = s3_bucket({"data/people.csv": b"name,email\nJane Roe,jane@example.org\n"})
    hashed = {"PIISCAN_HASH_KEY": HASH_KEY}
    art = workdir
    art.run("scan", good, f"s3://{bucket}/data", "sqlite:///shop.db", "--evidence", "hash",
            "--state", "state.db", "-f", "json", "-o", "inv.json", extra_env=hashed)
    inventory = (art.root / "inv.json").read_text()
    assert "broken" in inventory and "division by zero" in inventory  # the failing table
    assert "hmac-sha256:" in inventory and "people.csv" in inventory
    for fmt in ("table", "csv", "markdown", "html"):
        art.run("scan", good, "sqlite:///shop.db", "--evidence", "hash", "-f", fmt,
                "-o", f"inv.{fmt}", extra_env=hashed)
        art.run("report", "inv.json", "-f", fmt)
    done = art.run("scan", bad, "-f", "json", ok=(2,))  # wrong password: source unreachable
    assert b"password authentication failed" in done.stdout + done.stderr
    assert_no_leaks(art)


def test_anonymize_artefacts_hold_no_secret(workdir: Artefacts, sqlite_source: Path,
                                            pg_database: Callable[[str], str]) -> None:
    art = workdir
    keyed = {"PIISCAN_ANON_KEY": ANON_KEY}
    art.run("anonymize", "sqlite:///shop.db", "--to", "copy.db", "--manifest", "m1.json",
            extra_env=keyed)
    target = pg_database("")
    art.run("anonymize", "sqlite:///shop.db", "--to", target, "--manifest", "m2.json",
            extra_env=keyed)
    assert (art.root / "copy.db").stat().st_size and (art.root / "m2.json").is_file()
    assert_no_leaks(art)


def test_a_broken_plugins_traceback_is_scrubbed(workdir: Artefacts, sqlite_source: Path) -> None:
    art = workdir
    plugins = str(art.plugins)  # type: ignore[attr-defined]
    # a real entry point, found on the path
    art.env["PYTHONPATH"] = os.pathsep.join([plugins, *filter(None, [os.environ.get(
        "PYTHONPATH")])])
    done = art.run("scan", "sqlite:///shop.db", "-f", "json", "-o", "inv.json",
                   extra_env={"PIISCAN_HASH_KEY": HASH_KEY})
    assert b"Traceback" in done.stderr and b"backend refused key" in done.stderr
    assert b"internal error: RuntimeError: backend refused key" in (
        art.root / "inv.json").read_bytes()
    assert_no_leaks(art)
