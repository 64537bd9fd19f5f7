"""outlier-remover: every outlier of every numeric, non-identifier column.

Statistics pass: :class:`~.logic.ColumnValues` per column (exact up to 10^6
values, then a reservoir). Plan: fences per numeric column; identifier-like
columns are skipped. Apply: under ``remove`` a row with any outlier cell is
quarantined (reason names the column, value and fence); under ``impute_*``
only the cell changes, to the mean / median of the inliers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis_service.agents.base import AgentOutput
from analysis_service.cleaning.agents.outlier_remover.logic import (
    _NUMBER,
    ColumnValues,
    Fences,
    fences,
    inlier_imputation,
)
from analysis_service.cleaning.agents.outlier_remover.params import OutlierParams
from analysis_service.cleaning.agents.outlier_remover.rules import (
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


class _Observer:
    def __init__(self, columns: Sequence[str]) -> None:
        self.cols = {c: ColumnValues() for c in columns}
        self.non_null = dict.fromkeys(columns, 0)

    def consume(self, batch: CleanBatch) -> None:
        for c, state in self.cols.items():
            for v in batch.frame[c].dropna():
                self.non_null[c] += 1
                state.add(str(v))


@dataclass(frozen=True)
class OutlierPlan:
    params: OutlierParams
    fences: dict[str, Fences]
    imputation: dict[str, float]
    skipped_identifiers: tuple[str, ...]


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(round(x, 10))


class _Applier(StatelessApplier):
    def __init__(self, plan: OutlierPlan) -> None:
        self.plan = plan

    def apply(self, batch: CleanBatch) -> BatchResult:
        frame = batch.frame.copy()
        n = batch.num_rows
        remove = np.zeros(n, dtype=bool)
        reasons: list[list[str]] = [[] for _ in range(n)]
        changes: list[Change] = []
        strategy = self.plan.params.removal_strategy
        for col, f in self.plan.fences.items():
            values = frame[col]
            hit_rows, before = [], []
            for i, v in enumerate(values):
                if (
                    v is None
                    or v is np.nan
                    or str(v) == "<NA>"
                    or not _NUMBER.match(str(v).strip())
                ):
                    continue
                if f.is_outlier(float(v)):
                    hit_rows.append(i)
                    before.append(str(v))
            if not hit_rows:
                continue
            if strategy == "remove":
                for i, b in zip(hit_rows, before, strict=True):
                    remove[i] = True
                    reasons[i].append(f"{col}={b} outside [{_fmt(f.lower)}, {_fmt(f.upper)}]")
            else:
                after = _fmt(self.plan.imputation[col])
                for i in hit_rows:
                    frame.iat[i, frame.columns.get_loc(col)] = after
                changes.append(
                    Change(
                        RULE_IMPUTED, col, batch.row_index[hit_rows], before, [after] * len(before)
                    )
                )
        kept = CleanBatch(frame, batch.row_index).take(~remove)
        removed: tuple[Removed, ...] = ()
        if remove.any():
            idx = np.flatnonzero(remove)
            removed = (
                Removed(
                    RULE_REMOVED,
                    batch.row_index[idx],
                    ["outlier: " + "; ".join(reasons[i]) for i in idx],
                ),
            )
        return BatchResult(kept, tuple(changes), removed)


class OutlierRemover(CleaningAgent[OutlierParams]):
    agent_id = "outlier-remover"
    agent_name = "Outlier Remover"
    params_type = OutlierParams

    def observer(self, params: OutlierParams, columns: Sequence[str]) -> _Observer:
        return _Observer(columns)

    def plan(self, params: OutlierParams, columns: Sequence[str], observer: Any) -> OutlierPlan:
        assert isinstance(observer, _Observer)
        out: dict[str, Fences] = {}
        imputation: dict[str, float] = {}
        skipped = []
        for c, state in observer.cols.items():
            if params.target_columns and c not in params.target_columns:
                continue
            if state.seen == 0 or state.seen < NUMERIC_SHARE * observer.non_null[c]:
                continue
            if state.identifier_like() and c not in params.target_columns:
                skipped.append(c)
                continue
            f = fences(
                state,
                params.detection_method,
                iqr_multiplier=params.iqr_multiplier,
                z_threshold=params.z_threshold,
                lower_percentile=params.lower_percentile,
                upper_percentile=params.upper_percentile,
            )
            out[c] = f
            if params.removal_strategy != "remove":
                imputation[c] = inlier_imputation(state, f, params.removal_strategy)
        return OutlierPlan(params, out, imputation, tuple(skipped))

    def applier(self, plan: Any) -> _Applier:
        return _Applier(plan)

    def finalize(self, ctx: CleanContext[OutlierParams]) -> AgentOutput:
        plan: OutlierPlan = ctx.plan
        tally = ctx.tally
        rows_in = tally.rows_in if tally else 0
        rows_out = tally.rows_out if tally else 0
        handled = (tally.rows_removed + tally.cells_changed) if tally else 0
        data = {
            "outlier_analysis": {
                "total_rows": rows_in,
                "numeric_columns": sorted(plan.fences),
                "skipped_identifier_columns": list(plan.skipped_identifiers),
                "outlier_summary": {
                    c: {"method_used": f.method, "lower_bound": f.lower, "upper_bound": f.upper}
                    for c, f in plan.fences.items()
                },
            },
            "outlier_score": {
                "metrics": {
                    "data_retention_rate": 100.0 * rows_out / rows_in if rows_in else 100.0,
                    "original_rows": rows_in,
                    "cleaned_rows": rows_out,
                }
            },
            **ctx.parameter_echo(),
        }
        return AgentOutput(
            agent_id=self.agent_id,
            agent_name=self.agent_name,
            summary_metrics={
                "total_rows_processed": rows_in,
                "outliers_handled": handled,
                "original_outliers": handled,
                "remaining_outliers": 0,
                "total_issues": handled,
            },
            data=data,
        )
