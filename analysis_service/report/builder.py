"""The tool-level JSON report (upstream §4.3, report_version 2.0).

Differences from upstream, on purpose:

* failed agents appear in ``agent_results`` with ``status: "error"`` and
  their error code and message, and the top-level ``status`` is
  ``success`` / ``partial`` / ``error``;
* the 1,000 row-level issues are shared fairly between agents (equal
  shares, unused share handed on) instead of first come, first served, and
  each carries its ``agent_id``;
* ``issue_summary.by_severity`` counts every severity;
* ``analysis_summary`` and ``routing_decisions`` are rule-based: no dataset
  text leaves the service (``model_used: "rule-based"``);
* everything is plain JSON: numpy scalars are converted, NaN and infinities
  become null, and :func:`json_bytes` refuses anything else.

Executive-card ``status`` values: the five standard cards keep upstream's
rules (success / warning / critical / info, and excellent / good / fair for
the execution time); agent cards use excellent / good / fair / poor.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from analysis_service.agents.base import MAX_ROW_LEVEL_ISSUES, SEVERITIES, AgentOutput
from dqcommon.tools.catalog import Catalog, ToolDef, default_catalog

REPORT_VERSION = "2.0"
ROW_SEVERITY_KEYS = ("critical", "warning", "info")


def plain(value: Any) -> Any:
    """A copy of ``value`` made of plain JSON types only."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def json_bytes(report: Mapping[str, Any]) -> bytes:
    """Strict JSON (no NaN/Infinity), UTF-8, indented by 2."""
    return json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False).encode("utf-8")


def _card(summary_id: str, title: str, value: str, status: str, description: str) -> dict[str, Any]:
    return {
        "summary_id": summary_id,
        "title": title,
        "value": value,
        "status": status,
        "description": description,
    }


def _standard_cards(
    ok: int, total: int, seconds: float, alerts: int, issues: int, recs: int
) -> list[dict[str, Any]]:
    return [
        _card(
            "exec_agents_used",
            "Agents Used",
            f"{ok}/{total}",
            "success" if ok >= 1 else "warning",
            f"{ok} of {total} agent(s) completed successfully",
        ),
        _card(
            "exec_execution_time",
            "Execution Time",
            f"{seconds:.2f}s",
            "excellent" if seconds < 30 else "good" if seconds < 60 else "fair",
            "Wall time of the whole analysis",
        ),
        _card(
            "exec_total_alerts",
            "Total Alerts",
            str(alerts),
            "success" if alerts == 0 else "warning" if alerts < 5 else "critical",
            "Alerts raised by all agents",
        ),
        _card(
            "exec_total_issues",
            "Total Issues",
            str(issues),
            "success" if issues == 0 else "warning" if issues < 10 else "critical",
            "Field-level issues found by all agents",
        ),
        _card(
            "exec_total_recommendations",
            "Total Recommendations",
            str(recs),
            "info",
            "Recommendations made by all agents",
        ),
    ]


