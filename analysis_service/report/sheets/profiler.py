"""unified-profiler's sheets: "Profiler" (upstream's columns first: Field
Name, Data Type, Quality Score, Null %, Completeness, Uniqueness, Distinct
Values; then ours), its status and scores as a side block, a chart of the
null % per column; and "Profiler Histograms", one table and one chart per
numeric column, drawn from the histogram the sketch provides."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from analysis_service.report.sheets.cells import (
    LABEL_FONT,
    Column,
    Kind,
    Pct,
    cell,
    header_row,
    write_blocks,
    write_table,
)
from analysis_service.report.sheets.charts import Span, add_bar_chart

TITLE = "Profiler"
HISTOGRAMS = "Profiler Histograms"

COLUMNS = (
    Column("Field Name"),
    Column("Data Type"),
    Column("Quality Score", Kind.FLOAT),
    Column("Null %", Kind.PERCENT),
    Column("Completeness", Kind.PERCENT),
    Column("Uniqueness", Kind.PERCENT),
    Column("Distinct Values", Kind.INT),
    Column("Distinct Exact", Kind.BOOL),
    Column("Validity", Kind.PERCENT),
    Column("Consistency", Kind.PERCENT),
    Column("Type Confidence", Kind.PERCENT),
    Column("Type Mismatches", Kind.INT),
    Column("Null Count", Kind.INT),
    Column("Min", Kind.FLOAT, "General"),
    Column("Max", Kind.FLOAT, "General"),
    Column("Mean", Kind.FLOAT, "General"),
    Column("Median", Kind.FLOAT, "General"),
    Column("Std Dev", Kind.FLOAT, "General"),
    Column("Outliers", Kind.INT),
    Column("Outlier %", Kind.PERCENT),
    Column("Zeros", Kind.INT),
    Column("Infinite", Kind.INT),
    Column("Earliest"),
    Column("Latest"),
    Column("Min Length", Kind.INT),
    Column("Max Length", Kind.INT),
    Column("Categorical", Kind.BOOL),
    Column("Primary Key Candidate", Kind.BOOL),
    Column("PII"),
    Column("Top Value"),
)


def _row(field: Mapping[str, Any]) -> list[Any]:
    props = field.get("properties", {})
    indicators = field.get("quality_indicators", {})
    stats = field.get("statistics") or {}
    numeric = stats.get("type") == "numeric"
    text = stats.get("type") == "string"
    inferred = field.get("inferred_type", {})
    dates = field.get("datetime") or {}
    top = (field.get("distribution") or {}).get("top_values") or []
    confidence = inferred.get("confidence")
    return [
        field.get("field_name"),
        field.get("data_type"),
        field.get("quality_score"),
        props.get("null_percentage"),
        indicators.get("completeness_score"),
        indicators.get("uniqueness_score"),
        field.get("distinct_count"),
        (field.get("exactness") or {}).get("unique_count"),
        indicators.get("validity_score"),
        indicators.get("consistency_score"),
        None if confidence is None else 100.0 * confidence,
        inferred.get("mismatch_count"),
        props.get("null_count"),
        stats.get("min") if numeric else None,
        stats.get("max") if numeric else None,
        stats.get("mean") if numeric else None,
        stats.get("median") if numeric else None,
        stats.get("stddev") if numeric else None,
        stats.get("outlier_count") if numeric else None,
        stats.get("outlier_percentage") if numeric else None,
        stats.get("zero_count") if numeric else None,
        stats.get("infinite_count") if numeric else None,
        dates.get("min"),
        dates.get("max"),
        stats.get("min_length") if text else None,
        stats.get("max_length") if text else None,
        field.get("categorical"),
        props.get("is_primary_key"),
        props.get("estimated_pii_type"),
        top[0]["value"] if top else None,
    ]


def write(book: Workbook, result: Mapping[str, Any]) -> None:
    data = result.get("data", {})
    quality = data.get("quality_summary", {})
    metrics = result.get("summary_metrics", {})
    fields = data.get("fields", [])
    side: list[tuple[str, Any]] = [
        ("Unified Profiler", None),
        ("Status", result.get("status")),
        ("Execution Time (ms)", result.get("execution_time_ms")),
        ("Columns Profiled", metrics.get("total_columns")),
        ("Records Analyzed", metrics.get("total_rows")),
        ("Quality Grade", quality.get("quality_grade")),
        ("Duplicate Rows", quality.get("duplicate_rows")),
        ("Scores", None),
        ("Overall Quality Score", quality.get("overall_quality_score")),
        ("Completeness", Pct(quality.get("completeness_score"))),
        ("Uniqueness", Pct(quality.get("uniqueness_score"))),
        ("Validity", Pct(quality.get("validity_score"))),
        ("Consistency", Pct(quality.get("consistency_score"))),
        ("Fields Requiring Attention", quality.get("fields_requiring_attention")),
    ]
    placement = write_table(book, TITLE, COLUMNS, (_row(f) for f in fields), side=side)
    if fields and "Null %" in placement.columns:
        add_bar_chart(
            placement.sheet,
            title="Null % per column",
            labels=Span(placement.column("Field Name"), placement.first_row, placement.last_row),
            values=Span(placement.column("Null %"), placement.first_row, placement.last_row),
            anchor=f"{get_column_letter(placement.side_column)}{len(side) + 3}",
            series_title="Null %",
            y_title="Null %",
            percent=True,
        )
    _histograms(book, fields)


#: Rows a histogram block takes at least (its chart is about 14 rows tall).
_BLOCK_ROWS = 16


def _histograms(book: Workbook, fields: list[Mapping[str, Any]]) -> None:
    numeric = [f for f in fields if f.get("histogram")]
    if not numeric:
        return
    sheet = write_blocks(book, HISTOGRAMS, [16, 16, 12, 4])
    row = 1  # the sheet row the next append writes
    for field in numeric:
        histogram = field["histogram"]
        edges, counts = histogram["edges"], histogram["counts"]
        note = (
            "exact"
            if histogram.get("exact")
            else f"each count ±{histogram.get('count_error_bound')}"
        )
        sheet.append([cell(sheet, f"{field['field_name']} ({note})", Kind.TEXT, font=LABEL_FONT)])
        sheet.append(header_row(sheet, ["Bin From", "Bin To", "Count"]))
        for i, count in enumerate(counts):
            sheet.append(
                [
                    cell(sheet, edges[i], Kind.FLOAT, number_format="General"),
                    cell(sheet, edges[i + 1], Kind.FLOAT, number_format="General"),
                    cell(sheet, count, Kind.INT),
                ]
            )
        first, last = row + 2, row + 1 + len(counts)
        add_bar_chart(
            sheet,
            title=f"{field['field_name']}: distribution",
            labels=Span(1, first, last),
            values=Span(3, first, last),
            anchor=f"E{row}",
            series_title="Count",
            y_title="Rows",
            x_title="Bin from",
            height_cm=7.0,
        )
        used = len(counts) + 2
        for _ in range(max(_BLOCK_ROWS, used + 1) - used):
            sheet.append([])
        row += max(_BLOCK_ROWS, used + 1)
