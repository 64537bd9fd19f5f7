"""outlier-remover's parameters (catalog entry, typed)."""

from __future__ import annotations

from dataclasses import dataclass

from analysis_service.agents.params import AgentParams


@dataclass(frozen=True)
class OutlierParams(AgentParams):
    detection_method: str = "iqr"
    removal_strategy: str = "remove"
    z_threshold: float = 3.0
    iqr_multiplier: float = 1.5
    lower_percentile: float = 1.0
    upper_percentile: float = 99.0
    target_columns: tuple[str, ...] = ()
    outlier_reduction_weight: float = 0.5
    data_retention_weight: float = 0.3
    column_retention_weight: float = 0.2
    excellent_threshold: int = 90
    good_threshold: int = 75
