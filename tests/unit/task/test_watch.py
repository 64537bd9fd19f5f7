"""The events of a WatchTask stream."""

from __future__ import annotations

import asyncio
import dataclasses

import grpc
import pytest

from dqcommon.errors import ServiceError
from task_service.domain.model import Progress, TaskEvent, TaskStatus
from task_service.domain.watch import EventType, watch_task
from tests.unit.task.test_use_cases import new_task

pytestmark = pytest.mark.unit
S = TaskStatus


def event(event_id, source, target):
    return TaskEvent(
        task_id="t",
        from_status=source,
        to_status=target,
        at=None,
        reason=f"{source} -> {target}",
        event_id=event_id,
    )


def collect(states, history=(), **kwargs):
    """``states``: what each poll reads; ``history``: every recorded change."""
    sequence = iter(states)

    async def load():
        state = next(sequence)
        if isinstance(state, Exception):
            raise state
        return state

    async def transitions(task, after):
        return [e for e in history if e.event_id > after and e.event_id <= task.version]

    async def run():
        return [e async for e in watch_task(load, transitions, poll_interval=0.001, **kwargs)]

    return asyncio.run(run())


def test_every_status_change_is_sent_even_when_superseded(use_cases):
    created = new_task(use_cases)  # version 1, history event 1
    history = [
        event(1, None, S.CREATED),
        event(2, S.CREATED, S.UPLOADING),
        event(3, S.UPLOADING, S.QUEUED),
        event(4, S.QUEUED, S.PROCESSING),
        event(6, S.PROCESSING, S.COMPLETED),
    ]
    uploading = dataclasses.replace(created, version=2, status=S.UPLOADING)
    # The poll misses QUEUED: it was replaced by PROCESSING before the read.
    processing = dataclasses.replace(uploading, version=4, status=S.PROCESSING)
    progressed = dataclasses.replace(processing, version=5, progress=Progress(percent=40))
    done = dataclasses.replace(progressed, version=6, status=S.COMPLETED)
    events = collect([created, uploading, processing, progressed, done], history)
    assert [e.type for e in events] == [
        EventType.SNAPSHOT,
        EventType.STATUS,
        EventType.STATUS,
        EventType.STATUS,
        EventType.PROGRESS,
        EventType.STATUS,
    ]
    changes = [e.transition.to_status for e in events if e.transition]
    assert changes == [S.UPLOADING, S.QUEUED, S.PROCESSING, S.COMPLETED]
    assert [e.terminal for e in events] == [False] * 5 + [True]


def test_heartbeats_while_nothing_changes(use_cases):
    task = new_task(use_cases)
    cancelled = dataclasses.replace(task, version=2, status=S.CANCELLED)
    history = [event(1, None, S.CREATED), event(2, S.CREATED, S.CANCELLED)]
    events = collect([task] * 6 + [cancelled], history, heartbeat_interval=0.002)
    assert EventType.HEARTBEAT in [e.type for e in events]
    assert events[-1].terminal and events[-1].transition.to_status is S.CANCELLED


def test_a_terminal_task_ends_the_stream_at_once(use_cases):
    task = dataclasses.replace(new_task(use_cases), status=S.FAILED)
    events = collect([task])
    assert [(e.type, e.terminal) for e in events] == [(EventType.SNAPSHOT, True)]


def test_errors_after_the_start_arrive_as_an_event(use_cases):
    task = new_task(use_cases)
    gone = ServiceError(grpc.StatusCode.NOT_FOUND, "TASK_NOT_FOUND", "Task gone.")
    events = collect([task, gone])
    assert events[-1].type is EventType.ERROR and events[-1].terminal
    assert (events[-1].error_code, events[-1].error_message) == ("TASK_NOT_FOUND", "Task gone.")


def test_errors_before_the_first_event_fail_the_call():
    denied = ServiceError(grpc.StatusCode.PERMISSION_DENIED, "TASK_UNAUTHORIZED", "No.")
    with pytest.raises(ServiceError):
        collect([denied])


