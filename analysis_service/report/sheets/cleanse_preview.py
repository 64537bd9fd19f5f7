"""cleanse-previewer's sheet "Cleanse Preview": upstream's Rule ID,
Description, Impact Level, Row Change %, Risk Level per simulated rule
(ours: Rule Type, Rows Before, Rows After, Status), with the rule counts,
the preview scores and the overall impact (execution safety, confidence,
safe flag, warnings) as a side block. A rule that could not be simulated
says "error" in its cells rather than a number."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openpyxl import Workbook

from analysis_service.report.sheets.cells import Column, Kind, Pct, write_table

TITLE = "Cleanse Preview"

ERROR = "error"

COLUMNS = (
    Column("Rule ID"),
    Column("Description"),
    Column("Impact Level"),
    Column("Row Change %", Kind.AUTO),
    Column("Risk Level"),
    Column("Rule Type"),
    Column("Rows Before", Kind.AUTO, number_format="#,##0"),
    Column("Rows After", Kind.AUTO, number_format="#,##0"),
    Column("Status"),
)


def _row(rule: Mapping[str, Any]) -> list[Any]:
    if rule.get("status") == "error":
        return [
            rule.get("rule_id", ""),
            rule.get("rule_description", ""),
            ERROR,
            ERROR,
            ERROR,
            rule.get("rule_type", ERROR),
            ERROR,
            ERROR,
            rule.get("error", ERROR),
        ]
    return [
        rule.get("rule_id", ""),
        rule.get("rule_description", ""),
        rule.get("impact_level", ""),
        Pct(rule.get("changes", {}).get("row_change_percentage", 0.0)),
        rule.get("risk_assessment", {}).get("risk_level", ""),
        rule.get("rule_type", ""),
        rule.get("original_metrics", {}).get("total_rows", 0),
        rule.get("preview_metrics", {}).get("total_rows", 0),
        "simulated",
    ]


def write(book: Workbook, result: Mapping[str, Any]) -> None:
    metrics = result.get("summary_metrics", {})
    data = result.get("data", {})
    analysis = data.get("preview_analysis", {})
    impact = analysis.get("overall_impact", {})
    score = data.get("preview_score", {})
    parts = score.get("metrics", {})
    side: list[tuple[str, Any]] = [
        ("Cleanse Preview", None),
        ("Rules Previewed", int(metrics.get("total_rules_previewed", 0))),
        ("High Impact Rules", int(metrics.get("high_impact_rules", 0))),
        ("Medium Impact Rules", int(metrics.get("medium_impact_rules", 0))),
        ("Low Impact Rules", int(metrics.get("low_impact_rules", 0))),
        ("Safe To Execute", bool(metrics.get("safe_to_execute", False))),
        ("Warnings", int(metrics.get("total_warnings", 0))),
        ("Preview Scores", None),
        ("Overall Score", score.get("overall_score", 0.0)),
        ("Quality Status", data.get("quality_status", "")),
        ("Accuracy", Pct(parts.get("accuracy_score", 0.0))),
        ("Safety", Pct(parts.get("safety_score", 0.0))),
        ("Completeness", Pct(parts.get("completeness_score", 0.0))),
        ("Overall Impact", None),
        ("Execution Safety", analysis.get("execution_safety", "")),
        ("Statistical Confidence", analysis.get("statistical_confidence", 0.0)),
        ("Safe Flag", bool(impact.get("safe_to_execute", False))),
    ]
    warnings = impact.get("warnings", [])
    if warnings:
        side.append(("Warning List", None))
        side += [(f"Warning {i}", w) for i, w in enumerate(warnings, 1)]
    rows = [_row(r) for r in analysis.get("simulated_results", [])]
    write_table(book, TITLE, COLUMNS, rows, side=side, keep_empty_columns=not rows)
