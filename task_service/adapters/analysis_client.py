"""AnalysisService, as the dispatcher sees it (the AnalysisPort)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
from google.protobuf import struct_pb2

from dataquality.analysis.v1 import analysis_service_pb2 as pb
from dataquality.analysis.v1 import analysis_service_pb2_grpc as pb_grpc
from dqcommon.errors import decode_rpc_error
from dqcommon.logging import REQUEST_ID_HEADER, outgoing_metadata
from task_service.adapters.storage_client import to_ref
from task_service.domain.identity import storage_user_segment
from task_service.domain.model import AgentOutcome, OutputFile
from task_service.domain.ports import (
    AnalysisAgentFinished,
    AnalysisCompleted,
    AnalysisEvent,
    AnalysisFailure,
    AnalysisJob,
    AnalysisProgress,
)

# Worth another attempt: the service is down, busy, restarting or cut off.
_RETRYABLE = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.CANCELLED,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.ABORTED,
    grpc.StatusCode.UNKNOWN,
}
_AGENT_STATUS = {
    pb.AgentResult.STATUS_SUCCEEDED: "SUCCEEDED",
    pb.AgentResult.STATUS_FAILED: "FAILED",
    pb.AgentResult.STATUS_SKIPPED: "SKIPPED",
}


class GrpcAnalysis:
    """Implements :class:`~task_service.domain.ports.AnalysisPort`."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self._stub = pb_grpc.AnalysisServiceStub(channel)

    async def run(self, job: AnalysisJob) -> AsyncIterator[AnalysisEvent]:
        params = struct_pb2.Struct()
        params.update(job.parameters)
        request = pb.RunAnalysisRequest(
            task_id=job.task_id,
            # AnalysisService uses it for the keys of the outputs it writes.
            user_id=storage_user_segment(job.user_id),
            tool_id=job.tool_id,
            agents=list(job.agents),
            parameters=params,
            attempt=job.attempt,
            inputs={
                i.slot: pb.InputFile(
                    object=to_ref(i.object),
                    etag=i.etag,
                    size_bytes=i.size_bytes,
                    original_filename=i.original_filename,
                )
                for i in job.inputs
            },
        )
        metadata = (
            ((REQUEST_ID_HEADER, job.request_id), ("x-task-id", job.task_id))
            if job.request_id
            else outgoing_metadata(("x-task-id", job.task_id))
        )
        call = self._stub.RunAnalysis(request, metadata=metadata)
        try:
            async for response in call:
                event = _event(response)
                if event is not None:
                    yield event
        except grpc.RpcError as exc:
            remote = decode_rpc_error(exc)
            raise AnalysisFailure(
                code=remote.reason
                or ("ANALYSIS_UNAVAILABLE" if remote.code in _RETRYABLE else "PROCESSING_ERROR"),
                message=remote.message or remote.code.name,
                retryable=remote.code in _RETRYABLE,
                details=dict(remote.metadata),
            ) from None
        finally:
            call.cancel()


def _outcome(result: pb.AgentResult) -> AgentOutcome:
    return AgentOutcome(
        agent_id=result.agent_id,
        status=_AGENT_STATUS.get(result.status, "FAILED"),
        error_code=result.error_code,
        error_message=result.error_message,
        execution_time_ms=result.execution_time_ms,
    )


def _event(response: pb.RunAnalysisResponse) -> AnalysisEvent | None:
    kind = response.WhichOneof("event")
    if kind == "progress":
        p = response.progress
        return AnalysisProgress(
            percent=p.percent,
            stage=p.stage,
            current_agent=p.current_agent or None,
            agents_total=p.agents_total,
            agents_completed=p.agents_completed,
        )
    if kind == "agent_finished":
        return AnalysisAgentFinished(_outcome(response.agent_finished))
    if kind == "completed":
        c = response.completed
        return AnalysisCompleted(
            outputs=tuple(
                OutputFile(
                    object_name=o.object.name,
                    filename=o.filename,
                    type=o.type,
                    format=o.format,
                    mime_type=o.mime_type,
                    size_bytes=o.size_bytes,
                    description=o.description,
                )
                for o in c.outputs
            ),
            agent_results=tuple(_outcome(r) for r in c.agent_results),
            execution_time_ms=c.execution_time_ms,
        )
    return None
