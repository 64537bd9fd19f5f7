"""null-handler on the cleaning interface (logic in :mod:`.logic`).

Statistics pass over this agent's input: per column the placeholder
evidence and the values for mean / median / mode. A sentinel spelling counts
as null only in a column whose evidence says it is a placeholder, and only
columns the parameters name are changed (or every row with a null under
``drop_rows``): no cell becomes empty here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis_service.agents.base import AgentOutput
from analysis_service.cleaning.agents.null_handler.logic import (
    ColumnEvidence,
    ForwardFill,
    NumericStats,
    format_number,
    validate_strategies,
)
from analysis_service.cleaning.agents.null_handler.params import NullParams
from analysis_service.cleaning.agents.null_handler.rules import RULE_DROP_ROW, RULE_FILL, WIRED
from analysis_service.cleaning.model import (
    BatchResult,
    Change,
    CleanBatch,
    CleanContext,
    CleaningAgent,
    Removed,
)


class _Observer:
    def __init__(self, columns: Sequence[str]) -> None:
        self.evidence = {c: ColumnEvidence() for c in columns}
        self.stats = {c: NumericStats() for c in columns}
        self.nulls = dict.fromkeys(columns, 0)

    def consume(self, batch: CleanBatch) -> None:
        for c in self.evidence:
            col = batch.frame[c]
            self.nulls[c] += int(col.isna().sum())
            for v in col.dropna():
                self.evidence[c].add(str(v))
                self.stats[c].add(str(v))


@dataclass(frozen=True)
class NullPlan:
    params: NullParams
    placeholders: dict[str, frozenset[str]]
    strategies: dict[str, str]
    fills: dict[str, str]
    dropped: tuple[str, ...]
    nulls: dict[str, int]


class _Applier:
    def __init__(self, plan: NullPlan) -> None:
        self.plan = plan
        self.ffill = {c: ForwardFill() for c, s in plan.strategies.items() if s == "forward_fill"}

    def flush(self) -> BatchResult | None:
        return None

    def apply(self, batch: CleanBatch) -> BatchResult:
        p = self.plan
        frame = batch.frame.copy()
        missing = {
            c: frame[c].isna().to_numpy() | frame[c].isin(list(ph)).fillna(False).to_numpy()
            for c, ph in p.placeholders.items()
        }
        changes: list[Change] = []
        remove = np.zeros(batch.num_rows, dtype=bool)
        if p.params.global_strategy == "drop_rows":
            for m in missing.values():
                remove |= m
        for c, strategy in p.strategies.items():
            if strategy == "drop_column":
                continue
            m = missing[c] & ~remove
            values = [None if missing[c][i] else v for i, v in enumerate(frame[c].tolist())]
            if strategy == "forward_fill":
                filled = self.ffill[c].fill(values)
            else:
                filled = [p.fills.get(c) if v is None else v for v in values]
            idx = [i for i in np.flatnonzero(m).tolist() if filled[i] is not None]
            if not idx:
                continue
            before = [
                None if frame[c].iat[i] is None or frame[c].isna().iat[i] else str(frame[c].iat[i])
                for i in idx
            ]
            after = [filled[i] for i in idx]
            for i, a in zip(idx, after, strict=True):
                frame.iat[i, frame.columns.get_loc(c)] = a
            changes.append(
                Change(RULE_FILL.format(strategy=strategy), c, batch.row_index[idx], before, after)
            )
        frame = frame.drop(columns=list(p.dropped))
        kept = CleanBatch(frame, batch.row_index).take(~remove)
        removed: tuple[Removed, ...] = ()
        if remove.any():
            removed = (
                Removed(
                    RULE_DROP_ROW, batch.row_index[remove], ["row has a null"] * int(remove.sum())
                ),
            )
        return BatchResult(kept, tuple(changes), removed)


class NullHandler(CleaningAgent[NullParams]):
    agent_id = "null-handler"
    agent_name = "Null Handler"
    params_type = NullParams

    def observer(self, params: NullParams, columns: Sequence[str]) -> _Observer:
        return _Observer(columns)

    def plan(self, params: NullParams, columns: Sequence[str], observer: Any) -> NullPlan:
        assert isinstance(observer, _Observer)
        strategies = {c: str(s) for c, s in params.column_strategies.items() if c in columns}
        validate_strategies(strategies, dict(params.fill_values))
        unwired = sorted(c for c, s in strategies.items() if s not in WIRED)
        if unwired:
            raise ValueError(f"strategy not wired yet for: {', '.join(unwired)}")
        fills: dict[str, str] = {}
        for c, s in strategies.items():
            st = observer.stats[c]
            value: float | str | None = {
                "mean": st.mean,
                "median": st.median,
                "mode": st.mode,
            }.get(s, lambda: None)()
            if s == "constant":
                value = str(params.fill_values[c])
            if isinstance(value, float):
                value = format_number(value)
            if value is not None:
                fills[c] = value
        placeholders = {c: frozenset(observer.evidence[c].placeholders()) for c in columns}
        dropped = tuple(c for c, s in strategies.items() if s == "drop_column")
        return NullPlan(params, placeholders, strategies, fills, dropped, dict(observer.nulls))

    def output_columns(self, plan: Any, columns: Sequence[str]) -> tuple[str, ...]:
        return tuple(c for c in columns if c not in plan.dropped)

    def applier(self, plan: Any) -> _Applier:
        return _Applier(plan)

    def finalize(self, ctx: CleanContext[NullParams]) -> AgentOutput:
        plan: NullPlan = ctx.plan
        tally = ctx.tally
        rows_in = tally.rows_in if tally else 0
        handled = tally.cells_changed if tally else 0
        original = sum(plan.nulls.values())
        data = {
            "null_analysis": {
                "total_rows": rows_in,
                "total_columns": len(ctx.columns_in),
                "columns_with_nulls": [c for c, n in plan.nulls.items() if n],
                "total_nulls_detected": original,
                "placeholders": {c: sorted(p) for c, p in plan.placeholders.items() if p},
            },
            "imputation_values": plan.fills,
            **ctx.parameter_echo(),
        }
        return AgentOutput(
            agent_id=self.agent_id,
            agent_name=self.agent_name,
            summary_metrics={
                "total_rows_processed": rows_in,
                "nulls_handled": handled,
                "original_nulls": original,
                "remaining_nulls": max(original - handled, 0),
                "total_issues": original,
            },
            data=data,
        )
