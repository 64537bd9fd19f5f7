"""The merged sheets (upstream §4.2 item 3): Alerts, Issues,
Recommendations, AI Analysis Summary, Row-Level Issues, Routing Decisions.
Each is written only when it has rows. Upstream's columns come first, ours
after them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openpyxl import Workbook

from analysis_service.findings import issue_type
from analysis_service.report.sheets.cells import Column, Kind, write_table


def alerts(book: Workbook, report: Mapping[str, Any]) -> None:
    items = report.get("alerts", [])
    if not items:
        return
    write_table(
        book,
        "Alerts",
        [
            Column("Alert ID"),
            Column("Severity"),
            Column("Category"),
            Column("Message", width=70),
            Column("Affected Fields", Kind.INT),
            Column("Recommendation", width=50),
            Column("Agent"),
            Column("Field Names", width=40),
        ],
        (
            (
                a.get("alert_id"),
                a.get("severity"),
                a.get("category"),
                a.get("message"),
                a.get("affected_fields_count"),
                a.get("recommendation"),
                a.get("agent_id"),
                ", ".join(a.get("affected_fields", [])),
            )
            for a in items
        ),
    )


def issues(book: Workbook, report: Mapping[str, Any]) -> None:
    items = report.get("issues", [])
    if not items:
        return
    write_table(
        book,
        "Issues",
        [
            Column("Issue ID"),
            Column("Agent"),
            Column("Field"),
            Column("Issue Type"),
            Column("Severity"),
            Column("Message", width=70),
            Column("Issue"),
            Column("Suggested Action", width=50),
            Column("Fixed By"),
        ],
        (
            (
                i.get("issue_id"),
                i.get("agent_id"),
                i.get("field_name"),
                i.get("issue_type"),
                i.get("severity"),
                i.get("message"),
                issue_type(str(i.get("issue_type"))).label,
                issue_type(str(i.get("issue_type"))).suggested_action,
                issue_type(str(i.get("issue_type"))).fixed_by,
            )
            for i in items
        ),
    )


def recommendations(book: Workbook, report: Mapping[str, Any]) -> None:
    items = report.get("recommendations", [])
    if not items:
        return
    write_table(
        book,
        "Recommendations",
        [
            Column("Recommendation ID"),
            Column("Agent"),
            Column("Field", width=40),
            Column("Priority"),
            Column("Recommendation", width=70),
            Column("Timeline"),
            Column("Effort (hours)", Kind.INT),
            Column("Owner"),
        ],
        (
            (
                r.get("recommendation_id"),
                r.get("agent_id"),
                r.get("field_name"),
                r.get("priority"),
                r.get("recommendation"),
                r.get("timeline"),
                r.get("estimated_effort_hours"),
                r.get("owner"),
            )
            for r in items
        ),
    )


def analysis_summary(book: Workbook, report: Mapping[str, Any]) -> None:
    summary = report.get("analysis_summary") or {}
    if not summary.get("summary"):
        return
    write_table(
        book,
        "AI Analysis Summary",
        [Column("Summary", width=110)],
        ([line] for line in str(summary["summary"]).splitlines()),
        side=[
            ("Status", summary.get("status")),
            ("Model", summary.get("model_used")),
            ("Generation Time (ms)", summary.get("execution_time_ms")),
            ("Timestamp", summary.get("timestamp")),
        ],
        keep_empty_columns=True,
    )


def row_level_issues(book: Workbook, report: Mapping[str, Any]) -> None:
    items = report.get("row_level_issues", [])
    if not items:
        return
    stats = report.get("issue_summary", {})
    severity = stats.get("by_severity", {})
    side: list[tuple[str, Any]] = [
        ("Total Issues Found", stats.get("total_issues")),
        ("Issues Listed", stats.get("listed_issues", len(items))),
        ("Affected Rows (listed)", stats.get("affected_rows")),
        ("Affected Columns (listed)", len(stats.get("affected_columns", []))),
        *((f"{key.capitalize()} Issues", n) for key, n in severity.items()),
        ("Issues by Type", None),
        *((issue_type(key).label, n) for key, n in (stats.get("by_type") or {}).items()),
    ]
    write_table(
        book,
        "Row-Level Issues",
        [
            Column("Row Index", Kind.INT),
            Column("Column"),
            Column("Issue Type"),
            Column("Severity"),
            Column("Agent ID"),
            Column("Description", width=60),
            Column("Suggested Action", width=45),
            Column("Row Number", Kind.INT),
            Column("Value", Kind.AUTO),
        ],
        (
            (
                r.get("row_index"),
                r.get("column"),
                r.get("issue_type"),
                r.get("severity"),
                r.get("agent_id"),
                r.get("message"),
                issue_type(str(r.get("issue_type"))).suggested_action,
                r["row_index"] + 1 if isinstance(r.get("row_index"), int) else None,
                r.get("value"),
            )
            for r in items
        ),
        side=side,
    )


def routing_decisions(book: Workbook, report: Mapping[str, Any]) -> None:
    items = report.get("routing_decisions", [])
    if not items:
        return
    write_table(
        book,
        "Routing Decisions",
        [
            Column("Tool ID"),
            Column("Priority", Kind.INT),
            Column("Trigger Reason", width=60),
            Column("Rationale", width=60),
            Column("Expected Benefit", width=50),
            Column("Confidence", Kind.FLOAT),
            Column("Agents", width=40),
        ],
        (
            (
                r.get("next_tool"),
                r.get("priority"),
                r.get("reason"),
                "; ".join(r.get("execution_steps", [])),
                "; ".join(r.get("expected_benefits", [])),
                r.get("confidence_score"),
                ", ".join(
                    [
                        *r.get("parameters", {}).get("selected_agents", []),
                        *r.get("pending_agents", []),
                    ]
                ),
            )
            for r in items
        ),
        side=[("Total Routing Decisions", len(items))],
    )


#: In upstream's order, after the agent sheets.
STANDARD_SHEETS = (
    alerts,
    issues,
    recommendations,
    analysis_summary,
    row_level_issues,
    routing_decisions,
)
