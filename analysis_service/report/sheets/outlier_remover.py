"""outlier-remover's sheet "Outlier Remover": upstream's Column, Outlier
Count, Outlier %, Method Used, Threshold, Action Taken, Confidence (one row
per numeric column checked, every cell filled), with the totals, the scores
and the skipped identifier columns as a side block. Confidence says whether
the count is exact (every value) or scaled from the sample."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openpyxl import Workbook

from analysis_service.report.sheets.cells import Column, Kind, Pct, write_table

TITLE = "Outlier Remover"

COLUMNS = (
    Column("Column"),
    Column("Outlier Count", Kind.INT),
    Column("Outlier %", Kind.PERCENT),
    Column("Method Used"),
    Column("Threshold"),
    Column("Action Taken"),
    Column("Confidence"),
)


def action(entry: Mapping[str, Any], parameters: Mapping[str, Any]) -> str:
    if not entry.get("outlier_count"):
        return "none needed"
    strategy = parameters.get("removal_strategy", "remove")
    if strategy == "remove":
        return "rows quarantined"
    value = entry.get("imputation_value")
    return f"{strategy} ({value:g})" if isinstance(value, int | float) else str(strategy)


def confidence(entry: Mapping[str, Any]) -> str:
    total = entry.get("total_values", 0)
    if entry.get("counts_exact", True):
        return f"exact ({total} values)"
    return f"estimated from a sample of {total} values"


def write(book: Workbook, result: Mapping[str, Any]) -> None:
    data = result.get("data", {})
    metrics = result.get("summary_metrics", {})
    score = data.get("outlier_score", {})
    rates = score.get("metrics", {})
    analysis = data.get("outlier_analysis", {})
    parameters = data.get("parameters", {})
    skipped = analysis.get("skipped_identifier_columns", [])
    side: list[tuple[str, Any]] = [
        ("Totals", None),
        ("Total Rows", analysis.get("total_rows")),
        ("Numeric Columns", len(analysis.get("numeric_columns", []))),
        ("Original Outliers", metrics.get("original_outliers")),
        ("Outliers Handled", metrics.get("outliers_handled")),
        ("Remaining Outliers", metrics.get("remaining_outliers")),
        ("Rows Kept", rates.get("cleaned_rows")),
        ("Identifier Columns Skipped", ", ".join(skipped) if skipped else "none"),
        ("Scores", None),
        ("Overall Score", score.get("overall_score")),
        ("Quality Status", data.get("quality_status")),
        ("Outlier Reduction", Pct(rates.get("outlier_reduction_rate"))),
        ("Data Retention", Pct(rates.get("data_retention_rate"))),
        ("Column Retention", Pct(rates.get("column_retention_rate"))),
    ]
    rows = [
        [
            column,
            entry.get("outlier_count"),
            entry.get("outlier_percentage"),
            entry.get("method_used"),
            entry.get("threshold"),
            action(entry, parameters),
            confidence(entry),
        ]
        for column, entry in analysis.get("outlier_summary", {}).items()
    ]
    write_table(book, TITLE, COLUMNS, rows, side=side, keep_empty_columns=True)
