"""StorageService over gRPC: parses and validates requests, calls the object
store on the I/O thread pool, and turns results and domain errors into
protobuf. No S3 details live here."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import Executor
from datetime import UTC, datetime
from typing import Any, TypeVar

import grpc
from google.protobuf import timestamp_pb2

from dataquality.storage.v1 import storage_service_pb2 as pb
from dataquality.storage.v1 import storage_service_pb2_grpc as pb_grpc
from dqcommon.errors import FieldViolation, ServiceError
from storage_service.adapters.s3 import ObjectMeta, ObjectStream, ObjectWriter, S3ObjectStore
from storage_service.adapters.s3_multipart import MultipartUploads, PartMeta
from storage_service.config import MAX_CHUNK_BYTES, MAX_PART_BYTES
from storage_service.domain import keys
from storage_service.domain.errors import (
    InvalidPageTokenError,
    ObjectChangedError,
    ObjectNotFoundError,
    RangeNotSatisfiableError,
    StorageUnavailableError,
    UploadIncompleteError,
    UploadNotFoundError,
)
from storage_service.domain.http_headers import (
    MAX_CONTENT_TYPE_LENGTH,
    clean_download_filename,
    is_valid_content_type,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_EXPIRES_SECONDS = 7 * 24 * 3600  # the SigV4 (and B2) maximum
MAX_PAGE_SIZE = 1000
MAX_PARTS = 10_000  # S3 and B2
# A presigned upload is a single PUT, which S3 and B2 limit to 5 GiB.
MAX_UPLOAD_BYTES = MAX_PART_BYTES
DEFAULT_CONTENT_TYPE = "application/octet-stream"
# An entity tag, quoted or not: visible ASCII without inner quotes.
_ETAG_RE = re.compile(r'(W/)?"?[\x21\x23-\x7e]{1,200}"?')

_AREAS = {
    pb.ObjectRef.AREA_INPUTS: keys.Area.INPUTS,
    pb.ObjectRef.AREA_OUTPUTS: keys.Area.OUTPUTS,
}
_AREA_ENUMS = {area: value for value, area in _AREAS.items()}


def invalid_request(field: str, description: str) -> ServiceError:
    """INVALID_ARGUMENT / INVALID_REQUEST naming the bad field."""
    return ServiceError(
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_REQUEST",
        f"Invalid request: {field} {description}.",
        metadata={"field": field},
        field_violations=(FieldViolation(field, description),),
    )


def storage_unavailable() -> ServiceError:
    return ServiceError(
        grpc.StatusCode.UNAVAILABLE,
        "STORAGE_UNAVAILABLE",
        "The object store cannot be reached right now; please retry later.",
    )


@contextlib.contextmanager
def store_errors(key: str = "") -> Iterator[None]:
    """Translates the store's domain errors into ServiceErrors. Anything else
    (including a bare StoreError) propagates and becomes INTERNAL."""
    try:
        yield
    except ObjectNotFoundError:
        raise ServiceError(
            grpc.StatusCode.NOT_FOUND,
            "OBJECT_NOT_FOUND",
            "The object does not exist.",
            metadata={"key": key},
        ) from None
    except ObjectChangedError:
        raise ServiceError(
            grpc.StatusCode.FAILED_PRECONDITION,
            "OBJECT_CHANGED",
            "The object changed since its entity tag was recorded.",
            metadata={"key": key},
        ) from None
    except RangeNotSatisfiableError as exc:
        raise ServiceError(
            grpc.StatusCode.OUT_OF_RANGE,
            "INVALID_REQUEST",
            "Invalid request: offset is beyond the end of the object.",
            metadata={"key": key, "size_bytes": str(exc.size)},
            field_violations=(FieldViolation("offset", "is beyond the end of the object"),),
        ) from None
    except UploadNotFoundError:
        raise ServiceError(
            grpc.StatusCode.NOT_FOUND,
            "MULTIPART_UPLOAD_NOT_FOUND",
            "The multipart upload does not exist (any more).",
            metadata={"key": key},
        ) from None
    except UploadIncompleteError:
        raise ServiceError(
            grpc.StatusCode.FAILED_PRECONDITION,
            "UPLOAD_INCOMPLETE",
            "The multipart upload cannot be completed from these parts (one is missing, "
            "too small, or has another entity tag).",
            metadata={"key": key},
        ) from None
    except InvalidPageTokenError:
        raise invalid_request("page_token", "is not a token from this listing") from None
    except StorageUnavailableError:
        raise storage_unavailable() from None


def _area(value: pb.ObjectRef.Area.ValueType, field: str, *, required: bool) -> keys.Area | None:
    if value == pb.ObjectRef.AREA_UNSPECIFIED and not required:
        return None
    if value == pb.ObjectRef.AREA_UNSPECIFIED:
        raise keys.invalid_ref(field, "is required")
    area = _AREAS.get(value)
    if area is None:
        raise keys.invalid_ref(field, "is not a known area")
    return area


def parse_ref(message: Any, has_ref: bool, field: str) -> keys.ObjectRef:
    """The validated domain reference for an ObjectRef message field."""
    if not has_ref:
        raise keys.invalid_ref(field, "is required")
    area = _area(message.area, f"{field}.area", required=True)
    return keys.object_ref(
        message.user_id, message.task_id, area, message.name, field_prefix=f"{field}."
    )


def _expires(value: int, field: str) -> int:
    if not 1 <= value <= MAX_EXPIRES_SECONDS:
        raise invalid_request(field, f"must be between 1 and {MAX_EXPIRES_SECONDS} seconds")
    return value


def _content_type(value: str, field: str) -> str:
    if not is_valid_content_type(value):
        raise invalid_request(
            field,
            f"must be a MIME type such as text/csv (at most {MAX_CONTENT_TYPE_LENGTH} characters)",
        )
    return value


def _timestamp(value: datetime) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value)
    return stamp


def object_info(ref: keys.ObjectRef, meta: ObjectMeta) -> pb.ObjectInfo:
    return pb.ObjectInfo(
        object=pb.ObjectRef(
            user_id=ref.user_id, task_id=ref.task_id, area=_AREA_ENUMS[ref.area], name=ref.name
        ),
        key=meta.key,
        size_bytes=meta.size,
        content_type=meta.content_type,
        etag=meta.etag,
        updated_at=_timestamp(meta.updated_at),
    )


def _after(future: asyncio.Future[Any], callback: Callable[[], None]) -> None:
    """Runs ``callback`` once ``future`` (an I/O job nobody awaits any more)
    has finished, and consumes its result or error."""

    def done(finished: asyncio.Future[Any]) -> None:
        if not finished.cancelled():
            finished.exception()
        callback()

    if future.done():
        done(future)
    else:
        future.add_done_callback(done)


def _close_opened_stream(opening: asyncio.Future[ObjectStream]) -> None:
    if not opening.cancelled() and opening.exception() is None:
        opening.result().close()


def _signed_url(key: str, request: Any) -> pb.SignedUrl:
    return pb.SignedUrl(
        url=request.url,
        method=request.method,
        headers=request.headers,
        expires_at=_timestamp(request.expires_at),
        key=key,
    )


class StorageServicer(pb_grpc.StorageServiceServicer):
    """The StorageService RPCs. Blocking store calls run on ``executor``
    (with the caller's logging context)."""

    def __init__(self, store: S3ObjectStore, executor: Executor, *, read_chunk_bytes: int) -> None:
        self._store = store
        self._executor = executor
        self._read_chunk_bytes = read_chunk_bytes
        self._multipart = MultipartUploads(store)

    def _submit(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> asyncio.Future[T]:
        """Starts ``func`` on the I/O pool, with the caller's logging context."""
        call = functools.partial(contextvars.copy_context().run, func, *args, **kwargs)
        return asyncio.get_running_loop().run_in_executor(self._executor, call)

    async def _run(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await self._submit(func, *args, **kwargs)

    async def _abort(self, writer: ObjectWriter) -> None:
        try:
            await self._run(writer.abort)
        except RuntimeError:  # the pool is shutting down: abort on a fresh thread
            await asyncio.to_thread(writer.abort)

    async def CreateUploadUrl(
        self, request: pb.CreateUploadUrlRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateUploadUrlResponse:
        ref = parse_ref(request.object, request.HasField("object"), "object")
        content_type = _content_type(request.content_type, "content_type")
        # 0: the size is not signed (the caller checks the stored object).
        if request.content_length and not 1 <= request.content_length <= MAX_UPLOAD_BYTES:
            raise invalid_request(
                "content_length", f"must be between 1 and {MAX_UPLOAD_BYTES} bytes, or 0"
            )
        expires = _expires(request.expires_in_seconds, "expires_in_seconds")
        signed = await self._run(
            self._store.presign_put,
            ref.key,
            content_type=content_type,
            content_length=request.content_length or None,
            expires_in=expires,
        )
        return pb.CreateUploadUrlResponse(signed_url=_signed_url(ref.key, signed))

    async def CreateDownloadUrl(
        self, request: pb.CreateDownloadUrlRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateDownloadUrlResponse:
        ref = parse_ref(request.object, request.HasField("object"), "object")
        expires = _expires(request.expires_in_seconds, "expires_in_seconds")
        filename = ref.name
        if request.download_filename:
            filename = clean_download_filename(request.download_filename)
            if not filename:
                raise invalid_request("download_filename", "must contain a file name")
        signed = await self._run(
            self._store.presign_get, ref.key, expires_in=expires, filename=filename
        )
        return pb.CreateDownloadUrlResponse(signed_url=_signed_url(ref.key, signed))

    async def GetObjectInfo(
        self, request: pb.GetObjectInfoRequest, context: grpc.aio.ServicerContext
    ) -> pb.ObjectInfo:
        ref = parse_ref(request.object, request.HasField("object"), "object")
        with store_errors(ref.key):
            meta = await self._run(self._store.head, ref.key)
        return object_info(ref, meta)

    async def ReadObject(
        self, request: pb.ReadObjectRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.ReadObjectResponse]:
        ref = parse_ref(request.object, request.HasField("object"), "object")
        if request.offset < 0:
            raise invalid_request("offset", "must not be negative")
        if request.if_match_etag and not _ETAG_RE.fullmatch(request.if_match_etag):
            raise invalid_request("if_match_etag", "must be an entity tag from ObjectInfo.etag")
        if request.chunk_size_bytes < 0:
            raise invalid_request("chunk_size_bytes", "must not be negative")
        chunk = min(request.chunk_size_bytes or self._read_chunk_bytes, MAX_CHUNK_BYTES)
        with store_errors(ref.key):
            opening = self._submit(
                self._store.open_read,
                ref.key,
                offset=request.offset,
                if_match=request.if_match_etag,
            )
            try:
                stream = await asyncio.shield(opening)
            except asyncio.CancelledError:
                # The download opens anyway: close it when it does.
                opening.add_done_callback(_close_opened_stream)
                raise
            # One read ahead: the next chunk downloads while this one is sent.
            pending = self._submit(stream.read, chunk)
            try:
                position = request.offset
                first = True
                while True:
                    # Shielded: a cancelled call must not abandon a running
                    # read, or the stream could be closed under it.
                    data = await asyncio.shield(pending)
                    if not data and not first:
                        break
                    if data:
                        pending = self._submit(stream.read, chunk)
                    message = pb.ReadObjectResponse(offset=position, data=data)
                    if first:  # an empty object still gets one message
                        message.info.CopyFrom(object_info(ref, stream.meta))
                        first = False
                    position += len(data)
                    yield message
                    if not data:
                        break
            finally:
                # Close only once no read is running on the stream.
                _after(pending, stream.close)

    async def WriteObject(
        self,
        request_iterator: AsyncIterator[pb.WriteObjectRequest],
        context: grpc.aio.ServicerContext,
    ) -> pb.ObjectInfo:
        messages = aiter(request_iterator)
        first = await anext(messages, None)
        if first is None or first.WhichOneof("payload") != "spec":
            raise invalid_request("spec", "must be sent in the first message")
        spec = first.spec
        ref = parse_ref(spec.object, spec.HasField("object"), "spec.object")
        content_type = (
            _content_type(spec.content_type, "spec.content_type")
            if spec.content_type
            else DEFAULT_CONTENT_TYPE
        )
        writer = self._store.open_write(ref.key, content_type=content_type)
        # At most one part uploads while the next one is being received.
        uploading: asyncio.Future[None] | None = None
        try:
            with store_errors(ref.key):
                async for message in messages:
                    if message.WhichOneof("payload") != "data":
                        raise invalid_request(
                            "data", "must be set in every message after the first"
                        )
                    writer.append(message.data)
                    while (part := writer.take_part()) is not None:
                        if uploading is not None:
                            await uploading
                        uploading = self._submit(writer.upload_part, part)
                if uploading is not None:
                    await uploading
                etag = await self._run(writer.commit)
        except BaseException:
            # Failure, invalid stream or cancellation: leave nothing behind
            # (abort waits for a part upload in flight). Shielded so that a
            # second cancellation cannot skip it.
            if uploading is not None:
                _after(uploading, lambda: None)
            await asyncio.shield(self._abort(writer))
            raise
        log.info(
            "object written",
            extra={"key": ref.key, "size_bytes": writer.size, "parts": writer.parts_uploaded},
        )
        try:
            meta = await self._run(self._store.head, ref.key)
        except Exception:  # the write succeeded; report what we know
            log.warning(
                "could not read back a written object", exc_info=True, extra={"key": ref.key}
            )
            meta = ObjectMeta(
                key=ref.key,
                size=writer.size,
                content_type=content_type,
                etag=etag,
                updated_at=datetime.now(UTC),
            )
        return object_info(ref, meta)

    async def ListObjects(
        self, request: pb.ListObjectsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListObjectsResponse:
        prefix = self._prefix(request)
        if request.page_size < 0:
            raise invalid_request("page_size", "must not be negative")
        page_size = min(request.page_size or MAX_PAGE_SIZE, MAX_PAGE_SIZE)
        with store_errors():
            page = await self._run(
                self._store.list_page, prefix, page_size=page_size, page_token=request.page_token
            )
        response = pb.ListObjectsResponse(next_page_token=page.next_token)
        for meta in page.objects:
            try:
                ref = keys.parse_key(meta.key)
            except ValueError:
                log.warning("skipping a key outside the layout", extra={"key": meta.key})
                continue
            response.objects.append(object_info(ref, meta))
        return response

    async def DeleteObjects(
        self, request: pb.DeleteObjectsRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteObjectsResponse:
        prefix = self._prefix(request)
        if (request.keep_names or request.name_prefix) and (
            request.area == pb.ObjectRef.AREA_UNSPECIFIED
        ):
            raise invalid_request("area", "is required with keep_names or name_prefix")
        keep = frozenset(
            prefix + keys.validate_name(name, f"keep_names[{index}]")
            for index, name in enumerate(request.keep_names)
        )
        name_prefix = (
            keys.validate_name(request.name_prefix, "name_prefix") if request.name_prefix else ""
        )
        with store_errors():
            deleted = await self._run(
                self._store.delete_prefix, prefix, keep=keep, name_prefix=name_prefix
            )
        log.info("objects deleted", extra={"prefix": prefix, "deleted": deleted})
        return pb.DeleteObjectsResponse(deleted_count=deleted)

    def _upload_id(self, value: str) -> str:
        if not 1 <= len(value) <= 1024 or not value.isprintable() or " " in value:
            raise invalid_request("upload_id", "must be an id from CreateMultipartUpload")
        return value

    async def CreateMultipartUpload(
        self, request: pb.CreateMultipartUploadRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateMultipartUploadResponse:
        ref = parse_ref(request.object, request.HasField("object"), "object")
        content_type = _content_type(request.content_type, "content_type")
        with store_errors(ref.key):
            upload_id = await self._run(self._multipart.create, ref.key, content_type=content_type)
        log.info("multipart upload created", extra={"key": ref.key})
        return pb.CreateMultipartUploadResponse(upload_id=upload_id, key=ref.key)

    async def CreateUploadPartUrls(
        self, request: pb.CreateUploadPartUrlsRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateUploadPartUrlsResponse:
        ref = parse_ref(request.object, request.HasField("object"), "object")
        upload_id = self._upload_id(request.upload_id)
        expires = _expires(request.expires_in_seconds, "expires_in_seconds")
        if len(request.parts) > MAX_PARTS:
            raise invalid_request("parts", f"must hold at most {MAX_PARTS} parts")
        parts = []
        for index, part in enumerate(request.parts):
            if not 1 <= part.part_number <= MAX_PARTS:
                raise invalid_request(
                    f"parts[{index}].part_number", f"must be between 1 and {MAX_PARTS}"
                )
            if not 1 <= part.content_length <= MAX_PART_BYTES:
                raise invalid_request(
                    f"parts[{index}].content_length", f"must be between 1 and {MAX_PART_BYTES}"
                )
            parts.append((part.part_number, part.content_length))
        signed = await self._run(
            self._multipart.presign_parts, ref.key, upload_id, parts, expires_in=expires
        )
        return pb.CreateUploadPartUrlsResponse(
            signed_urls=[_signed_url(ref.key, s) for s in signed]
        )

    async def ListUploadParts(
        self, request: pb.ListUploadPartsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListUploadPartsResponse:
        ref = parse_ref(request.object, request.HasField("object"), "object")
        upload_id = self._upload_id(request.upload_id)
        with store_errors(ref.key):
            parts = await self._run(self._multipart.list_parts, ref.key, upload_id)
        return pb.ListUploadPartsResponse(
            parts=[
                pb.UploadedPart(part_number=p.number, size_bytes=p.size, etag=p.etag) for p in parts
            ]
        )

    async def CompleteMultipartUpload(
        self, request: pb.CompleteMultipartUploadRequest, context: grpc.aio.ServicerContext
    ) -> pb.ObjectInfo:
        ref = parse_ref(request.object, request.HasField("object"), "object")
        upload_id = self._upload_id(request.upload_id)
        if not 1 <= len(request.parts) <= MAX_PARTS:
            raise invalid_request("parts", f"must hold 1 to {MAX_PARTS} parts")
        for index, part in enumerate(request.parts):
            if not _ETAG_RE.fullmatch(part.etag):
                raise invalid_request(f"parts[{index}].etag", "must be a part's entity tag")
        parts = [
            PartMeta(p.part_number, p.size_bytes, p.etag.strip('"'))
            for p in sorted(request.parts, key=lambda p: p.part_number)
        ]
        with store_errors(ref.key):
            meta = await self._run(self._multipart.complete, ref.key, upload_id, parts)
        log.info("multipart upload completed", extra={"key": ref.key, "parts": len(parts)})
        return object_info(ref, meta)

    async def AbortMultipartUpload(
        self, request: pb.AbortMultipartUploadRequest, context: grpc.aio.ServicerContext
    ) -> pb.AbortMultipartUploadResponse:
        ref = parse_ref(request.object, request.HasField("object"), "object")
        upload_id = self._upload_id(request.upload_id)
        with store_errors(ref.key):
            aborted = await self._run(self._multipart.abort, ref.key, upload_id)
        log.info("multipart upload aborted", extra={"key": ref.key, "aborted": aborted})
        return pb.AbortMultipartUploadResponse(aborted=aborted)

    @staticmethod
    def _prefix(request: pb.ListObjectsRequest | pb.DeleteObjectsRequest) -> str:
        user_id = keys.validate_user_id(request.user_id)
        task_id = keys.validate_task_id(request.task_id)
        area = _area(request.area, "area", required=False)
        return keys.task_prefix(user_id, task_id, area)
