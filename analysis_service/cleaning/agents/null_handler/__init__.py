"""null-handler on the cleaning interface.

Statistics pass over this agent's input (:mod:`.observer`): placeholder
evidence, the values for mean / median / mode, the edges of fill columns
and the KNN reservoir. A sentinel spelling counts as null only in a column
whose evidence says it is a placeholder, and only columns the parameters
name are changed (or every row with a null under ``drop_rows``): no cell
becomes empty here. Every strategy of
:data:`dqcommon.tools.null_strategies.NULL_STRATEGIES` is applied:
mean / median / mode / constant from the plan, forward fill carried across
batches, backward fill holding rows back (bounded, :mod:`.fill`), KNN on
the sample (:mod:`.knn`), drop_column in :meth:`NullHandler.output_columns`.
Result tree: :mod:`.output`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis_service.agents.base import AgentOutput
from analysis_service.cleaning.agents.null_handler import output
from analysis_service.cleaning.agents.null_handler.fill import (
    BackwardFill,
    ForwardFill,
    missing_mask,
)
from analysis_service.cleaning.agents.null_handler.knn import KnnImputer
from analysis_service.cleaning.agents.null_handler.logic import (
    format_number,
    validate_strategies,
)
from analysis_service.cleaning.agents.null_handler.observer import NullObserver
from analysis_service.cleaning.agents.null_handler.params import NullParams
from analysis_service.cleaning.agents.null_handler.rules import (
    BACKWARD_FILL_MAX_HELD,
    RULE_DROP_ROW,
    RULE_FILL,
    RULE_KNN_FALLBACK,
)
from analysis_service.cleaning.model import (
    BatchResult,
    Change,
    CleanBatch,
    CleanContext,
    CleaningAgent,
    Removed,
)
from analysis_service.cleaning.numbers import numeric_cells

_STATS = ("mean", "median", "mode")


@dataclass(frozen=True)
class NullPlan:
    params: NullParams
    columns: tuple[str, ...]
    placeholders: dict[str, frozenset[str]]
    strategies: dict[str, str]
    fills: dict[str, str]
    dropped: tuple[str, ...]
    #: null cells per column of this agent's input (real nulls + placeholders)
    nulls: dict[str, int]
    #: strategy columns the plan cannot apply, with the reason
    not_applied: dict[str, str] = field(default_factory=dict)
    knn: KnnImputer | None = None
    observer: NullObserver | None = None


def _text(v: Any) -> str | None:
    return None if v is None or v is pd.NA else str(v)


def _texts_at(column: pd.Series, idx: list[int]) -> list[str | None]:
    """The text of the cells at positions ``idx`` (None for a null)."""
    return [_text(v) for v in column.iloc[idx].tolist()]


def _numbers(column: pd.Series, missing: np.ndarray) -> list[float | None]:
    """The column's numbers (None for a missing or non-numeric cell)."""
    mask, values, _ = numeric_cells(column)
    out: list[float | None] = [None] * len(column)
    for i, x in zip(
        np.flatnonzero(mask & ~missing).tolist(), values[~missing[mask]].tolist(), strict=True
    ):
        out[i] = x
    return out


def _write(frame: pd.DataFrame, rows: np.ndarray, changes: list[Change]) -> None:
    """Puts the changes' new values into ``frame`` (one column at a time)."""
    by_column: dict[str, list[Change]] = {}
    for change in changes:
        by_column.setdefault(change.column, []).append(change)
    for c, group in by_column.items():
        col = frame[c]
        values = (
            col.to_numpy(dtype=object, na_value=None)
            if isinstance(col.dtype, pd.StringDtype)
            else np.array([_text(v) for v in col.tolist()], dtype=object)
        )
        for change in group:
            values[np.searchsorted(rows, change.row_index)] = list(change.after)
        frame[c] = pd.array(values, dtype="string")


