"""Following one task: the events of a WatchTask stream.

The stream polls the task's row (any TaskService instance can serve it, and
it sees changes made by every instance). Every recorded status change is
sent as a STATUS event, in order, even one that was superseded before the
poll noticed it (a task may be QUEUED for a few milliseconds); other
changes of the row (progress) are sent as PROGRESS events; a heartbeat
keeps idle streams alive, and the stream ends after the terminal status.
An error after the first event (the task was deleted, say) is delivered as
a final ERROR event rather than a status that an HTTP/1.1 client behind the
gateway would never see.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from enum import Enum

from dqcommon.errors import ServiceError
from task_service.domain.model import Task, TaskEvent

log = logging.getLogger(__name__)


class EventType(Enum):
    SNAPSHOT = "SNAPSHOT"
    STATUS = "STATUS"
    PROGRESS = "PROGRESS"
    HEARTBEAT = "HEARTBEAT"
    ERROR = "ERROR"


@dataclass(frozen=True)
class WatchEvent:
    """One event of the stream."""

    type: EventType
    task: Task | None
    terminal: bool
    transition: TaskEvent | None = None
    error_code: str = ""
    error_message: str = ""


LoadTask = Callable[[], Awaitable[Task]]
LoadTransitions = Callable[[Task, int], Awaitable[list[TaskEvent]]]


async def watch_task(
    load: LoadTask,
    transitions: LoadTransitions,
    *,
    poll_interval: float = 0.5,
    heartbeat_interval: float = 15.0,
    max_consecutive_failures: int = 20,
) -> AsyncIterator[WatchEvent]:
    """Events of one task. ``load`` returns the task or raises ServiceError;
    ``transitions(task, after_id)`` the recorded status changes after an
    event id. Errors before the first event propagate (the call fails)."""
    last = await load()
    seen = max((t.event_id for t in await transitions(last, 0)), default=0)
    yield WatchEvent(EventType.SNAPSHOT, last, last.status.terminal)
    if last.status.terminal:
        return
    quiet = 0.0
    failures = 0
    while True:
        await asyncio.sleep(poll_interval)
        quiet += poll_interval
        try:
            current = await load()
            changes = await transitions(current, seen) if current.version != last.version else []
            for _ in range(3):
                if not changes or changes[-1].to_status is current.status:
                    break
                # The task and its history are read one after the other: a
                # change committed in between (QUEUED -> PROCESSING takes
                # milliseconds). Read both again so that the task sent with
                # the changes is not older than them.
                current = await load()
                changes = await transitions(current, seen)
            failures = 0
        except ServiceError as error:
            yield WatchEvent(EventType.ERROR, None, True, None, error.reason, error.message)
            return
        except Exception:
            failures += 1
            log.warning("could not read the watched task", exc_info=True)
            if failures >= max_consecutive_failures:
                yield WatchEvent(
                    EventType.ERROR,
                    None,
                    True,
                    None,
                    "SERVICE_UNAVAILABLE",
                    "The task cannot be read right now; reconnect to resume.",
                )
                return
            continue
        if current.version == last.version:
            if quiet >= heartbeat_interval:
                yield WatchEvent(EventType.HEARTBEAT, None, False)
                quiet = 0.0
            continue
        quiet = 0.0
        moved = current.status != last.status
        last = current
        if not changes:
            # A status change whose history row we could not read (the task
            # was deleted meanwhile) is still a status change.
            kind = EventType.STATUS if moved else EventType.PROGRESS
            yield WatchEvent(kind, current, current.status.terminal)
            if current.status.terminal:
                return
            continue
        for index, change in enumerate(changes):
            seen = change.event_id
            final = index == len(changes) - 1 and current.status.terminal
            yield WatchEvent(EventType.STATUS, current, final, change)
        if current.status.terminal:
            return
