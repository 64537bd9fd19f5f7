"""cleanse-previewer's result tree (frontend-contract §6.6) and findings.

``simulated_results`` holds one entry per selected transform agent (in the
order the chain runs them, predicted exactly by the chain's dry run)
and then one per user preview rule (simulated on the original file, or
upstream's error form). Our key ``predicted`` = {agent_id: counts} is what
the cleaned CSV, written from that dry run, then holds. No row-level issues: upstream invents row
indices for them; we list none rather than synthetic ones.
"""

from __future__ import annotations

from typing import Any

from analysis_service.agents.base import AgentOutput, Findings
from analysis_service.agents.rules import evaluate_alerts, evaluate_recommendations
from analysis_service.cleaning.agents.cleanse_previewer.params import PreviewParams
from analysis_service.cleaning.agents.cleanse_previewer.rules import (
    ALERTS,
    PENALTY_HIGH,
    PENALTY_MEDIUM,
    PENALTY_UNSAFE,
    REASONS,
    RECOMMENDATIONS,
    RISKY_ROW_LOSS_PCT,
    PreviewFacts,
    StepFacts,
)
from analysis_service.cleaning.agents.cleanse_previewer.simulate import (
    MEMORY_NOTE,
    UNIQUE_NOTE,
    NotSimulated,
    Simulation,
    error_form,
    from_rule,
    from_tally,
    memory_mb,
)
from analysis_service.cleaning.model import CleanContext
from analysis_service.cleaning.output import FIRST_ROWS, card, percent, score
from analysis_service.findings import IdSequence, Issue, Severity, collect_row_issues
from dqcommon.tools.clean_tool import CLEAN_TOOL

AGENT_ID = "cleanse-previewer"


def _description(agent_id: str) -> str:
    agent = CLEAN_TOOL.agent(agent_id)
    return agent.description if agent is not None else agent_id


def _judge(sim: Simulation, params: PreviewParams) -> tuple[dict[str, Any], StepFacts]:
    before, after = sim.metrics()
    pct = sim.row_change_percentage
    column_change = len(sim.columns_out) - len(sim.columns_in)
    if abs(pct) >= params.impact_threshold_high or column_change != 0:
        impact = "high"
    elif abs(pct) >= params.impact_threshold_medium:
        impact = "medium"
    else:
        impact = "low"
    loss = max(-pct, 0.0)
    removed = sim.removed_columns
    factors = []
    if loss > RISKY_ROW_LOSS_PCT:
        factors.append(f"loses {loss:g}% of its rows (more than {RISKY_ROW_LOSS_PCT:g}%)")
    if removed:
        factors.append(f"drops column(s): {', '.join(removed)}")
    risky = bool(factors)
    nulled = sum(a for a, _, _ in sim.cells.values())
    if nulled:
        factors.append(f"turns {nulled} cell(s) into null")
    memory_change = round(after["memory_mb"] - before["memory_mb"], 4)
    recs = []
    if risky:
        recs.append({"priority": "high", "action": "Back up the data first", "reason": factors[0]})
    if impact == "high":
        recs.append(
            {
                "priority": "high",
                "action": f"Review what {sim.rule_id} changes before running it",
                "reason": f"{pct:g}% row change, {column_change} column change",
            }
        )
    if not recs:
        recs.append(
            {
                "priority": "low",
                "action": "Proceed",
                "reason": f"impact {impact}, no risk factor that blocks execution",
            }
        )
    result: dict[str, Any] = {
        "rule_id": sim.rule_id,
        "rule_description": sim.description,
        "rule_type": sim.rule_type,
        "target_columns": sim.target_columns,
        "simulation_log": list(sim.log),
        "original_metrics": before,
        "preview_metrics": after,
        "changes": {
            "row_change": sim.row_change,
            "row_change_percentage": pct,
            "column_change": column_change,
            "memory_change_mb": memory_change,
            "column_level_changes": sim.column_level_changes(),
        },
        "impact_level": impact,
        "risk_assessment": {
            "is_risky": risky,
            "risk_level": "high" if risky else "low",
            "risk_factors": factors,
        },
        "recommendations": recs,
        "memory_is_estimate": True,
        "prediction": "exact" if sim.predicted is not None else "simulated_from_null_counts",
    }
    facts = StepFacts(
        sim.rule_id,
        True,
        impact,
        risky,
        pct,
        max(-sim.row_change, 0),
        len(removed),
        memory_change,
        risk_factors="; ".join(factors),
    )
    return result, facts


