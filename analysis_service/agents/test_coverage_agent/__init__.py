"""test-coverage-agent: user-defined uniqueness, range and format tests run
over EVERY row in the streaming pass, with Great Expectations' result
fields per test.

``params`` (typed parameters), ``uniques`` (exact uniqueness in bounded
memory), ``observer`` (the streaming tests), ``output`` (per-test results,
scores, the upstream tree), ``findings`` (alerts, issues, recommendations,
card, row evidence).
"""

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
from analysis_service.agents.test_coverage_agent import findings, output
from analysis_service.agents.test_coverage_agent.observer import CoverageObserver
from analysis_service.agents.test_coverage_agent.params import ECHOED, CoverageParams
from analysis_service.findings import IdSequence, collect_row_issues

#: upstream lists the first 100 row-level issues
MAX_ROW_ISSUES = 100


class TestCoverageAgent(ProfileAgent[CoverageParams]):
    """The test-coverage-agent (stateless; its observer holds the state)."""

    agent_id = "test-coverage-agent"
    agent_name = "Test Coverage Agent"
    params_type = CoverageParams

    def observer(
        self, params: CoverageParams, columns: Sequence[str], baseline: Baseline | None
    ) -> Observer | None:
        return CoverageObserver(params, columns) if params.configured else None

    def finalize(self, ctx: AgentContext[CoverageParams]) -> AgentOutput:
        params, profile = ctx.params, ctx.primary
        observer = ctx.observer if isinstance(ctx.observer, CoverageObserver) else None
        results = output.test_results(params, profile, observer)
        s = output.scores(params, results)
        coverage = output.coverage_issues(results, profile.column_names)
        ids = IdSequence("test")
        row_issues, row_summary = collect_row_issues(findings.row_evidence(results), MAX_ROW_ISSUES)
        echo = ctx.parameter_echo()
        echoed = {k: {n: v for n, v in echo[k].items() if n in ECHOED} for k in echo}
        data = {
            "test_coverage_scores": {
                "overall": s.overall,
                **{d: float(v) if v is not None else 0.0 for d, v in s.dimensions.items()},
            },
            "coverage_status": s.status,
            "total_records": profile.rows,
            "fields_analyzed": profile.column_names,
            "test_coverage_issues": coverage,
            "row_level_issues": [r.to_dict() for r in row_issues],
            "issue_summary": row_summary.to_dict(),
            "tests": [r.to_dict() for r in results],
            "tests_configured": len(results),
            "tests_passed": sum(1 for r in results if r.success),
            "dimensions_tested": [d for d, v in s.dimensions.items() if v is not None],
            **echoed,
        }
        return AgentOutput(
            agent_id=self.agent_id,
            agent_name=self.agent_name,
            summary_metrics={
                "total_records": profile.rows,
                "total_fields": len(profile.columns),
                "test_coverage_score": s.overall,
                "coverage_status": s.status,
                "issues_found": len(coverage),
            },
            data=data,
            findings=Findings(
                alerts=tuple(findings.alerts(params, s, results, ids)),
                issues=tuple(findings.issues(coverage, ids)),
                recommendations=tuple(findings.recommendations(results, ids)),
                cards=(findings.card(s, results),),
                row_issues=row_issues,
                row_summary=row_summary,
            ),
            ai_analysis_text=(
                "Test coverage: no tests configured."
                if not results
                else f"Test coverage {s.overall:.1f} ({s.status}); "
                f"{data['tests_passed']} of {len(results)} tests passed; "
                f"{len(coverage)} problems."
            ),
        )
