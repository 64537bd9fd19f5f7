"""Translation between the domain and protobuf messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from google.protobuf import struct_pb2, timestamp_pb2

from dataquality.task.v1 import task_pb2
from dataquality.task.v1 import task_service_pb2 as pb
from task_service.domain.model import Task, TaskEvent, TaskStatus
from task_service.domain.paging import TaskPage
from task_service.domain.service import DownloadLink
from task_service.presentation.files import download_id, download_type, mime_type, output_kind
from task_service.presentation.times import db_time


def timestamp(value: datetime | None) -> timestamp_pb2.Timestamp | None:
    if value is None:
        return None
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(value)
    return ts


def null() -> struct_pb2.Value:
    return struct_pb2.Value(null_value=struct_pb2.NULL_VALUE)


def text_or_null(value: str | None) -> struct_pb2.Value:
    return null() if value is None else struct_pb2.Value(string_value=value)


def time_or_null(value: datetime | None) -> struct_pb2.Value:
    return null() if value is None else struct_pb2.Value(string_value=db_time(value))


def number_or_null(value: int | None) -> struct_pb2.Value:
    return null() if value is None else struct_pb2.Value(number_value=value)


def status_to_proto(status: TaskStatus) -> task_pb2.Task.Status.ValueType:
    return task_pb2.Task.Status.Value(status.value)


def transition_to_proto(event: TaskEvent) -> task_pb2.TaskTransition:
    transition = task_pb2.TaskTransition(
        to_status=status_to_proto(event.to_status),
        reason=event.reason,
        attempt=event.attempt,
        error_code=event.error_code or "",
    )
    if event.from_status is not None:
        transition.from_status = status_to_proto(event.from_status)
    transition.at.FromDatetime(event.at)
    return transition


def task_to_proto(
    task: Task, history: Sequence[TaskEvent] = (), message: str | None = None
) -> task_pb2.Task:
    """The Task message: every contract field set (null where unset)."""
    completed = task.status is TaskStatus.COMPLETED
    return task_pb2.Task(
        task_id=task.task_id,
        status=status_to_proto(task.status),
        tool_id=task.tool_id,
        agents=list(task.agents),
        progress=task.progress.percent,
        created_at=db_time(task.created_at),
        upload_started_at=time_or_null(task.upload_started_at),
        processing_started_at=time_or_null(task.processing_started_at),
        completed_at=time_or_null(task.completed_at),
        failed_at=time_or_null(task.failed_at),
        downloads_available=completed and bool(task.outputs) and task.outputs_deleted_at is None,
        execution_time_ms=number_or_null(task.execution_time_ms),
        error_code=text_or_null(task.error_code or None),
        error_message=text_or_null(task.error_message or None),
        message=text_or_null(message),
        user_id=task.user_id,
        progress_detail=task_pb2.ProgressDetail(
            current_stage=task.progress.stage,
            current_agent=task.progress.current_agent or "",
            agents_total=task.progress.agents_total,
            agents_completed=task.progress.agents_completed,
        ),
        cancelled_at=time_or_null(task.cancelled_at),
        expired_at=time_or_null(task.expired_at),
        updated_at=db_time(task.updated_at),
        inputs_deleted_at=time_or_null(task.inputs_deleted_at),
        outputs_deleted_at=time_or_null(task.outputs_deleted_at),
        files={
            slot: task_pb2.TaskFile(
                filename=f.filename,
                content_type=f.content_type,
                size_bytes=f.size_bytes,
                key=f.key,
            )
            for slot, f in task.files.items()
        },
        agent_results=[
            task_pb2.AgentOutcome(
                agent_id=a.agent_id,
                status=a.status,
                error_code=a.error_code,
                error_message=a.error_message,
                execution_time_ms=a.execution_time_ms,
            )
            for a in task.agent_results
        ],
        attempt=task.attempt,
        history=[transition_to_proto(event) for event in history],
    )


def page_to_proto(page: TaskPage) -> pb.ListTasksResponse:
    return pb.ListTasksResponse(
        tasks=[task_to_proto(t) for t in page.tasks],
        pagination=pb.Pagination(
            total=page.total, limit=page.limit, offset=page.offset, has_more=page.has_more
        ),
        next_page_token=page.next_page_token,
    )


def download_to_proto(link: DownloadLink) -> pb.Download:
    name = link.output.filename
    return pb.Download(
        download_id=download_id(name),
        filename=name,
        type=download_type(name),
        mime_type=mime_type(name),
        size_bytes=link.output.size_bytes,
        url=link.signed.url,
        expires_at=timestamp(link.signed.expires_at),
        format=link.output.format,
        description=link.output.description,
        kind=output_kind(link.output.type, name),
    )
