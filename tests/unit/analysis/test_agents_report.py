"""The unified-profiler agent, the runner and the report renderers."""

from __future__ import annotations

import io
import json
import math
from typing import Any

import numpy as np
import openpyxl
import pytest

from analysis_service.agents.base import AgentError, AgentOutput
from analysis_service.agents.pii import estimate_pii, name_tokens
from analysis_service.agents.registry import implemented_agents
from analysis_service.agents.runner import AgentRequest, ProfileRun, run_profile_agents
from analysis_service.agents.unified_profiler import grade
from analysis_service.domain.errors import InvalidCsvError
from analysis_service.report import build_report, json_bytes, write_workbook
from analysis_service.report.builder import share_row_issues
from dqcommon.tools.catalog import default_catalog
from tests.unit.analysis.conftest import chunked

pytestmark = pytest.mark.unit


def sample_csv(rng: np.random.Generator, n: int = 2_000) -> bytes:
    lines = ["customer_id,contactEmail,full_name,amount,notes,mostly_null,qty"]
    firsts = ["Alice", "Bruno", "Chloé", "Dmitri", "Eve"]
    for i in range(n):
        amount = rng.lognormal(3, 1) if i % 50 else 10_000 + i
        qty = str(rng.integers(1, 9)) if i not in (10, 20) else "lots"
        mostly_null = "" if i % 10 else "x"
        lines.append(
            f"{i},user{i}@example.com,{firsts[i % 5]} Smith,{amount:.2f},"
            f"note {i % 3},{mostly_null},{qty}"
        )
    return ("\n".join(lines) + "\n").encode()


def run(
    data: bytes,
    params: dict[str, Any] | None = None,
    agents: tuple[str, ...] = ("unified-profiler",),
) -> ProfileRun:
    defaults = default_catalog().tool("profile-my-data")
    assert defaults is not None
    requests = []
    for agent_id in agents:
        agent = defaults.agent(agent_id)
        effective = {**(agent.defaults() if agent else {}), **(params or {})}
        requests.append(AgentRequest(agent_id, effective, params or None))
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


@pytest.fixture
def profiled(rng: np.random.Generator) -> ProfileRun:
    return run(sample_csv(rng))


def test_registry_matches_catalog() -> None:
    tool = default_catalog().tool("profile-my-data")
    assert tool is not None
    assert set(implemented_agents()) == set(tool.available_agents())


def test_envelope_and_fields(profiled: ProfileRun) -> None:
    out = profiled.outputs[0].to_dict()
    walk_plain(out)
    assert out["status"] == "success" and out["agent_id"] == "unified-profiler"
    assert out["summary_metrics"]["total_rows"] == 2_000
    assert out["summary_metrics"]["total_columns"] == 7
    data = out["data"]
    assert {"fields", "quality_summary", "defaults", "overrides", "parameters", "accuracy"} <= set(
        data
    )
    fields = {f["field_name"]: f for f in data["fields"]}
    assert fields["customer_id"]["inferred_type"] == "integer"
    assert fields["amount"]["numeric_stats"]["outlier_count"] >= 40
    assert fields["amount"]["numeric_stats"]["outlier_count_exact"] is True
    assert fields["notes"]["categorical"] is True
    assert fields["notes"]["semantic_type"] == "categorical"
    assert fields["qty"]["type_mismatch_count"] == 2
    assert fields["mostly_null"]["null_percentage"] == pytest.approx(90.0)
    assert fields["contactEmail"]["estimated_pii_type"] == "email_address"
    assert fields["full_name"]["estimated_pii_type"] == "name"
    assert len(fields["notes"]["top_values"]) == 3
    assert data["quality_summary"]["quality_grade"] in "ABCDF"
    assert "normalized rank error" in data["accuracy"]["quantiles"]["method"]


def test_alerts_fire_with_configured_thresholds(profiled: ProfileRun) -> None:
    out = profiled.outputs[0]
    categories = {a["category"] for a in out.alerts}
    assert {"pii", "completeness", "type_consistency"} <= categories
    pii = next(a for a in out.alerts if a["category"] == "pii")
    assert pii["affected_fields_count"] == 2
    assert {a["severity"] for a in out.alerts} <= {"critical", "high", "medium", "low"}
    assert {i["severity"] for i in out.issues} <= {"critical", "high", "medium", "low"}
    relaxed = run(
        sample_csv(np.random.default_rng(1)),
        {"null_alert_threshold": 95, "outlier_alert_threshold": 100},
    )
    messages = " ".join(a["message"] for a in relaxed.outputs[0].alerts)
    assert "null values" not in messages and "IQR outliers" not in messages
    strict = run(sample_csv(np.random.default_rng(1)), {"outlier_alert_threshold": 0})
    assert any(a["category"] == "outliers" for a in strict.outputs[0].alerts)


def test_row_level_issues_are_bounded_and_fair(profiled: ProfileRun) -> None:
    out = profiled.outputs[0]
    rows = out.row_level_issues
    assert 0 < len(rows) <= 1000
    types = {r["issue_type"] for r in rows}
    assert {"null_value", "type_mismatch", "outlier"} <= types
    assert {r["severity"] for r in rows} <= {"critical", "warning", "info"}
    mismatch = [r for r in rows if r["issue_type"] == "type_mismatch"]
    assert sorted(r["row_index"] for r in mismatch) == [10, 20]
    assert out.issue_summary["total_issues"] >= len(rows)
    assert out.issue_summary["by_type"]["null_value"] == 1_800


