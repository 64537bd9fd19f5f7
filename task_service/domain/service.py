"""TaskService's use cases. Plain synchronous code over the ports; the gRPC
servicer runs each call in a worker thread and translates the result."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from dqcommon.errors import FieldViolation, ServiceError
from dqcommon.tools import (
    PARAMETERS_FILENAME,
    PARAMETERS_SLOT,
    Catalog,
    ParameterError,
    ToolDef,
    validate_parameters,
)
from task_service.domain import errors
from task_service.domain.model import (
    STAGE_OF,
    InputFile,
    OutputFile,
    Progress,
    Task,
    TaskEvent,
    TaskStatus,
    sources_of,
)
from task_service.domain.ports import (
    Clock,
    Cursor,
    ObjectStat,
    SignedUrl,
    StoragePort,
    TaskObject,
    TaskRepository,
)

log = logging.getLogger(__name__)

_USER_ID = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_DEFAULT_CONTENT_TYPE = {
    "csv": "text/csv",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class TaskPolicy:
    """Limits and lifetimes (from settings)."""

    upload_url_ttl_seconds: int = 900
    download_url_ttl_seconds: int = 3600
    max_parameters_bytes: int = 1024 * 1024
    default_page_size: int = 20
    max_page_size: int = 100
    max_report_bytes: int = 64 * 1024 * 1024
    # DELETE of a running task: how long to wait for its analysis to stop,
    # and for a last write racing the cancellation to land before the final
    # sweep of the task's files.
    delete_wait_seconds: float = 10.0
    delete_settle_seconds: float = 1.0


@dataclass(frozen=True)
class UploadRequest:
    """One file the user declares."""

    filename: str
    content_type: str
    size_bytes: int


@dataclass(frozen=True)
class UploadGrant:
    """Where one file goes."""

    slot: str
    signed: SignedUrl


@dataclass(frozen=True)
class DownloadLink:
    """One output with its presigned URL."""

    download_id: str
    output: OutputFile
    signed: SignedUrl


@dataclass(frozen=True)
class TaskPage:
    """One page of a listing."""

    tasks: list[Task]
    next_page_token: str
    total_size: int


def check_user_id(user_id: str | None) -> str:
    """The caller's identity, or AUTHENTICATION_REQUIRED."""
    if not user_id:
        raise errors.authentication_required("Missing user identity: send the x-user-id header.")
    if not _USER_ID.fullmatch(user_id) or user_id in {".", ".."}:
        raise errors.authentication_required(
            "Invalid user identity in x-user-id: use 1-64 characters of A-Z a-z 0-9 _ . @ -."
        )
    return user_id


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
        wake_dispatcher: Callable[[], None] = lambda: None,
        abort_analysis: Callable[[str], None] = lambda _task_id: None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._repo = repo
        self._storage = storage
        self._catalog = catalog
        self._clock = clock
        self._policy = policy
        self._wake = wake_dispatcher
        self._abort = abort_analysis
        self._sleep = sleep

    @property
    def policy(self) -> TaskPolicy:
        return self._policy

    # --- reading --------------------------------------------------------

    def get_task(self, user_id: str, task_id: str) -> Task:
        """The caller's task, or TASK_NOT_FOUND / TASK_UNAUTHORIZED."""
        if not _UUID.fullmatch(task_id or ""):
            raise errors.invalid_request(
                f"task_id must be a task id (a lowercase UUID), got '{task_id[:64]}'.",
                FieldViolation("task_id", "not a UUID"),
            )
        task = self._repo.get(task_id)
        if task is None:
            raise errors.task_not_found(task_id)
        if task.user_id != user_id:
            raise errors.task_unauthorized(task_id)
        return task

    def list_tasks(
        self,
        user_id: str,
        *,
        status: TaskStatus | None,
        tool_id: str | None,
        page_size: int,
        page_token: str,
    ) -> TaskPage:
        """The caller's tasks, newest first, with opaque page tokens."""
        if page_size < 0:
            raise errors.invalid_request(
                "page_size must not be negative.", FieldViolation("page_size", "negative")
            )
        limit = min(page_size or self._policy.default_page_size, self._policy.max_page_size)
        fingerprint = _filters_fingerprint(status, tool_id)
        after = _decode_page_token(page_token, fingerprint) if page_token else None
        tasks, total = self._repo.list_for_user(
            user_id, status=status, tool_id=tool_id or None, limit=limit + 1, after=after
        )
        next_token = ""
        if len(tasks) > limit:
            tasks = tasks[:limit]
            last = tasks[-1]
            next_token = _encode_page_token(Cursor(last.created_at, last.task_id), fingerprint)
        return TaskPage(tasks=tasks, next_page_token=next_token, total_size=total)

    def history(self, task: Task, after_id: int = 0) -> list[TaskEvent]:
        """The recorded transitions of a task after ``after_id``, oldest first."""
        return self._repo.history(task.task_id, after_id)

    def list_tools(self) -> Catalog:
        return self._catalog

    # --- creating -------------------------------------------------------

    def create_task(
        self, user_id: str, tool_id: str, agents: Sequence[str], parameters: Mapping[str, Any]
    ) -> Task:
        """Validates the tool, agents and parameters, stores the parameters
        as inputs/parameters.json, then records the task (CREATED)."""
        tool = self._tool(tool_id)
        chosen = self._check_agents(tool, list(agents))
        try:
            validate_parameters(tool, chosen, dict(parameters))
        except ParameterError as exc:
            raise errors.invalid_parameters(
                ((v.field, v.description) for v in exc.violations), "the request"
            ) from None

        now = self._clock()
        task_id = str(uuid.uuid4())
        params_obj = TaskObject(user_id, task_id, "inputs", PARAMETERS_FILENAME)
        wrote_parameters = False
        if parameters:
            payload = json.dumps(parameters, indent=2, sort_keys=True).encode()
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

    @staticmethod
    def _check_agents(tool: ToolDef, agents: list[str]) -> list[str]:
        if not agents:
            return list(tool.available_agents())
        known = [a.agent_id for a in tool.agents]
        unknown = [a for a in agents if a not in known]
        if unknown:
            raise errors.invalid_agents(tool.tool_id, unknown, known)
        repeated = sorted({a for a in agents if agents.count(a) > 1})
        if repeated:
            raise errors.repeated_agents(repeated)
        unavailable = [a for a in agents if not tool.agent(a).available]  # type: ignore[union-attr]
        if unavailable:
            raise errors.agents_not_available(tool.tool_id, unavailable, tool.available_agents())
        return agents

    # --- uploading ------------------------------------------------------

    def generate_upload_urls(
        self, user_id: str, task_id: str, files: Mapping[str, UploadRequest]
    ) -> tuple[Task, list[UploadGrant]]:
        """Signs one PUT per declared file and moves the task to UPLOADING."""
        task = self.get_task(user_id, task_id)
        allowed = sources_of(TaskStatus.UPLOADING)
        if task.status not in allowed:
            raise self._state_error(task, "issue upload URLs")
        if not files:
            raise errors.invalid_request(
                'files must declare at least one file, e.g. {"primary": {"filename": '
                '"data.csv", "content_type": "text/csv", "size_bytes": 1234}}.',
                FieldViolation("files", "empty"),
            )
        tool = self._tool(task.tool_id)
        declared = self._check_files(tool, files)

        grants: list[UploadGrant] = []
        new_files = dict(task.files)
        for slot, (request, fmt, content_type) in declared.items():
            name = input_object_name(slot, fmt)
            obj = TaskObject(user_id, task_id, "inputs", name)
            signed = self._storage.create_upload_url(
                obj,
                content_type=content_type,
                size_bytes=request.size_bytes,
                expires_in=self._policy.upload_url_ttl_seconds,
            )
            grants.append(UploadGrant(slot, signed))
            new_files[slot] = InputFile(
                slot=slot,
                filename=request.filename,
                content_type=content_type,
                size_bytes=request.size_bytes,
                object_name=name,
                key=signed.key,
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
            raise self._state_error(self.get_task(user_id, task_id), "issue upload URLs")
        return updated, grants

    @staticmethod
    def _check_files(
        tool: ToolDef, files: Mapping[str, UploadRequest]
    ) -> dict[str, tuple[UploadRequest, str, str]]:
        violations: list[tuple[str, FieldViolation]] = []
        accepted: dict[str, tuple[UploadRequest, str, str]] = {}
        for slot, request in sorted(files.items()):
            path = f"files.{slot}"
            spec = tool.slot(slot)
            if spec is None:
                slots = ", ".join(s.slot for s in tool.files)
                violations.append(
                    (
                        "INVALID_FILE_SLOT",
                        FieldViolation(
                            path, f"'{slot}' is not a file slot of {tool.tool_id} (slots: {slots})"
                        ),
                    )
                )
                continue
            fmt = PurePosixPath(request.filename.replace("\\", "/")).suffix.lower().lstrip(".")
            if fmt not in spec.formats:
                violations.append(
                    (
                        "INVALID_FILE_TYPE",
                        FieldViolation(
                            f"{path}.filename",
                            f"'{request.filename[:100]}' must have extension "
                            f"{' or '.join('.' + f for f in spec.formats)}",
                        ),
                    )
                )
                continue
            content_type = request.content_type.strip() or _DEFAULT_CONTENT_TYPE.get(fmt, "")
            media_type = content_type.split(";", 1)[0].strip().lower()
            if media_type not in spec.content_types:
                violations.append(
                    (
                        "INVALID_FILE_TYPE",
                        FieldViolation(
                            f"{path}.content_type",
                            f"'{content_type[:100]}' is not accepted (accepted: "
                            f"{', '.join(spec.content_types)})",
                        ),
                    )
                )
                continue
            if request.size_bytes < 1 or request.size_bytes > spec.max_size_bytes:
                violations.append(
                    (
                        "INVALID_FILE_SIZE",
                        FieldViolation(
                            f"{path}.size_bytes",
                            f"must be between 1 and {spec.max_size_bytes} bytes "
                            f"(got {request.size_bytes})",
                        ),
                    )
                )
                continue
            accepted[slot] = (request, fmt, content_type)
        if violations:
            raise errors.file_violations(violations[0][0], [v for _, v in violations])
        return accepted

    # --- processing -----------------------------------------------------

    def process_task(self, user_id: str, task_id: str, request_id: str | None) -> Task:
        """Verifies the inputs (and parameters) and queues the task."""
        task = self.get_task(user_id, task_id)
        if task.status in (TaskStatus.QUEUED, TaskStatus.PROCESSING):
            raise errors.already_processing(task_id, task.status)
        # Only a user's first request queues a task (PROCESSING -> QUEUED is
        # the dispatcher's retry path, never the user's).
        allowed = sources_of(
            TaskStatus.QUEUED, frozenset({TaskStatus.UPLOADING, TaskStatus.UPLOAD_FAILED})
        )
        if task.status not in allowed:
            raise self._state_error(task, "process the task")
        tool = self._tool(task.tool_id)

        required = set(tool.required_slots(task.agents))
        stats: dict[str, ObjectStat] = {}
        missing: list[str] = []
        for slot in sorted(required | set(task.files)):
            declared = task.files.get(slot)
            stat = (
                self._storage.stat(TaskObject(user_id, task_id, "inputs", declared.object_name))
                if declared
                else None
            )
            if stat is None:
                if slot in required:
                    missing.append(slot)
                continue
            stats[slot] = stat
        if missing:
            self._mark_upload_failed(
                task, "FILES_NOT_FOUND", f"Required file(s) not uploaded: {', '.join(missing)}."
            )
            raise errors.files_not_found(task_id, missing)

        params_stat = self._storage.stat(
            TaskObject(user_id, task_id, "inputs", PARAMETERS_FILENAME)
        )
        if params_stat is not None:
            self._load_parameters(task, tool, params_stat.etag, on_error=self._mark_upload_failed)

        # Pin exactly what was verified: the analysis reads these versions
        # (by entity tag) and fails with INPUT_CHANGED if one is replaced.
        # Optional slots that were declared but never uploaded are dropped.
        files = {slot: _with_etag(task.files[slot], stat) for slot, stat in stats.items()}
        if params_stat is not None:
            files[PARAMETERS_SLOT] = _with_etag(
                files.get(PARAMETERS_SLOT)
                or InputFile(
                    PARAMETERS_SLOT,
                    PARAMETERS_FILENAME,
                    "application/json",
                    params_stat.size_bytes,
                    PARAMETERS_FILENAME,
                ),
                params_stat,
            )
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
                raise errors.already_processing(task_id, current.status)
            raise self._state_error(current, "process the task")
        log.info("task queued", extra={"task_id": task_id})
        self._wake()
        return queued

    def load_parameters(self, task: Task) -> dict[str, dict[str, Any]]:
        """Effective parameters of a queued task: parameters.json (pinned to
        the version verified at process time) validated, defaults filled."""
        tool = self._tool(task.tool_id)
        pinned = task.files.get(PARAMETERS_SLOT)
        return self._load_parameters(task, tool, pinned.etag if pinned else None)

    def _load_parameters(
        self,
        task: Task,
        tool: ToolDef,
        etag: str | None,
        on_error: Callable[[Task, str, str], None] | None = None,
    ) -> dict[str, dict[str, Any]]:
        raw: Any = {}
        if etag is not None:
            data = self._storage.read_small(
                TaskObject(task.user_id, task.task_id, "inputs", PARAMETERS_FILENAME),
                max_bytes=self._policy.max_parameters_bytes,
                if_match=etag or None,
            )
            try:
                raw = json.loads(data.decode("utf-8")) if data else {}
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                message = f"parameters.json is not valid JSON: {exc}"
                if on_error:
                    on_error(task, "INVALID_PARAMETERS", message)
                raise errors.invalid_parameters(
                    [(PARAMETERS_FILENAME, message)], PARAMETERS_FILENAME
                ) from None
        try:
            validated = validate_parameters(tool, task.agents, raw, root=PARAMETERS_FILENAME)
            return validated.for_analysis()
        except ParameterError as exc:
            if on_error:
                on_error(task, "INVALID_PARAMETERS", str(exc)[:1000])
            raise errors.invalid_parameters(
                ((v.field, v.description) for v in exc.violations), PARAMETERS_FILENAME
            ) from None

    def _mark_upload_failed(self, task: Task, code: str, message: str) -> None:
        stage, percent = STAGE_OF[TaskStatus.UPLOAD_FAILED]
        self._repo.transition(
            task.task_id,
            allowed_from=sources_of(TaskStatus.UPLOAD_FAILED),
            to=TaskStatus.UPLOAD_FAILED,
            reason=message,
            changes={
                "error_code": code,
                "error_message": message,
                "progress": Progress(percent=percent, stage=stage, agents_total=len(task.agents)),
            },
        )

    # --- cancelling and deleting ---------------------------------------

    def cancel_task(self, user_id: str, task_id: str) -> Task:
        """Moves a non-terminal task to CANCELLED; its analysis, if any, is
        stopped and writes nothing more. A late worker can never overwrite
        CANCELLED (its writes are conditioned on its lease)."""
        for _ in range(5):  # the status may move under us (QUEUED -> PROCESSING)
            task = self.get_task(user_id, task_id)
            if task.status.terminal:
                raise errors.not_cancellable(task_id, task.status)
            stage, _ = STAGE_OF[TaskStatus.CANCELLED]
            cancelled = self._repo.transition(
                task_id,
                allowed_from=frozenset({task.status}),
                to=TaskStatus.CANCELLED,
                reason="cancelled by its owner",
                changes={
                    "error_code": "TASK_CANCELLED",
                    "error_message": "The task was cancelled by its owner.",
                    "progress": Progress(
                        percent=task.progress.percent,
                        stage=stage,
                        agents_total=task.progress.agents_total,
                        agents_completed=task.progress.agents_completed,
                    ),
                },
            )
            if cancelled is not None:
                log.info("task cancelled", extra={"task_id": task_id, "was": task.status.value})
                self._abort(task_id)
                return cancelled
        raise errors.invalid_state(
            task_id,
            self.get_task(user_id, task_id).status,
            "cancel",
            "The task is changing status; please retry.",
        )

    def delete_task(self, user_id: str, task_id: str) -> int:
        """Deletes the task and every object under its prefix; returns how
        many objects were deleted. A running analysis is cancelled first and
        given time to stop, so no object is left behind."""
        task = self.get_task(user_id, task_id)
        was_running = task.lease_owner is not None
        if not task.status.terminal:
            with contextlib.suppress(ServiceError):
                task = self.cancel_task(user_id, task_id)
            current = self._repo.get(task_id)
            was_running = was_running or (current is not None and current.lease_owner is not None)
        if was_running:
            self._wait_for_lease_release(task_id)
        deleted = self._storage.delete_task_objects(user_id, task_id)
        if was_running:
            # A write that raced the cancellation may land a moment later.
            self._sleep(self._policy.delete_settle_seconds)
            deleted += self._storage.delete_task_objects(user_id, task_id)
        self._repo.delete(task_id)
        log.info("task deleted", extra={"task_id": task_id, "files_deleted": deleted})
        return deleted

    def _wait_for_lease_release(self, task_id: str) -> None:
        waited = 0.0
        step = 0.1
        while waited < self._policy.delete_wait_seconds:
            current = self._repo.get(task_id)
            if current is None or current.lease_owner is None:
                return
            self._sleep(step)
            waited += step
        log.warning(
            "the analysis did not confirm it stopped; deleting anyway", extra={"task_id": task_id}
        )

    # --- downloading ----------------------------------------------------

    def report(self, user_id: str, task_id: str) -> bytes:
        """The JSON report of a completed task, as stored."""
        task = self._completed_with_outputs(user_id, task_id)
        report = next((o for o in task.outputs if o.format == "json"), None)
        if report is None:
            raise errors.outputs_expired(task_id, "This task has no JSON report.")
        data = self._storage.read_small(
            TaskObject(user_id, task_id, "outputs", report.object_name),
            max_bytes=self._policy.max_report_bytes,
        )
        if data is None:
            raise errors.outputs_expired(task_id, "The report file no longer exists.")
        return data

    def _completed_with_outputs(self, user_id: str, task_id: str) -> Task:
        task = self.get_task(user_id, task_id)
        if task.status is not TaskStatus.COMPLETED:
            raise errors.not_completed(task_id, task.status)
        if task.outputs_deleted_at is not None:
            raise errors.outputs_expired(
                task_id,
                f"Output files were deleted on {task.outputs_deleted_at:%Y-%m-%d} "
                "at the end of the retention period.",
            )
        return task

    def downloads(self, user_id: str, task_id: str) -> tuple[list[DownloadLink], int]:
        """Presigned GET URLs for a completed task's outputs."""
        task = self._completed_with_outputs(user_id, task_id)
        ttl = self._policy.download_url_ttl_seconds
        links = []
        for output in task.outputs:
            signed = self._storage.create_download_url(
                TaskObject(user_id, task_id, "outputs", output.object_name),
                expires_in=ttl,
                filename=output.filename,
            )
            download_id = re.sub(r"[^A-Za-z0-9_-]", "_", output.filename)
            links.append(DownloadLink(download_id, output, signed))
        return links, ttl

    # --- helpers --------------------------------------------------------

    @staticmethod
    def _state_error(task: Task, action: str) -> ServiceError:
        hints = {
            TaskStatus.CREATED: "Request upload URLs and upload the files first.",
            TaskStatus.COMPLETED: "The task has finished; create a new task to run again.",
            TaskStatus.FAILED: "The task has failed; create a new task to run again.",
            TaskStatus.CANCELLED: "The task was cancelled; create a new task.",
            TaskStatus.EXPIRED: "The task expired; create a new task.",
        }
        return errors.invalid_state(task.task_id, task.status, action, hints.get(task.status, ""))

    def _delete_quietly(self, user_id: str, task_id: str) -> None:
        try:
            self._storage.delete_task_objects(user_id, task_id)
        except Exception:
            log.exception(
                "could not delete objects of a task that was not created",
                extra={"task_id": task_id},
            )


def _with_etag(file: InputFile, stat: ObjectStat) -> InputFile:
    return InputFile(
        slot=file.slot,
        filename=file.filename,
        content_type=file.content_type,
        size_bytes=stat.size_bytes,
        object_name=file.object_name,
        key=stat.key,
        etag=stat.etag,
    )


def _filters_fingerprint(status: TaskStatus | None, tool_id: str | None) -> str:
    raw = f"{status.value if status else ''}|{tool_id or ''}"
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


def _encode_page_token(cursor: Cursor, fingerprint: str) -> str:
    payload = json.dumps(
        {"c": cursor.created_at.isoformat(), "i": cursor.task_id, "f": fingerprint},
        separators=(",", ":"),
    )
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _decode_page_token(token: str, fingerprint: str) -> Cursor:
    bad = errors.invalid_request(
        "page_token is invalid or was issued for other filters; start again without it.",
        FieldViolation("page_token", "invalid"),
    )
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if data.get("f") != fingerprint:
            raise bad
        return Cursor(datetime.fromisoformat(data["c"]), str(data["i"]))
    except ServiceError:
        raise
    except Exception:  # noqa: BLE001 - any malformed token is the same client error
        raise bad from None
