"""TaskService over gRPC with the real StorageService, AnalysisService,
SeaweedFS, and SQLite or PostgreSQL: the whole task flow and its errors."""

from __future__ import annotations

import io
import json
import time
from concurrent.futures import ThreadPoolExecutor

import grpc
import numpy as np
import pandas as pd
import pytest
import requests
from google.protobuf import struct_pb2

from dataquality.task.v1 import task_pb2
from dataquality.task.v1 import task_service_pb2 as pb
from dqcommon.errors import decode_rpc_error
from task_service.domain.identity import storage_user_segment

pytestmark = pytest.mark.integration

USER = (("x-user-id", "alice@example.com"),)
OTHER = (("x-user-id", "mallory@example.com"),)
#: Where alice's objects are in the bucket.
ALICE_KEYS = f"users/{storage_user_segment('alice@example.com')}"
S = task_pb2.Task


def sample_csv(rows: int = 500, seed: int = 3) -> bytes:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "id": np.arange(rows),
            "amount": rng.normal(100, 15, rows).round(2),
            "city": rng.choice(["Paris", "Lyon", "Nice", None], rows),
            "when": pd.date_range("2024-01-01", periods=rows, freq="h").strftime("%Y-%m-%d"),
        }
    )
    frame.loc[::17, "amount"] = np.nan
    return frame.to_csv(index=False).encode()


def rpc_error(call, *args, **kwargs):
    with pytest.raises(grpc.RpcError) as info:
        call(*args, **kwargs)
    return decode_rpc_error(info.value)


def params(value: dict) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(value)
    return message


def create(
    tasks, parameters: dict | None = None, tool="profile-my-data", agents=("unified-profiler",)
):
    request = pb.CreateTaskRequest(tool_id=tool, agents=list(agents))
    if parameters:
        request.parameters.CopyFrom(params(parameters))
    return tasks.CreateTask(request, metadata=USER)


def upload(
    tasks, task_id: str, data: bytes, slot="primary", filename="data.csv", content_type="text/csv"
):
    response = tasks.GenerateUploadUrls(
        pb.GenerateUploadUrlsRequest(
            task_id=task_id,
            files={
                slot: pb.UploadFile(
                    filename=filename, content_type=content_type, size_bytes=len(data)
                )
            },
        ),
        metadata=USER,
    )
    target = response.uploads[slot]
    put = requests.put(target.url, data=data, headers=dict(target.headers), timeout=30)
    assert put.status_code == 200, put.text
    return response


def wait_for(tasks, task_id: str, statuses, timeout=60.0):
    deadline = time.monotonic() + timeout
    while True:
        task = tasks.GetTask(pb.GetTaskRequest(task_id=task_id), metadata=USER)
        if task.status in statuses:
            return task
        assert time.monotonic() < deadline, f"still {S.Status.Name(task.status)}"
        time.sleep(0.1)


def test_task_calls_need_an_identity_and_the_tools_api_does_not(tasks):
    for call, request in (
        (tasks.ListTasks, pb.ListTasksRequest()),
        (tasks.CreateTask, pb.CreateTaskRequest(tool_id="profile-my-data")),
        (tasks.GetTask, pb.GetTaskRequest(task_id="0d3f0f61-7d8f-4b53-9d36-4a1d3a1e6a2b")),
    ):
        error = rpc_error(call, request)
        assert (error.code, error.reason) == (
            grpc.StatusCode.UNAUTHENTICATED,
            "AUTHENTICATION_REQUIRED",
        )
    assert tasks.ListTools(pb.ListToolsRequest()).content_type == "application/json"


def test_tools_list_both_tools_with_schemas(tasks):
    listing = json.loads(tasks.ListTools(pb.ListToolsRequest()).data)
    assert [t["id"] for t in listing["tools"]] == ["profile-my-data", "clean-my-data"]
    profile = json.loads(tasks.GetTool(pb.GetToolRequest(tool_id="profile-my-data")).data)
    profiler = profile["agents"]["unified-profiler"]
    assert profiler["isAvailable"] is True
    assert profiler["parameters"]["top_n_values"]["default"] == 10
    assert profiler["parameters"]["top_n_values"]["min"] == 1
    clean = json.loads(tasks.GetTool(pb.GetToolRequest(tool_id="clean-my-data")).data)
    assert all(a["isAvailable"] for a in clean["agents"].values())
    assert clean["tool"]["isAvailable"] is True
    error = rpc_error(tasks.GetTool, pb.GetToolRequest(tool_id="nope"))
    assert (error.code, error.reason) == (grpc.StatusCode.NOT_FOUND, "TOOL_NOT_FOUND")


