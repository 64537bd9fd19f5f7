"""The object store through boto3: Backblaze B2's S3 API in production,
SeaweedFS in development and tests. The only module that imports boto3
(s3_multipart.py uses its client).

Every method blocks (boto3 is synchronous): the servicer runs them on its
own thread pool, never on the event loop. Failures come out as the
exceptions of :mod:`storage_service.domain.errors`, never as botocore's.

What B2 needs from the client (see ``client_config``):

* SigV4 signatures (B2 refuses SigV2, which boto3 would otherwise use for
  presigned URLs in some regions);
* no flexible checksums: recent botocore sends ``x-amz-sdk-checksum-algorithm``
  and CRC32 headers by default and B2 answers 400 "Unsupported header". With
  ``when_required`` only DeleteObjects still wants one; it gets the classic
  ``Content-MD5`` instead (see ``_delete_objects_uses_md5``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from storage_service.config import StorageSettings
from storage_service.domain.errors import (
    InvalidPageTokenError,
    ObjectChangedError,
    ObjectNotFoundError,
    RangeNotSatisfiableError,
    StorageUnavailableError,
    StoreError,
)
from storage_service.domain.http_headers import content_disposition

log = logging.getLogger(__name__)

# S3 and B2 return at most 1000 keys per list page and accept at most 1000
# keys per DeleteObjects call.
MAX_KEYS_PER_PAGE = 1000

# Error codes that mean "the store is there but will not serve us": a
# configuration or capacity problem, not something the caller did.
_UNAVAILABLE_CODES = frozenset(
    {
        "AccessDenied",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "NoSuchBucket",
        "AllAccessDisabled",
        "AccountProblem",
        "ExpiredToken",
        "InvalidToken",
        "RequestTimeTooSkewed",
        "SlowDown",
        "ServiceUnavailable",
        "InternalError",
        "RequestTimeout",
        "TooManyRequests",
    }
)
_NOT_FOUND_CODES = frozenset({"NoSuchKey", "NotFound", "404"})
# 404s that are not about the object: a missing bucket is unavailability, a
# vanished multipart upload a bug or a race with abort.
_NOT_OBJECT_CODES = frozenset({"NoSuchBucket", "NoSuchUpload"})


# --- values ------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectMeta:
    """Metadata of a stored object. ``etag`` has no surrounding quotes;
    ``content_type`` is empty where the store does not report it (listings)."""

    key: str
    size: int
    content_type: str
    etag: str
    updated_at: datetime


@dataclass(frozen=True)
class PresignedRequest:
    """A signed HTTP request a browser can send to the store directly.
    ``headers`` must be sent exactly as given (they are signed)."""

    url: str
    method: str
    headers: dict[str, str]
    expires_at: datetime


@dataclass(frozen=True)
class ObjectPage:
    """One page of a listing; ``next_token`` is empty on the last page."""

    objects: list[ObjectMeta]
    next_token: str


# --- client construction -----------------------------------------------------


def client_config(
    settings: StorageSettings,
    *,
    max_attempts: int | None = None,
    connect_timeout: float | None = None,
    read_timeout: float | None = None,
) -> Config:
    """The botocore configuration every client of this service uses."""
    return Config(
        signature_version="s3v4",
        s3={"addressing_style": "path"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        # total_max_attempts counts the first try (botocore's max_attempts does not).
        retries={
            "mode": "standard",
            "total_max_attempts": max_attempts or settings.s3_max_attempts,
        },
        connect_timeout=connect_timeout or settings.s3_connect_timeout_seconds,
        read_timeout=read_timeout or settings.s3_read_timeout_seconds,
        max_pool_connections=settings.io_threads,
        tcp_keepalive=True,
        user_agent_appid="dataquality-storage",
    )


def _delete_objects_uses_md5(params: dict[str, Any], **_: Any) -> None:
    """DeleteObjects must carry a checksum. botocore would send CRC32 plus
    ``x-amz-sdk-checksum-algorithm``, which B2 rejects; send the classic
    Content-MD5 (which every S3 implementation accepts) instead."""
    body = params.get("body")
    if not isinstance(body, bytes | bytearray):
        return
    digest = hashlib.md5(body, usedforsecurity=False).digest()
    params["headers"]["Content-MD5"] = base64.b64encode(digest).decode("ascii")
    checksum = params.get("context", {}).get("checksum", {})
    checksum.pop("request_algorithm", None)
    checksum.pop("request_algorithm_header", None)


def create_client(
    settings: StorageSettings,
    *,
    endpoint_url: str | None = None,
    config: Config | None = None,
    session: boto3.session.Session | None = None,
) -> Any:
    """A boto3 S3 client for ``settings``. Clients are thread-safe, sessions
    are not: pass a session only to create several clients in one thread."""
    session = session or boto3.session.Session()
    secret = settings.secret_access_key.get_secret_value() if settings.secret_access_key else None
    client = session.client(
        "s3",
        endpoint_url=endpoint_url or settings.endpoint_url,
        region_name=settings.region,
        aws_access_key_id=settings.access_key_id,
        aws_secret_access_key=secret,
        config=config or client_config(settings),
    )
    client.meta.events.register("before-call.s3.DeleteObjects", _delete_objects_uses_md5)
    return client


# --- error translation -------------------------------------------------------


def _status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code") or "")


def translate(exc: Exception, *, operation: str, key: str = "") -> StoreError:
    """The domain error for a botocore exception (logged here with the
    store's code; the code and text never reach clients)."""
    if isinstance(exc, ClientError):
        status, code = _status(exc), _code(exc)
        if code in _NOT_FOUND_CODES or (status == 404 and code not in _NOT_OBJECT_CODES):
            return ObjectNotFoundError(key)
        if status == 412 or code == "PreconditionFailed":
            return ObjectChangedError(key)
        if status >= 500 or status in (401, 403, 408, 429) or code in _UNAVAILABLE_CODES:
            log.warning(
                "object store refused %s",
                operation,
                extra={"s3_status": status, "s3_code": code, "key": key},
            )
            return StorageUnavailableError(f"{operation}: {status} {code}")
        log.error(
            "object store rejected %s",
            operation,
            extra={"s3_status": status, "s3_code": code, "key": key},
        )
        return StoreError(f"{operation}: {status} {code}")
    if isinstance(exc, ParamValidationError):
        return StoreError(f"{operation}: invalid parameters")
    if isinstance(exc, BotoCoreError):
        log.warning(
            "object store unreachable during %s: %s",
            operation,
            type(exc).__name__,
            extra={"key": key},
        )
        return StorageUnavailableError(f"{operation}: {type(exc).__name__}")
    return StoreError(f"{operation}: {type(exc).__name__}")


def _strip_etag(etag: str) -> str:
    return etag.strip().removeprefix("W/").strip('"')


def _quote_etag(etag: str) -> str:
    return f'"{_strip_etag(etag)}"'


def _meta_from_response(key: str, response: dict[str, Any], size: int) -> ObjectMeta:
    return ObjectMeta(
        key=key,
        size=size,
        content_type=str(response.get("ContentType") or ""),
        etag=_strip_etag(str(response.get("ETag") or "")),
        updated_at=response["LastModified"],
    )


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


# --- page tokens -------------------------------------------------------------


def encode_page_token(prefix: str, continuation: str) -> str:
    """Our opaque page token: the store's continuation token bound to the
    prefix it continues (a token cannot be replayed on another listing)."""
    raw = json.dumps({"p": prefix, "c": continuation}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page_token(prefix: str, token: str) -> str:
    """The store's continuation token inside ``token``; raises
    :class:`InvalidPageTokenError` if malformed or for another prefix."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
        continuation = data["c"]
        token_prefix = data["p"]
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise InvalidPageTokenError("malformed page token") from None
    if token_prefix != prefix or not isinstance(continuation, str) or not continuation:
        raise InvalidPageTokenError("page token belongs to another listing")
    return continuation


# --- reads and writes --------------------------------------------------------


class ObjectStream:
    """An open download: ``meta`` describes the whole object, ``position``
    is the offset of the next byte :meth:`read` returns. Close it (or use it
    as a context manager) to release the HTTP connection."""

    def __init__(self, meta: ObjectMeta, position: int, body: Any | None) -> None:
        self.meta = meta
        self.position = position
        self._body = body

    def read(self, size: int) -> bytes:
        """Up to ``size`` bytes (fewer only at the end); ``b""`` at the end."""
        if self._body is None:
            return b""
        try:
            data = self._body.read(size)
        except (BotoCoreError, ClientError) as exc:
            raise translate(exc, operation="GetObject body", key=self.meta.key) from exc
        self.position += len(data)
        return data

    def chunks(self, size: int) -> Iterator[bytes]:
        """Reads the rest in pieces of ``size`` bytes (blocking)."""
        while data := self.read(size):
            yield data

    def close(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class ObjectWriter:
    """Writes one object with bounded memory: bytes are buffered up to one
    part; an object that fits in one part is sent with a single PutObject,
    a larger one as a multipart upload. Nothing is visible until
    :meth:`commit`; :meth:`abort` (after any failure or cancellation) removes
    the uploaded parts.

    :meth:`append` and :meth:`take_part` never block (call them on the event
    loop); :meth:`upload_part`, :meth:`commit` and :meth:`abort` do network
    I/O. Parts are numbered in the order they are uploaded, so upload one at
    a time (the next may be taken while one is in flight). :meth:`abort`
    waits for an upload in progress, so no part lands after the abort."""

    def __init__(
        self, client: Any, bucket: str, key: str, content_type: str, part_bytes: int
    ) -> None:
        self.key = key
        self.content_type = content_type
        self.size = 0
        self._client = client
        self._bucket = bucket
        self._part_bytes = part_bytes
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._finished = False

    @property
    def multipart(self) -> bool:
        return self._upload_id is not None

    @property
    def parts_uploaded(self) -> int:
        return len(self._parts)

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def append(self, data: bytes) -> None:
        if self._finished:
            raise StoreError("write already finished")
        self._buffer += data
        self.size += len(data)

    def take_part(self) -> bytes | None:
        """The next complete part, removed from the buffer (None if the
        buffer holds less than a part)."""
        if len(self._buffer) < self._part_bytes:
            return None
        part = bytes(self._buffer[: self._part_bytes])
        del self._buffer[: self._part_bytes]
        return part

    def upload_part(self, body: bytes) -> None:
        """Uploads ``body`` as the next part (starting the multipart upload
        with the first one)."""
        with self._lock:
            if self._finished:
                raise StoreError("write already finished")
            self._upload_part(body)

    def flush_full_parts(self) -> None:
        """Uploads every complete part in the buffer (blocking; for callers
        that do not overlap receiving and uploading)."""
        while (part := self.take_part()) is not None:
            self.upload_part(part)

    def commit(self) -> str:
        """Uploads what is left and makes the object visible; returns its
        entity tag (unquoted)."""
        with self._lock:
            if self._finished:
                raise StoreError("write already finished")
            try:
                if self._upload_id is None:
                    response = self._client.put_object(
                        Bucket=self._bucket,
                        Key=self.key,
                        Body=bytes(self._buffer),
                        ContentType=self.content_type,
                    )
                else:
                    if self._buffer:
                        self._upload_part(bytes(self._buffer))
                    response = self._client.complete_multipart_upload(
                        Bucket=self._bucket,
                        Key=self.key,
                        UploadId=self._upload_id,
                        MultipartUpload={"Parts": self._parts},
                    )
            except (BotoCoreError, ClientError) as exc:
                raise translate(exc, operation="write", key=self.key) from exc
            self._finished = True
            self._buffer = bytearray()
            return _strip_etag(str(response.get("ETag") or ""))

    def abort(self) -> None:
        """Discards everything written so far (idempotent; never raises)."""
        with self._lock:
            if self._finished:
                return
            self._finished = True
            self._buffer = bytearray()
            if self._upload_id is None:
                return
            try:
                self._client.abort_multipart_upload(
                    Bucket=self._bucket, Key=self.key, UploadId=self._upload_id
                )
                log.info(
                    "aborted multipart upload", extra={"key": self.key, "parts": len(self._parts)}
                )
            except (BotoCoreError, ClientError):
                # The parts stay until the bucket's lifecycle rule removes
                # them; nothing is visible under the key.
                log.exception(
                    "could not abort multipart upload",
                    extra={"key": self.key, "upload_id": self._upload_id},
                )

    def _upload_part(self, body: bytes) -> None:
        try:
            if self._upload_id is None:
                created = self._client.create_multipart_upload(
                    Bucket=self._bucket, Key=self.key, ContentType=self.content_type
                )
                self._upload_id = str(created["UploadId"])
            number = len(self._parts) + 1
            response = self._client.upload_part(
                Bucket=self._bucket,
                Key=self.key,
                UploadId=self._upload_id,
                PartNumber=number,
                Body=body,
            )
        except (BotoCoreError, ClientError) as exc:
            raise translate(exc, operation="write part", key=self.key) from exc
        self._parts.append({"PartNumber": number, "ETag": response["ETag"]})


# --- the store ---------------------------------------------------------------


class S3ObjectStore:
    """One bucket of an S3-compatible store."""

    def __init__(self, settings: StorageSettings) -> None:
        self.bucket = settings.bucket
        self.part_bytes = settings.multipart_part_bytes
        session = boto3.session.Session()  # loads the S3 model once for all three
        self._client = create_client(settings, session=session)
        # Presigning is local computation; the public endpoint (if any) is
        # the host browsers use, and the signature covers the host.
        self._presigner = (
            create_client(settings, endpoint_url=settings.public_endpoint_url, session=session)
            if settings.public_endpoint_url
            else self._client
        )
        # Readiness probes fail fast instead of retrying.
        self._probe = create_client(
            settings,
            session=session,
            config=client_config(settings, max_attempts=1, connect_timeout=2.0, read_timeout=5.0),
        )

    @property
    def client(self) -> Any:
        """The boto3 client (for the multipart module)."""
        return self._client

    @property
    def presigner(self) -> Any:
        """The client that signs URLs for browsers."""
        return self._presigner

    # presigned URLs

    def presign_put(
        self, key: str, *, content_type: str, content_length: int | None, expires_in: int
    ) -> PresignedRequest:
        """A PUT URL whose signature covers the content type and, when
        given, the exact length: the store answers 403 to any other type or
        size."""
        expires_at = _now() + timedelta(seconds=expires_in)
        params: dict[str, object] = {"Bucket": self.bucket, "Key": key, "ContentType": content_type}
        if content_length is not None:
            params["ContentLength"] = content_length
        url = self._presigner.generate_presigned_url(
            "put_object", Params=params, ExpiresIn=expires_in, HttpMethod="PUT"
        )
        # Content-Length is signed too, but browsers set it themselves from
        # the body (and refuse to let scripts set it).
        return PresignedRequest(
            url=url, method="PUT", headers={"Content-Type": content_type}, expires_at=expires_at
        )

    def presign_get(self, key: str, *, expires_in: int, filename: str) -> PresignedRequest:
        """A GET URL that makes the browser save the object as ``filename``."""
        expires_at = _now() + timedelta(seconds=expires_in)
        url = self._presigner.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": content_disposition(filename),
            },
            ExpiresIn=expires_in,
            HttpMethod="GET",
        )
        return PresignedRequest(url=url, method="GET", headers={}, expires_at=expires_at)

    # metadata and reads

    def head(self, key: str) -> ObjectMeta:
        try:
            response = self._client.head_object(Bucket=self.bucket, Key=key)
        except (BotoCoreError, ClientError) as exc:
            raise translate(exc, operation="HeadObject", key=key) from exc
        return _meta_from_response(key, response, int(response["ContentLength"]))

    def open_read(self, key: str, *, offset: int = 0, if_match: str = "") -> ObjectStream:
        """Opens a download from ``offset``; raises ObjectChangedError if
        ``if_match`` is set and the object's entity tag differs. A read that
        starts exactly at the end yields no bytes."""
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if offset:
            params["Range"] = f"bytes={offset}-"
        if if_match:
            params["IfMatch"] = _quote_etag(if_match)
        try:
            response = self._client.get_object(**params)
        except (BotoCoreError, ClientError) as exc:
            if isinstance(exc, ClientError) and _status(exc) == 416:
                return self._empty_read(key, offset, if_match)
            raise translate(exc, operation="GetObject", key=key) from exc
        body = response["Body"]
        content_range = str(response.get("ContentRange") or "")
        if offset and not content_range:
            body.close()
            raise StoreError("the store ignored the Range header")
        total = (
            int(content_range.rsplit("/", 1)[1])
            if content_range
            else int(response["ContentLength"])
        )
        return ObjectStream(_meta_from_response(key, response, total), offset, body)

    def _empty_read(self, key: str, offset: int, if_match: str) -> ObjectStream:
        meta = self.head(key)
        if if_match and meta.etag != _strip_etag(if_match):
            raise ObjectChangedError(key)
        if offset != meta.size:
            raise RangeNotSatisfiableError(offset, meta.size)
        return ObjectStream(meta, offset, None)

    def open_write(self, key: str, *, content_type: str) -> ObjectWriter:
        return ObjectWriter(self._client, self.bucket, key, content_type, self.part_bytes)

    # listing and deletion

    def list_page(self, prefix: str, *, page_size: int, page_token: str = "") -> ObjectPage:
        """One page of the objects under ``prefix``, in key order."""
        _require_prefix(prefix)
        params: dict[str, Any] = {
            "Bucket": self.bucket,
            "Prefix": prefix,
            "MaxKeys": max(1, min(page_size, MAX_KEYS_PER_PAGE)),
        }
        if page_token:
            params["ContinuationToken"] = decode_page_token(prefix, page_token)
        try:
            response = self._client.list_objects_v2(**params)
        except ClientError as exc:
            if page_token and _status(exc) == 400:
                raise InvalidPageTokenError("the store refused the page token") from exc
            raise translate(exc, operation="ListObjectsV2") from exc
        except BotoCoreError as exc:
            raise translate(exc, operation="ListObjectsV2") from exc
        objects = [
            ObjectMeta(
                key=item["Key"],
                size=int(item["Size"]),
                content_type="",
                etag=_strip_etag(str(item.get("ETag") or "")),
                updated_at=item["LastModified"],
            )
            for item in response.get("Contents", [])
        ]
        continuation = response.get("NextContinuationToken") if response.get("IsTruncated") else ""
        next_token = encode_page_token(prefix, continuation) if continuation else ""
        return ObjectPage(objects=objects, next_token=next_token)

    def delete_prefix(
        self, prefix: str, *, keep: frozenset[str] = frozenset(), name_prefix: str = ""
    ) -> int:
        """Deletes every object under the folder ``prefix`` whose name starts
        with ``name_prefix``, except the keys in ``keep``, page by page (at
        most 1000 keys per request); returns how many were deleted."""
        _require_prefix(prefix)
        prefix += name_prefix
        deleted = 0
        token: str | None = None
        while True:
            try:
                listing = self._client.list_objects_v2(
                    Bucket=self.bucket,
                    Prefix=prefix,
                    MaxKeys=MAX_KEYS_PER_PAGE,
                    **({"ContinuationToken": token} if token else {}),
                )
                keys = [
                    item["Key"] for item in listing.get("Contents", []) if item["Key"] not in keep
                ]
                response = (
                    self._client.delete_objects(
                        Bucket=self.bucket,
                        Delete={"Objects": [{"Key": key} for key in keys], "Quiet": True},
                    )
                    if keys
                    else {}
                )
            except (BotoCoreError, ClientError) as exc:
                raise translate(exc, operation="DeleteObjects") from exc
            errors = response.get("Errors", [])
            deleted += len(keys) - len(errors)
            if errors:
                log.error(
                    "object store did not delete every object",
                    extra={
                        "prefix": prefix,
                        "failed": len(errors),
                        "s3_code": errors[0].get("Code"),
                    },
                )
                raise StorageUnavailableError(f"{len(errors)} objects were not deleted")
            if not listing.get("IsTruncated"):
                return deleted
            token = listing.get("NextContinuationToken")

    # bucket

    def ensure_bucket(self) -> bool:
        """Creates the bucket if it is missing; returns True if it did."""
        try:
            self._client.head_bucket(Bucket=self.bucket)
            return False
        except ClientError as exc:
            if _status(exc) != 404 and _code(exc) not in {"NoSuchBucket", "404", "NotFound"}:
                raise translate(exc, operation="HeadBucket") from exc
        except BotoCoreError as exc:
            raise translate(exc, operation="HeadBucket") from exc
        try:
            self._client.create_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if _code(exc) not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                raise translate(exc, operation="CreateBucket") from exc
        except BotoCoreError as exc:
            raise translate(exc, operation="CreateBucket") from exc
        log.info("created bucket", extra={"bucket": self.bucket})
        return True

    def is_reachable(self) -> bool:
        """One cheap signed request (HeadBucket, no retries): the store
        answers, accepts our credentials, and the bucket exists."""
        try:
            self._probe.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            log.debug("object store not reachable: %s", type(exc).__name__)
            return False
        return True

    def close(self) -> None:
        for client in {id(c): c for c in (self._client, self._presigner, self._probe)}.values():
            client.close()


def _require_prefix(prefix: str) -> None:
    # Defence in depth: an empty prefix would list or delete the whole bucket.
    if not prefix.endswith("/") or prefix.count("/") < 2:
        raise ValueError(f"refusing to operate on a non-task prefix {prefix!r}")
