#!/usr/bin/env python3
"""Replay issue 18 ("No false assurance") end to end, as a new user meets piiscan.

The repository's files (``git ls-files -co --exclude-standard``: uncommitted work too)
are copied into ``WORK/clone/piiscan`` with no ``WORK/clone/shared`` beside them, a new
virtual environment gets them with ``pip install .`` (not editable), and every expected
behaviour of the issue is checked against that installed ``piiscan`` in real processes,
on the data of ``piiscan demo``: exit codes, the text of outputs, and that no raw value of
the demo data reaches any output. ``PIISCAN_*`` is stripped from the environment and HOME
lies in WORK.

    python scripts/replay_issue18.py                       # rule-only (no NER model)
    python scripts/replay_issue18.py --model ../shared/models/en_ner_distilled_sm-0.1.1
    python scripts/replay_issue18.py --deps install --keep # full pip install from the index

``--deps reuse`` (the default) gives the new environment the third-party packages of the
interpreter running this script (a ``.pth`` file) and installs the clone with
``pip install --no-deps``; run it with the project's ``.venv/bin/python``. ``--deps
install`` runs a plain ``pip install .`` from the package index.

Prints one line per check, ``PASS|FAIL <id> [item N] <what>`` (details indented under a
FAIL), then a summary line. Exit 0 when every check passed, 1 when one failed, 2 on a
usage error. Only the standard library is used.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import fcntl
import json
import os
import pty
import re
import secrets
import shlex
import shutil
import site
import sqlite3
import struct
import subprocess
import sys
import tempfile
import termios
import textwrap
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DISTRIBUTION = "piiscan-inventory"
#: Packages a reused environment must provide (the runtime dependencies' import names).
RUNTIME_IMPORTS = (
    "presidio_analyzer",
    "presidio_anonymizer",
    "spacy",
    "sqlalchemy",
    "pyarrow",
    "click",
    "yaml",
    "jsonschema",
    "openpyxl",
    "fsspec",
    "re2",
    "phonenumbers",
    "setuptools",
)
FREE_TEXT_NOTE = "free text not verified for names and places"
MODEL_ADVICE = "python -m spacy download"
#: Hints that would install someone else's package (PyPI's ``piiscan``) or fail (spaCy's
#: pipelines are not on PyPI).
WRONG_HINT = re.compile(r"pip install\s+['\"]?piiscan(?![-\w])|pip install\s+['\"]?en_core")
#: Published test values that help texts quote on purpose; not the demo's own data.
PUBLIC_TEST_VALUES = {"4111111111111111", "4111 1111 1111 1111"}
LEVELS = ("low", "medium", "high", "very_high")
#: A privacy policy that declares only passwords (issue 18, item 6).
PASSWORD_POLICY = "We store your password so that you can log in to your account.\n"


# -- results ---------------------------------------------------------------------------
@dataclass
class Check:
    """One expected behaviour: ``id``, the issue ``item`` it replays, what it shows."""

    id: str
    item: str
    what: str
    problems: list[str] = field(default_factory=list)

    def require(self, condition: object, problem: str) -> bool:
        if not condition:
            self.problems.append(problem)
        return bool(condition)

    @property
    def ok(self) -> bool:
        return not self.problems

    def line(self) -> str:
        head = f"{'PASS' if self.ok else 'FAIL'} {self.id} [item {self.item}] {self.what}"
        details = [textwrap.shorten(p, 600, placeholder=" …") for p in self.problems]
        return "\n".join([head, *(f"    - {d}" for d in details)])


@dataclass
class Run:
    """One finished process."""

    args: list[str]
    rc: int
    out: str
    err: str
    secs: float

    def lines(self, stream: str = "err") -> list[str]:
        return [ln for ln in getattr(self, stream).splitlines() if ln.strip()]

    def errors(self) -> list[str]:
        return [ln for ln in self.err.splitlines() if ln.startswith("Error:")]

    def show(self) -> str:
        """The command and the ends of its output, for a FAIL's details."""
        tail = " | ".join((self.out.strip().splitlines() or [""])[-3:])
        etail = " | ".join((self.err.strip().splitlines() or [""])[-4:])
        command = shlex.join(self.args)
        return f"`{command}` exit {self.rc}; stdout …{tail[-300:]}; stderr …{etail[-500:]}"


class UsageError(Exception):
    """Bad arguments or an unusable interpreter: exit 2."""


# -- the fresh clone and its environment -----------------------------------------------
class Replay:
    """A fresh clone installed in its own environment, and every output it produced."""

    def __init__(self, work: Path, model: Path | None, deps: str) -> None:
        self.work = work
        self.model = model
        self.deps = deps
        self.clone = work / "clone" / "piiscan"
        self.venv = work / "venv"
        self.home = work / "home"
        self.runs = work / "runs"
        self.demo = self.runs / "demo" / "demo"
        self._outputs: list[tuple[str, str]] = []  # (where, text)
        self._lock = threading.Lock()
        self.raw_values: set[str] = set()
        self.secrets: set[str] = set()  # keys handed to piiscan: never in an output
        self.timings: list[tuple[float, str]] = []
        self.model_label = model_label(model) if model else None

    # -- environment --------------------------------------------------------------------
    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def env(self, **extra: str | None) -> dict[str, str]:
        """A new user's environment: no PIISCAN_* (except the model in a model run), no
        Python or git overrides, HOME in WORK, the new environment first on PATH."""
        drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "COLUMNS", "LINES", "PYTHONSTARTUP")
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PIISCAN_", "GIT_")) and k not in drop
        }
        env.update(
            HOME=str(self.home), PATH=f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        )
        env.update(GIT_CONFIG_NOSYSTEM="1", PYTHONDONTWRITEBYTECODE="1")
        if self.model is not None:
            env["PIISCAN_SPACY_MODEL"] = str(self.model)
        if self.deps == "reuse":
            # The reused site-packages list the plugins installed for the test suite (the
            # example plugin, editable: its entry points are seen, its code is not); a new
            # user has none of them.
            env["PIISCAN_PLUGINS"] = "builtin"
        for key, value in extra.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    def run(
        self,
        args: Sequence[str],
        cwd: Path,
        *,
        env: dict[str, str] | None = None,
        timeout: float = 600,
        record: bool = True,
    ) -> Run:
        """Run ``args`` and keep its output for the checks over every output."""
        start = time.monotonic()
        try:
            proc = subprocess.run(
                list(args),
                cwd=cwd,
                env=env or self.env(),
                capture_output=True,
                text=True,
                errors="replace",
                timeout=timeout,
                stdin=subprocess.DEVNULL,
            )
            run = Run(
                list(args), proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start
            )
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else ""
            run = Run(list(args), -9, out, f"timed out after {timeout} s", time.monotonic() - start)
        with self._lock:
            self.timings.append((run.secs, shlex.join(run.args)))
        if record:
            self.record(f"`{shlex.join(run.args)}` stdout", run.out)
            self.record(f"`{shlex.join(run.args)}` stderr", run.err)
        return run

    def secret(self) -> str:
        """A new key (as `piiscan anonymize --generate-key` makes them), kept out of outputs."""
        value = secrets.token_urlsafe(32)
        with self._lock:
            self.secrets.add(value)
        return value

    def piiscan(self, *args: str, cwd: Path, **kw) -> Run:
        return self.run(["piiscan", *args], cwd, **kw)

    def record(self, where: str, text: str) -> None:
        with self._lock:
            self._outputs.append((where, text))

    def record_file(self, path: Path) -> str:
        """Read an output file piiscan wrote and keep it for the checks over outputs."""
        text = path.read_text(encoding="utf-8", errors="replace")
        self.record(str(path.relative_to(self.work)), text)
        return text

    def outputs(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._outputs)

    def folder(self, name: str) -> Path:
        path = self.runs / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    # -- set-up ---------------------------------------------------------------------------
    def make_clone(self) -> Check:
        check = Check(
            "0.fresh-clone",
            "all",
            "the repository's files copied to a fresh clone with no ../shared beside it",
        )
        files = git_files(ROOT)
        for rel in files:
            src, dst = ROOT / rel, self.clone / rel
            if not src.exists() and not src.is_symlink():
                continue  # deleted in the working tree
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_symlink():
                os.symlink(os.readlink(src), dst)
            else:
                shutil.copy2(src, dst)
        check.require((self.clone / "pyproject.toml").is_file(), "no pyproject.toml in the clone")
        check.require(not (self.clone.parent / "shared").exists(), "WORK/clone/shared exists")
        check.require(not (self.clone / ".venv").exists(), "the clone carries a .venv")
        return check

    def install(self) -> Check:
        check = Check(
            "0.pip-install",
            "4",
            f"`pip install .` of the clone (deps {self.deps}); `import piiscan` and "
            "the `piiscan` command come from the new environment, not a checkout",
        )
        self.home.mkdir(parents=True, exist_ok=True)
        env = self.env()
        if self.deps == "reuse":
            made = self.run(
                [sys.executable, "-m", "venv", "--without-pip", str(self.venv)],
                self.work,
                env=env,
                record=False,
            )
            if not check.require(made.rc == 0, f"venv: {made.show()}"):
                return check
            purelib = venv_site_packages(self.venv)
            (purelib / "_replay_reused_deps.pth").write_text(
                "".join(f"{p}\n" for p in reused_site_packages()), encoding="utf-8"
            )
            pip = [
                str(self.python),
                "-m",
                "pip",
                "install",
                "-q",
                "--ignore-installed",
                "--no-deps",
                "--no-build-isolation",
                "--no-index",
                str(self.clone),
            ]
        else:
            made = self.run(
                [sys.executable, "-m", "venv", str(self.venv)], self.work, env=env, record=False
            )
            if not check.require(made.rc == 0, f"venv: {made.show()}"):
                return check
            pip = [str(self.python), "-m", "pip", "install", "-q", str(self.clone)]
        done = self.run(pip, self.work, env=env, timeout=1200, record=False)
        if not check.require(done.rc == 0, f"pip install: {done.show()}"):
            return check
        probe = (
            "import json, shutil, piiscan, piiscan.connectors, importlib.metadata as m\n"
            "d = m.distribution('piiscan-inventory')\n"
            "print(json.dumps({'piiscan': piiscan.__file__, "
            "'connectors': piiscan.connectors.__file__, 'command': shutil.which('piiscan'), "
            "'direct_url': json.loads(d.read_text('direct_url.json') or 'null')}))\n"
        )
        got = self.run([str(self.python), "-c", probe], self.work, env=env, record=False)
        if not check.require(got.rc == 0, f"import piiscan failed: {got.show()}"):
            return check
        info = json.loads(got.out)
        site_dir = venv_site_packages(self.venv)
        for key in ("piiscan", "connectors"):
            check.require(
                Path(info[key]).is_relative_to(site_dir),
                f"{key} imported from {info[key]}, not from {site_dir}",
            )
        check.require(
            info["command"] == str(self.venv / "bin" / "piiscan"),
            f"`piiscan` on PATH is {info['command']}",
        )
        direct = info["direct_url"] or {}
        check.require(
            not direct.get("dir_info", {}).get("editable")
            and direct.get("url", "").endswith(str(self.clone)),
            f"direct_url.json {direct} is not a non-editable install of the clone",
        )
        if self.deps == "reuse":
            missing = self.run(
                [str(self.python), "-c", "import " + ", ".join(RUNTIME_IMPORTS)],
                self.work,
                env=env,
                record=False,
            )
            check.require(missing.rc == 0, f"dependencies missing: {missing.show()}")
        return check

    def collect_raw_values(self) -> None:
        self.raw_values = demo_raw_values(self.demo)


