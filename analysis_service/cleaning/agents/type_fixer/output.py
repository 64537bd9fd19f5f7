"""type-fixer's result tree (frontend-contract §6.8) from the plan and the
chain's tally of the writing pass.

Type issues are counted per cell over this agent's whole input: in a typed
column, the cells whose text is not the canonical text of the column's type
(to rewrite), the values that do not convert and the ambiguous day/month
dates. Fixed = rewritten cells (+ the values whose rows strict_types
quarantined); the score's issue reduction is fixed / found (100 when none).

Our additions beside upstream's keys: per column of ``type_summary``
``conversion_status``, ``target_type`` (converted columns only:
integer|float|datetime|boolean, the type cleanse-writeback checks in the
cleaned CSV), ``remaining_issues`` (converted columns: values of the column
left in the cleaned file that are not in ``target_type``'s canonical form,
kept mismatches and ambiguous dates; writeback allows that many),
``changed_values``, ``type_share``, ``date_order``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from analysis_service.agents.base import AgentOutput, Findings
from analysis_service.agents.rules import (
    evaluate_alerts,
    evaluate_issues,
    evaluate_recommendations,
)
from analysis_service.cleaning.agents.type_fixer.findings import (
    ALERTS,
    AMBIGUOUS_REC,
    ISSUES,
    RECOMMENDATIONS,
    TypeDataset,
    notes,
)
from analysis_service.cleaning.agents.type_fixer.params import TypeFixerParams
from analysis_service.cleaning.agents.type_fixer.plan import ColumnPlan, Status, TypePlan
from analysis_service.cleaning.agents.type_fixer.rules import CURRENT_TYPE, RULE_CONVERT
from analysis_service.cleaning.model import AgentTally, CleanContext
from analysis_service.cleaning.output import Retention, card, first, log_lines, percent, score
from analysis_service.findings import (
    MAX_ROW_LEVEL_ISSUES,
    IdSequence,
    Priority,
    Recommendation,
    RowEvidence,
    RowIssue,
    RowSeverity,
    collect_row_issues,
)

QUALITY_COLORS = {"excellent": "green", "good": "yellow", "needs_improvement": "red"}


def _changed(tally: AgentTally | None, c: ColumnPlan) -> int:
    if tally is None or c.target is None:
        return 0
    rule = tally.rules.get((RULE_CONVERT[c.target], c.name))
    return rule.cells if rule else 0


def _column_summary(c: ColumnPlan, tally: AgentTally | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "current_type": CURRENT_TYPE,
        "suggested_type": c.label,
        "issues": notes(c),
        "sample_values": list(c.samples),
        "conversion_status": c.status.value,
        # share of the non-null values that are of the suggested type (text: all)
        "type_share": percent(c.support if c.typed else c.non_null, c.non_null, empty=0.0),
    }
    if c.converted:
        entry["target_type"] = c.target
        entry["changed_values"] = _changed(tally, c)
        entry["remaining_issues"] = c.remaining
    if c.suggested == "datetime":
        entry["date_order"] = c.order
    return entry


def _row_evidence(c: ColumnPlan) -> list[RowEvidence]:
    extras = {"current_type": CURRENT_TYPE, "suggested_type": c.label}
    out = []
    if c.typed and c.mismatches:
        if c.status is Status.PRESERVED:
            kind, sev, fate = "type_conflict", RowSeverity.WARNING, "column left unchanged"
        elif c.status is Status.GATED:
            kind, sev, fate = "type_mismatch", RowSeverity.INFO, f"not converted ({c.gate} off)"
        elif c.quarantines:
            kind, sev, fate = "type_mismatch", RowSeverity.CRITICAL, "row moved to quarantine"
        else:
            fate = "kept as it was" + (" (mixed column: not quarantined)" if c.strict else "")
            kind, sev = "type_mismatch", RowSeverity.WARNING
        items = [
            RowIssue(row, c.name, kind, sev, f"{v!r} is not {c.label}: {fate}", v, extras)
            for row, v in c.mismatch_examples
        ]
        out.append(RowEvidence(kind, sev, c.mismatches, items))
    if c.ambiguous:
        msg = "{!r} in {} can be read day-first or month-first: left as it is"
        items = [
            RowIssue(
                row, c.name, "ambiguous_date", RowSeverity.WARNING, msg.format(v, c.name), v, extras
            )
            for row, v in c.ambiguous_examples
        ]
        out.append(RowEvidence("ambiguous_date", RowSeverity.WARNING, c.ambiguous, items))
    return out


def _analysis_recommendations(cols: list[ColumnPlan]) -> list[dict[str, Any]]:
    out = []
    for c in cols:
        if (c.typed and c.found) or c.status is Status.CATEGORY:
            out.append(
                {
                    "column": c.name,
                    "action": f"convert_to_{c.label}",
                    "reason": "; ".join(notes(c)),
                    "priority": "high" if c.mismatches or c.ambiguous else "medium",
                }
            )
    return out


def _fix_log(cols: list[ColumnPlan], tally: AgentTally | None) -> list[str]:
    lines = []
    for c in cols:
        if c.converted:
            lines.append(
                f"{c.name}: converted to {c.target} ({_changed(tally, c)} cell(s) rewritten, "
                f"{c.remaining} value(s) left as they were)"
            )
        elif c.status is not Status.TEXT:
            lines.append(f"{c.name}: {c.status.value} ({'; '.join(notes(c))})")
    return lines + log_lines(tally)


def build_output(agent_id: str, agent_name: str, ctx: CleanContext[TypeFixerParams]) -> AgentOutput:
    plan: TypePlan = ctx.plan
    params, tally = ctx.params, ctx.tally
    cols = list(plan.columns.values())
    retention = Retention.of(tally, ctx.columns_in)
    rows_in = retention.rows_in if tally is not None else plan.rows
    original = sum(c.found for c in cols)
    remaining = sum(c.remaining for c in cols)
    fixed = original - remaining
    reduction = percent(fixed, original)
    result = score(
        {
            "type_reduction": reduction,
            "data_retention": retention.data_retention_rate,
            "column_retention": retention.column_retention_rate,
        },
        {
            "type_reduction": params.type_reduction_weight,
            "data_retention": params.data_retention_weight,
            "column_retention": params.column_retention_weight,
        },
        params,
    )
    rows_removed = tally.rows_removed if tally else 0
    issue_columns = tuple(c.name for c in cols if c.found)
    dataset = TypeDataset(
        len(cols), issue_columns, original, remaining, rows_removed, result.overall_score
    )
    ids = IdSequence("types")
    alerts = [
        # the share alert concerns the columns with issues, not every column
        replace(a, affected_fields=issue_columns) if a.alert_id.endswith("_high_mismatches") else a
        for a in evaluate_alerts(ALERTS, cols, dataset, params, ids, agent_id)
    ]
    issues = evaluate_issues(ISSUES, cols, params, ids, agent_id, limit=MAX_ROW_LEVEL_ISSUES)
    recs = evaluate_recommendations(RECOMMENDATIONS, cols, dataset, params, ids, agent_id)
    for c in cols:
        if c.ambiguous and c.ambiguous_examples:
            text = AMBIGUOUS_REC.format(
                column=c.name, count=c.ambiguous, example=repr(c.ambiguous_examples[0][1])
            )
            recs.append(
                Recommendation(
                    ids.recommendation(c.name), agent_id, c.name, Priority.MEDIUM, text, "immediate"
                )
            )
    evidence = [e for c in cols for e in _row_evidence(c)]
    listed, row_summary = collect_row_issues(evidence)
    converted = plan.converted()
    cells = tally.cells_changed if tally else 0
    summary = (
        f"Type Fixer analysed {len(cols)} column(s) over {rows_in} row(s): "
        f"{len(converted)} converted, {cells} cell(s) rewritten, {rows_removed} row(s) moved "
        f"to quarantine; {remaining} of {original} type issue(s) remain. "
        f"Score {result.overall_score:.1f} ({result.status})."
    )
    data = {
        "fixing_score": {
            "overall_score": result.overall_score,
            "quality": result.status,
            "quality_color": QUALITY_COLORS.get(result.status, "red"),
            "metrics": {
                "issue_reduction_rate": float(reduction),
                "data_retention_rate": float(retention.data_retention_rate),
                "column_retention_rate": float(retention.column_retention_rate),
                "original_issues": original,
                "remaining_issues": remaining,
                "original_rows": rows_in,
                "fixed_rows": retention.rows_out if tally is not None else plan.rows,
                "original_columns": retention.columns_in,
                "fixed_columns": retention.columns_out,
            },
            "weights_used": {
                "type_reduction_weight": params.type_reduction_weight,
                "data_retention_weight": params.data_retention_weight,
                "column_retention_weight": params.column_retention_weight,
            },
        },
        "quality_status": result.status,
        "type_analysis": {
            "total_columns": len(cols),
            "columns_with_issues": list(issue_columns),
            "total_issues": original,
            "type_summary": {c.name: _column_summary(c, tally) for c in cols},
            "recommendations": _analysis_recommendations(cols),
        },
        "fix_log": _fix_log(cols, tally),
        "summary": summary,
        "row_level_issues": [r.to_dict() for r in first(listed)],
        "issue_summary": row_summary.to_dict(),
        **ctx.parameter_echo(),
    }
    description = f"{fixed} of {original} type issue(s) fixed; {len(converted)} column(s) converted"
    return AgentOutput(
        agent_id=agent_id,
        agent_name=agent_name,
        summary_metrics={
            "total_rows_processed": rows_in,
            "type_issues_fixed": fixed,
            "original_type_issues": original,
            "remaining_type_issues": remaining,
            "total_issues": original,
            "columns_converted": len(converted),
            "cells_changed": cells,
            "rows_quarantined": rows_removed,
        },
        data=data,
        findings=Findings(
            alerts=tuple(alerts),
            issues=tuple(issues),
            recommendations=tuple(recs),
            cards=(card("exec_type_fixing", "Type Fixing Status", result, description),),
            row_issues=listed,
            row_summary=row_summary,
        ),
    )
