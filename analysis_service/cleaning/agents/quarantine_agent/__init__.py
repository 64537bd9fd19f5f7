"""quarantine-agent on the cleaning interface: moves every row that breaks
an enabled rule to the quarantine file, with the reason naming each rule,
column and value (rules: :mod:`.rules`; checks: :mod:`.checks`).

Passes: one statistics pass (:mod:`.stats`: exact counts of every issue,
bounded example lists; per-row cost is the checks, no storage), then the
stateless applier in every later pass. A quarantined row is in exactly
one Removed record (one record per run of rows with the same rule, so the
quarantine file keeps the row order): ``rule`` = its most severe rule (critical before high before
medium, then the rule table's order), ``reason`` = every hit, e.g.
"missing required field 'email'; 'age'=150 above max 120".

What never quarantines: an expected column missing from the file (a
``schema_mismatch`` finding: issue and alert), a constraint that cannot run
(bad regex, bounds or type name: reported and skipped), a non-number in a
range column without a numeric expected type (a finding), ordinary text
that merely contains SQL words.

Score (result tree in :mod:`.output`): the weighted mean of
    quarantine_reduction_rate  = clean rows (not quarantined) / rows x 100
    data_integrity_rate        = rows with no issue of any kind / rows x 100
                                 (findings that do not quarantine count)
    processing_efficiency_rate = constraints applied / constraints configured
                                 x 100 (100 when none was refused)
with the weights quarantine_reduction_weight / data_integrity_weight /
processing_efficiency_weight (normalised). Quarantining more rows lowers
the score; a clean file scores 100.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis_service.agents.base import AgentOutput
from analysis_service.cleaning.agents.quarantine_agent.checks import (
    RuleSet,
    compile_rules,
    evaluate,
)
from analysis_service.cleaning.agents.quarantine_agent.output import build_output
from analysis_service.cleaning.agents.quarantine_agent.params import QuarantineParams
from analysis_service.cleaning.agents.quarantine_agent.stats import QuarantineStats
from analysis_service.cleaning.model import (
    BatchResult,
    CleanBatch,
    CleanContext,
    CleaningAgent,
    Removed,
    StatelessApplier,
)


@dataclass(frozen=True)
class QuarantinePlan:
    rules: RuleSet
    stats: QuarantineStats


class _Applier(StatelessApplier):
    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules

    def apply(self, batch: CleanBatch) -> BatchResult:
        found = evaluate(self.rules, batch.frame)
        remove = found.quarantined()
        if not remove.any():
            return BatchResult(batch)
        # One Removed per run of rows with the same rule, so the quarantine
        # file keeps the file's row order.
        runs: list[tuple[str, list[int], list[str]]] = []
        for pos in np.flatnonzero(remove):
            rule, reason = found.removal(int(pos))
            if not runs or runs[-1][0] != rule:
                runs.append((rule, [], []))
            runs[-1][1].append(int(pos))
            runs[-1][2].append(reason)
        removed = tuple(
            Removed(rule, batch.row_index[np.asarray(rows, dtype=np.int64)], reasons)
            for rule, rows, reasons in runs
        )
        return BatchResult(batch.take(~remove), removed=removed)


class QuarantineAgent(CleaningAgent[QuarantineParams]):
    agent_id = "quarantine-agent"
    agent_name = "Quarantine Agent"
    params_type = QuarantineParams

    def observer(self, params: QuarantineParams, columns: Sequence[str]) -> QuarantineStats:
        return QuarantineStats(compile_rules(params, columns))

    def plan(
        self, params: QuarantineParams, columns: Sequence[str], observer: Any
    ) -> QuarantinePlan:
        assert isinstance(observer, QuarantineStats)
        return QuarantinePlan(observer.rules, observer)

    def applier(self, plan: Any) -> _Applier:
        assert isinstance(plan, QuarantinePlan)
        return _Applier(plan.rules)

    def finalize(self, ctx: CleanContext[QuarantineParams]) -> AgentOutput:
        plan: QuarantinePlan = ctx.plan
        return build_output(self.agent_id, self.agent_name, ctx, plan.rules, plan.stats)


__all__ = ["QuarantineAgent", "QuarantinePlan"]
