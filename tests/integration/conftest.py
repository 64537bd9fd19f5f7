"""In-process services shared by the integration tests: StorageService and
AnalysisService once per session (on the session SeaweedFS), TaskService
per test on a fresh database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc
import pytest

from analysis_service.server import create_app as create_analysis
from dataquality.storage.v1 import storage_service_pb2_grpc as storage_grpc
from dataquality.task.v1 import task_service_pb2_grpc as task_grpc
from devstack.seaweed import SeaweedFS
from dqcommon.grpc_server import insecure_sync_channel
from storage_service.config import StorageSettings
from storage_service.server import create_app as create_storage
from task_service.server import create_app as create_task
from tests.support.app_thread import AppThread
from tests.support.services import analysis_settings, settings_for, task_settings


@pytest.fixture(scope="session")
def storage_settings(seaweedfs: SeaweedFS, seaweed_bucket: str) -> StorageSettings:
    return settings_for(seaweedfs, seaweed_bucket)


@pytest.fixture(scope="session")
def storage_server(storage_settings: StorageSettings) -> Iterator[AppThread]:
    with AppThread(lambda: create_storage(storage_settings), name="storage-service") as app:
        yield app


@pytest.fixture(scope="session")
def storage_channel(storage_server: AppThread) -> Iterator[grpc.Channel]:
    channel = insecure_sync_channel(storage_server.target)
    try:
        yield channel
    finally:
        channel.close()


@pytest.fixture(scope="session")
def storage(storage_channel: grpc.Channel) -> storage_grpc.StorageServiceStub:
    """Sync stub of the in-process StorageService."""
    return storage_grpc.StorageServiceStub(storage_channel)


@pytest.fixture(scope="session")
def s3(seaweedfs: SeaweedFS) -> Any:
    """A boto3 client on the session SeaweedFS, for setup and assertions."""
    return seaweedfs.client()


@pytest.fixture(scope="session")
def analysis_server(storage_server: AppThread) -> Iterator[AppThread]:
    settings = analysis_settings(storage_server.target, max_concurrent=4)
    with AppThread(lambda: create_analysis(settings), name="analysis-service") as app:
        yield app


@pytest.fixture
def task_server(
    request: pytest.FixtureRequest,
    db_url: str,
    storage_server: AppThread,
    analysis_server: AppThread,
) -> Iterator[AppThread]:
    """TaskService on a fresh database, once per backend. A test can change
    its settings with ``@pytest.mark.task_settings(name=value, ...)``."""
    marker = request.node.get_closest_marker("task_settings")
    overrides = marker.kwargs if marker else {}
    settings = task_settings(db_url, storage_server.target, analysis_server.target, **overrides)
    with AppThread(lambda: create_task(settings), name="task-service") as app:
        yield app


@pytest.fixture
def tasks(task_server: AppThread) -> Iterator[task_grpc.TaskServiceStub]:
    """Sync stub of the in-process TaskService."""
    channel = insecure_sync_channel(task_server.target)
    try:
        yield task_grpc.TaskServiceStub(channel)
    finally:
        channel.close()
