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

pytestmark = pytest.mark.integration

USER = (("x-user-id", "alice"),)
OTHER = (("x-user-id", "mallory"),)
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


def test_identity_is_required(tasks):
    error = rpc_error(tasks.ListTools, pb.ListToolsRequest())
    assert (error.code, error.reason) == (
        grpc.StatusCode.UNAUTHENTICATED,
        "AUTHENTICATION_REQUIRED",
    )


def test_tools_list_both_tools_with_schemas(tasks):
    tools = {t.tool_id: t for t in tasks.ListTools(pb.ListToolsRequest(), metadata=USER).tools}
    assert set(tools) == {"profile-my-data", "clean-my-data"}
    profiler = next(a for a in tools["profile-my-data"].agents if a.agent_id == "unified-profiler")
    assert profiler.available
    top_n = next(p for p in profiler.parameters if p.name == "top_n_values")
    assert top_n.default_value.number_value == 10 and top_n.minimum == 1
    assert not any(a.available for a in tools["clean-my-data"].agents)


def test_profile_flow_end_to_end(tasks, s3, seaweed_bucket):
    data = sample_csv()
    task = create(tasks, {"unified-profiler": {"top_n_values": 3}})
    assert task.status == S.CREATED
    key = f"users/alice/tasks/{task.task_id}/inputs/parameters.json"
    stored = json.loads(s3.get_object(Bucket=seaweed_bucket, Key=key)["Body"].read())
    assert stored == {"unified-profiler": {"top_n_values": 3}}

    response = upload(tasks, task.task_id, data)
    assert response.status == S.UPLOADING
    assert response.uploads["primary"].key.endswith(f"{task.task_id}/inputs/primary.csv")
    assert response.expires_in_seconds == 900

    queued = tasks.ProcessTask(pb.ProcessTaskRequest(task_id=task.task_id), metadata=USER)
    assert queued.status in (S.QUEUED, S.PROCESSING)
    done = wait_for(tasks, task.task_id, {S.COMPLETED, S.FAILED})
    assert done.status == S.COMPLETED, done.error_message
    assert done.progress == 100 and done.downloads_available
    assert [(a.agent_id, a.status) for a in done.agent_results] == [
        ("unified-profiler", "SUCCEEDED")
    ]
    assert done.HasField("completed_at") and done.HasField("processing_started_at")

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
    assert current.status == S.UPLOAD_FAILED and current.error_code == "FILES_NOT_FOUND"

    upload(tasks, task.task_id, sample_csv(50))
    tasks.ProcessTask(pb.ProcessTaskRequest(task_id=task.task_id), metadata=USER)
    assert wait_for(tasks, task.task_id, {S.COMPLETED, S.FAILED}).status == S.COMPLETED


def test_a_file_that_is_not_csv_fails_the_task_with_a_clear_code(tasks):
    task = create(tasks)
    upload(tasks, task.task_id, b"a,b\n1,2,3\n4,5\n")
    tasks.ProcessTask(pb.ProcessTaskRequest(task_id=task.task_id), metadata=USER)
    failed = wait_for(tasks, task.task_id, {S.COMPLETED, S.FAILED})
    assert failed.status == S.FAILED
    assert failed.error_code == "INVALID_CSV"
    assert "line" in failed.error_message.lower() or "row" in failed.error_message.lower()


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
    assert (failed.status, failed.error_code) == (S.FAILED, "INVALID_FILE_FORMAT")
    assert "is a PNG image" in failed.error_message


def test_another_users_task_is_forbidden_and_never_listed(tasks):
    task = create(tasks)
    error = rpc_error(tasks.GetTask, pb.GetTaskRequest(task_id=task.task_id), metadata=OTHER)
    assert (error.code, error.reason) == (grpc.StatusCode.PERMISSION_DENIED, "TASK_UNAUTHORIZED")
    listed = tasks.ListTasks(pb.ListTasksRequest(), metadata=OTHER)
    assert task.task_id not in [t.task_id for t in listed.tasks]
    mine = tasks.ListTasks(pb.ListTasksRequest(status=S.CREATED), metadata=USER)
    assert task.task_id in [t.task_id for t in mine.tasks]


def test_creation_errors_carry_error_info_and_every_violation(tasks):
    error = rpc_error(create, tasks, tool="nope")
    assert (error.code, error.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_TOOL_ID")
    error = rpc_error(create, tasks, agents=("drift-detector",))
    assert error.reason == "AGENT_NOT_AVAILABLE"
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
    assert sorted(set(outcomes)) == ["QUEUED", "TASK_ALREADY_PROCESSING"]
    assert outcomes.count("QUEUED") == 1
    history = task_server.app.repository.history(task.task_id)
    assert [e.to_status.value for e in history].count("QUEUED") == 1
    current = tasks.GetTask(pb.GetTaskRequest(task_id=task.task_id), metadata=USER)
    assert current.status == S.QUEUED
