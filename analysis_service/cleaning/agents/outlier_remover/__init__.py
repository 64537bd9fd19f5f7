"""outlier-remover: every outlier of every numeric, non-identifier column.

Statistics pass: :class:`~.logic.ColumnValues` per column with the original
row of each value (exact up to 10^6 values, then a reservoir). Plan: fences
per numeric column (``target_columns`` empty: every numeric column that is
not identifier-like; listed: only those, identifier-like included), the
outliers found in the whole column (count, first rows), the imputation
values of the inliers. Apply: under ``remove`` a row with any outlier cell
is quarantined (the reason names each column, value and fence); under
``impute_*`` only the cell changes. Result tree: :mod:`.output`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis_service.agents.base import AgentOutput
from analysis_service.cleaning.agents.outlier_remover import output
from analysis_service.cleaning.agents.outlier_remover.logic import (
    ColumnValues,
    Fences,
    fences,
    fmt,
    inlier_imputation,
)
from analysis_service.cleaning.agents.outlier_remover.params import OutlierParams
from analysis_service.cleaning.agents.outlier_remover.rules import (
    EXAMPLES,
    NUMERIC_SHARE,
    RULE_IMPUTED,
    RULE_REMOVED,
)
from analysis_service.cleaning.model import (
    BatchResult,
    Change,
    CleanBatch,
    CleanContext,
    CleaningAgent,
    Removed,
    StatelessApplier,
)
from analysis_service.cleaning.numbers import numeric_cells


class _Observer:
    def __init__(self, columns: Sequence[str]) -> None:
        self.cols = {c: ColumnValues() for c in columns}
        self.non_null = dict.fromkeys(columns, 0)
        self.rows = 0

    def consume(self, batch: CleanBatch) -> None:
        self.rows += batch.num_rows
        for c, state in self.cols.items():
            col = batch.frame[c]
            self.non_null[c] += int(col.notna().sum())
            state.add_many(col, batch.row_index)


@dataclass(frozen=True)
class ColumnOutliers:
    """What the plan found in one column (whole input)."""

    fences: Fences
    total_values: int
    data_type: str
    count: int
    critical: int
    exact: bool
    #: (row_index, value) of the first outliers, in row order
    examples: tuple[tuple[int, float], ...]
    imputation: float | None
    skewed: bool


@dataclass(frozen=True)
class OutlierPlan:
    params: OutlierParams
    columns: dict[str, ColumnOutliers]
    skipped_identifiers: tuple[str, ...]
    #: distinct rows with an outlier cell in any column
    outlier_rows: int
    exact: bool
    rows: int
    #: listed target columns that were not checked, with the reason
    unchecked: dict[str, str] = field(default_factory=dict)

    @property
    def fences(self) -> dict[str, Fences]:
        return {c: o.fences for c, o in self.columns.items()}


def _numbers(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(positions of numeric cells, their values): the observer's reading."""
    mask, values, _ = numeric_cells(col)
    return np.flatnonzero(mask), values


class _Applier(StatelessApplier):
    def __init__(self, plan: OutlierPlan) -> None:
        self.plan = plan

    def apply(self, batch: CleanBatch) -> BatchResult:
        frame = batch.frame
        copied = False
        n = batch.num_rows
        remove = np.zeros(n, dtype=bool)
        reasons: dict[int, list[str]] = {}  # only the rows with an outlier cell
        changes: list[Change] = []
        strategy = self.plan.params.removal_strategy
        for col, info in self.plan.columns.items():
            f = info.fences
            pos, values = _numbers(frame[col])
            if not len(pos):
                continue
            hit = f.mask(values)
            if not hit.any():
                continue
            rows, hits = pos[hit].tolist(), values[hit].tolist()
            before = [str(v) for v in frame[col].iloc[rows].tolist()]
            if strategy == "remove":
                for i, b, x in zip(rows, before, hits, strict=True):
                    remove[i] = True
                    reasons.setdefault(i, []).append(f"{col}={b} {f.why(x)}")
            else:
                assert info.imputation is not None
                after = fmt(info.imputation)
                if not copied:
                    frame, copied = frame.copy(), True
                texts = frame[col].to_numpy(dtype=object)
                texts[rows] = after
                frame[col] = pd.array(texts, dtype="string")
                changes.append(
                    Change(RULE_IMPUTED, col, batch.row_index[rows], before, [after] * len(rows))
                )
        kept = CleanBatch(frame, batch.row_index).take(~remove)
        removed: tuple[Removed, ...] = ()
        if remove.any():
            idx = np.flatnonzero(remove)
            removed = (
                Removed(
                    RULE_REMOVED,
                    batch.row_index[idx],
                    ["outlier: " + "; ".join(reasons[i]) for i in idx.tolist()],
                ),
            )
        return BatchResult(kept, tuple(changes), removed)


