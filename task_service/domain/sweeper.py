"""The sweeper: expires abandoned tasks and enforces file retention.

* A task still CREATED, UPLOADING or UPLOAD_FAILED with no change for
  ``abandon_after`` (15 minutes: the lifetime of its upload URLs) becomes
  EXPIRED, and whatever was uploaded is deleted (unfinished multipart
  uploads are aborted, which frees their parts).
* Input files are deleted ``inputs_retention`` (7 days) after a task reached
  a terminal status, output files after ``outputs_retention`` (30 days); the
  task records when (``inputs_deleted_at``, ``outputs_deleted_at``).

It runs on a schedule inside every TaskService instance. Running it on
several instances at once is safe: expiry is a conditional transition (on
the task's version, so a task that moved on is left alone), deletes are
idempotent, and the bookkeeping update only marks a task once.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from task_service.domain.model import ABANDONABLE, STAGE_OF, Progress, TaskStatus
from task_service.domain.ports import Area, Clock, StoragePort, TaskRepository
from task_service.domain.uploads import Multipart

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepPolicy:
    """When things expire (from settings)."""

    interval_seconds: float = 60.0
    abandon_after_seconds: float = 15 * 60
    inputs_retention_seconds: float = 7 * 24 * 3600
    outputs_retention_seconds: float = 30 * 24 * 3600
    batch_size: int = 100


@dataclass(frozen=True)
class SweepReport:
    """What one sweep did."""

    expired: int = 0
    inputs_deleted: int = 0
    outputs_deleted: int = 0
    files_deleted: int = 0


class Sweeper:
    """Expiry and retention, one batch per kind per sweep."""

    def __init__(
        self, *, repo: TaskRepository, storage: StoragePort, clock: Clock, policy: SweepPolicy
    ) -> None:
        self._repo = repo
        self._storage = storage
        self._clock = clock
        self._policy = policy
        self._multipart = Multipart(storage, 1)

    async def run(self) -> None:
        """Sweeps every ``interval_seconds`` until cancelled."""
        while True:
            try:
                report = await asyncio.to_thread(self.sweep)
                if report != SweepReport():
                    log.info("sweep", extra=vars(report))
            except Exception:  # logged; the next sweep retries
                log.exception("sweep failed")
            await asyncio.sleep(self._policy.interval_seconds)

    def sweep(self) -> SweepReport:
        """One sweep (also what tests call, with a controllable clock)."""
        expired, expired_files = self._expire_abandoned()
        inputs, input_files = self._purge("inputs", self._policy.inputs_retention_seconds)
        outputs, output_files = self._purge("outputs", self._policy.outputs_retention_seconds)
        return SweepReport(
            expired=expired,
            inputs_deleted=inputs,
            outputs_deleted=outputs,
            files_deleted=expired_files + input_files + output_files,
        )

    def _expire_abandoned(self) -> tuple[int, int]:
        now = self._clock()
        cutoff = now - timedelta(seconds=self._policy.abandon_after_seconds)
        minutes = int(self._policy.abandon_after_seconds // 60)
        expired = files = 0
        for task in self._repo.find_abandoned(updated_before=cutoff, limit=self._policy.batch_size):
            stage, _ = STAGE_OF[TaskStatus.EXPIRED]
            updated = self._repo.transition(
                task.task_id,
                allowed_from=ABANDONABLE,
                to=TaskStatus.EXPIRED,
                reason=f"no activity for {minutes} minutes while {task.status.value}",
                expected_version=task.version,
                changes={
                    "error_code": "TASK_EXPIRED",
                    "error_message": f"The task was not processed within {minutes} minutes "
                    "of its last change; its uploads were deleted.",
                    "progress": Progress(
                        percent=task.progress.percent,
                        stage=stage,
                        agents_total=task.progress.agents_total,
                    ),
                },
            )
            if updated is None:
                continue  # it moved on, or another sweeper got there first
            expired += 1
            self._multipart.abort(task)
            files += self._storage.delete_task_objects(task.user_id, task.task_id)
            self._repo.mark_deleted(task.task_id, area="inputs", at=now)
            self._repo.mark_deleted(task.task_id, area="outputs", at=now)
        return expired, files

    def _purge(self, area: Area, retention_seconds: float) -> tuple[int, int]:
        now = self._clock()
        cutoff = now - timedelta(seconds=retention_seconds)
        purged = files = 0
        for task in self._repo.find_retention_due(
            area=area, terminal_before=cutoff, limit=self._policy.batch_size
        ):
            # Delete first, then mark: a crash in between only repeats the
            # (idempotent) delete on the next sweep.
            if area == "inputs":
                self._multipart.abort(task)
            files += self._storage.delete_task_objects(task.user_id, task.task_id, area)
            if self._repo.mark_deleted(task.task_id, area=area, at=now):
                purged += 1
        return purged, files
