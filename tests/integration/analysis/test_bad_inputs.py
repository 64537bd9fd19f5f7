"""The bad-file corpus through the real AnalysisService and StorageService
(SeaweedFS): each bad file fails its analysis with its precise code while a
good analysis running at the same time completes, nothing is written for
the failed ones, and the service keeps serving."""

from __future__ import annotations

import io
import threading
import uuid
from pathlib import Path, PurePosixPath

import grpc
import openpyxl
import pytest
from google.protobuf import struct_pb2

from analysis_service.server import create_app
from dataquality.analysis.v1 import analysis_service_pb2 as pb
from dataquality.analysis.v1 import analysis_service_pb2_grpc as pb_grpc
from dataquality.storage.v1 import storage_service_pb2 as storage_pb
from dqcommon.errors import decode_rpc_error
from dqcommon.grpc_server import insecure_sync_channel
from tests.support.app_thread import AppThread
from tests.support.bad_files import CORPUS
from tests.support.services import analysis_settings

pytestmark = pytest.mark.integration


@pytest.fixture
def put(s3, seaweed_bucket):
    def store(data: bytes, filename: str) -> pb.InputFile:
        task_id = str(uuid.uuid4())
        name = "primary" + (PurePosixPath(filename).suffix.lower() or ".csv")
        key = f"users/ana/tasks/{task_id}/inputs/{name}"
        etag = s3.put_object(Bucket=seaweed_bucket, Key=key, Body=data)["ETag"].strip('"')
        return pb.InputFile(
            object=storage_pb.ObjectRef(
                user_id="ana", task_id=task_id, area=storage_pb.ObjectRef.AREA_INPUTS, name=name
            ),
            etag=etag,
            size_bytes=len(data),
            original_filename=filename,
        )

    return store


def request(item: pb.InputFile, **files: dict[str, str]) -> pb.RunAnalysisRequest:
    parameters = struct_pb2.Struct()
    parameters.update({"unified-profiler": {}, **({"files": files} if files else {})})
    return pb.RunAnalysisRequest(
        task_id=item.object.task_id,
        user_id="ana",
        tool_id="profile-my-data",
        agents=["unified-profiler"],
        parameters=parameters,
        inputs={"primary": item},
        attempt=1,
    )


def outputs(s3, bucket: str, task_id: str) -> list[str]:
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"users/ana/tasks/{task_id}/outputs/")
    return [o["Key"] for o in listed.get("Contents", [])]


@pytest.mark.timeout(300)
def test_bad_files_fail_precisely_while_a_good_analysis_completes(
    storage_server, put, s3, seaweed_bucket, tmp_path: Path
):
    settings = analysis_settings(
        storage_server.target, max_concurrent=3, read_chunk_bytes=256 * 1024, work_dir=tmp_path
    )
    line = b"1234567,some text value,3.14159,2024-01-01,true\n"
    good = put(b"id,text,number,day,flag\n" + line * (12 * 1024 * 1024 // len(line)), "big.csv")
    with AppThread(lambda: create_app(settings), name="analysis-bad-inputs") as app:
        channel = insecure_sync_channel(app.target)
        stub = pb_grpc.AnalysisServiceStub(channel)
        good_events: list[pb.RunAnalysisResponse] = []
        runner = threading.Thread(
            target=lambda: good_events.extend(stub.RunAnalysis(request(good), timeout=240))
        )
        runner.start()
        outcomes: dict[str, tuple[str, str, dict[str, str]]] = {}
        for bad in CORPUS:
            item = put(bad.make(), bad.filename)
            try:
                events = list(stub.RunAnalysis(request(item), timeout=120))
            except grpc.RpcError as exc:
                error = decode_rpc_error(exc)
                assert error.code == grpc.StatusCode.INVALID_ARGUMENT, (bad.key, error)
                outcomes[bad.key] = (error.reason, error.message, dict(error.metadata))
                assert outputs(s3, seaweed_bucket, item.object.task_id) == []
            else:
                assert events[-1].HasField("completed"), bad.key
                outcomes[bad.key] = ("", "", {})
        runner.join(240)
        for bad in CORPUS:
            code, message, metadata = outcomes[bad.key]
            assert code == bad.code, (bad.key, code, message)
            if code:
                assert bad.message in message, (bad.key, message)
                assert message.startswith(f"The primary file '{bad.filename}' cannot be analysed")
                assert metadata["slot"] == "primary"
        assert outcomes["100k-columns"][2]["columns"] == "100000"
        assert good_events and good_events[-1].HasField("completed")
        assert app.app.capacity.peak >= 2  # type: ignore[union-attr]  # ran side by side
        assert len(outputs(s3, seaweed_bucket, good.object.task_id)) == 2
        # still serving, and nothing left behind in its work directory
        small = put(b"a,b\n1,2\n", "small.csv")
        assert list(stub.RunAnalysis(request(small)))[-1].HasField("completed")
        assert list(tmp_path.iterdir()) == []
        channel.close()


def test_a_named_sheet_is_read_and_a_missing_one_is_refused(analysis_server, put):
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["just a note"])
    sales = book.create_sheet("Sales")
    sales.append(["region", "amount"])
    sales.append(["north", 10.5])
    out = io.BytesIO()
    book.save(out)
    item = put(out.getvalue(), "report.xlsx")
    channel = insecure_sync_channel(analysis_server.target)
    stub = pb_grpc.AnalysisServiceStub(channel)
    events = list(stub.RunAnalysis(request(item, primary={"sheet": "Sales"})))
    assert events[-1].HasField("completed")
    with pytest.raises(grpc.RpcError) as caught:
        list(stub.RunAnalysis(request(item, primary={"sheet": "Costs"})))
    error = decode_rpc_error(caught.value)
    assert error.reason == "SHEET_NOT_FOUND" and "'Notes', 'Sales'" in error.message
    channel.close()
