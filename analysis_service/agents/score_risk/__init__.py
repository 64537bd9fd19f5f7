"""score-risk: PII found by content and checked by validators (the column
name as context, never alone), sensitive names, spreadsheet-damaged numbers,
per-column risk with the parameter thresholds, compliance notes per
framework (GDPR, CCPA, HIPAA, PCI DSS).

The observer is :class:`~analysis_service.domain.pii.PiiSampler`: a seeded,
mergeable, uniform reservoir of ``pii_sample_size`` values per column, with
their file rows, over the whole primary."""

from __future__ import annotations

from collections.abc import Sequence

from analysis_service.agents.base import (
    AgentContext,
    AgentOutput,
    Baseline,
    Findings,
    Observer,
    ProfileAgent,
)
from analysis_service.agents.rules import evaluate_alerts, evaluate_issues, evaluate_recommendations
from analysis_service.agents.score_risk import output
from analysis_service.agents.score_risk.params import RiskParams
from analysis_service.agents.score_risk.rules import (
    ALERTS,
    ISSUES,
    RECOMMENDATIONS,
    DatasetRisk,
    score_field,
)
from analysis_service.domain.pii import ColumnDetector, ColumnFacts, PiiSampler, sensitive_name
from analysis_service.findings import IdSequence, Priority, Recommendation, collect_row_issues

MAX_ISSUES = 1000
#: Fields that get their own encryption/masking recommendation (upstream: top 3).
TOP_FIELDS = 3
#: The reservoir's seed: the same file gives the same sample.
SAMPLE_SEED = 0


class _RiskIds(IdSequence):
    """Upstream's score-risk ids do not share one prefix
    (``alert_pii_001_detected_critical``, ``rec_gdpr_compliance``): rule
    names are the whole id after ``alert_`` / ``rec_``."""

    def alert(self, name: str) -> str:
        return self.exact(f"alert_{name}")

    def recommendation(self, name: str) -> str:
        return self.exact(f"rec_{name}")


class ScoreRiskAgent(ProfileAgent[RiskParams]):
    agent_id = "score-risk"
    agent_name = "RiskScorer"
    params_type = RiskParams
    id_key = "risk"

    def observer(
        self, params: RiskParams, columns: Sequence[str], baseline: Baseline | None
    ) -> Observer | None:
        if not params.pii_detection_enabled:
            return None
        return PiiSampler(list(columns), params.pii_sample_size, seed=SAMPLE_SEED)

    def finalize(self, ctx: AgentContext[RiskParams]) -> AgentOutput:
        params = ctx.params
        sampler = ctx.observer if isinstance(ctx.observer, PiiSampler) else None
        detector = ColumnDetector()
        fields = []
        for column in ctx.primary.columns:
            facts = ColumnFacts.from_profile(column)
            assessment = (
                detector.detect_sample(sampler.sample(column.name), facts)
                if sampler is not None
                else None
            )
            sensitive = (
                sensitive_name(column.name) if params.sensitive_field_detection_enabled else None
            )
            fields.append(
                score_field(column.name, assessment, sensitive, params, facts.non_null_count or 0)
            )
        dataset = DatasetRisk(tuple(fields), params)
        ids = _RiskIds(self.id_key)
        alerts = evaluate_alerts(ALERTS, fields, dataset, params, ids, self.agent_id)
        issues = evaluate_issues(ISSUES, fields, params, ids, self.agent_id, limit=MAX_ISSUES)
        recommendations = self._field_recommendations(dataset, ids)
        recommendations += evaluate_recommendations(
            RECOMMENDATIONS, fields, dataset, params, ids, self.agent_id
        )
        row_issues, row_summary = collect_row_issues(output.row_evidence(dataset))
        return AgentOutput(
            agent_id=self.agent_id,
            agent_name=self.agent_name,
            summary_metrics=output.summary_metrics(dataset),
            data={
                "fields": [output.field_tree(f) for f in fields],
                "risk_summary": output.risk_summary(dataset),
                "row_level_issues": [r.to_dict() for r in row_issues[:100]],
                "issue_summary": row_summary.to_dict(),
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
            ai_analysis_text=output.analysis_text(dataset),
        )

    def _field_recommendations(self, d: DatasetRisk, ids: IdSequence) -> list[Recommendation]:
        risky = sorted(
            (f for f in d.fields if f.level in ("high", "medium")), key=lambda f: -f.score
        )[:TOP_FIELDS]
        return [
            Recommendation(
                recommendation_id=ids.recommendation(
                    f"risk_{f.name}" if f.level == "high" else f"risk_medium_{f.name}"
                ),
                agent_id=self.agent_id,
                field_name=f.name,
                priority=Priority.HIGH if f.level == "high" else Priority.MEDIUM,
                recommendation=f"Encrypt or mask {f.name} (risk score {f.score})",
                timeline="1 week" if f.level == "high" else "2-3 weeks",
                extras={
                    "estimated_effort_hours": 2 if f.level == "high" else 1,
                    "owner": "Data Protection",
                    "depends_on": [],
                },
            )
            for f in risky
        ]
