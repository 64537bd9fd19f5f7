"""field-standardization's result tree (frontend-contract §6.9), its
findings and its card, from the facts (:mod:`.facts`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from analysis_service.agents.base import AgentOutput, Findings
from analysis_service.agents.rules import (
    evaluate_alerts,
    evaluate_issues,
    evaluate_recommendations,
)
from analysis_service.cleaning.agents.field_standardization.facts import ColumnFacts, DatasetFacts
from analysis_service.cleaning.agents.field_standardization.findings import (
    ALERTS,
    ISSUES,
    RECOMMENDATIONS,
    column_actions,
)
from analysis_service.cleaning.agents.field_standardization.params import StandardizationParams
from analysis_service.cleaning.agents.field_standardization.passes import (
    Example,
    PassReport,
    StandardizationPlan,
)
from analysis_service.cleaning.agents.field_standardization.rules import (
    MAX_ISSUES,
    NOTE_MESSAGES,
    ROW_KINDS,
)
from analysis_service.cleaning.agents.field_standardization.steps import date_readings
from analysis_service.cleaning.model import AgentTally, CleanContext
from analysis_service.cleaning.output import FIRST_ROWS, Retention, Score, card, log_lines
from analysis_service.findings import (
    MAX_ROW_LEVEL_ISSUES,
    IdSequence,
    Priority,
    Recommendation,
    RowEvidence,
    RowIssue,
    collect_row_issues,
)

AGENT_KEY = "standardization"


def _row_issue(column: str, kind: str, e: Example, params: StandardizationParams) -> RowIssue:
    issue_type, severity = ROW_KINDS[kind]
    if kind == "changed":
        return RowIssue(
            e.row_index,
            column,
            issue_type,
            severity,
            f"'{e.original}' standardised to '{e.final}' ({', '.join(e.rules)})",
            e.original,
            {"standardized_value": e.final, "rules": list(e.rules)},
        )
    extras: dict[str, Any] = {"reason": kind}
    readings = ""
    if kind == "ambiguous_date":
        extras["possible_readings"] = date_readings(e.final, params.target_date_format)
        readings = " or ".join(extras["possible_readings"])
    message = NOTE_MESSAGES[kind].format(convention=params.date_convention, readings=readings)
    return RowIssue(e.row_index, column, issue_type, severity, message, e.original, extras)


def row_evidence(report: PassReport, params: StandardizationParams) -> list[RowEvidence]:
    out = []
    for column, rep in report.columns.items():
        totals = {"changed": rep.changed, **rep.notes}
        for kind in ROW_KINDS:
            total = int(totals.get(kind, 0))
            if not total:
                continue
            issue_type, severity = ROW_KINDS[kind]
            items = [_row_issue(column, kind, e, params) for e in rep.examples.get(kind, [])]
            out.append(RowEvidence(issue_type, severity, total, items))
    return out


#: the per-column actions that also become a ``rec_standardization_<column>``
_PER_COLUMN = ("decide_date_order", "review_dates", "extend_unit_mappings")


def _column_recommendations(
    fields: Sequence[ColumnFacts], params: StandardizationParams, ids: IdSequence, agent_id: str
) -> list[Recommendation]:
    """One ``rec_standardization_<column>`` per column with values left as
    they are (its reasons joined, its most urgent priority)."""
    by_column: dict[str, list[dict[str, str]]] = {}
    for row in column_actions(tuple(fields), params):
        if row["action"] in _PER_COLUMN:
            by_column.setdefault(row["column"], []).append(row)
    out = []
    for column, rows in by_column.items():
        priority = min((Priority(r["priority"]) for r in rows), key=lambda x: x.rank)
        out.append(
            Recommendation(
                ids.recommendation(column),
                agent_id,
                column,
                priority,
                f"{column}: " + "; ".join(r["reason"] for r in rows),
                "1 week",
                {"actions": [r["action"] for r in rows]},
            )
        )
    return out


def _analysis(fields: Sequence[ColumnFacts], side: str) -> dict[str, Any]:
    sides = {f.name: getattr(f, side) for f in fields}
    return {
        "column_analysis": {name: s.to_dict() for name, s in sides.items()},
        "total_variations": sum(s.variations for s in sides.values()),
        "columns_needing_standardization": sum(1 for s in sides.values() if s.variations),
    }


def _operations(plan: StandardizationPlan) -> dict[str, bool]:
    p, steps = plan.params, plan.steps.values()
    return {
        "case_normalization": p.case_strategy != "none" and bool(plan.steps),
        "whitespace_trimming": p.trim_whitespace and bool(plan.steps),
        "internal_spacing_normalized": p.normalize_internal_spacing and bool(plan.steps),
        "synonyms_applied": any(s.synonyms for s in steps),
        "units_aligned": any(s.units for s in steps),
        "dates_standardized": any(s.dates for s in steps),
    }


def _improvements(d: DatasetFacts) -> dict[str, Any]:
    return {
        "total_variations_reduced": d.variations_reduced,
        "total_values_standardized": d.values_changed,
        "column_improvements": {
            f.name: {
                "unique_values_reduced": f.unique_values_reduced,
                "case_variations_fixed": f.case_variations_fixed,
                "whitespace_issues_fixed": f.whitespace_issues_fixed,
                "improvement_percentage": f.improvement_percentage,
                "values_changed": f.changed,
            }
            for f in d.fields
        },
    }


def _dates(d: DatasetFacts, report: PassReport) -> tuple[dict[str, Any], dict[str, Any]]:
    ambiguous: dict[str, Any] = {}
    columns: dict[str, Any] = {}
    for f in d.fields:
        if not f.date_column:
            continue
        examples = report.columns[f.name].examples.get("ambiguous_date", [])
        columns[f.name] = {
            "order": f.steps.date_order,
            "evidence": dict(f.date_evidence),
            "converted": f.rule_cells.get("date_standardized", 0),
            "ambiguous": f.note("ambiguous_date"),
            "invalid": f.note("invalid_date"),
            "not_dates": f.note("not_a_date"),
        }
        if f.note("ambiguous_date"):
            ambiguous[f.name] = {
                "count": f.note("ambiguous_date"),
                "examples": [
                    {"row_index": e.row_index, "value": e.original} for e in examples[:10]
                ],
            }
    return ambiguous, columns


def _log(tally: AgentTally | None, plan: StandardizationPlan, d: DatasetFacts) -> list[str]:
    lines = log_lines(tally)
    for f in d.fields:
        if f.date_column:
            order = f.steps.date_order or "undecided (ambiguous dates left as they are)"
            lines.append(f"'{f.name}' read as a date column, day/month order {order}")
        if f.kept_apart:
            lines.append(
                f"'{f.name}': {f.kept_apart} key(s) with case-sensitive code spellings "
                "kept apart (not unified)"
            )
        if f.saturated:
            lines.append(f"'{f.name}': spelling table saturated; later spellings not unified")
    for what, names in plan.ignored.items():
        if names:
            lines.append(f"{what} not applied (column absent or preserved): {', '.join(names)}")
    return lines


def build_output(
    agent_id: str,
    agent_name: str,
    ctx: CleanContext[StandardizationParams],
    plan: StandardizationPlan,
    report: PassReport,
    dataset: DatasetFacts,
    result: Score,
    retention: Retention,
) -> AgentOutput:
    p, d, fields = ctx.params, dataset, dataset.fields
    ids = IdSequence(AGENT_KEY)
    alerts = evaluate_alerts(ALERTS, fields, d, p, ids, agent_id)
    issues = evaluate_issues(ISSUES, fields, p, ids, agent_id, limit=MAX_ISSUES)
    recommendations = evaluate_recommendations(RECOMMENDATIONS, fields, d, p, ids, agent_id)
    recommendations += _column_recommendations(fields, p, ids, agent_id)
    evidence = row_evidence(report, p)
    listed, summary = collect_row_issues(evidence, FIRST_ROWS)
    all_rows, all_summary = collect_row_issues(evidence, MAX_ROW_LEVEL_ISSUES)
    ambiguous, date_columns = _dates(d, report)
    summary_text = (
        f"Standardised {d.values_changed} value(s) in {d.columns_standardized} of "
        f"{len(fields)} column(s); variations {d.variations_before} -> {d.variations_after} "
        f"({d.effectiveness:.1f}% removed); score {result.overall_score:.1f} ({result.status})"
    )
    data: dict[str, Any] = {
        "standardization_score": {
            "overall_score": result.overall_score,
            "metrics": {
                "standardization_effectiveness": d.effectiveness,
                "data_retention_rate": retention.data_retention_rate,
                "column_retention_rate": retention.column_retention_rate,
                "variations_before": d.variations_before,
                "variations_after": d.variations_after,
                "variations_reduced": d.variations_reduced,
                "original_rows": retention.rows_in,
                "standardized_rows": retention.rows_out,
                "original_columns": retention.columns_in,
                "standardized_columns": retention.columns_out,
            },
            "weights_used": {
                "standardization_effectiveness_weight": p.standardization_effectiveness_weight,
                "data_retention_weight": p.data_retention_weight,
                "column_retention_weight": p.column_retention_weight,
            },
        },
        "quality_status": result.status,
        "standardization_analysis": {
            "columns_standardized": d.columns_standardized,
            "total_columns": len(ctx.columns_in),
            "pre_standardization": _analysis(fields, "pre"),
            "post_standardization": _analysis(fields, "post"),
            "standardization_operations": _operations(plan),
            "improvements": _improvements(d),
            "recommendations": column_actions(fields, p),
            "columns_analyzed": [f.name for f in fields],
            "spelling_clusters": {f.name: dict(f.clusters) for f in fields if f.clusters},
            "case_sensitive_keys_kept": {f.name: f.kept_apart for f in fields if f.kept_apart},
            "date_columns": date_columns,
            "ignored_parameters": {k: v for k, v in plan.ignored.items() if v},
        },
        "standardization_log": _log(ctx.tally, plan, d),
        "summary": summary_text,
        "row_level_issues": [r.to_dict() for r in listed],
        "issue_summary": summary.to_dict(),
        "ambiguous_dates": ambiguous,
        "saturated_columns": [f.name for f in fields if f.saturated],
        **ctx.parameter_echo(),
    }
    metrics: Mapping[str, Any] = {
        "total_rows_processed": retention.rows_in,
        "columns_standardized": d.columns_standardized,
        "values_changed": d.values_changed,
        "variations_reduced": d.variations_reduced,
        "total_issues": all_summary.total_issues,
    }
    description = (
        f"{d.values_changed} value(s) standardised in {d.columns_standardized} column(s); "
        f"{d.effectiveness:.1f}% of variations removed"
    )
    findings = Findings(
        alerts=tuple(alerts),
        issues=tuple(issues),
        recommendations=tuple(recommendations),
        cards=(
            card("exec_field_standardization", "Field Standardization Status", result, description),
        ),
        row_issues=all_rows,
        row_summary=all_summary,
    )
    return AgentOutput(
        agent_id=agent_id,
        agent_name=agent_name,
        summary_metrics=metrics,
        data=data,
        findings=findings,
        ai_analysis_text=summary_text,
    )
