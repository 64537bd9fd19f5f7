"""The AnalysisService servicer: admits a run if there is capacity, runs the
pipeline in a worker thread and relays its events as the response stream.
Cancelling the call (the caller cancels, disconnects, or we shut down)
stops the worker between two chunks."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor
from typing import Any

import grpc

from analysis_service.domain.errors import AnalysisCancelled
from analysis_service.pipeline import AgentFinished, Event, InputRef, Job, Progress, Result
from dataquality.analysis.v1 import analysis_service_pb2 as pb
from dataquality.analysis.v1 import analysis_service_pb2_grpc as pb_grpc
from dqcommon.errors import FieldViolation, ServiceError
from dqcommon.logging import log_context
from dqcommon.protobuf import struct_to_python

log = logging.getLogger(__name__)

RunJob = Callable[[Job, Callable[[Event], None], Callable[[], bool]], Result]


class Capacity:
    """At most ``limit`` analyses at once; a slot is freed only when its
    worker thread has really finished."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._used = 0
        self._lock = threading.Lock()
        self.accepted = 0  # analyses admitted so far
        self.refused = 0  # calls refused for lack of room
        self.peak = 0  # most analyses running at once

    @property
    def used(self) -> int:
        return self._used

    def try_acquire(self) -> bool:
        with self._lock:
            if self._used >= self.limit:
                self.refused += 1
                return False
            self._used += 1
            self.accepted += 1
            self.peak = max(self.peak, self._used)
            return True

    def release(self) -> None:
        with self._lock:
            self._used -= 1


def job_from_proto(request: pb.RunAnalysisRequest) -> Job:
    """Validates and converts a request."""
    problems = []
    if not request.task_id:
        problems.append(FieldViolation("task_id", "is required"))
    if not request.user_id:
        problems.append(FieldViolation("user_id", "is required"))
    if not request.agents:
        problems.append(FieldViolation("agents", "must name at least one agent"))
    if "primary" not in request.inputs:
        problems.append(FieldViolation("inputs", "must contain the primary file"))
    if problems:
        raise ServiceError(
            grpc.StatusCode.INVALID_ARGUMENT,
            "INVALID_REQUEST",
            "Invalid analysis request: "
            + "; ".join(f"{p.field} {p.description}" for p in problems),
            field_violations=tuple(problems),
        )
    parameters = struct_to_python(request.parameters)
    return Job(
        task_id=request.task_id,
        user_id=request.user_id,
        tool_id=request.tool_id,
        agents=tuple(request.agents),
        parameters={k: dict(v) for k, v in parameters.items() if isinstance(v, dict)},
        inputs={
            slot: InputRef(
                slot=slot,
                ref=item.object,
                etag=item.etag,
                size_bytes=item.size_bytes,
                original_filename=item.original_filename,
            )
            for slot, item in request.inputs.items()
        },
        attempt=request.attempt or 1,
    )


def _event_to_proto(event: Event) -> pb.RunAnalysisResponse:
    if isinstance(event, Progress):
        return pb.RunAnalysisResponse(
            progress=pb.Progress(
                percent=event.percent,
                stage=event.stage,
                current_agent=event.current_agent,
                agents_total=event.agents_total,
                agents_completed=event.agents_completed,
            )
        )
    return pb.RunAnalysisResponse(agent_finished=_agent_result(event))


def _agent_result(event: AgentFinished) -> pb.AgentResult:
    return pb.AgentResult(
        agent_id=event.agent_id,
        status=(
            pb.AgentResult.STATUS_SUCCEEDED
            if event.succeeded
            else pb.AgentResult.STATUS_SKIPPED
            if event.skipped
            else pb.AgentResult.STATUS_FAILED
        ),
        error_code=event.error_code,
        error_message=event.error_message,
        execution_time_ms=event.execution_time_ms,
    )


def _completed(result: Result) -> pb.RunAnalysisResponse:
    return pb.RunAnalysisResponse(
        completed=pb.Completed(
            outputs=[
                pb.OutputFile(
                    object=o.ref,
                    filename=o.filename,
                    type=o.type,
                    format=o.format,
                    mime_type=o.mime_type,
                    size_bytes=o.size_bytes,
                    description=o.description,
                )
                for o in result.outputs
            ],
            agent_results=[_agent_result(a) for a in result.agents],
            execution_time_ms=result.execution_time_ms,
        )
    )


class AnalysisServicer(pb_grpc.AnalysisServiceServicer):
    """Translates RunAnalysis to :func:`analysis_service.pipeline.run_job`."""

    def __init__(self, run_job: RunJob, executor: Executor, capacity: Capacity) -> None:
        self._run_job = run_job
        self._executor = executor
        self._capacity = capacity

    async def RunAnalysis(
        self, request: pb.RunAnalysisRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.RunAnalysisResponse]:
        job = job_from_proto(request)
        if not self._capacity.try_acquire():
            raise ServiceError(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                "ANALYSIS_CAPACITY_EXHAUSTED",
                f"This analysis worker is running {self._capacity.limit} analyses already; "
                "try again later.",
                metadata={"limit": str(self._capacity.limit)},
            )
        loop = asyncio.get_running_loop()
        events: asyncio.Queue[Event] = asyncio.Queue()
        stop = threading.Event()

        def emit(event: Event) -> None:
            loop.call_soon_threadsafe(events.put_nowait, event)

        with log_context(task_id=job.task_id):
            log.info(
                "analysis accepted",
                extra={
                    "agents": list(job.agents),
                    "attempt": job.attempt,
                    "running": self._capacity.used,
                },
            )
            ctx = contextvars.copy_context()
            worker = loop.run_in_executor(
                self._executor, ctx.run, self._run_job, job, emit, stop.is_set
            )
            worker.add_done_callback(self._worker_done)
            try:
                async for message in self._relay(events, worker):
                    yield message
            except BaseException:
                stop.set()  # cancelled, disconnected or failed: stop the worker
                if not worker.done():
                    log.info("analysis stopping (call ended)")
                raise

    def _worker_done(self, worker: asyncio.Future[Result]) -> None:
        """Frees the slot once the thread has really finished; an outcome
        nobody waits for any more (the call ended first) is only logged."""
        self._capacity.release()
        if not worker.cancelled() and worker.exception() is not None:
            log.debug("analysis ended: %s", worker.exception())

    @staticmethod
    async def _relay(
        events: asyncio.Queue[Event], worker: asyncio.Future[Result]
    ) -> AsyncIterator[pb.RunAnalysisResponse]:
        while True:
            getter: asyncio.Future[Any] = asyncio.ensure_future(events.get())
            try:
                done, _ = await asyncio.wait({getter, worker}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                if not getter.done():
                    getter.cancel()
            if getter in done:
                yield _event_to_proto(getter.result())
                continue
            with contextlib.suppress(asyncio.CancelledError):
                await getter
            while not events.empty():
                yield _event_to_proto(events.get_nowait())
            try:
                result = worker.result()
            except AnalysisCancelled:
                raise ServiceError(
                    grpc.StatusCode.CANCELLED, "PROCESSING_ERROR", "The analysis was cancelled."
                ) from None
            yield _completed(result)
            return
