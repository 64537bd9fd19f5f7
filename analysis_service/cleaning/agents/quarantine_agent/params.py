"""quarantine-agent's parameters (catalog entry QUARANTINE_AGENT, typed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from analysis_service.agents.params import AgentParams


@dataclass(frozen=True)
class QuarantineParams(AgentParams):
    required_fields: tuple[str, ...] = ()
    range_constraints: dict[str, Any] = field(default_factory=dict)
    format_constraints: dict[str, Any] = field(default_factory=dict)
    detect_missing_fields: bool = True
    detect_type_mismatches: bool = True
    detect_out_of_range: bool = True
    detect_invalid_formats: bool = True
    detect_broken_records: bool = True
    detect_schema_mismatches: bool = True
    expected_schema: dict[str, Any] = field(default_factory=dict)
    quarantine_reduction_weight: float = 0.5
    data_integrity_weight: float = 0.3
    processing_efficiency_weight: float = 0.2
    excellent_threshold: int = 90
    good_threshold: int = 75
