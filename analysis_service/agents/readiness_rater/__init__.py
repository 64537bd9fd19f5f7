"""readiness-rater: completeness, consistency and schema health from the
shared profile, minus deductions for what the other agents of the same
task found (their published alerts), into a READY / NEEDS_REVIEW /
NOT_READY verdict.

``params`` (typed parameters), ``rules`` (what each finding costs),
``output`` (components, deductions, verdict).
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
from analysis_service.agents.readiness_rater import output
from analysis_service.agents.readiness_rater.observer import SparseRows
from analysis_service.agents.readiness_rater.output import DESCRIPTIONS, Component, Deduction
from analysis_service.agents.readiness_rater.params import ReadinessParams
from analysis_service.agents.readiness_rater.rules import LOW_ROW_CRITICAL_SHARE
from analysis_service.findings import (
    Alert,
    Card,
    CardStatus,
    IdSequence,
    Issue,
    Priority,
    Recommendation,
    RowEvidence,
    RowIssue,
    RowSeverity,
    Severity,
    collect_row_issues,
)

_STATUS_NUMBER = {
    "ready": "003_production_ready",
    "needs_review": "002_needs_review",
    "not_ready": "001_not_ready",
}
_CARD = {
    "ready": CardStatus.READY,
    "needs_review": CardStatus.NEEDS_REVIEW,
    "not_ready": CardStatus.NOT_READY,
}
_SEVERITY = {"ready": Severity.LOW, "needs_review": Severity.MEDIUM, "not_ready": Severity.CRITICAL}


class ReadinessRaterAgent(ProfileAgent[ReadinessParams]):
    """The readiness-rater agent: the profile, ``earlier`` and its count of
    mostly empty rows."""

    agent_id = "readiness-rater"
    agent_name = "ReadinessRater"
    params_type = ReadinessParams

    def observer(
        self, params: ReadinessParams, columns: Sequence[str], baseline: Baseline | None
    ) -> Observer | None:
        return SparseRows()

    def finalize(self, ctx: AgentContext[ReadinessParams]) -> AgentOutput:
        params, profile = ctx.params, ctx.primary
        parts = output.components(params, profile)
        taken = output.deductions(profile, ctx.earlier)
        v = output.verdict(params, parts, taken)
        description, advice = DESCRIPTIONS[v.status]
        ids = IdSequence("readiness")
        ready = sum(1 for c in parts if c.score >= params.ready_threshold)
        review = sum(
            1 for c in parts if params.needs_review_threshold <= c.score < params.ready_threshold
        )
        sparse = ctx.observer if isinstance(ctx.observer, SparseRows) else SparseRows()
        row_issues, summary = collect_row_issues(_sparse_rows(sparse), seeded=True)
        return AgentOutput(
            agent_id=self.agent_id,
            agent_name=self.agent_name,
            summary_metrics={
                "readiness_score": v.score,
                "readiness_status": v.status,
                "components_ready": ready,
                "components_needs_review": review,
                "components_not_ready": len(parts) - ready - review,
                "readiness_verdict": v.status.upper(),
                "base_score": v.base_score,
                "total_deduction": sum(d.amount for d in taken),
            },
            data={
                "readiness_assessment": {
                    "overall_score": v.score,
                    "overall_status": v.status,
                    "status_description": description,
                    "recommendation": advice,
                    "verdict": v.status.upper(),
                    "base_score": v.base_score,
                    "total_deduction": sum(d.amount for d in taken),
                    "agents_considered": [
                        a for a, p in ctx.earlier.items() if p.status.value == "success"
                    ],
                },
                "component_scores": [c.to_dict() for c in parts],
                "deductions": [d.to_dict() for d in taken],
                **ctx.parameter_echo(),
            },
            findings=Findings(
                alerts=tuple(self._alerts(params, v, parts, ids)),
                issues=tuple(self._issues(profile, ids)),
                recommendations=tuple(self._recommendations(v.status, taken, ids)),
                cards=(
                    Card(
                        "exec_readiness",
                        "Data Readiness Status",
                        f"{v.score:.1f}",
                        _CARD[v.status],
                        f"{description} ({len(taken)} deductions)",
                    ),
                ),
                row_issues=row_issues,
                row_summary=summary,
            ),
            ai_analysis_text=f"Readiness {v.score:.1f} ({v.status}); base {v.base_score:.1f} "
            f"minus {len(taken)} deductions.",
        )

    def _alerts(
        self, params: ReadinessParams, v: output.Verdict, parts: list[Component], ids: IdSequence
    ) -> list[Alert]:
        out = [
            Alert(
                ids.exact(f"alert_readiness_{_STATUS_NUMBER[v.status]}"),
                self.agent_id,
                _SEVERITY[v.status],
                "readiness",
                f"Readiness score {v.score:.1f}: {v.status.replace('_', ' ')} (ready from "
                f"{params.ready_threshold}, review from {params.needs_review_threshold})",
                DESCRIPTIONS[v.status][1],
                affected_fields_count=0,
            )
        ]
        for c in parts:
            if c.score < params.needs_review_threshold:
                level, severity = "critical", Severity.CRITICAL
            elif c.score < params.ready_threshold:
                level, severity = "high", Severity.HIGH
            else:
                continue
            name = "schema" if c.component == "schema_health" else c.component
            out.append(
                Alert(
                    ids.exact(f"alert_readiness_{name}_{level}"),
                    self.agent_id,
                    severity,
                    c.component,
                    f"{c.component.replace('_', ' ').capitalize()} {c.score:.1f}: {c.description}",
                    f"Improve {c.component.replace('_', ' ')} above {params.ready_threshold}",
                    affected_fields_count=0,
                )
            )
        return out

    def _issues(self, profile: output.DatasetProfile, ids: IdSequence) -> list[Issue]:
        out = []
        for column, why in output.unhealthy_columns(profile).items():
            kind = {"unnamed": "unnamed_column", "empty": "empty_column"}.get(
                why, "repeated_column"
            )
            out.append(
                Issue(
                    ids.issue(kind, column),
                    self.agent_id,
                    column,
                    kind,
                    Severity.HIGH if why == "empty" else Severity.MEDIUM,
                    f"Column {column!r} is {why}",
                )
            )
        return out

    def _recommendations(
        self, status: str, taken: list[Deduction], ids: IdSequence
    ) -> list[Recommendation]:
        out = []
        if status != "ready":
            out.append(
                Recommendation(
                    ids.exact(
                        "rec_readiness_001_overall_critical"
                        if status == "not_ready"
                        else "rec_readiness_002_review_required"
                    ),
                    self.agent_id,
                    "",
                    Priority.CRITICAL if status == "not_ready" else Priority.HIGH,
                    DESCRIPTIONS[status][1],
                    "immediate" if status == "not_ready" else "1 week",
                )
            )
        for n, d in enumerate(sorted(taken, key=lambda d: -d.amount)[:2], start=1):
            out.append(
                Recommendation(
                    ids.exact(f"rec_readiness_deduction_{n}"),
                    self.agent_id,
                    ", ".join(d.fields),
                    Priority.HIGH if d.amount >= 10 else Priority.MEDIUM,
                    f"{d.remediation} (costs {d.amount:g} points: {d.reason})",
                    "1-2 weeks",
                )
            )
        return out


def _sparse_rows(sparse: SparseRows) -> list[RowEvidence]:
    """``readiness_low`` rows (column "global", with their ``null_percentage``)."""
    if not sparse.count:
        return []
    items = [
        RowIssue(
            row,
            "global",
            "readiness_low",
            RowSeverity.CRITICAL if share > LOW_ROW_CRITICAL_SHARE else RowSeverity.WARNING,
            f"Row {row} has {share:.0%} empty cells",
            None,
            {"null_percentage": round(share * 100, 2)},
        )
        for row, share in sparse.examples
    ]
    severity = RowSeverity.CRITICAL if sparse.critical else RowSeverity.WARNING
    return [RowEvidence("readiness_low", severity, sparse.count, items)]
