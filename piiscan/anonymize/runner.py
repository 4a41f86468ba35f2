"""``piiscan anonymize``: scan (or load an inventory), plan, copy, write a manifest, verify.

The library entry points are :func:`anonymize` and :func:`deanonymize`; the CLI in
:mod:`piiscan.commands.anonymize_cmds` is a thin layer over them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyarrow as pa

from piiscan.anonymize.contracts import CopyReport, Say
from piiscan.anonymize.free_text import check_free_text
from piiscan.anonymize.keys import Keyring
from piiscan.anonymize.operators import Operators
from piiscan.anonymize.plan import Plan, build_plan
from piiscan.anonymize.rules import AnonymizationRules
from piiscan.anonymize.transform import PolicyTransformer
from piiscan.config import Config
from piiscan.detection import detection_of
from piiscan.errors import UsageError
from piiscan.masking import mask_url
from piiscan.model import Inventory
from piiscan.name_scan import NAME_FIELD
from piiscan.policy import Policy, level_rank, load_policy
from piiscan.scanning.events import Event
from piiscan.scanning.scanner import Scanner
from piiscan.version import __version__

log = logging.getLogger(__name__)

MANIFEST_VERSION = "1.2"  # 1.2: names_rewritten


@dataclass
class Verification:
    """Result of re-scanning the output, and what the re-scan could see.

    It passes exactly when ``piiscan scan --fail-on LEVEL`` on the copy, with the same
    settings, finds no asset at or above the level and every asset was read: every
    field at or above the level is a leak, whatever operator kept it (a ``generalize``
    that is not coarse enough is a leak too).
    """

    level: str
    leaks: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: The re-scan's detection mode (see :mod:`piiscan.detection`).
    detection: dict[str, Any] = field(default_factory=dict)
    #: Rows read per table (None: every row, ``--verify-full``).
    sampled_rows: int | None = None

    @property
    def passed(self) -> bool:
        return not self.leaks and not self.errors

    @property
    def limits(self) -> list[str]:
        """What the re-scan could not see: its detection mode's limits, and sampling."""
        out = list(self.detection.get("limits", []))
        if self.sampled_rows is not None:
            out.append(f"sampled {self.sampled_rows} rows per table")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "passed": self.passed,
            "leaks": self.leaks,
            "errors": self.errors,
            "detection": self.detection,
            "sampled_rows": self.sampled_rows,
            "limits": self.limits,
        }


@dataclass
class AnonymizeResult:
    manifest: dict[str, Any]
    manifest_path: Path
    report: CopyReport
    verification: Verification | None

    @property
    def exit_code(self) -> int:
        if self.report.failed:
            return 1
        if self.verification is not None and not self.verification.passed:
            return 1
        return 0


def is_database(source: str) -> bool:
    return "://" in source and not source.lower().startswith("file:")


def target_url(target: str) -> str:
    """A database target: a URL, or a bare path meaning a SQLite file."""
    return target if "://" in target else f"sqlite:///{Path(target).expanduser()}"


def default_manifest_path(target: str) -> Path:
    if is_database(target):
        if target.lower().startswith("sqlite:///"):
            return Path(target[len("sqlite:///") :] + ".manifest.json")
        return Path("piiscan-anonymize-manifest.json")
    p = Path(target).expanduser()
    return p.with_name(p.name + ".manifest.json")


