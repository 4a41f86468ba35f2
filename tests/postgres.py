"""Start and stop a throwaway PostgreSQL cluster for tests (initdb + pg_ctl on 127.0.0.1)."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

USER, PASSWORD, DATABASE = "piiscan", "s3cret-pw", "piiscan_test"


def find_bindir() -> Path | None:
    """The directory holding initdb/pg_ctl: pg_config, PATH, or /usr/lib/postgresql/*/bin."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True,
                                 check=True, timeout=10).stdout.strip()
            candidates.append(Path(out))
        except (OSError, subprocess.SubprocessError):
            pass
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(os.path.realpath(initdb)).parent)
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    for directory in candidates:
        if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file():
            return directory
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class TempPostgres:
    """A cluster in a temporary directory; :meth:`start` returns a psycopg 3 URL."""

    bindir: Path
    port: int = 0
    root: Path | None = None
    url: str = ""

    def _run(self, *args: str, input_: str | None = None) -> str:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, input=input_, timeout=120)
        if done.returncode:
            raise RuntimeError(f"{args[0]} failed: {done.stderr.strip()[-2000:]}")
        return done.stdout

    def start(self) -> str:
        self.root = Path(tempfile.mkdtemp(prefix="piiscan-pg-"))
        os.chmod(self.root, 0o755)
        data = self.root / "data"
        data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            shutil.chown(data, "postgres")
        self.port = free_port()
        self._run("initdb", "-D", str(data), "-U", "postgres", "-A", "trust",
                  "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8",
                  "--locale=C")
        self._run("pg_ctl", "-D", str(data), "-l", str(self.root / "log"), "-w", "-t", "60",
                  "-o", f"-k {self.root} -h 127.0.0.1 -p {self.port}", "start")
        self.psql(f"CREATE USER {USER} PASSWORD '{PASSWORD}';"
                  f"CREATE DATABASE {DATABASE} OWNER {USER};")
        self.url = f"postgresql+psycopg://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{DATABASE}"
        return self.url

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run SQL as the superuser over the Unix socket."""
        return self._run("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.root),
                         "-p", str(self.port), "-U", "postgres", "-d", database,
                         input_=sql)

    def _pg_ctl(self, action: str) -> None:
        assert self.root is not None, "server not started"
        args = ["pg_ctl", "-D", str(self.root / "data"), "-w", "-t", "60"]
        if action == "start":
            args += ["-l", str(self.root / "log"),
                     "-o", f"-k {self.root} -h 127.0.0.1 -p {self.port}"]
        else:
            args += ["-m", "fast"]
        self._run(*args, action)

    def halt(self) -> None:
        """Shut the server down (fast mode: sessions are cut), keeping its data."""
        self._pg_ctl("stop")

    def resume(self) -> None:
        """Start a halted server again on the same port and data directory."""
        self._pg_ctl("start")

    def restart(self) -> None:
        """A real restart: every open session is cut, then the server accepts new ones."""
        self.halt()
        self.resume()

    def stop(self) -> None:
        if self.root is None:
            return
        with contextlib.suppress(RuntimeError, OSError, subprocess.SubprocessError):
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None
