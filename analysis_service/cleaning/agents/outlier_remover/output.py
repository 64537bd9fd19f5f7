"""outlier-remover's result tree (frontend-contract §6.12).

Totals are over the whole input: the plan's detection runs on every value
of a column (exact up to 10^6 values per column, scaled from the reservoir
beyond, flagged ``counts_exact``), lists are capped (50 outliers per
column, 100 row-level entries). ``remaining_outliers`` is measured against
the writing pass (``ctx.tally``): under ``remove`` the outlier rows the
plan found that were not quarantined, under ``impute_*`` the outlier cells
not replaced, plus replaced cells whose imputation value is itself outside
the fences (never, as it is a mean or median of the inliers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from analysis_service.agents.base import AgentOutput
from analysis_service.cleaning import output as shared
from analysis_service.cleaning.agents.outlier_remover import rules
from analysis_service.cleaning.agents.outlier_remover.logic import fmt
from analysis_service.cleaning.agents.outlier_remover.params import OutlierParams
from analysis_service.cleaning.agents.outlier_remover.rules import (
    LISTED_OUTLIERS,
    RULE_IMPUTED,
    ColumnFacts,
    DatasetFacts,
)
from analysis_service.cleaning.model import AgentTally, CleanContext
from analysis_service.findings import RowEvidence, RowIssue, RowSeverity

if TYPE_CHECKING:
    from analysis_service.cleaning.agents.outlier_remover import (
        ColumnOutliers,
        OutlierPlan,
        OutlierRemover,
    )


def _action(params: OutlierParams) -> str:
    return "removed" if params.removal_strategy == "remove" else params.removal_strategy


def _imputed(tally: AgentTally | None, column: str) -> int:
    if tally is None:
        return 0
    t = tally.rules.get((RULE_IMPUTED, column))
    return t.cells if t else 0


def _remaining(plan: OutlierPlan, tally: AgentTally | None) -> int:
    if plan.params.removal_strategy == "remove":
        removed = tally.rows_removed if tally else 0
        return max(plan.outlier_rows - removed, 0)
    left = 0
    for c, info in plan.columns.items():
        done = _imputed(tally, c)
        left += max(info.count - done, 0)
        if info.imputation is not None and info.fences.is_outlier(info.imputation):
            left += done
    return left


def _outliers(info: ColumnOutliers) -> list[dict[str, Any]]:
    f = info.fences
    return [
        {
            "row_index": r,
            "value": x,
            "severity": f.severity(x),
            "method": f.method,
            **f.detail(x),
        }
        for r, x in info.examples[:LISTED_OUTLIERS]
    ]


_KINDS = ((RowSeverity.CRITICAL, "extreme_value"), (RowSeverity.WARNING, "outlier"))


def _evidence(plan: OutlierPlan) -> list[RowEvidence]:
    out = []
    for c, info in plan.columns.items():
        f = info.fences
        for sev, kind in (
            (RowSeverity.CRITICAL, "extreme_value"),
            (RowSeverity.WARNING, "outlier"),
        ):
            items = [
                RowIssue(
                    row_index=r,
                    column=c,
                    issue_type=kind,
                    severity=sev,
                    message=f"{c}={fmt(x)} {f.why(x)} ({f.method})",
                    value=x,
                    extras=(
                        {"z_score": round(f.z(x), 4)}
                        if f.method == "z_score"
                        else {"bounds": {"lower": f.lower, "upper": f.upper}}
                    ),
                )
                for r, x in info.examples
                if (f.severity(x) == "critical") == (sev is RowSeverity.CRITICAL)
            ]
            total = info.critical if sev is RowSeverity.CRITICAL else info.count - info.critical
            out.append(RowEvidence(kind, sev, total, items, exact=info.exact))
    return out


def _row_level(plan: OutlierPlan) -> list[dict[str, Any]]:
    action = _action(plan.params)
    kind = "outlier_removed" if action == "removed" else "outlier_imputed"
    entries = []
    for c, info in plan.columns.items():
        f = info.fences
        for r, x in info.examples:
            entries.append(
                {
                    "row_index": r,
                    "column": c,
                    "issue_type": kind,
                    "description": f"{c}={fmt(x)} {f.why(x)}",
                    "severity": f.severity(x),
                    "value": x,
                    "action_taken": action,
                }
            )
    entries.sort(key=lambda e: (e["row_index"], e["column"]))
    return shared.first(entries)


def build(agent: OutlierRemover, ctx: CleanContext[OutlierParams]) -> AgentOutput:
    plan: OutlierPlan = ctx.plan
    params = ctx.params
    tally = ctx.tally
    retention = shared.Retention.of(tally, ctx.columns_in)
    action = _action(params)
    original = sum(info.count for info in plan.columns.values())
    remaining = _remaining(plan, tally)
    handled = original if action == "removed" and remaining == 0 else max(original - remaining, 0)
    reduction = shared.reduction_rate(original, remaining)
    result = shared.retention_score(reduction, retention, params.outlier_reduction_weight, params)
    values = sum(info.total_values for info in plan.columns.values())
    facts = [
        ColumnFacts(
            name=c,
            outliers=info.count,
            pct=shared.percent(info.count, info.total_values, empty=0.0),
            critical=info.critical,
            skewed=info.skewed,
            action=action,
        )
        for c, info in plan.columns.items()
    ]
    removed_rows = tally.rows_removed if tally else 0
    dataset = DatasetFacts(
        rows=plan.rows,
        numeric_columns=len(plan.columns),
        skipped=len(plan.skipped_identifiers),
        outliers=original,
        pct=shared.percent(original, values, empty=0.0),
        rows_removed=removed_rows,
        removed_pct=shared.percent(removed_rows, retention.rows_in, empty=0.0),
        data_retention_rate=retention.data_retention_rate,
        remaining=remaining,
        score=result.overall_score,
        strategy=params.removal_strategy,
    )
    evidence = _evidence(plan)
    found = shared.findings(
        shared.rule_findings("outliers", agent.agent_id, rules, facts, dataset, params),
        shared.card(
            "exec_outlier_removal",
            "Outlier Removal Status",
            result,
            f"{handled} of {original} outliers handled ({action}), "
            f"{retention.data_retention_rate:.1f}% of rows kept",
        ),
        evidence,
    )
    summary = (
        f"Outlier removal ({params.detection_method}, {action}): {original} outlier value(s) "
        f"in {len(plan.columns)} numeric column(s), {handled} handled, {remaining} remain; "
        f"{retention.rows_out} of {retention.rows_in} rows kept; "
        f"score {result.overall_score:.1f} ({result.status})."
        + (
            f" Identifier-like columns skipped: {', '.join(plan.skipped_identifiers)}."
            if plan.skipped_identifiers
            else ""
        )
    )
    data = {
        "outlier_score": {
            "overall_score": result.overall_score,
            "metrics": {
                "outlier_reduction_rate": reduction,
                **shared.retention_metrics(retention),
                "original_outliers": original,
                "remaining_outliers": remaining,
            },
        },
        "quality_status": result.status,
        "outlier_analysis": {
            "total_rows": plan.rows,
            "numeric_columns": list(plan.columns),
            "skipped_identifier_columns": list(plan.skipped_identifiers),
            "unchecked_target_columns": dict(plan.unchecked),
            "rows_with_outliers": plan.outlier_rows,
            "counts_exact": plan.exact,
            "outlier_summary": {
                c: {
                    "outlier_count": info.count,
                    "outlier_percentage": f.pct,
                    "data_type": info.data_type,
                    "total_values": info.total_values,
                    "method_used": info.fences.method,
                    "threshold": info.fences.threshold(),
                    "lower_bound": info.fences.lower if info.fences.method != "z_score" else None,
                    "upper_bound": info.fences.upper if info.fences.method != "z_score" else None,
                    "critical_count": info.critical,
                    "imputation_value": info.imputation,
                    "counts_exact": info.exact,
                    "outliers": _outliers(info),
                }
                for (c, info), f in zip(plan.columns.items(), facts, strict=True)
            },
            "recommendations": [
                {
                    "column": f.name,
                    "action": "review_column" if f.pct > rules.COLUMN_CRITICAL_PCT else action,
                    "reason": f"{f.outliers} outlier(s) ({f.pct:.2f}%)",
                    "priority": "high" if f.pct > rules.COLUMN_CRITICAL_PCT else "medium",
                }
                for f in facts
                if f.outliers
            ],
        },
        "removal_log": shared.log_lines(tally)
        + [
            f"{c}: {info.count} outlier(s) {info.fences.threshold()} ({info.fences.method})"
            for c, info in plan.columns.items()
        ]
        + [f"{c}: skipped (identifier-like)" for c in plan.skipped_identifiers]
        + [f"{c}: listed in target_columns but {why}" for c, why in plan.unchecked.items()],
        "summary": summary,
        "row_level_issues": _row_level(plan),
        **ctx.parameter_echo(),
    }
    return AgentOutput(
        agent_id=agent.agent_id,
        agent_name=agent.agent_name,
        summary_metrics={
            "total_rows_processed": retention.rows_in,
            "outliers_handled": handled,
            "original_outliers": original,
            "remaining_outliers": remaining,
            "total_issues": found.row_summary.total_issues,
        },
        data=data,
        findings=found,
        ai_analysis_text=summary,
    )
