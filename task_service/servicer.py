"""The TaskService servicer: reads the caller's identity, translates
protobuf to the use cases' arguments and their results back. No logic."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc
from google.api import httpbody_pb2

from dataquality.task.v1 import task_pb2
from dataquality.task.v1 import task_service_pb2 as pb
from dataquality.task.v1 import task_service_pb2_grpc as pb_grpc
from dqcommon.logging import current_request_id, log_context
from dqcommon.protobuf import struct_to_python
from task_service.domain import scope
from task_service.domain.identity import check_user_id
from task_service.domain.model import TaskStatus
from task_service.domain.requests import UploadRequest
from task_service.domain.service import TaskUseCases, UploadGrant
from task_service.domain.uploads import MultipartGrant
from task_service.domain.watch import watch_task
from task_service.mapping import (
    download_to_proto,
    page_to_proto,
    status_to_proto,
    task_to_proto,
    timestamp,
    transition_to_proto,
)
from task_service.presentation import report_json, tools_json
from task_service.presentation.rest_errors import HTTP_STATUS_HEADER

#: Metadata that carries the caller's verified subject (set by the gateway).
USER_ID_HEADER = "x-user-id"
JSON = "application/json"
T = TypeVar("T")

CREATED_MESSAGE = "Task created. Request upload URLs to proceed."
UPLOAD_MESSAGE = (
    "Upload files directly to the provided URLs using PUT method. "
    "Include parameters.json if needed."
)
PROCESSING_MESSAGE = "Processing started. Track progress from the Tasks page."
QUEUED_MESSAGE = (
    "Task queued for processing: every analysis worker is busy; it starts as soon as one "
    "is free. Track progress from the Tasks page."
)
CANCELLED_MESSAGE = "Task cancelled successfully"
DELETED_MESSAGE = "Task and associated files deleted"


@dataclass(frozen=True)
class WatchPolicy:
    """How WatchTask streams behave (from settings)."""

    poll_interval_seconds: float = 0.5
    heartbeat_seconds: float = 15.0


def _user_id(context: grpc.aio.ServicerContext) -> str:
    """The caller's verified subject from metadata (the gateway sets it from
    the token it verified and drops any value a client sent)."""
    value = None
    for key, item in context.invocation_metadata() or ():
        if key == USER_ID_HEADER:
            value = item.decode() if isinstance(item, bytes) else item
    return check_user_id(value)


class TaskServicer(pb_grpc.TaskServiceServicer):
    """Thin translation layer over :class:`TaskUseCases`."""

    def __init__(
        self,
        use_cases: TaskUseCases,
        watch_policy: WatchPolicy | None = None,
        *,
        call_timeout_seconds: float = 60.0,
    ) -> None:
        self._uc = use_cases
        self._watch = watch_policy or WatchPolicy()
        self._call_timeout = call_timeout_seconds

    async def _call(
        self, context: grpc.aio.ServicerContext, fn: Callable[..., T], *args: Any, **kwargs: Any
    ) -> T:
        """Runs a use case in a worker thread (they block on the database
        and StorageService), within the call's deadline: when the client
        goes away or the deadline passes, the use case stops at its next
        check. The request id travels with the context."""
        remaining = context.time_remaining()
        timeout = self._call_timeout if remaining is None else min(self._call_timeout, remaining)
        call_scope = scope.CallScope(timeout)
        with scope.opened(call_scope):
            try:
                return await asyncio.to_thread(fn, *args, **kwargs)
            except asyncio.CancelledError:
                call_scope.cancel()
                raise

    async def ListTools(
        self, request: pb.ListToolsRequest, context: grpc.aio.ServicerContext
    ) -> httpbody_pb2.HttpBody:
        document = tools_json.tools_document(self._uc.catalog)
        return httpbody_pb2.HttpBody(content_type=JSON, data=tools_json.encode(document))

    async def GetTool(
        self, request: pb.GetToolRequest, context: grpc.aio.ServicerContext
    ) -> httpbody_pb2.HttpBody:
        tool = self._uc.tool(request.tool_id)
        document = tools_json.tool_document(tool)
        return httpbody_pb2.HttpBody(content_type=JSON, data=tools_json.encode(document))

    async def CreateTask(
        self, request: pb.CreateTaskRequest, context: grpc.aio.ServicerContext
    ) -> task_pb2.Task:
        user = _user_id(context)
        parameters = struct_to_python(request.parameters) if request.HasField("parameters") else {}
        task = await self._call(
            context, self._uc.create_task, user, request.tool_id, request.agents, parameters
        )
        await context.send_initial_metadata(((HTTP_STATUS_HEADER, "201"),))
        return task_to_proto(task, message=CREATED_MESSAGE)

    async def GenerateUploadUrls(
        self, request: pb.GenerateUploadUrlsRequest, context: grpc.aio.ServicerContext
    ) -> pb.GenerateUploadUrlsResponse:
        user = _user_id(context)
        with log_context(task_id=request.task_id[:64]):
            files = {
                slot: UploadRequest(
                    filename=f.filename,
                    content_type=f.content_type,
                    size_bytes=f.size_bytes if f.HasField("size_bytes") else None,
                    multipart=f.multipart,
                    part_size_bytes=f.part_size_bytes,
                )
                for slot, f in request.files.items()
            }
            task, grants = await self._call(
                context,
                self._uc.generate_upload_urls,
                user,
                request.task_id,
                files,
                has_parameters=request.has_parameters,
            )
        return pb.GenerateUploadUrlsResponse(
            task_id=task.task_id,
            status=status_to_proto(task.status),
            uploads={g.slot: _upload_target(g) for g in grants},
            expires_in_seconds=self._uc.policy.upload_url_ttl_seconds,
            message=UPLOAD_MESSAGE,
        )

    async def ListUploadParts(
        self, request: pb.ListUploadPartsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListUploadPartsResponse:
        user = _user_id(context)
        with log_context(task_id=request.task_id[:64]):
            state = await self._call(
                context, self._uc.upload_parts, user, request.task_id, request.slot
            )
        return pb.ListUploadPartsResponse(
            task_id=request.task_id,
            slot=request.slot,
            parts=[
                pb.StoredPart(part_number=p.number, size_bytes=p.size_bytes, etag=p.etag)
                for p in state.stored
            ],
            upload=_multipart(state.grant),
            missing_part_numbers=state.missing,
            expires_in_seconds=self._uc.policy.upload_url_ttl_seconds,
        )

    async def CompleteUpload(
        self, request: pb.CompleteUploadRequest, context: grpc.aio.ServicerContext
    ) -> pb.CompleteUploadResponse:
        user = _user_id(context)
        etags = {p.part_number: p.etag for p in request.parts}
        with log_context(task_id=request.task_id[:64]):
            file, parts = await self._call(
                context, self._uc.complete_upload, user, request.task_id, request.slot, etags
            )
        return pb.CompleteUploadResponse(
            task_id=request.task_id,
            slot=request.slot,
            key=file.key,
            size_bytes=file.size_bytes,
            etag=file.etag,
            part_count=parts,
        )

    async def ProcessTask(
        self, request: pb.ProcessTaskRequest, context: grpc.aio.ServicerContext
    ) -> task_pb2.Task:
        user = _user_id(context)
        with log_context(task_id=request.task_id[:64]):
            task = await self._call(
                context, self._uc.process_task, user, request.task_id, current_request_id()
            )
        message = QUEUED_MESSAGE if task.status is TaskStatus.QUEUED else PROCESSING_MESSAGE
        return task_to_proto(task, message=message)

    async def GetTask(
        self, request: pb.GetTaskRequest, context: grpc.aio.ServicerContext
    ) -> task_pb2.Task:
        user = _user_id(context)
        task = await self._call(context, self._uc.get_task, user, request.task_id)
        history = await self._call(context, self._uc.history, task)
        return task_to_proto(task, history)

    async def ListTasks(
        self, request: pb.ListTasksRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListTasksResponse:
        user = _user_id(context)
        page = await self._call(
            context,
            self._uc.list_tasks,
            user,
            status=request.status.strip() or None,
            tool_id=request.tool_id.strip() or None,
            limit=request.limit if request.HasField("limit") else None,
            offset=request.offset,
            page_token=request.page_token,
        )
        return page_to_proto(page)

    async def GetTaskDownloads(
        self, request: pb.GetTaskDownloadsRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetTaskDownloadsResponse:
        user = _user_id(context)
        links, ttl = await self._call(context, self._uc.downloads, user, request.task_id)
        return pb.GetTaskDownloadsResponse(
            task_id=request.task_id,
            downloads=[download_to_proto(link) for link in links],
            expires_in_seconds=ttl,
        )

    async def GetTaskReport(
        self, request: pb.GetTaskReportRequest, context: grpc.aio.ServicerContext
    ) -> httpbody_pb2.HttpBody:
        user = _user_id(context)
        data = await self._call(context, self._report, user, request.task_id)
        return httpbody_pb2.HttpBody(content_type=JSON, data=data)

    def _report(self, user: str, task_id: str) -> bytes:
        return report_json.render(self._uc.report(user, task_id), now=self._uc.now())

    async def CancelTask(
        self, request: pb.CancelTaskRequest, context: grpc.aio.ServicerContext
    ) -> task_pb2.Task:
        user = _user_id(context)
        with log_context(task_id=request.task_id[:64]):
            task = await self._call(context, self._uc.cancel_task, user, request.task_id)
        return task_to_proto(task, message=CANCELLED_MESSAGE)

    async def DeleteTask(
        self, request: pb.DeleteTaskRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteTaskResponse:
        user = _user_id(context)
        with log_context(task_id=request.task_id[:64]):
            deleted = await self._call(context, self._uc.delete_task, user, request.task_id)
        return pb.DeleteTaskResponse(
            task_id=request.task_id, message=DELETED_MESSAGE, files_deleted=deleted
        )

    async def WatchTask(
        self, request: pb.WatchTaskRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.TaskEvent]:
        user = _user_id(context)

        async def load() -> Any:
            return await asyncio.to_thread(self._uc.get_task, user, request.task_id)

        async def transitions(task: Any, after_id: int) -> Any:
            return await asyncio.to_thread(self._uc.history, task, after_id)

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


def _upload_target(grant: UploadGrant) -> pb.UploadTarget:
    target = pb.UploadTarget()
    if grant.signed is not None:
        target.url = grant.signed.url
        target.key = grant.signed.key
        target.method = grant.signed.method
        target.headers.update(grant.signed.headers)
        target.expires_at.FromDatetime(grant.signed.expires_at)
    if grant.multipart is not None:
        target.multipart.CopyFrom(_multipart(grant.multipart))
        if grant.signed is None and grant.multipart.parts:
            target.method = "PUT"
            target.expires_at.FromDatetime(grant.multipart.parts[0].signed.expires_at)
    return target


def _multipart(grant: MultipartGrant) -> pb.MultipartUpload:
    return pb.MultipartUpload(
        upload_id=grant.upload_id,
        part_size_bytes=grant.plan.part_bytes,
        part_count=grant.plan.count,
        size_bytes=grant.plan.size_bytes,
        parts=[
            pb.UploadPartTarget(
                part_number=p.number,
                url=p.signed.url,
                method="PUT",
                size_bytes=p.size,
                offset=p.offset,
                expires_at=timestamp(p.signed.expires_at),
            )
            for p in grant.parts
        ],
    )
