"""readiness-rater: components from the profile checked with pandas, the
upstream keys and JSON types (frontend-contract §6.5), deductions from the
other agents of the same task that change the score and say why, and the
verdict from the threshold parameters."""

from __future__ import annotations

import io
import json
from typing import Any

import pandas as pd
import pytest

from analysis_service.agents.readiness_rater.params import ReadinessParams
from analysis_service.agents.runner import AgentRequest, run_profile_agents
from analysis_service.agents.test_coverage_agent.params import CoverageParams

pytestmark = pytest.mark.unit

CSV = (
    "id,amount,note,Unnamed: 3\n"
    + "".join(f"{i},{i * 1.5},{'x' if i % 3 else ''},\n" for i in range(60))
    + "5,oops,y,\n5,oops,y,\n"
).encode()


def outputs(requests: list[AgentRequest], data: bytes = CSV) -> dict[str, dict[str, Any]]:
    run = run_profile_agents([data], requests)
    return {o.agent_id: json.loads(json.dumps(o.to_dict(), allow_nan=False)) for o in run.outputs}


def readiness(**params: Any) -> AgentRequest:
    return AgentRequest("readiness-rater", ReadinessParams.from_mapping(params).to_dict())


def coverage() -> AgentRequest:
    tests = {"unique_columns": ["id"], "range_tests": {"amount": {"max": 10}}}
    return AgentRequest("test-coverage-agent", CoverageParams.from_mapping(tests).to_dict())


def test_components_equal_pandas() -> None:
    out = outputs([readiness()])["readiness-rater"]
    frame = pd.read_csv(io.BytesIO(CSV), dtype=str)
    parts = {c["component"]: c for c in out["data"]["component_scores"]}
    assert list(parts) == ["completeness", "consistency", "schema_health"]
    assert parts["completeness"]["score"] == pytest.approx(100 * frame.notna().mean().mean())
    assert parts["schema_health"]["score"] == pytest.approx(75.0)  # "Unnamed: 3" (and empty)
    assert parts["consistency"]["score"] < 100  # "oops" in a numeric column
    weights = [c["weight"] for c in parts.values()]
    assert sum(weights) == pytest.approx(1.0)


def test_contract_keys_and_types() -> None:
    out = outputs([readiness()])["readiness-rater"]
    metrics = out["summary_metrics"]
    assert isinstance(metrics["readiness_score"], float)
    assert metrics["readiness_status"] in ("ready", "needs_review", "not_ready")
    for key in ("components_ready", "components_needs_review", "components_not_ready"):
        assert isinstance(metrics[key], int)
    assert sum(metrics[k] for k in metrics if k.startswith("components_")) == 3
    assessment = out["data"]["readiness_assessment"]
    assert {"overall_score", "overall_status", "status_description", "recommendation"} <= set(
        assessment
    )
    for part in out["data"]["component_scores"]:
        assert part["status"] in ("excellent", "good", "fair", "poor")
        assert {type(part[k]) for k in ("weight", "score")} == {float}
    for d in out["data"]["deductions"]:
        assert isinstance(d["deduction_amount"], float) and isinstance(d["fields_affected"], list)
        assert isinstance(d["deduction_reason"], str) and d["remediation"]
    assert set(out["data"]["parameters"]) == set(ReadinessParams.field_names())
    assert set(out["issue_summary"]["by_severity"]) == {"critical", "warning", "info"}
    assert out["executive_summary"][0]["summary_id"] == "exec_readiness"


def test_other_agents_findings_are_deducted_and_explained() -> None:
    alone = outputs([readiness()])["readiness-rater"]
    together = outputs([AgentRequest("unified-profiler"), coverage(), readiness()])
    rated = together["readiness-rater"]
    sources = {d["source_agent"]: d for d in rated["data"]["deductions"]}
    assert "test-coverage-agent" in sources
    coverage_alerts = {a["alert_id"] for a in together["test-coverage-agent"]["alerts"]}
    assert set(sources["test-coverage-agent"]["finding_ids"]) <= coverage_alerts
    assert "test-coverage-agent" in sources["test-coverage-agent"]["deduction_reason"]
    total = sum(d["deduction_amount"] for d in rated["data"]["deductions"])
    assessment = rated["data"]["readiness_assessment"]
    base_alone = alone["data"]["readiness_assessment"]["base_score"]
    assert assessment["base_score"] == pytest.approx(base_alone)
    assert rated["summary_metrics"]["readiness_score"] == pytest.approx(
        max(0.0, assessment["base_score"] - total)
    )
    assert rated["summary_metrics"]["readiness_score"] < alone["summary_metrics"]["readiness_score"]


