"""drift-detector: the primary file against a baseline, column by column
(KS, Wasserstein, PSI over baseline-quantile bins with two edge bins, JS,
chi-square, new/absent categories) with a Benjamini-Hochberg dataset
verdict. The statistics are :mod:`analysis_service.domain.drift`'s.

The baseline's pass gives the shared profile only; :meth:`observer` fixes the
bins and categories from it (:class:`DriftReference`) before the first
primary row, and the :class:`DriftObserver` counts the primary into them.
No raw baseline is kept.
"""

from __future__ import annotations

from collections.abc import Sequence

from analysis_service.agents.base import (
    AgentContext,
    AgentOutput,
    Baseline,
    BaselineUse,
    Findings,
    Observer,
    ProfileAgent,
)
from analysis_service.agents.drift_detector import output
from analysis_service.agents.drift_detector.params import DriftParams
from analysis_service.agents.drift_detector.row_level import row_evidence
from analysis_service.agents.drift_detector.rules import (
    ALERTS,
    ISSUES,
    RECOMMENDATIONS,
    RULES,
    DatasetFacts,
    FieldFacts,
)
from analysis_service.agents.rules import evaluate_alerts, evaluate_issues, evaluate_recommendations
from analysis_service.domain.drift import DriftObserver, DriftReference, detect_drift
from analysis_service.findings import IdSequence, collect_row_issues

MAX_ISSUES = 1000


class DriftDetectorAgent(ProfileAgent[DriftParams]):
    agent_id = "drift-detector"
    agent_name = "DriftDetector"
    params_type = DriftParams
    baseline = BaselineUse.REQUIRED
    id_key = "drift"

    def observer(
        self, params: DriftParams, columns: Sequence[str], baseline: Baseline | None
    ) -> Observer | None:
        if baseline is None:
            return None
        reference = DriftReference.from_profile(baseline.profile, RULES)
        return DriftObserver(reference, list(columns))

    def finalize(self, ctx: AgentContext[DriftParams]) -> AgentOutput:
        if not isinstance(ctx.observer, DriftObserver):
            raise RuntimeError("drift-detector ran without its baseline observer")
        params = ctx.params
        drift = detect_drift(ctx.observer.reference, ctx.primary, ctx.observer, params.domain())
        fields = tuple(FieldFacts(c) for c in drift.columns)
        dataset = DatasetFacts(drift, fields)
        ids = IdSequence(self.id_key)
        alerts = evaluate_alerts(ALERTS, fields, dataset, params, ids, self.agent_id)
        issues = evaluate_issues(ISSUES, fields, params, ids, self.agent_id, limit=MAX_ISSUES)
        issues += output.schema_issues(dataset, ids, self.agent_id)[
            : max(0, MAX_ISSUES - len(issues))
        ]
        recommendations = evaluate_recommendations(
            RECOMMENDATIONS, fields, dataset, params, ids, self.agent_id
        )
        row_issues, row_summary = collect_row_issues(row_evidence(fields))
        card = output.card(dataset)
        return AgentOutput(
            agent_id=self.agent_id,
            agent_name=self.agent_name,
            summary_metrics=output.summary_metrics(dataset),
            data={
                "fields": [output.field_tree(f, params) for f in fields],
                "drift_summary": output.drift_summary(dataset),
                **ctx.parameter_echo(),
            },
            findings=Findings(
                alerts=tuple(alerts),
                issues=tuple(issues),
                recommendations=tuple(recommendations),
                cards=(card,) if card is not None else (),
                row_issues=row_issues,
                row_summary=row_summary,
            ),
            ai_analysis_text=output.analysis_text(dataset),
        )