# -- helpers ------------------------------------------------------------------------
def git_files(root: Path) -> list[str]:
    """What a clone holds: tracked files plus untracked ones git does not ignore."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard", "-z"],
            cwd=root,
            check=True,
            capture_output=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise UsageError(f"{root} is not a git checkout ({exc})") from exc
    return sorted({p for p in out.decode().split("\0") if p})


def venv_site_packages(venv: Path) -> Path:
    [path] = (venv / "lib").glob("python3*/site-packages")
    return path


def reused_site_packages() -> list[str]:
    """This interpreter's site-packages (third-party dependencies for a reused install)."""
    paths = [*site.getsitepackages()]
    return [p for p in dict.fromkeys(paths) if Path(p).is_dir()]


def model_label(path: Path) -> str:
    """``en_ner_distilled_sm 0.1.1``: how piiscan names a model directory (its meta.json)."""
    try:
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        return f"{meta['lang']}_{meta['name']} {meta['version']}"
    except (OSError, ValueError, KeyError):
        return path.name


def demo_raw_values(demo: Path) -> set[str]:
    """Raw personal values of the demo (at least 8 characters): none may reach an output."""
    values: set[str] = set()
    con = sqlite3.connect(f"file:{demo / 'shop.db'}?mode=ro", uri=True)
    try:
        for query in (
            "SELECT email, phone, street_address, signup_ip, first_name || ' ' || last_name "
            "FROM customers",
            "SELECT card_number FROM orders",
            "SELECT full_name, work_email, national_insurance_number FROM staff",
            "SELECT ip_address, session_cookie, device_id FROM web_events",
        ):
            for row in con.execute(query):
                values.update(str(v) for v in row if v is not None)
    finally:
        con.close()
    for card in [v for v in values if v.isdigit() and len(v) == 16]:
        values.add(" ".join(card[i : i + 4] for i in range(0, 16, 4)))
    for person in json.loads((demo / "files/hr/payroll.json").read_text(encoding="utf-8")):
        values.update((person["name"], person["bank"]["iban"]))
    for line in (
        (demo / "files/exports/customers_eu.jsonl").read_text(encoding="utf-8").splitlines()
    ):
        c = json.loads(line)
        values.update(
            (c["name"], c["contact"]["email"], c["contact"]["phone"], c["address"]["street"])
        )
    return {v for v in values if len(v) >= 8} - PUBLIC_TEST_VALUES


def load_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def fields_of(inventory: dict) -> Iterable[tuple[dict, dict]]:
    for asset in inventory.get("assets", []):
        for f in asset.get("fields", []):
            yield asset, f


def entity_types(f: dict) -> set[str]:
    return {e["type"] for e in f.get("entities", [])}


def at_or_above(level: str | None, floor: str) -> bool:
    return level in LEVELS and LEVELS.index(level) >= LEVELS.index(floor)


def closing_line(run: Run) -> str:
    return next((ln for ln in reversed(run.out.splitlines()) if ln.startswith("verification")), "")


def mode_words(r: Replay) -> str:
    """How a header names the detection mode of this run."""
    return f"NER model {r.model_label}" if r.model else "rule-only"


def mentions_mode(text: str, r: Replay) -> bool:
    return f"detection: {mode_words(r)}".lower() in text.lower()


def readme_block(readme: str, *needles: str) -> str:
    """The first fenced bash block of the README holding every needle."""
    for block in re.findall(r"```bash\n(.*?)```", readme, flags=re.S):
        if all(n in block for n in needles):
            return block
    return ""


