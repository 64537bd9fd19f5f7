"""test-coverage-agent and readiness-rater through AnalysisService over
gRPC, with the real StorageService and SeaweedFS: one run, the JSON report
and the workbook stored, readiness deducting what coverage found."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from google.protobuf import struct_pb2

from dataquality.analysis.v1 import analysis_service_pb2 as pb
from tests.integration.analysis.test_analysis_service import analysis, put_input  # noqa: F401

pytestmark = pytest.mark.integration

AGENTS = ["unified-profiler", "test-coverage-agent", "readiness-rater"]


def test_three_agents_in_one_run(analysis, put_input, s3, seaweed_bucket):  # noqa: F811
    data = b"id,email\n" + b"".join(
        f"{i % 50},{'u' if i % 9 else 'bad'}@x.com\n".encode() for i in range(300)
    )
    primary = put_input(data)
    parameters = struct_pb2.Struct()
    parameters.update(
        {
            "test-coverage-agent": {
                "unique_columns": ["id"],
                "format_tests": {"email": "u@x\\.com", "absent": "x"},
            }
        }
    )
    events = list(
        analysis.RunAnalysis(
            pb.RunAnalysisRequest(
                task_id=primary.object.task_id,
                user_id=primary.object.user_id,
                tool_id="profile-my-data",
                agents=AGENTS,
                parameters=parameters,
                inputs={"primary": primary},
                attempt=1,
            )
        )
    )
    completed = events[-1].completed
    assert [(r.agent_id, r.status) for r in completed.agent_results] == [
        (a, pb.AgentResult.STATUS_SUCCEEDED) for a in AGENTS
    ]
    prefix = f"users/ana/tasks/{primary.object.task_id}/outputs/attempt-1."
    body = s3.get_object(Bucket=seaweed_bucket, Key=prefix + "profile_my_data_analysis.json")
    report = json.loads(body["Body"].read())
    coverage = report["agent_results"]["test-coverage-agent"]
    tests = {(t["test_type"], t["column"]): t for t in coverage["data"]["tests"]}
    assert tests[("uniqueness", "id")]["unexpected_count"] == 300
    assert tests[("format", "email")]["unexpected_count"] == 34
    assert tests[("format", "absent")]["column_present"] is False
    readiness = report["agent_results"]["readiness-rater"]
    sources = {d["source_agent"] for d in readiness["data"]["deductions"]}
    assert "test-coverage-agent" in sources
    book = s3.get_object(Bucket=seaweed_bucket, Key=prefix + "profile_my_data_analysis.xlsx")
    sheets = openpyxl.load_workbook(io.BytesIO(book["Body"].read())).sheetnames
    assert {"Profiler", "Readiness", "Test Coverage"} <= set(sheets)
