"""The xlsx, opened with openpyxl and checked against the JSON report:
sheets through the registry, typed cells, frozen headers, filters, charts,
and no formula from the data."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from analysis_service.agents.runner import AgentRequest, run_profile_agents
from analysis_service.agents.unified_profiler.params import ProfilerParams
from analysis_service.findings import issue_type
from analysis_service.report import build_report, write_workbook
from analysis_service.report.sheets.registry import agent_sheets
from tests.unit.analysis.conftest import chunked
from tests.unit.analysis.profiler_data import alert_kinds_frame, to_csv, with_duplicates

pytestmark = pytest.mark.unit


def report_for(data: bytes) -> dict[str, Any]:
    run = run_profile_agents(
        chunked(data, 4096),
        [AgentRequest("unified-profiler", ProfilerParams().to_dict())],
        batch_rows=500,
    )
    return build_report(
        tool_id="profile-my-data",
        analysis_id="wb",
        outputs=run.outputs,
        execution_time_ms=run.execution_time_ms,
        files={"primary": {"name": "x.csv", "size_bytes": len(data)}},
    )


def open_book(report: dict[str, Any]) -> openpyxl.Workbook:
    buffer = io.BytesIO()
    write_workbook(report, buffer)
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    frame = with_duplicates(alert_kinds_frame(np.random.default_rng(5), 1_000), [4])
    return report_for(to_csv(frame))


@pytest.fixture(scope="module")
def book(report: dict[str, Any]) -> openpyxl.Workbook:
    return open_book(report)


def table(sheet: Worksheet) -> tuple[list[str], list[dict[str, Any]]]:
    """Header row 1 and the rows below it (only the table's columns)."""
    header = []
    for c in sheet[1]:
        if c.value is None:
            break
        header.append(c.value)
    rows = []
    for r in sheet.iter_rows(min_row=2, max_col=len(header)):
        if all(c.value is None for c in r):
            break
        rows.append({h: c for h, c in zip(header, r, strict=True)})
    return header, rows


def side(sheet: Worksheet, width: int) -> dict[str, Any]:
    """The side block's (label -> value) pairs, right of a table of ``width`` columns."""
    pairs = {}
    for r in sheet.iter_rows(min_col=width + 2, max_col=width + 3):
        if r[0].value is not None:
            pairs[r[0].value] = r[1].value
    return pairs


def test_sheets_in_upstream_order(book: openpyxl.Workbook) -> None:
    assert book.sheetnames == [
        "Summary",
        "Profiler",
        "Profiler Histograms",
        "Alerts",
        "Issues",
        "Recommendations",
        "AI Analysis Summary",
        "Row-Level Issues",
        "Routing Decisions",
    ]
    assert agent_sheets()["unified-profiler"].title == "Profiler"


def test_profiler_sheet_matches_the_json(book: openpyxl.Workbook, report: dict[str, Any]) -> None:
    sheet = book["Profiler"]
    header, rows = table(sheet)
    assert header[:7] == [
        "Field Name",
        "Data Type",
        "Quality Score",
        "Null %",
        "Completeness",
        "Uniqueness",
        "Distinct Values",
    ]
    assert sheet.freeze_panes == "B2"
    assert (
        sheet.auto_filter.ref
        == f"A1:{openpyxl.utils.get_column_letter(len(header))}{len(rows) + 1}"
    )
    result = report["agent_results"]["unified-profiler"]
    fields = result["data"]["fields"]
    assert [r["Field Name"].value for r in rows] == [f["field_name"] for f in fields]
    for row, field in zip(rows, fields, strict=True):
        assert row["Data Type"].value == field["data_type"]
        assert row["Quality Score"].value == pytest.approx(field["quality_score"])
        null = row["Null %"]
        assert null.value == pytest.approx(field["properties"]["null_percentage"] / 100)
        assert null.number_format == "0.00%" and null.data_type == "n"
        assert row["Completeness"].value == pytest.approx(
            field["quality_indicators"]["completeness_score"] / 100
        )
        assert row["Distinct Values"].value == field["distinct_count"]
        assert type(row["Distinct Values"].value) is int
        assert row["Categorical"].value is field["categorical"]
        stats = field.get("statistics") or {}
        if stats.get("type") == "numeric":
            assert row["Mean"].value == pytest.approx(stats["mean"])
            assert row["Outliers"].value == stats["outlier_count"]
        else:
            assert row["Mean"].value is None
    for h in header:  # no column is empty in every row
        assert any(r[h].value not in (None, "") for r in rows), h
    facts = side(sheet, len(header))
    metrics = result["summary_metrics"]
    assert facts["Records Analyzed"] == metrics["total_rows"]
    assert facts["Columns Profiled"] == metrics["total_columns"]
    assert facts["Quality Grade"] == result["data"]["quality_summary"]["quality_grade"]
    assert facts["Duplicate Rows"] == 1


def test_profiler_charts(book: openpyxl.Workbook, report: dict[str, Any]) -> None:
    sheet = book["Profiler"]
    header, rows = table(sheet)
    (chart,) = sheet._charts
    null_col = openpyxl.utils.get_column_letter(header.index("Null %") + 1)
    ref = chart.series[0].val.numRef.f
    assert ref == f"'Profiler'!${null_col}$2:${null_col}${len(rows) + 1}"
    assert chart.title is not None

    histograms = book["Profiler Histograms"]
    fields = report["agent_results"]["unified-profiler"]["data"]["fields"]
    numeric = [f for f in fields if f.get("histogram")]
    assert len(histograms._charts) == len(numeric) > 0
    for chart, field in zip(histograms._charts, numeric, strict=True):
        ref = chart.series[0].val.numRef.f
        first, last = (int(part.split("$")[-1]) for part in ref.split("!")[1].split(":"))
        counts = [histograms.cell(row=r, column=3).value for r in range(first, last + 1)]
        assert counts == field["histogram"]["counts"]
        assert histograms.cell(row=first - 2, column=1).value.startswith(field["field_name"])
        assert histograms.cell(row=first, column=1).value == pytest.approx(
            field["histogram"]["edges"][0]
        )


def test_merged_sheets_match_the_json(book: openpyxl.Workbook, report: dict[str, Any]) -> None:
    header, rows = table(book["Alerts"])
    assert header[:6] == [
        "Alert ID",
        "Severity",
        "Category",
        "Message",
        "Affected Fields",
        "Recommendation",
    ]
    assert [r["Alert ID"].value for r in rows] == [a["alert_id"] for a in report["alerts"]]
    for row, alert in zip(rows, report["alerts"], strict=True):
        assert row["Affected Fields"].value == alert["affected_fields_count"]
        assert type(row["Affected Fields"].value) is int
    header, rows = table(book["Issues"])
    assert header[:6] == ["Issue ID", "Agent", "Field", "Issue Type", "Severity", "Message"]
    assert [r["Issue ID"].value for r in rows] == [i["issue_id"] for i in report["issues"]]
    for row, issue in zip(rows, report["issues"], strict=True):
        assert row["Suggested Action"].value == issue_type(issue["issue_type"]).suggested_action
    header, rows = table(book["Recommendations"])
    assert header[:6] == [
        "Recommendation ID",
        "Agent",
        "Field",
        "Priority",
        "Recommendation",
        "Timeline",
    ]
    assert [r["Recommendation ID"].value for r in rows] == [
        r["recommendation_id"] for r in report["recommendations"]
    ]
    sheet = book["Row-Level Issues"]
    header, rows = table(sheet)
    assert header[:7] == [
        "Row Index",
        "Column",
        "Issue Type",
        "Severity",
        "Agent ID",
        "Description",
        "Suggested Action",
    ]
    listed = report["row_level_issues"]
    assert len(rows) == len(listed)
    for row, item in zip(rows, listed, strict=True):
        assert row["Row Index"].value == item["row_index"] and row["Row Index"].data_type == "n"
        assert row["Row Number"].value == item["row_index"] + 1
        assert row["Agent ID"].value == item["agent_id"]
        assert row["Description"].value == item["message"]
        if isinstance(item["value"], float):
            assert row["Value"].value == pytest.approx(item["value"])
    facts = side(sheet, len(header))
    assert facts["Total Issues Found"] == report["issue_summary"]["total_issues"]
    assert facts["Warning Issues"] == report["issue_summary"]["by_severity"]["warning"]
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref.startswith("A1:")


def test_summary_sheet(book: openpyxl.Workbook, report: dict[str, Any]) -> None:
    values = {r[0]: r[1] for r in book["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert values["Analysis ID"] == "wb"
    assert values["Execution Time (ms)"] == report["metadata"]["execution_time_ms"]
    assert values["Total Alerts"] == report["summary"]["total_alerts"]
    assert values["Lineage"] == "Unified Profiler"
    assert values["UnifiedProfiler"] == "unified-profiler"  # the agent status table


def test_no_value_from_the_data_becomes_a_formula() -> None:
    hostile = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1:A2)", "=1+1"]
    frame = pd.DataFrame(
        {
            "=cmd|' /C calc'!A0": [hostile[i % len(hostile)] for i in range(200)],
            "n": [str(i) if i % 50 else "=2*3" for i in range(200)],
        }
    )
    book = open_book(report_for(to_csv(frame)))
    seen = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for c in row:
                assert c.data_type != "f", (sheet.title, c.coordinate, c.value)
                if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@")):
                    assert c.data_type == "s" and c.quotePrefix, (sheet.title, c.coordinate)
                    seen += 1
    assert seen > 5
    _, rows = table(book["Profiler"])
    assert rows[0]["Field Name"].value == "=cmd|' /C calc'!A0"


def test_failed_agent_has_no_sheet_but_a_status_row() -> None:
    from analysis_service.agents.base import AgentError, AgentOutput

    failed = AgentOutput.failed(
        "unified-profiler", "UnifiedProfiler", AgentError("AGENT_FAILED", "boom")
    )
    report = build_report(
        tool_id="profile-my-data", analysis_id="f", outputs=[failed], execution_time_ms=1
    )
    book = open_book(report)
    assert "Profiler" not in book.sheetnames
    rows = list(book["Summary"].iter_rows(values_only=True))
    status = next(r for r in rows if r and r[1] == "unified-profiler")
    assert status[2] == "error" and status[4] == "AGENT_FAILED" and status[5] == "boom"