def _profile(ctx: CleanContext[PreviewParams], rows: int) -> dict[str, Any]:
    columns = list(ctx.columns_in)
    count = ctx.input_columns or len(columns)
    profile: dict[str, Any] = {}
    for c in columns:
        nulls = ctx.input_nulls.get(c)
        profile[c] = {
            "dtype": "String",
            "null_count": nulls,
            "null_percentage": percent(nulls, rows, empty=0.0) if nulls is not None else None,
            "unique_count": None,
            "unique_percentage": None,
        }
    return {
        "row_count": rows,
        "column_count": count,
        "memory_usage_mb": memory_mb(rows, count),
        "columns": profile,
        "notes": [
            f"memory_usage_mb: {MEMORY_NOTE}",
            f"unique_count / unique_percentage: {UNIQUE_NOTE}",
            "dtype: the cleaning chain holds every value as text",
        ],
    }


def _echo(ctx: CleanContext[PreviewParams]) -> dict[str, Any]:
    echo = ctx.parameter_echo()
    echo["defaults"] = {k: v for k, v in echo["defaults"].items() if k != "preview_rules"}
    return echo


def build(ctx: CleanContext[PreviewParams], agent_name: str) -> AgentOutput:
    params = ctx.params
    preview = dict(ctx.preview or {})
    rows = ctx.input_rows or next((t.rows_in for t in preview.values()), 0)
    results: list[dict[str, Any]] = []
    steps: list[StepFacts] = []
    for tally in preview.values():
        judged, step = _judge(from_tally(tally, _description(tally.agent)), params)
        results.append(judged)
        steps.append(step)
    for number, rule in enumerate(params.preview_rules, 1):
        try:
            sim = from_rule(number, rule, ctx.columns_in, rows, ctx.input_nulls)
        except NotSimulated as exc:
            entry = error_form(number, rule, str(exc))
            results.append(entry)
            steps.append(
                StepFacts(entry["rule_id"], False, "error", False, 0.0, 0, 0, 0.0, str(exc))
            )
            continue
        judged, step = _judge(sim, params)
        results.append(judged)
        steps.append(step)

    ok = [s for s in steps if s.ok]
    high = sum(s.impact == "high" for s in ok)
    medium = sum(s.impact == "medium" for s in ok)
    low = sum(s.impact == "low" for s in ok)
    safe = not any(s.impact == "high" and s.risky for s in ok)
    selected = [a for a in ctx.executed if a in ctx.tallies] or list(preview)
    components = {
        "accuracy": percent(len(ok), len(steps)),
        "safety": max(
            0.0,
            100.0 - PENALTY_HIGH * high - PENALTY_MEDIUM * medium - (0 if safe else PENALTY_UNSAFE),
        ),
        # nothing previewed at all is not a complete preview (0, as upstream)
        "completeness": percent(sum(a in preview for a in selected), len(selected))
        if steps
        else 0.0,
    }
    weights = {
        "accuracy": params.accuracy_weight,
        "safety": params.safety_weight,
        "completeness": params.completeness_weight,
    }
    result = score(components, weights, params, below="needs_review")
    confidence = round(len(ok) / len(steps), 4) if steps else 1.0
    memory_change = round(sum(s.memory_change_mb for s in ok), 4)
    facts = PreviewFacts(
        len(steps), len(steps) - len(ok), high, medium, safe, result.overall_score, confidence,
        memory_change,
    )  # fmt: skip
    ids = IdSequence("preview")
    alerts = evaluate_alerts(ALERTS, steps, facts, params, ids, AGENT_ID)
    recs = evaluate_recommendations(RECOMMENDATIONS, steps, facts, params, ids, AGENT_ID)
    warnings = [a.message for a in alerts if a.severity in (Severity.CRITICAL, Severity.HIGH)]
    warnings += [f"{s.name}: {s.error}" for s in steps if not s.ok]

    impact_issues: list[dict[str, Any]] = []
    issues: list[Issue] = []
    issue_ids = IdSequence("preview")
    for s in steps:
        found = []
        if not s.ok:
            found.append(("simulation_error", "medium", s.error))
        if s.impact == "high":
            found.append(("high_impact_operation", "high", f"{s.row_change_pct:g}% row change"))
        if s.risky:
            severity = "critical" if s.impact == "high" else "high"
            found.append(("risk_detected", severity, s.risk_factors))
        for kind, severity, text in found:
            description = f"{s.name}: {kind.replace('_', ' ')}" + (f" ({text})" if text else "")
            impact_issues.append(
                {
                    "issue_type": kind,
                    "rule_id": s.name,
                    "severity": severity,
                    "description": description,
                    "details": {
                        "rows_affected": s.rows_removed,
                        "columns_affected": s.columns_removed,
                    },
                }
            )
            issues.append(
                Issue(
                    issue_ids.issue(kind, s.name),
                    AGENT_ID,
                    s.name,
                    kind,
                    Severity(severity),
                    description,
                    {"rule_id": s.name},
                )
            )
    status_text = "SAFE" if safe else "CAUTION"
    summary = (
        f"{len(steps)} step(s) previewed over {rows} rows: {high} high, {medium} medium, "
        f"{low} low impact, {facts.failed} not simulated; execution {status_text}. "
        f"Preview score {result.overall_score:g} ({result.status})."
    )
    _, row_summary = collect_row_issues([], seeded=True)
    data: dict[str, Any] = {
        "preview_score": {
            "overall_score": result.overall_score,
            "metrics": {
                "accuracy_score": components["accuracy"],
                "safety_score": round(components["safety"]),
                "completeness_score": round(components["completeness"]),
                "successful_simulations": len(ok),
                "total_simulations": len(steps),
                "high_impact_operations": high,
                "safe_to_execute": safe,
            },
        },
        "quality_status": result.status,
        "preview_analysis": {
            "original_profile": _profile(ctx, rows),
            "simulated_results": results,
            "overall_impact": {
                "total_rules": len(steps),
                "high_impact_rules": high,
                "medium_impact_rules": medium,
                "low_impact_rules": low,
                "safe_to_execute": safe,
                "warnings": warnings,
            },
            "statistical_confidence": confidence,
            "execution_safety": status_text,
            "recommendations": [
                {
                    "priority": r.priority.value,
                    "action": r.recommendation,
                    "reason": REASONS.get(
                        r.recommendation_id.removeprefix("rec_preview_"), ""
                    ).format(params=params),
                    "affected_rules": list(r.extras.get("affected_fields", [])),
                }
                for r in recs
            ],
        },
        "summary": summary,
        "impact_issues": impact_issues[:FIRST_ROWS],
        "predicted": {agent: tally.counts() for agent, tally in preview.items()},
        **_echo(ctx),
    }
    return AgentOutput(
        agent_id=AGENT_ID,
        agent_name=agent_name,
        summary_metrics={
            "total_rows_analyzed": rows,
            "total_rules_previewed": len(steps),
            "high_impact_rules": high,
            "medium_impact_rules": medium,
            "low_impact_rules": low,
            "safe_to_execute": safe,
            "total_warnings": len(warnings),
        },
        data=data,
        findings=Findings(
            alerts=tuple(alerts),
            issues=tuple(issues[:FIRST_ROWS]),
            recommendations=tuple(recs),
            cards=(
                card(
                    "exec_cleanse_preview",
                    "Cleanse Preview Status",
                    result,
                    f"{len(steps)} step(s) previewed, execution {status_text}",
                ),
            ),
            row_summary=row_summary,
        ),
    )