def test_transient_read_failures_are_retried_then_reported(use_cases):
    task = new_task(use_cases)
    done = dataclasses.replace(task, version=2, status=S.CANCELLED)
    history = [event(2, S.CREATED, S.CANCELLED)]
    events = collect([task, RuntimeError("db blip"), done], history)
    assert events[-1].task.status is S.CANCELLED
    events = collect([task] + [RuntimeError("down")] * 3, max_consecutive_failures=3)
    assert events[-1].type is EventType.ERROR and events[-1].error_code == "SERVICE_UNAVAILABLE"


def test_a_terminal_change_committed_between_two_reads_ends_the_stream(use_cases):
    created = new_task(use_cases)
    processing = dataclasses.replace(created, version=4, status=S.PROCESSING)
    done = dataclasses.replace(created, version=5, status=S.COMPLETED)
    history = [
        event(1, None, S.CREATED),
        event(4, S.QUEUED, S.PROCESSING),
        event(5, S.PROCESSING, S.COMPLETED),
    ]
    # The poll reads the task (still PROCESSING), then its history, which
    # already holds the COMPLETED change; later reads only see COMPLETED.
    reads = iter([created, processing, done, done, done, done])

    async def load():
        return next(reads)

    committed = iter([1, 5, 5, 5, 5])  # the newest history row at each read

    async def transitions(task, after):
        newest = next(committed)
        return [e for e in history if after < e.event_id <= newest]

    async def run():
        return [
            e
            async for e in watch_task(
                load, transitions, poll_interval=0.001, heartbeat_interval=0.002
            )
        ]

    events = asyncio.run(run())
    assert events[-1].terminal and events[-1].task.status is S.COMPLETED
    assert [e.transition.to_status for e in events if e.transition] == [S.PROCESSING, S.COMPLETED]


def test_a_status_change_whose_history_is_gone_is_still_a_status_event(use_cases):
    task = new_task(use_cases)
    cancelled = dataclasses.replace(task, version=2, status=S.CANCELLED)
    # Deleted right after the read: its history rows are gone.
    events = collect([task, cancelled], history=[])
    assert (events[-1].type, events[-1].terminal) == (EventType.STATUS, True)
    assert events[-1].task.status is S.CANCELLED and events[-1].transition is None


def test_a_change_committed_between_the_two_reads_is_not_sent_twice(use_cases):
    created = new_task(use_cases)
    uploading = dataclasses.replace(created, version=2, status=S.UPLOADING)
    queued = dataclasses.replace(created, version=3, status=S.QUEUED)
    processing = dataclasses.replace(created, version=4, status=S.PROCESSING)
    done = dataclasses.replace(created, version=5, status=S.COMPLETED)
    history = [
        event(1, None, S.CREATED),
        event(2, S.CREATED, S.UPLOADING),
        event(3, S.UPLOADING, S.QUEUED),
        event(4, S.QUEUED, S.PROCESSING),
        event(5, S.PROCESSING, S.COMPLETED),
    ]
    # The poll reads the task while QUEUED, then the history after the claim
    # (PROCESSING) committed: the history is ahead of the task it read.
    reads = iter([uploading, uploading, queued, processing, done])
    ahead = {3: 4}

    async def load():
        return next(reads)

    async def transitions(task, after):
        upto = ahead.pop(task.version, task.version)
        return [e for e in history if after < e.event_id <= upto]

    async def run():
        return [e async for e in watch_task(load, transitions, poll_interval=0.001)]

    events = asyncio.run(run())
    statuses = [e for e in events if e.type is EventType.STATUS]
    assert all(e.transition is not None for e in statuses)
    assert [e.transition.to_status for e in statuses] == [
        S.QUEUED,
        S.PROCESSING,
        S.COMPLETED,
    ]
    # Each change is sent with a task at least as new as the change.
    assert [e.task.status for e in statuses] == [S.PROCESSING, S.PROCESSING, S.COMPLETED]
