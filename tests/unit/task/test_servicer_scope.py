"""The servicer runs each use case within its call: a deadline from the
client (or the service's own limit) and cancellation reach the worker
thread, which stops at its next check."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from task_service.domain import scope
from task_service.servicer import TaskServicer

pytestmark = pytest.mark.unit


class Context:
    def __init__(self, remaining: float | None) -> None:
        self.remaining = remaining

    def time_remaining(self) -> float | None:
        return self.remaining


def test_a_cancelled_call_stops_its_worker_thread():
    servicer = TaskServicer(use_cases=None, call_timeout_seconds=60)  # type: ignore[arg-type]
    stopped = threading.Event()

    def work() -> None:
        while not scope.current().cancelled:
            time.sleep(0.01)
        stopped.set()

    async def scenario() -> None:
        call = asyncio.ensure_future(servicer._call(Context(None), work))
        await asyncio.sleep(0.1)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call

    asyncio.run(scenario())
    assert stopped.wait(5)


def test_the_clients_deadline_bounds_the_work():
    servicer = TaskServicer(use_cases=None, call_timeout_seconds=60)  # type: ignore[arg-type]
    seen = asyncio.run(servicer._call(Context(2.0), lambda: scope.remaining(100)))
    assert 0 < seen <= 2.0
    seen = asyncio.run(servicer._call(Context(None), lambda: scope.remaining(100)))
    assert 2.0 < seen <= 60
