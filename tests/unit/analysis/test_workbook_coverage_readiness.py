"""The "Test Coverage" and "Readiness" sheets, opened with openpyxl and
checked against the JSON: upstream's columns first, typed cells, sheet order."""

from __future__ import annotations

from typing import Any

import pytest

from analysis_service.agents.readiness_rater.params import ReadinessParams
from analysis_service.agents.runner import AgentRequest, run_profile_agents
from analysis_service.agents.test_coverage_agent.params import CoverageParams
from analysis_service.report import build_report
from tests.unit.analysis.test_workbook import open_book, side, table

pytestmark = pytest.mark.unit

CSV = (
    "id,age,email\n"
    + "".join(f"{i % 40},{i % 150},{'u' if i % 7 else 'bad'}@x.com\n" for i in range(200))
).encode()
TESTS = {
    "unique_columns": ["id", "gone"],
    "range_tests": {"age": {"min": 0, "max": 120}},
    "format_tests": {"email": "u@x\\.com"},
}


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    run = run_profile_agents(
        [CSV],
        [
            AgentRequest("unified-profiler"),
            AgentRequest("test-coverage-agent", CoverageParams.from_mapping(TESTS).to_dict()),
            AgentRequest("readiness-rater", ReadinessParams().to_dict()),
        ],
    )
    return build_report(
        tool_id="profile-my-data",
        analysis_id="wb",
        outputs=run.outputs,
        execution_time_ms=run.execution_time_ms,
        files={"primary": {"name": "x.csv", "size_bytes": len(CSV)}},
    )


def result_of(report: dict[str, Any], agent_id: str) -> dict[str, Any]:
    results = report["agent_results"]
    if isinstance(results, dict):
        return results[agent_id]
    return next(r for r in results if r["agent_id"] == agent_id)


def test_sheet_order(report: dict[str, Any]) -> None:
    names = open_book(report).sheetnames
    assert names.index("Profiler") < names.index("Readiness") < names.index("Test Coverage")


def test_test_coverage_sheet(report: dict[str, Any]) -> None:
    sheet = open_book(report)["Test Coverage"]
    header, rows = table(sheet)
    assert header[:3] == ["Test Type", "Severity", "Description"]
    tests = result_of(report, "test-coverage-agent")["data"]["tests"]
    assert len(rows) == len(tests)
    for row, test in zip(rows, tests, strict=True):
        assert row["Test Type"].value == test["test_type"]
        assert row["Column Present"].value is test["column_present"]
        if test["column_present"]:
            assert row["Unexpected Count"].value == test["unexpected_count"]
            assert row["Unexpected Count"].data_type == "n"
            assert row["Unexpected %"].value == pytest.approx(test["unexpected_percent"] / 100)
            assert row["Unexpected %"].number_format == "0.00%"
    gone = next(r for r in rows if r["Column"].value == "gone")
    assert "not in the file" in gone["Description"].value
    block = side(sheet, len(header))
    data = result_of(report, "test-coverage-agent")["data"]
    assert block["Coverage Status"] == data["coverage_status"]
    assert block["Overall"] == pytest.approx(data["test_coverage_scores"]["overall"])


def test_readiness_sheet(report: dict[str, Any]) -> None:
    sheet = open_book(report)["Readiness"]
    header, rows = table(sheet)
    assert header[:2] == ["Deduction Reason", "Details"]
    deductions = result_of(report, "readiness-rater")["data"]["deductions"]
    assert len(rows) == len(deductions) > 0
    for row, d in zip(rows, deductions, strict=True):
        assert row["Deduction Amount"].value == pytest.approx(d["deduction_amount"])
        assert row["Deduction Amount"].data_type == "n"
    block = side(sheet, len(header))
    assessment = result_of(report, "readiness-rater")["data"]["readiness_assessment"]
    assert block["Overall Score"] == pytest.approx(assessment["overall_score"])
    assert block["Production Ready"] is (assessment["overall_status"] == "ready")
