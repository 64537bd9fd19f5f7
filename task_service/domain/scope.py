"""The call a use case works for: when its client has gone (the gRPC call
was cancelled) or its deadline has passed, the work stops at the next
check instead of running on for nobody.

The servicer opens a scope around each call; use cases (which run in a
worker thread, where the scope follows them through the context) call
:func:`check` between steps and bound their waits with :func:`remaining`.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import time
from collections.abc import Iterator

import grpc

from dqcommon.errors import ServiceError


class CallScope:
    """Deadline and cancellation of one call."""

    def __init__(self, timeout_seconds: float | None) -> None:
        self._deadline = None if timeout_seconds is None else time.monotonic() + timeout_seconds
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def remaining(self, at_most: float) -> float:
        """Seconds left, at most ``at_most`` (0 when the call has ended)."""
        if self._cancelled.is_set():
            return 0.0
        if self._deadline is None:
            return at_most
        return max(0.0, min(at_most, self._deadline - time.monotonic()))

    def check(self) -> None:
        """Raises when the call's client has gone or its deadline passed."""
        if self._cancelled.is_set():
            raise ServiceError(
                grpc.StatusCode.CANCELLED, "SERVICE_TIMEOUT", "The call was cancelled."
            )
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise ServiceError(
                grpc.StatusCode.DEADLINE_EXCEEDED,
                "SERVICE_TIMEOUT",
                "The call's deadline passed before it finished; nothing more was done.",
            )


_UNBOUNDED = CallScope(None)
_current: contextvars.ContextVar[CallScope] = contextvars.ContextVar(
    "call_scope", default=_UNBOUNDED
)


def current() -> CallScope:
    """The scope of the call being served (an unbounded one outside calls)."""
    return _current.get()


def check() -> None:
    _current.get().check()


def remaining(at_most: float) -> float:
    return _current.get().remaining(at_most)


@contextlib.contextmanager
def opened(scope: CallScope) -> Iterator[CallScope]:
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)
