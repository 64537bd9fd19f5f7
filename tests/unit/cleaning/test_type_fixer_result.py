"""type-fixer's result tree has every key of frontend-contract §6.8 with
its type, and the "Type Fixer" sheet, opened with openpyxl, matches it."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from openpyxl import Workbook

from analysis_service.cleaning.agents.type_fixer.params import TypeFixerParams
from analysis_service.findings import ISSUE_TYPES
from analysis_service.report.sheets import type_fixer as sheet_module
from analysis_service.report.sheets.registry import agent_sheets
from analysis_service.report.workbook import write_workbook
from tests.unit.analysis.test_workbook import side, table
from tests.unit.cleaning.test_type_fixer_agent import run


@pytest.fixture(scope="module", params=[False, True], ids=["keep", "strict"])
def result(request: pytest.FixtureRequest) -> dict[str, Any]:
    return run(TypeFixerParams(strict_types=request.param))[3]


def _types(mapping: dict[str, Any], spec: dict[str, type | tuple[type, ...]]) -> None:
    for key, kind in spec.items():
        assert key in mapping, key
        assert isinstance(mapping[key], kind), (key, mapping[key])


def test_summary_metrics(result: dict[str, Any]) -> None:
    assert result["agent_id"] == "type-fixer"
    assert result["agent_name"] == "Type Fixer"
    _types(
        result["summary_metrics"],
        dict.fromkeys(
            (
                "total_rows_processed",
                "type_issues_fixed",
                "original_type_issues",
                "remaining_type_issues",
                "total_issues",
            ),
            int,
        ),
    )


def test_data_tree(result: dict[str, Any]) -> None:
    data = result["data"]
    score = data["fixing_score"]
    _types(score, {"overall_score": float, "quality": str, "quality_color": str})
    assert score["quality"] in ("excellent", "good", "needs_improvement")
    assert score["quality_color"] == {"excellent": "green", "good": "yellow"}.get(
        score["quality"], "red"
    )
    _types(
        score["metrics"],
        {
            **dict.fromkeys(
                ("issue_reduction_rate", "data_retention_rate", "column_retention_rate"), float
            ),
            **dict.fromkeys(
                (
                    "original_issues",
                    "remaining_issues",
                    "original_rows",
                    "fixed_rows",
                    "original_columns",
                    "fixed_columns",
                ),
                int,
            ),
        },
    )
    _types(
        score["weights_used"],
        dict.fromkeys(
            ("type_reduction_weight", "data_retention_weight", "column_retention_weight"), float
        ),
    )
    assert data["quality_status"] == score["quality"]
    analysis = data["type_analysis"]
    _types(
        analysis,
        {
            "total_columns": int,
            "columns_with_issues": list,
            "total_issues": int,
            "type_summary": dict,
            "recommendations": list,
        },
    )
    for entry in analysis["type_summary"].values():
        _types(
            entry,
            {"current_type": str, "suggested_type": str, "issues": list, "sample_values": list},
        )
        assert len(entry["sample_values"]) <= 5
        assert all(isinstance(v, str) for v in entry["sample_values"] + entry["issues"])
        if "target_type" in entry:
            assert entry["target_type"] in ("integer", "float", "datetime", "boolean")
    for rec in analysis["recommendations"]:
        _types(rec, {"column": str, "action": str, "reason": str, "priority": str})
        assert rec["action"].startswith("convert_to_")
        assert rec["priority"] in ("high", "medium")
    _types(data, {"fix_log": list, "summary": str, "row_level_issues": list, "issue_summary": dict})
    assert len(data["row_level_issues"]) <= 100
    for row in data["row_level_issues"]:
        _types(
            row,
            {
                "row_index": int,
                "column": str,
                "issue_type": str,
                "severity": str,
                "message": str,
                "value": str,
                "current_type": str,
                "suggested_type": str,
            },
        )
    _types(
        data["issue_summary"],
        {
            "total_issues": int,
            "by_type": dict,
            "by_severity": dict,
            "affected_rows": int,
            "affected_columns": list,
        },
    )
    assert 0 not in data["issue_summary"]["by_severity"].values()  # dynamic
    names = set(TypeFixerParams.field_names())
    assert len(names) == 11
    for echo in ("defaults", "overrides", "parameters"):
        assert set(data[echo]) == names
    assert list(data)[-3:] == ["defaults", "overrides", "parameters"]


def test_findings_ids_and_card(result: dict[str, Any]) -> None:
    assert result["alerts"] and result["recommendations"] and result["issues"]
    assert all(a["alert_id"].startswith("alert_types_") for a in result["alerts"])
    assert all(r["recommendation_id"].startswith("rec_types_") for r in result["recommendations"])
    for issue in result["issues"]:
        assert issue["issue_type"] in ISSUE_TYPES
    for row in result["row_level_issues"]:
        assert row["issue_type"] in ISSUE_TYPES
    (card,) = result["executive_summary"]
    assert (card["summary_id"], card["title"]) == ("exec_type_fixing", "Type Fixing Status")
    assert card["status"] == result["data"]["quality_status"]
    assert card["value"] == f"{result['data']['fixing_score']['overall_score']:.1f}"


def _open(write: Any) -> openpyxl.Workbook:
    buffer = io.BytesIO()
    write(buffer)
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


def test_sheet_matches_the_json(result: dict[str, Any]) -> None:
    def write(buffer: io.BytesIO) -> None:
        book = Workbook(write_only=True)
        sheet_module.write(book, result)
        book.save(buffer)

    sheet = _open(write)["Type Fixer"]
    header, rows = table(sheet)
    assert header[:5] == [
        "Column",
        "Current Type",
        "Suggested Type",
        "Conversion Status",
        "Issues/Notes",
    ]
    summary = result["data"]["type_analysis"]["type_summary"]
    assert [r["Column"].value for r in rows] == list(summary)
    for r in rows:
        entry = summary[r["Column"].value]
        assert all(c.value not in (None, "") for c in r.values())  # every cell filled
        assert r["Current Type"].value == entry["current_type"] == "String"
        assert r["Suggested Type"].value == entry["suggested_type"]
        assert r["Conversion Status"].value == entry["conversion_status"]
        assert r["Issues/Notes"].value == ("; ".join(entry["issues"]) or sheet_module.NO_ISSUES)
        assert r["Target Type"].value == entry.get("target_type", sheet_module.NOT_CONVERTED)
        assert r["Type Share %"].value == pytest.approx(entry["type_share"] / 100)
        assert r["Changed Values"].value == entry.get("changed_values", 0)
        assert r["Changed Values"].data_type == "n"
        assert r["Remaining Issues"].value == entry.get("remaining_issues", 0)
    block = side(sheet, len(header))
    metrics = result["summary_metrics"]
    assert block["Total Rows Processed"] == metrics["total_rows_processed"]
    assert block["Original Type Issues"] == metrics["original_type_issues"]
    assert block["Type Issues Fixed"] == metrics["type_issues_fixed"]
    assert block["Rows Quarantined"] == metrics["rows_quarantined"]
    score = result["data"]["fixing_score"]
    assert block["Overall Score"] == pytest.approx(score["overall_score"])
    assert block["Issue Reduction"] == pytest.approx(score["metrics"]["issue_reduction_rate"] / 100)


def test_sheet_is_registered_after_the_profile_sheets(result: dict[str, Any]) -> None:
    entry = agent_sheets()["type-fixer"]
    assert (entry.title, entry.order) == ("Type Fixer", 130)
    report = {"agent_results": {"type-fixer": result}}
    book = _open(lambda buffer: write_workbook(report, buffer))
    assert "Type Fixer" in book.sheetnames