def run_in_pty(args: Sequence[str], cwd: Path, env: dict[str, str], columns: int) -> str:
    """stdout of ``args`` written to a terminal ``columns`` wide (stderr discarded)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    try:
        proc = subprocess.Popen(
            list(args),
            cwd=cwd,
            env=env,
            stdout=slave,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
    finally:
        os.close(slave)
    chunks = []
    try:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(master)
        proc.wait(timeout=300)
    return b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


# -- the scenarios -------------------------------------------------------------------
Scenario = Callable[[Replay], list[Check]]


def demo_scan(r: Replay) -> list[Check]:
    """`piiscan demo`: the header's mode, the rule-only warning, the planted files."""
    cwd = r.demo.parent
    run = r.piiscan("demo", "--dir", "demo", "--no-progress", cwd=cwd)
    (cwd / "demo.txt").write_text(run.out, encoding="utf-8")
    inventory_path = r.demo / "inventory.json"
    inv = load_json(inventory_path) if inventory_path.is_file() else {}
    if inventory_path.is_file():
        r.record_file(inventory_path)
    r.collect_raw_values()

    header = Check(
        "1.header-demo",
        "1",
        f"the demo's report header and inventory state the mode ({mode_words(r)})",
    )
    header.require(run.rc == 0, f"demo failed: {run.show()}")
    head = "\n".join(run.out.splitlines()[:4])
    header.require(
        mentions_mode(head, r), f"report header lacks 'detection: {mode_words(r)}': {head}"
    )
    mode = (inv.get("detection") or {}).get("mode")
    header.require(mode == ("ner" if r.model else "rule-only"), f"inventory detection.mode {mode}")
    if r.model:
        header.require(
            r.model_label.startswith((inv.get("detection") or {}).get("model") or "?"),
            f"inventory detection.model {inv.get('detection')}",
        )

    free = Check(
        "1.free-text-inventory",
        "1",
        "the inventory says free text was not verified for names and places"
        if not r.model
        else "with a model the inventory raises no free-text warning",
    )
    warnings = inv.get("warnings", [])
    noted = [w for w in warnings if FREE_TEXT_NOTE in w]
    if r.model:
        free.require(not noted, f"free-text warning with a model: {noted}")
    else:
        free.require(
            noted and "support_tickets.body" in noted[0],
            f"no free-text warning naming support_tickets.body in {warnings}",
        )
        free.require(
            FREE_TEXT_NOTE in (inv.get("detection") or {}).get("limits", []),
            "detection.limits lacks the free-text note",
        )
        free.require(FREE_TEXT_NOTE in run.out, "the table report lacks the free-text note")

    advice = Check(
        "2.model-advice",
        "2",
        "the rule-only warning says `python -m spacy download` (no pip install of a pipeline)"
        if not r.model
        else "with a model there is no rule-only warning",
    )
    rule_only = [ln for ln in run.lines() if "no spaCy NER model" in ln]
    if r.model:
        advice.require(not rule_only, f"rule-only warning with a model: {rule_only}")
    else:
        advice.require(
            len(rule_only) == 1
            and rule_only[0].startswith("warning:")
            and MODEL_ADVICE in rule_only[0]
            and "en_core_web_lg" in rule_only[0],
            f"rule-only warning: {rule_only}",
        )

    planted = Check(
        "6.demo-planted",
        "6",
        "the demo announces its planted broken files; the empty CSV is a note, not an error",
    )
    both = run.out + run.err
    for name in ("broken/corrupt.parquet", "broken/empty.csv"):
        planted.require(
            re.search(rf"planted on purpose: \S*{re.escape(name)}", both),
            f"no 'planted on purpose' line for {name}",
        )
    corrupt = [ln for ln in run.lines() if "corrupt.parquet" in ln and ln.startswith("warning:")]
    planted.require(
        corrupt and all("planted" in ln for ln in corrupt),
        f"the corrupt file's warning does not say it was planted: {corrupt}",
    )
    errors = [e.get("asset") for e in inv.get("errors", [])]
    planted.require(errors == ["broken/corrupt.parquet"], f"errors[] holds {errors}")
    empty = [a for a in inv.get("assets", []) if a["asset"] == "broken/empty.csv"]
    planted.require(
        empty and any("empty" in n for n in empty[0].get("notes", [])),
        f"broken/empty.csv has no 'empty' note: {empty}",
    )
    return [header, free, advice, planted]


def refused(
    r: Replay, c: Check, run: tuple[str, str, Path, dict[str, str]], named: tuple[str, ...]
) -> Check:
    """``anonymize SOURCE --to TARGET`` without a model: exit 2, one Error line naming
    ``named``, and no copy written."""
    source, target, cwd, env = run
    out = r.piiscan("anonymize", source, "--to", target, "--no-progress", cwd=cwd, env=env)
    c.require(out.rc == 2, f"exit {out.rc}: {out.show()}")
    errs = out.errors()
    c.require(len(errs) == 1, f"{len(errs)} Error lines: {errs}")
    for word in named:
        c.require(errs and word in errs[0], f"the Error line lacks {word!r}")
    c.require(not (cwd / target).exists(), "a copy was written anyway")
    return c


def anonymize_database(r: Replay) -> list[Check]:
    """Item 1 on the database, then item 3: the verified copy rescans clean."""
    cwd = r.folder("anon-db")
    src = f"sqlite:///{r.demo / 'shop.db'}"
    env = r.env(PIISCAN_ANON_KEY=r.secret())
    checks = []
    if not r.model:
        checks.append(
            refused(
                r,
                Check(
                    "1.anonymize-refuses-free-text",
                    "1",
                    "without a model, anonymize refuses the demo database (exit 2, one Error "
                    "line naming support_tickets.body and `python -m spacy download`)",
                ),
                (src, "refused.db", cwd, env),
                ("support_tickets.body", MODEL_ADVICE, "--allow-rule-only"),
            )
        )
        run = r.piiscan(
            "anonymize",
            src,
            "--to",
            "anon.db",
            "--allow-rule-only",
            "--no-progress",
            cwd=cwd,
            env=env,
        )
        c = Check(
            "1.anonymize-allow-rule-only",
            "1",
            "--allow-rule-only: exit 0, and the closing line, the manifest and the "
            "inventory say 'free text not verified for names and places'",
        )
    else:
        run = r.piiscan("anonymize", src, "--to", "anon.db", "--no-progress", cwd=cwd, env=env)
        c = Check(
            "1.anonymize-with-model",
            "1",
            "with a model, anonymize passes on the free text without --allow-rule-only, "
            "and no ticket's customer name is left in the copy",
        )
    c.require(run.rc == 0, f"exit {run.rc}: {run.show()}")
    closing = closing_line(run)
    manifest_path = cwd / "anon.db.manifest.json"
    manifest = load_json(manifest_path) if manifest_path.is_file() else {}
    if manifest_path.is_file():
        r.record_file(manifest_path)
    detection = manifest.get("detection") or {}
    verification = manifest.get("verification") or {}
    c.require(closing.startswith("verification passed"), f"closing line: {closing!r}")
    if r.model:
        c.require(
            f"NER model {r.model_label}" in closing and "rule-only" not in closing,
            f"the closing line does not name the model: {closing!r}",
        )
        c.require(detection.get("mode") == "ner", f"manifest detection {detection}")
        left = names_left_in_tickets(r.demo / "shop.db", cwd / "anon.db")
        c.require(
            not left,
            f"{len(left)} ticket(s) of the copy still hold their customer's "
            f"first or last name (ticket ids {left[:10]})",
        )
    else:
        c.require(FREE_TEXT_NOTE in closing, f"closing line: {closing!r}")
        c.require(detection.get("mode") == "rule-only", f"manifest detection {detection}")
        c.require(
            FREE_TEXT_NOTE in verification.get("limits", []),
            f"manifest verification.limits {verification.get('limits')}",
        )
        c.require(
            any(
                FREE_TEXT_NOTE in w and "support_tickets.body" in w
                for w in manifest.get("warnings", [])
            ),
            f"manifest warnings {manifest.get('warnings')}",
        )
    checks.append(c)
    checks += rescan_copy(r, cwd, "sqlite:///anon.db", "database", run.rc == 0)
    checks.append(birth_year_and_salary(r, cwd))
    return checks


def names_left_in_tickets(source_db: Path, copy_db: Path) -> list[int]:
    """Tickets of the copy that still hold the first or last name their source text held."""
    src = sqlite3.connect(f"file:{source_db}?mode=ro", uri=True)
    dst = sqlite3.connect(f"file:{copy_db}?mode=ro", uri=True)
    try:
        names = {
            cid: (first, last)
            for cid, first, last in src.execute(
                "SELECT customer_id, first_name, last_name FROM customers"
            )
        }
        source = {
            tid: (cid, body)
            for tid, cid, body in src.execute(
                "SELECT ticket_id, customer_id, body FROM support_tickets"
            )
        }
        left = []
        for tid, body in dst.execute("SELECT ticket_id, body FROM support_tickets"):
            cid, original = source[tid]
            for name in names[cid]:
                pattern = rf"\b{re.escape(name)}\b"
                if re.search(pattern, original) and re.search(pattern, body or ""):
                    left.append(tid)
                    break
        return left
    finally:
        src.close()
        dst.close()