def test_profile_flow_end_to_end(tasks, s3, seaweed_bucket):
    data = sample_csv()
    task = create(tasks, {"unified-profiler": {"top_n_values": 3}})
    assert task.status == S.CREATED
    key = f"{ALICE_KEYS}/tasks/{task.task_id}/inputs/parameters.json"
    stored = json.loads(s3.get_object(Bucket=seaweed_bucket, Key=key)["Body"].read())
    assert stored == {"unified-profiler": {"top_n_values": 3}}

    response = upload(tasks, task.task_id, data)
    assert response.status == S.UPLOADING
    assert (
        response.uploads["primary"].key == f"{ALICE_KEYS}/tasks/{task.task_id}/inputs/primary.csv"
    )
    assert response.expires_in_seconds == 900

    started = tasks.ProcessTask(pb.ProcessTaskRequest(task_id=task.task_id), metadata=USER)
    # The analysis service has room: the dispatcher took the task before the answer.
    assert started.status == S.PROCESSING and started.progress >= 15
    assert started.message.string_value.startswith("Processing started")
    done = wait_for(tasks, task.task_id, {S.COMPLETED, S.FAILED})
    assert done.status == S.COMPLETED, done.error_message
    assert done.progress == 100 and done.downloads_available
    assert [(a.agent_id, a.status) for a in done.agent_results] == [
        ("unified-profiler", "SUCCEEDED")
    ]
    assert done.completed_at.string_value and done.processing_started_at.string_value
    assert done.execution_time_ms.number_value > 0

    downloads = tasks.GetTaskDownloads(
        pb.GetTaskDownloadsRequest(task_id=task.task_id), metadata=USER
    )
    assert downloads.expires_in_seconds == 3600
    by_format = {d.format: d for d in downloads.downloads}
    assert set(by_format) == {"json", "xlsx"}
    report = requests.get(by_format["json"].url, timeout=30)
    assert report.status_code == 200
    assert "attachment" in report.headers["Content-Disposition"]
    body = report.json()
    fields = {
        f["field_name"]: f for f in body["agent_results"]["unified-profiler"]["data"]["fields"]
    }
    frame = pd.read_csv(io.BytesIO(data))
    amount = fields["amount"]["statistics"]
    assert amount["mean"] == pytest.approx(frame["amount"].mean(), rel=1e-9)
    assert amount["stddev"] == pytest.approx(frame["amount"].std(), rel=1e-9)
    assert fields["amount"]["properties"]["null_count"] == int(frame["amount"].isna().sum())
    assert len(fields["city"]["distribution"]["top_values"]) == 3  # the parameter took effect


def test_missing_file_then_recovery(tasks):
    task = create(tasks)
    tasks.GenerateUploadUrls(
        pb.GenerateUploadUrlsRequest(
            task_id=task.task_id,
            files={
                "primary": pb.UploadFile(filename="d.csv", content_type="text/csv", size_bytes=10)
            },
        ),
        metadata=USER,
    )
    error = rpc_error(tasks.ProcessTask, pb.ProcessTaskRequest(task_id=task.task_id), metadata=USER)
    assert (error.code, error.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "FILES_NOT_FOUND")
    assert error.metadata["missing_files"] == "primary"
    current = tasks.GetTask(pb.GetTaskRequest(task_id=task.task_id), metadata=USER)
    assert current.status == S.UPLOAD_FAILED
    assert current.error_code.string_value == "FILES_NOT_FOUND"

    upload(tasks, task.task_id, sample_csv(50))
    tasks.ProcessTask(pb.ProcessTaskRequest(task_id=task.task_id), metadata=USER)
    assert wait_for(tasks, task.task_id, {S.COMPLETED, S.FAILED}).status == S.COMPLETED


def test_a_file_that_is_not_csv_fails_the_task_with_a_clear_code(tasks):
    task = create(tasks)
    upload(tasks, task.task_id, b"a,b\n1,2,3\n4,5\n")
    tasks.ProcessTask(pb.ProcessTaskRequest(task_id=task.task_id), metadata=USER)
    failed = wait_for(tasks, task.task_id, {S.COMPLETED, S.FAILED})
    assert failed.status == S.FAILED
    assert failed.error_code.string_value == "INVALID_CSV"
    message = failed.error_message.string_value.lower()
    assert "line" in message or "row" in message


