"""type-fixer's parameters (catalog entry TYPE_FIXER, typed)."""

from __future__ import annotations

from dataclasses import dataclass

from analysis_service.agents.params import AgentParams


@dataclass(frozen=True)
class TypeFixerParams(AgentParams):
    auto_convert_numeric: bool = True
    auto_convert_datetime: bool = True
    auto_convert_category: bool = True
    preserve_mixed_types: bool = False
    strict_types: bool = False
    date_convention: str = "auto"
    type_reduction_weight: float = 0.5
    data_retention_weight: float = 0.3
    column_retention_weight: float = 0.2
    excellent_threshold: int = 90
    good_threshold: int = 75
