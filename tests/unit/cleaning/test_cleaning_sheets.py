"""The "Null Handler" and "Outlier Remover" sheets, opened with openpyxl,
match the agents' JSON cell by cell; both are registered after the profile
sheets in upstream's order."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from openpyxl import Workbook

from analysis_service.cleaning.agents.null_handler import NullHandler
from analysis_service.cleaning.agents.null_handler.params import NullParams
from analysis_service.cleaning.agents.outlier_remover import OutlierRemover
from analysis_service.cleaning.agents.outlier_remover.params import OutlierParams
from analysis_service.report.sheets import null_handler, outlier_remover
from analysis_service.report.sheets.registry import agent_sheets
from tests.unit.cleaning.agent_run import run_agent
from tests.unit.cleaning.test_null_handler_result import DATA as NULLS
from tests.unit.cleaning.test_outlier_remover_result import DATA as OUTLIERS


def _open(write: Any, result: dict[str, Any], title: str) -> Any:
    book = Workbook(write_only=True)
    write(book, result)
    buffer = io.BytesIO()
    book.save(buffer)
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))[title]


def _table(sheet: Any, width: int) -> tuple[list[str], list[list[Any]], dict[str, Any]]:
    header = [c.value for c in sheet[1][:width]]
    rows = []
    for r in sheet.iter_rows(min_row=2, max_col=width, values_only=True):
        if all(v is None for v in r):
            break
        rows.append(list(r))
    side = {
        r[0]: r[1]
        for r in sheet.iter_rows(min_col=width + 2, max_col=width + 3, values_only=True)
        if r[0] is not None
    }
    return header, rows, side


def test_registered_in_upstream_order() -> None:
    sheets = agent_sheets()
    assert (sheets["null-handler"].title, sheets["null-handler"].order) == ("Null Handler", 110)
    assert (sheets["outlier-remover"].title, sheets["outlier-remover"].order) == (
        "Outlier Remover",
        120,
    )


def test_null_handler_sheet_matches_the_json() -> None:
    params = NullParams(column_strategies={"a": "median", "b": "forward_fill"})
    result = run_agent(NullHandler(), params, NULLS).result
    header, rows, side = _table(_open(null_handler.write, result, "Null Handler"), 7)
    assert header == [
        "Column",
        "Null Count",
        "Null %",
        "Handling Method",
        "Imputation Value",
        "Status",
        "Notes",
    ]
    summary = result["data"]["null_analysis"]["null_summary"]
    assert [r[0] for r in rows] == list(summary)
    for row in rows:
        entry = summary[row[0]]
        assert row[1] == entry["null_count"]
        assert row[2] == entry["null_percentage"] / 100
        assert row[5] == entry["status"] and row[6] == entry["notes"]
        assert all(v not in (None, "") for v in row)  # every cell filled
    by_column = {r[0]: r for r in rows}
    assert by_column["a"][3:5] == ["median", "3"]
    assert by_column["b"][3:5] == ["forward_fill", "previous value"]
    assert by_column["c"][3:5] == ["none", "none"]
    metrics = result["summary_metrics"]
    assert side["Original Nulls"] == metrics["original_nulls"]
    assert side["Remaining Nulls"] == metrics["remaining_nulls"]
    assert side["Overall Score"] == result["data"]["cleaning_score"]["overall_score"]
    assert side["Quality Status"] == result["data"]["quality_status"]


def test_outlier_remover_sheet_matches_the_json() -> None:
    for params in (OutlierParams(), OutlierParams(removal_strategy="impute_mean")):
        result = run_agent(OutlierRemover(), params, OUTLIERS, batch_rows=256).result
        header, rows, side = _table(_open(outlier_remover.write, result, "Outlier Remover"), 7)
        assert header == [
            "Column",
            "Outlier Count",
            "Outlier %",
            "Method Used",
            "Threshold",
            "Action Taken",
            "Confidence",
        ]
        summary = result["data"]["outlier_analysis"]["outlier_summary"]
        assert [r[0] for r in rows] == list(summary) == ["amount", "qty"]
        for row in rows:
            entry = summary[row[0]]
            assert row[1] == entry["outlier_count"]
            assert abs(row[2] - entry["outlier_percentage"] / 100) < 1e-12
            assert row[3] == entry["method_used"] == "iqr"
            assert row[4] == entry["threshold"]
            assert row[6] == f"exact ({entry['total_values']} values)"
            assert all(v not in (None, "") for v in row)
        amount = rows[0]
        if params.removal_strategy == "remove":
            assert amount[5] == "rows quarantined"
        else:
            value = summary["amount"]["imputation_value"]
            assert amount[5] == f"impute_mean ({value:g})"
        assert side["Original Outliers"] == result["summary_metrics"]["original_outliers"]
        assert side["Identifier Columns Skipped"] == "id, code"


def test_whole_report_and_workbook_with_both_agents() -> None:
    from analysis_service.report import build_report, write_workbook

    nulls = run_agent(NullHandler(), NullParams(column_strategies={"a": "mean"}), NULLS).output
    outliers = run_agent(OutlierRemover(), OutlierParams(), OUTLIERS, batch_rows=256).output
    report = build_report(
        tool_id="clean-my-data",
        analysis_id="c8",
        outputs=[nulls, outliers],
        execution_time_ms=1,
        files={"primary": {"name": "x.csv", "size_bytes": 1}},
    )
    buffer = io.BytesIO()
    write_workbook(report, buffer)
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    names = book.sheetnames
    assert names.index("Null Handler") < names.index("Outlier Remover")
    assert names[0] == "Summary"
