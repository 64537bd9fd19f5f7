"""The Excel rendering of a report (upstream §4.2), in bounded memory.

openpyxl's write-only mode streams rows to a temporary file instead of
building the sheet in memory. Every cell the upstream workbook left empty
because it read keys no agent produced is filled from the report (records
analysed, grade, per-field completeness/uniqueness/distinct, affected
fields, row-level agent and description). Only non-empty sheets are
written; agent sheets only for agents that succeeded.

Data never becomes a formula: a text starting with ``=`` (a cell value,
a column name) is written as a string cell, not as the formula openpyxl
would otherwise make of it, and characters that XML cannot hold (control
characters from a damaged source) are replaced by U+FFFD instead of failing
the report. Texts starting with ``+``, ``-`` or ``@`` are strings in .xlsx
already (only CSV consumers evaluate those).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from os import PathLike
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

_HEADER_FILL = PatternFill("solid", fgColor="1F3864")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_TITLE_FONT = Font(bold=True, size=14)
_SECTION_FONT = Font(bold=True, size=12)
_WRAP = Alignment(wrap_text=True, vertical="top")
_MAX_CELL_CHARS = 32_000  # Excel's limit is 32,767


def _value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    text = value if isinstance(value, str) else str(value)
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
    return text if len(text) <= _MAX_CELL_CHARS else text[: _MAX_CELL_CHARS - 1] + "…"


def _cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    """A value for ``sheet.append``: a text that openpyxl would take for a
    formula becomes an explicit string cell."""
    plain = _value(value)
    if isinstance(plain, str) and plain.startswith("="):
        cell = WriteOnlyCell(sheet, value=plain)
        cell.data_type = "s"
        return cell
    return plain


def _styled(
    sheet: WriteOnlyWorksheet, value: Any, font: Font | None = None, fill: PatternFill | None = None
) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=_value(value))
    if isinstance(cell.value, str) and cell.value.startswith("="):
        cell.data_type = "s"
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    return cell


def _title(sheet: WriteOnlyWorksheet, text: str) -> None:
    sheet.append([_styled(sheet, text, _TITLE_FONT)])
    sheet.append([])


def _section(sheet: WriteOnlyWorksheet, text: str) -> None:
    sheet.append([])
    sheet.append([_styled(sheet, text, _SECTION_FONT)])


def _header(sheet: WriteOnlyWorksheet, names: Sequence[str]) -> None:
    sheet.append([_styled(sheet, name, _HEADER_FONT, _HEADER_FILL) for name in names])


def _pairs(sheet: WriteOnlyWorksheet, pairs: Iterable[tuple[str, Any]]) -> None:
    for key, value in pairs:
        sheet.append([_styled(sheet, key, Font(bold=True)), _cell(sheet, value)])


def _rows(sheet: WriteOnlyWorksheet, rows: Iterable[Sequence[Any]]) -> None:
    for row in rows:
        sheet.append([_cell(sheet, v) for v in row])


def _new_sheet(book: Workbook, title: str, widths: Sequence[int]) -> WriteOnlyWorksheet:
    sheet = book.create_sheet(title)
    for index, width in enumerate(widths):
        letter = chr(ord("A") + index)
        sheet.column_dimensions[letter].width = width
    return sheet


def _summary_sheet(book: Workbook, report: Mapping[str, Any]) -> None:
    meta = report.get("metadata", {})
    sheet = _new_sheet(book, "Summary", [34, 80])
    _title(sheet, f"{meta.get('tool_name', meta.get('tool', ''))} - Analysis Report")
    _pairs(
        sheet,
        [
            ("Analysis ID", meta.get("analysis_id")),
            ("Tool", meta.get("tool")),
            ("Status", report.get("status")),
            ("Timestamp", meta.get("timestamp")),
            ("Execution Time (ms)", meta.get("execution_time_ms")),
            ("Report Version", meta.get("report_version")),
            ("Agents Used", ", ".join(meta.get("agents_name", []))),
            ("Lineage", " → ".join(meta.get("lineage", []))),
        ],
    )
    for slot, info in (meta.get("files") or {}).items():
        details = ", ".join(f"{k}: {v}" for k, v in dict(info).items())
        _pairs(sheet, [(f"File ({slot})", details)])
    _section(sheet, "Executive Summary")
    _header(sheet, ["Metric", "Value - Description"])
    _rows(
        sheet,
        (
            (card.get("title"), f"{card.get('value')} - {card.get('description')}")
            for card in report.get("executive_summary", [])
        ),
    )
    _section(sheet, "Analysis Statistics")
    summary = report.get("summary", {})
    _pairs(
        sheet,
        [
            ("Total Alerts", summary.get("total_alerts")),
            ("Critical Alerts", summary.get("critical_alerts")),
            ("High Severity Alerts", summary.get("high_severity_alerts")),
            ("Medium Severity Alerts", summary.get("medium_severity_alerts")),
            ("Total Issues", summary.get("total_issues")),
            ("Total Recommendations", summary.get("total_recommendations")),
        ],
    )
    results = report.get("agent_results", {})
    _section(sheet, "Agent Status")
    _header(sheet, ["Agent", "Status / Error"])
    for agent_id, result in results.items():
        error = result.get("error")
        text = (
            result.get("status")
            if not error
            else (f"error {error.get('code')}: {error.get('message')}")
        )
        _rows(sheet, [(result.get("agent_name", agent_id), text)])


def _profiler_sheet(book: Workbook, result: Mapping[str, Any]) -> None:
    data = result.get("data", {})
    quality = data.get("quality_summary", {})
    metrics = result.get("summary_metrics", {})
    sheet = _new_sheet(book, "Profiler", [28, 12, 14, 10, 14, 12, 16, 16, 16, 16, 16, 12, 14])
    _title(sheet, "Unified Profiler")
    _pairs(
        sheet,
        [
            ("Status", result.get("status")),
            ("Execution Time (ms)", result.get("execution_time_ms")),
            ("Columns Profiled", metrics.get("total_columns")),
            ("Records Analyzed", metrics.get("total_rows")),
            ("Quality Grade", quality.get("quality_grade")),
        ],
    )
    _section(sheet, "Scores")
    _pairs(
        sheet,
        [
            ("Overall Quality Score", quality.get("overall_quality_score")),
            ("Completeness", quality.get("average_completeness")),
            ("Uniqueness", quality.get("average_uniqueness")),
            ("Validity", quality.get("average_validity")),
            ("Consistency", quality.get("average_consistency")),
        ],
    )
    _section(sheet, "Fields")
    _header(
        sheet,
        [
            "Field Name",
            "Data Type",
            "Quality Score",
            "Null %",
            "Completeness",
            "Uniqueness",
            "Distinct Values",
            "Min",
            "Max",
            "Mean",
            "Std",
            "Outliers",
            "PII",
        ],
    )
    for field in data.get("fields", []):
        numeric = field.get("numeric_stats") or {}
        dates = field.get("datetime_stats") or {}
        text = field.get("text_stats") or {}
        indicators = field.get("quality_indicators", {})
        distinct = field.get("unique_count")
        if not field.get("unique_count_exact", True):
            distinct = f"≈{distinct}"
        low = numeric.get("min", dates.get("min", text.get("min_length")))
        high = numeric.get("max", dates.get("max", text.get("max_length")))
        mean = numeric.get("mean", text.get("mean_length"))
        outliers = numeric.get("outlier_count") if numeric else None
        if numeric and not numeric.get("outlier_count_exact", True):
            outliers = f"{outliers} ±{numeric.get('outlier_count_error_bound')}"
        _rows(
            sheet,
            [
                (
                    field.get("field_name"),
                    field.get("semantic_type"),
                    field.get("quality_score"),
                    field.get("null_percentage"),
                    indicators.get("completeness"),
                    indicators.get("uniqueness"),
                    distinct,
                    low,
                    high,
                    mean,
                    numeric.get("std"),
                    outliers if outliers is not None else 0,
                    field.get("estimated_pii_type") or "",
                )
            ],
        )


def _table_sheet(
    book: Workbook,
    title: str,
    columns: Sequence[str],
    widths: Sequence[int],
    rows: Iterable[Sequence[Any]],
    preface: Iterable[tuple[str, Any]] = (),
) -> None:
    sheet = _new_sheet(book, title, widths)
    _title(sheet, title)
    prefix = list(preface)
    if prefix:
        _pairs(sheet, prefix)
        sheet.append([])
    _header(sheet, columns)
    _rows(sheet, rows)


def write_workbook(report: Mapping[str, Any], dest: IO[bytes] | str | PathLike[str]) -> None:
    """Writes the report as .xlsx to a binary file object or a path."""
    book = Workbook(write_only=True)
    _summary_sheet(book, report)
    results = report.get("agent_results", {})
    profiler = results.get("unified-profiler")
    if profiler and profiler.get("status") == "success":
        _profiler_sheet(book, profiler)
    alerts = report.get("alerts", [])
    if alerts:
        _table_sheet(
            book,
            "Alerts",
            ["Alert ID", "Severity", "Category", "Message", "Affected Fields", "Recommendation"],
            [18, 10, 16, 70, 30, 50],
            (
                (
                    a.get("alert_id"),
                    a.get("severity"),
                    a.get("category"),
                    a.get("message"),
                    ", ".join(a.get("affected_fields", [])) or a.get("affected_fields_count"),
                    a.get("recommendation"),
                )
                for a in alerts
            ),
        )
    for title, headers, widths, keys, items in (
        (
            "Issues",
            ["Issue ID", "Agent", "Field", "Issue Type", "Severity", "Message"],
            [18, 18, 24, 18, 10, 70],
            ("issue_id", "agent_id", "field_name", "issue_type", "severity", "message"),
            report.get("issues", []),
        ),
        (
            "Recommendations",
            ["Recommendation ID", "Agent", "Field", "Priority", "Recommendation", "Timeline"],
            [20, 18, 24, 10, 70, 14],
            (
                "recommendation_id",
                "agent_id",
                "field_name",
                "priority",
                "recommendation",
                "timeline",
            ),
            report.get("recommendations", []),
        ),
    ):
        if items:
            _table_sheet(
                book,
                title,
                headers,
                widths,
                (tuple(item.get(key) for key in keys) for item in items),
            )
    summary = report.get("analysis_summary") or {}
    if summary.get("summary"):
        _table_sheet(
            book,
            "AI Analysis Summary",
            ["Summary"],
            [120],
            ([line] for line in str(summary["summary"]).splitlines()),
            preface=[
                ("Status", summary.get("status")),
                ("Model", summary.get("model_used")),
                ("Generation Time (ms)", summary.get("execution_time_ms")),
            ],
        )
    row_issues = report.get("row_level_issues", [])
    if row_issues:
        stats = report.get("issue_summary", {})
        severity = stats.get("by_severity", {})
        preface = [
            ("Total Issues Found", stats.get("total_issues")),
            ("Issues Listed", stats.get("listed_issues", len(row_issues))),
            ("Affected Rows (listed)", stats.get("affected_rows")),
            ("Affected Columns", ", ".join(stats.get("affected_columns", []))),
            *((f"{key.capitalize()} Issues", n) for key, n in severity.items()),
            *((f"Type: {key}", n) for key, n in (stats.get("by_type") or {}).items()),
        ]
        _table_sheet(
            book,
            "Row-Level Issues",
            [
                "Row Index",
                "Column",
                "Issue Type",
                "Severity",
                "Agent ID",
                "Description",
                "Value",
                "Suggested Action",
            ],
            [10, 24, 20, 10, 18, 60, 24, 40],
            (
                (
                    r.get("row_index"),
                    r.get("column"),
                    r.get("issue_type"),
                    r.get("severity"),
                    r.get("agent_id"),
                    r.get("message"),
                    r.get("value"),
                    _suggested_action(str(r.get("issue_type"))),
                )
                for r in row_issues
            ),
            preface=preface,
        )
    routing = report.get("routing_decisions", [])
    if routing:
        _table_sheet(
            book,
            "Routing Decisions",
            ["Tool ID", "Priority", "Trigger Reason", "Agents", "Expected Benefit", "Confidence"],
            [18, 10, 60, 40, 50, 12],
            (
                (
                    r.get("next_tool"),
                    r.get("priority"),
                    r.get("reason"),
                    ", ".join(
                        [
                            *r.get("parameters", {}).get("selected_agents", []),
                            *r.get("pending_agents", []),
                        ]
                    ),
                    "; ".join(r.get("expected_benefits", [])),
                    r.get("confidence_score"),
                )
                for r in routing
            ),
            preface=[("Total Routing Decisions", len(routing))],
        )
    book.save(dest)


def _suggested_action(issue_type: str) -> str:
    return {
        "null_value": "Fill in the missing value or confirm it is legitimately empty",
        "type_mismatch": "Correct the value or the column's type",
        "outlier": "Verify the value; correct, cap or keep it deliberately",
        "distribution_anomaly": "Verify this unusually extreme value",
    }.get(issue_type, "Review the value")
