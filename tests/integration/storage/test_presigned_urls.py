"""Presigned URLs, checked by the store itself (SeaweedFS verifies SigV4
signatures, expiry and signed headers like B2 does)."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import grpc
import pytest
import requests

from dataquality.storage.v1 import storage_service_pb2 as pb
from dqcommon.errors import decode_rpc_error
from tests.integration.storage.conftest import TaskFiles

pytestmark = pytest.mark.integration

CSV = b"id,value\n1,10\n2,20\n"


def _upload_url(
    storage: Any,
    task: TaskFiles,
    *,
    size: int = len(CSV),
    expires: int = 300,
    content_type: str = "text/csv",
    name: str = "primary.csv",
) -> pb.SignedUrl:
    response = storage.CreateUploadUrl(
        pb.CreateUploadUrlRequest(
            object=task.ref(name),
            content_type=content_type,
            content_length=size,
            expires_in_seconds=expires,
        )
    )
    return response.signed_url


def _put(signed: pb.SignedUrl, body: bytes, **header_overrides: str) -> requests.Response:
    headers = {**dict(signed.headers), **header_overrides}
    return requests.put(signed.url, data=body, headers=headers, timeout=10)


def test_upload_with_the_signed_type_and_size_is_accepted(
    storage: Any, task: TaskFiles, s3: Any
) -> None:
    signed = _upload_url(storage, task)
    assert signed.method == "PUT"
    assert signed.key == task.key()
    assert dict(signed.headers) == {"Content-Type": "text/csv"}
    assert signed.expires_at.seconds > time.time() + 290
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in signed.url

    response = _put(signed, CSV)
    assert response.status_code == 200, response.text

    stored = s3.get_object(Bucket=task.bucket, Key=task.key())
    assert stored["Body"].read() == CSV
    assert stored["ContentType"] == "text/csv"


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        pytest.param(CSV, {"Content-Type": "text/plain"}, id="wrong-content-type"),
        pytest.param(CSV, {"Content-Type": "application/octet-stream"}, id="other-content-type"),
        pytest.param(CSV + b"3,30\n", {}, id="larger-than-signed"),
        pytest.param(CSV[:-1], {}, id="smaller-than-signed"),
    ],
)
def test_store_refuses_another_type_or_size(
    storage: Any, task: TaskFiles, s3: Any, body: bytes, headers: dict[str, str]
) -> None:
    signed = _upload_url(storage, task)
    response = _put(signed, body, **headers)
    assert response.status_code == 403
    assert s3.list_objects_v2(Bucket=task.bucket, Prefix=task.key()).get("KeyCount") == 0


def test_store_refuses_a_tampered_signature(storage: Any, task: TaskFiles) -> None:
    signed = _upload_url(storage, task)
    signature = parse_qs(urlsplit(signed.url).query)["X-Amz-Signature"][0]
    forged = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    url = signed.url.replace(f"X-Amz-Signature={signature}", f"X-Amz-Signature={forged}")
    response = requests.put(url, data=CSV, headers=dict(signed.headers), timeout=10)
    assert response.status_code == 403


def test_store_refuses_a_tampered_key(storage: Any, task: TaskFiles, s3: Any) -> None:
    signed = _upload_url(storage, task)
    url = signed.url.replace("/inputs/primary.csv?", "/inputs/baseline.csv?")
    assert url != signed.url
    response = requests.put(url, data=CSV, headers=dict(signed.headers), timeout=10)
    assert response.status_code == 403
    assert s3.list_objects_v2(Bucket=task.bucket, Prefix=task.key("")).get("KeyCount") == 0


def test_store_refuses_an_unsigned_upload(storage: Any, task: TaskFiles) -> None:
    signed = _upload_url(storage, task)
    bare = signed.url.split("?", 1)[0]
    assert requests.put(bare, data=CSV, headers=dict(signed.headers), timeout=10).status_code == 403


def test_store_refuses_an_expired_url(storage: Any, task: TaskFiles) -> None:
    signed = _upload_url(storage, task, expires=1)
    time.sleep(2.1)  # X-Amz-Date has second precision
    assert _put(signed, CSV).status_code == 403


def test_download_url_serves_the_bytes_as_an_attachment(
    storage: Any, task: TaskFiles, s3: Any
) -> None:
    s3.put_object(
        Bucket=task.bucket, Key=task.key("report.csv", "outputs"), Body=CSV, ContentType="text/csv"
    )
    response = storage.CreateDownloadUrl(
        pb.CreateDownloadUrlRequest(
            object=task.ref("report.csv", pb.ObjectRef.AREA_OUTPUTS),
            expires_in_seconds=60,
            download_filename="Résumé 2024.csv",
        )
    )
    signed = response.signed_url
    assert signed.method == "GET"
    download = requests.get(signed.url, timeout=10)
    assert download.status_code == 200
    assert download.content == CSV
    assert download.headers["Content-Disposition"] == (
        "attachment; filename=\"R_sum_ 2024.csv\"; filename*=UTF-8''R%C3%A9sum%C3%A9%202024.csv"
    )
    # The signature covers the disposition: it cannot be swapped for inline.
    tampered = signed.url.replace("attachment", "inline")
    assert requests.get(tampered, timeout=10).status_code == 403


def test_download_name_defaults_to_the_object_name(storage: Any, task: TaskFiles, s3: Any) -> None:
    s3.put_object(Bucket=task.bucket, Key=task.key(), Body=CSV)
    signed = storage.CreateDownloadUrl(
        pb.CreateDownloadUrlRequest(object=task.ref(), expires_in_seconds=60)
    ).signed_url
    download = requests.get(signed.url, timeout=10)
    assert download.headers["Content-Disposition"] == 'attachment; filename="primary.csv"'


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"expires_in_seconds": 0}, "expires_in_seconds"),
        ({"expires_in_seconds": 604801}, "expires_in_seconds"),
        ({"content_length": -5}, "content_length"),
        ({"content_length": 6 * 1024**3}, "content_length"),
        ({"content_type": ""}, "content_type"),
        ({"content_type": "text/csv\r\nX-Evil: 1"}, "content_type"),
    ],
)
def test_upload_url_request_validation(
    storage: Any, task: TaskFiles, changes: dict[str, Any], field: str
) -> None:
    request = pb.CreateUploadUrlRequest(
        object=task.ref(), content_type="text/csv", content_length=10, expires_in_seconds=60
    )
    for name, value in changes.items():
        setattr(request, name, value)
    with pytest.raises(grpc.RpcError) as exc:
        storage.CreateUploadUrl(request)
    error = decode_rpc_error(exc.value)
    assert error.code is grpc.StatusCode.INVALID_ARGUMENT
    assert error.reason == "INVALID_REQUEST"
    assert [v.field for v in error.field_violations] == [field]


def test_an_unsigned_size_accepts_any_size_but_still_the_signed_type(
    storage: Any, task: TaskFiles, s3: Any
) -> None:
    signed = _upload_url(storage, task, size=0)
    assert _put(signed, CSV * 3).status_code == 200
    head = s3.head_object(Bucket=task.bucket, Key=task.key())
    assert head["ContentLength"] == len(CSV) * 3
    assert _put(signed, CSV, **{"Content-Type": "text/plain"}).status_code == 403


def test_longest_lifetime_is_seven_days(storage: Any, task: TaskFiles) -> None:
    signed = _upload_url(storage, task, expires=604800)
    assert "X-Amz-Expires=604800" in signed.url
