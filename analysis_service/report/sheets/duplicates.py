"""duplicate-resolver's sheet "Duplicates": upstream's Detection Method,
Count, Percentage per requested method (ours: Supported, Description), with
detected / resolved / rows removed / remaining and the score block
(reduction, retention, duplicate % before and after) as a side block. A
method the agent cannot run in bounded memory says "not supported" in its
cells rather than a number."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openpyxl import Workbook

from analysis_service.report.sheets.cells import Column, Kind, Pct, write_table

TITLE = "Duplicates"

NOT_SUPPORTED = "not supported"

COLUMNS = (
    Column("Detection Method"),
    Column("Count", Kind.AUTO, number_format="#,##0"),
    Column("Percentage", Kind.AUTO),
    Column("Supported", Kind.BOOL),
    Column("Description"),
)


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 2) if whole > 0 else 0.0


def write(book: Workbook, result: Mapping[str, Any]) -> None:
    metrics = result.get("summary_metrics", {})
    data = result.get("data", {})
    analysis = data.get("duplicate_analysis", {})
    score = data.get("dedup_score", {})
    rates = score.get("metrics", {})
    rows_in = int(metrics.get("total_rows_processed", 0))
    detected = int(metrics.get("duplicates_detected", 0))
    removed = int(metrics.get("rows_removed", 0))
    remaining = int(metrics.get("remaining_rows", 0))
    side: list[tuple[str, Any]] = [
        ("Duplicates", None),
        ("Duplicates Detected", detected),
        ("Duplicates Resolved", int(metrics.get("duplicates_resolved", 0))),
        ("Rows Removed", removed),
        ("Remaining Rows", remaining),
        ("Scores", None),
        ("Overall Score", score.get("overall_score", 0.0)),
        ("Quality Status", data.get("quality_status", "")),
        ("Dedup Reduction", Pct(rates.get("dedup_reduction_rate", 0.0))),
        ("Data Retention", Pct(rates.get("data_retention_rate", 0.0))),
        ("Column Retention", Pct(rates.get("column_retention_rate", 0.0))),
        ("Duplicate % Before", Pct(_pct(detected, rows_in))),
        ("Duplicate % After", Pct(_pct(max(detected - removed, 0), remaining))),
    ]
    rows = []
    for name, entry in analysis.get("duplicate_summary", {}).items():
        supported = entry.get("duplicate_count") is not None
        rows.append(
            [
                entry.get("method", name),
                entry["duplicate_count"] if supported else NOT_SUPPORTED,
                Pct(entry.get("duplicate_percentage")) if supported else NOT_SUPPORTED,
                supported,
                entry.get("note") or entry.get("description", ""),
            ]
        )
    write_table(book, TITLE, COLUMNS, rows, side=side, keep_empty_columns=not rows)
