"""cleanse-previewer's parameters (catalog entry CLEANSE_PREVIEWER, typed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analysis_service.agents.params import AgentParams


@dataclass(frozen=True)
class PreviewParams(AgentParams):
    preview_rules: tuple[Any, ...] = ()
    impact_threshold_high: float = 10.0
    impact_threshold_medium: float = 5.0
    confidence_level: float = 0.95
    calculate_distributions: bool = True
    compare_statistics: bool = True
    analyze_correlations: bool = False
    accuracy_weight: float = 0.4
    safety_weight: float = 0.3
    completeness_weight: float = 0.3
    excellent_threshold: int = 90
    good_threshold: int = 75
