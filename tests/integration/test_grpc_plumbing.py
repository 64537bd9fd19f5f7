"""The shared server plumbing (dqcommon.grpc_server): rich errors, no
leaked internals, request ids in logs, health and graceful shutdown."""

from __future__ import annotations

import asyncio
import json
import logging

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from dqcommon.errors import ServiceError, decode_rpc_error
from dqcommon.grpc_server import GrpcApp
from dqcommon.logging import JsonFormatter, current_request_id, log_context
from tests.support.app_thread import AppThread

pytestmark = pytest.mark.integration

SERVICE = "test.v1.Probe"
seen_request_ids: list[str | None] = []


async def boom(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    raise RuntimeError("secret database password is hunter2")


async def refuse(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    raise ServiceError(
        grpc.StatusCode.NOT_FOUND, "TASK_NOT_FOUND", "No such task.", metadata={"task_id": "t-1"}
    )


async def echo(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    seen_request_ids.append(current_request_id())
    return request


async def slow(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    await asyncio.sleep(0.5)
    return b"finished"


async def numbers(request: bytes, context: grpc.aio.ServicerContext):
    for index in range(3):
        yield bytes([index])
    raise ServiceError(grpc.StatusCode.FAILED_PRECONDITION, "INPUT_CHANGED", "Changed.")


def _register(servicer: object, server: grpc.aio.Server) -> None:
    unary = {
        name: grpc.unary_unary_rpc_method_handler(fn)
        for name, fn in (("Boom", boom), ("Refuse", refuse), ("Echo", echo), ("Slow", slow))
    }
    unary["Numbers"] = grpc.unary_stream_rpc_method_handler(numbers)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, unary),))


async def _factory() -> GrpcApp:
    app = GrpcApp(name="probe", address="127.0.0.1:0", grace_seconds=2.0)
    app.add_service(SERVICE, _register, object())
    return app


@pytest.fixture
def probe():
    with AppThread(_factory, name="probe") as app:
        channel = grpc.insecure_channel(app.target)
        yield app, channel
        channel.close()


def call(channel, method, payload=b"x", metadata=()):
    return channel.unary_unary(f"/{SERVICE}/{method}")(payload, metadata=metadata, timeout=5)


def test_unexpected_errors_are_internal_without_details(probe, caplog):
    _, channel = probe
    with caplog.at_level(logging.ERROR), pytest.raises(grpc.RpcError) as info:
        call(channel, "Boom")
    error = decode_rpc_error(info.value)
    assert error.code is grpc.StatusCode.INTERNAL
    assert error.reason == "INTERNAL_ERROR"
    assert "hunter2" not in error.message and "RuntimeError" not in error.message
    assert any("hunter2" in (r.exc_text or str(r.exc_info)) for r in caplog.records)


def test_service_errors_carry_error_info(probe):
    _, channel = probe
    with pytest.raises(grpc.RpcError) as info:
        call(channel, "Refuse")
    error = decode_rpc_error(info.value)
    assert (error.code, error.reason, error.message) == (
        grpc.StatusCode.NOT_FOUND,
        "TASK_NOT_FOUND",
        "No such task.",
    )
    assert error.metadata == {"task_id": "t-1"}


def test_errors_in_the_middle_of_a_stream(probe):
    _, channel = probe
    stream = channel.unary_stream(f"/{SERVICE}/Numbers")(b"", timeout=5)
    received = []
    with pytest.raises(grpc.RpcError) as info:
        for item in stream:
            received.append(item)
    assert received == [b"\x00", b"\x01", b"\x02"]
    assert decode_rpc_error(info.value).reason == "INPUT_CHANGED"


def test_request_id_is_taken_from_metadata_or_generated(probe):
    _, channel = probe
    seen_request_ids.clear()
    call(channel, "Echo", metadata=(("x-request-id", "abc-123"),))
    call(channel, "Echo")
    assert seen_request_ids[0] == "abc-123"
    assert seen_request_ids[1] and seen_request_ids[1] != "abc-123"


def test_json_log_lines_carry_the_request_and_task_ids():
    formatter = JsonFormatter("probe")

    def line() -> dict:
        record = logging.makeLogRecord(
            {"msg": "hello %s", "args": ("world",), "levelname": "INFO", "name": "t", "n": 3}
        )
        return json.loads(formatter.format(record))

    with log_context(request_id="req-7", task_id="task-9"):
        inside = line()
    assert (inside["msg"], inside["service"], inside["n"]) == ("hello world", "probe", 3)
    assert (inside["request_id"], inside["task_id"]) == ("req-7", "task-9")
    outside = line()
    assert "request_id" not in outside and "task_id" not in outside


def test_health_then_graceful_shutdown_finishes_calls_in_flight(probe):
    app, channel = probe
    health = health_pb2_grpc.HealthStub(channel)
    for name in ("", SERVICE):
        status = health.Check(health_pb2.HealthCheckRequest(service=name), timeout=5).status
        assert status == health_pb2.HealthCheckResponse.SERVING
    in_flight = channel.unary_unary(f"/{SERVICE}/Slow").future(b"", timeout=5)
    asyncio.run_coroutine_threadsafe(asyncio.sleep(0.1), app._loop).result()
    app.run(app.app.stop())
    assert in_flight.result() == b"finished"  # finished within the grace period
    with pytest.raises(grpc.RpcError):
        call(channel, "Echo")  # no longer accepting
