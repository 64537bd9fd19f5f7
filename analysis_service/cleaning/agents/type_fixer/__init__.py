"""type-fixer: every column's type decided from the WHOLE column, values
rewritten to the canonical text of that type, nothing ever nulled.

Statistics pass (:mod:`.evidence`): per column, bounded counters of the
values that parse as integer, float, boolean and date(-time) (the value
classes and canonical forms are in :mod:`.inference`), the day/month
evidence of cleaning/dates.py, 5 samples and bounded examples; memory
O(columns), never O(rows). Plan (:mod:`.plan`): the target type per column
(:mod:`.rules` has the cut-offs). Apply: every value of a converted column
becomes the canonical text of its type; a value that does not convert stays
exactly as it was (reported as ``type_mismatch``), or, under
``strict_types``, its row goes to quarantine (rule ``type_conversion_failed``,
the reason names column, value and type) when the column is confidently
typed (not mixed: a mixed column's odd values are only reported). A day/month date the column's
evidence cannot order (03/04/2024, ``date_convention`` auto, no telling
value) is reported as ambiguous and left as it is, also under
``strict_types``: it is a date, only its reading is unknown. Missing-value
spellings ("NA", "N/A", "null" ...) are left for null-handler: never
converted, never a mismatch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis_service.agents.base import AgentOutput
from analysis_service.cleaning.agents.type_fixer.columnar import CODE, classify, factorize
from analysis_service.cleaning.agents.type_fixer.evidence import TypeObserver
from analysis_service.cleaning.agents.type_fixer.inference import (
    Cls,
    Reader,
    fast_numbers,
    text_array,
)
from analysis_service.cleaning.agents.type_fixer.output import build_output
from analysis_service.cleaning.agents.type_fixer.params import TypeFixerParams
from analysis_service.cleaning.agents.type_fixer.plan import ColumnPlan, TypePlan, plan_columns
from analysis_service.cleaning.agents.type_fixer.rules import RULE_CONVERT, RULE_FAILED
from analysis_service.cleaning.model import (
    BatchResult,
    Change,
    CleanBatch,
    CleanContext,
    CleaningAgent,
    Removed,
    StatelessApplier,
)


def failure_reason(column: str, value: str, target: str) -> str:
    return f"{column}: {value!r} cannot be converted to {target}"


class _Applier(StatelessApplier):
    def __init__(self, plan: TypePlan) -> None:
        self.columns = plan.converted()
        self.readers = {c.name: Reader() for c in self.columns}

    def _convert(
        self, col: ColumnPlan, values: pd.Series
    ) -> tuple[np.ndarray, list[str], np.ndarray]:
        """(positions, new texts) of the changed cells and positions that fail."""
        target = col.target or ""
        mask = values.notna().to_numpy(dtype=bool)
        positions = np.flatnonzero(mask)
        if not len(positions):
            return positions, [], positions
        if target in ("integer", "float"):
            ints, floats = fast_numbers(values[mask])
            slow = ~(ints | floats) if target == "float" else ~ints
            positions = positions[slow]  # fast values are already canonical
            mask = np.zeros(len(values), dtype=bool)
            mask[positions] = True
        f = factorize(text_array(values).filter(pa.array(mask)))
        texts, fails = self._readings(col, f.uniques, f.texts)
        pairs = zip(texts, f.texts, strict=True)
        changed_u = np.array([t is not None and t != u for t, u in pairs], dtype=bool)
        changed = changed_u[f.codes]
        after = [str(texts[c]) for c in f.codes[changed]]
        return positions[changed], after, positions[fails[f.codes]]

    def _readings(
        self, col: ColumnPlan, uniques: pa.Array, values: list[str]
    ) -> tuple[list[str | None], np.ndarray]:
        """Per distinct value: its text as the column's type (None: it does
        not convert) and whether it fails. Text and numbers are settled
        vectorised (:mod:`.columnar`); only the rest is read one by one."""
        target = col.target or ""
        tiers = classify(uniques)
        texts: list[str | None] = [None] * len(values)
        fails = tiers.text.copy()  # text is never a value of a type
        read = tiers.slow.copy()
        if target == "float":
            for k in np.flatnonzero(tiers.number).tolist():
                texts[k] = values[k]  # a plain number is its own float text
        elif target == "integer":
            read |= tiers.number & (tiers.cls != CODE[Cls.FLOAT])
            fails |= tiers.number & (tiers.cls == CODE[Cls.FLOAT])
        else:
            fails |= tiers.number
        if target == "datetime":
            for k in np.flatnonzero(tiers.date).tolist():
                texts[k] = values[k]  # a canonical date is its own text
        else:
            fails |= tiers.date
        reader = self.readers[col.name]
        for k in np.flatnonzero(read).tolist():
            reading = reader(values[k])
            text = (
                None
                if reading.grouped and not col.grouping
                else reading.canonical(target, col.order)
            )
            undecided = target == "datetime" and reading.cls is Cls.DATE_DM and col.order is None
            texts[k] = text
            fails[k] = text is None and not undecided and reading.cls is not Cls.NA
        return texts, fails

    def apply(self, batch: CleanBatch) -> BatchResult:
        frame = batch.frame.copy()
        remove = np.zeros(batch.num_rows, dtype=bool)
        reasons: dict[int, list[str]] = {}
        pending: list[tuple[ColumnPlan, np.ndarray, list[str]]] = []
        for col in self.columns:
            values = frame[col.name]
            changed, after, failed = self._convert(col, values)
            if col.quarantines and len(failed):
                remove[failed] = True
                for p in failed.tolist():
                    reasons.setdefault(p, []).append(
                        failure_reason(col.name, str(values.iat[p]), col.target or "")
                    )
            if len(changed):
                pending.append((col, changed, after))
        changes = []
        for col, changed, after in pending:
            keep = ~remove[changed]
            positions = changed[keep]
            if not len(positions):
                continue
            texts = [a for a, k in zip(after, keep.tolist(), strict=True) if k]
            current = text_array(frame[col.name])
            before = [str(v) for v in current.take(pa.array(positions)).to_pylist()]
            where = np.zeros(len(current), dtype=bool)
            where[positions] = True
            new = pc.replace_with_mask(current, pa.array(where), pa.array(texts, type=current.type))
            frame[col.name] = pd.array(new, dtype="string")
            changes.append(
                Change(
                    RULE_CONVERT[col.target or ""],
                    col.name,
                    batch.row_index[positions],
                    before,
                    texts,
                )
            )
        kept = CleanBatch(frame, batch.row_index).take(~remove)
        removed: tuple[Removed, ...] = ()
        if remove.any():
            idx = np.flatnonzero(remove)
            why = ["; ".join(reasons[int(i)]) for i in idx]
            removed = (Removed(RULE_FAILED, batch.row_index[idx], why),)
        return BatchResult(kept, tuple(changes), removed)


class TypeFixer(CleaningAgent[TypeFixerParams]):
    agent_id = "type-fixer"
    agent_name = "Type Fixer"
    params_type = TypeFixerParams

    def observer(self, params: TypeFixerParams, columns: Sequence[str]) -> TypeObserver:
        return TypeObserver(columns)

    def plan(self, params: TypeFixerParams, columns: Sequence[str], observer: Any) -> TypePlan:
        assert isinstance(observer, TypeObserver)
        return plan_columns(observer.columns, params, observer.rows)

    def applier(self, plan: Any) -> _Applier:
        return _Applier(plan)

    def finalize(self, ctx: CleanContext[TypeFixerParams]) -> AgentOutput:
        return build_output(self.agent_id, self.agent_name, ctx)
