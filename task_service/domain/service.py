"""TaskService's use cases. Plain synchronous code over the ports; the gRPC
servicer runs each call in a worker thread and translates the result."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from dqcommon.errors import ServiceError
from dqcommon.tools import (
    FILE_OPTIONS_KEY,
    PARAMETERS_FILE,
    PARAMETERS_FILENAME,
    PARAMETERS_SLOT,
    Catalog,
    ParameterError,
    ToolDef,
    validate_parameters,
)
from task_service.domain import errors, scope
from task_service.domain.identity import check_user_id
from task_service.domain.inputs import InputChecks
from task_service.domain.limits import UploadLimits, plan_parts
from task_service.domain.model import (
    STAGE_OF,
    InputFile,
    Progress,
    Task,
    TaskEvent,
    TaskStatus,
    sources_of,
)
from task_service.domain.outputs import DownloadLink, Outputs, StoredReport
from task_service.domain.paging import TaskPage, list_page
from task_service.domain.ports import (
    Clock,
    SignedUrl,
    StoragePort,
    TaskObject,
    TaskRepository,
)
from task_service.domain.requests import (
    UploadRequest,
    check_agents,
    check_files,
    check_tool_id,
    is_task_id,
)
from task_service.domain.stopping import StopPolicy, TaskStopper
from task_service.domain.uploads import UPLOAD_STATUSES, Multipart, MultipartGrant, PartsState

log = logging.getLogger(__name__)

__all__ = [
    "DownloadLink",
    "StoredReport",
    "TaskPolicy",
    "TaskUseCases",
    "UploadRequest",
    "check_user_id",
]

#: Asks the dispatcher to take a just-queued task now; returns once it has
#: been handed over or refused, or after the given number of seconds.
StartProcessing = Callable[[str, float], None]


@dataclass(frozen=True)
class TaskPolicy:
    """Limits and lifetimes (from settings)."""

    upload_url_ttl_seconds: int = 900
    download_url_ttl_seconds: int = 3600
    max_parameters_bytes: int = PARAMETERS_FILE.max_size_bytes
    # /report is one gRPC message (8 MiB at most, with the JSON around it).
    max_report_bytes: int = 8 * 1024 * 1024 - 256 * 1024
    # /process: how long to wait for an analysis worker to accept the task
    # before answering (QUEUED if none did by then).
    process_start_wait_seconds: float = 3.0
    # DELETE of a running task: how long to wait for its analysis to stop,
    # and for a last write racing the cancellation to land before the final
    # sweep of the task's files.
    delete_wait_seconds: float = 10.0
    delete_settle_seconds: float = 1.0
    limits: UploadLimits = field(default_factory=UploadLimits)


#: S3 and B2 take at most 5 GiB in one PUT.
SINGLE_PUT_MAX_BYTES = 5 * 1024 * 1024 * 1024


@dataclass(frozen=True)
class UploadGrant:
    """Where one file goes."""

    slot: str
    signed: SignedUrl | None
    multipart: MultipartGrant | None = None


def input_object_name(slot: str, fmt: str) -> str:
    """Stored name of a slot's file: the slot and a known extension only."""
    if slot == PARAMETERS_SLOT:
        return PARAMETERS_FILENAME
    return f"{slot}.{fmt}"


