"""Verifying a task's inputs when processing is requested: every required
file is there, not empty and not too large (sizes are not always signed),
and parameters.json is valid. A problem fails the upload (UPLOAD_FAILED),
which asking for upload URLs again recovers."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from dqcommon.errors import FieldViolation
from dqcommon.tools import (
    PARAMETERS_FILE,
    PARAMETERS_FILENAME,
    PARAMETERS_SLOT,
    ParameterError,
    ToolDef,
    validate_parameters,
)
from task_service.domain import errors
from task_service.domain.limits import UploadLimits
from task_service.domain.model import STAGE_OF, InputFile, Progress, Task, TaskStatus, sources_of
from task_service.domain.ports import ObjectStat, StoragePort, TaskObject, TaskRepository
from task_service.domain.uploads import Multipart


class InputChecks:
    """The checks of a task's uploaded inputs."""

    def __init__(
        self,
        repo: TaskRepository,
        storage: StoragePort,
        max_parameters_bytes: int,
        limits: UploadLimits | None = None,
        multipart: Multipart | None = None,
    ) -> None:
        self._repo = repo
        self._storage = storage
        self._max_parameters_bytes = max_parameters_bytes
        self._limits = limits or UploadLimits()
        self._multipart = multipart

    def verified(self, task: Task, tool: ToolDef) -> dict[str, InputFile]:
        """The inputs as stored, pinned to their entity tags; a missing,
        empty or oversized file fails the upload (UPLOAD_FAILED)."""
        # A slot only some agents need (the baseline) is required once declared;
        # never declared, those agents are reported as skipped (issue 6).
        required = {
            slot
            for slot in tool.required_slots(task.agents)
            if slot in task.files or not _agent_only(tool, slot)
        }
        stats: dict[str, ObjectStat] = {}
        missing: list[str] = []
        for slot in sorted(required | set(task.files)):
            declared = task.files.get(slot)
            stat = (
                self._storage.stat(
                    TaskObject(task.user_id, task.task_id, "inputs", declared.object_name)
                )
                if declared
                else None
            )
            if stat is None:
                if slot in required:
                    missing.append(slot)
                continue
            stats[slot] = stat
        # A slot uploaded with one PUT although parts were offered: the
        # multipart upload is dropped.
        if self._multipart is not None:
            self._multipart.abort(
                task, {s: f for s, f in task.files.items() if f.upload_id and s in stats}
            )
        if missing:
            self.mark_upload_failed(
                task, "FILES_NOT_FOUND", f"Required files not found: {', '.join(missing)}"
            )
            raise errors.files_not_found(task.task_id, missing)
        self._check_sizes(task, tool, stats)

        params_stat = stats.get(PARAMETERS_SLOT) or self._storage.stat(
            TaskObject(task.user_id, task.task_id, "inputs", PARAMETERS_FILENAME)
        )
        if params_stat is not None:
            self.parameters(task, tool, params_stat.etag, on_error=self.mark_upload_failed)

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
        return files

    def _check_sizes(self, task: Task, tool: ToolDef, stats: Mapping[str, ObjectStat]) -> None:
        """Uploads whose size was not signed are checked here: an empty file
        is INVALID_FILE_SIZE, one above its slot's limit is deleted and the
        upload fails with FILE_TOO_LARGE."""
        empty = []
        too_large = []
        for slot, stat in stats.items():
            if slot == PARAMETERS_SLOT:
                limit = PARAMETERS_FILE.max_size_bytes
            else:
                limit = self._limits.max_bytes(task.tool_id, slot)
            if stat.size_bytes == 0:
                empty.append(FieldViolation(f"files.{slot}", "the uploaded file is empty"))
            elif stat.size_bytes > limit:
                too_large.append(
                    FieldViolation(
                        f"files.{slot}",
                        f"the uploaded file has {stat.size_bytes} bytes; this slot accepts at "
                        f"most {limit} bytes ({limit // (1024 * 1024)} MiB); it was deleted",
                    )
                )
                name = task.files[slot].object_name if slot in task.files else PARAMETERS_FILENAME
                self._storage.delete_task_objects(
                    task.user_id, task.task_id, "inputs", name_prefix=name
                )
        if too_large or empty:
            reason = "FILE_TOO_LARGE" if too_large else "INVALID_FILE_SIZE"
            error = errors.file_violations(reason, too_large + empty)
            self.mark_upload_failed(task, error.reason, error.message)
            raise error

    def parameters(
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
                max_bytes=self._max_parameters_bytes,
                if_match=etag or None,
            )
            try:
                raw = json.loads(data.decode("utf-8")) if data else {}
            except (UnicodeDecodeError, ValueError, RecursionError) as exc:
                message = f"parameters.json is not valid JSON: {str(exc)[:200]}"
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
                ((v.field, v.description) for v in exc.violations), PARAMETERS_FILENAME, exc.omitted
            ) from None

    def mark_upload_failed(self, task: Task, code: str, message: str) -> None:
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


def _agent_only(tool: ToolDef, slot: str) -> bool:
    spec = tool.slot(slot)
    return spec is not None and not spec.required and bool(spec.required_by_agents)
