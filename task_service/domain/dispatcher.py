"""The dispatcher: hands queued tasks to AnalysisService and records what
happens to them.

The queue is the tasks table itself. A dispatcher claims the oldest QUEUED
task with a conditional update (``FOR UPDATE SKIP LOCKED`` on PostgreSQL),
which gives it a lease it renews while the analysis runs. Any number of
TaskService instances may run a dispatcher; each drives at most
``concurrency`` analyses at once, spread over the AnalysisService instances
it knows. An AnalysisService that is full refuses (RESOURCE_EXHAUSTED); when
all are full the task goes back to the queue without using up an attempt.

A lease that is not renewed (its dispatcher died) expires, and any
dispatcher puts the task back in the queue, up to ``max_attempts``.
Progress, completion and failure are written with the lease owner as a
condition, so a dispatcher that lost its lease, or a task cancelled
meanwhile, can never be overwritten. A cancelled task's analysis is stopped
within ``cancel_check_interval_seconds``.

A ``/process`` call does not wait for the next poll: :meth:`Dispatcher.start_now`
claims at once and waits until the analysis service has accepted the task
(its first event) or refused it, so the caller sees the real status.

Each attempt writes its outputs under its own names (``attempt-N.…``); the
task records the completing attempt's files, and the others are deleted, so
a retry never mixes the outputs of two attempts.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from dqcommon.errors import ServiceError
from dqcommon.logging import log_context
from dqcommon.naming import attempt_prefix
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
    StoragePort,
    TaskObject,
    TaskRepository,
)

log = logging.getLogger(__name__)

ParametersLoader = Callable[[Task], dict[str, dict[str, Any]]]
CAPACITY_EXHAUSTED = "ANALYSIS_CAPACITY_EXHAUSTED"


@dataclass(frozen=True)
class DispatchPolicy:
    """How the dispatcher behaves (from settings)."""

    concurrency: int = 2
    poll_interval_seconds: float = 1.0
    lease_seconds: float = 30.0
    max_attempts: int = 3
    retry_backoff_seconds: float = 5.0
    retry_backoff_max_seconds: float = 300.0
    busy_retry_seconds: float = 1.0
    progress_interval_seconds: float = 0.5
    processing_timeout_seconds: float = 1800.0
    cancel_check_interval_seconds: float = 0.5


class AllAnalysesBusy(Exception):
    """No AnalysisService instance took the work: each was full or could not
    be reached. Nothing ran, so no attempt is used up."""


class _NotStarted(Exception):
    """An AnalysisService refused or could not be reached before the
    analysis started."""

    def __init__(self, failure: AnalysisFailure) -> None:
        super().__init__(str(failure))
        self.failure = failure


# Failures before the first event that mean "try elsewhere / later".
_NOT_STARTED_CODES = frozenset({CAPACITY_EXHAUSTED, "ANALYSIS_UNAVAILABLE"})


@dataclass
class _Running:
    task: Task
    runner: asyncio.Task[None]
    abort_reason: str | None = None
    # Set once the runner starts recording the outcome: from then on the
    # task leaving PROCESSING is its own doing, not a reason to abort (an
    # abort would discard the outputs it has just recorded).
    settled: bool = False


async def _prepend(first: Any, rest: Any) -> Any:
    if first is not None:
        yield first
    async for item in rest:
        yield item


class Dispatcher:
    """Claims queued tasks and runs them on AnalysisService instances."""

    def __init__(
        self,
        *,
        repo: TaskRepository,
        analyses: Sequence[AnalysisPort],
        storage: StoragePort,
        load_parameters: ParametersLoader,
        clock: Clock,
        policy: DispatchPolicy,
        owner: str,
    ) -> None:
        if not analyses:
            raise ValueError("at least one AnalysisService is needed")
        self._repo = repo
        self._analyses = list(analyses)
        self._rotation = itertools.cycle(range(len(self._analyses)))
        self._storage = storage
        self._load_parameters = load_parameters
        self._clock = clock
        self._policy = policy
        self.owner = owner
        self._running: dict[str, _Running] = {}
        self._wakeup = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = False
        self._saturated_until = 0.0
        self._busy_streak = 0
        self._claim_lock = asyncio.Lock()
        # /process calls waiting for their task's hand-over, by task id.
        self._admission: dict[str, asyncio.Future[None]] = {}

    @property
    def running(self) -> frozenset[str]:
        """Ids of the tasks this dispatcher is running."""
        return frozenset(self._running)

    def wake(self) -> None:
        """Asks the loop to look for work now. Safe from any thread."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wakeup.set)

    def start_now(self, task_id: str, timeout: float) -> None:
        """Claims queued work now (oldest first, as always) and, if this
        dispatcher took ``task_id``, waits until its analysis service has
        accepted or refused it; at most ``timeout`` seconds. Blocking:
        called from a worker thread, never from the event loop."""
        loop = self._loop
        if loop is None or loop.is_closed() or self._stopping or timeout <= 0:
            self.wake()
            return
        future = asyncio.run_coroutine_threadsafe(self._start_now(task_id, timeout), loop)
        try:
            future.result(timeout + 1.0)
        except (concurrent.futures.TimeoutError, TimeoutError):
            future.cancel()
        except Exception:
            log.warning("could not start the task at once; it waits in the queue", exc_info=True)

    async def _start_now(self, task_id: str, timeout: float) -> None:
        admitted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._admission[task_id] = admitted
        try:
            await self._claim_available()
            if task_id in self._running and not admitted.done():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(admitted), timeout)
        finally:
            self._admission.pop(task_id, None)
            if not admitted.done():
                admitted.cancel()

    def _admitted(self, task_id: str) -> None:
        """The analysis service answered for ``task_id`` (accepted it, or the
        task went back to the queue or failed)."""
        waiter = self._admission.get(task_id)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def abort(self, task_id: str, reason: str = "cancelled") -> None:
        """Stops the analysis of ``task_id`` if this dispatcher runs it (the
        caller has already changed the task's status). Safe from any thread."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._abort, task_id, reason)

    def _abort(self, task_id: str, reason: str) -> None:
        running = self._running.get(task_id)
        if running is not None and not running.settled and not running.runner.done():
            running.abort_reason = reason
            running.runner.cancel()

    async def run(self) -> None:
        """The claim loop; returns when :meth:`stop` is called."""
        self._loop = asyncio.get_running_loop()
        log.info(
            "dispatcher started",
            extra={
                "owner": self.owner,
                "concurrency": self._policy.concurrency,
                "analysis_services": len(self._analyses),
            },
        )
        watcher = asyncio.create_task(self._watch_running(), name="dispatcher-watch")
        try:
            while not self._stopping:
                try:
                    await self._reclaim_stale()
                    await self._claim_available()
                except Exception:
                    log.exception("dispatcher iteration failed; retrying")
                self._wakeup.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), self._policy.poll_interval_seconds)
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher

    async def stop(self, grace_seconds: float) -> None:
        """Stops claiming; lets running analyses finish for ``grace_seconds``,
        then cancels them and hands their tasks back to the queue."""
        self._stopping = True
        self._wakeup.set()
        if not self._running:
            return
        log.info("dispatcher draining", extra={"running": sorted(self._running)})
        runners = [r.runner for r in self._running.values()]
        _, pending = await asyncio.wait(runners, timeout=grace_seconds)
        for runner in pending:
            runner.cancel()
        if pending:
            await asyncio.wait(pending, timeout=10)

    # --- claiming -------------------------------------------------------

    async def _claim_available(self) -> None:
        async with self._claim_lock:
            await self._claim_while_room()

    async def _claim_while_room(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._stopping and len(self._running) < self._policy.concurrency:
            if loop.time() < self._saturated_until:
                return  # every analysis service was full a moment ago
            now = self._clock()
            lease_until = now + timedelta(seconds=self._policy.lease_seconds)
            task = await asyncio.to_thread(
                self._repo.claim_next, owner=self.owner, lease_until=lease_until, now=now
            )
            if task is None:
                return
            runner = asyncio.create_task(self._execute(task), name=f"analysis-{task.task_id}")
            self._running[task.task_id] = _Running(task, runner)
            runner.add_done_callback(functools.partial(self._on_runner_done, task.task_id))

    def _on_runner_done(self, task_id: str, _runner: asyncio.Task[None]) -> None:
        self._finished(task_id)

    def _finished(self, task_id: str) -> None:
        self._running.pop(task_id, None)
        self._wakeup.set()

    async def _watch_running(self) -> None:
        """Notices, within a fraction of a second, that a running task was
        cancelled, deleted or reclaimed elsewhere, and stops its analysis."""
        while True:
            await asyncio.sleep(self._policy.cancel_check_interval_seconds)
            ids = [tid for tid, r in self._running.items() if not r.runner.done()]
            if not ids:
                continue
            try:
                states = await asyncio.to_thread(self._repo.lease_states, ids)
            except Exception:
                log.warning("could not check running tasks", exc_info=True)
                continue
            for task_id in ids:
                status, owner = states.get(task_id, (None, None))
                if status is TaskStatus.PROCESSING and owner == self.owner:
                    continue
                why = "deleted" if status is None else f"now {status.value}"
                if status is TaskStatus.PROCESSING:
                    why = f"reclaimed by {owner}"
                self._abort(task_id, why)

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
                continue  # ours: the runner enforces its own time limit
            timed_out = (
                task.attempt_started_at is not None and task.attempt_started_at < started_before
            )
            if timed_out:
                await self._fail(
                    task,
                    "PROCESSING_TIMEOUT",
                    self._timeout_message(),
                    expected_version=task.version,
                )
            else:
                await self._retry_or_fail(
                    task,
                    "WORKER_LOST",
                    f"The worker {task.lease_owner} stopped renewing its lease during "
                    f"attempt {task.attempt}.",
                    expected_version=task.version,
                )

    # --- running one task ---------------------------------------------------

    async def _execute(self, task: Task) -> None:
        with log_context(request_id=task.request_id, task_id=task.task_id):
            log.info("analysis starting", extra={"attempt": task.attempt})
            renewer = asyncio.create_task(self._renew_lease(task))
            try:
                await asyncio.wait_for(
                    self._run_analysis(task), self._policy.processing_timeout_seconds
                )
            except TimeoutError:
                await self._fail(task, "PROCESSING_TIMEOUT", self._timeout_message())
                await self._discard_attempt_outputs(task)
            except asyncio.CancelledError:
                await asyncio.shield(self._after_cancel(task))
                raise
            except AllAnalysesBusy as busy:
                await self._requeue(
                    task,
                    f"no analysis service took the task ({busy}); waiting in the queue",
                    self._busy_delay(),
                    None,
                    None,
                    attempt=max(0, task.attempt - 1),
                    stage="waiting_for_capacity",
                )
            except AnalysisFailure as failure:
                await self._discard_attempt_outputs(task)
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
                self._admitted(task.task_id)
                renewer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await renewer

    async def _after_cancel(self, task: Task) -> None:
        running = self._running.get(task.task_id)
        reason = running.abort_reason if running else None
        if self._stopping and reason is None:
            await self._hand_back(task)
            return
        log.info("analysis stopped", extra={"why": reason or "cancelled"})
        await self._let_go(task)

    async def _let_go(self, task: Task) -> None:
        """The task is no longer ours (cancelled, deleted, reclaimed): drop
        what this attempt wrote, then release the lease, which tells a
        waiting DELETE that the analysis has stopped."""
        await self._discard_attempt_outputs(task)
        try:
            await asyncio.to_thread(self._repo.release_lease, task.task_id, owner=self.owner)
        except Exception:  # logged; a stale lease on a finished task is harmless
            log.warning("could not release a lease", exc_info=True)

    async def _discard_attempt_outputs(self, task: Task) -> None:
        """Deletes what this attempt wrote (its names only: another attempt
        may be running elsewhere)."""
        try:
            await asyncio.to_thread(
                self._storage.delete_task_objects,
                task.user_id,
                task.task_id,
                "outputs",
                name_prefix=attempt_prefix(task.attempt),
            )
        except Exception:
            log.warning("could not delete an attempt's outputs", exc_info=True)

    def _job(self, task: Task, parameters: dict[str, dict[str, Any]]) -> AnalysisJob:
        return AnalysisJob(
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

    async def _run_analysis(self, task: Task) -> None:
        parameters = await asyncio.to_thread(self._load_parameters, task)
        job = self._job(task, parameters)
        reasons = []
        for _ in range(len(self._analyses)):
            analysis = self._analyses[next(self._rotation)]
            try:
                await self._follow(task, analysis, job)
                self._busy_streak = 0
                return
            except _NotStarted as refused:
                reasons.append(refused.failure.code)
                log.info(
                    "analysis service did not take the task; trying the next one",
                    extra={"reason": refused.failure.code},
                )
        loop = asyncio.get_running_loop()
        self._busy_streak += 1
        self._saturated_until = loop.time() + self._busy_delay()
        raise AllAnalysesBusy(", ".join(sorted(set(reasons))))

    def _busy_delay(self) -> float:
        """Grows while no analysis service takes work (max one minute)."""
        streak = max(0, self._busy_streak - 1)
        return min(60.0, self._policy.busy_retry_seconds * 2 ** min(streak, 10))

    async def _follow(self, task: Task, analysis: AnalysisPort, job: AnalysisJob) -> None:
        last_write = 0.0
        last_progress: Progress | None = None
        finished: list[AgentOutcome] = []
        loop = asyncio.get_running_loop()
        events = analysis.run(job).__aiter__()
        try:
            first = await events.__anext__()
        except StopAsyncIteration:
            first = None
        except AnalysisFailure as failure:
            if failure.code in _NOT_STARTED_CODES:
                raise _NotStarted(failure) from None
            raise
        self._admitted(task.task_id)
        async for event in _prepend(first, events):
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
                        await self._let_go(task)
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

    async def _renew_lease(self, task: Task) -> None:
        """Keeps the lease alive; stops the run when the task stops being ours."""
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
                self._abort(task.task_id, "lease lost")
                return

    # --- outcomes -----------------------------------------------------------

    async def _complete(self, task: Task, done: AnalysisCompleted) -> None:
        running = self._running.get(task.task_id)
        if running is not None:
            running.settled = True
        failed = [r for r in done.agent_results if r.status != "SUCCEEDED"]
        total = len(done.agent_results)
        if failed:
            stage = "completed_with_errors"
            message = f"{len(failed)} of {total} agents did not succeed: " + "; ".join(
                f"{r.agent_id} ({r.error_code}: {r.error_message})" for r in failed
            )
        else:
            stage, message = STAGE_OF[TaskStatus.COMPLETED][0], None
        updated = await asyncio.to_thread(
            self._repo.transition,
            task.task_id,
            allowed_from=frozenset({TaskStatus.PROCESSING}),
            to=TaskStatus.COMPLETED,
            reason=f"analysis completed ({total - len(failed)}/{total} agents succeeded)",
            lease_owner=self.owner,
            changes={
                "outputs": done.outputs,
                "agent_results": done.agent_results,
                "execution_time_ms": done.execution_time_ms,
                "progress": Progress(
                    percent=100,
                    stage=stage,
                    agents_total=len(task.agents),
                    agents_completed=total,
                ),
                "error_code": None,
                "error_message": message,
                "lease_owner": None,
                "lease_expires_at": None,
            },
        )
        if updated is None:
            log.warning("completion not recorded: the task is no longer ours")
            await self._let_go(task)
            return
        log.info("task completed", extra={"execution_time_ms": done.execution_time_ms})
        # Leftovers of earlier attempts (no later attempt can exist: we held
        # the lease until now).
        try:
            await asyncio.to_thread(
                self._storage.delete_task_objects,
                task.user_id,
                task.task_id,
                "outputs",
                keep_names=[o.object_name for o in done.outputs],
            )
        except Exception:
            log.warning("could not delete outputs of earlier attempts", exc_info=True)

    def _timeout_message(self) -> str:
        return (
            f"Processing took longer than {int(self._policy.processing_timeout_seconds)} "
            "seconds; the analysis was stopped."
        )

    async def _fail(
        self, task: Task, code: str, message: str, *, expected_version: int | None = None
    ) -> None:
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
                    percent=task.progress.percent,
                    stage=STAGE_OF[TaskStatus.FAILED][0],
                    agents_total=len(task.agents),
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
            stage="retry_scheduled",
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
        await self._discard_attempt_outputs(task)

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
        stage: str | None = None,
    ) -> None:
        changes: dict[str, Any] = {
            "available_at": self._clock() + timedelta(seconds=delay),
            "progress": Progress(
                percent=STAGE_OF[TaskStatus.QUEUED][1],
                stage=stage or STAGE_OF[TaskStatus.QUEUED][0],
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
