"""cleanse-writeback's parameters (catalog entry CLEANSE_WRITEBACK, typed).

``agent_manifests`` / ``original_row_count`` / ``original_column_count``
are filled by the runner from the real run when the user gave none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from analysis_service.agents.params import AgentParams


@dataclass(frozen=True)
class WritebackParams(AgentParams):
    verify_numeric_types: bool = True
    verify_datetime_types: bool = True
    verify_no_new_nulls: bool = True
    verify_no_duplicates: bool = True
    verify_data_retention: bool = True
    generate_comprehensive_manifest: bool = True
    include_transformation_summary: bool = True
    agent_manifests: dict[str, Any] = field(default_factory=dict)
    original_row_count: int | None = None
    original_column_count: int | None = None
    integrity_weight: float = 0.4
    completeness_weight: float = 0.3
    auditability_weight: float = 0.3
    excellent_threshold: int = 95
    good_threshold: int = 85