def names_left_in_notes(demo: Path, copy: Path) -> list[str]:
    """Customers' first and last names in the demo's support notes that the copy still
    holds."""
    con = sqlite3.connect(f"file:{demo / 'shop.db'}?mode=ro", uri=True)
    try:
        names = {
            n for row in con.execute("SELECT first_name, last_name FROM customers") for n in row
        }
    finally:
        con.close()
    source = (demo / "files/notes/support_notes.md").read_text(encoding="utf-8")
    after = copy.read_text(encoding="utf-8") if copy.is_file() else source
    held = [n for n in names if re.search(rf"\b{re.escape(n)}\b", source)]
    return sorted(n for n in held if re.search(rf"\b{re.escape(n)}\b", after))


def rescan_copy(r: Replay, cwd: Path, source: str, what: str, made: bool) -> list[Check]:
    """Item 3: `piiscan scan --fail-on high` on a copy verify passed exits 0."""
    c = Check(
        f"3.rescan-{what}-copy",
        "3",
        f"`piiscan scan --fail-on high` on the verified {what} copy exits 0; surrogates "
        "are counted as set aside, pseudonyms match no detector, nothing is NRP or "
        "special category" + ("" if r.model else "; its inventory says free text went unverified"),
    )
    if not c.require(made, "no verified copy to rescan"):
        return [c]
    out = cwd / f"rescan-{what}.json"
    run = r.piiscan(
        "scan", source, "--fail-on", "high", "-f", "json", "-o", out.name, "--no-progress", cwd=cwd
    )
    c.require(run.rc == 0, f"exit {run.rc}: {run.show()}")
    inv = load_json(out) if out.is_file() else {}
    if out.is_file():
        r.record_file(out)
    high = [
        (a["asset"], a["sensitivity"])
        for a in inv.get("assets", [])
        if at_or_above(a.get("sensitivity"), "high")
    ]
    c.require(not high, f"assets at high or above: {high}")
    c.require(
        not [a["asset"] for a in inv.get("assets", []) if a.get("gdpr") == "special_category"],
        "an asset of the copy is a GDPR special category",
    )
    nrp = [(a["asset"], f["name"]) for a, f in fields_of(inv) if "NRP" in entity_types(f)]
    c.require(not nrp, f"NRP found in the copy: {nrp}")
    reserved = sum(sum(f.get("reserved", {}).values()) for _, f in fields_of(inv))
    c.require(reserved > 0, "no value of the copy was counted as set aside (reserved)")
    pseudonymised = {
        "first_name",
        "last_name",
        "full_name",
        "city",
        "country",
        "name",
        "bank.holder",
        "address.city",
    }
    matched = [
        (a["asset"], f["name"], sorted(entity_types(f)))
        for a, f in fields_of(inv)
        if f["name"] in pseudonymised and entity_types(f)
    ]
    c.require(not matched, f"pseudonym fields matched a detector: {matched}")
    if not r.model:  # what the rule-only rescan could not see, its inventory says
        c.require(
            any(FREE_TEXT_NOTE in w for w in inv.get("warnings", [])),
            f"the rescan's inventory does not say free text went unverified: {inv.get('warnings')}",
        )
    return [c]


def birth_year_and_salary(r: Replay, cwd: Path) -> Check:
    c = Check(
        "3.birth-year-salary",
        "3",
        "in the verified copy a generalized birth date is a BIRTH_YEAR (not a "
        "DATE_OF_BIRTH) and salaries are redacted by default",
    )
    path = cwd / "rescan-database.json"
    if not c.require(path.is_file() and (cwd / "anon.db").is_file(), "no copy or rescan"):
        return c
    inv = load_json(path)
    dob = [
        f for a, f in fields_of(inv) if a["asset"] == "customers" and f["name"] == "date_of_birth"
    ]
    types = entity_types(dob[0]) if dob else set()
    c.require(
        "BIRTH_YEAR" in types and "DATE_OF_BIRTH" not in types,
        f"customers.date_of_birth of the copy reads as {sorted(types)}",
    )
    c.require(
        not [f["name"] for _, f in fields_of(inv) if "SALARY" in entity_types(f)],
        "a SALARY was found in the copy",
    )
    src = sqlite3.connect(f"file:{r.demo / 'shop.db'}?mode=ro", uri=True)
    dst = sqlite3.connect(f"file:{cwd / 'anon.db'}?mode=ro", uri=True)
    try:
        before = dict(src.execute("SELECT employee_id, salary FROM staff"))
        kept = [
            eid
            for eid, salary in dst.execute("SELECT employee_id, salary FROM staff")
            if salary is not None and salary == before.get(eid)
        ]
    finally:
        src.close()
        dst.close()
    c.require(not kept, f"{len(kept)} salaries kept as they were")
    return c


def anonymize_files(r: Replay) -> list[Check]:
    """Item 1 on a file tree (documents), then item 3 on its verified copy."""
    cwd = r.folder("anon-files")
    env = r.env(PIISCAN_ANON_KEY=r.secret())
    files = str(r.demo / "files")
    checks = []
    if not r.model:
        checks.append(
            refused(
                r,
                Check(
                    "1.anonymize-refuses-documents",
                    "1",
                    "without a model, anonymize refuses the demo's text documents (exit 2, "
                    "one Error line naming them)",
                ),
                (files, "refused", cwd, env),
                ("logs/app.log", "notes/support_notes.md"),
            )
        )
        run = r.piiscan(
            "anonymize",
            files,
            "--to",
            "anon",
            "--spacy-model",
            "none",
            "--verify-full",
            "--no-progress",
            cwd=cwd,
            env=env,
        )
        c = Check(
            "1.anonymize-spacy-model-none",
            "1",
            "`--spacy-model none` opts in too: exit 0 and the closing line says free text "
            "was not verified; --verify-full rescans every row",
        )
        c.require(FREE_TEXT_NOTE in closing_line(run), f"closing line {closing_line(run)!r}")
    else:
        run = r.piiscan(
            "anonymize", files, "--to", "anon", "--verify-full", "--no-progress", cwd=cwd, env=env
        )
        c = Check(
            "1.anonymize-documents-with-model",
            "1",
            "with a model, anonymize passes on the text documents; --verify-full rescans every row",
        )
        c.require(
            f"NER model {r.model_label}" in closing_line(run), f"closing line {closing_line(run)!r}"
        )
        left = names_left_in_notes(r.demo, cwd / "anon/notes/support_notes.md")
        c.require(not left, f"{len(left)} name(s) of the support notes left in the copy")
    c.require(run.rc == 0, f"exit {run.rc}: {run.show()}")
    c.require(closing_line(run).startswith("verification passed"), f"closing {closing_line(run)!r}")
    c.require("sampled" not in closing_line(run), "--verify-full still says it sampled")
    manifest = cwd / "anon.manifest.json"
    if manifest.is_file():
        r.record_file(manifest)
    checks.append(c)
    checks += rescan_copy(r, cwd, "anon", "file-tree", run.rc == 0)
    salary = Check(
        "3.payroll-salary-redacted", "3", "the file copy's payroll holds no salary of the source"
    )
    copy = cwd / "anon/hr/payroll.json"
    if salary.require(copy.is_file(), "no hr/payroll.json in the copy"):
        before = json.loads((r.demo / "files/hr/payroll.json").read_text(encoding="utf-8"))
        after = json.loads(copy.read_text(encoding="utf-8"))
        kept = [
            i
            for i, (b, a) in enumerate(zip(before, after, strict=False))
            if (a.get("salary") or {}).get("annual") == b["salary"]["annual"]
        ]
        salary.require(not kept, f"{len(kept)} salaries kept")
    checks.append(salary)
    return checks


