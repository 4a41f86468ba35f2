"""The source's tables and their twins in the target.

:func:`reflect_tables` lists the tables to copy (include/exclude applied, in load order:
referred tables first) and the relations skipped (views, excluded tables);
:class:`SchemaBuilder` declares each table again in the target: column names,
nullability, primary, unique and foreign keys, indexes; within one dialect the exact
types and the check constraints whose text holds no literal value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from piiscan.anonymize.contracts import AssetCopy
from piiscan.anonymize.sql_columns import CopyColumn, Undeclared, plan_column, portable_type
from piiscan.connectors.sql import SYSTEM_SCHEMAS
from piiscan.selection import Selection


def _selected(
    selection: Selection, inspector: Any, schema: str | None, default: str, table: str
) -> bool:
    """Whether the scanner's patterns (:mod:`piiscan.selection`) select the table or one
    of its columns."""
    parts = (schema or default, table)
    choice = selection.asset(parts)
    if choice != "some":
        return choice == "all"
    return any(
        selection.field(parts, c["name"]) for c in inspector.get_columns(table, schema=schema)
    )


@dataclass
class TablePlan:
    """One source table and its twin in the target."""

    source: sa.Table
    target: sa.Table
    asset: str
    columns: list[CopyColumn]
    copy: AssetCopy
    late_fks: list[sa.ForeignKeyConstraint] = field(default_factory=list)


class SchemaBuilder:
    """Target tables for reflected source tables (see the module docstring for the rules)."""

    def __init__(
        self, source_dialect: sa.Dialect, target_dialect: sa.Dialect, default_schema: str
    ) -> None:
        self.same = source_dialect.name == target_dialect.name
        self.dialect = target_dialect
        self.source_dialect = source_dialect
        self.default_schema = default_schema
        self.schemas_allowed = target_dialect.name != "sqlite"
        self.metadata = sa.MetaData()
        self.index_names: set[tuple[str | None, str]] = set()
        self.taken: set[str] = set()

    def reserve(self, tables: Sequence[sa.Table]) -> None:
        """Keep the names of default-schema tables away from flattened ones."""
        self.taken |= {t.name for t in tables if self.place(t)[2] is None}

    def place(self, table: sa.Table) -> tuple[str | None, str, str | None]:
        """Target schema and table name, plus a note when the name changed."""
        schema = table.schema
        if schema is None or schema == self.default_schema:
            return None, table.name, None
        if self.schemas_allowed:
            return schema, table.name, None
        flat = f"{schema}__{table.name}"
        while flat in self.taken:
            flat += "_"
        return None, flat, f"written as table {flat!r} (the target has no schemas)"

    def table(self, source: sa.Table, asset: str) -> TablePlan:
        schema, name, renamed = self.place(source)
        if renamed:
            self.taken.add(name)
        copy = AssetCopy(asset=asset)
        if renamed:
            copy.notes.append(renamed)
        columns = [plan_column(c) for c in source.columns]
        target_columns = []
        dropped_defaults = []
        for column, plan in zip(source.columns, columns, strict=True):
            sql_type: Any = column.type
            if self.same and isinstance(sql_type, sa.types.NullType):
                sql_type = Undeclared()
            elif not self.same:
                sql_type, note = portable_type(
                    column.type, plan.kind, self.source_dialect, self.dialect
                )
                if note:
                    copy.notes.append(f"column {column.name!r}: type {note}")
            if column.server_default is not None or column.identity is not None:
                dropped_defaults.append(column.name)
            target_columns.append(
                sa.Column(column.name, sql_type, nullable=column.nullable, autoincrement=False)
            )
        if dropped_defaults:
            copy.notes.append("column defaults not copied: " + ", ".join(dropped_defaults))
        target = sa.Table(name, self.metadata, *target_columns, schema=schema)
        pk = source.primary_key
        if pk.columns:
            target.append_constraint(
                sa.PrimaryKeyConstraint(
                    *(c.name for c in pk.columns),
                    name=cast("str | None", pk.name) if self.same else None,
                )
            )
        self._constraints(source, target, copy)
        return TablePlan(source, target, asset, columns, copy)

    def _constraints(self, source: sa.Table, target: sa.Table, copy: AssetCopy) -> None:
        for constraint in source.constraints:
            if isinstance(constraint, sa.UniqueConstraint):
                target.append_constraint(
                    sa.UniqueConstraint(
                        *(c.name for c in constraint.columns),
                        name=constraint.name if self.same else None,
                    )
                )
            elif isinstance(constraint, sa.CheckConstraint):
                if self.same and _holds_literal(str(constraint.sqltext)):
                    copy.notes.append(
                        "check constraint not copied (its text holds literal values, which "
                        f"are not copied into the schema): {constraint.name or 'unnamed'}"
                    )
                elif self.same:
                    target.append_constraint(
                        sa.CheckConstraint(sa.text(str(constraint.sqltext)), name=constraint.name)
                    )
                else:
                    copy.notes.append(
                        "check constraint not copied (other dialect): "
                        f"{constraint.name or 'unnamed'}"
                    )
        for index in sorted(source.indexes, key=lambda i: str(i.name)):
            names = [getattr(e, "name", None) for e in index.expressions]
            if not names or not all(isinstance(e, sa.Column) for e in index.expressions):
                copy.notes.append(f"index not copied (expression): {index.name}")
                continue
            name = str(index.name or f"ix_{target.name}_{'_'.join(map(str, names))}")
            if (target.schema, name.lower()) in self.index_names:
                name = f"{target.name}__{name}"
                copy.notes.append(f"index {index.name} renamed {name!r} (name taken)")
            self.index_names.add((target.schema, name.lower()))
            sa.Index(name, *(target.c[str(n)] for n in names), unique=index.unique)

    def foreign_keys(self, plan: TablePlan, twins: dict[sa.Table, sa.Table]) -> None:
        """Foreign keys between copied tables; late (added after the load) except on
        SQLite, which cannot add them later and does not enforce them while loading."""
        for fk in sorted(plan.source.foreign_key_constraints, key=lambda f: str(f.name)):
            source_table = _referred(fk)
            referred = None if source_table is None else twins.get(source_table)
            if referred is None:
                name = fk.elements[0].target_fullname.rpartition(".")[0]
                plan.copy.notes.append(f"foreign key to {name} not copied (table not copied)")
                continue
            target_fk = sa.ForeignKeyConstraint(
                [e.parent.name for e in fk.elements],
                [referred.c[e.column.name] for e in fk.elements],
                name=fk.name,
                onupdate=fk.onupdate,
                ondelete=fk.ondelete,
                deferrable=fk.deferrable,
                initially=fk.initially,
            )
            plan.target.append_constraint(target_fk)
            if self.dialect.name != "sqlite":
                plan.late_fks.append(target_fk)


#: A quoted string, or a number of four digits or more, in a constraint's SQL text.
_LITERAL = re.compile(r"'(?:[^']|'')*'|\$\w*\$|(?<![\w.])\d[\d_]{3,}")


def _holds_literal(sql: str) -> bool:
    """Whether SQL text (a CHECK constraint) holds a literal that could be a value: a
    string, or a number of four digits or more (``CHECK (ssn <> '219-73-4001')``)."""
    return bool(_LITERAL.search(sql))


def _referred(fk: sa.ForeignKeyConstraint) -> sa.Table | None:
    """The table a foreign key points to, None when it was not reflected."""
    try:
        return fk.referred_table
    except sa.exc.NoReferenceError:
        return None


def _source_schemas(conn: Connection, default_schema: str) -> list[str | None]:
    if conn.dialect.name == "sqlite":
        return [None]
    names = sa.inspect(conn).get_schema_names()
    others = sorted(
        s
        for s in names
        if s != default_schema
        and s not in SYSTEM_SCHEMAS
        and not s.startswith(("pg_toast", "pg_temp"))
    )
    return [None, *others]


def reflect_tables(
    conn: Connection, default_schema: str, include: Sequence[str], exclude: Sequence[str]
) -> tuple[list[tuple[sa.Table, str]], list[AssetCopy]]:
    """Tables to copy (with their scanner names, in load order) and skipped relations."""
    metadata = sa.MetaData()
    inspector = sa.inspect(conn)
    wanted: list[tuple[str | None, str, str]] = []
    skipped: list[AssetCopy] = []
    selection = Selection(include, exclude)
    for schema in _source_schemas(conn, default_schema):
        prefix = "" if schema is None else f"{schema}."
        for table in inspector.get_table_names(schema=schema):
            asset = prefix + table
            if _selected(selection, inspector, schema, default_schema, table):
                wanted.append((schema, table, asset))
            else:
                skipped.append(AssetCopy(asset, status="skipped", reason="excluded"))
        views = list(inspector.get_view_names(schema=schema))
        if conn.dialect.name == "postgresql":
            views += inspector.get_materialized_view_names(schema=schema)
        skipped += [
            AssetCopy(prefix + v, status="skipped", reason="view: not copied as data")
            for v in sorted(views)
        ]
    by_key: dict[str, str] = {}
    for schema, table, asset in wanted:
        # resolve_fks=False: a foreign key to a missing or excluded table stays unresolved
        reflected = sa.Table(table, metadata, schema=schema, autoload_with=conn, resolve_fks=False)
        by_key[reflected.key] = asset
    ordered = sa.schema.sort_tables_and_constraints(
        [metadata.tables[k] for k in by_key], filter_fn=lambda fk: _referred(fk) is None or None
    )
    tables = [t for t, _ in ordered if t is not None]
    return [(t, by_key[t.key]) for t in tables], skipped
