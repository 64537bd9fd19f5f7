"""The Summary sheet (upstream §4.2 item 1), plus every agent's status."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openpyxl import Workbook

from analysis_service.report.sheets.cells import (
    LABEL_FONT,
    TITLE_FONT,
    Kind,
    cell,
    header_row,
    write_blocks,
)

TITLE = "Summary"


def write(book: Workbook, report: Mapping[str, Any]) -> None:
    meta = report.get("metadata", {})
    sheet = write_blocks(book, TITLE, [30, 60, 16, 14, 26, 60])

    def pair(label: str, value: Any, kind: Kind | None = None) -> None:
        sheet.append([cell(sheet, label, Kind.TEXT, font=LABEL_FONT), cell(sheet, value, kind)])

    def section(text: str) -> None:
        sheet.append([])
        sheet.append([cell(sheet, text, Kind.TEXT, font=LABEL_FONT)])

    sheet.append(
        [
            cell(
                sheet,
                f"{meta.get('tool_name', meta.get('tool', ''))} - Analysis Report",
                font=TITLE_FONT,
            )
        ]
    )
    sheet.append([])
    pair("Analysis ID", meta.get("analysis_id"))
    pair("Tool", meta.get("tool"))
    pair("Status", report.get("status"))
    pair("Timestamp", meta.get("timestamp"))
    pair("Execution Time (ms)", meta.get("execution_time_ms"), Kind.INT)
    pair("Report Generated", meta.get("timestamp"))
    pair("Report Version", meta.get("report_version"))
    pair("Agents Used", ", ".join(meta.get("agents_name", [])))
    pair("Lineage", " → ".join(meta.get("lineage", [])))
    for slot, info in (meta.get("files") or {}).items():
        pair(f"File ({slot})", ", ".join(f"{k}: {v}" for k, v in dict(info).items()))

    section("Executive Summary")
    sheet.append(header_row(sheet, ["Metric", "Value - Description", "Value", "Status"]))
    for card in report.get("executive_summary", []):
        sheet.append(
            [
                cell(sheet, card.get("title")),
                cell(sheet, f"{card.get('value')} - {card.get('description')}"),
                cell(sheet, card.get("value"), Kind.TEXT),
                cell(sheet, card.get("status")),
            ]
        )

    section("Analysis Statistics")
    summary = report.get("summary", {})
    issue_summary = report.get("issue_summary", {})
    for label, value in (
        ("Total Alerts", summary.get("total_alerts")),
        ("Critical Alerts", summary.get("critical_alerts")),
        ("High Severity Alerts", summary.get("high_severity_alerts")),
        ("Medium Severity Alerts", summary.get("medium_severity_alerts")),
        ("Low Severity Alerts", summary.get("low_severity_alerts")),
        ("Total Issues", summary.get("total_issues")),
        ("Total Recommendations", summary.get("total_recommendations")),
        ("Row-Level Issues Found", issue_summary.get("total_issues")),
    ):
        pair(label, value, Kind.INT)

    section("Agent Status")
    sheet.append(
        header_row(
            sheet, ["Agent", "Agent ID", "Status", "Execution Time (ms)", "Error Code", "Error"]
        )
    )
    for agent_id, result in (report.get("agent_results") or {}).items():
        sheet.append(
            [
                cell(sheet, result.get("agent_name", agent_id)),
                cell(sheet, agent_id),
                cell(sheet, result.get("status")),
                cell(sheet, result.get("execution_time_ms"), Kind.INT),
                cell(sheet, result.get("error_code")),
                cell(sheet, result.get("error")),
            ]
        )
