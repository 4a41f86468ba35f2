"""Copy a database into a de-identified database: same tables, keys and row counts.

``copy_database(source, target, transformer)`` reflects every table of the source
(opened read-only), creates the same tables in the target (column names, nullability,
primary, unique and foreign keys, indexes), then streams each table in primary-key order
through the transformer, one Arrow batch at a time, so memory is bounded by
``batch_rows``, not by the table.

Types: within one dialect the reflected type is kept exactly; across dialects it becomes
``type.as_generic()``, with a recorded fallback (JSON, BLOB or TEXT) where that does not
exist or does not compile on the target (PostgreSQL ``ARRAY`` → JSON, ``INET`` → TEXT).
A PostgreSQL schema other than the default one becomes a ``schema__table`` prefix in a
SQLite target. Column defaults, sequences, identities, triggers and views are not copied
(views are listed as skipped); check constraints only within one dialect, and only when
their text holds no literal (``CHECK (ssn <> '219-…')`` would carry a value into the
copy's schema). Binary values piiscan cannot examine (images, documents: not text, longer
than a key or a hash) are written as NULL and counted in the table's notes; text in
binary cells goes through the transformer like any text.

Safety:

* the source is never written: it is opened with
  :func:`piiscan.connectors.sql.create_readonly_engine`, and a target that is the
  source (same file, or same host, port and database) is refused;
* all or nothing: a SQLite target is built in ``.<name>.tmp-<pid>-XXXX`` next to it and
  moved into place with :func:`os.replace` only when complete (a temporary that a killed
  run left is removed by the next run, see :mod:`piiscan.anonymize.temps`); any other
  target is written in one transaction (DDL is transactional on PostgreSQL; other
  dialects: best effort).
  An existing target (file, or any table to be created) is refused unless ``overwrite``;
* a batch the transformer rejects is retried row by row; rows that still fail, to
  transform or to insert, are counted and located in the table's notes by their
  position in primary-key order (never by value), and the table is reported
  ``failed``. Row counts of both sides are compared at the end.

What aborts the whole copy (and leaves no target): a :class:`~piiscan.errors.PiiscanError`
or a ``BaseException`` such as ``KeyboardInterrupt`` from the transformer, or an
error of the database connections themselves.

This module runs the copy (create the target, copy each table, complete the schema,
publish); the pieces are :mod:`~piiscan.anonymize.sql_engines` (which database a URL
names, the target's engine), :mod:`~piiscan.anonymize.sql_columns` (how a column's values
and type travel), :mod:`~piiscan.anonymize.sql_schema` (the source's tables and their
twins) and :mod:`~piiscan.anonymize.sql_table_copy` (one table streamed through the
transformer).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.schema import AddConstraint, CreateIndex, CreateSchema, CreateTable

from piiscan.anonymize.contracts import CopyReport, RecordTransformer, RowsCopied
from piiscan.anonymize.sql_engines import (
    parse_url,
    same_database,
    same_postgres_database,
    sqlite_engine,
    sqlite_path,
    target_engine,
)
from piiscan.anonymize.sql_schema import SchemaBuilder, TablePlan, reflect_tables
from piiscan.anonymize.sql_table_copy import TableCopier, copy_table
from piiscan.anonymize.temps import remove_stale_temps, temp_prefix
from piiscan.config import DEFAULT_LOCK_TIMEOUT, DEFAULT_STATEMENT_TIMEOUT
from piiscan.connectors.sql import (
    create_readonly_engine,
    dispose_engine,
    error_line,
    sqlite_changed,
)
from piiscan.errors import SourceError, UsageError
from piiscan.masking import mask_url, url_secrets


def _describe(exc: BaseException, secrets_: list[str]) -> str:
    """The driver's message of a database error, its quoted values masked
    (:func:`~piiscan.connectors.sql.error_line`); only the type of anything else (whose
    message may quote a value)."""
    if isinstance(exc, sa.exc.DBAPIError):
        return error_line(exc, secrets_)
    orig = getattr(exc, "orig", None) or exc
    return f"{type(orig).__name__} (message withheld: it may quote a value)"


def _count(conn: Connection, table: sa.Table) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0)


def _copy_tables(
    source: Connection,
    target: Connection,
    plans: list[TablePlan],
    transformer: RecordTransformer,
    batch_rows: int,
    on_progress: RowsCopied | None,
    source_url: str,
) -> None:
    for plan in plans:
        args = (source, target, plan, transformer, batch_rows, on_progress)
        try:
            try:
                copier = copy_table(*args, raw=False)
            except (ValueError, TypeError, OverflowError):  # a stored value SQLAlchemy
                copier = copy_table(*args, raw=True)  # cannot parse as its declared type
                plan.copy.notes.append(
                    "values that do not parse as their declared type: table read and "
                    "written as stored, without type conversion"
                )
            rows_in = _count(source, plan.source)
        except (SQLAlchemyError, ValueError, TypeError, OverflowError) as exc:
            raise SourceError(
                f"cannot copy table {plan.asset} of {mask_url(source_url)}: "
                f"{_describe(exc, url_secrets(source_url))}"
            ) from None
        if sqlite_changed(source.engine):
            raise SourceError(
                f"cannot copy {mask_url(source_url)}: the SQLite file changed while it was "
                "read (another process wrote to it); run the copy again"
            )
        _finish(plan, copier, rows_in, _count(target, plan.target))


def _finish(plan: TablePlan, copier: TableCopier, rows_in: int, rows_out: int) -> None:
    copy, read, mixed = plan.copy, copier.read, copier.mixed
    copy.rows_in, copy.rows_out = rows_in, rows_out
    for name, kinds in sorted(copier.withheld.items()):
        shown = ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items()))
        copy.notes.append(
            f"column {name!r}: {sum(kinds.values())} binary value(s) not copied, written as "
            f"NULL ({shown}): piiscan cannot examine them"
        )
    for name, n in sorted(copier.short.items()):
        copy.notes.append(
            f"column {name!r}: {n} short binary value(s) (keys or hashes) copied unexamined"
        )
    if mixed:
        copy.notes.append(
            "values of unexpected types passed as inferred or text Arrow "
            "columns: " + ", ".join(sorted(mixed))
        )
    if copier.failed:
        copy.status = "failed"
        copy.reason = f"{copier.failed} row(s) not copied"
        copy.notes += copier.failures
        if copier.failed > len(copier.failures):
            copy.notes.append(f"... and {copier.failed - len(copier.failures)} more row(s)")
    if read != rows_in:
        copy.notes.append(
            f"{read} rows read but the source counts {rows_in} (source changed during the copy?)"
        )
    if rows_out != read - copier.failed:
        copy.status = "failed"
        copy.reason = copy.reason or "row count mismatch"
        copy.notes.append(
            f"row count mismatch: {read} read, {copier.failed} failed, {rows_out} in the target"
        )


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _existing(conn: Connection, tables: list[sa.Table]) -> list[sa.Table]:
    inspector = sa.inspect(conn)
    return [t for t in tables if inspector.has_table(t.name, schema=t.schema)]


def _create(
    conn: Connection, builder: SchemaBuilder, plans: list[TablePlan], overwrite: bool
) -> None:
    tables = [p.target for p in plans]
    existing = _existing(conn, tables)
    if existing and not overwrite:
        shown = ", ".join(t.fullname for t in existing[:5])
        raise UsageError(
            f"the target already has table(s) {shown}"
            f"{' …' if len(existing) > 5 else ''}; pass --overwrite to replace them"
        )
    if existing:  # dropped as they are (their own constraint names), in dependency order
        present = sa.MetaData()
        old = [sa.Table(t.name, present, schema=t.schema, autoload_with=conn) for t in existing]
        present.drop_all(conn, tables=old)
    for schema in sorted({t.schema for t in tables if t.schema}):
        conn.execute(CreateSchema(schema, if_not_exists=True))
    for plan in plans:
        if builder.same:
            for column in plan.target.columns:
                if isinstance(column.type, sa.types.SchemaType) and hasattr(column.type, "create"):
                    column.type.create(conn, checkfirst=True)
        conn.execute(
            CreateTable(
                plan.target,
                include_foreign_key_constraints=(None if conn.dialect.name == "sqlite" else []),
            )
        )


def _complete(conn: Connection, plans: list[TablePlan]) -> None:
    """After the load: indexes, late foreign keys, and (SQLite) a foreign-key check."""
    for plan in plans:
        for index in sorted(plan.target.indexes, key=lambda i: str(i.name)):
            conn.execute(CreateIndex(index))
    for plan in plans:
        for fk in plan.late_fks:
            conn.execute(AddConstraint(fk))
    if conn.dialect.name == "sqlite":
        by_name = {p.target.name: p for p in plans}
        broken: dict[str, int] = {}
        for row in conn.exec_driver_sql("PRAGMA foreign_key_check"):
            broken[row[0]] = broken.get(row[0], 0) + 1
        for name, count in broken.items():
            if name in by_name:
                by_name[name].copy.notes.append(
                    f"{count} row(s) violate a foreign key in the target"
                )


def _run(
    source: Engine,
    target: Engine,
    default_schema: str,
    include: Sequence[str],
    exclude: Sequence[str],
    transformer: RecordTransformer,
    batch_rows: int,
    overwrite: bool,
    on_progress: RowsCopied | None,
    source_url: str,
) -> CopyReport:
    report = CopyReport()
    with source.connect() as src:
        if src.dialect.name == "postgresql":  # one snapshot: foreign keys stay consistent
            src = src.execution_options(isolation_level="REPEATABLE READ")
        tables, skipped = reflect_tables(src, default_schema, include, exclude)
        builder = SchemaBuilder(src.dialect, target.dialect, default_schema)
        builder.reserve([t for t, _ in tables])
        plans = [builder.table(t, asset) for t, asset in tables]
        twins = {p.source: p.target for p in plans}
        for plan in plans:
            builder.foreign_keys(plan, twins)
        with target.connect() as tgt, tgt.begin():
            _create(tgt, builder, plans, overwrite)
            _copy_tables(src, tgt, plans, transformer, batch_rows, on_progress, source_url)
            _complete(tgt, plans)
    report.assets = [p.copy for p in plans] + skipped
    return report


def copy_database(
    source_url: str,
    target_url: str,
    transformer: RecordTransformer,
    *,
    batch_rows: int = 5000,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    overwrite: bool = False,
    on_progress: RowsCopied | None = None,
    statement_timeout: float = DEFAULT_STATEMENT_TIMEOUT,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
) -> CopyReport:
    """Copy every table of ``source_url`` into ``target_url`` through ``transformer``.

    ``include``/``exclude`` are the scanner's patterns (:mod:`piiscan.selection`): a table
    is copied when they select it or one of its columns (``customers``, ``crm.*``).
    ``on_progress(asset, rows_read)`` is called after each batch. Raises UsageError (bad
    or identical URLs, existing target) and SourceError (a database that cannot be read
    or written); messages mask credentials. A target that is the source database is
    refused whatever the URLs say (same SQLite file by inode; same PostgreSQL server and
    database, see :func:`~piiscan.anonymize.sql_engines.same_postgres_database`), before
    anything is written.
    ``statement_timeout`` and ``lock_timeout`` (seconds, 0: none) bound the source's
    statements and the target's lock waits (PostgreSQL).
    """
    source, target = parse_url(source_url, "source"), parse_url(target_url, "target")
    if same_database(source, target):
        raise UsageError(
            f"the target {mask_url(target_url)} is the source database; choose another target"
        )
    target_path = sqlite_path(target)
    if target_path is not None and target_path.exists() and not overwrite:
        raise UsageError(
            f"the target file {target_path} already exists; pass --overwrite to replace it"
        )
    src_engine = create_readonly_engine(
        source_url, statement_timeout=statement_timeout, lock_timeout=lock_timeout
    )
    secrets_ = url_secrets(source_url) + url_secrets(target_url)
    tmp: Path | None = None
    try:
        with src_engine.connect() as conn:
            default_schema = conn.dialect.default_schema_name or "main"
        if target_path is not None:
            if not target_path.parent.is_dir():
                raise UsageError(f"no such directory for the target: {target_path.parent}")
            remove_stale_temps(target_path)  # left by a run that was killed
            fd, name = tempfile.mkstemp(prefix=temp_prefix(target_path), dir=target_path.parent)
            os.close(fd)
            tmp = Path(name)
            tgt_engine = sqlite_engine(target, tmp, target_url)
        else:
            tgt_engine = target_engine(target, target_url, lock_timeout)
        try:
            if same_postgres_database(src_engine, tgt_engine):
                raise UsageError(
                    f"the target {mask_url(target_url)} is the source database (the same "
                    "server and database under another address); choose another target"
                )
            report = _run(
                src_engine,
                tgt_engine,
                default_schema,
                include,
                exclude,
                transformer,
                max(1, batch_rows),
                overwrite,
                on_progress,
                source_url,
            )
        finally:
            tgt_engine.dispose()
        if tmp is not None and target_path is not None:
            _fsync(tmp)
            os.replace(tmp, target_path)
            tmp = None
        return report
    except SQLAlchemyError as exc:
        raise SourceError(
            f"cannot copy {mask_url(source_url)} to {mask_url(target_url)}: "
            f"{_describe(exc, secrets_)}"
        ) from None
    finally:
        dispose_engine(src_engine)
        if tmp is not None:
            for leftover in (tmp, Path(f"{tmp}-journal"), Path(f"{tmp}-wal")):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
