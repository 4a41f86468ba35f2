"""Applies a :class:`~piiscan.anonymize.plan.Plan` to batches, JSON leaves and text lines.

This is the :class:`~piiscan.anonymize.contracts.RecordTransformer` the copiers call.
Whole cells go through the field's operator; free-text cells and text documents are
re-analysed and only the detected spans are replaced. Counts per field and operator
are kept for the manifest; values never are.

Names are values too (:mod:`piiscan.name_scan`): the copiers hand over raw asset and field
names, which are looked up in the plan under the masked names the inventory shows them
by. A field name (JSON key, CSV header cell, Parquet column) that holds personal data is
rewritten with its spans' operators (:meth:`PolicyTransformer.field_name`); a path
component (folder, file) that does is renamed with keyed pseudonym tokens, its extension
kept (:meth:`PolicyTransformer.path`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any

import pyarrow as pa

from piiscan.anonymize.cells import nested_under, transform_cells
from piiscan.anonymize.known_values import KnownValues
from piiscan.anonymize.operators import Operators, OperatorSpec
from piiscan.anonymize.plan import FieldPlan, Plan
from piiscan.anonymize.rules import AnonymizationRules
from piiscan.anonymize.surrogates import entity_token
from piiscan.classification import looks_like_free_text
from piiscan.masking import MASK
from piiscan.model import Span
from piiscan.name_scan import NameScanner, ScannedName

Analyze = Callable[[list[str], "str | None"], list[list[Span]]]

#: Entity types whose value identifies the person a row is about (date-shift subject).
SUBJECT_ENTITIES = ("EMAIL_ADDRESS", "US_SSN", "UK_NINO", "PERSON", "USERNAME", "PHONE_NUMBER")
CACHE_LIMIT = 200_000


class PolicyTransformer:
    """Transforms the data of each asset per the plan; see the module docstring."""

    def __init__(
        self,
        plan: Plan,
        rules: AnonymizationRules,
        operators: Operators,
        analyze: Analyze | None,
        min_score: float = 0.5,
        names: NameScanner | None = None,
    ) -> None:
        self.plan = plan
        self.names = names
        #: Distinct field names rewritten (for the manifest).
        self._renamed_fields: set[str] = set()
        #: Raw names met that hold personal data -> how outputs show them.
        self.hidden: dict[str, str] = {}
        self.rules = rules
        self.operators = operators
        self.analyze = analyze
        self.min_score = min_score
        #: (asset, field, operator) -> values changed; (asset, field) -> values nulled.
        self.counts: Counter[tuple[str, str, str]] = Counter()
        self.nulled: Counter[tuple[str, str]] = Counter()
        self.spans: Counter[tuple[str, str, str]] = Counter()
        self._cache: dict[tuple[str, str, Any], Any] = {}
        self.known = KnownValues()

    # -- names -----------------------------------------------------------------------------
    def asset_name(self, asset: str) -> str:
        """A raw asset name as the inventory (and the plan) shows it."""
        return self._shown(self.names.path(asset)) if self.names else asset

    def _field_key(self, field: str) -> str:
        return self._shown(self.names.field(field)) if self.names else field

    def _shown(self, named: ScannedName) -> str:
        if named.personal:
            self.hidden[named.raw] = named.display
            self.hidden.update(dict.fromkeys(named.secrets, MASK))
        return named.display

    @property
    def renamed_fields(self) -> int:
        """How many distinct field names were rewritten (for the manifest)."""
        return len(self._renamed_fields)

    def hide(self, text: str) -> str:
        """``text`` (a copier's note or reason) with every raw name this transformer met
        that holds personal data replaced by its masked form."""
        for raw in sorted(self.hidden, key=len, reverse=True):
            text = text.replace(raw, self.hidden[raw])
        return text

    def _plans(self, asset: str) -> dict[str, FieldPlan]:
        """The plan of a raw asset name, by raw field name as the copiers give them."""
        plans = self.plan.for_asset(self.asset_name(asset))
        if not plans or self.names is None:
            return plans
        return _RawKeys(plans, self._field_key)

    def path(self, rel: str) -> str:
        """``rel`` (a ``/`` path) with every component that holds personal data renamed:
        each detected span becomes a keyed pseudonym token (``US_SSN_3fa9c2d1e4b5``), the
        rest (extension included) kept."""
        if self.names is None:
            return rel
        named = self.names.path(rel)
        if not named.personal:
            return rel
        self._shown(named)
        return self._rewrite(named, lambda text, s: entity_token(s.entity, self._token(s, text)))

    def field_name(self, asset: str, name: str) -> str:
        """A field name (JSON key, header cell, column) with each span that holds personal
        data replaced by its entity's operator (an empty result becomes ``<ENTITY>``)."""
        if self.names is None:
            return name
        named = self.names.field(name)
        if not named.personal:
            return name
        self._shown(named)

        def operate(text: str, s: Any) -> str:
            spec = self.rules.spec_for(s.entity)
            out = self.operators.apply(text, s.entity, spec) if spec.name != "keep" else text
            out = "" if out is None else str(out)
            return out if out.strip() else f"<{s.entity}>"

        self._renamed_fields.add(name)
        return self._rewrite(named, operate)

    def _token(self, span: Any, text: str) -> str:
        return self.operators._token(span.entity, text, {})

    @staticmethod
    def _rewrite(named: ScannedName, operate: Callable[[str, Any], str]) -> str:
        out, last = [], 0
        for s in sorted(named.spans, key=lambda s: s.start):
            out += [named.raw[last : s.start], operate(named.raw[s.start : s.end], s)]
            last = s.end
        return "".join([*out, named.raw[last:]])

    # -- RecordTransformer ---------------------------------------------------------------
    def batch(self, asset: str, batch: pa.RecordBatch) -> pa.RecordBatch:
        plans = self._plans(asset)
        if not plans or batch.num_rows == 0:
            return batch
        names = batch.schema.names
        subjects = self._subjects(batch, plans)
        columns = []
        for name, column in zip(names, batch.columns, strict=True):
            fp = plans.get(name)
            binary = pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type)
            if nested_under(plans, self._field_key(name)) or (fp is not None and binary):
                columns.append(self._cells(asset, name, column, fp))  # JSON / text in bytes
                continue
            if fp is None or fp.spec.name == "keep":
                columns.append(column)
                continue
            values = column.to_pylist()
            out = self._transform_column(fp, values, subjects)
            columns.append(self._to_array(fp, out, column.type))
        return pa.RecordBatch.from_arrays(columns, schema=batch.schema)

    def _cells(self, asset: str, name: str, column: pa.Array, fp: FieldPlan | None) -> pa.Array:
        """A column whose cells hold JSON (planned by path) or text in binary, cell by cell
        (see :mod:`piiscan.anonymize.cells`)."""
        whole = None
        if fp is not None and fp.spec.name != "keep":
            whole = lambda v: self._transform_column(fp, [v], None)[0]  # noqa: E731
        out = transform_cells(self, asset, name, column.to_pylist(), whole)
        if fp is not None:
            return self._to_array(fp, out, column.type)
        return pa.array(out, type=column.type)  # JSON text back into a text column

    def value(self, asset: str, field: str, value: Any) -> Any:
        fp = self._plans(asset).get(field)
        if fp is None or value is None:
            if isinstance(value, str) and self.asset_name(asset) in self.plan.text_assets:
                return self.text(asset, value)
            return value
        return self._transform_column(fp, [value], None)[0]

    def text(self, asset: str, text: str) -> str:
        return self._texts(self.asset_name(asset), "(text)", [text], None)[0]

    # -- internals ---------------------------------------------------------------------
    def _transform_column(
        self, fp: FieldPlan, values: list[Any], subjects: list[str | None] | None
    ) -> list[Any]:
        out: list[Any] = list(values)
        text_rows = [
            i
            for i, v in enumerate(values)
            if isinstance(v, str) and v.strip() and (fp.mode == "text" or looks_like_free_text(v))
        ]
        if text_rows:
            replaced = self._texts(fp.asset, fp.field, [values[i] for i in text_rows], fp.field)
            for i, new in zip(text_rows, replaced, strict=True):
                out[i] = new
        if fp.mode == "text":
            return out
        done = set(text_rows)
        changed = 0
        for i, v in enumerate(values):
            if i in done or v is None or (isinstance(v, str) and not v.strip()):
                continue
            subject = subjects[i] if subjects else None
            out[i] = self._apply(v, fp.entity, fp.spec, subject)
            self.known.add(fp.entity, v)
            changed += 1
        self.counts[(fp.asset, fp.field, fp.spec.name)] += changed
        return out

    def _apply(self, value: Any, entity: str, spec: OperatorSpec, subject: str | None) -> Any:
        if spec.name == "date_shift":
            return self.operators.apply(value, entity, spec, subject=subject)
        key = (entity, _spec_key(spec), value)
        try:
            return self._cache[key]
        except KeyError:
            pass
        except TypeError:  # unhashable (lists from nested data)
            return self.operators.apply(value, entity, spec, subject=subject)
        result = self.operators.apply(value, entity, spec, subject=subject)
        if len(self._cache) >= CACHE_LIMIT:
            self._cache.clear()
        self._cache[key] = result
        return result

    def _texts(self, asset: str, field: str, texts: list[str], hint: str | None) -> list[str]:
        found = self.analyze(texts, hint) if self.analyze else [[] for _ in texts]
        out = []
        for text, spans in zip(texts, found, strict=True):
            keep = [
                s
                for s in spans
                if not s.reserved
                and s.score >= self.min_score
                and self.rules.spec_for(s.entity_type).name != "keep"
            ]
            keep += [
                s
                for s in self.known.find(text, keep)
                if self.rules.spec_for(s.entity_type).name != "keep"
            ]
            for s in keep:
                self.spans[(asset, field, s.entity_type)] += 1
            out.append(self.operators.apply_text(text, keep, self.rules.spec_for) if keep else text)
        return out

    def _subjects(
        self, batch: pa.RecordBatch, plans: dict[str, FieldPlan]
    ) -> list[str | None] | None:
        raw = {self._field_key(n): n for n in batch.schema.names}  # plan name -> column
        for entity in SUBJECT_ENTITIES:
            for name, fp in plans.items():
                if fp.entity == entity and fp.mode == "cell" and name in raw:
                    values = batch.column(batch.schema.get_field_index(raw[name])).to_pylist()
                    return [_norm(v) for v in values]
        return None

    def _to_array(self, fp: FieldPlan, values: list[Any], typ: pa.DataType) -> pa.Array:
        try:
            return pa.array(values, type=typ)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
            pass
        fitted = []
        for v in values:
            try:
                pa.scalar(v, type=typ)
                fitted.append(v)
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
                fitted.append(None)  # the operator's output does not fit: never the original
                self.nulled[(fp.asset, fp.field)] += 1
        return pa.array(fitted, type=typ)


class _RawKeys(dict[str, FieldPlan]):
    """An asset's field plans looked up by raw field name (masked on the way in)."""

    def __init__(self, plans: dict[str, FieldPlan], key: Callable[[str], str]) -> None:
        super().__init__(plans)
        self._key = key

    def get(self, name: str, default: Any = None) -> Any:
        return super().get(self._key(name), default)


def _spec_key(spec: OperatorSpec) -> str:
    return spec.name + repr(sorted(spec.params.items()))


def _norm(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip().lower() or None
