"""quarantine-agent's result tree has every key of frontend-contract §6.7
with its type, and the "Quarantine" sheet opens with openpyxl and shows
the JSON's numbers."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from analysis_service.findings import ISSUE_TYPES
from analysis_service.report import build_report
from analysis_service.report.sheets.registry import agent_sheets
from tests.unit.analysis.test_workbook import open_book, side, table
from tests.unit.cleaning.quarantine_helpers import Result, run_quarantine
from tests.unit.cleaning.test_quarantine_agent import CSV, PARAMS

pytestmark = pytest.mark.unit

NUMBER = (int, float)


@pytest.fixture(scope="module")
def result() -> Result:
    return run_quarantine(CSV, PARAMS)


def _types(tree: dict[str, Any], spec: dict[str, Any]) -> None:
    for key, kind in spec.items():
        assert key in tree, key
        value = tree[key]
        assert isinstance(value, kind) and not (kind is int and isinstance(value, bool)), (
            key,
            value,
        )


def test_result_tree_keys_and_types(result: Result) -> None:
    tree = json.loads(json.dumps(result.tree))
    assert tree["agent_name"] == "Quarantine Agent"
    _types(
        tree["summary_metrics"],
        {
            "total_rows_processed": int,
            "quarantined_records": int,
            "clean_records": int,
            "quarantine_percentage": float,
            "quarantine_issues_found": int,
        },
    )
    data = tree["data"]
    _types(data["quality_score"], {"overall_score": NUMBER, "metrics": dict})
    _types(
        data["quality_score"]["metrics"],
        {
            "quarantine_reduction_rate": NUMBER,
            "data_integrity_rate": NUMBER,
            "processing_efficiency_rate": int,
            "total_rows_analyzed": int,
            "quarantined_rows": int,
            "clean_rows": int,
            "issue_count": int,
        },
    )
    assert data["quality_status"] in ("excellent", "good", "needs_improvement")
    qa = data["quarantine_analysis"]
    _types(
        qa,
        {
            "total_rows_analyzed": int,
            "total_quarantined": int,
            "quarantine_percentage": float,
            "quarantine_issues": list,
            "issue_types": dict,
            "severity_breakdown": dict,
            "timestamp": str,
        },
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?", qa["timestamp"])  # naive
    shape = {"row_index", "column", "issue_type", "severity", "description"}
    for item in [*qa["quarantine_issues"], *data["row_level_issues"]]:
        assert set(item) == shape
        _types(item, {"row_index": int, "column": str, "issue_type": str, "description": str})
        assert item["severity"] in ("critical", "high", "medium")
    assert data["row_level_issues"] == qa["quarantine_issues"][:100]
    assert all(isinstance(line, str) for line in data["quarantine_log"])
    assert isinstance(data["summary"], str)
    params = set(PARAMS) | {
        "detect_missing_fields",
        "detect_type_mismatches",
        "detect_out_of_range",
        "detect_invalid_formats",
        "detect_broken_records",
        "detect_schema_mismatches",
        "quarantine_reduction_weight",
        "data_integrity_weight",
        "processing_efficiency_weight",
        "excellent_threshold",
        "good_threshold",
    }
    for echo in ("defaults", "overrides", "parameters"):
        assert set(data[echo]) == params
    assert data["overrides"]["required_fields"] == ["email"]
    assert data["overrides"]["detect_out_of_range"] is None
    assert list(data)[-3:] == ["defaults", "overrides", "parameters"]


def test_findings_use_known_issue_types(result: Result) -> None:
    tree = result.tree
    for item in [*tree["issues"], *tree["row_level_issues"]]:
        assert item["issue_type"] in ISSUE_TYPES, item
    for alert in tree["alerts"]:
        assert alert["alert_id"].startswith("alert_quarantine_00")
    for rec in tree["recommendations"]:
        assert rec["recommendation_id"].startswith("rec_quarantine_")


@pytest.fixture(scope="module")
def report(result: Result) -> dict[str, Any]:
    return build_report(
        tool_id="clean-my-data",
        analysis_id="q",
        outputs=[result.output],
        execution_time_ms=1,
        files={"primary": {"name": "x.csv", "size_bytes": len(CSV)}},
    )


def test_sheet_is_registered_after_the_other_cleaning_sheets() -> None:
    sheet = agent_sheets()["quarantine-agent"]
    assert (sheet.title, sheet.order) == ("Quarantine", 170)


def test_quarantine_sheet_matches_the_json(report: dict[str, Any]) -> None:
    book = open_book(report)
    sheet = book["Quarantine"]
    header, rows = table(sheet)
    assert header[:3] == ["Issue Type", "Count", "Percentage"]
    data = report["agent_results"]["quarantine-agent"]["data"]
    qa = data["quarantine_analysis"]
    total = sum(qa["issue_types"].values())
    assert [r["Issue Type"].value for r in rows] == list(qa["issue_types"])
    for row in rows:
        n = qa["issue_types"][row["Issue Type"].value]
        assert row["Count"].value == n and row["Count"].data_type == "n"
        assert row["Percentage"].value == pytest.approx(n / total, abs=1e-4)
        assert row["Percentage"].number_format == "0.00%"
        assert row["Rows Quarantined"].value == qa["quarantined_by_rule"].get(
            row["Issue Type"].value, 0
        )
    block = side(sheet, len(header))
    metrics = data["quality_score"]["metrics"]
    assert block["Total Rows"] == qa["total_rows_analyzed"]
    assert block["Quarantined Rows"] == qa["total_quarantined"]
    assert block["Clean Rows"] == metrics["clean_rows"]
    assert block["Quarantine %"] == pytest.approx(qa["quarantine_percentage"] / 100)
    assert block["Overall Score"] == pytest.approx(data["quality_score"]["overall_score"])
    assert block["Quality Status"] == data["quality_status"]
    assert block["Data Integrity"] == pytest.approx(metrics["data_integrity_rate"] / 100)
    # the severity table below the first one
    cells = [[c.value for c in r[:3]] for r in sheet.iter_rows()]
    start = cells.index(["Severity Level", "Count", "Percentage"])
    severities = {r[0]: r[1] for r in cells[start + 1 :] if r[0] is not None}
    assert severities == qa["severity_breakdown"]
    # every cell of the tables is filled
    for row in rows:
        assert all(c.value is not None for c in row.values())
