"""Which profile agents this service implements, by agent id.

The catalog (``dqcommon.tools.catalog``) marks an agent ``available`` only
when it is listed here; a test keeps the two in step, and another checks
every agent's parameter dataclass against its catalog entry. Adding an
agent: its package under ``agents/``, one line in ``_AGENT_TYPES``, its
sheet in ``report/sheets`` and ``available=True`` in the catalog.
"""

from __future__ import annotations

from typing import Any

from analysis_service.agents.base import ProfileAgent
from analysis_service.agents.drift_detector import DriftDetectorAgent
from analysis_service.agents.readiness_rater import ReadinessRaterAgent
from analysis_service.agents.score_risk import ScoreRiskAgent
from analysis_service.agents.test_coverage_agent import TestCoverageAgent
from analysis_service.agents.unified_profiler import UnifiedProfilerAgent

_AGENT_TYPES: tuple[type[ProfileAgent[Any]], ...] = (
    UnifiedProfilerAgent,
    DriftDetectorAgent,
    ScoreRiskAgent,
    TestCoverageAgent,
    ReadinessRaterAgent,
)


def implemented_agents() -> dict[str, ProfileAgent[Any]]:
    """Fresh agent instances keyed by agent id."""
    return {cls.agent_id: cls() for cls in _AGENT_TYPES}
