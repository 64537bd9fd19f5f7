"""The tool-level JSON report (upstream §4.3 / ``frontend-contract.md``
§5.7, the file TaskService's ``/report`` reads), built from typed findings.

Upstream's keys keep their meaning and JSON types; ours sit beside them:

* top-level ``status``: ``success`` / ``partial`` / ``error``;
* ``agent_results`` holds every agent that was asked for, failed and
  skipped ones included, with upstream's ``error`` text and our
  ``error_code`` (upstream leaves failed agents out);
* the 1,000 row-level issues are shared fairly between agents (equal
  shares, an unused share handed on) instead of first come, first served,
  and each carries its ``agent_id``; ``issue_summary`` counts everything
  found, before the cap, with the three seeded severity keys;
* ``metadata`` adds the tool's name and version, the agents requested and
  executed (in the order they ran) and failed, and the input files;
* ``analysis_summary`` and ``routing_decisions`` are rule-based.

Everything passes through the one sanitiser (``findings.jsonsafe``):
numpy scalars converted, NaN and infinities never emitted; ``json_bytes``
refuses anything else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from analysis_service.agents.base import AgentOutput, AgentStatus
from analysis_service.findings import (
    MAX_ROW_LEVEL_ISSUES,
    RowIssue,
    Severity,
    fair_quotas,
    json_bytes,
    jsonable,
    merge_summaries,
)
from analysis_service.report import narrative
from dqcommon.tools.catalog import Catalog, ToolDef, default_catalog

REPORT_VERSION = "2.0"

__all__ = ["REPORT_VERSION", "build_report", "json_bytes", "share_row_issues", "zulu"]


def zulu(when: datetime) -> str:
    """Upstream's report timestamp form: UTC with a literal ``Z``."""
    return when.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def share_row_issues(
    per_agent: Sequence[tuple[str, Sequence[RowIssue]]], budget: int = MAX_ROW_LEVEL_ISSUES
) -> list[dict[str, Any]]:
    """At most ``budget`` row-level issues, shared fairly between agents
    (see :func:`~analysis_service.findings.fair_quotas`), each with its
    ``agent_id``, in agent order."""
    quotas = fair_quotas([len(items) for _, items in per_agent], budget)
    return [
        {**item.to_dict(), "agent_id": agent_id}
        for (agent_id, items), quota in zip(per_agent, quotas, strict=True)
        for item in items[:quota]
    ]


def _display_names(tool: ToolDef | None, outputs: Sequence[AgentOutput]) -> list[str]:
    """Catalog display names of the successful agents, in the tool's declared order."""
    ok = [o.agent_id for o in outputs if o.ok]
    if tool is None:
        return [o.agent_name for o in outputs if o.ok]
    declared = [a.agent_id for a in tool.agents]
    ordered = sorted(ok, key=lambda a: declared.index(a) if a in declared else len(declared))
    names = []
    for agent_id in ordered:
        agent = tool.agent(agent_id)
        names.append(agent.name if agent else agent_id)
    return names


def _agent_entry(output: AgentOutput, timestamp: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "status": output.status.value,
        "execution_time_ms": output.execution_time_ms,
        "summary_metrics": jsonable(output.summary_metrics),
        "data": jsonable(output.data),
        "timestamp": timestamp,
        "agent_name": output.agent_name,
    }
    if output.error is not None:
        entry["error"] = output.error.message
        entry["error_code"] = output.error.code
    return entry


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

    ``outputs`` are the agents' results in the order they ran (failed ones
    included); ``files`` describes the inputs by slot (name, size_bytes ...).
    """
    catalog = catalog or default_catalog()
    tool = catalog.tool(tool_id)
    when = zulu(timestamp or datetime.now(UTC))
    ok = [o for o in outputs if o.ok]
    # A skipped agent (drift-detector without a baseline) is not a failure.
    ran = [o for o in outputs if o.status is not AgentStatus.SKIPPED]
    alerts = [a for o in ok for a in o.findings.alerts]
    issues = [i for o in ok for i in o.findings.issues]
    recommendations = [r for o in ok for r in o.findings.recommendations]
    listed = share_row_issues([(o.agent_id, o.findings.row_issues) for o in ok])
    cards = narrative.standard_cards(
        len(ok),
        len(ran),
        execution_time_ms / 1000.0,
        len(alerts),
        len(issues),
        len(recommendations),
    ) + [card for o in ok for card in o.findings.cards]
    primary_name = str(((files or {}).get("primary") or {}).get("name", "data.csv"))
    routes = narrative.routing(outputs, catalog, tool_id, primary_name)
    severity_count = {s: sum(1 for a in alerts if a.severity is s) for s in Severity}
    status = "success" if ran and len(ok) == len(ran) else "partial" if ok else "error"
    names = _display_names(tool, outputs)
    summary = merge_summaries([o.findings.row_summary for o in ok], [])
    issue_summary = summary.to_dict()
    issue_summary.update(
        listed_issues=len(listed),
        truncated=summary.total_issues > len(listed),
        affected_rows=len({item["row_index"] for item in listed}),
        affected_columns=sorted(
            {str(item["column"]) for item in listed if item["column"] not in ("global", "all")}
        ),
    )
    report = {
        "status": status,
        "metadata": {
            "analysis_id": analysis_id,
            "tool": tool_id,
            "timestamp": when,
            "execution_time_ms": execution_time_ms,
            "report_version": REPORT_VERSION,
            "agents_name": names,
            "lineage": names,
            "tool_name": tool.name if tool else tool_id,
            "tool_version": tool.version if tool else None,
            "agents_requested": [o.agent_id for o in outputs],
            "agents_executed": [o.agent_id for o in ok],
            "agents_failed": [o.agent_id for o in ran if not o.ok],
            "agents_skipped": [o.agent_id for o in outputs if o.status is AgentStatus.SKIPPED],
            "files": dict(files or {}),
        },
        "executive_summary": [c.to_dict() for c in cards],
        "analysis_summary": narrative.analysis_summary(
            outputs, cards, alerts, recommendations, routes, when
        ),
        "summary": {
            "total_alerts": len(alerts),
            "total_issues": len(issues),
            "total_recommendations": len(recommendations),
            "critical_alerts": severity_count[Severity.CRITICAL],
            "high_severity_alerts": severity_count[Severity.HIGH],
            "medium_severity_alerts": severity_count[Severity.MEDIUM],
            "low_severity_alerts": severity_count[Severity.LOW],
        },
        "alerts": [a.to_dict() for a in alerts],
        "issues": [i.to_dict() for i in issues],
        "recommendations": [r.to_dict() for r in recommendations],
        "row_level_issues": listed,
        "issue_summary": issue_summary,
        "routing_decisions": routes,
        "agent_results": {o.agent_id: _agent_entry(o, when) for o in outputs},
    }
    result: dict[str, Any] = jsonable(report)
    return result
