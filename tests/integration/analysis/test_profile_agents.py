"""profile-my-data with all of this service's profile agents and a baseline,
over gRPC with the real StorageService and SeaweedFS: drift-detector and
score-risk succeed, their results reach the JSON report and the workbook;
without a baseline drift-detector is reported as skipped, not failed."""

from __future__ import annotations

import io
import json
import uuid

import numpy as np
import openpyxl
import pandas as pd
import pytest
from google.protobuf import struct_pb2

from dataquality.analysis.v1 import analysis_service_pb2 as pb
from dataquality.analysis.v1 import analysis_service_pb2_grpc as pb_grpc
from dataquality.storage.v1 import storage_service_pb2 as storage_pb
from dqcommon.grpc_server import insecure_sync_channel

pytestmark = pytest.mark.integration

AGENTS = ["unified-profiler", "drift-detector", "score-risk"]


@pytest.fixture
def analysis(analysis_server):
    channel = insecure_sync_channel(analysis_server.target)
    yield pb_grpc.AnalysisServiceStub(channel)
    channel.close()


def put(s3, bucket: str, task_id: str, slot: str, data: bytes) -> pb.InputFile:
    key = f"users/ana/tasks/{task_id}/inputs/{slot}.csv"
    response = s3.put_object(Bucket=bucket, Key=key, Body=data)
    return pb.InputFile(
        object=storage_pb.ObjectRef(
            user_id="ana",
            task_id=task_id,
            area=storage_pb.ObjectRef.AREA_INPUTS,
            name=f"{slot}.csv",
        ),
        etag=response["ETag"].strip('"'),
        size_bytes=len(data),
        original_filename=f"{slot}.csv",
    )


def files() -> tuple[bytes, bytes]:
    rng = np.random.default_rng(4)
    n = 800
    base = pd.DataFrame(
        {
            "amount": rng.normal(50, 5, n).round(2),
            "email": [f"user{i}@example.org" for i in range(n)],
            "tier": rng.choice(["gold", "silver"], n),
        }
    )
    cur = pd.DataFrame(
        {
            "amount": rng.normal(70, 5, n).round(2),
            "email": [f"person{i}@example.com" for i in range(n)],
            "tier": rng.choice(["gold", "silver", "bronze"], n),
        }
    )
    return base.to_csv(index=False).encode(), cur.to_csv(index=False).encode()


def run(analysis, inputs: dict[str, pb.InputFile], task_id: str) -> list:
    parameters = struct_pb2.Struct()
    parameters.update({"drift-detector": {"statistical_test": "kolmogorov_smirnov"}})
    request = pb.RunAnalysisRequest(
        task_id=task_id,
        user_id="ana",
        tool_id="profile-my-data",
        agents=AGENTS,
        parameters=parameters,
        inputs=inputs,
        attempt=1,
    )
    return list(analysis.RunAnalysis(request))


def output(s3, bucket: str, task_id: str, name: str) -> bytes:
    key = f"users/ana/tasks/{task_id}/outputs/attempt-1.{name}"
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def test_profile_with_a_baseline(analysis, s3, seaweed_bucket):
    task_id = str(uuid.uuid4())
    base, cur = files()
    inputs = {
        "primary": put(s3, seaweed_bucket, task_id, "primary", cur),
        "baseline": put(s3, seaweed_bucket, task_id, "baseline", base),
    }
    events = run(analysis, inputs, task_id)
    completed = events[-1].completed
    assert [(r.agent_id, r.status) for r in completed.agent_results] == [
        (a, pb.AgentResult.STATUS_SUCCEEDED) for a in AGENTS
    ]
    report = json.loads(output(s3, seaweed_bucket, task_id, "profile_my_data_analysis.json"))
    drift = report["agent_results"]["drift-detector"]["data"]
    fields = {f["field_name"]: f for f in drift["fields"]}
    assert fields["amount"]["drift_analysis"]["drift_detected"] is True
    assert fields["tier"]["drift_analysis"]["new_category_share"] > 0
    risk = report["agent_results"]["score-risk"]["data"]
    assert {f["field_name"]: f["pii_type"] for f in risk["fields"]}["email"] == "email_address"
    book = openpyxl.load_workbook(
        io.BytesIO(output(s3, seaweed_bucket, task_id, "profile_my_data_analysis.xlsx"))
    )
    assert {"Profiler", "Drift Detection", "Risk Assessment"} <= set(book.sheetnames)


def test_without_a_baseline_drift_is_skipped(analysis, s3, seaweed_bucket):
    task_id = str(uuid.uuid4())
    _, cur = files()
    events = run(analysis, {"primary": put(s3, seaweed_bucket, task_id, "primary", cur)}, task_id)
    completed = events[-1].completed
    statuses = {r.agent_id: r.status for r in completed.agent_results}
    assert statuses == {
        "unified-profiler": pb.AgentResult.STATUS_SUCCEEDED,
        "drift-detector": pb.AgentResult.STATUS_SKIPPED,
        "score-risk": pb.AgentResult.STATUS_SUCCEEDED,
    }
    report = json.loads(output(s3, seaweed_bucket, task_id, "profile_my_data_analysis.json"))
    assert (
        "Drift Detection"
        not in openpyxl.load_workbook(
            io.BytesIO(output(s3, seaweed_bucket, task_id, "profile_my_data_analysis.xlsx"))
        ).sheetnames
    )
    assert report["agent_results"]["score-risk"]["status"] == "success"