def anonymize(
    source: str,
    target: str,
    config: Config,
    keyring: Keyring,
    *,
    inventory: Inventory | None = None,
    policy: Policy | None = None,
    verify_level: str | None = "high",
    verify_full: bool = False,
    allow_rule_only: bool = False,
    overwrite: bool = False,
    realistic_names: bool = False,
    manifest_path: Path | None = None,
    on_event: Callable[[Event], None] | None = None,
    progress: Say | None = None,
) -> AnonymizeResult:
    """Write a de-identified copy of ``source`` to ``target`` and verify it.

    Free text without an NER model that was found (not asked for) is refused before
    anything is written, unless ``allow_rule_only`` (see :mod:`.free_text`).
    ``verify_full`` re-scans every row of the copy, not a sample.
    """
    say = progress or (lambda _msg: None)
    path = manifest_path or default_manifest_path(target)
    _check_directory(path, "manifest")  # fail before the long work, not after it
    if not is_database(target):
        _check_directory(Path(target).expanduser(), "target")
    # Plan on everything that looks personal, reserved/test values included (replacing
    # a test value costs nothing; leaving a real one that looks like a test value would).
    scanner = Scanner(
        replace(config, ignore_reserved=False),
        policy=policy or load_policy(config.policy_path),
        on_event=on_event,
    )
    with scanner:
        # The scanner's policy (the user's, with the detectors' declared types) plans,
        # transforms and verifies, as it judged the scan.
        policy = scanner.policy
        rules = AnonymizationRules(policy)
        shown = scanner.display_source
        if inventory is None:
            say(f"scanning {shown(source)} to plan the transformation")
            inventory = scanner.scan([source])
        _check_inventory(inventory, source, shown(source))
        inventory = check_free_text(inventory, detection_of(scanner.detectors), allow_rule_only)
        plan = build_plan(inventory, rules)
        operators = Operators(keyring, realistic_names=realistic_names)
        transformer = PolicyTransformer(
            plan, rules, operators, scanner.analyze, config.min_score, names=scanner.names
        )
        say(f"writing {shown(target)}")
        report = _copy(source, target, transformer, config, overwrite, on_event, shown)
        verification = None
        if verify_level:
            say(f"verifying {shown(target)} (nothing at {verify_level} or above may remain)")
            verification = verify(
                target, config, policy, plan, verify_level, _renamed(source, target), verify_full
            )
        manifest = build_manifest(
            shown(source), shown(target), policy, keyring, plan, transformer, report, verification,
            inventory,
        )  # fmt: skip
        write_json_atomic(path, manifest)
        return AnonymizeResult(manifest, path, report, verification)


def _check_inventory(inventory: Inventory, source: str, shown: str) -> None:
    """The inventory is of this source (``shown`` as outputs show it), holds something to
    copy, and - for a database - no table or column name holds personal data: the copy
    would keep those names, so it is refused (the names are shown masked)."""
    if inventory.sources and shown not in inventory.sources:
        known = ", ".join(inventory.sources)
        raise UsageError(
            f"the inventory is of {known}, not of {shown}: "
            "scan the source again or pass the matching inventory"
        )
    if not inventory.assets and inventory.errors:
        raise UsageError(
            f"the inventory holds no readable asset of the source ({inventory.errors[0].reason})"
        )
    if is_database(source):
        named = [
            a.asset
            for a in inventory.assets
            if any(f.name == NAME_FIELD and f.status == "personal" for f in a.fields)
        ]
        if named:
            raise UsageError(
                f"table or column names hold personal data in {len(named)} table(s) "
                f"({', '.join(named[:5])}, shown masked): a copy would keep them; rename "
                "them in the source or leave those tables out with --exclude"
            )


class _CopyProgress:
    """Turns the copiers' progress calls into scan-style events for the CLI (asset names
    as the inventory shows them: ``name`` masks the copier's raw names)."""

    def __init__(
        self,
        target: str,
        on_event: Callable[[Event], None] | None,
        name: Callable[[str], str] | None = None,
    ) -> None:
        self.display = target
        self.on_event = on_event or (lambda _e: None)
        self.name = name or (lambda asset: asset)
        self.asset: str | None = None
        self.rows = 0

    def table(self, asset: str, rows_read: int) -> None:
        asset = self.name(asset)
        if asset != self.asset:
            self.on_event(Event("asset", self.display, asset))
            self.asset, self.rows = asset, 0
        self.on_event(Event("rows", self.display, asset, rows=rows_read - self.rows))
        self.rows = rows_read

    def file(self, copy: Any) -> None:
        asset = self.name(copy.asset)
        self.on_event(Event("asset", self.display, asset))
        self.on_event(Event("rows", self.display, asset, rows=copy.rows_out))


def _copy(
    source: str,
    target: str,
    transformer: Any,
    config: Config,
    overwrite: bool,
    on_event: Callable[[Event], None] | None = None,
    shown: Callable[[str], str] = mask_url,
) -> CopyReport:
    progress = _CopyProgress(shown(target), on_event, getattr(transformer, "asset_name", None))
    if is_database(source):
        from piiscan.anonymize.sql_copy import copy_database

        return copy_database(
            source,
            target_url(target),
            transformer,
            batch_rows=config.batch_rows,
            overwrite=overwrite,
            on_progress=progress.table,
            statement_timeout=config.statement_timeout,
            lock_timeout=config.lock_timeout,
        )
    if is_database(target):
        raise UsageError("a file source is copied to a directory or file path, not a database")
    from piiscan.anonymize.file_copy import copy_tree
    from piiscan.connectors.files import source_path

    return copy_tree(
        source_path(source),
        Path(target).expanduser(),
        transformer,
        batch_rows=config.batch_rows,
        on_progress=progress.file,
        overwrite=overwrite,
    )


