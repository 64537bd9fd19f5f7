"""Which profile agents this service implements.

The catalog (``dqcommon.tools.catalog``) marks an agent ``available`` only
when it is listed here; a test keeps the two in step.
"""

from __future__ import annotations

from analysis_service.agents.base import ProfileAgent
from analysis_service.agents.unified_profiler import UnifiedProfilerAgent


def implemented_agents() -> dict[str, ProfileAgent]:
    """Fresh agent instances keyed by agent id (today: unified-profiler)."""
    agents: list[ProfileAgent] = [UnifiedProfilerAgent()]
    return {agent.agent_id: agent for agent in agents}
