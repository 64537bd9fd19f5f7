"""The service around the RPCs: health, reflection, and behaviour while the
object store is down."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from dataquality.storage.v1 import storage_service_pb2 as pb
from dataquality.storage.v1 import storage_service_pb2_grpc as pb_grpc
from devstack.ports import free_ports
from devstack.seaweed import SeaweedFS
from dqcommon.errors import decode_rpc_error
from dqcommon.grpc_server import insecure_sync_channel
from storage_service.config import StorageSettings
from storage_service.server import SERVICE_NAME, create_app
from tests.integration.storage.conftest import TaskFiles
from tests.support.app_thread import AppThread
from tests.support.seaweed_fixture import start_seaweedfs, unique_bucket_name
from tests.support.services import settings_for

pytestmark = pytest.mark.integration

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def _health(channel: grpc.Channel, service: str = SERVICE_NAME) -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    return stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5).status


def _wait_for_health(channel: grpc.Channel, status: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while _health(channel) != status:
        assert time.monotonic() < deadline, f"health never became {status}"
        time.sleep(0.05)


def _grpcurl() -> str:
    return shutil.which("grpcurl") or str(Path(sys.executable).parent / "grpcurl")


def test_service_name_matches_the_proto() -> None:
    assert SERVICE_NAME == "dataquality.storage.v1.StorageService"


def test_health_is_serving(storage_channel: grpc.Channel) -> None:
    assert _health(storage_channel) == SERVING
    assert _health(storage_channel, "") == SERVING


def test_reflection_lists_the_service(storage_server: AppThread) -> None:
    listed = subprocess.run(
        [_grpcurl(), "-plaintext", storage_server.target, "list"],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    services = listed.stdout.split()
    assert SERVICE_NAME in services
    assert "grpc.health.v1.Health" in services
    described = subprocess.run(
        [_grpcurl(), "-plaintext", storage_server.target, "describe", SERVICE_NAME],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    assert "rpc WriteObject ( stream .dataquality.storage.v1.WriteObjectRequest )" in (
        described.stdout
    )


def _assert_unavailable(stub: pb_grpc.StorageServiceStub, task: TaskFiles) -> None:
    calls = [
        (stub.GetObjectInfo, pb.GetObjectInfoRequest(object=task.ref())),
        (stub.ListObjects, pb.ListObjectsRequest(user_id=task.user_id, task_id=task.task_id)),
        (stub.DeleteObjects, pb.DeleteObjectsRequest(user_id=task.user_id, task_id=task.task_id)),
    ]
    for method, request in calls:
        with pytest.raises(grpc.RpcError) as exc:
            method(request, timeout=10)
        error = decode_rpc_error(exc.value)
        assert error.code is grpc.StatusCode.UNAVAILABLE
        assert error.reason == "STORAGE_UNAVAILABLE"
        # No botocore text, host or port in what the caller sees.
        assert "127.0.0.1" not in error.message
        assert "Error" not in error.message
    with pytest.raises(grpc.RpcError) as exc:
        list(stub.ReadObject(pb.ReadObjectRequest(object=task.ref()), timeout=10))
    assert decode_rpc_error(exc.value).reason == "STORAGE_UNAVAILABLE"


@pytest.fixture
def dedicated_weed(tmp_path: Path) -> Iterator[SeaweedFS]:
    """A second SeaweedFS this test may stop (beside the session one)."""
    weed = start_seaweedfs(tmp_path / "weed")
    try:
        yield weed
    finally:
        weed.stop()


def test_storage_outage_and_recovery(dedicated_weed: SeaweedFS, task: TaskFiles) -> None:
    bucket = unique_bucket_name("dq-outage")
    settings = settings_for(dedicated_weed, bucket, create_bucket=True)
    with AppThread(lambda: create_app(settings), name="storage-outage") as app:
        channel = insecure_sync_channel(app.target)
        stub = pb_grpc.StorageServiceStub(channel)
        try:
            assert _health(channel) == SERVING
            ref = task.ref()
            spec = pb.WriteObjectRequest(spec=pb.WriteObjectSpec(object=ref))
            stub.WriteObject(iter([spec, pb.WriteObjectRequest(data=b"kept")]))

            dedicated_weed.kill()
            _wait_for_health(channel, NOT_SERVING)
            _assert_unavailable(stub, task)
            # Presigning needs no store: upload URLs are still handed out.
            stub.CreateUploadUrl(pb.CreateUploadUrlRequest(
                object=ref, content_type="text/csv", content_length=1, expires_in_seconds=60
            ))  # fmt: skip

            dedicated_weed.restart()
            _wait_for_health(channel, SERVING)
            info = stub.GetObjectInfo(pb.GetObjectInfoRequest(object=ref))
            assert info.size_bytes == 4  # survived the SIGKILL
        finally:
            channel.close()


def test_store_down_from_the_start(task: TaskFiles) -> None:
    (closed_port,) = free_ports(1)
    settings = StorageSettings(
        grpc_address="127.0.0.1:0", endpoint_url=f"http://127.0.0.1:{closed_port}",
        access_key_id="nobody", secret_access_key="nothing", bucket="dq-nowhere",
        s3_max_attempts=1, s3_connect_timeout_seconds=1.0, readiness_interval_seconds=0.2,
        shutdown_grace_seconds=0.5,
    )  # fmt: skip
    with AppThread(lambda: create_app(settings), name="storage-down") as app:
        channel = insecure_sync_channel(app.target)
        try:
            assert _health(channel) == NOT_SERVING
            _assert_unavailable(pb_grpc.StorageServiceStub(channel), task)
        finally:
            channel.close()


def test_wrong_credentials_are_unavailable_not_internal(
    seaweedfs: SeaweedFS, seaweed_bucket: str, task: TaskFiles
) -> None:
    settings = settings_for(seaweedfs, seaweed_bucket, secret_access_key="wrong-secret")
    with AppThread(lambda: create_app(settings), name="storage-bad-keys") as app:
        channel = insecure_sync_channel(app.target)
        try:
            assert _health(channel) == NOT_SERVING
            _assert_unavailable(pb_grpc.StorageServiceStub(channel), task)
        finally:
            channel.close()