def test_failed_agents_are_reported(profiled: ProfileRun, rng: np.random.Generator) -> None:
    both = run(sample_csv(rng, 300), agents=("unified-profiler", "drift-detector"))
    report = build_report(
        tool_id="profile-my-data",
        analysis_id="a1",
        outputs=both.outputs,
        execution_time_ms=both.execution_time_ms,
        files={"primary": {"name": "people.csv", "size_bytes": 1}},
    )
    assert report["status"] == "partial"
    drift = report["agent_results"]["drift-detector"]
    assert drift["status"] == "error" and drift["error"]["code"] == "AGENT_NOT_IMPLEMENTED"
    assert report["executive_summary"][0]["value"] == "1/2"
    failed = AgentOutput.failed(
        "unified-profiler", "Unified Profiler", AgentError("AGENT_FAILED", "boom")
    )
    report = build_report(
        tool_id="profile-my-data", analysis_id="a2", outputs=[failed], execution_time_ms=5
    )
    assert report["status"] == "error" and report["metadata"]["lineage"] == []


def test_report_is_strict_json(profiled: ProfileRun) -> None:
    report = build_report(
        tool_id="profile-my-data",
        analysis_id="a1",
        outputs=profiled.outputs,
        execution_time_ms=1234,
    )
    walk_plain(report)
    payload = json_bytes(report)
    parsed = json.loads(payload, parse_constant=lambda c: pytest.fail(f"non-JSON {c}"))
    assert parsed["metadata"]["report_version"] == "2.0"
    assert [c["summary_id"] for c in parsed["executive_summary"][:5]] == [
        "exec_agents_used",
        "exec_execution_time",
        "exec_total_alerts",
        "exec_total_issues",
        "exec_total_recommendations",
    ]
    assert parsed["analysis_summary"]["model_used"] == "rule-based"
    assert "## Executive Summary" in parsed["analysis_summary"]["summary"]
    assert set(parsed["summary"]) >= {
        "total_alerts",
        "total_issues",
        "total_recommendations",
        "critical_alerts",
        "high_severity_alerts",
        "medium_severity_alerts",
    }
    assert parsed["routing_decisions"][0]["next_tool"] == "clean-my-data"
    assert all(r["agent_id"] == "unified-profiler" for r in parsed["row_level_issues"])
    with pytest.raises(ValueError):
        json_bytes({"x": float("nan")})


def test_share_row_issues_is_fair() -> None:
    many = [{"row_index": i, "column": "a"} for i in range(900)]
    few = [{"row_index": i, "column": "b"} for i in range(50)]
    more = [{"row_index": i, "column": "c"} for i in range(700)]
    listed = share_row_issues([("x", many), ("y", few), ("z", more)], 1000)
    counts = {a: sum(1 for r in listed if r["agent_id"] == a) for a in "xyz"}
    assert counts == {"x": 475, "y": 50, "z": 475}
    assert len(share_row_issues([("x", many)], 1000)) == 900


def test_workbook_sheets_and_values(profiled: ProfileRun) -> None:
    report = build_report(
        tool_id="profile-my-data",
        analysis_id="a1",
        outputs=profiled.outputs,
        execution_time_ms=1234,
    )
    buffer = io.BytesIO()
    write_workbook(report, buffer)
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()), read_only=True)
    assert book.sheetnames == [
        "Summary",
        "Profiler",
        "Alerts",
        "Issues",
        "Recommendations",
        "AI Analysis Summary",
        "Row-Level Issues",
        "Routing Decisions",
    ]
    rows = list(book["Profiler"].iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and r[0] == "Field Name")
    table = {r[0]: r for r in rows[header + 1 :] if r and r[0]}
    assert set(table) == {
        "customer_id",
        "contactEmail",
        "full_name",
        "amount",
        "notes",
        "mostly_null",
        "qty",
    }
    amount = table["amount"]
    assert amount[1] == "float" and amount[6] is not None and amount[7] is not None
    assert all(cell is not None for cell in amount[:12])
    assert ("Records Analyzed", 2000) in [r[:2] for r in rows]
    summary = [r[:2] for r in book["Summary"].iter_rows(values_only=True)]
    assert ("Analysis ID", "a1") in summary
    for sheet, key, items in (
        ("Issues", "issue_id", report["issues"]),
        ("Recommendations", "recommendation_id", report["recommendations"]),
    ):
        rows = [r for r in book[sheet].iter_rows(values_only=True) if r and r[0]]
        assert rows[0][0] == sheet  # the title, then the header row
        assert rows[1][0].endswith("ID")
        assert [r[0] for r in rows[2:]] == [item[key] for item in items]


def test_invalid_csv_raises_before_agents() -> None:
    with pytest.raises(InvalidCsvError):
        run(b"a,b\n1,2\n3\n")


def test_pii_rules() -> None:
    assert {"contact", "email", "contactemail"} <= name_tokens("contactEmail")
    assert estimate_pii("user_name", ["Alice", "Bob"]) is None
    assert estimate_pii("first_name", ["Alice", "Bob"]).pii_type == "name"  # type: ignore[union-attr]
    cards = ["4111 1111 1111 1111", "5500-0000-0000-0004"]
    card = estimate_pii("payment", cards)
    assert card is not None and card.sensitivity == "critical"
    assert estimate_pii("payment", ["1234 5678 9012 3456"]) is None  # fails Luhn
    assert estimate_pii("mobile", ["+41 79 123 45 67"]).pii_type == "phone_number"  # type: ignore[union-attr]
    assert estimate_pii("zip", ["12345", "54321"]) is None
    assert estimate_pii("tax_id", ["123-45-6789"]).pii_type == "ssn"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("score", "letter"), [(95, "A"), (90, "A"), (85, "B"), (72, "C"), (60, "D"), (59.9, "F")]
)
def test_grade(score: float, letter: str) -> None:
    assert grade(score) == letter
