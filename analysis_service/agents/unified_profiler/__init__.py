"""unified-profiler: per-column statistics, type inference, quality scores
and the alert kinds people know from ydata-profiling, from the shared
profile alone (no observer).

``params`` (the typed parameters), ``facts`` (what the rules read),
``rules`` (cut-offs and shared predicates), ``alerts`` and ``issues`` (the
rule tables: alerts; issues and recommendations), ``row_level`` (row
evidence), ``output`` (the upstream result tree, ours beside it).
"""

from __future__ import annotations

from analysis_service.agents.base import AgentContext, AgentOutput, Findings, ProfileAgent
from analysis_service.agents.rules import evaluate_alerts, evaluate_issues, evaluate_recommendations
from analysis_service.agents.unified_profiler import output, rules
from analysis_service.agents.unified_profiler.alerts import ALERTS
from analysis_service.agents.unified_profiler.facts import DatasetFacts, FieldFacts
from analysis_service.agents.unified_profiler.issues import ISSUES, RECOMMENDATIONS
from analysis_service.agents.unified_profiler.params import ProfilerParams
from analysis_service.agents.unified_profiler.row_level import row_evidence
from analysis_service.findings import IdSequence, collect_row_issues

#: Most field-level issues the profiler lists (upstream: about 100 fields' worth).
MAX_ISSUES = 1000


class UnifiedProfilerAgent(ProfileAgent[ProfilerParams]):
    """The unified-profiler agent (stateless; safe to share)."""

    agent_id = "unified-profiler"
    agent_name = "UnifiedProfiler"
    params_type = ProfilerParams
    id_key = "profile"

    def finalize(self, ctx: AgentContext[ProfilerParams]) -> AgentOutput:
        params = ctx.params
        fields = tuple(FieldFacts.of(column, params) for column in ctx.primary.columns)
        dataset = DatasetFacts(ctx.primary, fields, params)
        ids = IdSequence(self.id_key)
        alerts = evaluate_alerts(ALERTS, fields, dataset, params, ids, self.agent_id)
        issues = evaluate_issues(ISSUES, fields, params, ids, self.agent_id, limit=MAX_ISSUES)
        recommendations = evaluate_recommendations(
            RECOMMENDATIONS, fields, dataset, params, ids, self.agent_id
        )
        row_issues, row_summary = collect_row_issues(row_evidence(fields, dataset))
        counts = {
            "nulls": sum(1 for f in fields if rules.critical_nulls(f, params)),
            "conflicts": sum(1 for f in fields if f.type_conflict),
            "pii": sum(1 for f in fields if f.pii is not None),
        }
        return AgentOutput(
            agent_id=self.agent_id,
            agent_name=self.agent_name,
            summary_metrics=output.summary_metrics(dataset, issues),
            data={
                "fields": [output.field_tree(f) for f in fields],
                "quality_summary": output.quality_summary(dataset),
                "dataset": output.dataset_tree(dataset),
                "accuracy": output.accuracy(ctx.primary),
                **ctx.parameter_echo(),
            },
            findings=Findings(
                alerts=tuple(alerts),
                issues=tuple(issues),
                recommendations=tuple(recommendations),
                cards=(output.card(dataset),),
                row_issues=row_issues,
                row_summary=row_summary,
            ),
            ai_analysis_text=output.analysis_text(dataset, counts),
        )
