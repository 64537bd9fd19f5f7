"""score-risk's sheet "Risk Assessment": upstream's columns first (Field
Name, Risk Score, Risk Level, PII Detected, Risk Factors), then ours (PII
type, sensitivity, frameworks, governance gap, lost precision, sample);
the summary as a side block; a chart of the risk score per column."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from analysis_service.report.sheets.cells import Column, Kind, Pct, write_table
from analysis_service.report.sheets.charts import Span, add_bar_chart

TITLE = "Risk Assessment"

COLUMNS = (
    Column("Field Name"),
    Column("Risk Score", Kind.INT),
    Column("Risk Level"),
    Column("PII Detected", Kind.BOOL),
    Column("Risk Factors"),
    Column("PII Type"),
    Column("Confidence", Kind.PERCENT),
    Column("Sensitivity"),
    Column("Frameworks"),
    Column("Governance Gap", Kind.BOOL),
    Column("Lost Precision", Kind.BOOL),
    Column("Values Sampled", Kind.INT),
    Column("Remediation Priority"),
)


def _row(field: Mapping[str, Any]) -> list[Any]:
    factors = field.get("risk_factors", [])
    top = factors[0] if factors else {}
    return [
        field.get("field_name"),
        field.get("risk_score"),
        field.get("risk_level"),
        bool(field.get("pii_detected")),
        ", ".join(f["factor"] for f in factors),
        field.get("pii_type"),
        100.0 * top["confidence"] if top.get("factor") == "pii_detected" else None,
        field.get("sensitivity_level") or field.get("sensitive_name_category"),
        ", ".join(field.get("compliance_frameworks", [])),
        bool(field.get("governance_gap")),
        field.get("lost_precision") is not None,
        field.get("values_sampled"),
        field.get("remediation_priority"),
    ]


def write(book: Workbook, result: Mapping[str, Any]) -> None:
    data = result.get("data", {})
    summary = data.get("risk_summary", {})
    metrics = result.get("summary_metrics", {})
    fields = data.get("fields", [])
    total = metrics.get("total_fields_analyzed") or 0
    pii = metrics.get("pii_fields_detected") or 0
    compliance = sum(1 for f in fields if f.get("compliance_frameworks"))
    sensitive = pii + (metrics.get("sensitive_fields_detected") or 0)
    side: list[tuple[str, Any]] = [
        ("Risk Scorer", None),
        ("Status", result.get("status")),
        ("Execution Time (ms)", result.get("execution_time_ms")),
        ("Overall Risk Level", summary.get("overall_risk_level")),
        ("PII Fields", pii),
        ("High-Risk Fields", metrics.get("fields_with_high_risk")),
        ("Scores", None),
        ("Overall Risk Score", summary.get("overall_risk_score")),
        ("PII Share", Pct(100.0 * pii / total if total else 0.0)),
        ("Compliance Share", Pct(100.0 * compliance / total if total else 0.0)),
        ("Sensitivity Share", Pct(100.0 * sensitive / total if total else 0.0)),
        ("Frameworks", ", ".join(summary.get("compliance_frameworks_impacted", [])) or "none"),
        ("Remediation Hours", summary.get("estimated_remediation_time_hours")),
    ]
    placement = write_table(book, TITLE, COLUMNS, (_row(f) for f in fields), side=side)
    if fields:
        add_bar_chart(
            placement.sheet,
            title="Risk score per column",
            labels=Span(placement.column("Field Name"), placement.first_row, placement.last_row),
            values=Span(placement.column("Risk Score"), placement.first_row, placement.last_row),
            anchor=f"{get_column_letter(placement.side_column)}{len(side) + 3}",
            series_title="Risk score",
            y_title="Risk score (0-100)",
        )
