"""StorageService's multipart RPCs against SeaweedFS: parts signed with
their length, listed, completed, and aborted idempotently."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
import requests

from dataquality.storage.v1 import storage_service_pb2 as pb
from dqcommon.errors import decode_rpc_error
from tests.integration.storage.conftest import TaskFiles

pytestmark = pytest.mark.integration

MIB = 1024 * 1024


def rpc_error(call: Any, request: Any) -> Any:
    with pytest.raises(grpc.RpcError) as info:
        call(request)
    return decode_rpc_error(info.value)


def start(storage: Any, task: TaskFiles) -> str:
    created = storage.CreateMultipartUpload(
        pb.CreateMultipartUploadRequest(object=task.ref(), content_type="text/csv")
    )
    assert created.key == task.key()
    return created.upload_id


def sign(storage: Any, task: TaskFiles, upload_id: str, sizes: list[int]) -> list[Any]:
    response = storage.CreateUploadPartUrls(
        pb.CreateUploadPartUrlsRequest(
            object=task.ref(),
            upload_id=upload_id,
            parts=[pb.PartSpec(part_number=i + 1, content_length=s) for i, s in enumerate(sizes)],
            expires_in_seconds=300,
        )
    )
    return list(response.signed_urls)


def test_parts_are_listed_and_completed_into_the_object(storage: Any, task: TaskFiles, s3: Any):
    upload_id = start(storage, task)
    bodies = [b"a" * (5 * MIB), b"b" * 1000]
    urls = sign(storage, task, upload_id, [len(b) for b in bodies])
    assert requests.put(urls[0].url, data=b"short", timeout=30).status_code == 403
    etags = [
        requests.put(u.url, data=b, timeout=60).headers["ETag"]
        for u, b in zip(urls, bodies, strict=True)
    ]
    listed = storage.ListUploadParts(
        pb.ListUploadPartsRequest(object=task.ref(), upload_id=upload_id)
    )
    assert [(p.part_number, p.size_bytes) for p in listed.parts] == [(1, 5 * MIB), (2, 1000)]
    assert [p.etag for p in listed.parts] == [e.strip('"') for e in etags]

    wrong = rpc_error(
        storage.CompleteMultipartUpload,
        pb.CompleteMultipartUploadRequest(
            object=task.ref(),
            upload_id=upload_id,
            parts=[pb.UploadedPart(part_number=1, etag="0" * 32), listed.parts[1]],
        ),
    )
    assert wrong.reason == "UPLOAD_INCOMPLETE"
    info = storage.CompleteMultipartUpload(
        pb.CompleteMultipartUploadRequest(
            object=task.ref(), upload_id=upload_id, parts=list(listed.parts)
        )
    )
    assert info.size_bytes == 5 * MIB + 1000 and info.content_type == "text/csv"
    body = s3.get_object(Bucket=task.bucket, Key=task.key())["Body"].read()
    assert body == bodies[0] + bodies[1]


def test_abort_frees_the_upload_and_is_idempotent(storage: Any, task: TaskFiles):
    upload_id = start(storage, task)
    abort = pb.AbortMultipartUploadRequest(object=task.ref(), upload_id=upload_id)
    assert storage.AbortMultipartUpload(abort).aborted is True
    # Again: no error (S3 and B2 answer NoSuchUpload -> aborted false;
    # SeaweedFS answers success to any abort).
    storage.AbortMultipartUpload(abort)
    gone = rpc_error(
        storage.ListUploadParts, pb.ListUploadPartsRequest(object=task.ref(), upload_id=upload_id)
    )
    assert gone.reason == "MULTIPART_UPLOAD_NOT_FOUND"


def test_part_requests_are_validated(storage: Any, task: TaskFiles):
    upload_id = start(storage, task)
    for parts in (
        [pb.PartSpec(part_number=0, content_length=10)],
        [pb.PartSpec(part_number=10_001, content_length=10)],
        [pb.PartSpec(part_number=1, content_length=5 * 1024 * MIB + 1)],
    ):
        error = rpc_error(
            storage.CreateUploadPartUrls,
            pb.CreateUploadPartUrlsRequest(
                object=task.ref(), upload_id=upload_id, parts=parts, expires_in_seconds=60
            ),
        )
        assert error.reason == "INVALID_REQUEST"