def test_a_failed_or_later_agent_is_not_deducted() -> None:
    # readiness finalized BEFORE coverage sees nothing of it
    first = outputs([readiness(), coverage()])["readiness-rater"]
    assert all(d["source_agent"] != "test-coverage-agent" for d in first["data"]["deductions"])


def test_duplicate_rows_are_deducted() -> None:
    out = outputs([readiness()])["readiness-rater"]
    (dup,) = [d for d in out["data"]["deductions"] if d["source_agent"] == "readiness-rater"]
    assert "1 duplicate rows" in dup["deduction_reason"] and dup["deduction_amount"] > 0


def test_thresholds_decide_the_verdict() -> None:
    lenient = outputs([readiness(ready_threshold=10, needs_review_threshold=5)])
    strict = outputs([readiness(ready_threshold=100, needs_review_threshold=99)])
    assert lenient["readiness-rater"]["summary_metrics"]["readiness_status"] == "ready"
    assert strict["readiness-rater"]["summary_metrics"]["readiness_status"] == "not_ready"
    assert strict["readiness-rater"]["summary_metrics"]["readiness_verdict"] == "NOT_READY"


def test_weights_move_the_base_score() -> None:
    complete = outputs(
        [readiness(completeness_weight=1.0, consistency_weight=0.0, schema_health_weight=0.0)]
    )["readiness-rater"]
    parts = {c["component"]: c["score"] for c in complete["data"]["component_scores"]}
    assert complete["data"]["readiness_assessment"]["base_score"] == pytest.approx(
        parts["completeness"]
    )


def test_a_file_without_rows_is_not_ready() -> None:
    out = outputs([readiness()], b"a,b\n")["readiness-rater"]
    parts = {c["component"]: c["score"] for c in out["data"]["component_scores"]}
    assert parts["completeness"] == 0.0
    assert out["summary_metrics"]["readiness_status"] != "ready"


def test_mostly_empty_rows_are_row_level_issues_counted_over_every_row() -> None:
    # 4 columns; "Unnamed: 3" is always empty, "note" empty when i % 3 == 0:
    # those rows are 50 % empty (> 30 %, not > 50 %: warning), the others 25 %.
    out = outputs([readiness()])["readiness-rater"]
    frame = pd.read_csv(io.BytesIO(CSV), dtype=str, keep_default_na=False)
    share = (frame == "").mean(axis=1)
    expected = [int(i) for i in share.index[share > 0.30]]
    rows = [r for r in out["row_level_issues"] if r["issue_type"] == "readiness_low"]
    assert [r["row_index"] for r in rows] == expected
    assert {r["column"] for r in rows} == {"global"}
    assert {r["severity"] for r in rows} == {"warning"}
    assert all(r["null_percentage"] == 50.0 for r in rows)
    assert out["issue_summary"]["by_type"]["readiness_low"] == len(expected)
    assert "row_level_issues" not in out["data"]  # as the contract: top level only


def test_a_row_more_than_half_empty_is_critical_and_every_row_is_counted() -> None:
    data = b"a,b,c\n1,,\n1,2,3\n,,x\n" * 500  # 1,000 rows of 2/3 empty out of 1,500
    out = outputs([readiness()], data)["readiness-rater"]
    assert out["issue_summary"]["by_type"]["readiness_low"] == 1000
    listed = [r for r in out["row_level_issues"] if r["issue_type"] == "readiness_low"]
    assert len(listed) == 100 and listed[0]["row_index"] == 0 and listed[1]["row_index"] == 2
    assert {r["severity"] for r in listed} == {"critical"}
    assert out["issue_summary"]["totals_exact"] is True
