"""Fixtures for the StorageService integration tests (the service itself
comes from tests/integration/conftest.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from dataquality.storage.v1 import storage_service_pb2 as pb


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
