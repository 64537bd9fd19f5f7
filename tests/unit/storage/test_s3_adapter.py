"""The boto3 adapter.

Two kinds of tests: the client configuration and the presigned URLs (pure
computation, and the part no local server can vouch for: B2 rejects the
checksum headers SeaweedFS accepts), and the adapter's logic against moto's
in-memory S3. moto is for speed only: it accepts forged and expired
signatures, so signature enforcement is tested against SeaweedFS in
tests/integration/storage.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from moto import mock_aws

from storage_service.adapters import s3 as s3_adapter
from storage_service.adapters.s3 import (
    S3ObjectStore,
    client_config,
    decode_page_token,
    encode_page_token,
    translate,
)
from storage_service.config import MIB, StorageSettings
from storage_service.domain.errors import (
    InvalidPageTokenError,
    ObjectChangedError,
    ObjectNotFoundError,
    RangeNotSatisfiableError,
    StorageUnavailableError,
    StoreError,
)

pytestmark = pytest.mark.unit

PREFIX = "users/u/tasks/123e4567-e89b-12d3-a456-426614174000/"
KEY = PREFIX + "inputs/primary.csv"


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> StorageSettings:
    # botocore reads these itself; a developer's shell must not redirect moto.
    for name in list(os.environ):
        if name.startswith(("AWS_", "S3_", "STORAGE_")):
            monkeypatch.delenv(name)
    return StorageSettings(
        access_key_id="testing",
        secret_access_key="testing",
        region="us-east-1",
        bucket="unit-test-bucket",
        multipart_part_bytes=5 * MIB,
        s3_max_attempts=1,
    )


@pytest.fixture
def store(settings: StorageSettings) -> Iterator[S3ObjectStore]:
    with mock_aws():
        store = S3ObjectStore(settings)
        assert store.ensure_bucket() is True
        assert store.ensure_bucket() is False
        yield store
        store.close()


def _raw(store: S3ObjectStore) -> Any:
    return store._client


def _capture_headers(store: S3ObjectStore) -> dict[str, list[dict[str, str]]]:
    """Headers of every request the store's client signs, by operation."""
    seen: dict[str, list[dict[str, str]]] = {}

    def record(request: Any, operation_name: str, **_: Any) -> None:
        seen.setdefault(operation_name, []).append(
            {k.lower(): str(v) for k, v in request.headers.items()}
        )

    _raw(store).meta.events.register("before-sign.s3", record)
    return seen


# --- configuration B2 needs --------------------------------------------------


def test_client_config_is_what_b2_needs(settings: StorageSettings) -> None:
    config = client_config(settings)
    assert config.signature_version == "s3v4"
    assert config.request_checksum_calculation == "when_required"
    assert config.response_checksum_validation == "when_required"
    assert config.s3 == {"addressing_style": "path"}
    assert config.retries == {"mode": "standard", "total_max_attempts": 1}
    assert config.connect_timeout == settings.s3_connect_timeout_seconds
    assert config.max_pool_connections == settings.io_threads


def test_every_client_of_the_store_uses_that_config(settings: StorageSettings) -> None:
    settings = settings.model_copy(update={"public_endpoint_url": "https://files.example.com"})
    store = S3ObjectStore(settings)
    try:
        for client in (store._client, store._presigner, store._probe):
            assert client.meta.config.signature_version == "s3v4"
            assert client.meta.config.request_checksum_calculation == "when_required"
            assert client.meta.config.response_checksum_validation == "when_required"
        assert store._probe.meta.config.retries["total_max_attempts"] == 1
    finally:
        store.close()


def test_no_flexible_checksum_headers_are_sent(store: S3ObjectStore) -> None:
    seen = _capture_headers(store)
    writer = store.open_write(KEY, content_type="text/csv")
    writer.append(b"x" * (6 * MIB))
    writer.flush_full_parts()
    writer.commit()
    store.open_write(PREFIX + "inputs/small.csv", content_type="text/csv").commit()
    store.delete_prefix(PREFIX)
    assert {"PutObject", "UploadPart", "DeleteObjects", "CompleteMultipartUpload"} <= set(seen)
    for operation, requests in seen.items():
        for headers in requests:
            assert "x-amz-sdk-checksum-algorithm" not in headers, operation
            assert not [h for h in headers if h.startswith("x-amz-checksum-")], operation
    # DeleteObjects must carry a checksum: the classic Content-MD5.
    assert all("content-md5" in headers for headers in seen["DeleteObjects"])


# --- presigned URLs (pure computation) -----------------------------------------


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_presigned_put_signs_type_and_length(store: S3ObjectStore) -> None:
    signed = store.presign_put(KEY, content_type="text/csv", content_length=1234, expires_in=900)
    query = _query(signed.url)
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["X-Amz-SignedHeaders"] == "content-length;content-type;host"
    assert query["X-Amz-Expires"] == "900"
    assert "/us-east-1/s3/aws4_request" in query["X-Amz-Credential"]
    assert not [k for k in query if "checksum" in k.lower()]
    assert urlsplit(signed.url).path == f"/unit-test-bucket/{KEY}"  # path style
    assert signed.method == "PUT"
    assert signed.headers == {"Content-Type": "text/csv"}
    lifetime = signed.expires_at - s3_adapter._now()
    assert 895 <= lifetime.total_seconds() <= 900


