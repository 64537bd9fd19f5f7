"""The task lifecycle on real parts (SQLite and PostgreSQL, SeaweedFS, the
three services in-process): cancel, delete, restarts, several analysis
services, busy analysis services, time limits, the sweeper, history."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import grpc
import pytest

from analysis_service.server import create_app as create_analysis
from dataquality.task.v1 import task_pb2
from dataquality.task.v1 import task_service_pb2 as pb
from dataquality.task.v1 import task_service_pb2_grpc as pb_grpc
from dqcommon.grpc_server import insecure_sync_channel
from task_service.server import create_app as create_task
from tests.integration.task.test_task_service import (
    ALICE_KEYS,
    USER,
    create,
    rpc_error,
    sample_csv,
    upload,
    wait_for,
)
from tests.support.app_thread import AppThread
from tests.support.services import analysis_settings, task_settings

pytestmark = pytest.mark.integration
S = task_pb2.Task


def big_csv(megabytes: int) -> bytes:
    line = b"1234567,some text value,3.14159,2024-01-01,true\n"
    return b"id,text,number,day,flag\n" + line * (megabytes * 1024 * 1024 // len(line))


class MutableClock:
    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


def objects(s3, bucket, task_id, area=""):
    prefix = f"{ALICE_KEYS}/tasks/{task_id}/{area}"
    listing = s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
    return sorted(o["Key"].removeprefix(prefix) for o in listing.get("Contents", []))


def start_processing(tasks, data: bytes) -> str:
    task = create(tasks)
    upload(tasks, task.task_id, data)
    tasks.ProcessTask(pb.ProcessTaskRequest(task_id=task.task_id), metadata=USER)
    return task.task_id


def wait_until(condition, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} not reached in {timeout}s"
        time.sleep(0.05)


@pytest.fixture
def slow_analysis(storage_server):
    """An AnalysisService reading in small chunks, so a 40 MB file takes seconds."""
    settings = analysis_settings(
        storage_server.target, read_chunk_bytes=64 * 1024, max_concurrent=2
    )
    with AppThread(lambda: create_analysis(settings), name="slow-analysis") as app:
        yield app


@pytest.fixture
def slow_tasks(db_url, storage_server, slow_analysis):
    settings = task_settings(db_url, storage_server.target, slow_analysis.target)
    with AppThread(lambda: create_task(settings), name="task-slow") as app:
        channel = insecure_sync_channel(app.target)
        yield app, pb_grpc.TaskServiceStub(channel)
        channel.close()


def test_cancel_a_queued_task_and_refuse_to_cancel_twice(tasks):
    task = create(tasks)
    cancelled = tasks.CancelTask(pb.CancelTaskRequest(task_id=task.task_id), metadata=USER)
    assert cancelled.status == S.CANCELLED and cancelled.cancelled_at.string_value
    assert cancelled.error_code.string_value == "TASK_CANCELLED"
    assert cancelled.message.string_value == "Task cancelled successfully"
    error = rpc_error(tasks.CancelTask, pb.CancelTaskRequest(task_id=task.task_id), metadata=USER)
    assert (error.code, error.reason) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "TASK_NOT_CANCELLABLE",
    )
    error = rpc_error(tasks.ProcessTask, pb.ProcessTaskRequest(task_id=task.task_id), metadata=USER)
    assert error.reason == "INVALID_TASK_STATE"


def test_cancel_mid_run_stops_the_analysis_and_stays_cancelled(
    slow_tasks, slow_analysis, s3, seaweed_bucket
):
    app, tasks = slow_tasks
    task_id = start_processing(tasks, big_csv(40))
    wait_until(
        lambda: tasks.GetTask(pb.GetTaskRequest(task_id=task_id), metadata=USER).progress > 20,
        what="analysis running",
    )
    assert slow_analysis.app.capacity.used == 1
    started = time.monotonic()
    cancelled = tasks.CancelTask(pb.CancelTaskRequest(task_id=task_id), metadata=USER)
    assert cancelled.status == S.CANCELLED
    wait_until(lambda: slow_analysis.app.capacity.used == 0, timeout=5, what="analysis stopped")
    assert time.monotonic() - started < 2.0
    time.sleep(1.0)
    final = tasks.GetTask(pb.GetTaskRequest(task_id=task_id), metadata=USER)
    assert final.status == S.CANCELLED
    assert objects(s3, seaweed_bucket, task_id, "outputs/") == []
    assert app.app.repository.get(task_id).lease_owner is None
    history = [(S.Status.Name(h.from_status), S.Status.Name(h.to_status)) for h in final.history]
    assert history[-1] == ("PROCESSING", "CANCELLED")


def test_delete_mid_run_leaves_no_object(slow_tasks, slow_analysis, s3, seaweed_bucket):
    _, tasks = slow_tasks
    task_id = start_processing(tasks, big_csv(40))
    wait_until(
        lambda: tasks.GetTask(pb.GetTaskRequest(task_id=task_id), metadata=USER).progress > 20,
        what="analysis running",
    )
    response = tasks.DeleteTask(pb.DeleteTaskRequest(task_id=task_id), metadata=USER)
    assert response.files_deleted >= 1
    assert objects(s3, seaweed_bucket, task_id) == []
    time.sleep(1.5)  # nothing shows up later either
    assert objects(s3, seaweed_bucket, task_id) == []
    assert slow_analysis.app.capacity.used == 0
    error = rpc_error(tasks.GetTask, pb.GetTaskRequest(task_id=task_id), metadata=USER)
    assert error.reason == "TASK_NOT_FOUND"


def test_delete_a_completed_task_counts_its_files(tasks, s3, seaweed_bucket):
    task = create(tasks, {"unified-profiler": {"top_n_values": 2}})
    upload(tasks, task.task_id, sample_csv(40))
    tasks.ProcessTask(pb.ProcessTaskRequest(task_id=task.task_id), metadata=USER)
    assert wait_for(tasks, task.task_id, {S.COMPLETED, S.FAILED}).status == S.COMPLETED
    before = objects(s3, seaweed_bucket, task.task_id)
    assert len(before) == 4  # primary, parameters.json, report json and xlsx
    response = tasks.DeleteTask(pb.DeleteTaskRequest(task_id=task.task_id), metadata=USER)
    assert response.files_deleted == 4
    assert objects(s3, seaweed_bucket, task.task_id) == []
    other = (("x-user-id", "mallory@example.com"),)
    task = create(tasks)
    error = rpc_error(tasks.DeleteTask, pb.DeleteTaskRequest(task_id=task.task_id), metadata=other)
    assert error.reason == "TASK_NOT_FOUND"


def test_report_and_history_of_a_completed_task(tasks):
    task = create(tasks)
    upload(tasks, task.task_id, sample_csv(30))
    error = rpc_error(
        tasks.GetTaskReport, pb.GetTaskReportRequest(task_id=task.task_id), metadata=USER
    )
    assert error.reason == "TASK_NOT_COMPLETED"
    tasks.ProcessTask(pb.ProcessTaskRequest(task_id=task.task_id), metadata=USER)
    done = wait_for(tasks, task.task_id, {S.COMPLETED, S.FAILED})
    body = tasks.GetTaskReport(pb.GetTaskReportRequest(task_id=task.task_id), metadata=USER)
    assert body.content_type == "application/json"
    report = json.loads(body.data)
    assert (report["analysis_id"], report["tool"], report["status"]) == (
        task.task_id,
        "profile-my-data",
        "success",
    )
    assert "unified-profiler" in report["report"]
    assert [d["format"] for d in report["report"]["downloads"]] == ["json", "xlsx"]
    steps = [
        (S.Status.Name(h.from_status), S.Status.Name(h.to_status), h.attempt) for h in done.history
    ]
    assert steps == [
        ("STATUS_UNSPECIFIED", "CREATED", 0),
        ("CREATED", "UPLOADING", 0),
        ("UPLOADING", "QUEUED", 0),
        ("QUEUED", "PROCESSING", 1),
        ("PROCESSING", "COMPLETED", 1),
    ]
    assert all(h.reason for h in done.history)


def test_queued_tasks_survive_a_task_service_restart(db_url, storage_server, analysis_server):
    first = task_settings(
        db_url, storage_server.target, analysis_server.target, dispatcher_enabled=False
    )
    with AppThread(lambda: create_task(first), name="task-a") as app:
        channel = insecure_sync_channel(app.target)
        stub = pb_grpc.TaskServiceStub(channel)
        ids = [start_processing(stub, sample_csv(30, seed=i)) for i in range(3)]
        channel.close()
    second = task_settings(db_url, storage_server.target, analysis_server.target)
    with AppThread(lambda: create_task(second), name="task-b") as app:
        channel = insecure_sync_channel(app.target)
        stub = pb_grpc.TaskServiceStub(channel)
        for task_id in ids:
            assert wait_for(stub, task_id, {S.COMPLETED, S.FAILED}).status == S.COMPLETED
        channel.close()


def test_work_is_spread_over_analysis_services_within_their_capacity(db_url, storage_server):
    settings = analysis_settings(
        storage_server.target, max_concurrent=1, read_chunk_bytes=256 * 1024
    )
    with (
        AppThread(lambda: create_analysis(settings), name="an-1") as one,
        AppThread(lambda: create_analysis(settings), name="an-2") as two,
    ):
        targets = f"{one.target},{two.target}"
        config = task_settings(
            db_url, storage_server.target, targets, dispatch_concurrency=4, busy_retry_seconds=0.2
        )
        with AppThread(lambda: create_task(config), name="task-spread") as app:
            channel = insecure_sync_channel(app.target)
            stub = pb_grpc.TaskServiceStub(channel)
            ids = [start_processing(stub, big_csv(4)) for _ in range(4)]
            finals = [wait_for(stub, i, {S.COMPLETED, S.FAILED}, timeout=120) for i in ids]
            channel.close()
        assert [f.status for f in finals] == [S.COMPLETED] * 4
        assert all(f.attempt == 1 for f in finals)  # waiting for room used no attempt
        for service in (one, two):
            assert service.app.capacity.peak == 1  # never more than its capacity
            assert service.app.capacity.accepted >= 1  # both did work


def test_an_attempt_past_the_time_limit_fails_and_stops(db_url, storage_server, slow_analysis):
    settings = task_settings(
        db_url, storage_server.target, slow_analysis.target, processing_timeout_seconds=1.5
    )
    with AppThread(lambda: create_task(settings), name="task-timeout") as app:
        channel = insecure_sync_channel(app.target)
        stub = pb_grpc.TaskServiceStub(channel)
        task_id = start_processing(stub, big_csv(40))
        failed = wait_for(stub, task_id, {S.COMPLETED, S.FAILED}, timeout=30)
        channel.close()
    assert failed.status == S.FAILED
    assert failed.error_code.string_value == "PROCESSING_TIMEOUT"
    wait_until(lambda: slow_analysis.app.capacity.used == 0, timeout=5, what="analysis stopped")


def test_the_sweeper_expires_and_purges_with_a_controllable_clock(
    db_url, storage_server, analysis_server, s3, seaweed_bucket
):
    clock = MutableClock()
    settings = task_settings(
        db_url, storage_server.target, analysis_server.target, sweeper_enabled=False
    )
    with AppThread(lambda: create_task(settings, clock=clock), name="task-sweep") as app:
        channel = insecure_sync_channel(app.target)
        stub = pb_grpc.TaskServiceStub(channel)
        abandoned = create(stub)
        upload(stub, abandoned.task_id, sample_csv(20))
        done_id = start_processing(stub, sample_csv(20))
        assert wait_for(stub, done_id, {S.COMPLETED, S.FAILED}).status == S.COMPLETED
        sweeper = app.app.sweeper

        clock.offset = timedelta(minutes=16)
        # Several instances sweeping at once do each thing once.
        with ThreadPoolExecutor(3) as pool:
            reports = list(pool.map(lambda _: sweeper.sweep(), range(3)))
        assert sum(r.expired for r in reports) == 1
        expired = stub.GetTask(pb.GetTaskRequest(task_id=abandoned.task_id), metadata=USER)
        assert expired.status == S.EXPIRED and expired.inputs_deleted_at.string_value
        assert objects(s3, seaweed_bucket, abandoned.task_id) == []

        clock.offset = timedelta(days=7, minutes=1)
        assert sweeper.sweep().inputs_deleted == 1
        assert objects(s3, seaweed_bucket, done_id, "inputs/") == []
        assert len(objects(s3, seaweed_bucket, done_id, "outputs/")) == 2
        clock.offset = timedelta(days=30, minutes=1)
        assert sweeper.sweep().outputs_deleted == 1
        assert objects(s3, seaweed_bucket, done_id) == []
        error = rpc_error(
            stub.GetTaskDownloads, pb.GetTaskDownloadsRequest(task_id=done_id), metadata=USER
        )
        assert error.reason == "OUTPUTS_EXPIRED"
        channel.close()


def test_unknown_task_ids_are_not_found_for_every_action(tasks):
    missing = str(uuid.uuid4())
    for call, request in (
        (tasks.CancelTask, pb.CancelTaskRequest(task_id=missing)),
        (tasks.DeleteTask, pb.DeleteTaskRequest(task_id=missing)),
        (tasks.GetTaskReport, pb.GetTaskReportRequest(task_id=missing)),
    ):
        assert rpc_error(call, request, metadata=USER).reason == "TASK_NOT_FOUND"


def test_completion_keeps_only_the_completing_attempts_outputs(tasks, s3, seaweed_bucket):
    task = create(tasks)
    upload(tasks, task.task_id, sample_csv(30))
    # Left over by an earlier attempt that never completed.
    s3.put_object(
        Bucket=seaweed_bucket,
        Key=f"{ALICE_KEYS}/tasks/{task.task_id}/outputs/attempt-0.partial.json",
        Body=b"{",
    )
    tasks.ProcessTask(pb.ProcessTaskRequest(task_id=task.task_id), metadata=USER)
    assert wait_for(tasks, task.task_id, {S.COMPLETED, S.FAILED}).status == S.COMPLETED
    wait_until(
        lambda: (
            "attempt-0.partial.json" not in objects(s3, seaweed_bucket, task.task_id, "outputs/")
        ),
        timeout=5,
        what="leftover removed",
    )
    assert objects(s3, seaweed_bucket, task.task_id, "outputs/") == [
        "attempt-1.profile_my_data_analysis.json",
        "attempt-1.profile_my_data_analysis.xlsx",
    ]