def share_row_issues(
    per_agent: Sequence[tuple[str, Sequence[Mapping[str, Any]]]], budget: int
) -> list[dict[str, Any]]:
    """At most ``budget`` items, shared evenly between agents; an agent with
    fewer items than its share passes the rest on (water-filling)."""
    remaining = budget
    quotas = {agent_id: 0 for agent_id, _ in per_agent}
    pending = [(agent_id, len(items)) for agent_id, items in per_agent if items]
    while pending and remaining > 0:
        share = max(remaining // len(pending), 1)
        next_round = []
        for agent_id, available in pending:
            if remaining <= 0:
                break
            take = min(share, available - quotas[agent_id], remaining)
            quotas[agent_id] += take
            remaining -= take
            if quotas[agent_id] < available:
                next_round.append((agent_id, available))
        pending = next_round
    listed: list[dict[str, Any]] = []
    for agent_id, items in per_agent:
        for item in items[: quotas[agent_id]]:
            listed.append({**dict(item), "agent_id": agent_id})
    return listed


def _issue_summary(
    outputs: Sequence[AgentOutput], listed: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    by_type: dict[str, int] = {}
    by_severity: dict[str, int] = dict.fromkeys(ROW_SEVERITY_KEYS, 0)
    total = 0
    for output in outputs:
        summary = output.issue_summary or {}
        total += int(summary.get("total_issues", len(output.row_level_issues)))
        for key, n in (summary.get("by_type") or {}).items():
            by_type[key] = by_type.get(key, 0) + int(n)
        for key, n in (summary.get("by_severity") or {}).items():
            by_severity[key] = by_severity.get(key, 0) + int(n)
    return {
        "total_issues": total,
        "listed_issues": len(listed),
        "truncated": total > len(listed),
        "by_type": by_type,
        "by_severity": by_severity,
        "affected_rows": len({item["row_index"] for item in listed}),
        "affected_columns": sorted(
            {str(item["column"]) for item in listed if item.get("column") not in (None, "global")}
        ),
    }


def _lineage(tool: ToolDef | None, outputs: Sequence[AgentOutput]) -> list[str]:
    ok = {o.agent_id: o.agent_name for o in outputs if o.ok}
    if tool is None:
        return list(ok.values())
    declared = [a.agent_id for a in tool.agents]
    ordered = sorted(ok, key=lambda a: declared.index(a) if a in declared else len(declared))
    return [ok[a] for a in ordered]


def _routing(
    outputs: Sequence[AgentOutput], catalog: Catalog, tool_id: str, primary_name: str
) -> list[dict[str, Any]]:
    """Suggest clean-my-data with the agents that address what was found."""
    clean = catalog.tool("clean-my-data")
    if clean is None or tool_id == clean.tool_id:
        return []
    issue_types: dict[str, int] = {}
    score: float | None = None
    for output in outputs:
        if not output.ok:
            continue
        for issue in output.issues:
            issue_types[issue["issue_type"]] = issue_types.get(issue["issue_type"], 0) + 1
        quality = output.data.get("quality_summary") or {}
        if "overall_quality_score" in quality:
            score = float(quality["overall_quality_score"])
    wanted = [
        ("high_nulls", "null-handler", "impute or drop missing values"),
        ("type_mismatch", "type-fixer", "convert columns to one consistent type"),
        ("outliers", "outlier-remover", "cap or remove outlying values"),
    ]
    reasons = [(agent, why, issue_types[key]) for key, agent, why in wanted if key in issue_types]
    if not reasons and (score is None or score >= 80):
        return []
    if not reasons:
        reasons = [("quarantine-agent", "set invalid rows aside", 0)]
    agents = [agent for agent, _, _ in reasons if clean.agent(agent) is not None]
    available = [a for a in agents if (d := clean.agent(a)) is not None and d.available]
    pending = [a for a in agents if a not in available]
    priority = "high" if score is not None and score < 70 else "medium"
    return [
        {
            "recommendation_id": "route_1",
            "next_tool": clean.tool_id,
            "confidence_score": 0.8 if score is not None and score < 80 else 0.6,
            "reason": "; ".join(
                f"{why} ({n} field issue(s))" if n else why for _, why, n in reasons
            ),
            "priority": priority,
            "path": f"/results/{clean.tool_id}",
            "required_files": {"primary": {"name": primary_name, "available": True}},
            "parameters": {
                "selected_agents": available,
                "agent_parameters": {},
            },
            "pending_agents": pending,
            "expected_benefits": [why for _, why, _ in reasons],
            "estimated_time_minutes": 2 + len(agents),
            "execution_steps": [
                f"Create a {clean.tool_id} task with the same primary file",
                f"Select the agents: {', '.join(agents)}",
                "Review the cleaned file and the quarantine before using it",
            ],
            "rule": "rule-based",
        }
    ]


def _analysis_summary(
    outputs: Sequence[AgentOutput],
    cards: Sequence[Mapping[str, Any]],
    alerts: Sequence[Mapping[str, Any]],
    recommendations: Sequence[Mapping[str, Any]],
    routing: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    lines = ["## Executive Summary", ""]
    lines += [f"- **{c['title']}**: {c['value']} — {c['description']}" for c in cards]
    lines += ["", "## Technical Findings", ""]
    for output in outputs:
        if output.ok:
            lines += [f"**{output.agent_name}**", ""]
            lines += [f"- {line}" for line in output.ai_analysis_text.splitlines() if line]
        else:
            message = output.error.message if output.error else "unknown error"
            lines.append(f"- **{output.agent_name}** failed: {message}")
        lines.append("")
    lines += ["## Recommended Actions", ""]
    ranked = sorted(
        recommendations,
        key=lambda r: SEVERITIES.index(r["priority"]) if r.get("priority") in SEVERITIES else 9,
    )
    lines += [f"- ({r['priority']}) {r['recommendation']}" for r in ranked[:5]] or ["- None."]
    lines += ["", "## Next Steps", ""]
    top = [a for a in alerts if a.get("severity") in ("critical", "high")][:3]
    lines += [f"- Address: {a['message']}" for a in top]
    lines += [f"- Consider running {r['next_tool']}: {r['reason']}" for r in routing]
    if not top and not routing:
        lines.append("- No urgent action; re-profile when the data changes.")
    return {
        "status": "success",
        "summary": "\n".join(lines).strip() + "\n",
        "execution_time_ms": 0,
        "model_used": "rule-based",
    }


def build_report(
    *,
    tool_id: str,
    analysis_id: str,
    outputs: Sequence[AgentOutput],
    execution_time_ms: int,
    files: Mapping[str, Mapping[str, Any]] | None = None,
    timestamp: datetime | None = None,
    catalog: Catalog | None = None,
) -> dict[str, Any]:
    """The whole JSON report for one task.

    ``outputs`` are the agents' results in execution order (failed ones
    included); ``files`` describes the inputs by slot (name, size_bytes ...).
    """
    catalog = catalog or default_catalog()
    tool = catalog.tool(tool_id)
    when = (timestamp or datetime.now(UTC)).astimezone(UTC)
    ok = [o for o in outputs if o.ok]
    alerts = [a for o in ok for a in o.alerts]
    issues = [i for o in ok for i in o.issues]
    recommendations = [r for o in ok for r in o.recommendations]
    listed = share_row_issues([(o.agent_id, o.row_level_issues) for o in ok], MAX_ROW_LEVEL_ISSUES)
    cards = _standard_cards(
        len(ok),
        len(outputs),
        execution_time_ms / 1000.0,
        len(alerts),
        len(issues),
        len(recommendations),
    ) + [card for o in ok for card in o.executive_summary]
    primary_name = str(((files or {}).get("primary") or {}).get("name", "data.csv"))
    routing = _routing(outputs, catalog, tool_id, primary_name)
    analysis_summary = _analysis_summary(outputs, cards, alerts, recommendations, routing)
    severity_count = {s: sum(1 for a in alerts if a.get("severity") == s) for s in SEVERITIES}
    status = "success" if outputs and len(ok) == len(outputs) else "partial" if ok else "error"
    lineage = _lineage(tool, outputs)
    agent_results: dict[str, Any] = {}
    for output in outputs:
        entry: dict[str, Any] = {
            "status": output.status,
            "agent_name": output.agent_name,
            "execution_time_ms": output.execution_time_ms,
            "summary_metrics": output.summary_metrics,
            "data": output.data,
            "timestamp": when.isoformat(),
        }
        if output.error is not None:
            entry["error"] = {"code": output.error.code, "message": output.error.message}
        agent_results[output.agent_id] = entry
    report = {
        "status": status,
        "metadata": {
            "analysis_id": analysis_id,
            "tool": tool_id,
            "tool_name": tool.name if tool else tool_id,
            "tool_version": tool.version if tool else None,
            "timestamp": when.isoformat(),
            "execution_time_ms": execution_time_ms,
            "report_version": REPORT_VERSION,
            "agents_name": lineage,
            "agents_requested": [o.agent_id for o in outputs],
            "agents_failed": [o.agent_id for o in outputs if not o.ok],
            "lineage": lineage,
            "files": dict(files or {}),
        },
        "executive_summary": cards,
        "analysis_summary": analysis_summary,
        "summary": {
            "total_alerts": len(alerts),
            "total_issues": len(issues),
            "total_recommendations": len(recommendations),
            "critical_alerts": severity_count["critical"],
            "high_severity_alerts": severity_count["high"],
            "medium_severity_alerts": severity_count["medium"],
            "low_severity_alerts": severity_count["low"],
        },
        "alerts": alerts,
        "issues": issues,
        "recommendations": recommendations,
        "row_level_issues": listed,
        "issue_summary": _issue_summary(ok, listed),
        "routing_decisions": routing,
        "agent_results": agent_results,
    }
    result: dict[str, Any] = plain(report)
    return result