def test_presigned_get_sets_content_disposition(store: S3ObjectStore) -> None:
    signed = store.presign_get(KEY, expires_in=60, filename="résumé.csv")
    query = _query(signed.url)
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["response-content-disposition"] == (
        "attachment; filename=\"r_sum_.csv\"; filename*=UTF-8''r%C3%A9sum%C3%A9.csv"
    )
    assert signed.method == "GET"
    assert signed.headers == {}


def test_presigned_urls_use_the_public_endpoint(settings: StorageSettings) -> None:
    settings = settings.model_copy(
        update={"endpoint_url": "http://seaweedfs:8333",
                "public_endpoint_url": "https://files.example.com"}
    )  # fmt: skip
    store = S3ObjectStore(settings)
    try:
        put = store.presign_put(KEY, content_type="text/csv", content_length=1, expires_in=60)
        get = store.presign_get(KEY, expires_in=60, filename="a.csv")
    finally:
        store.close()
    assert put.url.startswith("https://files.example.com/unit-test-bucket/users/")
    assert get.url.startswith("https://files.example.com/unit-test-bucket/users/")


# --- reads and writes (moto) ---------------------------------------------------


def test_small_write_is_a_single_put(store: S3ObjectStore) -> None:
    seen = _capture_headers(store)
    writer = store.open_write(KEY, content_type="text/csv")
    writer.append(b"a,b\n")
    writer.append(b"1,2\n")
    assert writer.take_part() is None
    etag = writer.commit()
    assert not writer.multipart
    assert "CreateMultipartUpload" not in seen
    meta = store.head(KEY)
    assert (meta.size, meta.content_type, meta.etag) == (8, "text/csv", etag)
    assert '"' not in meta.etag


def test_large_write_is_multipart_with_bounded_parts(store: S3ObjectStore) -> None:
    seen = _capture_headers(store)
    payload = os.urandom(MIB) * 12  # 12 MiB: parts of 5 + 5 + 2 MiB
    writer = store.open_write(KEY, content_type="application/octet-stream")
    for start in range(0, len(payload), 3 * MIB):
        writer.append(payload[start : start + 3 * MIB])
        while (part := writer.take_part()) is not None:
            assert len(part) == 5 * MIB
            writer.upload_part(part)
        assert writer.buffered < 5 * MIB
    etag = writer.commit()
    assert writer.multipart
    assert writer.parts_uploaded == 3
    assert len(seen["UploadPart"]) == 3
    assert etag.endswith("-3")
    with store.open_read(KEY) as stream:
        assert stream.meta.size == len(payload)
        assert b"".join(stream.chunks(MIB)) == payload


def test_aborted_multipart_write_leaves_nothing(store: S3ObjectStore) -> None:
    writer = store.open_write(KEY, content_type="text/csv")
    writer.append(b"x" * (5 * MIB + 1))
    writer.flush_full_parts()
    assert writer.multipart
    assert _raw(store).list_multipart_uploads(Bucket=store.bucket).get("Uploads")
    writer.abort()
    writer.abort()  # idempotent
    assert not _raw(store).list_multipart_uploads(Bucket=store.bucket).get("Uploads")
    with pytest.raises(ObjectNotFoundError):
        store.head(KEY)
    with pytest.raises(StoreError):
        writer.commit()


def test_abort_after_commit_keeps_the_object(store: S3ObjectStore) -> None:
    writer = store.open_write(KEY, content_type="text/csv")
    writer.append(b"data")
    writer.commit()
    writer.abort()
    assert store.head(KEY).size == 4


def test_read_from_an_offset(store: S3ObjectStore) -> None:
    _raw(store).put_object(Bucket=store.bucket, Key=KEY, Body=b"0123456789", ContentType="text/csv")
    with store.open_read(KEY, offset=3) as stream:
        assert stream.meta.size == 10
        assert stream.meta.content_type == "text/csv"
        assert stream.position == 3
        assert stream.read(4) == b"3456"
        assert stream.position == 7
        assert stream.read(100) == b"789"
        assert stream.read(100) == b""


def test_read_at_the_end_is_empty_and_beyond_is_out_of_range(store: S3ObjectStore) -> None:
    _raw(store).put_object(Bucket=store.bucket, Key=KEY, Body=b"0123456789")
    with store.open_read(KEY, offset=10) as stream:
        assert stream.meta.size == 10
        assert stream.read(10) == b""
    with pytest.raises(RangeNotSatisfiableError) as exc:
        store.open_read(KEY, offset=11)
    assert exc.value.size == 10


