"""cleanse-writeback's sheet "Cleanse Writeback": the checks table (Check
Name, Status PASSED/FAILED, Details, Message; the row accounting first),
the totals, scores and manifest summary as a side block, then below it the
pipeline table (Agent Name, Executed At, Status, Transformations Applied)
and the recommendations (Priority, Action, Reason, Impact)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from analysis_service.report.sheets.cells import (
    LABEL_FONT,
    Column,
    Kind,
    Pct,
    cell,
    header_row,
    write_table,
)

TITLE = "Cleanse Writeback"
PIPELINE = "Transformation Pipeline"
RECOMMENDATIONS = "Recommendations"

COLUMNS = (Column("Check Name"), Column("Status"), Column("Details"), Column("Message"))
PIPELINE_COLUMNS = ("Agent Name", "Executed At", "Status", "Transformations Applied")
RECOMMENDATION_COLUMNS = ("Priority", "Action", "Reason", "Impact")


def check_rows(verification: Mapping[str, Any]) -> list[list[Any]]:
    checks = [verification.get("accounting") or {}, *(verification.get("checks") or {}).values()]
    return [
        [
            c.get("check_name"),
            "PASSED" if c.get("passed") else "FAILED",
            c.get("details") or "",
            c.get("message") or "",
        ]
        for c in checks
        if c
    ]


def transformations_text(entry: Mapping[str, Any]) -> str:
    applied = entry.get("transformations_applied") or []
    if not applied:
        return "none"
    return "; ".join(f"{t.get('action')}: {t.get('details')}" for t in applied)


def pipeline_rows(manifest: Mapping[str, Any]) -> list[list[Any]]:
    return [
        [e.get("agent_name"), e.get("executed_at"), e.get("status"), transformations_text(e)]
        for e in manifest.get("transformation_pipeline") or []
    ]


def _side(result: Mapping[str, Any]) -> list[tuple[str, Any]]:
    data = result.get("data", {})
    metrics = result.get("summary_metrics", {})
    score = data.get("writeback_score", {})
    parts = score.get("metrics", {})
    analysis = data.get("writeback_analysis", {})
    manifest = analysis.get("comprehensive_manifest")
    accounting = analysis.get("integrity_verification", {}).get("accounting", {})
    side: list[tuple[str, Any]] = [
        ("Cleanse Writeback", None),
        ("Rows Verified", metrics.get("total_rows_verified")),
        ("Columns Verified", metrics.get("total_columns_verified")),
        ("Checks Passed", metrics.get("integrity_checks_passed")),
        ("Checks Failed", metrics.get("integrity_checks_failed")),
        ("Agents in Manifest", metrics.get("agents_in_manifest")),
        ("Transformations Logged", metrics.get("total_transformations_logged")),
        ("Ready for Pipeline", metrics.get("data_ready_for_pipeline")),
        ("Rows In", accounting.get("rows_in")),
        ("Rows Cleaned", accounting.get("rows_cleaned")),
        ("Rows Quarantined", accounting.get("rows_quarantined")),
        ("Scores", None),
        ("Overall Score", score.get("overall_score")),
        ("Quality Status", data.get("quality_status")),
        ("Integrity", Pct(parts.get("integrity_score"))),
        ("Completeness", Pct(parts.get("completeness_score"))),
        ("Auditability", Pct(parts.get("auditability_score"))),
        ("Manifest", None),
    ]
    if not manifest:
        return [*side, ("Comprehensive Manifest", "not generated")]
    original, final = manifest.get("original_state", {}), manifest.get("final_state", {})
    return [
        *side,
        ("Manifest Version", manifest.get("manifest_version")),
        ("Created", manifest.get("created_at")),
        ("Transformations", manifest.get("total_transformations")),
        ("Agents", len(manifest.get("transformation_pipeline") or [])),
        ("Original Rows", original.get("row_count")),
        ("Original Columns", original.get("column_count")),
        ("Final Rows", final.get("row_count")),
        ("Final Columns", final.get("column_count")),
    ]


def _block(
    sheet: WriteOnlyWorksheet, title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    sheet.append([])
    sheet.append([cell(sheet, title, Kind.TEXT, font=LABEL_FONT)])
    sheet.append(header_row(sheet, headers))
    for row in rows:
        sheet.append([cell(sheet, v) for v in row])


def write(book: Workbook, result: Mapping[str, Any]) -> None:
    analysis = result.get("data", {}).get("writeback_analysis", {})
    rows = check_rows(analysis.get("integrity_verification", {}))
    placement = write_table(book, TITLE, COLUMNS, rows, side=_side(result), keep_empty_columns=True)
    manifest = analysis.get("comprehensive_manifest")
    if manifest:
        pipeline = pipeline_rows(manifest)
        _block(
            placement.sheet,
            PIPELINE,
            PIPELINE_COLUMNS,
            pipeline or [["none", "-", "-", "no agent ran before the writeback"]],
        )
    recs = [
        [r.get("priority"), r.get("action"), r.get("reason"), r.get("impact")]
        for r in analysis.get("recommendations") or []
    ]
    if recs:
        _block(placement.sheet, RECOMMENDATIONS, RECOMMENDATION_COLUMNS, recs)
