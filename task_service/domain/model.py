"""The task entity and its state machine."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class TaskStatus(enum.StrEnum):
    """Lifecycle status; the names are the API's status strings."""

    CREATED = "CREATED"
    UPLOADING = "UPLOADING"
    UPLOAD_FAILED = "UPLOAD_FAILED"
    QUEUED = "QUEUED"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL


TERMINAL = frozenset(
    {TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED, TaskStatus.EXPIRED}
)

#: Statuses of a task nobody finished uploading; they expire when idle.
ABANDONABLE = frozenset({TaskStatus.CREATED, TaskStatus.UPLOADING, TaskStatus.UPLOAD_FAILED})

S = TaskStatus
#: Every allowed transition. The database enforces it: each change is a
#: conditional update on the current status, so of two racing requests only
#: one can win.
TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    S.CREATED: frozenset({S.UPLOADING, S.CANCELLED, S.EXPIRED}),
    # Fresh URLs may be requested again while uploading (they expire).
    S.UPLOADING: frozenset({S.UPLOADING, S.UPLOAD_FAILED, S.QUEUED, S.CANCELLED, S.EXPIRED}),
    S.UPLOAD_FAILED: frozenset({S.UPLOADING, S.UPLOAD_FAILED, S.QUEUED, S.CANCELLED, S.EXPIRED}),
    S.QUEUED: frozenset({S.PROCESSING, S.FAILED, S.CANCELLED}),
    # PROCESSING -> QUEUED hands a task back (worker lost, service shutting
    # down, retry after a transient failure).
    S.PROCESSING: frozenset({S.COMPLETED, S.FAILED, S.CANCELLED, S.QUEUED}),
    S.COMPLETED: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
    S.EXPIRED: frozenset(),
}


def sources_of(
    target: TaskStatus, among: frozenset[TaskStatus] | None = None
) -> frozenset[TaskStatus]:
    """Statuses from which ``target`` may be reached (optionally within ``among``)."""
    found = frozenset(s for s, targets in TRANSITIONS.items() if target in targets)
    return found & among if among is not None else found


def can_transition(source: TaskStatus, target: TaskStatus) -> bool:
    return target in TRANSITIONS[source]


#: The stage name and progress a status starts with. The scale is the
#: frontend's: 0 until processing, 15 once queued or taken by a worker,
#: 15-95 while the agents run, 100 when completed (README "Progress").
STAGE_OF: dict[TaskStatus, tuple[str, int]] = {
    S.CREATED: ("created", 0),
    S.UPLOADING: ("uploading", 0),
    S.UPLOAD_FAILED: ("upload_failed", 0),
    S.QUEUED: ("queued", 15),
    S.PROCESSING: ("starting", 15),
    S.COMPLETED: ("completed", 100),
    S.FAILED: ("failed", 0),
    S.CANCELLED: ("cancelled", 0),
    S.EXPIRED: ("expired", 0),
}

#: Progress when an analysis starts and the most it shows before completion:
#: the analysis' own 0-100 maps onto [PROCESSING_BASE, PROCESSING_END].
PROCESSING_BASE = 15
PROCESSING_END = 95


def task_progress(analysis_percent: int) -> int:
    """Maps an analysis' percent (0-100) to the task's progress (15-95),
    as the frontend's 15 + 80*k/n for agent k of n."""
    clamped = max(0, min(100, analysis_percent))
    return PROCESSING_BASE + (clamped * (PROCESSING_END - PROCESSING_BASE)) // 100


@dataclass(frozen=True)
class InputFile:
    """One declared input file."""

    slot: str
    filename: str
    content_type: str
    size_bytes: int
    object_name: str
    key: str = ""
    etag: str = ""
    # A multipart upload in progress (empty once completed or dropped).
    upload_id: str = ""
    part_bytes: int = 0

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "filename": self.filename,
            "content_type": self.content_type,
            "size_bytes": self.size_bytes,
            "object_name": self.object_name,
            "key": self.key,
            "etag": self.etag,
        }
        if self.upload_id:
            data["upload_id"] = self.upload_id
            data["part_bytes"] = self.part_bytes
        return data

    @classmethod
    def from_json(cls, slot: str, data: dict[str, Any]) -> InputFile:
        return cls(
            slot=slot,
            filename=str(data.get("filename", "")),
            content_type=str(data.get("content_type", "")),
            size_bytes=int(data.get("size_bytes", 0)),
            object_name=str(data.get("object_name", "")),
            key=str(data.get("key", "")),
            etag=str(data.get("etag", "")),
            upload_id=str(data.get("upload_id", "")),
            part_bytes=int(data.get("part_bytes", 0)),
        )


@dataclass(frozen=True)
class OutputFile:
    """One file the analysis wrote to the task's outputs."""

    object_name: str
    filename: str
    type: str
    format: str
    mime_type: str
    size_bytes: int
    description: str = ""

    def to_json(self) -> dict[str, Any]:
        return dict(vars(self))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OutputFile:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass(frozen=True)
class AgentOutcome:
    """How one agent ended."""

    agent_id: str
    status: str  # SUCCEEDED | FAILED | SKIPPED
    error_code: str = ""
    error_message: str = ""
    execution_time_ms: int = 0

    def to_json(self) -> dict[str, Any]:
        return dict(vars(self))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AgentOutcome:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass(frozen=True)
class Progress:
    """Progress of a task."""

    percent: int = 0
    stage: str = "created"
    current_agent: str | None = None
    agents_total: int = 0
    agents_completed: int = 0


@dataclass(frozen=True)
class Task:
    """A task as the domain sees it (a snapshot of its row)."""

    task_id: str
    user_id: str
    tool_id: str
    agents: tuple[str, ...]
    status: TaskStatus
    created_at: datetime
    updated_at: datetime
    progress: Progress = field(default_factory=Progress)
    error_code: str | None = None
    error_message: str | None = None
    files: dict[str, InputFile] = field(default_factory=dict)
    outputs: tuple[OutputFile, ...] = ()
    agent_results: tuple[AgentOutcome, ...] = ()
    execution_time_ms: int | None = None
    attempt: int = 0
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    attempt_started_at: datetime | None = None
    available_at: datetime | None = None
    request_id: str | None = None
    upload_started_at: datetime | None = None
    queued_at: datetime | None = None
    processing_started_at: datetime | None = None
    completed_at: datetime | None = None
    failed_at: datetime | None = None
    cancelled_at: datetime | None = None
    expired_at: datetime | None = None
    terminal_at: datetime | None = None
    inputs_deleted_at: datetime | None = None
    outputs_deleted_at: datetime | None = None
    version: int = 1


@dataclass(frozen=True)
class TaskEvent:
    """One recorded transition (the task's history)."""

    task_id: str
    from_status: TaskStatus | None
    to_status: TaskStatus
    at: datetime
    reason: str
    attempt: int = 0
    error_code: str | None = None
    event_id: int = 0
