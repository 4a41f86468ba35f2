"""Applies a :class:`~piiscan.anonymize.plan.Plan` to batches, JSON leaves and text lines.

This is the :class:`~piiscan.anonymize.contracts.RecordTransformer` the copiers call.
Whole cells go through the field's operator; free-text cells and text documents are
re-analysed and only the detected spans are replaced. Counts per field and operator
are kept for the manifest; values never are.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import pyarrow as pa

from piiscan.anonymize.known_values import KnownValues
from piiscan.anonymize.operators import Operators, OperatorSpec
from piiscan.anonymize.plan import FieldPlan, Plan
from piiscan.anonymize.rules import AnonymizationRules
from piiscan.classification import looks_like_free_text
from piiscan.model import Span

Analyze = Callable[[Sequence[str], "str | None"], list[list[Span]]]

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
    ) -> None:
        self.plan = plan
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

    # -- RecordTransformer ---------------------------------------------------------------
    def batch(self, asset: str, batch: pa.RecordBatch) -> pa.RecordBatch:
        plans = self.plan.for_asset(asset)
        if not plans or batch.num_rows == 0:
            return batch
        names = batch.schema.names
        subjects = self._subjects(batch, plans)
        columns = []
        for name, column in zip(names, batch.columns, strict=True):
            fp = plans.get(name)
            if fp is None or fp.spec.name == "keep":
                columns.append(column)
                continue
            values = column.to_pylist()
            out = self._transform_column(fp, values, subjects)
            columns.append(self._to_array(fp, out, column.type))
        return pa.RecordBatch.from_arrays(columns, schema=batch.schema)

    def value(self, asset: str, field: str, value: Any) -> Any:
        fp = self.plan.for_asset(asset).get(field)
        if fp is None or value is None:
            if isinstance(value, str) and asset in self.plan.text_assets:
                return self.text(asset, value)
            return value
        return self._transform_column(fp, [value], None)[0]

    def text(self, asset: str, text: str) -> str:
        return self._texts(asset, "(text)", [text], None)[0]

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
        for entity in SUBJECT_ENTITIES:
            for name, fp in plans.items():
                if fp.entity == entity and fp.mode == "cell" and name in batch.schema.names:
                    values = batch.column(batch.schema.get_field_index(name)).to_pylist()
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


def _spec_key(spec: OperatorSpec) -> str:
    return spec.name + repr(sorted(spec.params.items()))


def _norm(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip().lower() or None
