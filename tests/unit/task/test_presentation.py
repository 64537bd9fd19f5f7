"""The JSON documents of the REST contract built in Python: the tools API,
/report, the REST error bodies and the timestamp formats."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import grpc
import pytest

from dqcommon.errors import FieldViolation, ServiceError
from dqcommon.tools import default_catalog
from task_service.domain import errors
from task_service.domain.model import AgentOutcome, Task, TaskStatus
from task_service.presentation import report_json, tools_json
from task_service.presentation.rest_errors import error_body, error_metadata
from task_service.presentation.times import db_time, normalise_z, offset_time, z_time

pytestmark = pytest.mark.unit
CATALOG = default_catalog()
NOW = datetime(2026, 12, 1, 10, 0, 0, 123456, tzinfo=UTC)

# --- tools -------------------------------------------------------------------

SUMMARY_TYPES = {
    "id": str,
    "name": str,
    "description": str,
    "icon": str,
    "category": str,
    "status": str,
    "isAvailable": bool,
    "tags": list,
    "available_agents": list,
    "isFree": bool,
    "required_files": list,
}


def test_tool_list_has_the_contract_keys_and_types():
    document = json.loads(tools_json.encode(tools_json.tools_document(CATALOG)))
    assert [t["id"] for t in document["tools"]] == ["profile-my-data", "clean-my-data"]
    for tool in document["tools"]:
        assert {k: type(v) for k, v in tool.items()} == SUMMARY_TYPES
    profile = document["tools"][0]
    assert profile["required_files"] == ["primary", "baseline"]  # every slot, as upstream
    assert profile["icon"] == "📊" and profile["category"] == "source"
    assert profile["available_agents"] == [
        a.agent_id for a in CATALOG.tool("profile-my-data").agents if a.available
    ]
    assert "unified-profiler" in profile["available_agents"]


def test_a_tool_document_keys_agents_and_parameters_by_name_in_order():
    tool = CATALOG.tool("profile-my-data")
    document = json.loads(tools_json.encode(tools_json.tool_document(tool)))
    assert list(document) == ["tool", "agents", "file_requirements"]
    assert list(document["agents"]) == [a.agent_id for a in tool.agents]
    head = document["tool"]
    for key, kind in {
        "id": str,
        "name": str,
        "description": str,
        "icon": str,
        "category": str,
        "tags": list,
        "isAvailable": bool,
        "status": str,
        "show": bool,
        "version": str,
        "available_agents": list,
        "files": dict,
    }.items():
        assert isinstance(head[key], kind), key
    assert head["files"] == document["file_requirements"]
    assert set(head["files"]) == {"primary", "baseline"}  # no parameters slot
    primary = head["files"]["primary"]
    assert primary["required"] is True and primary["max_size_mb"] == 500
    assert document["agents"]["drift-detector"]["required_files"] == ["primary", "baseline"]
    profiler = document["agents"]["unified-profiler"]
    for key, kind in {
        "id": str,
        "name": str,
        "description": str,
        "icon": str,
        "category": str,
        "isAvailable": bool,
        "accuracy": str,
        "features": list,
        "input": dict,
        "version": str,
        "required_files": list,
        "parameters": dict,
    }.items():
        assert isinstance(profiler[key], kind), key
    assert list(profiler["parameters"]) == [
        p.name for p in tool.agent("unified-profiler").parameters
    ]


def test_parameter_objects_carry_optional_keys_only_where_they_apply():
    agents = tools_json.tool_document(CATALOG.tool("clean-my-data"))["agents"]
    enum = agents["duplicate-resolver"]["parameters"]["merge_strategy"]
    assert enum["allowed"] == ["remove_duplicates", "merge_smart"] and "items" not in enum
    picker = agents["duplicate-resolver"]["parameters"]["key_columns"]
    assert picker["type"] == "array" and picker["items"] == "string"
    assert picker["columnSelection"] is True and picker["show"] is True
    assert picker["example"] and picker["show_example"] is True
    kinds = agents["duplicate-resolver"]["parameters"]["detection_types"]
    assert "columnSelection" not in kinds and kinds["allowed"] and kinds["show"] is False
    weight = agents["null-handler"]["parameters"]["null_reduction_weight"]
    assert (weight["type"], weight["min"], weight["max"]) == ("float", 0.0, 1.0)
    assert "allowed" not in weight and "items" not in weight and "example" not in weight
    counts = agents["cleanse-writeback"]["parameters"]["original_row_count"]
    assert counts["default"] is None and "min" not in counts
    for agent in agents.values():
        for spec in agent["parameters"].values():
            assert spec["required"] is False and spec["show_description"] is True
            assert spec["type"] in {"integer", "float", "boolean", "string", "array", "object"}


# --- /report -----------------------------------------------------------------


def task(**changes) -> Task:
    values = {
        "task_id": "0d3f0f61-7d8f-4b53-9d36-4a1d3a1e6a2b",
        "user_id": "alice@example.com",
        "tool_id": "profile-my-data",
        "agents": ("unified-profiler", "drift-detector"),
        "status": TaskStatus.COMPLETED,
        "created_at": NOW,
        "updated_at": NOW,
        "execution_time_ms": 1234,
    }
    values.update(changes)
    return Task(**values)


def files() -> list[report_json.ReportFile]:
    return [
        report_json.ReportFile("clean_my_data_analysis.xlsx", 10, "https://x/1", NOW),
        report_json.ReportFile("data_cleaned_20261201_100000.csv", 20, "https://x/2", NOW),
        report_json.ReportFile("clean_my_data_analysis.json", 30, "https://x/3", NOW),
        report_json.ReportFile("notes.txt", 40, "https://x/4", NOW),
        report_json.ReportFile(
            "data_quarantine_20261201_100000.csv", 5, "https://x/5", NOW, kind="quarantine"
        ),
        report_json.ReportFile(
            "clean_my_data_manifest.json", 6, "https://x/6", NOW, kind="manifest"
        ),
    ]


def document(stored: dict, **task_changes) -> dict:
    built = report_json.report_document(
        stored, task=task(**task_changes), tool_name="Clean My Data", files=files(), now=NOW
    )
    return json.loads(report_json.encode(built))


def test_report_of_an_empty_file_has_every_key_with_defaults():
    body = document({})
    assert body["analysis_id"] == task().task_id and body["tool"] == "profile-my-data"
    assert body["status"] == "success"
    assert body["timestamp"] == "2026-12-01T10:00:00.123456+00:00"  # now, as upstream
    assert body["execution_time_ms"] == 1234
    report = body["report"]
    for key in ("alerts", "issues", "recommendations", "executiveSummary", "rowLevelIssues"):
        assert report[key] == [], key
    assert report["routing_decisions"] == []
    assert report["analysisSummary"] == {} and report["issueSummary"] == {}
    assert body["failed_agents"] == []


def test_report_maps_the_stored_layout_and_keeps_only_successful_agents():
    stored = {
        "metadata": {"timestamp": "2026-12-01T09:59:58.5+00:00", "execution_time_ms": 99},
        "alerts": [{"alert_id": "a"}],
        "issues": "not a list",
        "recommendations": [{"recommendation_id": "r"}],
        "executive_summary": [{"summary_id": "exec_agents_used", "value": "1/2"}],
        "analysis_summary": {"status": "success", "summary": "ok"},
        "row_level_issues": [{"row_index": 3}],
        "issue_summary": {"total_issues": 1},
        "routing_decisions": [{"recommendation_id": "route_1"}],
        "agent_results": {
            "drift-detector": {
                "status": "error",
                "error": {"code": "BASELINE_REQUIRED", "message": "no baseline"},
            },
            "unified-profiler": {
                "status": "success",
                "execution_time_ms": 12,
                "summary_metrics": {"total_rows": 5, "ratio": float("nan")},
                "data": {"fields": []},
                "agent_name": "UnifiedProfiler",
            },
        },
    }
    body = document(stored)
    assert body["timestamp"] == "2026-12-01T09:59:58.500000Z"
    assert body["execution_time_ms"] == 99
    report = body["report"]
    assert report["alerts"] == [{"alert_id": "a"}] and report["issues"] == []
    assert report["executiveSummary"][0]["value"] == "1/2"
    assert report["rowLevelIssues"] == [{"row_index": 3}]
    assert report["issueSummary"] == {"total_issues": 1}
    assert report["routing_decisions"] == [{"recommendation_id": "route_1"}]
    assert report["unified-profiler"] == {
        "status": "success",
        "execution_time_ms": 12,
        "summary_metrics": {"total_rows": 5, "ratio": None},
        "data": {"fields": []},
        "timestamp": "",
    }
    assert "drift-detector" not in report
    assert body["failed_agents"] == [
        {
            "agent_id": "drift-detector",
            "status": "error",
            "error_code": "BASELINE_REQUIRED",
            "error_message": "no baseline",
        }
    ]


def test_failed_agents_known_only_to_the_task_are_listed_too():
    outcome = AgentOutcome("drift-detector", "FAILED", "AGENT_FAILED", "boom", 3)
    body = document({"agent_results": {}}, agent_results=(outcome,))
    assert [f["agent_id"] for f in body["failed_agents"]] == ["drift-detector"]


def test_report_downloads_follow_the_contract():
    items = {d["file_name"]: d for d in document({})["report"]["downloads"]}
    xlsx = items["clean_my_data_analysis.xlsx"]
    assert xlsx == {
        "download_id": "clean_my_data_analysis_xlsx",
        "name": "Clean My Data - Complete Analysis Report",
        "format": "xlsx",
        "file_name": "clean_my_data_analysis.xlsx",
        "description": xlsx["description"],
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "url": "https://x/1",
        "size_bytes": 10,
        "creation_date": "2026-12-01T10:00:00.123456+00:00",
        "type": "complete_report",
        "expires_at": "2026-12-01T10:00:00.123456+00:00",
        "kind": "report",
    }
    assert items["clean_my_data_analysis.json"]["name"] == "Clean My Data - JSON Report"
    assert items["clean_my_data_analysis.json"]["type"] == "report"
    csv = items["data_cleaned_20261201_100000.csv"]
    assert (csv["name"], csv["type"], csv["mimeType"]) == (
        "Clean My Data - Cleaned Data",
        "cleaned_data",
        "text/csv",
    )
    assert csv["kind"] == "cleaned_data"
    quarantine = items["data_quarantine_20261201_100000.csv"]
    assert (quarantine["name"], quarantine["type"], quarantine["kind"]) == (
        "Clean My Data - Quarantined Rows",
        "cleaned_data",  # the contract's extension-based type; our kind says what it is
        "quarantine",
    )
    manifest = items["clean_my_data_manifest.json"]
    assert (manifest["name"], manifest["type"], manifest["kind"]) == (
        "Clean My Data - Audit Manifest",
        "report",
        "manifest",
    )
    other = items["notes.txt"]
    assert (other["name"], other["type"], other["mimeType"]) == (
        "notes.txt",
        "other",
        "application/octet-stream",
    )


def test_stored_reports_that_are_not_json_objects_are_unreadable():
    assert report_json.parse_stored(b'{"a": NaN, "b": Infinity}') == {"a": None, "b": None}
    for data in (b"[1, 2]", b"{oops", b"\xff\xfe"):
        with pytest.raises(report_json.ReportUnreadable):
            report_json.parse_stored(data)


# --- errors ------------------------------------------------------------------


def test_error_bodies_have_detail_and_error_code_at_the_top():
    body = error_body(errors.task_not_found("x"))
    assert body == {"detail": "Task not found", "error_code": "TASK_NOT_FOUND"}
    body = error_body(errors.invalid_parameters([("parameters.a.b", "must be a number")], "x"))
    assert body["error_code"] == "INVALID_PARAMETERS" and isinstance(body["detail"], str)
    assert body["violations"] == [{"field": "parameters.a.b", "description": "must be a number"}]


def test_files_not_found_keeps_the_object_the_frontend_reads():
    body = error_body(errors.files_not_found("t", ["primary", "baseline"]))
    assert body["detail"] == {
        "error_code": "FILES_NOT_FOUND",
        "message": "Required files not found in storage",
        "missing_files": ["primary", "baseline"],
        "task_status": "UPLOAD_FAILED",
    }
    assert body["error_code"] == "FILES_NOT_FOUND" and body["missing_files"] == [
        "primary",
        "baseline",
    ]
    assert isinstance(body["message"], str)


def test_error_metadata_is_bounded_ascii_json_and_says_when_the_status_differs():
    error = ServiceError(
        grpc.StatusCode.INVALID_ARGUMENT,
        "VALIDATION_ERROR",
        "Invalid query: ünïcode",
        field_violations=tuple(FieldViolation(f"f{i}", "x" * 500) for i in range(200)),
    )
    metadata = dict(error_metadata(error))
    assert metadata["x-http-status"] == "422"
    text = metadata["x-error-body"]
    assert text.isascii() and len(text) <= 16 * 1024
    body = json.loads(text)
    assert body["detail"] == "Invalid query: ünïcode" and 0 < len(body["violations"]) <= 50
    assert "x-http-status" not in dict(error_metadata(errors.task_not_found("x")))


# --- times -------------------------------------------------------------------


def test_timestamp_formats():
    assert db_time(NOW) == "2026-12-01T10:00:00"
    assert db_time(datetime(2026, 12, 1, 10, 0)) == "2026-12-01T10:00:00"
    assert z_time(NOW) == "2026-12-01T10:00:00.123456Z"
    assert offset_time(NOW) == "2026-12-01T10:00:00.123456+00:00"
    assert normalise_z("2026-12-01T11:00:00+01:00") == "2026-12-01T10:00:00.000000Z"
    assert normalise_z("2026-12-01T10:00:00Z") == "2026-12-01T10:00:00.000000Z"
    assert normalise_z("yesterday") == "yesterday"
