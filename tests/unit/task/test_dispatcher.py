"""The dispatcher over a real SQLite queue and a scripted AnalysisService."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from datetime import timedelta

import pytest

from task_service.domain.dispatcher import Dispatcher, DispatchPolicy
from task_service.domain.model import AgentOutcome, OutputFile, TaskStatus
from task_service.domain.ports import (
    AnalysisAgentFinished,
    AnalysisCompleted,
    AnalysisFailure,
    AnalysisProgress,
    TaskObject,
)
from task_service.domain.service import UploadRequest
from tests.unit.task.fakes import FakeAnalysis
from tests.unit.task.test_use_cases import USER, new_task, upload

pytestmark = pytest.mark.unit

REPORT = OutputFile(
    "report.json", "profile_my_data_analysis.json", "report", "json", "application/json", 42
)
OK = AgentOutcome("unified-profiler", "SUCCEEDED", execution_time_ms=5)


async def succeed(job):
    yield AnalysisProgress(10, "reading", "unified-profiler", 1, 0)
    yield AnalysisProgress(60, "profiling", "unified-profiler", 1, 0)
    yield AnalysisAgentFinished(OK)
    yield AnalysisCompleted((REPORT,), (OK,), 99)


def fail_with(code, retryable):
    async def script(job):
        yield AnalysisProgress(5, "reading", None, 1, 0)
        raise AnalysisFailure(code, f"{code} happened", retryable=retryable)

    return script


async def hang(job):
    yield AnalysisProgress(5, "reading", None, 1, 0)
    await asyncio.sleep(3600)


def queued_task(use_cases, storage):
    task = new_task(use_cases)
    use_cases.generate_upload_urls(
        USER, task.task_id, {"primary": UploadRequest("d.csv", "text/csv", 8)}
    )
    upload(storage, task)
    return use_cases.process_task(USER, task.task_id, "req-42")


def make_dispatcher(repo, use_cases, clock, analysis, storage, **policy):
    settings = {
        "poll_interval_seconds": 0.05,
        "progress_interval_seconds": 0.0,
        "retry_backoff_seconds": 10,
        **policy,
    }
    analyses = analysis if isinstance(analysis, list) else [analysis]
    return Dispatcher(
        repo=repo,
        analyses=analyses,
        storage=storage,
        load_parameters=use_cases.load_parameters,
        clock=clock,
        policy=DispatchPolicy(**settings),
        owner="worker-1",
    )


async def run_until(dispatcher, condition, timeout=10.0):
    runner = asyncio.create_task(dispatcher.run())
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while not await asyncio.to_thread(condition):
            assert asyncio.get_running_loop().time() < deadline, "condition never met"
            await asyncio.sleep(0.02)
    finally:
        await dispatcher.stop(grace_seconds=0.2)
        await runner


def test_a_queued_task_runs_to_completion(repo, use_cases, storage, clock):
    task = queued_task(use_cases, storage)
    analysis = FakeAnalysis(succeed)
    dispatcher = make_dispatcher(repo, use_cases, clock, analysis, storage)
    asyncio.run(
        run_until(dispatcher, lambda: repo.get(task.task_id).status is TaskStatus.COMPLETED)
    )
    done = repo.get(task.task_id)
    assert done.progress.percent == 100 and done.progress.stage == "completed"
    assert done.outputs == (REPORT,)
    assert done.agent_results == (OK,)
    assert done.execution_time_ms == 99
    assert done.lease_owner is None and done.completed_at is not None
    job = analysis.jobs[0]
    assert job.request_id == "req-42" and job.attempt == 1
    assert [i.slot for i in job.inputs] == ["primary"]
    assert job.inputs[0].etag == task.files["primary"].etag
    assert job.parameters["unified-profiler"]["top_n_values"] == 10
    assert [(e.from_status, e.to_status) for e in repo.history(task.task_id)][-2:] == [
        (TaskStatus.QUEUED, TaskStatus.PROCESSING),
        (TaskStatus.PROCESSING, TaskStatus.COMPLETED),
    ]


def test_a_permanent_failure_fails_the_task_with_its_code(repo, use_cases, storage, clock):
    task = queued_task(use_cases, storage)
    dispatcher = make_dispatcher(
        repo, use_cases, clock, FakeAnalysis(fail_with("INVALID_CSV", False)), storage
    )
    asyncio.run(run_until(dispatcher, lambda: repo.get(task.task_id).status is TaskStatus.FAILED))
    failed = repo.get(task.task_id)
    assert failed.error_code == "INVALID_CSV"
    assert failed.error_message == "INVALID_CSV happened"
    assert failed.failed_at is not None


def test_transient_failures_retry_with_backoff_then_give_up(repo, use_cases, storage, clock):
    task = queued_task(use_cases, storage)
    analysis = FakeAnalysis(fail_with("ANALYSIS_UNAVAILABLE", True))
    dispatcher = make_dispatcher(repo, use_cases, clock, analysis, storage, max_attempts=3)

    async def scenario():
        runner = asyncio.create_task(dispatcher.run())
        for attempt in (1, 2):
            while (
                repo.get(task.task_id).attempt < attempt
                or repo.get(task.task_id).status is not TaskStatus.QUEUED
            ):
                await asyncio.sleep(0.02)
            queued = repo.get(task.task_id)
            assert queued.error_code == "ANALYSIS_UNAVAILABLE"
            assert queued.progress.stage == "retry_scheduled"
            # Backoff: not picked up before available_at.
            assert queued.available_at == clock.now + timedelta(seconds=10 * 2 ** (attempt - 1))
            await asyncio.sleep(0.2)
            assert repo.get(task.task_id).status is TaskStatus.QUEUED
            clock.advance(10 * 2 ** (attempt - 1))
            dispatcher.wake()
        while repo.get(task.task_id).status is not TaskStatus.FAILED:
            await asyncio.sleep(0.02)
        await dispatcher.stop(0.1)
        await runner

    asyncio.run(scenario())
    failed = repo.get(task.task_id)
    assert failed.error_code == "PROCESSING_RETRIES_EXHAUSTED"
    assert "ANALYSIS_UNAVAILABLE" in failed.error_message
    assert len(analysis.jobs) == 3 and [j.attempt for j in analysis.jobs] == [1, 2, 3]


def test_stopping_hands_running_work_back_without_using_an_attempt(repo, use_cases, storage, clock):
    task = queued_task(use_cases, storage)
    dispatcher = make_dispatcher(repo, use_cases, clock, FakeAnalysis(hang), storage)

    async def scenario():
        runner = asyncio.create_task(dispatcher.run())
        while repo.get(task.task_id).status is not TaskStatus.PROCESSING:
            await asyncio.sleep(0.02)
        await dispatcher.stop(grace_seconds=0.1)
        await runner

    asyncio.run(scenario())
    back = repo.get(task.task_id)
    assert back.status is TaskStatus.QUEUED
    assert back.attempt == 0 and back.lease_owner is None
    assert "handed back" in repo.history(task.task_id)[-1].reason


def test_an_expired_lease_of_a_dead_worker_is_reclaimed(repo, use_cases, storage, clock):
    task = queued_task(use_cases, storage)
    # Another worker claims it and dies (never renews).
    repo.claim_next(
        owner="dead-worker", lease_until=clock.now + timedelta(seconds=30), now=clock.now
    )
    clock.advance(31)
    dispatcher = make_dispatcher(
        repo, use_cases, clock, FakeAnalysis(succeed), storage, retry_backoff_seconds=0
    )
    asyncio.run(
        run_until(dispatcher, lambda: repo.get(task.task_id).status is TaskStatus.COMPLETED)
    )
    reasons = [e.reason for e in repo.history(task.task_id)]
    assert any("WORKER_LOST" in r or "expired" in r for r in reasons)
    assert repo.get(task.task_id).attempt == 2


def test_at_most_concurrency_analyses_run_at_once(repo, use_cases, storage, clock):
    tasks = [queued_task(use_cases, storage) for _ in range(3)]
    dispatcher = make_dispatcher(repo, use_cases, clock, FakeAnalysis(hang), storage, concurrency=2)

    async def scenario():
        runner = asyncio.create_task(dispatcher.run())
        await asyncio.sleep(0.5)
        statuses = [repo.get(t.task_id).status for t in tasks]
        await dispatcher.stop(0.05)
        await runner
        return statuses

    statuses = asyncio.run(scenario())
    assert statuses.count(TaskStatus.PROCESSING) == 2
    assert statuses.count(TaskStatus.QUEUED) == 1


def test_progress_is_written_while_running(repo, use_cases, storage, clock):
    task = queued_task(use_cases, storage)
    seen = []

    async def slow(job):
        yield AnalysisProgress(50, "profiling", "unified-profiler", 1, 0)
        await asyncio.sleep(0.3)
        seen.append(repo.get(task.task_id).progress)
        yield AnalysisCompleted((REPORT,), (OK,), 1)

    dispatcher = make_dispatcher(repo, use_cases, clock, FakeAnalysis(slow), storage)
    asyncio.run(
        run_until(dispatcher, lambda: repo.get(task.task_id).status is TaskStatus.COMPLETED)
    )
    assert seen[0].percent == 55 and seen[0].stage == "profiling"
    assert seen[0].current_agent == "unified-profiler"


def busy(job):
    async def script(job):
        raise AnalysisFailure("ANALYSIS_CAPACITY_EXHAUSTED", "full", retryable=True)
        yield  # pragma: no cover - makes this an async generator

    return script(job)


def test_when_every_analysis_service_is_busy_the_task_waits_without_using_attempts(
    repo, use_cases, storage, clock
):
    task = queued_task(use_cases, storage)
    dispatcher = make_dispatcher(
        repo,
        use_cases,
        clock,
        [FakeAnalysis(busy), FakeAnalysis(busy)],
        storage,
        busy_retry_seconds=0.05,
    )

    async def scenario():
        runner = asyncio.create_task(dispatcher.run())
        while "no analysis service took the task" not in repo.history(task.task_id)[-1].reason:
            await asyncio.sleep(0.02)
        await dispatcher.stop(0.1)
        await runner

    asyncio.run(scenario())
    waiting = repo.get(task.task_id)
    assert waiting.status is TaskStatus.QUEUED
    assert waiting.attempt == 0 and waiting.progress.stage == "waiting_for_capacity"
    assert waiting.error_code is None


def test_work_goes_to_the_next_analysis_service_when_one_is_full(repo, use_cases, storage, clock):
    task = queued_task(use_cases, storage)
    full, free = FakeAnalysis(busy), FakeAnalysis(succeed)
    dispatcher = make_dispatcher(repo, use_cases, clock, [full, free], storage)
    asyncio.run(
        run_until(dispatcher, lambda: repo.get(task.task_id).status is TaskStatus.COMPLETED)
    )
    assert len(full.jobs) == 1 and len(free.jobs) == 1
    assert repo.get(task.task_id).attempt == 1


def test_a_cancelled_task_stops_its_analysis_and_keeps_cancelled(repo, use_cases, storage, clock):
    task = queued_task(use_cases, storage)
    storage.put(TaskObject(USER, task.task_id, "outputs", "attempt-1.partial.json"), b"{")
    dispatcher = make_dispatcher(
        repo, use_cases, clock, FakeAnalysis(hang), storage, cancel_check_interval_seconds=0.05
    )

    async def scenario():
        runner = asyncio.create_task(dispatcher.run())
        while repo.get(task.task_id).status is not TaskStatus.PROCESSING:
            await asyncio.sleep(0.02)
        await asyncio.to_thread(use_cases.cancel_task, USER, task.task_id)
        stopped_at = asyncio.get_running_loop().time()
        while dispatcher.running:
            await asyncio.sleep(0.01)
        elapsed = asyncio.get_running_loop().time() - stopped_at
        await dispatcher.stop(0.1)
        await runner
        return elapsed

    elapsed = asyncio.run(scenario())
    assert elapsed < 1.0
    final = repo.get(task.task_id)
    assert final.status is TaskStatus.CANCELLED and final.lease_owner is None
    assert final.error_code == "TASK_CANCELLED"
    assert not [k for k in storage.objects if "/outputs/" in k]


def test_partial_success_is_reported_not_hidden(repo, use_cases, storage, clock):
    task = queued_task(use_cases, storage)
    bad = AgentOutcome("other-agent", "FAILED", "AGENT_FAILED", "boom")

    async def partly(job):
        yield AnalysisCompleted((REPORT,), (OK, bad), 5)

    dispatcher = make_dispatcher(repo, use_cases, clock, FakeAnalysis(partly), storage)
    asyncio.run(
        run_until(dispatcher, lambda: repo.get(task.task_id).status is TaskStatus.COMPLETED)
    )
    done = repo.get(task.task_id)
    assert done.progress.stage == "completed_with_errors"
    assert "1 of 2 agents did not succeed: other-agent (AGENT_FAILED: boom)" in (done.error_message)
    assert [a.status for a in done.agent_results] == ["SUCCEEDED", "FAILED"]


def test_completion_removes_outputs_of_earlier_attempts(repo, use_cases, storage, clock):
    task = queued_task(use_cases, storage)
    for name in ("attempt-0.old.json", "report.json"):
        storage.put(TaskObject(USER, task.task_id, "outputs", name), b"x")
    dispatcher = make_dispatcher(repo, use_cases, clock, FakeAnalysis(succeed), storage)
    asyncio.run(
        run_until(dispatcher, lambda: repo.get(task.task_id).status is TaskStatus.COMPLETED)
    )
    outputs = sorted(k.rsplit("/", 1)[1] for k in storage.objects if "/outputs/" in k)
    assert outputs == ["report.json"]  # REPORT's object name: the manifest only


def test_an_attempt_past_the_time_limit_fails(repo, use_cases, storage, clock):
    task = queued_task(use_cases, storage)
    dispatcher = make_dispatcher(
        repo, use_cases, clock, FakeAnalysis(hang), storage, processing_timeout_seconds=0.3
    )
    asyncio.run(run_until(dispatcher, lambda: repo.get(task.task_id).status is TaskStatus.FAILED))
    failed = repo.get(task.task_id)
    assert failed.error_code == "PROCESSING_TIMEOUT" and failed.lease_owner is None


def test_an_unreachable_analysis_service_uses_no_attempt_but_a_broken_run_does(
    repo, use_cases, storage, clock
):
    task = queued_task(use_cases, storage)

    async def unreachable(job):
        raise AnalysisFailure("ANALYSIS_UNAVAILABLE", "connection refused", retryable=True)
        yield  # pragma: no cover

    broken = fail_with("ANALYSIS_UNAVAILABLE", True)  # fails after its first event
    analysis = FakeAnalysis(unreachable, unreachable, broken, succeed)
    dispatcher = make_dispatcher(
        repo, use_cases, clock, analysis, storage, busy_retry_seconds=0.01, retry_backoff_seconds=0
    )

    def done_while_time_passes():
        clock.advance(1)  # requeued tasks become available again
        return repo.get(task.task_id).status is TaskStatus.COMPLETED

    asyncio.run(run_until(dispatcher, done_while_time_passes))
    assert [job.attempt for job in analysis.jobs] == [1, 1, 1, 2]
    assert repo.get(task.task_id).attempt == 2


def test_a_late_completion_never_overwrites_cancelled(repo, use_cases, storage, clock):
    task = queued_task(use_cases, storage)
    cancelled = []

    written = dataclasses.replace(REPORT, object_name="attempt-1.report.json")

    async def slow_success(job):
        yield AnalysisProgress(10, "reading", None, 1, 0)
        while not cancelled:
            await asyncio.sleep(0.01)
        storage.put(TaskObject(USER, task.task_id, "outputs", written.object_name), b"{}")
        yield AnalysisCompleted((written,), (OK,), 7)

    # The dispatcher does not look for cancellations in time: the run
    # finishes after the task was cancelled.
    dispatcher = make_dispatcher(
        repo,
        use_cases,
        clock,
        FakeAnalysis(slow_success),
        storage,
        cancel_check_interval_seconds=60,
    )

    async def scenario():
        runner = asyncio.create_task(dispatcher.run())
        while repo.get(task.task_id).status is not TaskStatus.PROCESSING:
            await asyncio.sleep(0.01)
        await asyncio.to_thread(use_cases.cancel_task, USER, task.task_id)
        cancelled.append(True)
        while dispatcher.running:
            await asyncio.sleep(0.01)
        await dispatcher.stop(0.1)
        await runner

    asyncio.run(scenario())
    final = repo.get(task.task_id)
    assert final.status is TaskStatus.CANCELLED and final.outputs == ()
    assert not [k for k in storage.objects if "/outputs/" in k]


def test_recording_a_completion_is_never_mistaken_for_a_cancellation(
    repo, use_cases, storage, clock, monkeypatch
):
    task = queued_task(use_cases, storage)
    written = dataclasses.replace(REPORT, object_name="attempt-1.report.json")

    async def finish(job):
        storage.put(TaskObject(USER, task.task_id, "outputs", written.object_name), b"{}")
        yield AnalysisCompleted((written,), (OK,), 3)

    # The clean-up after completion is slow: the task is already COMPLETED
    # while the runner is still busy, and the watch loop looks meanwhile.
    delete = storage.delete_task_objects

    def slow_delete(*args, **kwargs):
        if kwargs.get("keep_names"):
            time.sleep(0.3)
        return delete(*args, **kwargs)

    monkeypatch.setattr(storage, "delete_task_objects", slow_delete)
    dispatcher = make_dispatcher(
        repo, use_cases, clock, FakeAnalysis(finish), storage, cancel_check_interval_seconds=0.01
    )

    async def scenario():
        runner = asyncio.create_task(dispatcher.run())
        while repo.get(task.task_id).status is not TaskStatus.COMPLETED:
            await asyncio.sleep(0.01)
        while dispatcher.running:
            await asyncio.sleep(0.01)
        await dispatcher.stop(0.1)
        await runner

    asyncio.run(scenario())
    assert repo.get(task.task_id).outputs == (written,)
    assert [k.rsplit("/", 1)[1] for k in storage.objects if "/outputs/" in k] == [
        "attempt-1.report.json"
    ]


# --- /process hands the task over before answering -------------------------------


async def accept_then_hang(job):
    yield AnalysisProgress(0, "reading", None, 1, 0)
    await asyncio.sleep(3600)


def process_answer(repo, storage, clock, analysis, **policy):
    """The task /process returns while a dispatcher (which polls rarely) runs."""
    from dqcommon.tools import default_catalog
    from task_service.domain.service import TaskPolicy, TaskUseCases

    holder: dict[str, Dispatcher] = {}
    use_cases = TaskUseCases(
        repo=repo,
        storage=storage,
        catalog=default_catalog(),
        clock=clock,
        policy=TaskPolicy(process_start_wait_seconds=5.0),
        start_processing=lambda task_id, timeout: holder["d"].start_now(task_id, timeout),
    )
    dispatcher = make_dispatcher(
        repo, use_cases, clock, analysis, storage, poll_interval_seconds=60, **policy
    )
    holder["d"] = dispatcher

    async def scenario():
        runner = asyncio.create_task(dispatcher.run())
        await asyncio.sleep(0.3)  # the first claim pass found nothing; next poll in 60 s
        try:
            return await asyncio.to_thread(queued_task, use_cases, storage)
        finally:
            await dispatcher.stop(grace_seconds=0.2)
            await runner

    return asyncio.run(scenario())


def test_process_answers_processing_once_an_analysis_service_has_taken_the_task(
    repo, storage, clock
):
    answer = process_answer(repo, storage, clock, FakeAnalysis(accept_then_hang))
    assert answer.status is TaskStatus.PROCESSING
    assert answer.progress.percent == 15 and answer.processing_started_at is not None


def test_process_answers_queued_when_every_analysis_service_is_full(repo, storage, clock):
    answer = process_answer(repo, storage, clock, FakeAnalysis(busy))
    assert answer.status is TaskStatus.QUEUED
    assert answer.progress.stage == "waiting_for_capacity" and answer.progress.percent == 15
    assert answer.attempt == 0  # waiting for capacity uses no attempt


def test_process_answers_queued_when_this_dispatcher_is_at_its_limit(repo, storage, clock):
    from dqcommon.tools import default_catalog
    from task_service.domain.service import TaskPolicy, TaskUseCases

    holder: dict[str, Dispatcher] = {}
    use_cases = TaskUseCases(
        repo=repo,
        storage=storage,
        catalog=default_catalog(),
        clock=clock,
        policy=TaskPolicy(),
        start_processing=lambda task_id, timeout: holder["d"].start_now(task_id, timeout),
    )
    dispatcher = make_dispatcher(
        repo,
        use_cases,
        clock,
        FakeAnalysis(accept_then_hang),
        storage,
        poll_interval_seconds=60,
        concurrency=1,
    )
    holder["d"] = dispatcher

    async def scenario():
        runner = asyncio.create_task(dispatcher.run())
        await asyncio.sleep(0.3)
        try:
            first = await asyncio.to_thread(queued_task, use_cases, storage)
            second = await asyncio.to_thread(queued_task, use_cases, storage)
            return first, second
        finally:
            await dispatcher.stop(grace_seconds=0.2)
            await runner

    first, second = asyncio.run(scenario())
    assert first.status is TaskStatus.PROCESSING
    assert second.status is TaskStatus.QUEUED and second.progress.percent == 15


def test_start_now_without_a_running_loop_does_not_wait(
    repo, use_cases, storage, clock, monkeypatch
):
    dispatcher = make_dispatcher(repo, use_cases, clock, FakeAnalysis(succeed), storage)

    def never(*_args, **_kwargs):
        raise AssertionError("nothing runs the dispatcher: there is nothing to wait for")

    monkeypatch.setattr(asyncio, "run_coroutine_threadsafe", never)
    dispatcher.start_now("00000000-0000-4000-8000-000000000000", 5.0)