def doctor(r: Replay) -> list[Check]:
    """Item 2's `piiscan doctor` and item 4's install hints."""
    cwd = r.folder("doctor")
    keys = {"PIISCAN_HASH_KEY": r.secret(), "PIISCAN_ANON_KEY": r.secret()}
    text = r.piiscan("doctor", cwd=cwd, env=r.env(**keys))
    as_json = r.piiscan("doctor", "-f", "json", cwd=cwd)
    c = Check(
        "2.doctor",
        "2",
        "`piiscan doctor` exits 0, names the model and its labels (or rule-only and how "
        "to get one), and says whether keys are set without printing them",
    )
    c.require(text.rc == 0 and as_json.rc == 0, f"exit {text.rc}/{as_json.rc}: {text.show()}")
    for name, value in keys.items():
        c.require(value not in text.out + text.err, f"{name}'s value printed")
        c.require(re.search(rf"{name}\s+set\b", text.out), f"{name} not reported as set")
    try:
        d = json.loads(as_json.out)
    except ValueError:
        d = {}
    c.require(
        d.get("keys") == {"PIISCAN_HASH_KEY": "not set", "PIISCAN_ANON_KEY": "not set"},
        f"keys without env: {d.get('keys')}",
    )
    c.require(d.get("usable") is True, "doctor -f json: usable is not true")
    if r.model:
        c.require(f"model: {r.model_label}" in text.out, f"model line: {text.out[:400]}")
        c.require(re.search(r"NER labels: .*\bPERSON\b", text.out), "no NER labels with PERSON")
    else:
        c.require(
            "rule-only" in text.out and MODEL_ADVICE in text.out,
            f"doctor does not say rule-only and how to get a model: {text.out[:400]}",
        )
    for section in ("drivers and extras:", "keys:", "a scan would run with: "):
        c.require(section in text.out, f"no {section!r} in doctor's output")

    hints = Check(
        "4.install-hints",
        "4",
        f"install hints name the clone's path (installed from it), never "
        f"a hint for PyPI's unrelated `piiscan`; the distribution is {DISTRIBUTION}",
    )
    probe = (
        "import importlib.metadata as m; from piiscan.install import install_command; "
        "print(m.version('piiscan-inventory')); print(install_command('s3'))"
    )
    got = r.run([str(r.python), "-c", probe], cwd)
    expected = f"{shlex.quote(str(r.python))} -m pip install {shlex.quote(str(r.clone) + '[s3]')}"
    hints.require(
        got.rc == 0 and got.out.splitlines()[-1:] == [expected],
        f"install_command('s3') is {got.out.strip()!r}, expected {expected!r}",
    )
    missing = [m for m in d.get("modules", []) if not m.get("available") and m.get("extra")]
    for m in missing:
        want = f"{shlex.quote(str(r.python))} -m pip install "
        want += shlex.quote(f"{r.clone}[{m['extra']}]")
        hints.require(m.get("install") == want, f"doctor's hint for {m['module']}: {m}")
    if any(m.get("extra") == "gcs" for m in missing):
        scan = r.piiscan("scan", "gs://replay-bucket/exports/", "--no-progress", cwd=cwd)
        errs = scan.errors()
        hints.require(
            scan.rc == 2 and len(errs) == 1 and f"{r.clone}[gcs]" in errs[0],
            f"gs:// without gcsfs: {scan.show()}",
        )
    return [c, hints]


