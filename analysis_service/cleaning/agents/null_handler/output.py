"""null-handler's result tree (frontend-contract §6.11).

Counts: ``original_nulls`` = real nulls + placeholder cells of this agent's
input (statistics pass); a column's filled cells are the writing pass's
changes (``ctx.tally``); remaining = original - filled, 0 for a dropped
column and for every column under ``drop_rows`` (each row with a null is
quarantined). ``nulls_handled`` is what was really handled (upstream
reports ``original_nulls`` there whatever happened).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from analysis_service.agents.base import AgentOutput
from analysis_service.cleaning import output as shared
from analysis_service.cleaning.agents.null_handler import rules
from analysis_service.cleaning.agents.null_handler.logic import suggested_strategy
from analysis_service.cleaning.agents.null_handler.observer import CELL_EXAMPLES, NullObserver
from analysis_service.cleaning.agents.null_handler.params import NullParams
from analysis_service.cleaning.agents.null_handler.rules import (
    BACKWARD_FILL_MAX_HELD,
    NULL_ROW_CRITICAL,
    NULL_ROW_WARNING,
    RULE_DROP_ROW,
    ColumnFacts,
    DatasetFacts,
)
from analysis_service.cleaning.model import AgentTally, CleanContext
from analysis_service.findings import RowEvidence, RowIssue, RowSeverity

if TYPE_CHECKING:
    from analysis_service.cleaning.agents.null_handler import NullHandler, NullPlan


def _filled(tally: AgentTally | None) -> dict[str, int]:
    out: dict[str, int] = {}
    for (rule, column), t in tally.rules.items() if tally else ():
        if column and rule != RULE_DROP_ROW:
            out[column] = out.get(column, 0) + t.cells
    return out


def _by_rule(tally: AgentTally | None, column: str) -> dict[str, int]:
    if tally is None:
        return {}
    return {r: t.cells for (r, c), t in tally.rules.items() if c == column}


def _note(plan: NullPlan, obs: NullObserver, c: str, remaining: int, tally: Any) -> str:
    s = plan.strategies.get(c)
    ph = plan.placeholders[c]
    if plan.params.global_strategy == "drop_rows":
        return "rows with a null quarantined (drop_rows)"
    if s is None:
        return "no strategy configured"
    if c in plan.not_applied:
        return f"not applied: {plan.not_applied[c]}"
    if s == "drop_column":
        return "column dropped"
    parts = []
    if s == "knn_imputation" and plan.knn is not None:
        parts.append(
            f"KNN (k={plan.params.knn_neighbors}) on a sample of {plan.knn.sample_rows} of "
            f"{plan.knn.complete_rows} complete rows over "
            + ", ".join(x for x in plan.knn.columns if x not in plan.knn.identifiers)
        )
        fallback = _by_rule(tally, c).get(rules.RULE_KNN_FALLBACK, 0)
        if fallback:
            parts.append(f"{fallback} cell(s) without other numbers got the sample median")
    if s in ("mean", "median", "mode", "constant"):
        parts.append(f"filled with {plan.fills.get(c)}")
    edges = obs.edges.get(c)
    if s == "forward_fill" and edges is not None:
        lead = edges.leading(ph)
        if lead:
            parts.append(f"{lead} null(s) before the column's first value stay null")
    if s == "backward_fill" and edges is not None:
        tail = edges.trailing(ph)
        if tail:
            parts.append(f"{tail} null(s) after the column's last value stay null")
        beyond = remaining - tail
        if beyond > 0:
            parts.append(
                f"{beyond} null(s) had no value within {BACKWARD_FILL_MAX_HELD} held rows "
                "and stay null"
            )
    return "; ".join(parts) or s


def _status(f: ColumnFacts) -> str:
    if f.dropped:
        return "dropped"
    if f.strategy is None and f.remaining:
        return "not handled"
    if not f.applied:
        return "not applied"
    if f.remaining == 0:
        return "handled"
    return "partially handled" if f.filled else "not handled"


def _cells(plan: NullPlan, obs: NullObserver, c: str) -> RowEvidence:
    ph = plan.placeholders[c]
    found: list[tuple[int, str | None]] = [(r, None) for r in obs.na_rows[c]]
    for spelling, rows in obs.sentinel_rows[c].items():
        if spelling in ph:
            found += [(r, spelling) for r in rows]
    found.sort(key=lambda x: x[0])
    items = [
        RowIssue(
            row_index=r,
            column=c,
            issue_type="null",
            severity=RowSeverity.WARNING,
            message=f"null in '{c}'" + (f" (placeholder '{s}')" if s is not None else ""),
            value=None,
            extras={"placeholder": s} if s is not None else {},
        )
        for r, s in found[:CELL_EXAMPLES]
    ]
    return RowEvidence("null", RowSeverity.WARNING, plan.nulls[c], items)


def _patterns(plan: NullPlan, obs: NullObserver) -> list[RowEvidence]:
    width = len(plan.columns)
    totals = {RowSeverity.CRITICAL: 0, RowSeverity.WARNING: 0}
    items: dict[RowSeverity, list[RowIssue]] = {RowSeverity.CRITICAL: [], RowSeverity.WARNING: []}
    for key, count in obs.patterns.items():
        na, spelled = key
        n = na + sum(1 for j, s in spelled if s in plan.placeholders[plan.columns[j]])
        ratio = n / width
        if ratio <= NULL_ROW_WARNING:
            continue
        sev = RowSeverity.CRITICAL if ratio > NULL_ROW_CRITICAL else RowSeverity.WARNING
        totals[sev] += count
        items[sev] += [
            RowIssue(
                row_index=r,
                column="global",
                issue_type="null_pattern",
                severity=sev,
                message=f"{n} of {width} cells null ({100 * ratio:.1f}%)",
                value=None,
                extras={"null_count": n, "null_ratio": round(ratio, 4)},
            )
            for r in obs.pattern_rows.get(key, [])
        ]
    return [
        RowEvidence(
            "null_pattern",
            sev,
            totals[sev],
            sorted(items[sev], key=lambda i: i.row_index),
            exact=obs.patterns_exact,
        )
        for sev in (RowSeverity.CRITICAL, RowSeverity.WARNING)
    ]


def build(agent: NullHandler, ctx: CleanContext[NullParams]) -> AgentOutput:
    plan: NullPlan = ctx.plan
    obs = plan.observer
    assert obs is not None
    params = ctx.params
    tally = ctx.tally
    retention = shared.Retention.of(tally, ctx.columns_in)
    filled = _filled(tally)
    drop_rows = params.global_strategy == "drop_rows"
    rows = obs.rows
    facts: list[ColumnFacts] = []
    for c in plan.columns:
        n = plan.nulls[c]
        if not n:
            continue
        dropped = c in plan.dropped
        remaining = 0 if dropped or drop_rows else max(n - filled.get(c, 0), 0)
        pct = shared.percent(n, rows, empty=0.0)
        f = ColumnFacts(
            name=c,
            null_count=n,
            null_pct=pct,
            data_type=obs.evidence[c].data_type(),
            suggested=suggested_strategy(pct, obs.evidence[c], obs.stats[c]),
            strategy=plan.strategies.get(c),
            filled=filled.get(c, 0),
            remaining=remaining,
            dropped=dropped,
            applied=c not in plan.not_applied,
            note=_note(plan, obs, c, remaining, tally),
        )
        facts.append(f)
    original = sum(f.null_count for f in facts)
    remaining_total = sum(f.remaining for f in facts)
    handled = original - remaining_total
    reduction = shared.reduction_rate(original, remaining_total)
    result = shared.retention_score(reduction, retention, params.null_reduction_weight, params)
    card_score = shared.retention_score(
        reduction, retention, params.null_reduction_weight, params, below="fair"
    )
    evidence = [_cells(plan, obs, f.name) for f in facts] + _patterns(plan, obs)
    total_cells = rows * len(plan.columns)
    dataset = DatasetFacts(
        rows=rows,
        columns=len(plan.columns),
        total_nulls=original,
        null_pct=shared.percent(original, total_cells, empty=0.0),
        remaining=remaining_total,
        reduction_rate=reduction,
        data_retention_rate=retention.data_retention_rate,
        column_retention_rate=retention.column_retention_rate,
        rows_removed=tally.rows_removed if tally else 0,
        pattern_rows=sum(e.total for e in evidence if e.issue_type == "null_pattern"),
        critical_rows=sum(
            e.total
            for e in evidence
            if e.issue_type == "null_pattern" and e.severity is RowSeverity.CRITICAL
        ),
        score=result.overall_score,
        columns_with_nulls=len(facts),
    )
    summary = (
        f"Null handling: {handled} of {original} null cell(s) handled "
        f"({reduction:.1f}%), {remaining_total} remain; {retention.rows_out} of "
        f"{retention.rows_in} rows and {retention.columns_out} of {retention.columns_in} "
        f"columns kept; score {result.overall_score:.1f} ({result.status})."
    )
    found = shared.findings(
        shared.rule_findings("nulls", agent.agent_id, rules, facts, dataset, params),
        shared.card(
            "exec_null_handling",
            "Null Handling Status",
            card_score,
            f"{handled} of {original} nulls handled, {retention.data_retention_rate:.1f}% "
            "of rows kept",
        ),
        evidence,
    )
    data = {
        "cleaning_score": {
            "overall_score": result.overall_score,
            "metrics": {
                "null_reduction_rate": reduction,
                **shared.retention_metrics(retention),
                "original_nulls": original,
                "nulls_handled": handled,
                "remaining_nulls": remaining_total,
            },
        },
        "quality_status": result.status,
        "null_analysis": _analysis(plan, obs, facts, rows),
        "imputation_log": _log(plan, facts, tally),
        "summary": summary,
        "row_level_issues": [r.to_dict() for r in shared.first(found.row_issues)],
        **ctx.parameter_echo(),
    }
    return AgentOutput(
        agent_id=agent.agent_id,
        agent_name=agent.agent_name,
        summary_metrics={
            "total_rows_processed": retention.rows_in,
            "nulls_handled": handled,
            "original_nulls": original,
            "remaining_nulls": remaining_total,
            "total_issues": found.row_summary.total_issues,
        },
        data=data,
        findings=found,
        ai_analysis_text=summary,
    )


def _analysis(
    plan: NullPlan, obs: NullObserver, facts: list[ColumnFacts], rows: int
) -> dict[str, Any]:
    analysis: dict[str, Any] = {
        "total_rows": rows,
        "total_columns": len(plan.columns),
        "columns_with_nulls": [f.name for f in facts],
        "total_nulls_detected": sum(f.null_count for f in facts),
        "strategy_columns_not_found": sorted(
            set(plan.params.column_strategies) - set(plan.columns)
        ),
        "null_summary": {
            f.name: {
                "null_count": f.null_count,
                "null_percentage": f.null_pct,
                "data_type": f.data_type,
                "non_null_count": rows - f.null_count,
                "suggested_strategy": f.suggested,
                "placeholders": sorted(plan.placeholders[f.name]),
                "strategy_applied": f.strategy if f.applied else None,
                "imputation_value": plan.fills.get(f.name),
                "nulls_filled": f.filled,
                "remaining_nulls": f.remaining,
                "status": _status(f),
                "notes": f.note,
            }
            for f in facts
        },
        "recommendations": [
            {
                "column": f.name,
                "action": f.suggested,
                "reason": f"{f.null_pct:.1f}% null ({f.data_type})",
                "priority": "high" if f.null_pct > rules.HIGH_NULL_COLUMN_PCT else "medium",
            }
            for f in facts
            if f.strategy != f.suggested
        ],
    }
    if plan.knn is not None:
        analysis["knn_sample"] = {
            "sample_rows": plan.knn.sample_rows,
            "complete_rows": plan.knn.complete_rows,
            "columns": [c for c in plan.knn.columns if c not in plan.knn.identifiers],
            "excluded_identifier_columns": list(plan.knn.identifiers),
            "neighbours": plan.params.knn_neighbors,
        }
    return analysis


def _log(plan: NullPlan, facts: list[ColumnFacts], tally: AgentTally | None) -> list[str]:
    lines = shared.log_lines(tally)
    if plan.knn is not None:
        lines.append(
            f"knn_imputation: sample of {plan.knn.sample_rows} of {plan.knn.complete_rows} "
            "complete rows"
        )
    missing = sorted(set(plan.params.column_strategies) - set(plan.columns))
    if missing:
        lines.append(f"column_strategies name column(s) not in the input: {', '.join(missing)}")
    for f in facts:
        if f.strategy is not None and (not f.applied or f.remaining):
            lines.append(f"{f.name}: {f.note}")
    return lines
