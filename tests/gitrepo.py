"""Real git repositories in temporary folders, for the pre-merge gate's tests."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

#: Git without the user's or the system's configuration (no signing, no hooks, no pager).
GIT_ENV = {
    **os.environ,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
}


class GitRepo:
    """A work tree built step by step: ``write``, ``commit``, ``branch``, ``stage``…"""

    def __init__(self, path: Path, *, init: bool = True) -> None:
        self.path = path
        if init:
            path.mkdir(parents=True, exist_ok=True)
            self.git("init", "-q", "-b", "main")
            self.git("config", "user.name", "Test User")
            self.git("config", "user.email", "test@example.org")
            self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str) -> str:
        proc = subprocess.run(
            ["git", *args], cwd=self.path, env=GIT_ENV, capture_output=True, text=True
        )
        if proc.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)} failed: {proc.stderr.strip()}")
        return proc.stdout

    def write(self, name: str, content: str | bytes) -> Path:
        path = self.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def stage(self, *names: str) -> None:
        self.git("add", "-A", "--", *(names or (".",)))

    def commit(self, message: str = "change", files: dict[str, str | bytes] | None = None) -> str:
        for name, content in (files or {}).items():
            self.write(name, content)
        self.stage()
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def branch(self, name: str) -> None:
        self.git("checkout", "-q", "-b", name)

    def checkout(self, name: str) -> None:
        self.git("checkout", "-q", name)

    def remove(self, name: str) -> None:
        self.git("rm", "-q", name)

    def move(self, old: str, new: str) -> None:
        (self.path / new).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", old, new)

    @classmethod
    def clone(cls, source: GitRepo, dest: Path, *args: str) -> GitRepo:
        subprocess.run(
            ["git", "clone", "-q", *args, f"file://{source.path}", str(dest)],
            env=GIT_ENV,
            check=True,
            capture_output=True,
        )
        return cls(dest, init=False)
