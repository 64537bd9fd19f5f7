"""Fixtures for the StorageService integration tests: the session SeaweedFS,
the service running in-process on port 0, and a sync stub to call it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest

from dataquality.storage.v1 import storage_service_pb2 as pb
from dataquality.storage.v1 import storage_service_pb2_grpc as pb_grpc
from devstack.seaweed import SeaweedFS
from dqcommon.grpc_server import insecure_sync_channel
from storage_service.config import MIB, StorageSettings
from storage_service.server import create_app
from tests.support.app_thread import AppThread

PART_BYTES = 5 * MIB


def settings_for(weed: SeaweedFS, bucket: str, **overrides: Any) -> StorageSettings:
    """Settings of a StorageService on port 0 that uses ``weed``'s ``bucket``."""
    values: dict[str, Any] = {
        "grpc_address": "127.0.0.1:0",
        "endpoint_url": weed.endpoint_url,
        "access_key_id": weed.access_key,
        "secret_access_key": weed.secret_key,
        "region": weed.region,
        "bucket": bucket,
        "multipart_part_bytes": PART_BYTES,
        "s3_max_attempts": 1,
        "s3_connect_timeout_seconds": 1.0,
        "readiness_interval_seconds": 0.2,
        "shutdown_grace_seconds": 1.0,
        **overrides,
    }
    return StorageSettings(**values)


@pytest.fixture(scope="session")
def storage_settings(seaweedfs: SeaweedFS, seaweed_bucket: str) -> StorageSettings:
    return settings_for(seaweedfs, seaweed_bucket)


@pytest.fixture(scope="session")
def storage_server(storage_settings: StorageSettings) -> Iterator[AppThread]:
    with AppThread(lambda: create_app(storage_settings), name="storage-service") as app:
        yield app


@pytest.fixture(scope="session")
def storage_channel(storage_server: AppThread) -> Iterator[grpc.Channel]:
    channel = insecure_sync_channel(storage_server.target)
    try:
        yield channel
    finally:
        channel.close()


@pytest.fixture(scope="session")
def storage(storage_channel: grpc.Channel) -> pb_grpc.StorageServiceStub:
    """Sync stub of the in-process StorageService."""
    return pb_grpc.StorageServiceStub(storage_channel)


@pytest.fixture(scope="session")
def s3(seaweedfs: SeaweedFS) -> Any:
    """A boto3 client on the session SeaweedFS, for setup and assertions."""
    return seaweedfs.client()


@dataclass(frozen=True)
class TaskFiles:
    """A fresh user and task, so tests never see each other's objects."""

    user_id: str
    task_id: str
    bucket: str

    def ref(self, name: str = "primary.csv", area: int = pb.ObjectRef.AREA_INPUTS) -> pb.ObjectRef:
        return pb.ObjectRef(user_id=self.user_id, task_id=self.task_id, area=area, name=name)

    def key(self, name: str = "primary.csv", area: str = "inputs") -> str:
        return f"users/{self.user_id}/tasks/{self.task_id}/{area}/{name}"


@pytest.fixture
def task(seaweed_bucket: str) -> TaskFiles:
    return TaskFiles(
        user_id=f"user-{uuid.uuid4().hex[:8]}", task_id=str(uuid.uuid4()), bucket=seaweed_bucket
    )
