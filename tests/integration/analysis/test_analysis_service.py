"""AnalysisService over gRPC with the real StorageService and SeaweedFS."""

from __future__ import annotations

import json
import threading
import time
import uuid

import grpc
import pytest
from google.protobuf import struct_pb2

from analysis_service.server import create_app
from dataquality.analysis.v1 import analysis_service_pb2 as pb
from dataquality.analysis.v1 import analysis_service_pb2_grpc as pb_grpc
from dataquality.storage.v1 import storage_service_pb2 as storage_pb
from dqcommon.errors import decode_rpc_error
from dqcommon.grpc_server import insecure_sync_channel
from tests.support.app_thread import AppThread
from tests.support.services import analysis_settings

pytestmark = pytest.mark.integration


@pytest.fixture
def analysis(analysis_server):
    channel = insecure_sync_channel(analysis_server.target)
    yield pb_grpc.AnalysisServiceStub(channel)
    channel.close()


@pytest.fixture
def put_input(s3, seaweed_bucket):
    """Stores bytes as a task's primary input; returns the request's InputFile."""

    def put(data: bytes, user: str = "ana", task_id: str | None = None) -> pb.InputFile:
        task_id = task_id or str(uuid.uuid4())
        key = f"users/{user}/tasks/{task_id}/inputs/primary.csv"
        response = s3.put_object(Bucket=seaweed_bucket, Key=key, Body=data)
        return pb.InputFile(
            object=storage_pb.ObjectRef(
                user_id=user,
                task_id=task_id,
                area=storage_pb.ObjectRef.AREA_INPUTS,
                name="primary.csv",
            ),
            etag=response["ETag"].strip('"'),
            size_bytes=len(data),
            original_filename="mine.csv",
        )

    return put


def request_for(primary: pb.InputFile, **params) -> pb.RunAnalysisRequest:
    parameters = struct_pb2.Struct()
    parameters.update({"unified-profiler": params})
    return pb.RunAnalysisRequest(
        task_id=primary.object.task_id,
        user_id=primary.object.user_id,
        tool_id="profile-my-data",
        agents=["unified-profiler"],
        parameters=parameters,
        inputs={"primary": primary},
        attempt=1,
    )


