"""StorageService, as TaskService's domain sees it (the StoragePort),
through the generated gRPC stub. Blocking: called from worker threads.

The domain names objects by the owner's subject; here the subject becomes
the owner's key segment (:func:`~task_service.domain.identity.storage_user_segment`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC
from typing import Any

import grpc

from dataquality.storage.v1 import storage_service_pb2 as pb
from dataquality.storage.v1 import storage_service_pb2_grpc as pb_grpc
from dqcommon.errors import decode_rpc_error
from dqcommon.logging import outgoing_metadata
from task_service.domain import errors
from task_service.domain.identity import storage_user_segment
from task_service.domain.ports import Area, ObjectStat, SignedUrl, StoredPart, TaskObject

_AREAS = {"inputs": pb.ObjectRef.AREA_INPUTS, "outputs": pb.ObjectRef.AREA_OUTPUTS}
_WRITE_CHUNK = 1024 * 1024
_TRANSIENT = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}


def to_ref(obj: TaskObject) -> pb.ObjectRef:
    return pb.ObjectRef(
        user_id=storage_user_segment(obj.user_id),
        task_id=obj.task_id,
        area=_AREAS[obj.area],
        name=obj.name,
    )


class GrpcStorage:
    """Implements :class:`~task_service.domain.ports.StoragePort`."""

    def __init__(self, channel: grpc.Channel, *, timeout_seconds: float = 30.0) -> None:
        self._stub = pb_grpc.StorageServiceStub(channel)
        self._timeout = timeout_seconds

    def create_upload_url(
        self, obj: TaskObject, *, content_type: str, size_bytes: int | None, expires_in: int
    ) -> SignedUrl:
        response = self._call(
            self._stub.CreateUploadUrl,
            pb.CreateUploadUrlRequest(
                object=to_ref(obj),
                content_type=content_type,
                content_length=size_bytes or 0,
                expires_in_seconds=expires_in,
            ),
        )
        return _signed(response.signed_url)

    def create_download_url(self, obj: TaskObject, *, expires_in: int, filename: str) -> SignedUrl:
        response = self._call(
            self._stub.CreateDownloadUrl,
            pb.CreateDownloadUrlRequest(
                object=to_ref(obj), expires_in_seconds=expires_in, download_filename=filename
            ),
        )
        return _signed(response.signed_url)

    def create_multipart_upload(self, obj: TaskObject, *, content_type: str) -> str:
        response = self._call(
            self._stub.CreateMultipartUpload,
            pb.CreateMultipartUploadRequest(object=to_ref(obj), content_type=content_type),
        )
        return str(response.upload_id)

    def create_part_urls(
        self, obj: TaskObject, upload_id: str, parts: Sequence[tuple[int, int]], *, expires_in: int
    ) -> list[SignedUrl]:
        response = self._call(
            self._stub.CreateUploadPartUrls,
            pb.CreateUploadPartUrlsRequest(
                object=to_ref(obj),
                upload_id=upload_id,
                parts=[pb.PartSpec(part_number=n, content_length=size) for n, size in parts],
                expires_in_seconds=expires_in,
            ),
        )
        return [_signed(u) for u in response.signed_urls]

    def list_parts(self, obj: TaskObject, upload_id: str) -> list[StoredPart] | None:
        try:
            response = self._stub.ListUploadParts(
                pb.ListUploadPartsRequest(object=to_ref(obj), upload_id=upload_id),
                timeout=self._timeout,
                metadata=outgoing_metadata(),
            )
        except grpc.RpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise _translate(exc) from None
        return [StoredPart(p.part_number, p.size_bytes, p.etag) for p in response.parts]

    def complete_multipart(
        self, obj: TaskObject, upload_id: str, parts: Sequence[StoredPart]
    ) -> ObjectStat:
        info = self._call(
            self._stub.CompleteMultipartUpload,
            pb.CompleteMultipartUploadRequest(
                object=to_ref(obj),
                upload_id=upload_id,
                parts=[
                    pb.UploadedPart(part_number=p.number, size_bytes=p.size_bytes, etag=p.etag)
                    for p in parts
                ],
            ),
        )
        return ObjectStat(
            key=info.key, size_bytes=info.size_bytes, content_type=info.content_type, etag=info.etag
        )

    def abort_multipart(self, obj: TaskObject, upload_id: str) -> bool:
        response = self._call(
            self._stub.AbortMultipartUpload,
            pb.AbortMultipartUploadRequest(object=to_ref(obj), upload_id=upload_id),
        )
        return bool(response.aborted)

    def stat(self, obj: TaskObject) -> ObjectStat | None:
        try:
            info = self._stub.GetObjectInfo(
                pb.GetObjectInfoRequest(object=to_ref(obj)),
                timeout=self._timeout,
                metadata=outgoing_metadata(),
            )
        except grpc.RpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise _translate(exc) from None
        return ObjectStat(
            key=info.key, size_bytes=info.size_bytes, content_type=info.content_type, etag=info.etag
        )

    def read_small(
        self, obj: TaskObject, *, max_bytes: int, if_match: str | None = None
    ) -> bytes | None:
        request = pb.ReadObjectRequest(object=to_ref(obj), if_match_etag=if_match or "")
        data = bytearray()
        try:
            for chunk in self._stub.ReadObject(
                request, timeout=self._timeout, metadata=outgoing_metadata()
            ):
                if chunk.HasField("info") and chunk.info.size_bytes > max_bytes:
                    raise _too_large(obj, max_bytes)
                data.extend(chunk.data)
                if len(data) > max_bytes:
                    raise _too_large(obj, max_bytes)
        except grpc.RpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise _translate(exc) from None
        return bytes(data)

    def write(self, obj: TaskObject, data: bytes, *, content_type: str) -> ObjectStat:
        def requests() -> Iterator[pb.WriteObjectRequest]:
            yield pb.WriteObjectRequest(
                spec=pb.WriteObjectSpec(object=to_ref(obj), content_type=content_type)
            )
            for start in range(0, len(data), _WRITE_CHUNK):
                yield pb.WriteObjectRequest(data=data[start : start + _WRITE_CHUNK])

        info = self._call(self._stub.WriteObject, requests())
        return ObjectStat(
            key=info.key, size_bytes=info.size_bytes, content_type=info.content_type, etag=info.etag
        )

    def delete_task_objects(
        self,
        user_id: str,
        task_id: str,
        area: Area | None = None,
        *,
        keep_names: Sequence[str] = (),
        name_prefix: str = "",
    ) -> int:
        response = self._call(
            self._stub.DeleteObjects,
            pb.DeleteObjectsRequest(
                user_id=storage_user_segment(user_id),
                task_id=task_id,
                area=_AREAS[area] if area else pb.ObjectRef.AREA_UNSPECIFIED,
                keep_names=list(keep_names),
                name_prefix=name_prefix,
            ),
        )
        return int(response.deleted_count)

    def _call(self, method: Any, request: Any) -> Any:
        try:
            return method(request, timeout=self._timeout, metadata=outgoing_metadata())
        except grpc.RpcError as exc:
            raise _translate(exc) from None


def _signed(message: pb.SignedUrl) -> SignedUrl:
    return SignedUrl(
        url=message.url,
        method=message.method,
        headers=dict(message.headers),
        expires_at=message.expires_at.ToDatetime(tzinfo=UTC),
        key=message.key,
    )


def _too_large(obj: TaskObject, max_bytes: int) -> Exception:
    return errors.invalid_parameters([(obj.name, f"must be at most {max_bytes} bytes")], obj.name)


def _translate(exc: grpc.RpcError) -> Exception:
    """Storage failures become STORAGE_UNAVAILABLE (retry later); anything
    else is a bug on our side and surfaces as INTERNAL."""
    remote = decode_rpc_error(exc)
    if remote.code in _TRANSIENT or remote.reason == "STORAGE_UNAVAILABLE":
        return errors.storage_unavailable()
    if remote.reason in ("UPLOAD_INCOMPLETE", "MULTIPART_UPLOAD_NOT_FOUND"):
        return errors.upload_problem(remote.reason, remote.message)
    if remote.reason == "OBJECT_CHANGED":
        return errors.input_changed(remote.metadata.get("key", "an input file"))
    return RuntimeError(
        f"StorageService call failed: {remote.code.name} {remote.reason} {remote.message}"
    )