def _renamed(source: str, target: str) -> dict[str, str]:
    """Target asset name → source asset name, where a single file was copied under a new name."""
    if is_database(source):
        return {}
    src, dst = Path(source).expanduser(), Path(target).expanduser()
    return {dst.name: src.name} if src.is_file() else {}


def verify(
    target: str,
    config: Config,
    policy: Policy,
    plan: Plan,
    level: str,
    renamed: dict[str, str] | None = None,
    full: bool = False,
) -> Verification:
    """Re-scan ``target`` (reserved/test values count as non-real) and list what remains:
    every field at or above ``level`` (with the operator that kept it), and an asset
    raised to it by quasi-identifiers; for a database, also what its schema holds (check
    constraints, defaults, comments, views: :mod:`.schema_check`). ``full`` reads every
    row, not a sample."""
    cfg = replace(config, ignore_reserved=True, state_path=None, full=config.full or full)
    source = target_url(target) if is_database(target) or _is_sqlite_file(target) else target
    with Scanner(cfg, policy=policy) as rescanner:
        inventory = rescanner.scan([source])
        result = Verification(
            level,
            detection=dict(inventory.detection),
            sampled_rows=None if cfg.full else cfg.sample_rows,
        )
        result.errors = [e.reason for e in inventory.errors]
        if is_database(source):  # values hidden in the copy's DDL (CHECK literals, defaults…)
            from piiscan.anonymize.schema_check import schema_leaks

            leaks, errors = schema_leaks(source, rescanner.analyze, policy, level, cfg.min_score)
            result.leaks += leaks
            result.errors += errors
    operators = {(fp.asset, fp.field): fp.spec.name for fp in plan}
    for asset in inventory.assets:
        if level_rank(asset.sensitivity) < level_rank(level):
            continue
        before = len(result.leaks)
        for f in asset.fields:
            if level_rank(f.sensitivity) < level_rank(level):
                continue
            op = operators.get(((renamed or {}).get(asset.asset, asset.asset), f.name))
            result.leaks.append(
                {
                    "asset": asset.asset,
                    "field": f.name,
                    "sensitivity": f.sensitivity,
                    "entities": sorted(e.type for e in f.entities),
                    "operator": op,
                }
            )
        if len(result.leaks) == before:  # raised by a combination, no field on its own
            result.leaks.append(
                {
                    "asset": asset.asset,
                    "field": None,
                    "sensitivity": asset.sensitivity,
                    "entities": sorted({e.type for f in asset.fields for e in f.entities}),
                    "operator": None,
                    "notes": [n for n in asset.notes if n.startswith("raised to")],
                }
            )
    return result


def _is_sqlite_file(target: str) -> bool:
    """A path naming a SQLite file: by its first bytes when it exists, else its suffix."""
    path = Path(target).expanduser()
    if path.is_file():
        try:
            with path.open("rb") as fh:
                return fh.read(16) == b"SQLite format 3\x00"
        except OSError:
            pass
    return path.suffix.lower() in (".db", ".sqlite", ".sqlite3")


