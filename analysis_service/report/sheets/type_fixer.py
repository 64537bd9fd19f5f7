"""type-fixer's sheet "Type Fixer": upstream's Column, Current Type,
Suggested Type, Conversion Status, Issues/Notes, then ours (target type,
share of values of the type, cells rewritten, values left unconverted
(remaining issues),
samples), one row per column; totals and scores as a side block. Every
cell is filled: a column that was not converted says so."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openpyxl import Workbook

from analysis_service.report.sheets.cells import Column, Kind, Pct, write_table

TITLE = "Type Fixer"
NOT_CONVERTED = "not converted"
NO_ISSUES = "no type issues"

COLUMNS = (
    Column("Column"),
    Column("Current Type"),
    Column("Suggested Type"),
    Column("Conversion Status"),
    Column("Issues/Notes"),
    Column("Target Type"),
    Column("Type Share %", Kind.PERCENT),
    Column("Changed Values", Kind.INT),
    Column("Remaining Issues", Kind.INT),
    Column("Sample Values"),
)


def row(name: str, entry: Mapping[str, Any]) -> list[Any]:
    return [
        name,
        entry.get("current_type"),
        entry.get("suggested_type"),
        entry.get("conversion_status"),
        "; ".join(entry.get("issues") or []) or NO_ISSUES,
        entry.get("target_type") or NOT_CONVERTED,
        entry.get("type_share", 0.0),
        entry.get("changed_values", 0),
        entry.get("remaining_issues", 0),
        ", ".join(entry.get("sample_values") or []) or "(no values)",
    ]


def write(book: Workbook, result: Mapping[str, Any]) -> None:
    data = result.get("data", {})
    metrics = result.get("summary_metrics", {})
    scores = data.get("fixing_score", {})
    m = scores.get("metrics", {})
    analysis = data.get("type_analysis", {})
    side: list[tuple[str, Any]] = [
        ("Type Fixer", None),
        ("Total Rows Processed", metrics.get("total_rows_processed")),
        ("Columns Analysed", analysis.get("total_columns")),
        ("Columns Converted", metrics.get("columns_converted")),
        ("Columns With Issues", len(analysis.get("columns_with_issues", []))),
        ("Original Type Issues", metrics.get("original_type_issues")),
        ("Type Issues Fixed", metrics.get("type_issues_fixed")),
        ("Remaining Type Issues", metrics.get("remaining_type_issues")),
        ("Cells Changed", metrics.get("cells_changed")),
        ("Rows Quarantined", metrics.get("rows_quarantined")),
        ("Scores", None),
        ("Overall Score", scores.get("overall_score")),
        ("Quality Status", data.get("quality_status")),
        ("Issue Reduction", Pct(m.get("issue_reduction_rate"))),
        ("Data Retention", Pct(m.get("data_retention_rate"))),
        ("Column Retention", Pct(m.get("column_retention_rate"))),
    ]
    rows = [row(name, entry) for name, entry in analysis.get("type_summary", {}).items()]
    write_table(book, TITLE, COLUMNS, rows, side=side, keep_empty_columns=True)
