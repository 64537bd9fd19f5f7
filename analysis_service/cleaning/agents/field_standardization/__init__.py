"""field-standardization on the cleaning interface (kind TRANSFORM).

Changes only what its parameters ask, in upstream's step order (trim,
internal spacing, case, synonyms, units, dates; :mod:`.steps`). The default
``case_strategy`` most_frequent unifies spellings that differ only in case
to the column's most frequent spelling (names, codes and sentinels keep
their case); lowercase / uppercase / titlecase / none stay available. A
column is a date column only when its whole input says so
(DateEvidence.is_date_column over the statistics pass); an ambiguous
day/month value is reported and left as it is, never guessed. No cell
becomes null; rows are never removed.

Columns: ``target_columns`` (those present; empty: every column), minus
``preserve_columns`` (never touched, whatever else is set). Memory and
per-row cost: :mod:`.passes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from analysis_service.agents.base import AgentOutput
from analysis_service.cleaning.agents.field_standardization.facts import (
    DatasetFacts,
    column_facts,
)
from analysis_service.cleaning.agents.field_standardization.output import build_output
from analysis_service.cleaning.agents.field_standardization.params import (
    CASE_STRATEGIES,
    StandardizationParams,
)
from analysis_service.cleaning.agents.field_standardization.passes import (
    ColumnReport,
    PassReport,
    StandardizationApplier,
    StandardizationObserver,
    StandardizationPlan,
)
from analysis_service.cleaning.agents.field_standardization.rules import (
    MAX_SPELLINGS_PER_COLUMN,
    MAX_SPELLINGS_TOTAL,
)
from analysis_service.cleaning.agents.field_standardization.steps import (
    ColumnSteps,
    check_date_format,
    synonym_table,
    unit_table,
)
from analysis_service.cleaning.dates import DATE_CONVENTIONS
from analysis_service.cleaning.model import CleanContext, CleaningAgent
from analysis_service.cleaning.output import Retention, score

__all__ = ["FieldStandardization", "StandardizationParams"]


def target_columns(params: StandardizationParams, columns: Sequence[str]) -> list[str]:
    wanted = set(params.target_columns)
    keep = set(params.preserve_columns)
    return [c for c in columns if (not wanted or c in wanted) and c not in keep]


def _whitespace_steps(params: StandardizationParams) -> ColumnSteps:
    return ColumnSteps(
        trim=params.trim_whitespace,
        spacing=params.normalize_internal_spacing,
        case="none",
    )


class FieldStandardization(CleaningAgent[StandardizationParams]):
    agent_id = "field-standardization"
    agent_name = "Field Standardization"
    params_type = StandardizationParams

    def parse_params(self, raw: Any) -> StandardizationParams:
        params = StandardizationParams.from_mapping(raw)
        if params.case_strategy not in CASE_STRATEGIES:
            raise ValueError(f"case_strategy must be one of {', '.join(CASE_STRATEGIES)}")
        if params.date_convention not in DATE_CONVENTIONS:
            raise ValueError(f"date_convention must be one of {', '.join(DATE_CONVENTIONS)}")
        check_date_format(params.target_date_format)
        synonym_table(params.synonym_mappings)
        unit_table(params.unit_mappings)
        return params

    def observer(
        self, params: StandardizationParams, columns: Sequence[str]
    ) -> StandardizationObserver:
        targets = target_columns(params, columns)
        cap = min(MAX_SPELLINGS_PER_COLUMN, MAX_SPELLINGS_TOTAL // max(len(targets), 1))
        return StandardizationObserver(params, targets, cap, _whitespace_steps(params))

    def plan(
        self, params: StandardizationParams, columns: Sequence[str], observer: Any
    ) -> StandardizationPlan:
        assert isinstance(observer, StandardizationObserver)
        check_date_format(params.target_date_format)
        synonyms = synonym_table(params.synonym_mappings) if params.apply_synonyms else {}
        units = unit_table(params.unit_mappings) if params.unit_standardization else {}
        steps: dict[str, ColumnSteps] = {}
        for c, st in observer.columns.items():
            rules, targets = units.get(c, ({}, frozenset()))
            steps[c] = ColumnSteps(
                trim=params.trim_whitespace,
                spacing=params.normalize_internal_spacing,
                case=params.case_strategy,
                case_map=(
                    st.spellings.canonical() if params.case_strategy == "most_frequent" else {}
                ),
                synonyms=synonyms.get(c, {}),
                units=rules,
                unit_targets=targets,
                dates=params.date_standardization and st.dates.is_date_column(),
                date_order=st.dates.order(params.date_convention),
                date_format=params.target_date_format,
            )
        present = set(columns)
        ignored = {
            "target_columns": [c for c in params.target_columns if c not in present],
            "synonym_mappings": sorted(c for c in synonyms if c not in steps),
            "unit_mappings": sorted(c for c in units if c not in steps),
        }
        return StandardizationPlan(params, steps, ignored)

    def applier(self, plan: Any) -> StandardizationApplier:
        return StandardizationApplier(plan)

    def finalize(self, ctx: CleanContext[StandardizationParams]) -> AgentOutput:
        plan: StandardizationPlan = ctx.plan
        observer = ctx.observer
        assert isinstance(observer, StandardizationObserver)
        report = plan.report or PassReport({c: ColumnReport() for c in plan.steps})
        tally = ctx.tally
        cells: dict[str, dict[str, int]] = {}
        for (rule, column), t in tally.rules.items() if tally else ():
            cells.setdefault(column, {})[rule] = t.cells
        fields = tuple(
            column_facts(c, observer.columns[c], steps, report.columns[c], cells.get(c, {}))
            for c, steps in plan.steps.items()
        )
        retention = Retention.of(tally, ctx.columns_in)
        p = ctx.params
        provisional = DatasetFacts(
            retention.rows_in,
            retention.rows_out,
            retention.columns_in,
            retention.columns_out,
            fields,
            0.0,
            "",
            p.apply_synonyms,
            any(s.synonyms for s in plan.steps.values()),
        )
        result = score(
            {
                "standardization_effectiveness": provisional.effectiveness,
                "data_retention_rate": retention.data_retention_rate,
                "column_retention_rate": retention.column_retention_rate,
            },
            {
                "standardization_effectiveness": p.standardization_effectiveness_weight,
                "data_retention_rate": p.data_retention_weight,
                "column_retention_rate": p.column_retention_weight,
            },
            p,
        )
        dataset = replace(provisional, overall_score=result.overall_score, status=result.status)
        return build_output(
            self.agent_id, self.agent_name, ctx, plan, report, dataset, result, retention
        )