class TaskUseCases:
    """Create, upload, process, read and list tasks."""

    def __init__(
        self,
        *,
        repo: TaskRepository,
        storage: StoragePort,
        catalog: Catalog,
        clock: Clock,
        policy: TaskPolicy,
        start_processing: StartProcessing = lambda _task_id, _timeout: None,
        abort_analysis: Callable[[str], None] = lambda _task_id: None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._repo = repo
        self._storage = storage
        self._catalog = catalog
        self._clock = clock
        self._policy = policy
        self._start = start_processing
        self._multipart = Multipart(storage, policy.upload_url_ttl_seconds)
        self._inputs = InputChecks(
            repo, storage, policy.max_parameters_bytes, policy.limits, self._multipart
        )
        self._stopper = TaskStopper(
            repo=repo,
            storage=storage,
            get=self.get_task,
            abort=abort_analysis,
            sleep=sleep,
            policy=StopPolicy(policy.delete_wait_seconds, policy.delete_settle_seconds),
        )
        self._outputs = Outputs(
            storage,
            url_ttl_seconds=policy.download_url_ttl_seconds,
            max_report_bytes=policy.max_report_bytes,
        )

    @property
    def policy(self) -> TaskPolicy:
        return self._policy

    @property
    def catalog(self) -> Catalog:
        return self._catalog

    def now(self) -> datetime:
        return self._clock()

    # --- reading --------------------------------------------------------

    def get_task(self, user_id: str, task_id: str) -> Task:
        """The caller's task, or TASK_NOT_FOUND (unknown and foreign alike)."""
        if not is_task_id(task_id):
            raise errors.task_not_found(task_id)
        task = self._repo.get(task_id)
        if task is None or task.user_id != user_id:
            raise errors.task_not_found(task_id)
        return task

    def list_tasks(
        self,
        user_id: str,
        *,
        status: str | None,
        tool_id: str | None,
        limit: int | None,
        offset: int = 0,
        page_token: str = "",
    ) -> TaskPage:
        """The caller's tasks, newest first: ``limit``/``offset`` pages, or
        opaque ``page_token`` cursors (stable while tasks are added)."""
        return list_page(
            self._repo,
            user_id,
            status=status,
            tool_id=tool_id,
            limit=limit,
            offset=offset,
            page_token=page_token,
        )

    def history(self, task: Task, after_id: int = 0) -> list[TaskEvent]:
        """The recorded transitions of a task after ``after_id``, oldest first."""
        return self._repo.history(task.task_id, after_id)

    def tool(self, tool_id: str) -> ToolDef:
        """One tool of the catalog, or TOOL_NOT_FOUND; its slots show the
        configured size limits (``max_size_mb`` of GET /tools/{id})."""
        tool = self._catalog.tool(tool_id)
        if tool is None:
            raise errors.tool_not_found(tool_id)
        limits = self._policy.limits
        return replace(
            tool,
            files=tuple(
                replace(f, max_size_bytes=limits.max_bytes(tool.tool_id, f.slot))
                for f in tool.files
            ),
        )

    # --- creating -------------------------------------------------------

    def create_task(
        self, user_id: str, tool_id: str, agents: Sequence[str], parameters: Mapping[str, Any]
    ) -> Task:
        """Validates the tool, agents and parameters, stores the parameters
        (if any) as inputs/parameters.json, then records the task (CREATED)."""
        tool = self._tool(check_tool_id(tool_id))
        chosen = check_agents(tool, agents)
        if not chosen:
            raise errors.agents_not_available(tool.tool_id, [], ())
        try:
            validate_parameters(tool, chosen, dict(parameters))
        except ParameterError as exc:
            raise errors.invalid_parameters(
                ((v.field, v.description) for v in exc.violations), "the request", exc.omitted
            ) from None
        scope.check()

        # Only the parameters of the agents the task runs are kept (the
        # others are ignored, as in parameters.json), and the file options.
        kept = {
            key: parameters[key]
            for key in (*chosen, FILE_OPTIONS_KEY)
            if parameters.get(key) is not None
        }
        payload = json.dumps(kept, indent=2, sort_keys=True).encode() if kept else b""
        if len(payload) > self._policy.max_parameters_bytes:
            raise errors.limit_exceeded(
                "parameters",
                f"parameters take {len(payload)} bytes as JSON; at most "
                f"{self._policy.max_parameters_bytes} are accepted.",
            )
        now = self._clock()
        task_id = str(uuid.uuid4())
        params_obj = TaskObject(user_id, task_id, "inputs", PARAMETERS_FILENAME)
        wrote_parameters = False
        if payload:
            self._storage.write(params_obj, payload, content_type="application/json")
            wrote_parameters = True
        stage, percent = STAGE_OF[TaskStatus.CREATED]
        task = Task(
            task_id=task_id,
            user_id=user_id,
            tool_id=tool.tool_id,
            agents=tuple(chosen),
            status=TaskStatus.CREATED,
            created_at=now,
            updated_at=now,
            progress=Progress(percent=percent, stage=stage, agents_total=len(chosen)),
        )
        try:
            self._repo.add(task, reason="task created")
        except Exception:
            # No orphaned parameters object for a task that does not exist.
            if wrote_parameters:
                self._delete_quietly(user_id, task_id)
            raise
        log.info(
            "task created", extra={"task_id": task_id, "tool_id": tool.tool_id, "agents": chosen}
        )
        return task

    def _tool(self, tool_id: str) -> ToolDef:
        tool = self._catalog.tool(tool_id)
        if tool is None:
            raise errors.invalid_tool(tool_id, [t.tool_id for t in self._catalog.tools])
        return tool

    # --- uploading ------------------------------------------------------

    def generate_upload_urls(
        self,
        user_id: str,
        task_id: str,
        files: Mapping[str, UploadRequest],
        *,
        has_parameters: bool = False,
    ) -> tuple[Task, list[UploadGrant]]:
        """Signs one PUT per declared file (and for parameters.json when
        ``has_parameters``) and moves the task to UPLOADING."""
        task = self.get_task(user_id, task_id)
        allowed = sources_of(TaskStatus.UPLOADING)
        if task.status not in allowed:
            raise self._state_error(task, "upload")
        limits = self._policy.limits
        declared = check_files(
            self._tool(task.tool_id), files, has_parameters=has_parameters, limit=limits.max_bytes
        )
        plans = {
            slot: plan_parts(
                item.request.size_bytes or 0,
                requested_part_bytes=item.request.part_size_bytes,
                default_part_bytes=limits.multipart_part_bytes,
                field_name=f"files.{slot}",
            )
            for slot, item in declared.items()
            if slot != PARAMETERS_SLOT
            and limits.wants_multipart(item.request.size_bytes, item.request.multipart)
        }
        scope.check()

        grants: list[UploadGrant] = []
        new_files = dict(task.files)
        replaced = {s: f for s, f in task.files.items() if s in declared and f.upload_id}
        for slot, item in declared.items():
            name = input_object_name(slot, item.format)
            obj = TaskObject(user_id, task_id, "inputs", name)
            size = item.request.size_bytes
            # One PUT as well (when S3 allows it in one request): clients
            # that know nothing of parts keep working.
            signed = (
                self._storage.create_upload_url(
                    obj,
                    content_type=item.content_type,
                    size_bytes=size,
                    expires_in=self._policy.upload_url_ttl_seconds,
                )
                if size is None or size <= SINGLE_PUT_MAX_BYTES
                else None
            )
            plan = plans.get(slot)
            grant = self._multipart.start(obj, item.content_type, plan) if plan else None
            grants.append(UploadGrant(slot, signed, grant))
            new_files[slot] = InputFile(
                slot=slot,
                filename=item.request.filename,
                content_type=item.content_type,
                size_bytes=size or 0,
                object_name=name,
                key=signed.key if signed else "",
                upload_id=grant.upload_id if grant else "",
                part_bytes=grant.plan.part_bytes if grant else 0,
            )

        now = self._clock()
        stage, percent = STAGE_OF[TaskStatus.UPLOADING]
        changes: dict[str, Any] = {
            "files": new_files,
            "progress": Progress(percent=percent, stage=stage, agents_total=len(task.agents)),
            "error_code": None,
            "error_message": None,
        }
        if task.upload_started_at is None:
            changes["upload_started_at"] = now
        updated = self._repo.transition(
            task_id,
            allowed_from=allowed,
            to=TaskStatus.UPLOADING,
            reason=f"upload URLs issued for {', '.join(sorted(declared))}",
            changes=changes,
        )
        if updated is None:
            # The task moved on while we signed (e.g. processing started).
            self._multipart.abort(task, {g.slot: new_files[g.slot] for g in grants})
            raise self._state_error(self.get_task(user_id, task_id), "upload")
        # Uploads that new URLs replaced are dropped.
        self._multipart.abort(task, replaced)
        return updated, grants

    def upload_parts(self, user_id: str, task_id: str, slot: str) -> PartsState:
        """The stored parts of a slot's multipart upload, and fresh URLs
        for the missing ones."""
        task = self._uploading(user_id, task_id)
        return self._multipart.state(task, slot)

    def complete_upload(
        self, user_id: str, task_id: str, slot: str, etags: Mapping[int, str]
    ) -> tuple[InputFile, int]:
        """Completes a slot's multipart upload (idempotent once done)."""
        task = self._uploading(user_id, task_id)
        current = task.files.get(slot)
        if current is not None and not current.upload_id and current.etag:
            return current, 0  # completed before
        file, parts = self._multipart.complete(task, slot, etags)
        files = dict(task.files)
        files[slot] = file
        self._repo.transition(
            task_id,
            allowed_from=UPLOAD_STATUSES,
            to=TaskStatus.UPLOADING,
            reason=f"multipart upload of {slot} completed ({parts} parts)",
            changes={"files": files},
        )
        return file, parts

    def _uploading(self, user_id: str, task_id: str) -> Task:
        task = self.get_task(user_id, task_id)
        if task.status not in UPLOAD_STATUSES:
            raise self._state_error(task, "upload")
        return task

    # --- processing -----------------------------------------------------

    def process_task(self, user_id: str, task_id: str, request_id: str | None) -> Task:
        """Verifies the inputs (and parameters), queues the task, and lets
        the dispatcher hand it to an analysis worker before answering; the
        task returned is as it is then (PROCESSING, or QUEUED while every
        worker is busy)."""
        task = self.get_task(user_id, task_id)
        if task.status in (TaskStatus.QUEUED, TaskStatus.PROCESSING):
            raise errors.already_processing(task_id, task.status, _process_state_message(task))
        # Only a user's first request queues a task (PROCESSING -> QUEUED is
        # the dispatcher's retry path, never the user's).
        allowed = sources_of(
            TaskStatus.QUEUED, frozenset({TaskStatus.UPLOADING, TaskStatus.UPLOAD_FAILED})
        )
        if task.status not in allowed:
            raise self._state_error(task, "process")
        tool = self._tool(task.tool_id)
        files = self._inputs.verified(task, tool)
        scope.check()

        stage, percent = STAGE_OF[TaskStatus.QUEUED]
        now = self._clock()
        queued = self._repo.transition(
            task_id,
            allowed_from=allowed,
            to=TaskStatus.QUEUED,
            reason="inputs verified; queued for analysis",
            changes={
                "files": files,
                "progress": Progress(percent=percent, stage=stage, agents_total=len(task.agents)),
                "error_code": None,
                "error_message": None,
                "queued_at": now,
                "available_at": now,
                "request_id": request_id,
            },
        )
        if queued is None:
            current = self.get_task(user_id, task_id)
            if current.status in (TaskStatus.QUEUED, TaskStatus.PROCESSING):
                raise errors.already_processing(
                    task_id, current.status, _process_state_message(current)
                )
            raise self._state_error(current, "process")
        log.info("task queued", extra={"task_id": task_id})
        self._start(task_id, scope.remaining(self._policy.process_start_wait_seconds))
        return self._repo.get(task_id) or queued

    def load_parameters(self, task: Task) -> dict[str, dict[str, Any]]:
        """Effective parameters of a queued task: parameters.json (pinned to
        the version verified at process time) validated, defaults filled."""
        tool = self._tool(task.tool_id)
        pinned = task.files.get(PARAMETERS_SLOT)
        return self._inputs.parameters(task, tool, pinned.etag if pinned else None)

    # --- cancelling and deleting ---------------------------------------

    def cancel_task(self, user_id: str, task_id: str) -> Task:
        """Moves a non-terminal task to CANCELLED; its analysis, if any, is
        stopped and writes nothing more."""
        return self._stopper.cancel(user_id, task_id)

    def delete_task(self, user_id: str, task_id: str) -> int:
        """Deletes the task and every object under its prefix; returns how
        many objects were deleted."""
        return self._stopper.delete(user_id, task_id)

    # --- downloading ----------------------------------------------------

    def report(self, user_id: str, task_id: str) -> StoredReport:
        """The stored JSON report of a completed task, with its outputs' links."""
        task = self._completed_with_outputs(user_id, task_id, "Report")
        return self._outputs.report(task, self._tool(task.tool_id))

    def downloads(self, user_id: str, task_id: str) -> tuple[list[DownloadLink], int]:
        """Presigned GET URLs for a completed task's outputs, by file name."""
        task = self._completed_with_outputs(user_id, task_id, "Downloads")
        return self._outputs.links(task)

    def _completed_with_outputs(self, user_id: str, task_id: str, what: str) -> Task:
        task = self.get_task(user_id, task_id)
        if task.status is not TaskStatus.COMPLETED:
            raise errors.not_completed(task_id, task.status, what)
        if task.outputs_deleted_at is not None:
            raise errors.outputs_expired(
                task_id,
                f"Output files were deleted on {task.outputs_deleted_at:%Y-%m-%d} "
                "at the end of the retention period.",
            )
        return task

    # --- helpers --------------------------------------------------------

    @staticmethod
    def _state_error(task: Task, action: str) -> ServiceError:
        if action == "upload":
            message = (
                f"Cannot generate upload URLs for task in status: {task.status.value}. "
                "Allowed statuses: CREATED, UPLOADING, UPLOAD_FAILED"
            )
        else:
            message = _process_state_message(task)
        return errors.invalid_state(task.task_id, task.status, message)

    def _delete_quietly(self, user_id: str, task_id: str) -> None:
        try:
            self._storage.delete_task_objects(user_id, task_id)
        except Exception:
            log.exception(
                "could not delete objects of a task that was not created",
                extra={"task_id": task_id},
            )


def _process_state_message(task: Task) -> str:
    return (
        f"Cannot process task in status: {task.status.value}. "
        "Allowed statuses: UPLOADING, UPLOAD_FAILED"
    )
