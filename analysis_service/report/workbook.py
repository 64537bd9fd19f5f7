"""The Excel rendering of a report (upstream §4.2), in bounded memory.

openpyxl's write-only mode streams rows to a temporary file. Sheet order:
Summary; the agent sheets of the agents that succeeded, found through the
sheet registry (``sheets/registry.py``) in upstream's fixed order; then the
merged sheets that have rows. Cells are typed (``sheets/cells.py``) and
charts are native Excel charts (``sheets/charts.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from os import PathLike
from typing import IO, Any

from openpyxl import Workbook

from analysis_service.report.sheets import standard, summary
from analysis_service.report.sheets.registry import agent_sheets


def write_workbook(report: Mapping[str, Any], dest: IO[bytes] | str | PathLike[str]) -> None:
    """Writes the report as .xlsx to a binary file object or a path."""
    book = Workbook(write_only=True)
    summary.write(book, report)
    registry = agent_sheets()
    results = report.get("agent_results", {})
    succeeded = [
        (registry[agent_id], result)
        for agent_id, result in results.items()
        if agent_id in registry and result.get("status") == "success"
    ]
    for sheet, result in sorted(succeeded, key=lambda item: item[0].order):
        sheet.write(book, result)
    for write in standard.STANDARD_SHEETS:
        write(book, report)
    book.save(dest)
