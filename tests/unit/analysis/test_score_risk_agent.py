"""score-risk through the runner on a generated customer file: the result
tree (frontend-contract.md §6.3 keys and JSON types), PII found by content
with validators (and look-alike negatives left alone), the lost-precision
flag, ``pii_sample_size`` honoured, thresholds and switches with an effect,
row indices of the original file."""

from __future__ import annotations

import io
import json
import random
from typing import Any

import pandas as pd
import pytest
from faker import Faker

from analysis_service.agents.base import AgentStatus
from analysis_service.agents.runner import AgentRequest, run_profile_agents
from analysis_service.report import json_bytes
from tests.unit.analysis.conftest import chunked
from tests.unit.analysis.test_report import walk_plain

pytestmark = pytest.mark.unit

ROWS = 1500


def customers() -> bytes:
    fake = Faker("en_US")
    Faker.seed(7)
    rnd = random.Random(7)
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{100000 + i}" for i in range(ROWS)],
            "email": [fake.email() for _ in range(ROWS)],
            "card_number": [fake.credit_card_number(card_type="visa16") for _ in range(ROWS)],
            "salary": [rnd.randint(30000, 99999) for _ in range(ROWS)],
            "signup_date": [fake.date_between("-3y").isoformat() for _ in range(ROWS)],
            "account_ref": [f"{rnd.randint(11, 99) / 10:.1f}E+15" for _ in range(ROWS)],
            "password": [fake.password() for _ in range(ROWS)],
        }
    )
    return frame.to_csv(index=False).encode()


def run(data: bytes, **params: Any) -> dict[str, Any]:
    out = run_profile_agents(
        chunked(data, 16384), [AgentRequest("score-risk", params)], batch_rows=400
    ).outputs[0]
    assert out.status is AgentStatus.SUCCESS, out.error
    return json.loads(json_bytes(out.to_dict()))


@pytest.fixture(scope="module")
def data() -> bytes:
    return customers()


@pytest.fixture(scope="module")
def result(data: bytes) -> dict[str, Any]:
    return run(data)


def fields(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["field_name"]: f for f in result["data"]["fields"]}


def test_tree_keys_and_types(result: dict[str, Any]) -> None:
    walk_plain(result)
    for key in (
        "total_fields_analyzed",
        "fields_with_high_risk",
        "fields_with_medium_risk",
        "fields_with_low_risk",
        "pii_fields_detected",
        "sensitive_fields_detected",
        "governance_gaps",
    ):
        assert type(result["summary_metrics"][key]) is int, key
    for f in result["data"]["fields"]:
        assert type(f["risk_score"]) is int and 0 <= f["risk_score"] <= 100
        assert f["risk_level"] in ("high", "medium", "low")
        assert f["risk_factors"], "never empty"
        for factor in f["risk_factors"]:
            assert type(factor["factor"]) is str and type(factor["confidence"]) is float
        assert all(type(c) is str for c in f["compliance_issues"])
        assert f["remediation_priority"] in ("high", "medium", "low")
        assert f["remediation_effort"] in ("high", "medium", "low")
    s = result["data"]["risk_summary"]
    assert type(s["overall_risk_score"]) is float
    assert s["overall_risk_level"] in ("high", "medium", "low")
    assert type(s["critical_issues"]) is int and type(s["high_priority_issues"]) is int
    assert type(s["estimated_remediation_time_hours"]) is int
    assert set(s["compliance_frameworks_impacted"]) >= {"GDPR", "CCPA", "PCI DSS"}
    assert result["data"]["row_level_issues"] == result["row_level_issues"][:100]
    assert result["data"]["issue_summary"] == result["issue_summary"]
    for key in ("defaults", "overrides", "parameters"):
        assert len(result["data"][key]) == 6
    assert result["executive_summary"][0]["summary_id"] == "exec_risk"
    ids = {a["alert_id"] for a in result["alerts"]}
    assert {"alert_pii_001_detected_critical", "alert_compliance_gdpr_critical"} <= ids
    assert "rec_audit_logging" in {r["recommendation_id"] for r in result["recommendations"]}
    for issue in result["issues"]:
        assert type(issue["remediation_time_hours"]) is int


def test_pii_found_and_look_alikes_left_alone(result: dict[str, Any]) -> None:
    f = fields(result)
    assert f["email"]["pii_type"] == "email_address" and f["email"]["risk_level"] == "high"
    assert f["card_number"]["pii_type"] == "credit_card"
    assert "PCI DSS" in f["card_number"]["compliance_frameworks"]
    for negative in ("customer_id", "salary", "signup_date"):
        assert f[negative]["pii_type"] is None, negative
        assert f[negative]["risk_factors"][0]["factor"] == "no_risk_detected"
    assert f["password"]["sensitive_name_category"] == "credential"
    assert f["password"]["risk_factors"][0]["factor"] == "contains_personal_identifier"
    assert f["account_ref"]["lost_precision"] is not None
    assert "account_ref" in result["data"]["risk_summary"]["lost_precision_fields"]


def test_sample_size_is_honoured(data: bytes) -> None:
    for size in (10, 250, 5000):
        f = fields(run(data, pii_sample_size=size))["email"]
        assert f["values_sampled"] == min(size, ROWS)


def test_thresholds_and_switches_have_an_effect(data: bytes, result: dict[str, Any]) -> None:
    strict = fields(run(data, high_risk_threshold=100, medium_risk_threshold=99))
    assert {f["risk_level"] for f in strict.values()} <= {"low", "medium"}
    off = run(data, pii_detection_enabled=False)
    assert off["summary_metrics"]["pii_fields_detected"] == 0
    names_off = run(data, sensitive_field_detection_enabled=False)
    assert names_off["summary_metrics"]["sensitive_fields_detected"] == 0
    gov_off = run(data, governance_check_enabled=False)
    assert gov_off["summary_metrics"]["governance_gaps"] == 0
    assert result["summary_metrics"]["governance_gaps"] > 0


def test_row_indices_are_rows_of_the_file(data: bytes, result: dict[str, Any]) -> None:
    frame = pd.read_csv(io.BytesIO(data), dtype=str)
    rows = [r for r in result["row_level_issues"] if r["column"] == "email"]
    assert rows
    for r in rows:
        assert "@" in frame["email"].iloc[r["row_index"]]
    lost = [r for r in result["row_level_issues"] if r["issue_type"] == "lost_precision"]
    assert lost and all("E+15" in frame["account_ref"].iloc[r["row_index"]] for r in lost)