def test_read_if_match(store: S3ObjectStore) -> None:
    _raw(store).put_object(Bucket=store.bucket, Key=KEY, Body=b"v1")
    etag = store.head(KEY).etag
    for given in (etag, f'"{etag}"'):
        with store.open_read(KEY, if_match=given) as stream:
            assert stream.read(10) == b"v1"
    _raw(store).put_object(Bucket=store.bucket, Key=KEY, Body=b"v2")
    with pytest.raises(ObjectChangedError):
        store.open_read(KEY, if_match=etag)


def test_missing_objects(store: S3ObjectStore) -> None:
    with pytest.raises(ObjectNotFoundError):
        store.head(KEY)
    with pytest.raises(ObjectNotFoundError):
        store.open_read(KEY)


# --- listing and deletion (moto) -----------------------------------------------


def _put_many(store: S3ObjectStore, prefix: str, count: int) -> list[str]:
    keys = [f"{prefix}inputs/f{i:04d}.csv" for i in range(count)]
    for key in keys:
        _raw(store).put_object(Bucket=store.bucket, Key=key, Body=b"x")
    return keys


def test_list_pagination(store: S3ObjectStore) -> None:
    keys = _put_many(store, PREFIX, 7)
    other = "users/u/tasks/00000000-0000-4000-8000-000000000000/"
    _put_many(store, other, 2)
    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        page = store.list_page(PREFIX, page_size=3, page_token=token)
        pages += 1
        assert len(page.objects) <= 3
        seen += [meta.key for meta in page.objects]
        token = page.next_token
        if not token:
            break
    assert pages == 3
    assert seen == keys
    assert all(
        meta.size == 1 and meta.etag for meta in store.list_page(PREFIX, page_size=9).objects
    )


def test_page_tokens_are_bound_to_their_prefix(store: S3ObjectStore) -> None:
    _put_many(store, PREFIX, 3)
    token = store.list_page(PREFIX, page_size=1).next_token
    assert decode_page_token(PREFIX, token)
    other = "users/other/tasks/123e4567-e89b-12d3-a456-426614174000/"
    with pytest.raises(InvalidPageTokenError):
        store.list_page(other, page_size=1, page_token=token)
    for garbage in ("garbage!", "e30", encode_page_token(PREFIX, "")):
        with pytest.raises(InvalidPageTokenError):
            store.list_page(PREFIX, page_size=1, page_token=garbage)


def test_delete_prefix_in_batches(store: S3ObjectStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(s3_adapter, "MAX_KEYS_PER_PAGE", 4)
    seen = _capture_headers(store)
    _put_many(store, PREFIX, 10)
    keep = _put_many(store, "users/u/tasks/00000000-0000-4000-8000-000000000000/", 2)
    assert store.delete_prefix(PREFIX) == 10
    assert len(seen["DeleteObjects"]) == 3  # 4 + 4 + 2
    assert store.list_page(PREFIX, page_size=100).objects == []
    listed = store.list_page("users/u/tasks/00000000-0000-4000-8000-000000000000/", page_size=9)
    assert [meta.key for meta in listed.objects] == keep
    assert store.delete_prefix(PREFIX) == 0


@pytest.mark.parametrize("prefix", ["", "users", "/"])
def test_never_lists_or_deletes_the_whole_bucket(store: S3ObjectStore, prefix: str) -> None:
    with pytest.raises(ValueError):
        store.delete_prefix(prefix)
    with pytest.raises(ValueError):
        store.list_page(prefix, page_size=1)


def test_reachability(store: S3ObjectStore, settings: StorageSettings) -> None:
    assert store.is_reachable()
    missing = S3ObjectStore(settings.model_copy(update={"bucket": "no-such-bucket"}))
    try:
        assert not missing.is_reachable()
    finally:
        missing.close()


# --- error translation -----------------------------------------------------------


def _client_error(status: int, code: str) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": "secret detail"},
         "ResponseMetadata": {"HTTPStatusCode": status}},
        "GetObject",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (_client_error(404, "NoSuchKey"), ObjectNotFoundError),
        (_client_error(404, "404"), ObjectNotFoundError),
        (_client_error(412, "PreconditionFailed"), ObjectChangedError),
        (_client_error(404, "NoSuchBucket"), StorageUnavailableError),
        (_client_error(403, "AccessDenied"), StorageUnavailableError),
        (_client_error(403, "SignatureDoesNotMatch"), StorageUnavailableError),
        (_client_error(500, "InternalError"), StorageUnavailableError),
        (_client_error(503, "SlowDown"), StorageUnavailableError),
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:1"), StorageUnavailableError),
        (ReadTimeoutError(endpoint_url="http://127.0.0.1:1"), StorageUnavailableError),
        (_client_error(400, "InvalidArgument"), StoreError),
        (_client_error(404, "NoSuchUpload"), StoreError),
    ],
)
def test_translate(exc: Exception, expected: type[StoreError]) -> None:
    error = translate(exc, operation="GetObject", key=KEY)
    assert type(error) is expected
    assert "secret detail" not in str(error)
