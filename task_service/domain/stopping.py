"""Cancelling and deleting tasks. Every change is a conditional update on
the task's current status; a running analysis is told to stop and, before
a delete, given time to let go so that no object is left behind."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from dqcommon.errors import ServiceError
from task_service.domain import errors, scope
from task_service.domain.model import STAGE_OF, Progress, Task, TaskStatus
from task_service.domain.ports import StoragePort, TaskRepository
from task_service.domain.uploads import Multipart

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StopPolicy:
    """How long a delete waits for a running analysis (from settings)."""

    delete_wait_seconds: float = 10.0
    delete_settle_seconds: float = 1.0


class TaskStopper:
    """Cancels and deletes tasks the caller owns (``get`` checks that)."""

    def __init__(
        self,
        *,
        repo: TaskRepository,
        storage: StoragePort,
        get: Callable[[str, str], Task],
        abort: Callable[[str], None],
        sleep: Callable[[float], None],
        policy: StopPolicy,
    ) -> None:
        self._repo = repo
        self._storage = storage
        self._get = get
        self._abort = abort
        self._sleep = sleep
        self._policy = policy

    def cancel(self, user_id: str, task_id: str) -> Task:
        """Moves a non-terminal task to CANCELLED; its analysis, if any, is
        stopped and writes nothing more. A late worker can never overwrite
        CANCELLED (its writes are conditioned on its lease)."""
        for _ in range(5):  # the status may move under us (QUEUED -> PROCESSING)
            task = self._get(user_id, task_id)
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
        current = self._get(user_id, task_id)
        raise errors.invalid_state(
            task_id, current.status, "The task is changing status; please retry the cancel."
        )

    def delete(self, user_id: str, task_id: str) -> int:
        """Deletes the task and every object under its prefix; returns how
        many objects were deleted. A running analysis is cancelled first and
        given time to stop, so no object is left behind."""
        task = self._get(user_id, task_id)
        was_running = task.lease_owner is not None
        if not task.status.terminal:
            with contextlib.suppress(ServiceError):
                task = self.cancel(user_id, task_id)
            current = self._repo.get(task_id)
            was_running = was_running or (current is not None and current.lease_owner is not None)
        if was_running:
            self._wait_for_lease_release(task_id)
        # Unfinished multipart uploads hold parts that no listing shows.
        Multipart(self._storage, 1).abort(task)
        deleted = self._storage.delete_task_objects(user_id, task_id)
        if was_running:
            # A write that raced the cancellation may land a moment later.
            self._sleep(self._policy.delete_settle_seconds)
            deleted += self._storage.delete_task_objects(user_id, task_id)
        self._repo.delete(task_id)
        log.info("task deleted", extra={"task_id": task_id, "files_deleted": deleted})
        return deleted

    def _wait_for_lease_release(self, task_id: str) -> None:
        step = 0.1
        deadline = time.monotonic() + scope.remaining(self._policy.delete_wait_seconds)
        while time.monotonic() < deadline:
            current = self._repo.get(task_id)
            if current is None or current.lease_owner is None:
                return
            self._sleep(step)
        log.warning(
            "the analysis did not confirm it stopped; deleting anyway", extra={"task_id": task_id}
        )
