"""field-standardization's parameters (catalog entry FIELD_STANDARDIZATION, typed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from analysis_service.agents.params import AgentParams

CASE_STRATEGIES = ("most_frequent", "lowercase", "uppercase", "titlecase", "none")


@dataclass(frozen=True)
class StandardizationParams(AgentParams):
    # most_frequent (not upstream's lowercase): unify spellings, lowercase nothing
    case_strategy: str = "most_frequent"
    synonym_mappings: dict[str, Any] = field(default_factory=dict)
    unit_mappings: dict[str, Any] = field(default_factory=dict)
    target_date_format: str = "%Y-%m-%d"
    target_columns: tuple[str, ...] = ()
    preserve_columns: tuple[str, ...] = ()
    trim_whitespace: bool = True
    normalize_internal_spacing: bool = True
    apply_synonyms: bool = True
    unit_standardization: bool = False
    date_standardization: bool = True
    date_convention: str = "auto"
    standardization_effectiveness_weight: float = 0.5
    data_retention_weight: float = 0.3
    column_retention_weight: float = 0.2
    excellent_threshold: int = 90
    good_threshold: int = 75
