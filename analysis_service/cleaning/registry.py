"""Agent id -> cleaning agent. An agent is listed here when it is real
(and marked ``available=True`` in dqcommon/tools/clean_tool.py)."""

from __future__ import annotations

from typing import Any

from analysis_service.cleaning.model import CleaningAgent

CLEANING_AGENTS: dict[str, CleaningAgent[Any]] = {}


def register(agent: CleaningAgent[Any]) -> CleaningAgent[Any]:
    """Adds ``agent`` (one instance per id)."""
    if agent.agent_id in CLEANING_AGENTS:
        raise ValueError(f"cleaning agent {agent.agent_id} registered twice")
    CLEANING_AGENTS[agent.agent_id] = agent
    return agent


def cleaning_agents() -> dict[str, CleaningAgent[Any]]:
    """Every registered agent (the agent packages register on first call)."""
    from analysis_service.cleaning.agents import register_all

    register_all()
    return dict(CLEANING_AGENTS)
