"""Browser multipart uploads through boto3: create, sign parts (each
signature covers the part's exact length), list, complete, abort.
Failures come out as :mod:`storage_service.domain.errors`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from storage_service.adapters.s3 import (
    ObjectMeta,
    PresignedRequest,
    S3ObjectStore,
    _code,
    _now,
    _strip_etag,
    translate,
)
from storage_service.domain.errors import UploadIncompleteError, UploadNotFoundError

#: S3 and B2 list at most 1000 parts per page.
_PARTS_PAGE = 1000
_INCOMPLETE_CODES = frozenset({"InvalidPart", "InvalidPartOrder", "EntityTooSmall"})


@dataclass(frozen=True)
class PartMeta:
    """One stored part."""

    number: int
    size: int
    etag: str


class MultipartUploads:
    """Multipart operations on the store's bucket."""

    def __init__(self, store: S3ObjectStore) -> None:
        self._store = store
        self._client: Any = store.client
        self._presigner: Any = store.presigner
        self._bucket = store.bucket

    def create(self, key: str, *, content_type: str) -> str:
        try:
            response = self._client.create_multipart_upload(
                Bucket=self._bucket, Key=key, ContentType=content_type
            )
        except (BotoCoreError, ClientError) as exc:
            raise translate(exc, operation="CreateMultipartUpload", key=key) from exc
        return str(response["UploadId"])

    def presign_parts(
        self, key: str, upload_id: str, parts: Sequence[tuple[int, int]], *, expires_in: int
    ) -> list[PresignedRequest]:
        expires_at = _now() + timedelta(seconds=expires_in)
        return [
            PresignedRequest(
                url=self._presigner.generate_presigned_url(
                    "upload_part",
                    Params={
                        "Bucket": self._bucket,
                        "Key": key,
                        "UploadId": upload_id,
                        "PartNumber": number,
                        "ContentLength": length,
                    },
                    ExpiresIn=expires_in,
                    HttpMethod="PUT",
                ),
                method="PUT",
                headers={},
                expires_at=expires_at,
            )
            for number, length in parts
        ]

    def list_parts(self, key: str, upload_id: str) -> list[PartMeta]:
        parts: list[PartMeta] = []
        marker = 0
        while True:
            try:
                response = self._client.list_parts(
                    Bucket=self._bucket,
                    Key=key,
                    UploadId=upload_id,
                    MaxParts=_PARTS_PAGE,
                    PartNumberMarker=marker,
                )
            except (BotoCoreError, ClientError) as exc:
                raise self._error(exc, "ListParts", key) from exc
            parts.extend(
                PartMeta(int(p["PartNumber"]), int(p["Size"]), _strip_etag(str(p["ETag"])))
                for p in response.get("Parts", [])
            )
            if not response.get("IsTruncated"):
                return sorted(parts, key=lambda p: p.number)
            marker = int(response.get("NextPartNumberMarker") or 0)

    def complete(self, key: str, upload_id: str, parts: Sequence[PartMeta]) -> ObjectMeta:
        try:
            self._client.complete_multipart_upload(
                Bucket=self._bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={
                    "Parts": [{"PartNumber": p.number, "ETag": f'"{p.etag}"'} for p in parts]
                },
            )
        except (BotoCoreError, ClientError) as exc:
            raise self._error(exc, "CompleteMultipartUpload", key) from exc
        return self._store.head(key)

    def abort(self, key: str, upload_id: str) -> bool:
        try:
            self._client.abort_multipart_upload(Bucket=self._bucket, Key=key, UploadId=upload_id)
        except ClientError as exc:
            if _code(exc) == "NoSuchUpload":
                return False
            raise translate(exc, operation="AbortMultipartUpload", key=key) from exc
        except BotoCoreError as exc:
            raise translate(exc, operation="AbortMultipartUpload", key=key) from exc
        return True

    @staticmethod
    def _error(exc: Exception, operation: str, key: str) -> Exception:
        if isinstance(exc, ClientError):
            if _code(exc) == "NoSuchUpload":
                return UploadNotFoundError(key)
            if _code(exc) in _INCOMPLETE_CODES:
                return UploadIncompleteError(_code(exc))
        return translate(exc, operation=operation, key=key)
