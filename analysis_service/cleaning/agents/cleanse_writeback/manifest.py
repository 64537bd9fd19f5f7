"""The transformation pipeline from what really ran: one entry per agent
(in the order the chain ran them), its transformations from the chain's
tally of the writing pass (one per rule and column, with the real counts),
its status and timing from its published result.

``agent_manifests`` in the parameter echo is cut to each agent's status,
name and summary_metrics (:func:`echo_summary`); the comprehensive
manifest echoes the full results, as the contract says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from analysis_service.cleaning.agents.cleanse_writeback.rules import ACTIONS
from analysis_service.cleaning.model import AgentTally
from analysis_service.cleaning.output import log_lines


def pipeline_ids(
    own_id: str,
    executed: Sequence[str],
    manifests: Mapping[str, Any],
    tallies: Mapping[str, AgentTally],
) -> list[str]:
    """Agents that ran before this one: the chain's order, then any agent
    only the manifests or tallies know of."""
    ids = [*executed, *manifests, *tallies]
    return [a for a in dict.fromkeys(ids) if a != own_id]


def transformations(tally: AgentTally | None) -> list[dict[str, Any]]:
    if tally is None:
        return []
    action = ACTIONS.get(tally.agent, tally.agent.replace("-", "_"))
    return [
        {
            "action": action,
            "details": line,
            "rule": t.rule,
            "column": t.column or None,
            "cells_affected": t.cells,
            "rows_affected": t.rows,
            "cells_nulled": t.nulled,
            "cells_filled": t.filled,
        }
        for t, line in zip(tally.rules.values(), log_lines(tally), strict=True)
    ]


def _manifest(manifests: Mapping[str, Any], agent_id: str) -> Mapping[str, Any]:
    entry = manifests.get(agent_id)
    return entry if isinstance(entry, Mapping) else {}


def pipeline(
    ids: Sequence[str], manifests: Mapping[str, Any], tallies: Mapping[str, AgentTally]
) -> list[dict[str, Any]]:
    out = []
    for agent_id in ids:
        m = _manifest(manifests, agent_id)
        tally = tallies.get(agent_id)
        status = m.get("status") or ("success" if tally is not None else "unknown")
        out.append(
            {
                "agent_id": agent_id,
                "agent_name": str(m.get("agent_name") or agent_id),
                "executed_at": str(m.get("timestamp") or "unknown"),
                "execution_time_ms": int(m.get("execution_time_ms") or 0),
                "status": str(status),
                "transformations_applied": transformations(tally),
                "rows_in": tally.rows_in if tally else None,
                "rows_out": tally.rows_out if tally else None,
                "rows_removed": tally.rows_removed if tally else 0,
                "cells_changed": tally.cells_changed if tally else 0,
            }
        )
    return out


def summary(entries: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    by_type: dict[str, int] = {}
    for e in entries:
        for t in e["transformations_applied"]:
            by_type[t["action"]] = by_type.get(t["action"], 0) + 1
    return {
        "total_agents": len(entries),
        "total_actions": sum(by_type.values()),
        "actions_by_type": by_type,
        "timeline": [
            {
                "agent_id": e["agent_id"],
                "agent_name": e["agent_name"],
                "executed_at": e["executed_at"],
                "actions_count": len(e["transformations_applied"]),
            }
            for e in entries
        ],
    }


def echo_summary(manifests: Mapping[str, Any]) -> dict[str, Any]:
    """Each agent's id -> its status, name and headline numbers only."""
    out: dict[str, Any] = {}
    for agent_id in manifests:
        m = _manifest(manifests, agent_id)
        out[str(agent_id)] = {
            "agent_name": m.get("agent_name"),
            "status": m.get("status"),
            "summary_metrics": dict(m.get("summary_metrics") or {}),
        }
    return out


def failed_agents(manifests: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(agent id, error text) of every agent whose result is not a success."""
    out = []
    for agent_id in manifests:
        m = _manifest(manifests, agent_id)
        status = m.get("status", "success")
        if status not in ("success", "skipped"):
            out.append((str(agent_id), str(m.get("error") or status)))
    return out
