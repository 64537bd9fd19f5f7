"""The TaskService servicer: reads the caller's identity, translates
protobuf to the use cases' arguments and their results back. No logic."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc
from google.api import httpbody_pb2

from dataquality.task.v1 import task_service_pb2 as pb
from dataquality.task.v1 import task_service_pb2_grpc as pb_grpc
from dqcommon.logging import current_request_id, log_context
from dqcommon.protobuf import struct_to_python
from task_service.domain.service import TaskUseCases, UploadRequest, check_user_id
from task_service.domain.watch import watch_task
from task_service.mapping import (
    catalog_to_proto,
    status_from_proto,
    status_to_proto,
    task_to_proto,
    timestamp,
    transition_to_proto,
)

USER_ID_HEADER = "x-user-id"
T = TypeVar("T")


@dataclass(frozen=True)
class WatchPolicy:
    """How WatchTask streams behave (from settings)."""

    poll_interval_seconds: float = 0.5
    heartbeat_seconds: float = 15.0


def _user_id(context: grpc.aio.ServicerContext) -> str:
    """The caller's identity from metadata (the gateway forwards the header;
    a later version verifies a JWT in the gateway and sets it)."""
    value = None
    for key, item in context.invocation_metadata() or ():
        if key == USER_ID_HEADER:
            value = item.decode() if isinstance(item, bytes) else item
    return check_user_id(value.strip() if value else None)


class TaskServicer(pb_grpc.TaskServiceServicer):
    """Thin translation layer over :class:`TaskUseCases`."""

    def __init__(self, use_cases: TaskUseCases, watch_policy: WatchPolicy | None = None) -> None:
        self._uc = use_cases
        self._watch = watch_policy or WatchPolicy()

    @staticmethod
    async def _call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        # Use cases block on the database and StorageService: keep them off
        # the event loop (the request id context travels with to_thread).
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def ListTools(
        self, request: pb.ListToolsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListToolsResponse:
        _user_id(context)
        return pb.ListToolsResponse(tools=catalog_to_proto(self._uc.list_tools()))

    async def CreateTask(
        self, request: pb.CreateTaskRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        user = _user_id(context)
        parameters = struct_to_python(request.parameters) if request.HasField("parameters") else {}
        task = await self._call(
            self._uc.create_task, user, request.tool_id.strip(), list(request.agents), parameters
        )
        return task_to_proto(task)

    async def GenerateUploadUrls(
        self, request: pb.GenerateUploadUrlsRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        user = _user_id(context)
        with log_context(task_id=request.task_id):
            files = {
                slot: UploadRequest(
                    filename=f.filename, content_type=f.content_type, size_bytes=f.size_bytes
                )
                for slot, f in request.files.items()
            }
            task, grants = await self._call(
                self._uc.generate_upload_urls, user, request.task_id, files
            )
        return pb.GenerateUploadUrlsResponse(
            task_id=task.task_id,
            status=status_to_proto(task.status),
            uploads={
                g.slot: pb.UploadTarget(
                    url=g.signed.url,
                    key=g.signed.key,
                    method=g.signed.method,
                    headers=dict(g.signed.headers),
                    expires_at=timestamp(g.signed.expires_at),
                )
                for g in grants
            },
            expires_in_seconds=self._uc.policy.upload_url_ttl_seconds,
        )

    async def ProcessTask(
        self, request: pb.ProcessTaskRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        user = _user_id(context)
        with log_context(task_id=request.task_id):
            task = await self._call(
                self._uc.process_task, user, request.task_id, current_request_id()
            )
        return task_to_proto(task)

    async def GetTask(self, request: pb.GetTaskRequest, context: grpc.aio.ServicerContext) -> Any:
        user = _user_id(context)
        task = await self._call(self._uc.get_task, user, request.task_id)
        history = await self._call(self._uc.history, task)
        return task_to_proto(task, history)

    async def ListTasks(
        self, request: pb.ListTasksRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListTasksResponse:
        user = _user_id(context)
        page = await self._call(
            self._uc.list_tasks,
            user,
            status=status_from_proto(request.status),
            tool_id=request.tool_id.strip() or None,
            page_size=request.page_size,
            page_token=request.page_token,
        )
        return pb.ListTasksResponse(
            tasks=[task_to_proto(t) for t in page.tasks],
            next_page_token=page.next_page_token,
            total_size=page.total_size,
        )

    async def GetTaskDownloads(
        self, request: pb.GetTaskDownloadsRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetTaskDownloadsResponse:
        user = _user_id(context)
        links, ttl = await self._call(self._uc.downloads, user, request.task_id)
        return pb.GetTaskDownloadsResponse(
            task_id=request.task_id,
            downloads=[
                pb.Download(
                    download_id=link.download_id,
                    filename=link.output.filename,
                    type=link.output.type,
                    format=link.output.format,
                    mime_type=link.output.mime_type,
                    size_bytes=link.output.size_bytes,
                    url=link.signed.url,
                    expires_at=timestamp(link.signed.expires_at),
                    description=link.output.description,
                )
                for link in links
            ],
            expires_in_seconds=ttl,
        )

    async def GetTaskReport(
        self, request: pb.GetTaskReportRequest, context: grpc.aio.ServicerContext
    ) -> httpbody_pb2.HttpBody:
        user = _user_id(context)
        data = await self._call(self._uc.report, user, request.task_id)
        return httpbody_pb2.HttpBody(content_type="application/json", data=data)

    async def CancelTask(
        self, request: pb.CancelTaskRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        user = _user_id(context)
        with log_context(task_id=request.task_id):
            task = await self._call(self._uc.cancel_task, user, request.task_id)
        return task_to_proto(task)

    async def DeleteTask(
        self, request: pb.DeleteTaskRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteTaskResponse:
        user = _user_id(context)
        with log_context(task_id=request.task_id):
            deleted = await self._call(self._uc.delete_task, user, request.task_id)
        return pb.DeleteTaskResponse(
            task_id=request.task_id,
            files_deleted=deleted,
            message=f"Task {request.task_id} and {deleted} file(s) were deleted.",
        )

    async def WatchTask(
        self, request: pb.WatchTaskRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.TaskEvent]:
        user = _user_id(context)

        async def load() -> Any:
            return await self._call(self._uc.get_task, user, request.task_id)

        async def transitions(task: Any, after_id: int) -> Any:
            return await self._call(self._uc.history, task, after_id)

        sequence = 0
        async for event in watch_task(
            load,
            transitions,
            poll_interval=self._watch.poll_interval_seconds,
            heartbeat_interval=self._watch.heartbeat_seconds,
        ):
            sequence += 1
            message = pb.TaskEvent(
                type=pb.TaskEvent.Type.Value(f"TYPE_{event.type.value}"),
                terminal=event.terminal,
                sequence=sequence,
            )
            if event.task is not None:
                message.task.CopyFrom(task_to_proto(event.task))
            if event.transition is not None:
                message.transition.CopyFrom(transition_to_proto(event.transition))
            if event.error_code:
                message.error.code = event.error_code
                message.error.message = event.error_message
            yield message
