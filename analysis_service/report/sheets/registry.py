"""Agent sheets by agent id: the workbook finds an agent's sheet here and
never names an agent itself.

An agent sheet is a function that writes one or more sheets from the
agent's entry of the report's ``agent_results`` (status, execution time,
summary metrics, data). ``order`` places it among the agent sheets
(upstream's fixed order: Profiler, Drift Detection, Risk Assessment,
Readiness, Governance, Test Coverage, then the cleaning agents' sheets).
Adding one: a module in this package and one entry in :func:`agent_sheets`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook

from analysis_service.report.sheets import (
    cleanse_preview,
    cleanse_writeback,
    coverage,
    drift,
    duplicates,
    field_standardization,
    null_handler,
    outlier_remover,
    profiler,
    quarantine,
    readiness,
    risk,
    type_fixer,
)

SheetWriter = Callable[[Workbook, Mapping[str, Any]], None]


@dataclass(frozen=True)
class AgentSheet:
    agent_id: str
    title: str
    order: int
    write: SheetWriter


def agent_sheets() -> dict[str, AgentSheet]:
    sheets = (
        AgentSheet("unified-profiler", profiler.TITLE, 10, profiler.write),
        AgentSheet("drift-detector", drift.TITLE, 20, drift.write),
        AgentSheet("score-risk", risk.TITLE, 30, risk.write),
        AgentSheet("readiness-rater", readiness.TITLE, 40, readiness.write),
        AgentSheet("test-coverage-agent", coverage.TITLE, 60, coverage.write),
        # clean-my-data, in upstream's sheet order
        AgentSheet("cleanse-previewer", cleanse_preview.TITLE, 100, cleanse_preview.write),
        AgentSheet("null-handler", null_handler.TITLE, 110, null_handler.write),
        AgentSheet("outlier-remover", outlier_remover.TITLE, 120, outlier_remover.write),
        AgentSheet("type-fixer", type_fixer.TITLE, 130, type_fixer.write),
        AgentSheet("duplicate-resolver", duplicates.TITLE, 140, duplicates.write),
        AgentSheet(
            "field-standardization", field_standardization.TITLE, 150, field_standardization.write
        ),
        AgentSheet("cleanse-writeback", cleanse_writeback.TITLE, 160, cleanse_writeback.write),
        AgentSheet("quarantine-agent", quarantine.TITLE, 170, quarantine.write),
    )
    return {sheet.agent_id: sheet for sheet in sheets}
