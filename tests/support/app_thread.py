"""Runs a service's GrpcApp in-process, on its own event loop in a thread,
bound to 127.0.0.1 port 0, so tests talk to it with ordinary sync stubs."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import Any

from dqcommon.grpc_server import GrpcApp

AppFactory = Callable[[], Awaitable[GrpcApp]]


class AppThread:
    """Start with :meth:`start`; stop with :meth:`stop` (graceful shutdown)."""

    def __init__(self, factory: AppFactory, name: str = "app") -> None:
        self._factory = factory
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=name, daemon=True)
        self.app: GrpcApp | None = None
        self.port: int = 0

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def run(self, coro: Awaitable[Any], timeout: float = 60) -> Any:
        """Runs a coroutine on the app's loop and waits for its result."""
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self._loop)  # type: ignore[arg-type]
        return future.result(timeout)

    def start(self) -> AppThread:
        self._thread.start()

        async def _start() -> int:
            self.app = await self._factory()
            return await self.app.start()

        self.port = self.run(_start())
        return self

    def stop(self) -> None:
        if self.app is not None:
            self.run(self.app.stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def __enter__(self) -> AppThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
