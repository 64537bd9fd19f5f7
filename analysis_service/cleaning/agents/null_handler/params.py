"""null-handler's parameters (catalog entry, typed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from analysis_service.agents.params import AgentParams


@dataclass(frozen=True)
class NullParams(AgentParams):
    global_strategy: str = "column_specific"
    column_strategies: dict[str, Any] = field(default_factory=dict)
    fill_values: dict[str, Any] = field(default_factory=dict)
    knn_neighbors: int = 5
    null_reduction_weight: float = 0.5
    data_retention_weight: float = 0.3
    column_retention_weight: float = 0.2
    excellent_threshold: int = 90
    good_threshold: int = 75
