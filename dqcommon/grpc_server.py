"""The gRPC server every service runs: health, reflection, request ids,
rich errors and graceful shutdown.

A service's ``server.py`` builds a :class:`GrpcApp`, registers its servicers
and lifecycle hooks, and its ``main`` runs :meth:`GrpcApp.run_until_terminated`.

Shutdown (SIGTERM or SIGINT): health turns NOT_SERVING so load balancers stop
sending work, ``before_stop`` hooks run (a dispatcher stops claiming work),
the server stops accepting calls and gives in-flight ones ``grace_seconds``
to finish before cancelling them, then ``after_stop`` hooks close channels
and engines.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import signal
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from dqcommon.errors import ServiceError, internal_error
from dqcommon.logging import bind_request_id, new_request_id, request_id_from_metadata

log = logging.getLogger(__name__)

Hook = Callable[[], Awaitable[None]]
ReadinessCheck = Callable[[], Awaitable[bool]]
#: Extra trailing metadata for an error (for example the REST error body a
#: gateway puts in front of the service).
ErrorMetadata = Callable[[ServiceError], Sequence[tuple[str, str]]]

_QUIET_PREFIXES = ("/grpc.health.", "/grpc.reflection.")

# 8 MiB messages leave room for 1-3 MiB data chunks plus framing.
_MAX_MESSAGE_BYTES = 8 * 1024 * 1024
SERVER_OPTIONS: tuple[tuple[str, Any], ...] = (
    ("grpc.max_receive_message_length", _MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", _MAX_MESSAGE_BYTES),
    ("grpc.so_reuseport", 0),
)
CHANNEL_OPTIONS: tuple[tuple[str, Any], ...] = (
    ("grpc.max_receive_message_length", _MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", _MAX_MESSAGE_BYTES),
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
)


class ContextAndErrorsInterceptor(grpc.aio.ServerInterceptor):
    """Binds the caller's request id to the call's logs, turns
    :class:`ServiceError` into a rich status, and hides unexpected exceptions
    behind INTERNAL (logged with their stack trace). ``error_metadata``
    adds trailing metadata to every error status."""

    def __init__(self, error_metadata: ErrorMetadata | None = None) -> None:
        self._error_metadata = error_metadata

    async def intercept_service(
        self,
        continuation: Callable[
            [grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]
        ],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        method = handler_call_details.method
        metadata = handler_call_details.invocation_metadata
        request_id = request_id_from_metadata(metadata) or new_request_id()
        quiet = method.startswith(_QUIET_PREFIXES)
        error_metadata = self._error_metadata

        if handler.unary_unary or handler.stream_unary:
            # The stubs type handlers as synchronous; on grpc.aio they are coroutines.
            inner: Any = handler.unary_unary or handler.stream_unary

            async def unary_response(
                request_or_iterator: Any, context: grpc.aio.ServicerContext
            ) -> Any:
                # Each call runs in its own asyncio task (its own context
                # copy), so the id is bound for this call only.
                bind_request_id(request_id)
                started = time.perf_counter()
                try:
                    result = await inner(request_or_iterator, context)
                except BaseException as exc:
                    await _handle_exception(exc, context, method, started, error_metadata)
                    raise
                _log_call(method, quiet, "OK", started)
                return result

            factory = (
                grpc.unary_unary_rpc_method_handler
                if handler.unary_unary
                else grpc.stream_unary_rpc_method_handler
            )
            return factory(
                unary_response,
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )

        inner_stream: Any = handler.unary_stream or handler.stream_stream

        async def stream_response(
            request_or_iterator: Any, context: grpc.aio.ServicerContext
        ) -> Any:
            bind_request_id(request_id)
            started = time.perf_counter()
            try:
                result = inner_stream(request_or_iterator, context)
                if inspect.isasyncgen(result):
                    async for item in result:
                        yield item
                else:
                    await result
            except GeneratorExit:
                # The client went away mid-stream: nothing left to answer.
                _log_call(method, False, "CANCELLED", started)
                raise
            except BaseException as exc:
                await _handle_exception(exc, context, method, started, error_metadata)
                raise
            _log_call(method, quiet, "OK", started)

        factory = (
            grpc.unary_stream_rpc_method_handler
            if handler.unary_stream
            else grpc.stream_stream_rpc_method_handler
        )
        return factory(
            stream_response,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


async def _handle_exception(
    exc: BaseException,
    context: grpc.aio.ServicerContext,
    method: str,
    started: float,
    error_metadata: ErrorMetadata | None = None,
) -> None:
    """Aborts the call with the right status. Returns only for exceptions
    that must propagate unchanged (cancellation, an abort already made)."""
    if isinstance(exc, asyncio.CancelledError):
        _log_call(method, False, "CANCELLED", started)
        return
    if isinstance(exc, grpc.aio.AbortError) or type(exc).__name__ == "AbortError":
        code = context.code() if hasattr(context, "code") else None
        _log_call(method, False, str(code or "ABORTED"), started)
        return
    if isinstance(exc, ServiceError):
        error = exc
        log.info(
            "rpc failed",
            extra={
                "method": method,
                "code": exc.code.name,
                "reason": exc.reason,
                "duration_ms": _elapsed_ms(started),
                "error": exc.message,
            },
        )
    else:
        error = internal_error()
        log.exception(
            "unhandled exception in %s",
            method,
            extra={"method": method, "duration_ms": _elapsed_ms(started)},
        )
    extra = error_metadata(error) if error_metadata is not None else ()
    await context.abort_with_status(error.to_grpc_status(extra))


def _elapsed_ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def _log_call(method: str, quiet: bool, code: str, started: float) -> None:
    if quiet:
        return
    log.info("rpc", extra={"method": method, "code": code, "duration_ms": _elapsed_ms(started)})


class GrpcApp:
    """A gRPC server with health, reflection, request ids, rich errors and
    graceful shutdown. Build one per service in its server factory."""

    def __init__(
        self,
        *,
        name: str,
        address: str,
        grace_seconds: float = 10.0,
        error_metadata: ErrorMetadata | None = None,
    ) -> None:
        self.name = name
        self.address = address
        self.grace_seconds = grace_seconds
        self.server = grpc.aio.server(
            interceptors=[ContextAndErrorsInterceptor(error_metadata)],
            options=list(SERVER_OPTIONS),
        )
        self.health = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        self._service_names: list[str] = []
        self._before_stop: list[Hook] = []
        self._after_stop: list[Hook] = []
        self._background: list[asyncio.Task[None]] = []
        self._readiness: ReadinessCheck | None = None
        self._readiness_interval = 5.0
        self._stopping = False
        self.port: int | None = None

    def add_service(
        self, full_name: str, register: Callable[[Any, grpc.aio.Server], None], servicer: object
    ) -> None:
        """Registers a servicer (``register`` is the generated
        ``add_XServicer_to_server``) under its full service name."""
        register(servicer, self.server)
        self._service_names.append(full_name)

    def before_stop(self, hook: Hook) -> None:
        """Runs after health turns NOT_SERVING, before the server stops."""
        self._before_stop.append(hook)

    def after_stop(self, hook: Hook) -> None:
        """Runs after the server has stopped (close channels, engines)."""
        self._after_stop.append(hook)

    def set_readiness_check(self, check: ReadinessCheck, interval_seconds: float = 5.0) -> None:
        """Health reports SERVING only while ``check`` passes (a dependency
        such as the database or the bucket is reachable)."""
        self._readiness = check
        self._readiness_interval = interval_seconds

    def spawn(self, coro: Awaitable[None], name: str) -> asyncio.Task[None]:
        """Starts a background task that is cancelled on shutdown."""
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        self._background.append(task)
        return task

    async def start(self) -> int:
        """Binds, enables reflection, starts serving; returns the bound port."""
        names = [*self._service_names, health.SERVICE_NAME, reflection.SERVICE_NAME]
        reflection.enable_server_reflection(names, self.server)
        self.port = self.server.add_insecure_port(self.address)
        if not self.port:
            raise RuntimeError(f"{self.name}: cannot bind {self.address}")
        await self.server.start()
        ready = await self._check_ready()
        await self._set_health(ready)
        if self._readiness is not None:
            self.spawn(self._watch_readiness(), f"{self.name}-readiness")
        log.info(
            "serving",
            extra={
                "address": self.address,
                "port": self.port,
                "services": self._service_names,
                "ready": ready,
            },
        )
        return self.port

    async def _check_ready(self) -> bool:
        if self._readiness is None:
            return True
        try:
            return await self._readiness()
        except Exception:
            log.warning("readiness check failed", exc_info=True)
            return False

    async def _set_health(self, ready: bool) -> None:
        status = (
            health_pb2.HealthCheckResponse.SERVING
            if ready
            else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        for name in ("", *self._service_names):
            await self.health.set(name, status)

    async def _watch_readiness(self) -> None:
        last: bool | None = None
        while not self._stopping:
            await asyncio.sleep(self._readiness_interval)
            ready = await self._check_ready()
            if ready != last and not self._stopping:
                await self._set_health(ready)
                if last is not None:
                    log.warning("readiness changed", extra={"ready": ready})
                last = ready

    async def stop(self) -> None:
        """Graceful shutdown (idempotent)."""
        if self._stopping:
            return
        self._stopping = True
        log.info("shutting down", extra={"grace_seconds": self.grace_seconds})
        await self.health.enter_graceful_shutdown()
        for hook in self._before_stop:
            await _run_hook(hook)
        await self.server.stop(self.grace_seconds)
        for task in self._background:
            task.cancel()
        for task in self._background:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for hook in self._after_stop:
            await _run_hook(hook)
        log.info("stopped")

    async def run_until_terminated(self) -> None:
        """Starts, serves until SIGTERM or SIGINT, then shuts down gracefully."""
        loop = asyncio.get_running_loop()
        terminated = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, terminated.set)
        await self.start()
        try:
            await terminated.wait()
        finally:
            await self.stop()


async def _run_hook(hook: Hook) -> None:
    try:
        await hook()
    except Exception:
        log.exception("shutdown hook failed")


def insecure_channel(target: str) -> grpc.aio.Channel:
    """An asyncio channel to another service, with the shared options."""
    return grpc.aio.insecure_channel(target, options=list(CHANNEL_OPTIONS))


def insecure_sync_channel(target: str) -> grpc.Channel:
    """A blocking channel (for worker threads), with the shared options."""
    return grpc.insecure_channel(target, options=list(CHANNEL_OPTIONS))
