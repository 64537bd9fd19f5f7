"""duplicate-resolver on the cleaning interface (logic in :mod:`.logic`).

The statistics pass builds the digest index over this agent's whole input;
the applier keeps survivors in place (row order kept) and quarantines every
other member of a group with "duplicate of row N" (+ the differing fields
of a key conflict). ``merge_smart`` (strategy or conflict_resolution) keeps
the first row and fills its nulls from later members.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from analysis_service.agents.base import AgentOutput
from analysis_service.cleaning.agents.duplicate_resolver.logic import (
    DedupConfig,
    DuplicateIndex,
    KeyIndex,
    reason,
)
from analysis_service.cleaning.agents.duplicate_resolver.params import DedupParams
from analysis_service.cleaning.agents.duplicate_resolver.rules import (
    MEMORY_GROUPS,
    RULE_DUPLICATE,
    RULE_MERGED,
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


def _rows(batch: CleanBatch) -> list[list[str | None]]:
    frame = batch.frame.astype(object).where(batch.frame.notna(), None)
    return [list(r) for r in frame.itertuples(index=False, name=None)]


def config_for(params: DedupParams, columns: Sequence[str]) -> DedupConfig:
    emails = params.email_columns or tuple(c for c in columns if "mail" in c.lower())
    normalised = bool({"case_variations", "email_case"} & set(params.detection_types))
    resolution = (
        "merge_smart" if params.merge_strategy == "merge_smart" else params.conflict_resolution
    )
    return DedupConfig(
        tuple(columns),
        tuple(c for c in params.key_columns if c in columns),
        tuple(emails),
        normalised=normalised,
        match_nulls=params.null_handling == "match_nulls",
        conflict_resolution=resolution,
    )


class _Observer:
    def __init__(self, config: DedupConfig) -> None:
        self.index = DuplicateIndex(config, KeyIndex(MEMORY_GROUPS))

    def consume(self, batch: CleanBatch) -> None:
        for i, row in zip(batch.row_index.tolist(), _rows(batch), strict=True):
            self.index.add(int(i), row)


class _Applier(StatelessApplier):
    def __init__(self, index: DuplicateIndex) -> None:
        self.index = index

    def apply(self, batch: CleanBatch) -> BatchResult:
        frame = batch.frame.copy()
        remove = np.zeros(batch.num_rows, dtype=bool)
        reasons: list[str] = []
        changes: list[Change] = []
        merge = self.index.config.conflict_resolution == "merge_smart"
        for pos, (ri, row) in enumerate(zip(batch.row_index.tolist(), _rows(batch), strict=True)):
            action, survivor, group = self.index.decide(int(ri), row)
            if action == "remove" and group is not None:
                remove[pos] = True
                reasons.append(reason(survivor, group))
            elif merge and group is not None and group.count > 1:
                for j, (a, b) in enumerate(zip(row, group.merged, strict=True)):
                    if a is None and b is not None:
                        col = self.index.config.columns[j]
                        frame.iat[pos, j] = b
                        changes.append(
                            Change(RULE_MERGED, col, batch.row_index[[pos]], [None], [b])
                        )
        kept = CleanBatch(frame, batch.row_index).take(~remove)
        removed = (
            (Removed(RULE_DUPLICATE, batch.row_index[remove], reasons),) if remove.any() else ()
        )
        return BatchResult(kept, tuple(changes), removed)


class DuplicateResolver(CleaningAgent[DedupParams]):
    agent_id = "duplicate-resolver"
    agent_name = "Duplicate Resolver"
    params_type = DedupParams

    def observer(self, params: DedupParams, columns: Sequence[str]) -> _Observer:
        return _Observer(config_for(params, columns))

    def plan(self, params: DedupParams, columns: Sequence[str], observer: Any) -> DuplicateIndex:
        assert isinstance(observer, _Observer)
        return observer.index

    def applier(self, plan: Any) -> _Applier:
        return _Applier(plan)

    def finalize(self, ctx: CleanContext[DedupParams]) -> AgentOutput:
        index: DuplicateIndex = ctx.plan
        groups = [g for g in index.index.groups() if g.count > 1]
        conflicts = [g for g in groups if g.differing]
        tally = ctx.tally
        rows_in = tally.rows_in if tally else 0
        removed = tally.rows_removed if tally else 0
        data = {
            "duplicate_analysis": {
                "total_rows": rows_in,
                "total_columns": len(ctx.columns_in),
                "total_duplicates": sum(g.count - 1 for g in groups),
                "detection_methods": list(ctx.params.detection_types),
                "key_conflicts": [
                    {"rows": [g.first, g.last], "differing_fields": sorted(g.differing)}
                    for g in conflicts[:100]
                ],
                "index_spilled_to_disk": index.index.spilled,
            },
            **ctx.parameter_echo(),
        }
        return AgentOutput(
            agent_id=self.agent_id,
            agent_name=self.agent_name,
            summary_metrics={
                "total_rows_processed": rows_in,
                "duplicates_detected": sum(g.count - 1 for g in groups),
                "duplicates_resolved": removed,
                "remaining_rows": rows_in - removed,
                "rows_removed": removed,
                "total_issues": len(groups),
            },
            data=data,
        )
