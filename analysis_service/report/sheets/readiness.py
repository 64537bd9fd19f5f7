"""readiness-rater's sheet "Readiness": upstream's Deduction Reason and
Details (fields), then ours (amount, severity, remediation, source), with
the verdict and the component scores as a side block."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openpyxl import Workbook

from analysis_service.report.sheets.cells import Column, Kind, Pct, write_table

TITLE = "Readiness"

COLUMNS = (
    Column("Deduction Reason"),
    Column("Details"),
    Column("Deduction Amount", Kind.FLOAT),
    Column("Severity"),
    Column("Remediation"),
    Column("Source Agent"),
)


def write(book: Workbook, result: Mapping[str, Any]) -> None:
    data = result.get("data", {})
    assessment = data.get("readiness_assessment", {})
    side: list[tuple[str, Any]] = [
        ("Readiness", None),
        ("Overall Score", assessment.get("overall_score")),
        ("Overall Status", assessment.get("overall_status")),
        ("Production Ready", assessment.get("overall_status") == "ready"),
        ("Score Before Deductions", assessment.get("base_score")),
        ("Total Deduction", assessment.get("total_deduction")),
        ("Components", None),
    ]
    side += [
        (str(c.get("component", "")).replace("_", " ").capitalize(), Pct(c.get("score")))
        for c in data.get("component_scores", [])
    ]
    rows = [
        [
            d.get("deduction_reason"),
            ", ".join(d.get("fields_affected", [])),
            d.get("deduction_amount"),
            d.get("severity"),
            d.get("remediation"),
            d.get("source_agent"),
        ]
        for d in data.get("deductions", [])
    ]
    write_table(book, TITLE, COLUMNS, rows, side=side, keep_empty_columns=not rows)