def test_excel_and_json_inputs_are_processed_and_a_disguised_file_is_named(tasks):
    import io

    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Cover"
    book.active.append(["see the Data sheet"])
    data = book.create_sheet("Data")
    data.append(["id", "amount"])
    for i in range(20):
        data.append([i, i * 1.5])
    out = io.BytesIO()
    book.save(out)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    task = create(tasks, {"files": {"primary": {"sheet": "Data"}}})
    upload(tasks, task.task_id, out.getvalue(), filename="sales.xlsx", content_type=xlsx)
    tasks.ProcessTask(pb.ProcessTaskRequest(task_id=task.task_id), metadata=USER)
    assert wait_for(tasks, task.task_id, {S.COMPLETED, S.FAILED}).status == S.COMPLETED

    task = create(tasks)
    lines = b"".join(b'{"id": %d, "name": "n%d"}\n' % (i, i) for i in range(30))
    upload(tasks, task.task_id, lines, filename="rows.json", content_type="application/json")
    tasks.ProcessTask(pb.ProcessTaskRequest(task_id=task.task_id), metadata=USER)
    assert wait_for(tasks, task.task_id, {S.COMPLETED, S.FAILED}).status == S.COMPLETED

    task = create(tasks)
    upload(tasks, task.task_id, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    tasks.ProcessTask(pb.ProcessTaskRequest(task_id=task.task_id), metadata=USER)
    failed = wait_for(tasks, task.task_id, {S.COMPLETED, S.FAILED})
    assert (failed.status, failed.error_code.string_value) == (S.FAILED, "INVALID_FILE_FORMAT")
    assert "is a PNG image" in failed.error_message.string_value


def test_another_users_task_is_not_found_and_never_listed(tasks):
    task = create(tasks)
    error = rpc_error(tasks.GetTask, pb.GetTaskRequest(task_id=task.task_id), metadata=OTHER)
    assert (error.code, error.reason) == (grpc.StatusCode.NOT_FOUND, "TASK_NOT_FOUND")
    listed = tasks.ListTasks(pb.ListTasksRequest(), metadata=OTHER)
    assert task.task_id not in [t.task_id for t in listed.tasks]
    mine = tasks.ListTasks(pb.ListTasksRequest(status="CREATED"), metadata=USER)
    assert task.task_id in [t.task_id for t in mine.tasks]
    assert mine.pagination.limit == 20 and mine.pagination.total >= 1


def test_creation_errors_carry_error_info_and_every_violation(tasks):
    error = rpc_error(create, tasks, tool="nope")
    assert (error.code, error.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_TOOL_ID")
    error = rpc_error(create, tasks, tool="clean-my-data", agents=("unified-profiler",))
    assert error.reason == "INVALID_AGENT_ID"
    error = rpc_error(create, tasks, {"unified-profiler": {"top_n_values": 0, "nope": 1}})
    assert error.reason == "INVALID_PARAMETERS"
    assert {v.field for v in error.field_violations} == {
        "parameters.unified-profiler.top_n_values",
        "parameters.unified-profiler.nope",
    }


@pytest.mark.task_settings(dispatcher_enabled=False)  # the task stays QUEUED during the race
def test_fifty_concurrent_process_calls_queue_the_task_once(tasks, task_server):
    task = create(tasks)
    upload(tasks, task.task_id, sample_csv(20))

    def process(_):
        try:
            return S.Status.Name(
                tasks.ProcessTask(pb.ProcessTaskRequest(task_id=task.task_id), metadata=USER).status
            )
        except grpc.RpcError as exc:
            return decode_rpc_error(exc).reason

    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = list(pool.map(process, range(50)))
    # (The others are told it is already on its way: 400 through the gateway.)
    assert sorted(set(outcomes)) == ["QUEUED", "TASK_ALREADY_PROCESSING"]
    assert outcomes.count("QUEUED") == 1
    history = task_server.app.repository.history(task.task_id)
    assert [e.to_status.value for e in history].count("QUEUED") == 1
    current = tasks.GetTask(pb.GetTaskRequest(task_id=task.task_id), metadata=USER)
    assert current.status == S.QUEUED
