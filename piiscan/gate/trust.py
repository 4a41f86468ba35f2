"""What the pre-merge gate trusts: settings, policy and baseline from BASE or from CI.

A branch under review controls every file of its tree, so the gate reads none of its own
inputs from there. The repository's ``piiscan.toml`` / ``.piiscan.toml``, the policy and
detector packs it names and ``.piiscan-baseline.json`` are read as the *trusted commit*
holds them: the tip of BASE (the branch merged into), or HEAD for ``--staged``,
``--worktree`` and ``--all-files`` without BASE. They are written from git's object
store into a temporary folder and loaded from there with the usual safe loaders.

Paths CI gives (``--config``, ``--policy``, ``--baseline``, ``PIISCAN_POLICY``,
``PIISCAN_DETECTOR_PACKS``, ``PIISCAN_SPACY_MODEL``) are trusted as given when they lie
outside the repository. Inside it, a path is read from the trusted commit; one the
trusted commit lacks but git tracks (the change added it) is refused; an untracked one
(made by CI after the checkout) is used as it is. A spaCy model git tracks inside the
repository is refused: loading a model runs its code.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from piiscan.config import DEFAULT_CONFIG_FILES, Config, load_config
from piiscan.errors import ConfigError, UsageError
from piiscan.gate import gitdiff
from piiscan.gate.baseline import DEFAULT_FILE, KEY_ENV, Baseline, load_baseline

_REGULAR = (b"100644", b"100755")
_RULE_ONLY = frozenset({"none", "blank", "rule-only", "rules"})


@dataclass
class Trusted:
    """Reads the gate's inputs from the trusted commit ``rev`` (None: no commit yet)."""

    root: Path
    rev: str | None
    label: str  # the trusted commit as the user named it ("origin/main", "HEAD")
    tmp: Path
    #: Repository-relative paths the gate's inputs come from (files or folders).
    used: set[str] = field(default_factory=lambda: {*DEFAULT_CONFIG_FILES, DEFAULT_FILE})
    #: Temporary path → how messages name it ("piiscan.toml of origin/main").
    names: dict[str, str] = field(default_factory=dict)
    _count: int = 0

    # -- the trusted commit's files ---------------------------------------------------
    def _entry(self, rel: str) -> tuple[bytes, bytes, str] | None:
        """``(mode, type, object id)`` of ``rel`` in the trusted commit, or None."""
        if self.rev is None:
            return None
        parent, _, name = rel.rpartition("/")
        tree = f"{self.rev}:{parent}" if parent else f"{self.rev}^{{tree}}"
        proc = gitdiff.git(self.root, "ls-tree", "-z", tree, check=False)
        for item in proc.stdout.split(b"\0"):
            meta, _, path = item.partition(b"\t")
            if path and os.fsdecode(path) == name:
                mode, kind, oid = meta.split(b" ")
                return mode, kind, oid.decode()
        return None

    def base_file(self, rel: str) -> Path | None:
        """The trusted commit's ``rel`` (a file or folder) written to a temporary path;
        None when that commit does not hold it."""
        entry = self._entry(rel)
        if entry is None:
            return None
        self.used.add(rel)
        mode, kind, oid = entry
        self._count += 1
        dest = self.tmp / str(self._count) / rel.rpartition("/")[2]
        dest.parent.mkdir(parents=True)
        self.names[str(dest)] = f"{rel} of {self.label}"
        if kind == b"tree":
            listing = gitdiff.git(self.root, "ls-tree", "-r", "-z", oid).stdout
            for item in listing.split(b"\0"):
                meta, _, path = item.partition(b"\t")
                if path:
                    m, _, blob = meta.split(b" ")
                    self._write(dest, os.fsdecode(path), m, blob.decode(), rel)
        else:
            self._write(dest.parent, dest.name, mode, oid, rel)
        return dest

    def _write(self, folder: Path, name: str, mode: bytes, oid: str, rel: str) -> None:
        if mode not in _REGULAR:
            raise ConfigError(
                f"{rel} in {self.label} holds {name!r}, which is not a regular file "
                "(a symbolic link or submodule): the gate reads only regular files"
            )
        parts = name.split("/")
        if any(p in ("", ".", "..") for p in parts):
            raise ConfigError(f"{rel} in {self.label}: unusable file name {name!r}")
        target = folder.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(gitdiff.git(self.root, "cat-file", "blob", oid).stdout)

    def _tracked(self, rel: str) -> bool:
        """Whether git tracks ``rel`` (a file, or files below it) or one of its parent
        folders as a file (a symbolic link), in HEAD or in the index."""
        parents = ["/".join(rel.split("/")[:i]) for i in range(1, rel.count("/") + 1)]
        listings = [gitdiff.git(self.root, "ls-files", "-z", "--", rel, *parents, check=False)]
        if gitdiff.has_head(self.root):
            args = ("ls-tree", "-r", "-z", "--name-only", "HEAD", "--", rel, *parents)
            listings.append(gitdiff.git(self.root, *args, check=False))
        names = {os.fsdecode(n) for proc in listings for n in proc.stdout.split(b"\0") if n}
        return any(n == rel or n.startswith(rel + "/") or n in parents for n in names)

    # -- paths given by CI or named by a trusted config ---------------------------------
    def inside(self, path: Path) -> list[str]:
        """``path`` relative to the repository (POSIX) as written and with symbolic links
        resolved; empty when it lies outside."""
        rels: list[str] = []
        for candidate, root in (
            (Path(os.path.abspath(path)), Path(os.path.abspath(self.root))),
            (path.resolve(), self.root.resolve()),
        ):
            try:
                rel = candidate.relative_to(root).as_posix()
            except ValueError:
                continue
            rel = "" if rel == "." else rel
            if rel not in rels:
                rels.append(rel)
        return rels

    def given(self, value: str | os.PathLike[str], anchor: Path, what: str) -> Path:
        """Where to read a given path from (see the module docstring)."""
        path = Path(value).expanduser()
        path = path if path.is_absolute() else anchor / path
        rels = self.inside(path)
        if not rels:
            return path
        if "" in rels:
            raise UsageError(f"{what} {value}: the repository itself, not a file")
        found = self.base_file(rels[0])
        if found is not None:
            return found
        if any(self._tracked(rel) for rel in rels):
            raise UsageError(
                f"{what} {value} is added by the change under review, and the gate does not "
                f"read its settings from the branch it checks: commit it to {self.label} "
                "first, or give a path outside the repository"
            )
        return path

    def check_model(self, spec: str | None, anchors: tuple[Path, ...]) -> None:
        """Refuse a spaCy model that git tracks inside the repository under review."""
        if not spec or spec.strip().lower() in _RULE_ONLY:
            return
        for anchor in anchors:
            path = Path(spec).expanduser()
            path = path if path.is_absolute() else anchor / path
            rels = self.inside(path) if path.exists() else []
            if "" in rels or any(self._tracked(rel) for rel in rels):
                raise UsageError(
                    f"spaCy model {spec}: the gate does not load a model from the "
                    "repository it checks (loading a model runs its code): install it as a "
                    "package (python -m spacy download NAME) or keep it outside the checkout"
                )

    # -- the gate's inputs ----------------------------------------------------------------
    def settings(
        self,
        config: Config | None,
        *,
        config_path: str | None,
        policy_path: str | None,
        spacy_model: str | None,
        env: dict[str, str],
    ) -> Config:
        """The run's :class:`Config`: ``config`` as given (library callers) or read from
        ``config_path`` / the trusted commit's config file, the environment and flags;
        every file it names read from where it can be trusted."""
        cwd = Path.cwd()
        if config is not None:
            if config_path is not None:
                raise UsageError("give either a Config or a config file, not both")
            config = config.with_overrides(policy_path=policy_path, spacy_model=spacy_model)
            anchor = cwd
        else:
            file, anchor = self._config_file(config_path, cwd)
            config = load_config(file, env=env, spacy_model=spacy_model, policy_path=policy_path)
        policy_anchor = cwd if policy_path or env.get("PIISCAN_POLICY") else anchor
        packs_anchor = cwd if env.get("PIISCAN_DETECTOR_PACKS") else anchor
        policy = config.policy_path
        if policy:
            policy = str(self.given(policy, policy_anchor, "policy file"))
        packs = tuple(
            str(self.given(p, packs_anchor, "detector pack")) for p in config.detector_packs
        )
        model = config.spacy_model or env.get("PIISCAN_SPACY_MODEL")
        self.check_model(model, (cwd, anchor))
        return replace(config, policy_path=policy, detector_packs=packs)

    def _config_file(self, config_path: str | None, cwd: Path) -> tuple[Path, Path]:
        """The config file to load and the folder its relative paths start from."""
        if config_path is not None:
            return self.given(config_path, cwd, "config file"), cwd
        for name in DEFAULT_CONFIG_FILES:
            found = self.base_file(name)
            if found is not None:
                return found, self.root
        empty = self.tmp / "no-config.toml"  # never the working directory's piiscan.toml
        empty.write_text("", encoding="utf-8")
        return empty, self.root

    def baseline(self, baseline_path: Path | None, env: dict[str, str]) -> Baseline | None:
        """The baseline given by CI, or the trusted commit's; refused when it is keyed by a
        salt while ``PIISCAN_HASH_KEY`` is configured."""
        if baseline_path is not None:
            where = str(baseline_path)
            found: Path | None = self.given(baseline_path, Path.cwd(), "baseline")
        else:
            where = f"{DEFAULT_FILE} of {self.label}"
            found = self.base_file(DEFAULT_FILE)
        if found is None:
            return None
        baseline = load_baseline(found, label=where)
        if baseline.key_source == "salt" and env.get(KEY_ENV):
            raise ConfigError(
                f"the baseline {where} is keyed by a salt stored in the file, but {KEY_ENV} "
                "is set: anyone can write fingerprints for a salt they can read. Recreate it "
                f"with the key on {self.label}: {KEY_ENV}=... piiscan baseline create, then "
                "commit it"
            )
        return baseline

    def relabel(self, message: str) -> str:
        """``message`` with temporary paths named as the trusted commit's files."""
        for tmp, name in sorted(self.names.items(), key=lambda kv: -len(kv[0])):
            message = message.replace(tmp, name)
        return message

    def notes(self, paths: set[str]) -> list[str]:
        """A note for each of the gate's own inputs among ``paths`` (what the change
        touches): scanned, but not used by this check."""
        own = sorted(
            p for p in paths if any(p == u or p.startswith(u.rstrip("/") + "/") for u in self.used)
        )
        return [
            f"the change edits {p}, one of the gate's own inputs: scanned, but not used by "
            f"this check (settings, policy and baseline come from {self.label} or from CI, "
            "never from the change under review); the edit applies once merged"
            for p in own
        ]


@contextmanager
def trusted(root: Path, rev: str | None, label: str) -> Iterator[Trusted]:
    """A :class:`Trusted` whose temporary folder lives as long as the ``with`` block."""
    with tempfile.TemporaryDirectory(prefix="piiscan-gate-") as tmp:
        yield Trusted(root, rev, label, Path(tmp))
