"""null-handler's sheet "Null Handler": upstream's Column, Null Count,
Null %, Handling Method, Imputation Value, Status, Notes (one row per
column with nulls, every cell filled), with the totals, the scores and the
suggested strategies as a side block."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openpyxl import Workbook

from analysis_service.report.sheets.cells import Column, Kind, Pct, write_table

TITLE = "Null Handler"

COLUMNS = (
    Column("Column"),
    Column("Null Count", Kind.INT),
    Column("Null %", Kind.PERCENT),
    Column("Handling Method"),
    Column("Imputation Value"),
    Column("Status"),
    Column("Notes"),
)

#: What fills a cell when the strategy has no single imputation value.
_VALUE = {
    "forward_fill": "previous value",
    "backward_fill": "next value",
    "knn_imputation": "mean of the nearest rows",
    "drop_column": "column dropped",
}


def method(entry: Mapping[str, Any], parameters: Mapping[str, Any]) -> str:
    if parameters.get("global_strategy") == "drop_rows":
        return "drop_rows"
    return str(entry.get("strategy_applied") or "none")


def imputation_value(entry: Mapping[str, Any], parameters: Mapping[str, Any]) -> str:
    how = method(entry, parameters)
    if entry.get("imputation_value") is not None:
        return str(entry["imputation_value"])
    if how == "drop_rows":
        return "rows quarantined"
    return _VALUE.get(how, "none")


def write(book: Workbook, result: Mapping[str, Any]) -> None:
    data = result.get("data", {})
    metrics = result.get("summary_metrics", {})
    score = data.get("cleaning_score", {})
    rates = score.get("metrics", {})
    analysis = data.get("null_analysis", {})
    parameters = data.get("parameters", {})
    side: list[tuple[str, Any]] = [
        ("Totals", None),
        ("Total Rows", analysis.get("total_rows")),
        ("Total Columns", analysis.get("total_columns")),
        ("Columns With Nulls", len(analysis.get("columns_with_nulls", []))),
        ("Original Nulls", metrics.get("original_nulls")),
        ("Nulls Handled", metrics.get("nulls_handled")),
        ("Remaining Nulls", metrics.get("remaining_nulls")),
        ("Scores", None),
        ("Overall Score", score.get("overall_score")),
        ("Quality Status", data.get("quality_status")),
        ("Null Reduction", Pct(rates.get("null_reduction_rate"))),
        ("Data Retention", Pct(rates.get("data_retention_rate"))),
        ("Column Retention", Pct(rates.get("column_retention_rate"))),
    ]
    recommendations = analysis.get("recommendations", [])
    if recommendations:
        side.append(("Recommendations", None))
        side += [
            (
                f"{r.get('column')}: {r.get('action')}",
                f"{r.get('reason')} ({r.get('priority')})",
            )
            for r in recommendations
        ]
    rows = [
        [
            column,
            entry.get("null_count"),
            entry.get("null_percentage"),
            method(entry, parameters),
            imputation_value(entry, parameters),
            entry.get("status"),
            entry.get("notes"),
        ]
        for column, entry in analysis.get("null_summary", {}).items()
    ]
    write_table(book, TITLE, COLUMNS, rows, side=side, keep_empty_columns=True)
