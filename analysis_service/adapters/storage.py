"""StorageService as AnalysisService uses it: inputs come in as a chunk
stream, outputs go out as a client stream. Blocking calls, made from the
analysis worker thread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc

from analysis_service.domain.errors import AnalysisCancelled
from dataquality.storage.v1 import storage_service_pb2 as pb
from dataquality.storage.v1 import storage_service_pb2_grpc as pb_grpc
from dqcommon.errors import ServiceError, decode_rpc_error
from dqcommon.logging import outgoing_metadata

_CHUNK = 1024 * 1024
_TRANSIENT = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.ABORTED,
}


@dataclass(frozen=True)
class StoredObject:
    """What was written."""

    ref: pb.ObjectRef
    key: str
    size_bytes: int


class InputStorage:
    """Reads inputs and writes outputs of a task through StorageService."""

    def __init__(
        self, channel: grpc.Channel, *, chunk_bytes: int = _CHUNK, timeout_seconds: float = 3600.0
    ) -> None:
        self._stub = pb_grpc.StorageServiceStub(channel)
        self._chunk = chunk_bytes
        self._timeout = timeout_seconds

    def iter_chunks(
        self, ref: pb.ObjectRef, *, etag: str = "", cancelled: Callable[[], bool] = lambda: False
    ) -> Iterator[bytes]:
        """The object's bytes in order, about ``chunk_bytes`` at a time.
        Stops (cancelling the stream) when ``cancelled()`` turns true."""
        call = self._stub.ReadObject(
            pb.ReadObjectRequest(object=ref, chunk_size_bytes=self._chunk, if_match_etag=etag),
            timeout=self._timeout,
            metadata=outgoing_metadata(),
        )
        try:
            for message in call:
                if cancelled():
                    return
                if message.data:
                    yield message.data
        except grpc.RpcError as exc:
            raise translate_storage_error(exc, ref) from None
        finally:
            call.cancel()

    def write_file(
        self,
        ref: pb.ObjectRef,
        path: Path,
        content_type: str,
        *,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> StoredObject:
        """Streams a local file to the object store. If ``cancelled()`` turns
        true midway the call is cancelled, so the store commits nothing."""
        started = threading.Event()
        holder: dict[str, grpc.Future] = {}

        def requests() -> Iterator[pb.WriteObjectRequest]:
            yield pb.WriteObjectRequest(
                spec=pb.WriteObjectSpec(object=ref, content_type=content_type)
            )
            started.wait(5)
            with path.open("rb") as handle:
                while chunk := handle.read(self._chunk):
                    if cancelled():
                        # Cancel rather than half-close: a half-closed
                        # stream would commit a truncated object.
                        holder["call"].cancel()
                        return
                    yield pb.WriteObjectRequest(data=chunk)

        call = self._stub.WriteObject.future(
            requests(), timeout=self._timeout, metadata=outgoing_metadata()
        )
        holder["call"] = call
        started.set()
        try:
            info = call.result()
        except grpc.FutureCancelledError:
            raise AnalysisCancelled() from None
        except grpc.RpcError as exc:
            if cancelled():
                raise AnalysisCancelled() from None
            raise translate_storage_error(exc, ref) from None
        return StoredObject(ref=ref, key=info.key, size_bytes=info.size_bytes)


def translate_storage_error(exc: grpc.RpcError, ref: pb.ObjectRef) -> ServiceError:
    """Storage failures as the errors AnalysisService reports to its caller:
    transient ones stay retryable (UNAVAILABLE), a replaced or vanished
    input is final."""
    remote = decode_rpc_error(exc)
    if remote.reason == "OBJECT_CHANGED":
        return ServiceError(
            grpc.StatusCode.FAILED_PRECONDITION,
            "INPUT_CHANGED",
            f"Input '{ref.name}' was replaced after processing was requested.",
        )
    if remote.code == grpc.StatusCode.NOT_FOUND:
        return ServiceError(
            grpc.StatusCode.FAILED_PRECONDITION,
            "FILES_NOT_FOUND",
            f"Input '{ref.name}' no longer exists.",
            metadata={"missing_files": ref.name},
        )
    if remote.code in _TRANSIENT or remote.reason == "STORAGE_UNAVAILABLE":
        return ServiceError(
            grpc.StatusCode.UNAVAILABLE,
            "STORAGE_UNAVAILABLE",
            "File storage is unavailable; the analysis will be retried.",
        )
    return ServiceError(
        grpc.StatusCode.INTERNAL,
        "PROCESSING_ERROR",
        "Storage failed unexpectedly while running the analysis.",
    )
