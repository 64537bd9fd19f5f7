"""Resumable multipart uploads and size limits on real parts (SeaweedFS,
the three services in-process): a 200 MB upload interrupted after two
parts, resumed with the missing parts only, completed and profiled; a
too-large file uploaded without a declared size; the sweeper aborting an
unfinished upload. Test data is generated part by part, never whole."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from botocore.exceptions import ClientError

from dataquality.task.v1 import task_service_pb2 as pb
from dataquality.task.v1 import task_service_pb2_grpc as pb_grpc
from dqcommon.grpc_server import insecure_sync_channel
from task_service.server import create_app as create_task
from tests.integration.task.test_lifecycle import MutableClock, objects
from tests.integration.task.test_task_service import USER, create, rpc_error, wait_for
from tests.support.app_thread import AppThread
from tests.support.services import task_settings

pytestmark = pytest.mark.integration

HEADER = b"id,comment,amount\n"
LINE = b"42," + b"x" * 180 + b",3.25\n"
ROWS = (200_000_000 - len(HEADER)) // len(LINE)
SIZE = len(HEADER) + ROWS * len(LINE)  # about 200 MB, whole rows only


def file_bytes(offset: int, size: int) -> bytes:
    """Bytes [offset, offset + size) of the generated CSV."""
    out = bytearray()
    if offset < len(HEADER):
        out += HEADER[offset : offset + size]
        size -= len(out)
        offset = len(HEADER)
    if size > 0:
        start = (offset - len(HEADER)) % len(LINE)
        out += (LINE * (size // len(LINE) + 2))[start : start + size]
    return bytes(out)


def put_part(part) -> str:
    # offsets and sizes are doubles on the wire (JSON numbers at the REST edge)
    data = file_bytes(int(part.offset), int(part.size_bytes))
    response = requests.put(part.url, data=data, timeout=120)
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


def ask_urls(stub, task_id: str, size: int, **extra) -> pb.UploadTarget:
    response = stub.GenerateUploadUrls(
        pb.GenerateUploadUrlsRequest(
            task_id=task_id,
            files={
                "primary": pb.UploadFile(
                    filename="big.csv", content_type="text/csv", size_bytes=size, **extra
                )
            },
        ),
        metadata=USER,
    )
    return response.uploads["primary"]


def test_first_part_checks(tasks):
    """The generator is consistent: parts joined give whole CSV rows."""
    assert file_bytes(0, 5) + file_bytes(5, 300) == file_bytes(0, 305)
    assert file_bytes(SIZE - len(LINE), len(LINE)) == LINE


@pytest.mark.timeout(900)
def test_a_200_mb_upload_interrupted_after_two_parts_resumes_and_is_profiled(
    tasks, s3, seaweed_bucket
):
    task = create(tasks)
    target = ask_urls(tasks, task.task_id, SIZE)
    upload = target.multipart
    assert upload.upload_id and upload.part_count == len(upload.parts) > 2
    assert upload.part_size_bytes == 16 * 1024 * 1024
    assert sum(p.size_bytes for p in upload.parts) == SIZE
    assert target.url  # the single PUT stays for clients without parts

    # A part of another size than signed is refused by the store.
    wrong = requests.put(upload.parts[0].url, data=b"too short", timeout=30)
    assert wrong.status_code == 403

    first, second = (put_part(p) for p in upload.parts[:2])  # ...then the connection drops
    listing = tasks.ListUploadParts(
        pb.ListUploadPartsRequest(task_id=task.task_id, slot="primary"), metadata=USER
    )
    assert [p.part_number for p in listing.parts] == [1, 2]
    assert [p.etag for p in listing.parts] == [first.strip('"'), second.strip('"')]
    missing = list(listing.upload.parts)
    assert [p.part_number for p in missing] == list(range(3, upload.part_count + 1))
    assert list(listing.missing_part_numbers) == [p.part_number for p in missing]

    # Completing now names what is missing.
    error = rpc_error(
        tasks.CompleteUpload,
        pb.CompleteUploadRequest(task_id=task.task_id, slot="primary"),
        metadata=USER,
    )
    assert error.reason == "UPLOAD_INCOMPLETE" and "parts 3, 4" in error.message

    etags = {1: first, 2: second}
    for part in missing:  # only the missing parts, with the fresh URLs
        etags[part.part_number] = put_part(part)
    done = tasks.CompleteUpload(
        pb.CompleteUploadRequest(
            task_id=task.task_id,
            slot="primary",
            parts=[pb.PartETag(part_number=n, etag=e) for n, e in sorted(etags.items())],
        ),
        metadata=USER,
    )
    assert done.size_bytes == SIZE and done.part_count == upload.part_count
    head = s3.head_object(Bucket=seaweed_bucket, Key=done.key)
    assert head["ContentLength"] == SIZE

    tasks.ProcessTask(pb.ProcessTaskRequest(task_id=task.task_id), metadata=USER)
    final = wait_for(tasks, task.task_id, {task.COMPLETED, task.FAILED}, timeout=800)
    assert final.status == task.COMPLETED, final.error_message
    assert final.files["primary"].size_bytes == SIZE


@pytest.mark.task_settings(upload_slot_max_bytes={"primary": 1000})
def test_a_too_large_file_of_unknown_size_is_deleted_and_fails_the_upload(
    tasks, s3, seaweed_bucket
):
    task = create(tasks)
    declared = rpc_error(
        tasks.GenerateUploadUrls,
        pb.GenerateUploadUrlsRequest(
            task_id=task.task_id,
            files={"primary": pb.UploadFile(filename="d.csv", size_bytes=1001)},
        ),
        metadata=USER,
    )
    assert declared.reason == "FILE_TOO_LARGE"
    response = tasks.GenerateUploadUrls(
        pb.GenerateUploadUrlsRequest(
            task_id=task.task_id, files={"primary": pb.UploadFile(filename="d.csv")}
        ),
        metadata=USER,
    )
    target = response.uploads["primary"]
    put = requests.put(target.url, data=b"a,b\n" + b"1,2\n" * 500, headers=dict(target.headers))
    assert put.status_code == 200
    error = rpc_error(tasks.ProcessTask, pb.ProcessTaskRequest(task_id=task.task_id), metadata=USER)
    assert error.reason == "FILE_TOO_LARGE" and "at most 1000 bytes" in error.message
    failed = tasks.GetTask(pb.GetTaskRequest(task_id=task.task_id), metadata=USER)
    assert failed.status == failed.UPLOAD_FAILED
    assert failed.error_code.string_value == "FILE_TOO_LARGE"
    assert objects(s3, seaweed_bucket, task.task_id, "inputs/") == []


def test_the_sweeper_aborts_an_unfinished_multipart_upload(
    db_url, storage_server, analysis_server, s3, seaweed_bucket
):
    clock = MutableClock()
    settings = task_settings(
        db_url, storage_server.target, analysis_server.target, sweeper_enabled=False
    )
    with AppThread(lambda: create_task(settings, clock=clock), name="task-sweep") as app:
        channel = insecure_sync_channel(app.target)
        stub = pb_grpc.TaskServiceStub(channel)
        task = create(stub)
        size = 12 * 1024 * 1024
        upload = ask_urls(stub, task.task_id, size, multipart=True, part_size_bytes=5 * 1024**2)
        assert upload.multipart.part_count == 3
        put_part(upload.multipart.parts[0])
        key = upload.key
        assert s3.list_parts(Bucket=seaweed_bucket, Key=key, UploadId=upload.multipart.upload_id)[
            "Parts"
        ]

        clock.offset = timedelta(minutes=16)
        assert app.app.sweeper.sweep().expired == 1
        with pytest.raises(ClientError) as info:
            s3.list_parts(Bucket=seaweed_bucket, Key=key, UploadId=upload.multipart.upload_id)
        assert info.value.response["Error"]["Code"] == "NoSuchUpload"
        error = rpc_error(
            stub.ListUploadParts,
            pb.ListUploadPartsRequest(task_id=task.task_id, slot="primary"),
            metadata=USER,
        )
        assert error.reason == "INVALID_TASK_STATE"
        channel.close()
