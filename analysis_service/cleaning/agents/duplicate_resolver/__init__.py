"""duplicate-resolver on the cleaning interface (logic in :mod:`.logic`).

The statistics pass builds the digest index over this agent's whole input;
the applier keeps survivors in place (row order kept) and quarantines every
other member of a group with "duplicate of row N" (+ the fields in which it
differs from its survivor); the quarantine ``_rule`` says how it relates to
the survivor: duplicate_row (identical), partial_duplicate (only case or
spaces differ), key_conflict (other fields differ). ``merge_smart``
(strategy or conflict_resolution) keeps the first row and fills its nulls
from later members. The result tree is
built in :mod:`.output` (contract §6.10).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from analysis_service.agents.base import AgentOutput
from analysis_service.cleaning.agents.duplicate_resolver.logic import (
    BatchCells,
    DedupConfig,
    DuplicateIndex,
    Group,
    KeyIndex,
    reason,
)
from analysis_service.cleaning.agents.duplicate_resolver.output import build
from analysis_service.cleaning.agents.duplicate_resolver.params import DedupParams
from analysis_service.cleaning.agents.duplicate_resolver.rules import (
    MEMORY_DIGESTS,
    MEMORY_GROUPS,
    REMOVAL_RULES,
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


def config_for(params: DedupParams, columns: Sequence[str]) -> DedupConfig:
    emails = params.email_columns or tuple(c for c in columns if "mail" in c.lower())
    types = set(params.detection_types)
    resolution = (
        "merge_smart" if params.merge_strategy == "merge_smart" else params.conflict_resolution
    )
    return DedupConfig(
        tuple(columns),
        tuple(c for c in params.key_columns if c in columns),
        tuple(c for c in emails if c in columns),
        normalised="case_variations" in types,
        match_nulls=params.null_handling == "match_nulls",
        conflict_resolution=resolution,
        normalise_emails="email_case" in types,
        detection_types=tuple(dict.fromkeys(params.detection_types)),
    )


class _Observer:
    def __init__(self, config: DedupConfig) -> None:
        self.index = DuplicateIndex(config, KeyIndex(MEMORY_GROUPS), MEMORY_DIGESTS)

    def consume(self, batch: CleanBatch) -> None:
        self.index.add_batch(batch.row_index.tolist(), BatchCells.of(batch.frame))


class _Applier(StatelessApplier):
    def __init__(self, index: DuplicateIndex) -> None:
        self.index = index

    def apply(self, batch: CleanBatch) -> BatchResult:
        frame = batch.frame.copy()
        remove = np.zeros(batch.num_rows, dtype=bool)
        kinds: list[str] = []
        reasons: list[str] = []
        changes: list[Change] = []
        merge = self.index.config.conflict_resolution == "merge_smart"
        ris = batch.row_index.tolist()
        # only rows of multi-row groups can change; every other row is kept as it is
        members: list[tuple[int, int, Group]] = []  # (position, survivor, group)
        rows: list[tuple[str | None, ...]] = []
        at = self.index.candidates(batch.row_index)
        if at is None or len(at):
            cells = BatchCells.of(batch.frame)
            if at is not None:
                cells = cells.subset(at)
            found = self.index.members(cells)
            rows = cells.rows_at([p for p, _, _ in found])
            members = [(p if at is None else int(at[p]), s, g) for p, s, g in found]
        for (pos, survivor, group), row in zip(members, rows, strict=True):
            if ris[pos] != survivor:
                remove[pos] = True
                kind, differing = self.index.compare(row, group)
                kinds.append(kind)
                reasons.append(reason(survivor, differing))
            elif merge:
                for j, (a, b) in enumerate(zip(row, group.merged, strict=True)):
                    if a is None and b is not None:
                        col = self.index.config.columns[j]
                        frame.iat[pos, j] = b
                        changes.append(
                            Change(RULE_MERGED, col, batch.row_index[[pos]], [None], [b])
                        )
        kept = CleanBatch(frame, batch.row_index).take(~remove)
        gone = batch.row_index[remove]
        removed = []
        for rule in REMOVAL_RULES:  # one Removed per kind, rows in file order
            picked = [i for i, k in enumerate(kinds) if k == rule]
            if picked:
                removed.append(Removed(rule, gone[picked], [reasons[i] for i in picked]))
        return BatchResult(kept, tuple(changes), tuple(removed))


class DuplicateResolver(CleaningAgent[DedupParams]):
    agent_id = "duplicate-resolver"
    agent_name = "Duplicate Resolver"
    params_type = DedupParams

    def observer(self, params: DedupParams, columns: Sequence[str]) -> _Observer:
        return _Observer(config_for(params, columns))

    def plan(self, params: DedupParams, columns: Sequence[str], observer: Any) -> DuplicateIndex:
        assert isinstance(observer, _Observer)
        observer.index.settle()
        return observer.index

    def applier(self, plan: Any) -> _Applier:
        return _Applier(plan)

    def finalize(self, ctx: CleanContext[DedupParams]) -> AgentOutput:
        index: DuplicateIndex = ctx.plan
        return build(ctx, index, self.agent_name)
