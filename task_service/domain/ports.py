"""What the domain needs from the outside world. Adapters implement these;
tests can substitute in-memory fakes where a real part is not the point."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from task_service.domain.model import (
    AgentOutcome,
    OutputFile,
    Progress,
    Task,
    TaskEvent,
    TaskStatus,
)

Clock = Callable[[], datetime]
Area = Literal["inputs", "outputs"]


@dataclass(frozen=True)
class TaskObject:
    """An object of a task, as StorageService names it."""

    user_id: str
    task_id: str
    area: Area
    name: str


@dataclass(frozen=True)
class ObjectStat:
    """Metadata of a stored object."""

    key: str
    size_bytes: int
    content_type: str
    etag: str


@dataclass(frozen=True)
class SignedUrl:
    """A presigned request."""

    url: str
    method: str
    headers: Mapping[str, str]
    expires_at: datetime
    key: str


@dataclass(frozen=True)
class StoredPart:
    """One stored part of a multipart upload."""

    number: int
    size_bytes: int
    etag: str


@dataclass(frozen=True)
class Cursor:
    """Position in a newest-first listing."""

    created_at: datetime
    task_id: str


class TaskRepository(Protocol):
    """Tasks and their history. Every status change is a conditional update
    on the current status; a change that lost a race returns None."""

    def add(self, task: Task, reason: str) -> None: ...

    def get(self, task_id: str) -> Task | None: ...

    def list_for_user(
        self,
        user_id: str,
        *,
        status: TaskStatus | None,
        tool_id: str | None,
        limit: int,
        after: Cursor | None,
        offset: int = 0,
    ) -> tuple[list[Task], int]:
        """The user's tasks newest first (after ``after``, or skipping
        ``offset``), and how many match the filters in all."""
        ...

    def transition(
        self,
        task_id: str,
        *,
        allowed_from: frozenset[TaskStatus],
        to: TaskStatus,
        reason: str,
        changes: Mapping[str, Any] | None = None,
        lease_owner: str | None = None,
        expected_version: int | None = None,
    ) -> Task | None: ...

    def update_progress(self, task_id: str, *, lease_owner: str, progress: Progress) -> bool: ...

    def claim_next(self, *, owner: str, lease_until: datetime, now: datetime) -> Task | None: ...

    def renew_lease(self, task_id: str, *, owner: str, until: datetime) -> bool: ...

    def find_stale(self, *, now: datetime, started_before: datetime, limit: int) -> list[Task]: ...

    def history(self, task_id: str, after_id: int = 0) -> list[TaskEvent]: ...

    def delete(self, task_id: str) -> bool: ...

    def release_lease(self, task_id: str, *, owner: str) -> bool: ...

    def lease_states(self, task_ids: Sequence[str]) -> dict[str, tuple[TaskStatus, str | None]]: ...

    def find_abandoned(self, *, updated_before: datetime, limit: int) -> list[Task]: ...

    def find_retention_due(
        self, *, area: Area, terminal_before: datetime, limit: int
    ) -> list[Task]: ...

    def mark_deleted(self, task_id: str, *, area: Area, at: datetime) -> bool: ...


class StoragePort(Protocol):
    """StorageService, as TaskService uses it."""

    def create_upload_url(
        self, obj: TaskObject, *, content_type: str, size_bytes: int | None, expires_in: int
    ) -> SignedUrl:
        """A presigned PUT; its signature covers ``size_bytes`` when given."""
        ...

    def create_download_url(
        self, obj: TaskObject, *, expires_in: int, filename: str
    ) -> SignedUrl: ...

    def create_multipart_upload(self, obj: TaskObject, *, content_type: str) -> str:
        """Starts a multipart upload; returns its id."""
        ...

    def create_part_urls(
        self, obj: TaskObject, upload_id: str, parts: Sequence[tuple[int, int]], *, expires_in: int
    ) -> list[SignedUrl]:
        """One PUT per (part number, exact size)."""
        ...

    def list_parts(self, obj: TaskObject, upload_id: str) -> list[StoredPart] | None:
        """The stored parts, or None when the upload does not exist."""
        ...

    def complete_multipart(
        self, obj: TaskObject, upload_id: str, parts: Sequence[StoredPart]
    ) -> ObjectStat: ...

    def abort_multipart(self, obj: TaskObject, upload_id: str) -> bool:
        """Aborts; False when the upload did not exist (any more)."""
        ...

    def stat(self, obj: TaskObject) -> ObjectStat | None: ...

    def read_small(
        self, obj: TaskObject, *, max_bytes: int, if_match: str | None = None
    ) -> bytes | None: ...

    def write(self, obj: TaskObject, data: bytes, *, content_type: str) -> ObjectStat: ...

    def delete_task_objects(
        self,
        user_id: str,
        task_id: str,
        area: Area | None = None,
        *,
        keep_names: Sequence[str] = (),
        name_prefix: str = "",
    ) -> int:
        """Deletes the task's objects (in ``area`` only, when given), except
        ``keep_names``, and only names starting with ``name_prefix`` when
        it is set; returns how many were deleted."""
        ...


# --- analysis ---------------------------------------------------------------


@dataclass(frozen=True)
class AnalysisInput:
    """One verified input handed to the analysis."""

    slot: str
    object: TaskObject
    etag: str
    size_bytes: int
    original_filename: str


@dataclass(frozen=True)
class AnalysisJob:
    """Everything AnalysisService needs to run a task."""

    task_id: str
    user_id: str
    tool_id: str
    agents: tuple[str, ...]
    parameters: dict[str, dict[str, Any]]
    inputs: tuple[AnalysisInput, ...]
    attempt: int
    request_id: str | None = None


@dataclass(frozen=True)
class AnalysisProgress:
    """The analysis moved."""

    percent: int
    stage: str
    current_agent: str | None
    agents_total: int
    agents_completed: int


@dataclass(frozen=True)
class AnalysisAgentFinished:
    """One agent finished."""

    outcome: AgentOutcome


@dataclass(frozen=True)
class AnalysisCompleted:
    """The analysis finished; the last event."""

    outputs: tuple[OutputFile, ...]
    agent_results: tuple[AgentOutcome, ...]
    execution_time_ms: int


AnalysisEvent = AnalysisProgress | AnalysisAgentFinished | AnalysisCompleted


@dataclass(frozen=True)
class AnalysisFailure(Exception):
    """The analysis call failed. ``retryable`` failures (service unavailable,
    busy, cut off) put the task back in the queue; the others fail it."""

    code: str
    message: str
    retryable: bool
    details: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class AnalysisPort(Protocol):
    """AnalysisService, as the dispatcher uses it."""

    def run(self, job: AnalysisJob) -> AsyncIterator[AnalysisEvent]: ...
