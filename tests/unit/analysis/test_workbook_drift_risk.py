"""The "Drift Detection" and "Risk Assessment" sheets, opened with openpyxl
and checked against the JSON report of a three-agent run: cells and their
types, the side blocks, and the native charts (PSI per column, risk score
per column) pointing at the table's cells."""

from __future__ import annotations

from typing import Any

import openpyxl
import pytest

from analysis_service.agents.runner import AgentRequest, run_profile_agents
from analysis_service.agents.unified_profiler.params import ProfilerParams
from analysis_service.report import build_report
from tests.unit.analysis.conftest import chunked
from tests.unit.analysis.test_drift_agent import frames, to_bytes
from tests.unit.analysis.test_score_risk_agent import customers
from tests.unit.analysis.test_workbook import open_book, side, table

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    base, cur = frames(1500)
    extra = customers().decode().splitlines()
    # the customer columns beside the drift frame's (same row count)
    cur_lines = to_bytes(cur).decode().splitlines()
    primary = "\n".join(a + "," + b for a, b in zip(cur_lines, extra, strict=True)).encode()
    run = run_profile_agents(
        chunked(primary, 8192),
        [
            AgentRequest("unified-profiler", ProfilerParams().to_dict()),
            AgentRequest("drift-detector", {}),
            AgentRequest("score-risk", {}),
        ],
        baseline=chunked(to_bytes(base), 8192),
        batch_rows=500,
    )
    assert all(o.ok for o in run.outputs), [o.error for o in run.outputs]
    return build_report(
        tool_id="profile-my-data",
        analysis_id="wb",
        outputs=run.outputs,
        execution_time_ms=run.execution_time_ms,
    )


@pytest.fixture(scope="module")
def book(report: dict[str, Any]) -> openpyxl.Workbook:
    return open_book(report)


def test_sheet_order(book: openpyxl.Workbook) -> None:
    names = book.sheetnames
    assert (
        names.index("Profiler")
        < names.index("Drift Detection")
        < names.index("Risk Assessment")
        < names.index("Alerts")
    )


def test_drift_sheet_matches_the_json(book: openpyxl.Workbook, report: dict[str, Any]) -> None:
    sheet = book["Drift Detection"]
    header, rows = table(sheet)
    assert header[:6] == [
        "Field Name",
        "Drift Detected",
        "PSI Score",
        "JS Distance",
        "Stability",
        "Action Required",
    ]
    fields = report["agent_results"]["drift-detector"]["data"]["fields"]
    assert [r["Field Name"].value for r in rows] == [f["field_name"] for f in fields]
    for row, field in zip(rows, fields, strict=True):
        a = field["drift_analysis"]
        assert row["Drift Detected"].value is a["drift_detected"]
        assert row["Drift Detected"].data_type == "b"
        assert row["PSI Score"].data_type == "n"
        assert row["PSI Score"].value == pytest.approx(a["psi_score"])
        if "ks_statistic" in a:
            assert row["KS Statistic"].value == pytest.approx(a["ks_statistic"]["value"])
        if a.get("new_category_share") is not None:
            assert row["New Category %"].value == pytest.approx(a["new_category_share"])
            assert row["New Category %"].number_format == "0.00%"
    summary = report["agent_results"]["drift-detector"]["data"]["drift_summary"]
    block = side(sheet, len(header))
    assert block["Drifted Fields"] == summary["fields_with_drift"]
    assert block["Dataset Stability"] == summary["dataset_stability"]
    (chart,) = sheet._charts
    col = openpyxl.utils.get_column_letter(header.index("PSI Score") + 1)
    assert chart.series[0].val.numRef.f == f"'Drift Detection'!${col}$2:${col}${len(rows) + 1}"


def test_risk_sheet_matches_the_json(book: openpyxl.Workbook, report: dict[str, Any]) -> None:
    sheet = book["Risk Assessment"]
    header, rows = table(sheet)
    assert header[:5] == ["Field Name", "Risk Score", "Risk Level", "PII Detected", "Risk Factors"]
    fields = report["agent_results"]["score-risk"]["data"]["fields"]
    assert [r["Field Name"].value for r in rows] == [f["field_name"] for f in fields]
    for row, field in zip(rows, fields, strict=True):
        assert row["Risk Score"].value == field["risk_score"]
        assert row["Risk Score"].data_type == "n"
        assert row["Risk Level"].value == field["risk_level"]
        assert row["PII Detected"].value is field["pii_detected"]
    metrics = report["agent_results"]["score-risk"]["summary_metrics"]
    block = side(sheet, len(header))
    assert block["PII Fields"] == metrics["pii_fields_detected"] > 0
    (chart,) = sheet._charts
    col = openpyxl.utils.get_column_letter(header.index("Risk Score") + 1)
    assert chart.series[0].val.numRef.f == f"'Risk Assessment'!${col}$2:${col}${len(rows) + 1}"


def test_report_lists_merged(report: dict[str, Any]) -> None:
    agents = {i["agent_id"] for i in report["issues"]}
    assert {"drift-detector", "score-risk"} <= agents
    cards = {c["summary_id"] for c in report["executive_summary"]}
    assert {"exec_drift", "exec_risk"} <= cards
