"""GetObjectInfo, ReadObject, WriteObject, ListObjects and DeleteObjects
through gRPC against SeaweedFS."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import pytest

from dataquality.storage.v1 import storage_service_pb2 as pb
from dqcommon.errors import decode_rpc_error
from storage_service.config import MIB
from tests.integration.storage.conftest import TaskFiles
from tests.support.services import PART_BYTES

pytestmark = pytest.mark.integration

INPUTS = pb.ObjectRef.AREA_INPUTS
OUTPUTS = pb.ObjectRef.AREA_OUTPUTS


def _error(call: Any, *args: Any) -> Any:
    with pytest.raises(grpc.RpcError) as exc:
        result = call(*args)
        if isinstance(result, Iterator):
            list(result)
    return decode_rpc_error(exc.value)


def _write_messages(
    ref: pb.ObjectRef, data: bytes, content_type: str = "", piece: int = MIB
) -> Iterator[pb.WriteObjectRequest]:
    yield pb.WriteObjectRequest(spec=pb.WriteObjectSpec(object=ref, content_type=content_type))
    for start in range(0, len(data), piece):
        yield pb.WriteObjectRequest(data=data[start : start + piece])


def _pending_uploads(s3: Any, bucket: str, key: str) -> list[dict[str, Any]]:
    uploads = s3.list_multipart_uploads(Bucket=bucket, Prefix=key).get("Uploads", [])
    return [u for u in uploads if u["Key"] == key]


def _wait_for(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


# --- GetObjectInfo -----------------------------------------------------------


def test_object_info(storage: Any, task: TaskFiles, s3: Any) -> None:
    put = s3.put_object(
        Bucket=task.bucket, Key=task.key(), Body=b"a,b\n1,2\n", ContentType="text/csv"
    )
    info = storage.GetObjectInfo(pb.GetObjectInfoRequest(object=task.ref()))
    assert info.key == task.key()
    assert info.size_bytes == 8
    assert info.content_type == "text/csv"
    assert info.etag == put["ETag"].strip('"')
    assert abs(info.updated_at.seconds - time.time()) < 60
    assert (info.object.user_id, info.object.task_id, info.object.area, info.object.name) == (
        task.user_id, task.task_id, INPUTS, "primary.csv"
    )  # fmt: skip


def test_missing_object_is_not_found(storage: Any, task: TaskFiles) -> None:
    error = _error(storage.GetObjectInfo, pb.GetObjectInfoRequest(object=task.ref("nope.csv")))
    assert error.code is grpc.StatusCode.NOT_FOUND
    assert error.reason == "OBJECT_NOT_FOUND"
    assert error.metadata["key"] == task.key("nope.csv")
    read = _error(storage.ReadObject, pb.ReadObjectRequest(object=task.ref("nope.csv")))
    assert (read.code, read.reason) == (grpc.StatusCode.NOT_FOUND, "OBJECT_NOT_FOUND")


@pytest.mark.parametrize(
    ("ref", "field"),
    [
        (pb.ObjectRef(user_id="", name="a.csv", area=INPUTS), "object.user_id"),
        (pb.ObjectRef(user_id="..", name="a.csv", area=INPUTS), "object.user_id"),
        (pb.ObjectRef(user_id="u/../v", name="a.csv", area=INPUTS), "object.user_id"),
        (pb.ObjectRef(user_id="u", task_id="../../x", name="a.csv", area=INPUTS),
         "object.task_id"),
        (pb.ObjectRef(user_id="u", name="../primary.csv", area=INPUTS), "object.name"),
        (pb.ObjectRef(user_id="u", name="sub/primary.csv", area=INPUTS), "object.name"),
        (pb.ObjectRef(user_id="u", name="données.csv", area=INPUTS), "object.name"),
        (pb.ObjectRef(user_id="u", name="a.csv"), "object.area"),
        (pb.ObjectRef(user_id="u", name="a.csv", area=7), "object.area"),
    ],
)  # fmt: skip
def test_invalid_refs(storage: Any, task: TaskFiles, ref: pb.ObjectRef, field: str) -> None:
    if not ref.task_id:
        ref.task_id = task.task_id
    error = _error(storage.GetObjectInfo, pb.GetObjectInfoRequest(object=ref))
    assert error.code is grpc.StatusCode.INVALID_ARGUMENT
    assert error.reason == "INVALID_OBJECT_REF"
    assert [v.field for v in error.field_violations] == [field]


def test_missing_ref_and_bad_listing_ids(storage: Any, task: TaskFiles) -> None:
    error = _error(storage.GetObjectInfo, pb.GetObjectInfoRequest())
    assert (error.reason, [v.field for v in error.field_violations]) == (
        "INVALID_OBJECT_REF", ["object"]
    )  # fmt: skip
    for request, field in [
        (pb.ListObjectsRequest(user_id="", task_id=task.task_id), "user_id"),
        (pb.ListObjectsRequest(user_id="u", task_id="not-a-uuid"), "task_id"),
    ]:
        error = _error(storage.ListObjects, request)
        assert error.reason == "INVALID_OBJECT_REF"
        assert [v.field for v in error.field_violations] == [field]
    error = _error(
        storage.DeleteObjects, pb.DeleteObjectsRequest(user_id="..", task_id=task.task_id)
    )
    assert error.reason == "INVALID_OBJECT_REF"


# --- ReadObject --------------------------------------------------------------


@pytest.fixture
def big_object(task: TaskFiles, s3: Any) -> bytes:
    payload = os.urandom(5 * MIB + 12345)
    s3.put_object(
        Bucket=task.bucket,
        Key=task.key("big.bin", "outputs"),
        Body=payload,
        ContentType="application/octet-stream",
    )
    return payload


def test_read_streams_in_one_mib_chunks(storage: Any, task: TaskFiles, big_object: bytes) -> None:
    ref = task.ref("big.bin", OUTPUTS)
    messages = list(storage.ReadObject(pb.ReadObjectRequest(object=ref)))
    assert [len(m.data) for m in messages] == [MIB] * 5 + [12345]
    assert [m.offset for m in messages] == [i * MIB for i in range(6)]
    assert messages[0].HasField("info")
    assert not any(m.HasField("info") for m in messages[1:])
    assert messages[0].info.size_bytes == len(big_object)
    assert messages[0].info.content_type == "application/octet-stream"
    assert b"".join(m.data for m in messages) == big_object


def test_read_from_an_offset(storage: Any, task: TaskFiles, big_object: bytes) -> None:
    offset = 3 * MIB + 7
    request = pb.ReadObjectRequest(
        object=task.ref("big.bin", OUTPUTS), offset=offset, chunk_size_bytes=512 * 1024
    )
    messages = list(storage.ReadObject(request))
    assert messages[0].offset == offset
    assert messages[0].info.size_bytes == len(big_object)
    assert all(len(m.data) == 512 * 1024 for m in messages[:-1])
    assert b"".join(m.data for m in messages) == big_object[offset:]


def test_chunk_size_is_capped(storage: Any, task: TaskFiles, big_object: bytes) -> None:
    request = pb.ReadObjectRequest(object=task.ref("big.bin", OUTPUTS), chunk_size_bytes=100 * MIB)
    sizes = [len(m.data) for m in storage.ReadObject(request)]
    assert sizes[0] == 3 * MIB
    assert sum(sizes) == len(big_object)


def test_read_at_end_and_beyond(storage: Any, task: TaskFiles, s3: Any) -> None:
    s3.put_object(Bucket=task.bucket, Key=task.key(), Body=b"0123456789")
    at_end = list(storage.ReadObject(pb.ReadObjectRequest(object=task.ref(), offset=10)))
    assert len(at_end) == 1
    assert at_end[0].data == b""
    assert at_end[0].info.size_bytes == 10
    beyond = _error(storage.ReadObject, pb.ReadObjectRequest(object=task.ref(), offset=11))
    assert beyond.code is grpc.StatusCode.OUT_OF_RANGE
    assert beyond.reason == "INVALID_REQUEST"
    negative = _error(storage.ReadObject, pb.ReadObjectRequest(object=task.ref(), offset=-1))
    assert negative.code is grpc.StatusCode.INVALID_ARGUMENT


def test_empty_object_yields_one_message(storage: Any, task: TaskFiles, s3: Any) -> None:
    s3.put_object(Bucket=task.bucket, Key=task.key(), Body=b"")
    messages = list(storage.ReadObject(pb.ReadObjectRequest(object=task.ref())))
    assert len(messages) == 1
    assert messages[0].info.size_bytes == 0
    assert messages[0].data == b""


def test_read_fails_on_a_stale_etag(storage: Any, task: TaskFiles, s3: Any) -> None:
    s3.put_object(Bucket=task.bucket, Key=task.key(), Body=b"version 1")
    etag = storage.GetObjectInfo(pb.GetObjectInfoRequest(object=task.ref())).etag
    current = list(storage.ReadObject(pb.ReadObjectRequest(object=task.ref(), if_match_etag=etag)))
    assert current[0].data == b"version 1"

    s3.put_object(Bucket=task.bucket, Key=task.key(), Body=b"version 2")
    for offset in (0, 3, 9):
        request = pb.ReadObjectRequest(object=task.ref(), if_match_etag=etag, offset=offset)
        error = _error(storage.ReadObject, request)
        assert error.code is grpc.StatusCode.FAILED_PRECONDITION
        assert error.reason == "OBJECT_CHANGED"


def test_cancelled_read_leaves_the_service_healthy(
    storage: Any, task: TaskFiles, big_object: bytes
) -> None:
    call = storage.ReadObject(pb.ReadObjectRequest(object=task.ref("big.bin", OUTPUTS)))
    first = next(call)
    assert first.info.size_bytes == len(big_object)
    call.cancel()
    with pytest.raises(grpc.RpcError) as exc:
        list(call)
    assert exc.value.code() is grpc.StatusCode.CANCELLED
    again = list(storage.ReadObject(pb.ReadObjectRequest(object=task.ref("big.bin", OUTPUTS))))
    assert b"".join(m.data for m in again) == big_object


def test_concurrent_writes_and_reads(storage: Any, task: TaskFiles) -> None:
    payloads = {f"part{i}.bin": os.urandom(PART_BYTES + i * 100_000) for i in range(4)}

    def round_trip(name: str) -> bytes:
        ref = task.ref(name, OUTPUTS)
        storage.WriteObject(_write_messages(ref, payloads[name]))
        return b"".join(m.data for m in storage.ReadObject(pb.ReadObjectRequest(object=ref)))

    with ThreadPoolExecutor(4) as pool:
        results = dict(zip(payloads, pool.map(round_trip, payloads), strict=True))
    assert results == payloads


def test_malformed_etag_is_refused(storage: Any, task: TaskFiles, s3: Any) -> None:
    s3.put_object(Bucket=task.bucket, Key=task.key(), Body=b"x")
    request = pb.ReadObjectRequest(object=task.ref(), if_match_etag='abc"\r\nX-Evil: 1')
    error = _error(storage.ReadObject, request)
    assert error.code is grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in error.field_violations] == ["if_match_etag"]


# --- WriteObject -------------------------------------------------------------


def test_small_write(storage: Any, task: TaskFiles, s3: Any) -> None:
    ref = task.ref("report.json", OUTPUTS)
    data = b'{"ok": true}'
    info = storage.WriteObject(_write_messages(ref, data, "application/json"))
    assert info.key == task.key("report.json", "outputs")
    assert info.size_bytes == len(data)
    assert info.content_type == "application/json"
    stored = s3.get_object(Bucket=task.bucket, Key=info.key)
    assert stored["Body"].read() == data
    assert stored["ETag"].strip('"') == info.etag
    assert "-" not in info.etag  # a single PUT, not a multipart upload


def test_write_defaults_to_octet_stream(storage: Any, task: TaskFiles) -> None:
    info = storage.WriteObject(_write_messages(task.ref("x.bin", OUTPUTS), b"\x00\x01"))
    assert info.content_type == "application/octet-stream"


def test_multipart_write(storage: Any, task: TaskFiles, s3: Any) -> None:
    data = os.urandom(2 * PART_BYTES + 3 * MIB)  # 13 MiB: parts of 5 + 5 + 3 MiB
    ref = task.ref("cleaned_data.csv", OUTPUTS)
    info = storage.WriteObject(_write_messages(ref, data, "text/csv", piece=2 * MIB + 1))
    assert info.size_bytes == len(data)
    assert info.etag.endswith("-3")
    stored = s3.get_object(Bucket=task.bucket, Key=info.key)
    assert stored["ContentType"] == "text/csv"
    assert stored["Body"].read() == data
    assert _pending_uploads(s3, task.bucket, info.key) == []


def test_cancelled_write_leaves_nothing(storage: Any, task: TaskFiles, s3: Any) -> None:
    ref = task.ref("cancelled.bin", OUTPUTS)
    key = task.key("cancelled.bin", "outputs")
    release = threading.Event()

    def messages() -> Iterator[pb.WriteObjectRequest]:
        yield from _write_messages(ref, os.urandom(PART_BYTES + MIB))
        release.wait(10)  # hold the stream open until the test cancels it

    future = storage.WriteObject.future(messages())
    try:
        _wait_for(lambda: _pending_uploads(s3, task.bucket, key))  # part 1 is stored
        assert future.cancel()
    finally:
        release.set()
    with pytest.raises(grpc.FutureCancelledError):
        future.result()
    _wait_for(lambda: not _pending_uploads(s3, task.bucket, key))
    assert s3.list_objects_v2(Bucket=task.bucket, Prefix=key).get("KeyCount") == 0


def test_invalid_write_streams_leave_nothing(storage: Any, task: TaskFiles, s3: Any) -> None:
    key = task.key("bad.bin", "outputs")
    ref = task.ref("bad.bin", OUTPUTS)

    def spec_twice() -> Iterator[pb.WriteObjectRequest]:
        yield from _write_messages(ref, os.urandom(PART_BYTES + MIB))
        yield pb.WriteObjectRequest(spec=pb.WriteObjectSpec(object=ref))

    error = _error(storage.WriteObject, spec_twice())
    assert (error.code, error.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_REQUEST")
    assert [v.field for v in error.field_violations] == ["data"]
    _wait_for(lambda: not _pending_uploads(s3, task.bucket, key))
    assert s3.list_objects_v2(Bucket=task.bucket, Prefix=key).get("KeyCount") == 0

    no_spec = iter([pb.WriteObjectRequest(data=b"x")])
    error = _error(storage.WriteObject, no_spec)
    assert [v.field for v in error.field_violations] == ["spec"]
    error = _error(storage.WriteObject, iter([]))
    assert [v.field for v in error.field_violations] == ["spec"]
    bad_ref = pb.WriteObjectRequest(spec=pb.WriteObjectSpec(object=task.ref("../x")))
    error = _error(storage.WriteObject, iter([bad_ref]))
    assert error.reason == "INVALID_OBJECT_REF"
    assert [v.field for v in error.field_violations] == ["spec.object.name"]


# --- ListObjects and DeleteObjects ---------------------------------------------


def _put_files(s3: Any, task: TaskFiles, names: list[str], area: str) -> None:
    for name in names:
        s3.put_object(Bucket=task.bucket, Key=task.key(name, area), Body=name.encode())


def test_list_pagination(storage: Any, task: TaskFiles, s3: Any) -> None:
    inputs = [f"in{i:02d}.csv" for i in range(5)]
    outputs = [f"out{i:02d}.json" for i in range(3)]
    _put_files(s3, task, inputs, "inputs")
    _put_files(s3, task, outputs, "outputs")

    names: list[str] = []
    token = ""
    pages = 0
    while True:
        page = storage.ListObjects(pb.ListObjectsRequest(
            user_id=task.user_id, task_id=task.task_id, page_size=3, page_token=token
        ))  # fmt: skip
        pages += 1
        assert len(page.objects) <= 3
        names += [o.object.name for o in page.objects]
        token = page.next_page_token
        if not token:
            break
    assert pages == 3
    assert names == inputs + outputs
    only_outputs = storage.ListObjects(
        pb.ListObjectsRequest(user_id=task.user_id, task_id=task.task_id, area=OUTPUTS)
    )
    assert [o.object.name for o in only_outputs.objects] == outputs
    assert all(o.object.area == OUTPUTS and o.size_bytes > 0 for o in only_outputs.objects)
    assert only_outputs.next_page_token == ""


def test_list_rejects_foreign_page_tokens(storage: Any, task: TaskFiles, s3: Any) -> None:
    _put_files(s3, task, ["a.csv", "b.csv"], "inputs")
    first = storage.ListObjects(
        pb.ListObjectsRequest(user_id=task.user_id, task_id=task.task_id, page_size=1)
    )
    assert first.next_page_token
    for request in [
        pb.ListObjectsRequest(
            user_id="someone-else", task_id=task.task_id, page_token=first.next_page_token
        ),
        pb.ListObjectsRequest(user_id=task.user_id, task_id=task.task_id, page_token="garbage"),
    ]:
        error = _error(storage.ListObjects, request)
        assert (error.code, error.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_REQUEST")
        assert [v.field for v in error.field_violations] == ["page_token"]


def test_delete_removes_one_task_only(storage: Any, task: TaskFiles, s3: Any) -> None:
    _put_files(s3, task, [f"in{i}.csv" for i in range(4)], "inputs")
    _put_files(s3, task, ["report.json"], "outputs")
    neighbour = TaskFiles(
        task.user_id, "00000000-0000-4000-8000-" + task.task_id[-12:], task.bucket
    )
    _put_files(s3, neighbour, ["in0.csv"], "inputs")
    # A key that merely starts with the task id must survive too.
    s3.put_object(Bucket=task.bucket, Key=f"users/{task.user_id}/tasks/{task.task_id}x/a", Body=b"")

    outputs = storage.DeleteObjects(
        pb.DeleteObjectsRequest(user_id=task.user_id, task_id=task.task_id, area=OUTPUTS)
    )
    assert outputs.deleted_count == 1
    everything = storage.DeleteObjects(
        pb.DeleteObjectsRequest(user_id=task.user_id, task_id=task.task_id)
    )
    assert everything.deleted_count == 4
    left = s3.list_objects_v2(Bucket=task.bucket, Prefix=f"users/{task.user_id}/")
    assert sorted(o["Key"] for o in left["Contents"]) == [
        neighbour.key("in0.csv"), f"users/{task.user_id}/tasks/{task.task_id}x/a"
    ]  # fmt: skip
    again = storage.DeleteObjects(
        pb.DeleteObjectsRequest(user_id=task.user_id, task_id=task.task_id)
    )
    assert again.deleted_count == 0


def test_delete_keeps_named_files_or_only_one_prefix(
    storage: Any, task: TaskFiles, s3: Any
) -> None:
    names = ["attempt-1.report.json", "attempt-1.report.xlsx", "attempt-2.report.json", "x.csv"]
    _put_files(s3, task, names, "outputs")
    _put_files(s3, task, ["primary.csv"], "inputs")

    prefix_only = storage.DeleteObjects(
        pb.DeleteObjectsRequest(
            user_id=task.user_id, task_id=task.task_id, area=OUTPUTS, name_prefix="attempt-1."
        )
    )
    assert prefix_only.deleted_count == 2
    keep = storage.DeleteObjects(
        pb.DeleteObjectsRequest(
            user_id=task.user_id,
            task_id=task.task_id,
            area=OUTPUTS,
            keep_names=["attempt-2.report.json"],
        )
    )
    assert keep.deleted_count == 1
    left = s3.list_objects_v2(Bucket=task.bucket, Prefix=f"users/{task.user_id}/")
    assert sorted(o["Key"] for o in left["Contents"]) == [
        task.key("primary.csv"),
        task.key("attempt-2.report.json", "outputs"),
    ]
    for request in (
        pb.DeleteObjectsRequest(user_id=task.user_id, task_id=task.task_id, keep_names=["a"]),
        pb.DeleteObjectsRequest(
            user_id=task.user_id, task_id=task.task_id, area=OUTPUTS, name_prefix="../x"
        ),
    ):
        error = _error(storage.DeleteObjects, request)
        assert error.code is grpc.StatusCode.INVALID_ARGUMENT
