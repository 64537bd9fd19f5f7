"""field-standardization's sheet "Field Standardization": upstream's
columns first (Column, Unique Values Reduced, Case Variations Fixed,
Whitespace Fixed, Improvement %), then ours (values changed, before and
after counts, dates left as they are, saturation); totals and the score
block as a side block. Every cell holds a value."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openpyxl import Workbook

from analysis_service.report.sheets.cells import Column, Kind, Pct, write_table

TITLE = "Field Standardization"

COLUMNS = (
    Column("Column"),
    Column("Unique Values Reduced", Kind.INT),
    Column("Case Variations Fixed", Kind.INT),
    Column("Whitespace Fixed", Kind.INT),
    Column("Improvement %", Kind.PERCENT),
    Column("Values Changed", Kind.INT),
    Column("Unique Before", Kind.INT),
    Column("Unique After", Kind.INT),
    Column("Case Variations Before", Kind.INT),
    Column("Case Variations After", Kind.INT),
    Column("Whitespace Before", Kind.INT),
    Column("Whitespace After", Kind.INT),
    Column("Date Column", Kind.BOOL),
    Column("Ambiguous Dates", Kind.INT),
    Column("Saturated", Kind.BOOL),
)


def _rows(data: Mapping[str, Any]) -> list[list[Any]]:
    analysis = data.get("standardization_analysis", {})
    pre = analysis.get("pre_standardization", {}).get("column_analysis", {})
    post = analysis.get("post_standardization", {}).get("column_analysis", {})
    improvements = analysis.get("improvements", {}).get("column_improvements", {})
    dates = analysis.get("date_columns", {})
    ambiguous = data.get("ambiguous_dates", {})
    saturated = set(data.get("saturated_columns", []))
    rows = []
    for name, imp in improvements.items():
        before, after = pre.get(name, {}), post.get(name, {})
        rows.append(
            [
                name,
                imp.get("unique_values_reduced", 0),
                imp.get("case_variations_fixed", 0),
                imp.get("whitespace_issues_fixed", 0),
                imp.get("improvement_percentage", 0.0),
                imp.get("values_changed", 0),
                before.get("total_unique_values", 0),
                after.get("total_unique_values", 0),
                before.get("case_variations", 0),
                after.get("case_variations", 0),
                before.get("whitespace_issues", 0),
                after.get("whitespace_issues", 0),
                name in dates,
                ambiguous.get(name, {}).get("count", 0),
                name in saturated,
            ]
        )
    return rows


def write(book: Workbook, result: Mapping[str, Any]) -> None:
    data = result.get("data", {})
    metrics = result.get("summary_metrics", {})
    score = data.get("standardization_score", {})
    m = score.get("metrics", {})
    side: list[tuple[str, Any]] = [
        ("Totals", None),
        ("Rows Processed", metrics.get("total_rows_processed", 0)),
        ("Columns Standardized", metrics.get("columns_standardized", 0)),
        ("Values Changed", metrics.get("values_changed", 0)),
        ("Variations Reduced", metrics.get("variations_reduced", 0)),
        ("Total Issues", metrics.get("total_issues", 0)),
        ("Scores", None),
        ("Overall Score", score.get("overall_score", 0.0)),
        ("Quality Status", data.get("quality_status", "")),
        ("Standardization Effectiveness", Pct(m.get("standardization_effectiveness", 0.0))),
        ("Data Retention", Pct(m.get("data_retention_rate", 0.0))),
        ("Column Retention", Pct(m.get("column_retention_rate", 0.0))),
        ("Variations Before", m.get("variations_before", 0)),
        ("Variations After", m.get("variations_after", 0)),
    ]
    rows = _rows(data)
    write_table(book, TITLE, COLUMNS, rows, side=side, keep_empty_columns=True)
