"""The JSON report (frontend-contract.md §5.7): strict JSON, upstream keys
and types, failed agents included, merged lists and executive summary."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from analysis_service.agents.base import AgentError, AgentOutput
from analysis_service.agents.runner import AgentRequest, ProfileRun, run_profile_agents
from analysis_service.agents.unified_profiler.params import ProfilerParams
from analysis_service.domain.errors import InvalidCsvError
from analysis_service.findings import RowIssue, RowSeverity
from analysis_service.report import build_report, json_bytes
from analysis_service.report.builder import share_row_issues, zulu
from dqcommon.tools import default_catalog
from tests.unit.analysis.conftest import chunked
from tests.unit.analysis.profiler_data import alert_kinds_frame, to_csv, with_duplicates

pytestmark = pytest.mark.unit


def run(data: bytes, agents: tuple[str, ...] = ("unified-profiler",)) -> ProfileRun:
    requests = [
        AgentRequest(a, ProfilerParams().to_dict() if a == "unified-profiler" else {})
        for a in agents
    ]
    return run_profile_agents(chunked(data, 4096), requests, batch_rows=500)


def walk_plain(value: Any, path: str = "$") -> None:
    """Fails on anything that is not a plain, finite JSON value."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, str), path
            walk_plain(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            walk_plain(item, f"{path}[{i}]")
    else:
        assert value is None or type(value) in (str, int, float, bool), (path, type(value))
        if type(value) is float:
            assert math.isfinite(value), path


@pytest.fixture(scope="module")
def profiled() -> ProfileRun:
    frame = with_duplicates(alert_kinds_frame(np.random.default_rng(3), 1_200), [0, 1])
    return run(to_csv(frame))


@pytest.fixture(scope="module")
def report(profiled: ProfileRun) -> dict[str, Any]:
    return build_report(
        tool_id="profile-my-data",
        analysis_id="a1",
        outputs=profiled.outputs,
        execution_time_ms=1234,
        files={"primary": {"name": "people.csv", "size_bytes": 10}},
        timestamp=datetime(2025, 12, 20, 10, 0, 0, 123456, tzinfo=UTC),
    )


def test_report_keys_of_the_contract(report: dict[str, Any]) -> None:
    assert set(report) >= {
        "metadata",
        "executive_summary",
        "analysis_summary",
        "summary",
        "alerts",
        "issues",
        "recommendations",
        "row_level_issues",
        "issue_summary",
        "routing_decisions",
        "agent_results",
    }
    meta = report["metadata"]
    assert meta["timestamp"] == "2025-12-20T10:00:00.123456Z"
    assert meta["analysis_id"] == "a1" and meta["tool"] == "profile-my-data"
    assert type(meta["execution_time_ms"]) is int and isinstance(meta["report_version"], str)
    assert meta["agents_name"] == meta["lineage"] == ["Unified Profiler"]  # catalog display name
    entry = report["agent_results"]["unified-profiler"]
    assert set(entry) >= {"status", "execution_time_ms", "summary_metrics", "data", "timestamp"}
    assert entry["status"] == "success" and isinstance(entry["timestamp"], str)
    assert {"alerts", "issues", "row_level_issues"}.isdisjoint(entry)  # merged, not repeated
    summary = report["summary"]
    assert summary["total_alerts"] == len(report["alerts"])
    assert summary["total_issues"] == len(report["issues"])
    assert summary["total_recommendations"] == len(report["recommendations"])
    assert summary["critical_alerts"] == sum(a["severity"] == "critical" for a in report["alerts"])
    assert report["analysis_summary"]["model_used"] == "rule-based"
    assert "## Executive Summary" in report["analysis_summary"]["summary"]


def test_report_is_strict_json(report: dict[str, Any]) -> None:
    walk_plain(report)
    parsed = json.loads(json_bytes(report), parse_constant=lambda c: pytest.fail(f"non-JSON {c}"))
    assert parsed == report
    with pytest.raises(ValueError):
        json_bytes({"x": float("nan")})


def test_executive_summary_cards(report: dict[str, Any]) -> None:
    cards = report["executive_summary"]
    assert [(c["summary_id"], c["title"]) for c in cards[:5]] == [
        ("exec_agents_used", "Agents Executed"),
        ("exec_execution_time", "Total Execution Time"),
        ("exec_total_alerts", "Total Alerts"),
        ("exec_total_issues", "Total Issues"),
        ("exec_total_recommendations", "Total Recommendations"),
    ]
    assert cards[0]["value"] == "1/1" and cards[1]["value"] == "1.23s"
    assert cards[1]["status"] == "excellent"
    assert cards[2]["status"] == ("critical" if len(report["alerts"]) >= 5 else "warning")
    assert cards[5]["summary_id"] == "exec_quality"
    assert all(isinstance(c["value"], str) for c in cards)


def test_issue_summary_counts_everything_with_seeded_severities(
    report: dict[str, Any], profiled: ProfileRun
) -> None:
    summary = report["issue_summary"]
    assert set(summary["by_severity"]) >= {"critical", "warning", "info"}
    own = profiled.outputs[0].findings.row_summary
    assert summary["total_issues"] == own.total_issues > len(report["row_level_issues"])
    assert summary["by_type"] == dict(own.by_type)
    assert summary["affected_rows"] == len({r["row_index"] for r in report["row_level_issues"]})
    assert "all" not in summary["affected_columns"]
    assert all(r["agent_id"] == "unified-profiler" for r in report["row_level_issues"])
    assert len(report["row_level_issues"]) <= 1000


def test_routing_names_the_clean_agents_that_fix_what_was_found(report: dict[str, Any]) -> None:
    (route,) = report["routing_decisions"]
    assert route["next_tool"] == "clean-my-data" and route["path"] == "/results/clean-my-data"
    selected = set(route["parameters"]["selected_agents"])
    fixers = selected | set(route["pending_agents"])
    assert {"null-handler", "type-fixer", "duplicate-resolver"} <= fixers
    available = set(default_catalog().tool("clean-my-data").available_agents())
    assert selected == fixers & available  # the ones that run today are pre-selected


def test_failed_and_unknown_agents_are_reported() -> None:
    both = run(b"a,b\n1,2\n3,4\n", agents=("unified-profiler", "governance-checker"))
    report = build_report(
        tool_id="profile-my-data", analysis_id="a1", outputs=both.outputs, execution_time_ms=5
    )
    assert report["status"] == "partial"
    drift = report["agent_results"]["governance-checker"]
    assert drift["status"] == "error" and drift["error_code"] == "AGENT_NOT_IMPLEMENTED"
    assert isinstance(drift["error"], str) and drift["data"] == {}
    assert report["executive_summary"][0]["value"] == "1/2"
    assert report["metadata"]["agents_failed"] == ["governance-checker"]
    failed = AgentOutput.failed(
        "unified-profiler", "UnifiedProfiler", AgentError("AGENT_FAILED", "boom")
    )
    report = build_report(
        tool_id="profile-my-data", analysis_id="a2", outputs=[failed], execution_time_ms=5
    )
    assert report["status"] == "error" and report["metadata"]["lineage"] == []
    assert report["executive_summary"][0]["status"] == "warning"
    assert "did not run (error): boom" in report["analysis_summary"]["summary"]


def test_share_row_issues_is_fair() -> None:
    def rows(column: str, n: int) -> list[RowIssue]:
        return [RowIssue(i, column, "null", RowSeverity.WARNING, "m") for i in range(n)]

    listed = share_row_issues([("x", rows("a", 900)), ("y", rows("b", 50)), ("z", rows("c", 700))])
    counts = {a: sum(1 for r in listed if r["agent_id"] == a) for a in "xyz"}
    assert counts == {"x": 475, "y": 50, "z": 475}
    assert len(share_row_issues([("x", rows("a", 900))])) == 900


def test_zulu() -> None:
    assert zulu(datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2025-01-02T03:04:05.000000Z"


def test_invalid_csv_raises_before_agents() -> None:
    with pytest.raises(InvalidCsvError):
        run(b"a,b\n1,2\n3\n")  # a ragged row
