"""The dispatcher: hands queued tasks to AnalysisService and records what
happens to them.

The queue is the tasks table itself. A dispatcher claims the oldest QUEUED
task with a conditional update (``FOR UPDATE SKIP LOCKED`` on PostgreSQL),
which gives it a lease it renews while the analysis runs. Any number of
TaskService instances may run a dispatcher; each runs at most
``concurrency`` analyses at once. A lease that is not renewed (its
dispatcher died) expires, and any dispatcher puts the task back in the
queue, up to ``max_attempts``. Progress, completion and failure are written
with the lease owner as a condition, so a dispatcher that lost its lease
(or a task that was cancelled meanwhile) can never overwrite the outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from dqcommon.errors import ServiceError
from dqcommon.logging import log_context
from dqcommon.tools import PARAMETERS_SLOT
from task_service.domain.model import (
    STAGE_OF,
    AgentOutcome,
    Progress,
    Task,
    TaskStatus,
    task_progress,
)
from task_service.domain.ports import (
    AnalysisAgentFinished,
    AnalysisCompleted,
    AnalysisFailure,
    AnalysisInput,
    AnalysisJob,
    AnalysisPort,
    AnalysisProgress,
    Clock,
    TaskObject,
    TaskRepository,
)

log = logging.getLogger(__name__)

ParametersLoader = Callable[[Task], dict[str, dict[str, Any]]]


@dataclass(frozen=True)
class DispatchPolicy:
    """How the dispatcher behaves (from settings)."""

    concurrency: int = 2
    poll_interval_seconds: float = 1.0
    lease_seconds: float = 30.0
    max_attempts: int = 3
    retry_backoff_seconds: float = 5.0
    retry_backoff_max_seconds: float = 300.0
    progress_interval_seconds: float = 0.5
    processing_timeout_seconds: float = 1800.0


class Dispatcher:
    """Claims queued tasks and runs them on AnalysisService."""

    def __init__(
        self,
        *,
        repo: TaskRepository,
        analysis: AnalysisPort,
        load_parameters: ParametersLoader,
        clock: Clock,
        policy: DispatchPolicy,
        owner: str,
    ) -> None:
        self._repo = repo
        self._analysis = analysis
        self._load_parameters = load_parameters
        self._clock = clock
        self._policy = policy
        self.owner = owner
        self._running: dict[str, asyncio.Task[None]] = {}
        self._wakeup = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = False

    @property
    def running(self) -> frozenset[str]:
        """Ids of the tasks this dispatcher is running."""
        return frozenset(self._running)

    def wake(self) -> None:
        """Asks the loop to look for work now. Safe from any thread."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wakeup.set)

    async def run(self) -> None:
        """The claim loop; returns when :meth:`stop` is called."""
        self._loop = asyncio.get_running_loop()
        log.info(
            "dispatcher started",
            extra={"owner": self.owner, "concurrency": self._policy.concurrency},
        )
        while not self._stopping:
            try:
                await self._reclaim_stale()
                await self._claim_available()
            except Exception:
                log.exception("dispatcher iteration failed; retrying")
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self._policy.poll_interval_seconds)

    async def stop(self, grace_seconds: float) -> None:
        """Stops claiming; lets running analyses finish for ``grace_seconds``,
        then cancels them and hands their tasks back to the queue."""
        self._stopping = True
        self._wakeup.set()
        if not self._running:
            return
        log.info("dispatcher draining", extra={"running": sorted(self._running)})
        _, pending = await asyncio.wait(list(self._running.values()), timeout=grace_seconds)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=10)

    # --- claiming -------------------------------------------------------

    async def _claim_available(self) -> None:
        while not self._stopping and len(self._running) < self._policy.concurrency:
            now = self._clock()
            lease_until = now + timedelta(seconds=self._policy.lease_seconds)
            task = await asyncio.to_thread(
                self._repo.claim_next, owner=self.owner, lease_until=lease_until, now=now
            )
            if task is None:
                return
            runner = asyncio.create_task(self._execute(task), name=f"analysis-{task.task_id}")
            self._running[task.task_id] = runner
            runner.add_done_callback(lambda _t, tid=task.task_id: self._finished(tid))

    def _finished(self, task_id: str) -> None:
        self._running.pop(task_id, None)
        self._wakeup.set()

    async def _reclaim_stale(self) -> None:
        """Tasks whose lease ran out (their dispatcher died) go back to the
        queue or, out of attempts, fail; tasks past the time limit fail."""
        now = self._clock()
        started_before = now - timedelta(seconds=self._policy.processing_timeout_seconds)
        stale = await asyncio.to_thread(
            self._repo.find_stale, now=now, started_before=started_before, limit=50
        )
        for task in stale:
            if task.task_id in self._running:
                continue  # ours: the runner handles its own time limit
            timed_out = (
                task.attempt_started_at is not None and task.attempt_started_at < started_before
            )
            if timed_out:
                await self._fail(
                    task,
                    "PROCESSING_TIMEOUT",
                    f"Processing took longer than "
                    f"{int(self._policy.processing_timeout_seconds)} seconds.",
                    expected_version=task.version,
                )
            else:
                await self._retry_or_fail(
                    task,
                    "WORKER_LOST",
                    f"Lease of {task.lease_owner} expired during attempt {task.attempt}.",
                    expected_version=task.version,
                )

    # --- running one task ---------------------------------------------------

    async def _execute(self, task: Task) -> None:
        with log_context(request_id=task.request_id, task_id=task.task_id):
            log.info("analysis starting", extra={"attempt": task.attempt})
            renewer = asyncio.create_task(self._renew_lease(task, asyncio.current_task()))
            try:
                await asyncio.wait_for(
                    self._run_analysis(task), self._policy.processing_timeout_seconds
                )
            except TimeoutError:
                await self._fail(
                    task,
                    "PROCESSING_TIMEOUT",
                    f"Processing took longer than "
                    f"{int(self._policy.processing_timeout_seconds)} seconds.",
                )
            except asyncio.CancelledError:
                if self._stopping:
                    await asyncio.shield(self._hand_back(task))
                raise
            except AnalysisFailure as failure:
                if failure.retryable:
                    await self._retry_or_fail(task, failure.code, failure.message)
                else:
                    await self._fail(task, failure.code, failure.message)
            except ServiceError as error:
                # Parameters became invalid or an input was replaced.
                await self._fail(task, error.reason, error.message)
            except Exception:
                log.exception("analysis hand-off failed")
                await self._retry_or_fail(
                    task, "PROCESSING_ERROR", "Unexpected error while running the analysis."
                )
            finally:
                renewer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await renewer

    async def _run_analysis(self, task: Task) -> None:
        parameters = await asyncio.to_thread(self._load_parameters, task)
        job = AnalysisJob(
            task_id=task.task_id,
            user_id=task.user_id,
            tool_id=task.tool_id,
            agents=task.agents,
            parameters=parameters,
            inputs=tuple(
                AnalysisInput(
                    slot=slot,
                    object=TaskObject(task.user_id, task.task_id, "inputs", f.object_name),
                    etag=f.etag,
                    size_bytes=f.size_bytes,
                    original_filename=f.filename,
                )
                for slot, f in sorted(task.files.items())
                if slot != PARAMETERS_SLOT
            ),
            attempt=task.attempt,
            request_id=task.request_id,
        )
        last_write = 0.0
        last_progress: Progress | None = None
        finished: list[AgentOutcome] = []
        loop = asyncio.get_running_loop()
        async for event in self._analysis.run(job):
            if isinstance(event, AnalysisProgress):
                progress = Progress(
                    percent=task_progress(event.percent),
                    stage=event.stage,
                    current_agent=event.current_agent,
                    agents_total=event.agents_total,
                    agents_completed=event.agents_completed,
                )
                due = loop.time() - last_write >= self._policy.progress_interval_seconds
                changed_stage = last_progress is None or (
                    (progress.stage, progress.current_agent, progress.agents_completed)
                    != (
                        last_progress.stage,
                        last_progress.current_agent,
                        last_progress.agents_completed,
                    )
                )
                if progress != last_progress and (due or changed_stage):
                    still_ours = await asyncio.to_thread(
                        self._repo.update_progress,
                        task.task_id,
                        lease_owner=self.owner,
                        progress=progress,
                    )
                    if not still_ours:
                        log.info("task is no longer ours (cancelled or reclaimed); stopping")
                        return
                    last_write = loop.time()
                    last_progress = progress
            elif isinstance(event, AnalysisAgentFinished):
                finished.append(event.outcome)
            elif isinstance(event, AnalysisCompleted):
                await self._complete(task, event)
                return
        raise AnalysisFailure(
            "ANALYSIS_UNAVAILABLE", "The analysis stream ended without a result.", retryable=True
        )

    async def _renew_lease(self, task: Task, runner: asyncio.Task[Any] | None) -> None:
        """Keeps the lease alive; cancels the run when the task stops being
        ours (cancelled, deleted, or reclaimed after a long pause)."""
        interval = max(0.2, self._policy.lease_seconds / 3)
        while True:
            await asyncio.sleep(interval)
            until = self._clock() + timedelta(seconds=self._policy.lease_seconds)
            try:
                ours = await asyncio.to_thread(
                    self._repo.renew_lease, task.task_id, owner=self.owner, until=until
                )
            except Exception:
                log.warning("lease renewal failed", exc_info=True)
                continue
            if not ours:
                log.info("lease lost; stopping the analysis")
                if runner is not None:
                    runner.cancel()
                return

    # --- outcomes -----------------------------------------------------------

    async def _complete(self, task: Task, done: AnalysisCompleted) -> None:
        stage, percent = STAGE_OF[TaskStatus.COMPLETED]
        succeeded = sum(1 for r in done.agent_results if r.status == "SUCCEEDED")
        updated = await asyncio.to_thread(
            self._repo.transition,
            task.task_id,
            allowed_from=frozenset({TaskStatus.PROCESSING}),
            to=TaskStatus.COMPLETED,
            reason=f"analysis completed ({succeeded}/{len(done.agent_results)} agents succeeded)",
            lease_owner=self.owner,
            changes={
                "outputs": done.outputs,
                "agent_results": done.agent_results,
                "execution_time_ms": done.execution_time_ms,
                "progress": Progress(
                    percent=percent,
                    stage=stage,
                    agents_total=len(task.agents),
                    agents_completed=len(done.agent_results),
                ),
                "lease_owner": None,
                "lease_expires_at": None,
                "error_code": None,
                "error_message": None,
            },
        )
        if updated is None:
            log.warning("completion not recorded: the task is no longer ours")
        else:
            log.info("task completed", extra={"execution_time_ms": done.execution_time_ms})

    async def _fail(
        self, task: Task, code: str, message: str, *, expected_version: int | None = None
    ) -> None:
        stage, _ = STAGE_OF[TaskStatus.FAILED]
        updated = await asyncio.to_thread(
            self._repo.transition,
            task.task_id,
            allowed_from=frozenset({TaskStatus.PROCESSING}),
            to=TaskStatus.FAILED,
            reason=f"{code}: {message}",
            lease_owner=None if expected_version is not None else self.owner,
            expected_version=expected_version,
            changes={
                "error_code": code,
                "error_message": message[:2000],
                "progress": Progress(
                    percent=task.progress.percent, stage=stage, agents_total=len(task.agents)
                ),
                "lease_owner": None,
                "lease_expires_at": None,
            },
        )
        if updated is not None:
            log.warning("task failed", extra={"error_code": code, "error": message})

    async def _retry_or_fail(
        self, task: Task, code: str, message: str, *, expected_version: int | None = None
    ) -> None:
        if task.attempt >= self._policy.max_attempts:
            await self._fail(
                task,
                "PROCESSING_RETRIES_EXHAUSTED",
                f"Gave up after {task.attempt} attempt(s); last error {code}: {message}",
                expected_version=expected_version,
            )
            return
        delay = min(
            self._policy.retry_backoff_max_seconds,
            self._policy.retry_backoff_seconds * 2 ** max(0, task.attempt - 1),
        )
        await self._requeue(
            task,
            f"attempt {task.attempt} failed ({code}: {message}); retrying in {delay:.0f}s",
            delay,
            code,
            message,
            expected_version=expected_version,
        )

    async def _hand_back(self, task: Task) -> None:
        """Shutting down: the task goes back to the queue without using up an
        attempt."""
        await self._requeue(
            task,
            f"handed back by {self.owner} (shutting down)",
            0.0,
            None,
            None,
            attempt=max(0, task.attempt - 1),
        )

    async def _requeue(
        self,
        task: Task,
        reason: str,
        delay: float,
        code: str | None,
        message: str | None,
        *,
        attempt: int | None = None,
        expected_version: int | None = None,
    ) -> None:
        stage, percent = STAGE_OF[TaskStatus.QUEUED]
        changes: dict[str, Any] = {
            "available_at": self._clock() + timedelta(seconds=delay),
            "progress": Progress(
                percent=percent,
                stage="retry_scheduled" if code else stage,
                agents_total=len(task.agents),
            ),
            "lease_owner": None,
            "lease_expires_at": None,
            "error_code": code,
            "error_message": message,
        }
        if attempt is not None:
            changes["attempt"] = attempt
        updated = await asyncio.to_thread(
            self._repo.transition,
            task.task_id,
            allowed_from=frozenset({TaskStatus.PROCESSING}),
            to=TaskStatus.QUEUED,
            reason=reason,
            lease_owner=None if expected_version is not None else self.owner,
            expected_version=expected_version,
            changes=changes,
        )
        if updated is not None:
            log.info("task requeued", extra={"reason": reason})
            self._wakeup.set()
