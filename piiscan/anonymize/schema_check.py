"""The verification reads a database copy's schema too, not only its rows.

Values hide in DDL: a CHECK constraint's literal (``CHECK (ssn <> '219-73-4001')``), a
column default, a comment, a view's or a trigger's SQL, an enum label. The copier does
not carry them over (see :mod:`piiscan.anonymize.sql_copy`); :func:`schema_leaks` checks
that the copy's schema indeed holds none, by running the detectors over each of these
texts. Table and column names are values the scanner itself reads (see
:mod:`piiscan.name_scan`), so they are not read again here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from piiscan.connectors.sql import SYSTEM_SCHEMAS, create_readonly_engine, dispose_engine
from piiscan.model import Span
from piiscan.policy import Policy, level_rank

if TYPE_CHECKING:
    from sqlalchemy.dialects.postgresql.base import PGInspector

Analyze = Callable[[list[str], "str | None"], list[list[Span]]]


def schema_texts(url: str) -> Iterator[tuple[str, str, str]]:
    """``(asset, what, text)`` for every piece of a database's schema that can hold a
    value: check constraints, column defaults and comments, table comments, view
    definitions, triggers (SQLite) and enum labels (PostgreSQL)."""
    engine = create_readonly_engine(url)
    try:
        with engine.connect() as conn:
            yield from _texts(conn)
    finally:
        dispose_engine(engine)


def _schemas(inspector: Any, dialect: str) -> list[str | None]:
    if dialect == "sqlite":
        return [None]
    names = inspector.get_schema_names()
    return [
        s for s in names if s not in SYSTEM_SCHEMAS and not s.startswith(("pg_toast", "pg_temp"))
    ]


def _texts(conn: sa.Connection) -> Iterator[tuple[str, str, str]]:
    inspector = sa.inspect(conn)
    dialect = conn.dialect.name
    default = conn.dialect.default_schema_name
    for schema in _schemas(inspector, dialect):
        prefix = "" if schema in (None, default) else f"{schema}."
        for table in inspector.get_table_names(schema=schema):
            asset = prefix + table
            with contextlib.suppress(NotImplementedError):
                for check in inspector.get_check_constraints(table, schema=schema):
                    yield asset, "check constraint", str(check.get("sqltext") or "")
            for column in inspector.get_columns(table, schema=schema):
                if column.get("default") is not None:
                    yield asset, "column default", str(column["default"])
                if column.get("comment"):
                    yield asset, "column comment", str(column["comment"])
            if conn.dialect.supports_comments:
                comment = inspector.get_table_comment(table, schema=schema).get("text")
                if comment:
                    yield asset, "table comment", str(comment)
        for view in inspector.get_view_names(schema=schema):
            yield (
                prefix + view,
                "view definition",
                str(inspector.get_view_definition(view, schema=schema) or ""),
            )
        if dialect == "postgresql":
            for enum in cast("PGInspector", inspector).get_enums(schema=schema or "*"):
                yield prefix + enum["name"], "enum labels", "\n".join(enum["labels"])
    if dialect == "sqlite":
        for name, sql in conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
        ):
            yield name, "trigger", sql or ""


def schema_leaks(
    url: str, analyze: Analyze, policy: Policy, level: str, min_score: float
) -> tuple[list[dict[str, Any]], list[str]]:
    """Leaks (as :class:`~piiscan.anonymize.runner.Verification` lists them, ``field``
    ``(schema)`` and the kind of DDL in ``notes``, never the text) and errors."""
    try:
        pieces = [(a, w, t) for a, w, t in schema_texts(url) if t.strip()]
    except SQLAlchemyError as exc:
        return [], [f"cannot read the copy's schema: {type(exc).__name__}"]
    leaks: dict[tuple[str, str], set[str]] = {}
    found = analyze([t for _, _, t in pieces], None) if pieces else []
    for (asset, what, _), spans in zip(pieces, found, strict=True):
        for s in spans:
            rule = policy.rule(s.entity_type)
            if s.reserved or s.score < min_score or rule is None or not rule.categories:
                continue
            if level_rank(rule.level) >= level_rank(level):
                leaks.setdefault((asset, what), set()).add(s.entity_type)
    out = [
        {
            "asset": asset,
            "field": "(schema)",
            "sensitivity": max((policy.rule(e).level for e in types), key=level_rank),  # type: ignore[union-attr]
            "entities": sorted(types),
            "operator": None,
            "notes": [f"{what} holds personal data"],
        }
        for (asset, what), types in sorted(leaks.items())
    ]
    return out, []