def build_manifest(
    source: str,
    target: str,
    policy: Policy,
    keyring: Keyring,
    plan: Plan,
    transformer: PolicyTransformer,
    report: CopyReport,
    verification: Verification | None,
    inventory: Inventory,
) -> dict[str, Any]:
    """What was done, with counts only: no values, no key."""
    by_asset: dict[str, list[dict[str, Any]]] = {}
    for fp in plan:
        by_asset.setdefault(fp.asset, []).append(
            {
                "field": fp.field,
                "entity": fp.entity,
                "operator": fp.spec.name,
                "params": dict(fp.spec.params),
                "mode": fp.mode,
                "values_changed": transformer.counts.get((fp.asset, fp.field, fp.spec.name), 0),
                "values_nulled": transformer.nulled.get((fp.asset, fp.field), 0),
            }
        )
    spans: dict[str, dict[str, int]] = {}
    for (asset, _field, entity), n in sorted(transformer.spans.items()):
        spans.setdefault(asset, {})
        spans[asset][entity] = spans[asset].get(entity, 0) + n
    assets = []
    for copy in report.assets:
        name = transformer.asset_name(copy.asset)  # raw from the copier: masked here
        hide = transformer.hide
        assets.append(
            {
                "asset": name,
                "status": copy.status,
                "reason": None if copy.reason is None else hide(copy.reason),
                "rows_in": copy.rows_in,
                "rows_out": copy.rows_out,
                "notes": [hide(n) for n in copy.notes],
                "fields": sorted(by_asset.get(name, []), key=lambda f: f["field"]),
                "text_spans_replaced": spans.get(name, {}),
            }
        )
    return {
        "manifest_version": MANIFEST_VERSION,
        "tool": {"name": "piiscan", "version": __version__},
        "policy": policy.describe(),
        "key_id": keyring.key_id,
        "source": mask_url(source),
        "target": mask_url(target),
        "names_rewritten": {
            "paths": sum(1 for copy in report.assets if copy.renamed),
            "fields": transformer.renamed_fields,
        },
        "created_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "inventory_generated_at": inventory.generated_at,
        "detection": dict(inventory.detection),
        "warnings": list(inventory.warnings),
        "assets": assets,
        "verification": None if verification is None else verification.to_dict(),
    }


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as JSON to ``path`` through a temporary file (never half-written)."""
    tmp = path.with_name(path.name + ".partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise UsageError(f"cannot write manifest {path}: {exc.strerror or exc}") from None


def _check_directory(path: Path, what: str) -> None:
    """UsageError when the directory ``path`` goes into cannot be created."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot write {what} {path}: {exc.strerror or exc}") from None


# -- deanonymize ---------------------------------------------------------------------------
class DecryptTransformer:
    """Reverses the ``encrypt`` operator on the fields a manifest lists."""

    def __init__(self, manifest: dict[str, Any], operators: Operators) -> None:
        self.fields = {
            (a["asset"], f["field"])
            for a in manifest.get("assets", [])
            for f in a.get("fields", [])
            if f.get("operator") == "encrypt" and f.get("mode") == "cell"
        }
        self.operators = operators
        self.counts: dict[tuple[str, str], int] = {}

    def batch(self, asset: str, batch: pa.RecordBatch) -> pa.RecordBatch:
        cols = []
        for name, col in zip(batch.schema.names, batch.columns, strict=True):
            if (asset, name) in self.fields:
                col = pa.array(
                    [self._decrypt(asset, name, v) for v in col.to_pylist()], type=col.type
                )
            cols.append(col)
        return pa.RecordBatch.from_arrays(cols, schema=batch.schema)

    def value(self, asset: str, field: str, value: Any) -> Any:
        return self._decrypt(asset, field, value) if (asset, field) in self.fields else value

    def text(self, asset: str, text: str) -> str:
        return text

    def _decrypt(self, asset: str, field: str, value: Any) -> Any:
        if not isinstance(value, str) or not value:
            return value
        self.counts[(asset, field)] = self.counts.get((asset, field), 0) + 1
        return self.operators.decrypt(value)


def deanonymize(
    source: str,
    target: str,
    manifest_path: Path,
    keyring: Keyring,
    config: Config,
    *,
    overwrite: bool = False,
) -> CopyReport:
    """Copy ``source`` (an anonymized output) to ``target`` with encrypted fields decrypted.

    Only whole cells encrypted by the ``encrypt`` operator are restored; spans encrypted
    inside free text are not located by the manifest and stay as they are.
    """
    try:
        manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read manifest {manifest_path}: {exc}") from None
    if manifest.get("key_id") != keyring.key_id:
        raise UsageError(
            "this key is not the one the data was anonymized with "
            f"(manifest key id {manifest.get('key_id')}, given {keyring.key_id})"
        )
    if not is_database(source) and _is_sqlite_file(source):
        source = target_url(source)  # a bare shop-anon.db, as `anonymize --to` takes it
    transformer = DecryptTransformer(manifest, Operators(keyring))
    if not transformer.fields:
        raise UsageError("the manifest lists no field encrypted with the 'encrypt' operator")
    report = _copy(source, target, transformer, config, overwrite)
    if not any(a.status == "copied" for a in report.assets):
        reasons = "; ".join(sorted({a.reason for a in report.assets if a.reason})) or "no asset"
        raise UsageError(
            f"nothing restored from {mask_url(source)}: it is not a database, a folder or "
            f"a file piiscan copies ({reasons})"
        )
    return report
