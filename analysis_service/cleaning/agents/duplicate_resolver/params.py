"""duplicate-resolver's parameters (catalog entry, typed)."""

from __future__ import annotations

from dataclasses import dataclass

from analysis_service.agents.params import AgentParams

DETECTION_TYPES = ("exact", "case_variations", "email_case", "missing_values", "conflicting")


@dataclass(frozen=True)
class DedupParams(AgentParams):
    merge_strategy: str = "remove_duplicates"
    email_columns: tuple[str, ...] = ()
    key_columns: tuple[str, ...] = ()
    detection_types: tuple[str, ...] = DETECTION_TYPES
    null_handling: str = "ignore_nulls"
    conflict_resolution: str = "keep_first"
    dedup_reduction_weight: float = 0.5
    data_retention_weight: float = 0.3
    column_retention_weight: float = 0.2
    excellent_threshold: int = 90
    good_threshold: int = 75
