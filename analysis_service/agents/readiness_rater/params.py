"""readiness-rater's parameters (the catalog entry, typed)."""

from __future__ import annotations

from dataclasses import dataclass

from analysis_service.agents.params import AgentParams


@dataclass(frozen=True)
class ReadinessParams(AgentParams):
    """Every parameter has an effect:

    * ``ready_threshold`` / ``needs_review_threshold``: floors of the
      verdict (ready / needs_review / not_ready), of the component statuses
      and of the component counts in ``summary_metrics``;
    * ``completeness_weight`` / ``consistency_weight`` /
      ``schema_health_weight``: weights of the three components in the
      base score (normalised).
    """

    ready_threshold: int = 80
    needs_review_threshold: int = 50
    completeness_weight: float = 0.3
    consistency_weight: float = 0.3
    schema_health_weight: float = 0.4
