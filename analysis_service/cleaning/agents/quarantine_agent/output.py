"""quarantine-agent's result tree (frontend-contract §6.7) and findings.

Totals over the whole file: quarantined / clean rows from the chain's tally
of the writing pass, issue counts from the statistics pass (exact); the
lists (quarantine_issues, row_level_issues) are the first 100 in file order.
Score: see the package docstring (clean rows %, rows without any issue %,
constraints applied %).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from analysis_service.agents.base import AgentOutput, Findings
from analysis_service.cleaning.agents.quarantine_agent.checks import RuleSet
from analysis_service.cleaning.agents.quarantine_agent.findings import (
    ColumnFacts,
    Facts,
    findings,
)
from analysis_service.cleaning.agents.quarantine_agent.params import QuarantineParams
from analysis_service.cleaning.agents.quarantine_agent.rows import row_findings
from analysis_service.cleaning.agents.quarantine_agent.rules import (
    CORRUPTED_RECORD,
    FIRST_ISSUES,
    ROW_RULES,
    SCHEMA_MISMATCH,
    SCHEMA_SEVERITY,
    SEVERITY_ORDER,
)
from analysis_service.cleaning.agents.quarantine_agent.stats import QuarantineStats
from analysis_service.cleaning.model import CleanContext
from analysis_service.cleaning.output import card, log_lines, percent, score


def _issue_counts(stats: QuarantineStats, schema: int) -> tuple[dict[str, int], dict[str, int]]:
    """Issues by type (rule table order, types found only) and by severity
    (critical, high, medium always present)."""
    by_type: dict[str, int] = {}
    by_severity = {s.value: 0 for s in SEVERITY_ORDER}
    for r in ROW_RULES:
        n = sum(k for (rule, _), k in stats.hits.items() if rule == r.rule_id)
        if n:
            by_type[r.rule_id] = n
            by_severity[r.severity.value] += n
    if schema:
        by_type[SCHEMA_MISMATCH] = schema
        by_severity[SCHEMA_SEVERITY.value] += schema
    return by_type, by_severity


def _columns(rules: RuleSet, stats: QuarantineStats, schema_on: bool) -> list[ColumnFacts]:
    names = list(dict.fromkeys([*rules.columns, "all", *rules.missing_columns]))
    facts = []
    for name in names:
        hits = {rule: n for (rule, c), n in stats.hits.items() if c == name and n}
        refused = tuple(
            f"{r.rule}: {r.reason}"
            for r in rules.refused
            if r.column == name and name not in rules.missing_columns
        )
        missing = name in rules.missing_columns
        if hits or refused or (missing and schema_on):
            facts.append(ColumnFacts(name, hits, missing, refused))
    return facts


def _log(rules: RuleSet, stats: QuarantineStats, ctx: CleanContext[QuarantineParams]) -> list[str]:
    lines = [f"{rules.applied} of {rules.configured} configured constraint(s) applied"]
    for r in rules.refused:
        lines.append(f"{r.rule} on '{r.column}' not applied: {r.reason}")
    for c in rules.missing_columns:
        lines.append(
            f"{SCHEMA_MISMATCH}: expected column '{c}' not in the file (reported, no row "
            "quarantined)"
        )
    for (rule, column), n in stats.hits.items():
        what = " (suspicious content)" if rule == CORRUPTED_RECORD and column != "all" else ""
        where = "empty records" if column == "all" else f"'{column}'"
        lines.append(f"{rule}{what} in {where}: {n} found")
    lines += log_lines(ctx.tally)
    return lines


def build_output(
    agent_id: str,
    agent_name: str,
    ctx: CleanContext[QuarantineParams],
    rules: RuleSet,
    stats: QuarantineStats,
) -> AgentOutput:
    params = ctx.params
    tally = ctx.tally
    rows = tally.rows_in if tally else stats.rows
    quarantined = tally.rows_removed if tally else stats.rows_quarantined
    clean = rows - quarantined
    schema = len(rules.missing_columns) if params.detect_schema_mismatches else 0
    by_type, by_severity = _issue_counts(stats, schema)
    issue_count = sum(by_type.values())
    metrics = {
        "quarantine_reduction_rate": percent(clean, rows),
        "data_integrity_rate": percent(stats.clean_rows, stats.rows),
        "processing_efficiency_rate": round(percent(rules.applied, rules.configured)),
    }
    result = score(
        metrics,
        {
            "quarantine_reduction_rate": params.quarantine_reduction_weight,
            "data_integrity_rate": params.data_integrity_weight,
            "processing_efficiency_rate": params.processing_efficiency_weight,
        },
        params,
    )
    quarantine_pct = percent(quarantined, rows, empty=0.0)
    other_refused = sum(1 for r in rules.refused if r.column not in rules.missing_columns)
    facts = Facts(
        rows=rows,
        quarantined=quarantined,
        quarantine_pct=quarantine_pct,
        integrity=metrics["data_integrity_rate"],
        efficiency=int(metrics["processing_efficiency_rate"]),
        by_type=by_type,
        by_severity=by_severity,
        rows_by_rule=dict(stats.rows_by_rule),
        missing_columns=rules.missing_columns if params.detect_schema_mismatches else (),
        expected_columns=rules.expected_columns,
        refused=other_refused,
        configured=rules.configured,
        high_row_hits=by_severity["high"] - schema,
    )
    columns = _columns(rules, stats, params.detect_schema_mismatches)
    alerts, issues, recs = findings(facts, columns, stats, params, agent_id)
    row_issues, row_summary = row_findings(stats)
    first = [h.to_dict() for h in stats.first_issues[:FIRST_ISSUES]]
    summary = (
        f"Quarantine analysis: {quarantined} of {rows} row(s) quarantined "
        f"({quarantine_pct:.2f}%), {clean} clean; {issue_count} issue(s) found, "
        f"{stats.rows_with_issues} row(s) with at least one; "
        f"{rules.applied} of {rules.configured} constraint(s) applied."
    )
    removed_by_rule = (
        {t.rule: t.rows for t in tally.rules.values() if not t.column} if tally else {}
    )
    data: dict[str, Any] = {
        "quality_score": {
            "overall_score": result.overall_score,
            "metrics": {
                **metrics,
                "total_rows_analyzed": rows,
                "quarantined_rows": quarantined,
                "clean_rows": clean,
                "issue_count": issue_count,
            },
        },
        "quality_status": result.status,
        "quarantine_analysis": {
            "total_rows_analyzed": rows,
            "total_quarantined": quarantined,
            "quarantine_percentage": quarantine_pct,
            "quarantine_issues": first,
            "issue_types": by_type,
            "severity_breakdown": by_severity,
            "timestamp": datetime.now(UTC).replace(tzinfo=None).isoformat(),
            # ours, beside the contract's keys
            "rows_with_issues": stats.rows_with_issues,
            "suspicious_rows": stats.suspicious_rows,
            "quarantined_by_rule": removed_by_rule,
            "missing_columns": list(rules.missing_columns),
            "refused_constraints": [
                {"rule": r.rule, "column": r.column, "reason": r.reason} for r in rules.refused
            ],
            "constraints_configured": rules.configured,
            "constraints_applied": rules.applied,
        },
        "quarantine_log": _log(rules, stats, ctx),
        "summary": summary,
        "row_level_issues": list(first),
        **ctx.parameter_echo(),
    }
    return AgentOutput(
        agent_id=agent_id,
        agent_name=agent_name,
        summary_metrics={
            "total_rows_processed": rows,
            "quarantined_records": quarantined,
            "clean_records": clean,
            "quarantine_percentage": quarantine_pct,
            "quarantine_issues_found": issue_count,
        },
        data=data,
        findings=Findings(
            alerts=tuple(alerts),
            issues=tuple(issues),
            recommendations=tuple(recs),
            cards=(
                card(
                    "exec_quarantine",
                    "Data Quarantine Status",
                    result,
                    f"{quarantined} of {rows} row(s) quarantined ({quarantine_pct:.2f}%)",
                ),
            ),
            row_issues=row_issues,
            row_summary=row_summary,
        ),
    )