def selection(r: Replay) -> list[Check]:
    """Item 5: the README's include/exclude lines and the unmatched-pattern warning."""
    cwd = r.folder("select")
    exports = cwd / "exports"
    shutil.copytree(r.demo / "files/exports", exports)
    con = sqlite3.connect(f"file:{r.demo / 'shop.db'}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT c.first_name || ' ' || c.last_name, c.email, t.body FROM support_tickets t "
            "JOIN customers c USING (customer_id) ORDER BY t.ticket_id LIMIT 40"
        ).fetchall()
    finally:
        con.close()
    lines = ["name,email,internal_notes"] + [",".join(json.dumps(v) for v in row) for row in rows]
    (exports / "tickets.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    readme = (r.clone / "README.md").read_text(encoding="utf-8")
    line = next(
        (
            ln
            for ln in readme.splitlines()
            if "--exclude '*.internal_notes'" in ln and ln.startswith("piiscan scan")
        ),
        "",
    )
    c = Check(
        "5.readme-exclude-internal-notes",
        "5",
        "the README's `--include '*.csv' --exclude '*.internal_notes'` scans the CSV files "
        "without their internal_notes column",
    )
    args = shlex.split(line, comments=True)[1:]
    if not c.require(args, "the README has no `piiscan scan … --exclude '*.internal_notes'` line"):
        return [c]
    run = r.piiscan(
        *args,
        "-f",
        "json",
        "-o",
        "select.json",
        "--exclude",
        "*.internal_note",
        "--no-progress",
        cwd=cwd,
    )
    c.require(run.rc == 0, f"exit {run.rc}: {run.show()}")
    inv = load_json(cwd / "select.json") if (cwd / "select.json").is_file() else {}
    assets = {a["asset"]: [f["name"] for f in a["fields"]] for a in inv.get("assets", [])}
    c.require(
        set(assets) == {"newsletter_subscribers.csv", "tickets.csv"},
        f"assets scanned: {sorted(assets)}",
    )
    c.require(
        assets.get("tickets.csv") == ["name", "email"],
        f"tickets.csv fields: {assets.get('tickets.csv')}",
    )

    warn = Check(
        "5.unmatched-pattern-warns",
        "5",
        "a pattern that matched nothing is one `warning:` line and an inventory "
        "warning; a pattern that matched is not",
    )
    expected = "--exclude '*.internal_note' matched no table, file or field"
    warn.require(f"warning: {expected}" in run.lines(), f"stderr: {run.err.strip()[-400:]}")
    warn.require(expected in inv.get("warnings", []), f"inventory warnings {inv.get('warnings')}")
    warn.require(
        not [w for w in run.lines() if "'*.internal_notes'" in w or "'*.csv'" in w],
        "a pattern that matched was reported as unmatched",
    )

    sql_line = next(
        (
            ln
            for ln in readme.splitlines()
            if ln.startswith("piiscan scan sqlite:///shop.db --exclude email")
        ),
        "",
    )
    sql = Check(
        "5.sql-exclude-email",
        "5",
        "the README's `--exclude email --exclude 'tmp_*'` on a database leaves every "
        "email column out and warns about 'tmp_*'",
    )
    sql_args = shlex.split(sql_line, comments=True)[1:]
    if sql.require(
        sql_args, "the README has no `piiscan scan sqlite:///shop.db --exclude email` line"
    ):
        shutil.copy2(r.demo / "shop.db", cwd / "shop.db")
        run = r.piiscan(*sql_args, "-f", "json", "-o", "sql.json", "--no-progress", cwd=cwd)
        sql.require(run.rc == 0, f"exit {run.rc}: {run.show()}")
        inv = load_json(cwd / "sql.json") if (cwd / "sql.json").is_file() else {}
        emails = [(a["asset"], f["name"]) for a, f in fields_of(inv) if f["name"] == "email"]
        sql.require(not emails, f"email columns scanned: {emails}")
        sql.require(
            any(f["name"] == "work_email" for _, f in fields_of(inv)),
            "work_email (not named by the pattern) was left out too",
        )
        sql.require(
            "warning: --exclude 'tmp_*' matched no table, file or field" in run.lines(),
            f"no warning for 'tmp_*': {run.err.strip()[-300:]}",
        )
    for path in (cwd / "select.json", cwd / "sql.json"):
        if path.is_file():
            r.record_file(path)
    return [c, warn, sql]


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        | {"GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd)},
    )


def new_repo(path: Path) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.email", "replay@example.com")
    git(path, "config", "user.name", "Replay")
    git(path, "config", "commit.gpgsign", "false")
    (path / "README.md").write_text("# shop\n", encoding="utf-8")
    git(path, "add", "README.md")
    git(path, "commit", "-q", "-m", "init")
    return path


def diffs(r: Replay) -> list[Check]:
    """Item 6: the fetch hint, `diff --all-files` and the pre-commit hooks."""
    cwd = r.folder("diff")
    repo = new_repo(cwd / "repo")
    git(cwd, "clone", "-q", "--bare", str(repo), str(cwd / "origin.git"))
    git(repo, "remote", "add", "origin", str(cwd / "origin.git"))  # never fetched
    hint = Check(
        "6.diff-fetch-hint",
        "6",
        "`piiscan diff origin/main` without the ref: one Error line whose git command "
        "works (`git fetch origin main:…`), then the diff runs",
    )
    run = r.piiscan("diff", "origin/main", "--fail-on", "high", cwd=repo)
    errs = run.errors()
    hint.require(run.rc == 2 and len(errs) == 1, f"exit {run.rc}: {run.show()}")
    hint.require(
        "git fetch origin origin/main" not in run.err,
        "the hint says `git fetch origin origin/main`",
    )
    command = re.search(r"(git fetch origin main\S*)", errs[0] if errs else "")
    if hint.require(command, f"no `git fetch origin main` in {errs}"):
        fetched = r.run(shlex.split(command.group(1).rstrip(").,;")), repo)
        hint.require(fetched.rc == 0, f"the hinted command failed: {fetched.show()}")
        again = r.piiscan("diff", "origin/main", "--fail-on", "high", cwd=repo)
        hint.require(again.rc == 0, f"diff after the fetch: {again.show()}")

    all_files = Check(
        "6.diff-all-files",
        "6",
        "a committed customer CSV: `diff --staged` passes (it sees staged lines "
        "only) while `diff --all-files` fails and names the file",
    )
    shutil.copy2(r.demo / "files/exports/newsletter_subscribers.csv", repo / "customers.csv")
    git(repo, "add", "customers.csv")
    git(repo, "commit", "-q", "-m", "customers")
    # The demo's values are reserved test values, which diff allows by default.
    staged = r.piiscan("diff", "--staged", "--no-allow-test-values", cwd=repo)
    every = r.piiscan("diff", "--all-files", "--no-allow-test-values", cwd=repo)
    all_files.require(staged.rc == 0, f"--staged: {staged.show()}")
    all_files.require(
        every.rc == 1 and "customers.csv" in every.out + every.err, f"--all-files: {every.show()}"
    )

    hooks = Check(
        "6.pre-commit-hooks",
        "6",
        "no `rev: v0.1.0` (an untagged release); the docs say to pin a commit; a "
        "`piiscan-all-files` hook runs `piiscan diff --all-files` (6.diff-all-files runs it)",
    )
    text = (r.clone / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    readme = (r.clone / "README.md").read_text(encoding="utf-8")
    hooks.require("v0.1.0" not in text + readme, "v0.1.0 is still named")
    hooks.require(
        "pin a full commit SHA" in readme and "autoupdate --freeze" in readme,
        "the README does not say how to pin a commit",
    )
    hook = re.search(r"- id: piiscan-all-files\n(?:  .*\n)*?  entry: (.*)\n", text)
    hooks.require(
        hook and hook.group(1).strip() == "piiscan diff --all-files",
        f"piiscan-all-files hook: {hook.group(0) if hook else None}",
    )
    return [hint, all_files, hooks]


def fail_on(r: Replay) -> list[Check]:
    cwd = r.folder("fail-on")
    c = Check(
        "6.fail-on-names-assets",
        "6",
        "`scan --fail-on high` exits 1 naming every asset at or above high",
    )
    run = r.piiscan(
        "scan",
        str(r.demo / "files/exports"),
        "--fail-on",
        "high",
        "-f",
        "json",
        "-o",
        "inventory.json",
        "--no-progress",
        cwd=cwd,
    )
    c.require(run.rc == 1, f"exit {run.rc}: {run.show()}")
    inv = load_json(cwd / "inventory.json") if (cwd / "inventory.json").is_file() else {}
    if inv:
        r.record_file(cwd / "inventory.json")
    high = [a["asset"] for a in inv.get("assets", []) if at_or_above(a.get("sensitivity"), "high")]
    c.require(high, "no asset at or above high to name")
    block = [ln for ln in run.lines() if "fail-on high" in ln]
    c.require(block, f"no 'fail-on high' line: {run.err.strip()[-300:]}")
    for asset in high:
        c.require(
            re.search(rf"^\s+\S+\s+{re.escape(Path(asset).name)}\b", run.err, flags=re.M),
            f"{asset} is not named on stderr",
        )
    return [c]


def missing_path(r: Replay) -> list[Check]:
    cwd = r.folder("missing")
    not_a_model = cwd / "not-a-model"
    not_a_model.mkdir()  # loading it would fail: the error must come before any model loads
    c = Check(
        "6.missing-path",
        "6",
        "a missing path: one `Error:` line naming it, exit 2, no report, before any model loads",
    )
    for extra in ((), (str(r.demo / "files/exports"), "-o", "report.txt")):
        run = r.piiscan(
            "scan",
            "no/such/dir",
            *extra,
            "--spacy-model",
            str(not_a_model),
            "--no-progress",
            cwd=cwd,
        )
        c.require(run.rc == 2, f"exit {run.rc}: {run.show()}")
        c.require(
            run.lines() == run.errors()
            and len(run.errors()) == 1
            and "no/such/dir" in run.errors()[0],
            f"stderr: {run.err.strip()!r}",
        )
        c.require(not run.out.strip(), f"stdout not empty: {run.out[:200]!r}")
        c.require(run.secs < 20, f"took {run.secs:.1f} s")
    c.require(not (cwd / "report.txt").exists(), "a report was written")
    return [c]


def empty_csv(r: Replay) -> list[Check]:
    cwd = r.folder("empty")
    shutil.copy2(r.demo / "files/broken/empty.csv", cwd / "empty.csv")
    c = Check(
        "6.empty-csv-note",
        "6",
        "an empty CSV is a note, not an error: exit 0, errors[] empty, the report is complete",
    )
    run = r.piiscan("scan", "empty.csv", "-f", "json", "-o", "empty.json", "--no-progress", cwd=cwd)
    c.require(run.rc == 0, f"exit {run.rc}: {run.show()}")
    inv = load_json(cwd / "empty.json") if (cwd / "empty.json").is_file() else {}
    c.require(
        inv.get("errors") == [] and inv.get("summary", {}).get("complete") is True,
        f"errors {inv.get('errors')}, complete {inv.get('summary', {}).get('complete')}",
    )
    notes = [n for a in inv.get("assets", []) for n in a.get("notes", [])]
    c.require(any("empty" in n for n in notes), f"notes: {notes}")
    table = r.piiscan("report", "empty.json", cwd=cwd)
    body = table.out.partition("\nLegend\n")[0]
    c.require(
        table.rc == 0 and "INCOMPLETE" not in body and "note: empty" in body,
        f"table report: {table.show()}",
    )
    return [c]


def quiet(r: Replay) -> list[Check]:
    cwd = r.folder("quiet")
    src = str(r.demo / "files/broken/empty.csv")  # nothing to analyse: the warning is what counts
    c = Check(
        "6.quiet-anywhere",
        "6",
        "warnings are `warning:` lines, and -q silences them before or after the subcommand",
    )
    loud = r.piiscan(
        "scan", src, "--exclude", "nomatch_zz", "-o", "q0.txt", "--no-progress", cwd=cwd
    )
    c.require(loud.rc == 0, f"exit {loud.rc}: {loud.show()}")
    c.require(
        "warning: --exclude 'nomatch_zz' matched no table, file or field" in loud.lines(),
        f"no warning to silence: {loud.err.strip()[-300:]}",
    )
    for args in (
        ("scan", src, "--exclude", "nomatch_zz", "-o", "q1.txt", "--no-progress", "-q"),
        ("-q", "scan", src, "--exclude", "nomatch_zz", "-o", "q2.txt", "--no-progress"),
    ):
        run = r.piiscan(*args, cwd=cwd)
        c.require(run.rc == 0, f"exit {run.rc}: {run.show()}")
        c.require(
            not [ln for ln in run.lines() if "warning" in ln.lower()],
            f"`piiscan {shlex.join(args)}` still warns: {run.err.strip()[-300:]}",
        )
    return [c]


def policy_check(r: Replay) -> list[Check]:
    cwd = r.folder("policy")
    (cwd / "privacy-policy.txt").write_text(PASSWORD_POLICY, encoding="utf-8")
    inventory = str(r.demo / "inventory.json")
    c = Check(
        "6.policy-undeclared-entities",
        "6",
        "a policy that declares only passwords: `policy check` lists UK_NINO and "
        "IBAN_CODE as entity types it never names; --fail-on-undeclared-entities exits 1",
    )
    extract = r.piiscan("policy", "extract", "privacy-policy.txt", "-o", "declared.yaml", cwd=cwd)
    c.require(extract.rc == 0, f"extract: {extract.show()}")
    text = r.piiscan("policy", "check", "--declared", "declared.yaml", inventory, cwd=cwd)
    c.require(text.rc == 0, f"check: {text.show()}")
    part = text.out.split("never names", 1)[1] if "never names" in text.out else ""
    for entity in ("UK_NINO", "IBAN_CODE"):
        c.require(
            re.search(rf"^\s+{entity}: covered by sensitive", part, flags=re.M),
            f"{entity} is not listed as never named: {part[:300]!r}",
        )
    strict = r.piiscan(
        "policy",
        "check",
        "--declared",
        "declared.yaml",
        inventory,
        "-f",
        "json",
        "--fail-on-undeclared-entities",
        cwd=cwd,
    )
    c.require(strict.rc == 1, f"--fail-on-undeclared-entities: {strict.show()}")
    try:
        found = json.dumps(json.loads(strict.out).get("undeclared_entities"))
    except ValueError:
        found = ""
    c.require("UK_NINO" in found and "IBAN_CODE" in found, f"undeclared_entities {found[:300]}")
    return [c]


def reports(r: Replay) -> list[Check]:
    """Item 1's headers in every format, item 6's rounding, legends and width."""
    cwd = r.demo.parent
    inventory = "demo/inventory.json"
    demo_table = (cwd / "demo.txt").read_text(encoding="utf-8")
    inv = load_json(r.demo / "inventory.json")
    table = r.piiscan("report", inventory, cwd=cwd)

    same = Check(
        "6.report-same-figures",
        "6",
        "`piiscan report` re-renders the demo's table with the same figures; the "
        "inventory stores the rounded numbers it renders",
    )
    same.require(table.rc == 0, f"report: {table.show()}")
    same.require(
        table.out == demo_table,
        "the re-rendered table differs from the scan's: " + first_difference(demo_table, table.out),
    )
    stored = {
        (e["type"], f"{e['confidence']:.2f}", e["counts"]["matched"], e["counts"]["sampled"])
        for _, f in fields_of(inv)
        for e in f.get("entities", [])
    }
    body = demo_table.partition("\nLegend\n")[0]
    shown = {
        (t, c, int(m), int(n))
        for t, c, m, n in re.findall(r"\b([A-Z][A-Z_]+) (\d\.\d\d) (\d+)/(\d+)\b", body)
    }
    same.require(
        shown and shown <= stored, f"figures not in the inventory: {sorted(shown - stored)[:5]}"
    )
    loose = [
        (f["name"], e["type"], e[k])
        for _, f in fields_of(inv)
        for e in f.get("entities", [])
        for k in ("confidence", "share")
        if round(e[k], 3) != e[k]
    ]
    same.require(not loose, f"unrounded figures stored: {loose[:5]}")

    headers = Check(
        "1.report-headers",
        "1",
        f"every report format's header states the detection mode ({mode_words(r)})",
    )
    headers.require(mentions_mode(demo_table, r), "table")
    rendered = {"table": demo_table}
    for fmt, name in (
        ("markdown", "report.md"),
        ("html", "report.html"),
        ("prefixes", "prefixes.txt"),
        ("csv", "report.csv"),
    ):
        run = r.piiscan("report", inventory, "-f", fmt, "-o", name, cwd=cwd)
        if not headers.require(run.rc == 0 and (cwd / name).is_file(), f"{fmt}: {run.show()}"):
            continue
        rendered[fmt] = r.record_file(cwd / name)
        body = rendered[fmt]
        if fmt == "html":  # the header element, without its markup
            found = re.search(r"<header>(.*?)</header>", body, flags=re.S)
            body = re.sub(r"<[^>]+>", " ", found.group(1) if found else "")
        if fmt == "csv":  # no header: every row says the mode
            rows = body.splitlines()
            stated = [
                row for row in rows[1:] if (r.model_label in row if r.model else "rule-only" in row)
            ]
            headers.require(
                rows and rows[0].split(",")[-1] == "detection" and len(stated) == len(rows) - 1 > 0,
                f"csv rows lack the detection mode: {rows[1:2]}",
            )
            continue
        headers.require(
            mentions_mode(body[:3000], r), f"{fmt} header lacks 'detection: {mode_words(r)}'"
        )

    legend = Check(
        "6.legends",
        "6",
        "the table, Markdown and HTML legends explain `+name` and every other marker",
    )
    markers = (
        "+name",
        "INCOMPLETE",
        "insufficient data",
        "not scanned",
        "set aside as reserved/test",
        "rule-only",
        "…",
    )
    for fmt in ("table", "markdown", "html"):
        text = rendered.get(fmt, "")
        tail = text[text.rfind("Legend") :] if "Legend" in text else ""
        for marker in markers:
            legend.require(
                re.search(rf"(^|[\s>`]){re.escape(marker)}(`|:|</dt>)", tail, flags=re.M),
                f"the {fmt} legend does not explain {marker!r}",
            )

    width = Check(
        "6.terminal-width",
        "6",
        "the terminal summary wraps its category list to the terminal's width "
        "(200 and 80 columns) instead of cutting it at 120",
    )
    env = r.env(NO_COLOR="1")
    categories = [f"{k} {n}" for k, n in inv["summary"]["assets_by_category"].items()]
    for columns in (200, 80):
        out = run_in_pty(["piiscan", "report", inventory], cwd, env, columns)
        r.record(f"piiscan report in a {columns}-column terminal", out)
        lines = out.splitlines()
        too_long = [ln for ln in lines if len(ln) > columns]
        width.require(not too_long, f"{len(too_long)} lines wider than {columns}")
        start = next((i for i, ln in enumerate(lines) if ln.startswith("  categories: ")), None)
        if not width.require(start is not None, f"no categories line at {columns} columns"):
            continue
        block = [lines[start]] + [
            ln for ln in lines[start + 1 : start + 6] if ln.startswith(" " * 14) and ln.strip()
        ]
        listed = " ".join(ln.strip() for ln in block)
        width.require(
            all(cat in listed for cat in categories) and "…" not in listed,
            f"categories cut at {columns} columns: {listed!r}",
        )
        if columns == 200 and len(", ".join(categories)) + 14 <= 200:
            width.require(len(block) == 1, f"wrapped at 200 columns: {block}")
    return [same, headers, legend, width]


def first_difference(a: str, b: str) -> str:
    for i, (x, y) in enumerate(zip(a.splitlines(), b.splitlines(), strict=False)):
        if x != y:
            return f"line {i + 1}: {x!r} vs {y!r}"
    return f"{len(a.splitlines())} vs {len(b.splitlines())} lines"


def readme_deanonymize(r: Replay) -> list[Check]:
    cwd = r.folder("deanonymize")
    c = Check(
        "6.readme-deanonymize",
        "6",
        "the README's anonymize/deanonymize block, run as written on the demo database, "
        "restores the encrypted e-mails and phones",
    )
    readme = (r.clone / "README.md").read_text(encoding="utf-8")
    block = readme_block(readme, "piiscan deanonymize", "--generate-key")
    if not c.require(block, "no README block with --generate-key and piiscan deanonymize"):
        return [c]
    shutil.copy2(r.demo / "shop.db", cwd / "shop.db")
    for rel in re.findall(r"--policy (\S+)", block):
        (cwd / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(r.clone / rel, cwd / rel)
    # Without a model the database's free text is refused unless the user opts in;
    # PIISCAN_SPACY_MODEL=none is that opt-in (a model run points it at the model).
    env = r.env(PIISCAN_SPACY_MODEL=str(r.model) if r.model else "none")
    run = r.run(["bash", "-euo", "pipefail", "-c", block], cwd, env=env)
    c.require(run.rc == 0, f"the README block: {run.show()}")
    if not c.require((cwd / "restored.db").is_file(), "no restored.db"):
        return [c]
    query = "SELECT customer_id, email, phone FROM customers ORDER BY customer_id"
    rows = {}
    for name in ("shop.db", "shop-rev.db", "restored.db"):
        con = sqlite3.connect(f"file:{cwd / name}?mode=ro", uri=True)
        try:
            rows[name] = con.execute(query).fetchall()
        finally:
            con.close()
    c.require(
        rows["restored.db"] == rows["shop.db"], "restored e-mails/phones differ from the source"
    )
    c.require(not set(rows["shop-rev.db"]) & set(rows["shop.db"]), "the copy kept plain contacts")
    return [c]


def static_docs(r: Replay) -> list[Check]:
    c = Check(
        "2.readme-model-advice",
        "2",
        "the README says how to get a model (`python -m spacy download`, sizes, the wheel "
        "for air-gapped hosts) and no doc tells anyone to pip-install a spaCy pipeline",
    )
    readme = (r.clone / "README.md").read_text(encoding="utf-8")
    for size in ("sm", "md", "lg"):  # what each size costs and gains
        c.require(
            re.search(rf"^\| `en_core_web_{size}` \| \d+ MB \| [\d.]+ \|", readme, flags=re.M),
            f"README's table of models lacks en_core_web_{size} (size, F-score)",
        )
    for word in (
        "python -m spacy download en_core_web_lg",
        "en_core_web_md",
        "en_core_web_sm",
        "air-gapped",
        "spacy-models/releases",
    ):
        c.require(word in readme, f"README lacks {word!r}")
    dist = Check(
        "4.distribution-name",
        "4",
        f"pyproject names the distribution {DISTRIBUTION}; the README installs extras "
        f"as {DISTRIBUTION}[…]",
    )
    project = (r.clone / "pyproject.toml").read_text(encoding="utf-8")
    dist.require(re.search(rf'^name = "{DISTRIBUTION}"$', project, flags=re.M), "pyproject name")
    dist.require(f"{DISTRIBUTION}[s3]" in readme, "README extras")
    for path in [r.clone / "README.md", *sorted((r.clone / "docs").glob("*.md"))]:
        bad = WRONG_HINT.findall(path.read_text(encoding="utf-8"))
        c.require(not [b for b in bad if "en_core" in b], f"{path.name}: {bad}")
        dist.require(not [b for b in bad if "en_core" not in b], f"{path.name}: {bad}")
    return [c, dist]


def output_checks(r: Replay) -> list[Check]:
    """Checks over every output of every command above."""
    outputs = r.outputs()
    raw = Check(
        "all.no-raw-values",
        "all",
        f"no raw value of the demo data in any output ({len(outputs)} outputs, "
        f"{len(r.raw_values)} values)",
    )
    raw.require(r.raw_values, "no demo values collected")
    for where, text in outputs:
        leaked = [v for v in r.raw_values if v in text]
        raw.require(not leaked, f"{where}: {len(leaked)} raw value(s)")
        raw.require(not [k for k in r.secrets if k in text], f"{where}: a key's value")
    style = Check(
        "6.warning-style", "6", "every warning is a lowercase `warning:` line; no `WARNING`"
    )
    hints = Check(
        "4.no-wrong-install-hint",
        "2, 4",
        "no output tells anyone to pip-install PyPI's unrelated `piiscan` or a spaCy pipeline",
    )
    for where, text in outputs:
        style.require("WARNING" not in text, f"{where}: WARNING")
        if where.endswith("stderr"):
            odd = [
                ln
                for ln in text.splitlines()
                if re.match(r"\s*warn", ln, flags=re.I) and not ln.startswith("warning: ")
            ]
            style.require(not odd, f"{where}: {odd[:2]}")
        bad = WRONG_HINT.findall(text)
        hints.require(not bad, f"{where}: {bad}")
    return [raw, style, hints]


SCENARIOS: tuple[Scenario, ...] = (
    anonymize_database,
    anonymize_files,
    doctor,
    selection,
    diffs,
    fail_on,
    missing_path,
    empty_csv,
    quiet,
    policy_check,
    reports,
    readme_deanonymize,
    static_docs,
)


# -- main --------------------------------------------------------------------------------
def guarded(scenario: Scenario, r: Replay) -> list[Check]:
    """A scenario's checks, or one FAIL naming the exception it raised."""
    try:
        return scenario(r)
    except Exception:  # a broken scenario is a failed check, and the others still run
        check = Check(f"error.{scenario.__name__}", "-", f"{scenario.__name__} raised")
        check.problems.append(traceback.format_exc(limit=4).replace("\n", " | "))
        return [check]


def replay(r: Replay, jobs: int, emit: Callable[[Check], None]) -> list[Check]:
    checks: list[Check] = []

    def add(found: Iterable[Check]) -> None:
        for check in found:
            checks.append(check)
            emit(check)

    add([r.make_clone()])
    add([r.install()])
    if not all(c.ok for c in checks):
        return checks
    r.demo.parent.mkdir(parents=True, exist_ok=True)
    add(guarded(demo_scan, r))
    if not (r.demo / "inventory.json").is_file():
        return checks
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for found in pool.map(lambda s: guarded(s, r), SCENARIOS):
            add(found)
    add(output_checks(r))
    return checks


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Replay issue 18 end to end on a fresh clone of this repository."
    )
    parser.add_argument(
        "--model",
        type=Path,
        metavar="PATH",
        help="a spaCy model directory: replay with it (PIISCAN_SPACY_MODEL)",
    )
    parser.add_argument(
        "--deps",
        choices=("reuse", "install"),
        default="reuse",
        help="reuse: third-party packages of this interpreter, `pip install "
        "--no-deps .` (default); install: a full `pip install .`",
    )
    parser.add_argument(
        "--work",
        type=Path,
        metavar="DIR",
        help="an empty or new folder to work in [default: a temporary one]",
    )
    parser.add_argument("--keep", action="store_true", help="keep WORK for inspection")
    parser.add_argument(
        "--jobs", type=int, default=2, metavar="N", help="scenarios run at once [default: 2]"
    )
    parser.add_argument(
        "--timings", action="store_true", help="list the slowest commands on stderr at the end"
    )
    args = parser.parse_args(argv)
    if args.model is not None:
        args.model = args.model.resolve()
        if not (args.model / "meta.json").is_file():
            parser.error(f"--model {args.model}: not a spaCy model directory (no meta.json)")
    if args.work is not None and args.work.exists() and any(args.work.iterdir()):
        parser.error(f"--work {args.work}: not empty")
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    return args


def check_interpreter(deps: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 (run by any python3, before set-up)
        raise UsageError("needs Python 3.11 or newer (piiscan's own minimum)")
    if deps == "reuse":
        missing = []
        for name in RUNTIME_IMPORTS:
            try:
                __import__(name)
            except ImportError:
                missing.append(name)
        if missing:
            raise UsageError(
                f"--deps reuse needs an interpreter with piiscan's dependencies (missing: "
                f"{', '.join(missing)}): run it with .venv/bin/python, or pass --deps install"
            )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        check_interpreter(args.deps)
        git_files(ROOT)
    except UsageError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    work = (args.work or Path(tempfile.mkdtemp(prefix="piiscan-replay18-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    r = Replay(work, args.model, args.deps)
    start = time.monotonic()
    mode = f"model {r.model_label}" if args.model else "rule-only (no model)"
    print(f"replaying issue 18 on a fresh clone in {work} ({mode}, deps {args.deps})", flush=True)
    try:
        checks = replay(r, args.jobs, lambda c: print(c.line(), flush=True))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if args.timings:
        for secs, command in sorted(r.timings, reverse=True)[:20]:
            print(f"{secs:6.1f} s  {textwrap.shorten(command, 150)}", file=sys.stderr)
    failed = [c for c in checks if not c.ok]
    kept = f"; kept {work}" if args.keep else ""
    print(
        f"issue 18 replay ({mode}): {len(checks)} checks, {len(checks) - len(failed)} passed, "
        f"{len(failed)} failed in {time.monotonic() - start:.0f} s{kept}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
