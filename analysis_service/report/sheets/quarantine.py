"""quarantine-agent's sheet "Quarantine": upstream's Issue Type / Count /
Percentage table (then ours: the rows each rule quarantined as the row's
most severe rule), the totals and scores as a side block, and upstream's
Severity Level / Count / Percentage table below. Percentages are shares of
all issues found (whole file)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openpyxl import Workbook

from analysis_service.report.sheets.cells import Column, Kind, Pct, cell, header_row, write_table

TITLE = "Quarantine"

COLUMNS = (
    Column("Issue Type"),
    Column("Count", Kind.INT),
    Column("Percentage", Kind.PERCENT),
    Column("Rows Quarantined", Kind.INT),
)
SEVERITY_COLUMNS = (
    Column("Severity Level"),
    Column("Count", Kind.INT),
    Column("Percentage", Kind.PERCENT),
)


def _share(n: int, total: int) -> float:
    return round(100.0 * n / total, 2) if total else 0.0


def write(book: Workbook, result: Mapping[str, Any]) -> None:
    data = result.get("data", {})
    analysis = data.get("quarantine_analysis", {})
    quality = data.get("quality_score", {})
    metrics = quality.get("metrics", {})
    types: Mapping[str, int] = analysis.get("issue_types", {})
    severities: Mapping[str, int] = analysis.get("severity_breakdown", {})
    by_rule: Mapping[str, int] = analysis.get("quarantined_by_rule", {})
    total = sum(types.values())
    side: list[tuple[str, Any]] = [
        ("Quarantine", None),
        ("Total Rows", analysis.get("total_rows_analyzed", 0)),
        ("Quarantined Rows", analysis.get("total_quarantined", 0)),
        ("Clean Rows", metrics.get("clean_rows", 0)),
        ("Quarantine %", Pct(analysis.get("quarantine_percentage", 0.0))),
        ("Issues Found", metrics.get("issue_count", total)),
        ("Rows With Issues", analysis.get("rows_with_issues", 0)),
        ("Constraints Configured", analysis.get("constraints_configured", 0)),
        ("Constraints Applied", analysis.get("constraints_applied", 0)),
        ("Scores", None),
        ("Overall Score", quality.get("overall_score", 0.0)),
        ("Quality Status", data.get("quality_status", "")),
        ("Quarantine Reduction", Pct(metrics.get("quarantine_reduction_rate", 0.0))),
        ("Data Integrity", Pct(metrics.get("data_integrity_rate", 0.0))),
        ("Processing Efficiency", Pct(metrics.get("processing_efficiency_rate", 0))),
    ]
    rows = [[t, n, _share(n, total), int(by_rule.get(t, 0))] for t, n in types.items()]
    placed = write_table(book, TITLE, COLUMNS, rows, side=side, keep_empty_columns=True)
    sheet = placed.sheet
    sheet.append([])
    sheet.append(header_row(sheet, [c.header for c in SEVERITY_COLUMNS]))
    for level, n in severities.items():
        values = (level, int(n), _share(int(n), total))
        sheet.append(
            [cell(sheet, v, c.kind) for v, c in zip(values, SEVERITY_COLUMNS, strict=True)]
        )


__all__ = ["TITLE", "write"]