class _Applier:
    def __init__(self, plan: NullPlan) -> None:
        self.plan = plan
        s = plan.strategies
        self.ffill = {c: ForwardFill() for c, x in s.items() if x == "forward_fill"}
        bfill = {c: plan.placeholders[c] for c, x in s.items() if x == "backward_fill"}
        self.bfill = (
            BackwardFill(bfill, RULE_FILL.format(strategy="backward_fill"), BACKWARD_FILL_MAX_HELD)
            if bfill
            else None
        )
        self.knn_columns = [c for c, x in s.items() if x == "knn_imputation"]

    def flush(self) -> BatchResult | None:
        if self.bfill is None:
            return None
        out = self.bfill.flush()
        if out is None:
            return None
        return BatchResult(out[0], tuple(out[1]))

    def apply(self, batch: CleanBatch) -> BatchResult:
        p = self.plan
        frame = batch.frame.copy()
        missing = {c: missing_mask(frame[c], ph) for c, ph in p.placeholders.items()}
        changes: list[Change] = []
        remove = np.zeros(batch.num_rows, dtype=bool)
        if p.params.global_strategy == "drop_rows":
            for m in missing.values():
                remove |= m
        knn = self._knn(frame, missing, remove, batch.row_index)
        for c, strategy in p.strategies.items():
            if strategy in ("drop_column", "backward_fill") or c in p.not_applied:
                continue
            m = missing[c] & ~remove
            if strategy == "knn_imputation":
                changes.extend(knn.get(c, []))
                continue
            if strategy == "forward_fill":
                text = [_text(v) for v in frame[c].tolist()]
                values = [None if missing[c][i] else v for i, v in enumerate(text)]
                filled = self.ffill[c].fill(values)
                idx = [i for i in np.flatnonzero(m).tolist() if filled[i] is not None]
                after = [filled[i] for i in idx]
            else:
                fill = p.fills.get(c)
                idx = np.flatnonzero(m).tolist() if fill is not None else []
                after = [fill] * len(idx)
            if idx:
                changes.append(
                    Change(
                        RULE_FILL.format(strategy=strategy),
                        c,
                        batch.row_index[idx],
                        _texts_at(frame[c], idx),
                        after,
                    )
                )
        _write(frame, batch.row_index, changes)
        frame = frame.drop(columns=list(p.dropped))
        kept = CleanBatch(frame, batch.row_index).take(~remove)
        removed: tuple[Removed, ...] = ()
        if remove.any():
            reasons = [
                "null in " + ", ".join(c for c, m in missing.items() if m[i])
                for i in np.flatnonzero(remove).tolist()
            ]
            removed = (Removed(RULE_DROP_ROW, batch.row_index[remove], reasons),)
        if self.bfill is not None:
            kept, more = self.bfill.push(kept)
            changes.extend(more)
        return BatchResult(kept, tuple(changes), removed)

    def _knn(
        self,
        frame: pd.DataFrame,
        missing: dict[str, np.ndarray],
        remove: np.ndarray,
        rows: np.ndarray,
    ) -> dict[str, list[Change]]:
        """KNN fills on the values as they came in (never on other fills)."""
        imputer = self.plan.knn
        targets = [c for c in self.knn_columns if c not in self.plan.not_applied]
        if imputer is None or not targets:
            return {}
        k = self.plan.params.knn_neighbors
        numeric = {
            c: _numbers(frame[c], missing[c])
            for c in imputer.columns
            if c not in imputer.identifiers or c in targets
        }
        out: dict[str, list[Change]] = {}
        for c in targets:
            found: dict[str, tuple[list[int], list[str]]] = {}
            for i in np.flatnonzero(missing[c] & ~remove).tolist():
                row = [numeric[x][i] if x in numeric else None for x in imputer.columns]
                got = imputer.impute(row, c, k)
                if got is None:
                    continue
                rule = RULE_FILL.format(strategy="knn_imputation") if got[1] else RULE_KNN_FALLBACK
                entry = found.setdefault(rule, ([], []))
                entry[0].append(i)
                entry[1].append(format_number(got[0]))
            out[c] = [
                Change(rule, c, rows[idx], _texts_at(frame[c], idx), after)
                for rule, (idx, after) in found.items()
            ]
        return out


class NullHandler(CleaningAgent[NullParams]):
    agent_id = "null-handler"
    agent_name = "Null Handler"
    params_type = NullParams

    def observer(self, params: NullParams, columns: Sequence[str]) -> NullObserver:
        return NullObserver(params, columns)

    def plan(self, params: NullParams, columns: Sequence[str], observer: Any) -> NullPlan:
        assert isinstance(observer, NullObserver)
        strategies = {c: str(s) for c, s in params.column_strategies.items() if c in columns}
        validate_strategies(strategies, dict(params.fill_values))
        placeholders = {c: frozenset(observer.evidence[c].placeholders()) for c in columns}
        nulls = {
            c: observer.na[c] + sum(observer.evidence[c].sentinels[s] for s in placeholders[c])
            for c in columns
        }
        fills: dict[str, str] = {}
        not_applied: dict[str, str] = {}
        knn_targets = [c for c, s in strategies.items() if s == "knn_imputation"]
        knn = KnnImputer.of(observer.knn, knn_targets) if observer.knn is not None else None
        for c, s in strategies.items():
            ev, st = observer.evidence[c], observer.stats[c]
            if s in ("mean", "median") and not ev.is_numeric():
                not_applied[c] = f"{s} needs a numeric column ({ev.data_type()})"
                continue
            if s == "knn_imputation" and (knn is None or c not in knn.columns):
                not_applied[c] = "knn_imputation needs a column of numbers only"
                continue
            value: float | str | None = None
            if s == "mean":
                value = st.mean()
            elif s == "median":
                value = st.median()
            elif s == "mode":
                value = st.mode(exclude=placeholders[c])
            elif s == "constant":
                value = str(params.fill_values[c])
            if s in _STATS and value is None:
                not_applied[c] = f"no value to compute the {s} from"
                continue
            if isinstance(value, float):
                if ev.data_type() == "Int64" and s in ("mean", "median"):
                    # an integer column stays one: the fill is rounded (half
                    # to even), so the type round-trips and no "39.5" years
                    value = float(round(value))
                value = format_number(value)
            if value is not None:
                fills[c] = value
        dropped = tuple(c for c, s in strategies.items() if s == "drop_column")
        return NullPlan(
            params,
            tuple(columns),
            placeholders,
            strategies,
            fills,
            dropped,
            nulls,
            not_applied,
            knn,
            observer,
        )

    def output_columns(self, plan: Any, columns: Sequence[str]) -> tuple[str, ...]:
        return tuple(c for c in columns if c not in plan.dropped)

    def applier(self, plan: Any) -> _Applier:
        return _Applier(plan)

    def finalize(self, ctx: CleanContext[NullParams]) -> AgentOutput:
        return output.build(self, ctx)
