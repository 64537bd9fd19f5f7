"""drift-detector's sheet "Drift Detection": upstream's columns first (Field
Name, Drift Detected, PSI Score, then the JS distance where upstream's
header said "KL Divergence" (the value always was a JS distance), Stability,
Action Required), then ours (decision, p/q values, KS, Wasserstein, chi-square,
new/absent categories); the summary as a side block; a chart of PSI per
column."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from analysis_service.report.sheets.cells import Column, Kind, Pct, write_table
from analysis_service.report.sheets.charts import Span, add_bar_chart

TITLE = "Drift Detection"

COLUMNS = (
    Column("Field Name"),
    Column("Drift Detected", Kind.BOOL),
    Column("PSI Score", Kind.FLOAT, "0.0000"),
    Column("JS Distance", Kind.FLOAT, "0.0000"),
    Column("Stability"),
    Column("Action Required"),
    Column("Severity"),
    Column("Kind"),
    Column("Status"),
    Column("Deciding Rule"),
    Column("Decision Statistic", Kind.FLOAT, "General"),
    Column("Threshold", Kind.FLOAT, "General"),
    Column("p-value (upper)", Kind.FLOAT, "0.00E+00"),
    Column("BH q-value", Kind.FLOAT, "0.00E+00"),
    Column("KS Statistic", Kind.FLOAT, "0.0000"),
    Column("Wasserstein", Kind.FLOAT, "General"),
    Column("Wasserstein / Std", Kind.FLOAT, "0.0000"),
    Column("Chi-square", Kind.FLOAT, "General"),
    Column("New Category %", Kind.PERCENT),
    Column("Absent Category %", Kind.PERCENT),
    Column("Out of Range %", Kind.PERCENT),
    Column("Baseline Mean", Kind.FLOAT, "General"),
    Column("Current Mean", Kind.FLOAT, "General"),
)


def _pct(share: Any) -> float | None:
    return None if share is None else 100.0 * share


def _value(tree: Any) -> Any:
    return tree.get("value") if isinstance(tree, Mapping) else None


def _row(field: Mapping[str, Any]) -> list[Any]:
    a = field.get("drift_analysis", {})
    decision = a.get("decision") or {}
    drifted = bool(a.get("drift_detected"))
    numeric = "ks_statistic" in a
    chi2 = a.get("chi2") or a.get("binned_chi2") or {}
    out_of_range = (
        a["below_range_share"] + a["above_range_share"] if "below_range_share" in a else None
    )
    return [
        field.get("field_name"),
        drifted,
        a.get("psi_score"),
        a.get("js_divergence"),
        "drifted" if drifted else ("stable" if a.get("status") == "compared" else a.get("status")),
        "Investigate" if drifted else "None",
        a.get("severity"),
        field.get("kind"),
        a.get("status"),
        decision.get("rule"),
        decision.get("statistic"),
        decision.get("threshold"),
        a.get("p_value"),
        a.get("q_value"),
        _value(a.get("ks_statistic")),
        a.get("wasserstein_distance"),
        _value(a.get("wasserstein_normalised")),
        _value(chi2.get("statistic")),
        None if numeric else _pct(a.get("new_category_share")),
        None if numeric else _pct(a.get("absent_category_share")),
        _pct(out_of_range),
        (field.get("baseline_statistics") or {}).get("mean"),
        (field.get("current_statistics") or {}).get("mean"),
    ]


def write(book: Workbook, result: Mapping[str, Any]) -> None:
    data = result.get("data", {})
    summary = data.get("drift_summary", {})
    metrics = result.get("summary_metrics", {})
    fields = data.get("fields", [])
    mt = summary.get("multiple_testing") or {}
    side: list[tuple[str, Any]] = [
        ("Drift Detector", None),
        ("Status", result.get("status")),
        ("Execution Time (ms)", result.get("execution_time_ms")),
        ("Dataset Stability", summary.get("dataset_stability")),
        ("Drift Detected", summary.get("drift_detected")),
        ("Drifted Fields", summary.get("fields_with_drift")),
        ("Drift %", Pct(summary.get("drift_percentage"))),
        ("Summary", None),
        ("Overall Drift Score", summary.get("overall_drift_score")),
        ("Average PSI", summary.get("average_psi_score")),
        ("Max PSI", summary.get("max_psi_score")),
        ("Fields Analysed", metrics.get("fields_analyzed")),
        ("Statistical Test", summary.get("statistical_test")),
        ("BH Rejections", len(mt.get("rejected", [])) if mt else None),
        ("Missing Columns", ", ".join(summary.get("missing_columns", [])) or "none"),
        ("New Columns", ", ".join(summary.get("new_columns", [])) or "none"),
    ]
    placement = write_table(book, TITLE, COLUMNS, (_row(f) for f in fields), side=side)
    if fields and "PSI Score" in placement.columns:
        add_bar_chart(
            placement.sheet,
            title="PSI per column",
            labels=Span(placement.column("Field Name"), placement.first_row, placement.last_row),
            values=Span(placement.column("PSI Score"), placement.first_row, placement.last_row),
            anchor=f"{get_column_letter(placement.side_column)}{len(side) + 3}",
            series_title="PSI",
            y_title="PSI",
        )
