"""The report's standard cards, rule-based analysis summary and routing
suggestion (upstream §3.2-3.4). No dataset text leaves the service: the
summary is assembled here, ``model_used`` says ``rule-based``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from analysis_service.agents.base import AgentOutput
from analysis_service.findings import (
    Alert,
    Card,
    CardStatus,
    Recommendation,
    Severity,
    issue_type,
)
from dqcommon.tools.catalog import Catalog

#: Upstream's rules of the standard cards: time excellent < 30 s, good < 60 s;
#: alerts warning below 5, issues warning below 10, critical from there.
_TIME_EXCELLENT_BELOW_S = 30.0
_TIME_GOOD_BELOW_S = 60.0
_ALERTS_WARNING_BELOW = 5
_ISSUES_WARNING_BELOW = 10


def _time_status(seconds: float) -> CardStatus:
    if seconds < _TIME_EXCELLENT_BELOW_S:
        return CardStatus.EXCELLENT
    return CardStatus.GOOD if seconds < _TIME_GOOD_BELOW_S else CardStatus.FAIR


def _count_status(count: int, warning_below: int) -> CardStatus:
    if count == 0:
        return CardStatus.SUCCESS
    return CardStatus.WARNING if count < warning_below else CardStatus.CRITICAL


def standard_cards(
    ok: int, total: int, seconds: float, alerts: int, issues: int, recommendations: int
) -> list[Card]:
    """The five cards every report starts with (titles and rules of §5.3)."""
    return [
        Card(
            "exec_agents_used",
            "Agents Executed",
            f"{ok}/{total}",
            CardStatus.SUCCESS if ok >= 1 else CardStatus.WARNING,
            f"{ok} of {total} agent(s) completed successfully",
        ),
        Card(
            "exec_execution_time",
            "Total Execution Time",
            f"{seconds:.2f}s",
            _time_status(seconds),
            "Wall time of the whole analysis",
        ),
        Card(
            "exec_total_alerts",
            "Total Alerts",
            str(alerts),
            _count_status(alerts, _ALERTS_WARNING_BELOW),
            "Alerts raised by all agents",
        ),
        Card(
            "exec_total_issues",
            "Total Issues",
            str(issues),
            _count_status(issues, _ISSUES_WARNING_BELOW),
            "Field-level issues found by all agents",
        ),
        Card(
            "exec_total_recommendations",
            "Total Recommendations",
            str(recommendations),
            CardStatus.INFO,
            "Recommendations made by all agents",
        ),
    ]


def _fixes(outputs: Sequence[AgentOutput]) -> dict[str, list[str]]:
    """Clean agent -> issue types (field- and row-level) it would fix."""
    found: dict[str, list[str]] = {}
    for output in outputs:
        if not output.ok:
            continue
        kinds = [i.issue_type for i in output.findings.issues]
        kinds += [k for k, n in output.findings.row_summary.by_type.items() if n]
        for kind in kinds:
            agent = issue_type(kind).fixed_by
            if agent is not None and kind not in found.setdefault(agent, []):
                found[agent].append(kind)
    return found


def routing(
    outputs: Sequence[AgentOutput], catalog: Catalog, tool_id: str, primary_name: str
) -> list[dict[str, Any]]:
    """Suggests clean-my-data with the agents that fix what was found (the
    issue-type table says which), in that tool's declared order."""
    clean = catalog.tool("clean-my-data")
    if clean is None or tool_id == clean.tool_id:
        return []
    fixes = _fixes(outputs)
    if not fixes:
        return []
    declared = [a.agent_id for a in clean.agents]
    agents = sorted(fixes, key=lambda a: declared.index(a) if a in declared else len(declared))
    available = [a for a in agents if (d := clean.agent(a)) is not None and d.available]
    serious = any(
        a.severity in (Severity.CRITICAL, Severity.HIGH)
        for o in outputs
        if o.ok
        for a in o.findings.alerts
    )
    reasons = [
        f"{agent}: {', '.join(issue_type(k).label.lower() for k in fixes[agent])}"
        for agent in agents
    ]
    return [
        {
            "recommendation_id": "route_1",
            "next_tool": clean.tool_id,
            "confidence_score": 0.8 if serious else 0.6,
            "reason": "; ".join(reasons),
            "priority": 1 if serious else 2,
            "path": f"/results/{clean.tool_id}",
            "required_files": {"primary": {"name": primary_name, "available": True}},
            "parameters": {"selected_agents": available, "agent_parameters": {}},
            "expected_benefits": [
                issue_type(kinds[0]).suggested_action for kinds in fixes.values() if kinds
            ],
            "estimated_time_minutes": 2 + len(agents),
            "execution_steps": [
                f"Create a {clean.tool_id} task with the same primary file",
                f"Select the agents: {', '.join(agents)}",
                "Review the cleaned file and the quarantine before using it",
            ],
            # ours
            "pending_agents": [a for a in agents if a not in available],
            "rule": "rule-based",
        }
    ]


def analysis_summary(
    outputs: Sequence[AgentOutput],
    cards: Sequence[Card],
    alerts: Sequence[Alert],
    recommendations: Sequence[Recommendation],
    routes: Sequence[Mapping[str, Any]],
    timestamp: str,
) -> dict[str, Any]:
    """Upstream's four markdown sections, written from the findings."""
    lines = ["## Executive Summary", ""]
    lines += [f"- **{c.title}**: {c.value} — {c.description}" for c in cards]
    lines += ["", "## Technical Findings", ""]
    for output in outputs:
        if output.ok:
            lines += [f"**{output.agent_name}**", ""]
            lines += [f"- {line}" for line in output.ai_analysis_text.splitlines() if line]
        else:
            message = output.error.message if output.error else "unknown error"
            lines.append(
                f"- **{output.agent_name}** did not run ({output.status.value}): {message}"
            )
        lines.append("")
    lines += ["## Recommended Actions", ""]
    ranked = sorted(recommendations, key=lambda r: r.priority.rank)
    lines += [f"- ({r.priority.value}) {r.recommendation}" for r in ranked[:5]] or ["- None."]
    lines += ["", "## Next Steps", ""]
    top = [a for a in alerts if a.severity in (Severity.CRITICAL, Severity.HIGH)][:3]
    lines += [f"- Address: {a.message}" for a in top]
    lines += [f"- Consider running {r['next_tool']}: {r['reason']}" for r in routes]
    if not top and not routes:
        lines.append("- No urgent action; re-profile when the data changes.")
    return {
        "status": "success",
        "summary": "\n".join(lines).strip() + "\n",
        "execution_time_ms": 0,
        "model_used": "rule-based",
        "timestamp": timestamp,
    }