def big_csv(megabytes: int) -> bytes:
    line = b"1234567,some text value,3.14159,2024-01-01,true\n"
    return b"id,text,number,day,flag\n" + line * (megabytes * 1024 * 1024 // len(line))


def test_run_streams_progress_then_completes_with_outputs(analysis, put_input, s3, seaweed_bucket):
    primary = put_input(b"a,b\n1,x\n2,y\n3,\n")
    events = list(analysis.RunAnalysis(request_for(primary, top_n_values=2)))
    kinds = [e.WhichOneof("event") for e in events]
    assert kinds[0] == "progress" and kinds[-1] == "completed"
    assert "agent_finished" in kinds
    percents = [e.progress.percent for e in events if e.HasField("progress")]
    assert percents == sorted(percents)
    completed = events[-1].completed
    assert [(r.agent_id, r.status) for r in completed.agent_results] == [
        ("unified-profiler", pb.AgentResult.STATUS_SUCCEEDED)
    ]
    names = {o.filename: o for o in completed.outputs}
    assert set(names) == {"profile_my_data_analysis.json", "profile_my_data_analysis.xlsx"}
    prefix = f"users/ana/tasks/{primary.object.task_id}/outputs/"
    stored = {
        o["Key"].removeprefix(prefix): o["Size"]
        for o in s3.list_objects_v2(Bucket=seaweed_bucket, Prefix=prefix)["Contents"]
    }
    # Each attempt writes its own objects (attempt 1 here).
    assert stored == {o.object.name: o.size_bytes for o in names.values()}
    assert {o.object.name for o in names.values()} == {
        "attempt-1.profile_my_data_analysis.json",
        "attempt-1.profile_my_data_analysis.xlsx",
    }
    body = s3.get_object(
        Bucket=seaweed_bucket, Key=prefix + "attempt-1.profile_my_data_analysis.json"
    )["Body"].read()
    report = json.loads(body)
    assert report["metadata"]["files"]["primary"]["name"] == "mine.csv"
    assert report["agent_results"]["unified-profiler"]["data"]["parameters"]["top_n_values"] == 2


def test_invalid_requests(analysis, put_input):
    primary = put_input(b"a\n1\n")
    request = request_for(primary)
    del request.inputs["primary"]
    error = decode_rpc_error(_error(lambda: list(analysis.RunAnalysis(request))))
    assert (error.code, error.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_REQUEST")


def test_a_replaced_input_is_refused(analysis, put_input):
    primary = put_input(b"a\n1\n")
    primary.etag = "0" * 32
    error = decode_rpc_error(_error(lambda: list(analysis.RunAnalysis(request_for(primary)))))
    assert (error.code, error.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "INPUT_CHANGED")


def test_a_ragged_csv_is_invalid(analysis, put_input):
    primary = put_input(b"a,b\n1,2\n3\n")
    error = decode_rpc_error(_error(lambda: list(analysis.RunAnalysis(request_for(primary)))))
    assert (error.code, error.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_CSV")


def test_capacity_is_enforced_and_cancel_stops_the_run(storage_server, put_input):
    settings = analysis_settings(
        storage_server.target, max_concurrent=1, read_chunk_bytes=256 * 1024
    )
    primary = put_input(big_csv(40))
    with AppThread(lambda: create_app(settings), name="analysis-1") as app:
        channel = insecure_sync_channel(app.target)
        stub = pb_grpc.AnalysisServiceStub(channel)
        call = stub.RunAnalysis(request_for(primary))
        first = next(call)
        assert first.HasField("progress")
        error = decode_rpc_error(_error(lambda: list(stub.RunAnalysis(request_for(primary)))))
        assert (error.code, error.reason) == (
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            "ANALYSIS_CAPACITY_EXHAUSTED",
        )
        cancelled_at = time.monotonic()
        call.cancel()
        # The slot frees only when the worker thread has really stopped.
        small = put_input(b"a\n1\n")
        deadline = time.monotonic() + 10
        while True:
            try:
                events = list(stub.RunAnalysis(request_for(small)))
                break
            except grpc.RpcError as exc:
                assert decode_rpc_error(exc).reason == "ANALYSIS_CAPACITY_EXHAUSTED"
                assert time.monotonic() < deadline, "the cancelled run never stopped"
                time.sleep(0.05)
        stopped_after = time.monotonic() - cancelled_at
        assert events[-1].HasField("completed")
        assert stopped_after < 3.0, f"cancelled run held its slot for {stopped_after:.1f}s"
        channel.close()


def test_shutdown_cancels_running_analyses(storage_server, put_input):
    settings = analysis_settings(
        storage_server.target, shutdown_grace_seconds=0.2, read_chunk_bytes=256 * 1024
    )
    primary = put_input(big_csv(40))
    app = AppThread(lambda: create_app(settings), name="analysis-2").start()
    channel = insecure_sync_channel(app.target)
    call = pb_grpc.AnalysisServiceStub(channel).RunAnalysis(request_for(primary))
    next(call)
    outcome = {}

    def drain():
        try:
            list(call)
            outcome["code"] = grpc.StatusCode.OK
        except grpc.RpcError as exc:
            outcome["code"] = exc.code()

    reader = threading.Thread(target=drain)
    reader.start()
    started = time.monotonic()
    app.stop()
    reader.join(10)
    assert outcome["code"] in (grpc.StatusCode.CANCELLED, grpc.StatusCode.UNAVAILABLE)
    assert time.monotonic() - started < 8
    channel.close()


def _error(action):
    with pytest.raises(grpc.RpcError) as info:
        action()
    return info.value