def _column(state: ColumnValues, params: OutlierParams) -> ColumnOutliers:
    f = fences(
        state,
        params.detection_method,
        iqr_multiplier=params.iqr_multiplier,
        z_threshold=params.z_threshold,
        lower_percentile=params.lower_percentile,
        upper_percentile=params.upper_percentile,
    )
    data, rows = state.array(), state.row_array()
    hit = f.mask(data)
    order = np.argsort(rows[hit], kind="stable")[:EXAMPLES]
    examples = tuple(
        (int(r), float(x)) for r, x in zip(rows[hit][order], data[hit][order], strict=True)
    )
    scale = state.seen / len(data) if len(data) else 1.0
    count = int(hit.sum()) if state.exact else round(int(hit.sum()) * scale)
    critical = sum(1 for x in data[hit].tolist() if f.severity(x) == "critical")
    mean, std = state.mean_std()
    imputation = (
        inlier_imputation(state, f, params.removal_strategy)
        if params.removal_strategy != "remove"
        else None
    )
    return ColumnOutliers(
        fences=f,
        total_values=state.seen,
        data_type="Int64" if state.all_int else "Float64",
        count=count,
        critical=critical if state.exact else round(critical * scale),
        exact=state.exact,
        examples=examples,
        imputation=imputation,
        skewed=bool(std > 0 and abs(mean - float(np.median(data))) / std > output.rules.SKEW),
    )


class OutlierRemover(CleaningAgent[OutlierParams]):
    agent_id = "outlier-remover"
    agent_name = "Outlier Remover"
    params_type = OutlierParams

    def observer(self, params: OutlierParams, columns: Sequence[str]) -> _Observer:
        listed = set(params.target_columns)
        return _Observer([c for c in columns if not listed or c in listed])

    def plan(self, params: OutlierParams, columns: Sequence[str], observer: Any) -> OutlierPlan:
        assert isinstance(observer, _Observer)
        out: dict[str, ColumnOutliers] = {}
        skipped = []
        unchecked = {c: "not in the input" for c in params.target_columns if c not in columns}
        outlier_rows: list[np.ndarray] = []
        exact = True
        for c, state in observer.cols.items():
            if params.target_columns and c not in params.target_columns:
                continue
            if state.seen == 0 or state.seen < NUMERIC_SHARE * observer.non_null[c]:
                if c in params.target_columns:
                    unchecked[c] = "not a numeric column"
                continue
            if state.identifier_like() and c not in params.target_columns:
                skipped.append(c)
                continue
            info = _column(state, params)
            out[c] = info
            exact = exact and info.exact
            hit = info.fences.mask(state.array())
            outlier_rows.append(state.row_array()[hit])
        distinct = len(np.unique(np.concatenate(outlier_rows))) if outlier_rows else 0
        return OutlierPlan(params, out, tuple(skipped), distinct, exact, observer.rows, unchecked)

    def applier(self, plan: Any) -> _Applier:
        return _Applier(plan)

    def finalize(self, ctx: CleanContext[OutlierParams]) -> AgentOutput:
        return output.build(self, ctx)
