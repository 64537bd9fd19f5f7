"""Resumable multipart uploads and size limits over REST through the real
Envoy (JWT, transcoding), with real presigned part uploads to SeaweedFS."""

from __future__ import annotations

import pytest
import requests

from dqclient.client import ApiError, TaskClient
from tests.integration.task.test_multipart_uploads import HEADER, LINE, file_bytes

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024
SIZE = len(HEADER) + (12 * MIB // len(LINE)) * len(LINE)  # whole rows, 3 parts of 5 MiB


def put(part: dict) -> str:
    offset, size = int(part["offset"]), int(part["size_bytes"])
    response = requests.put(part["url"], data=file_bytes(offset, size), timeout=60)
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


def test_multipart_upload_resumes_and_completes_over_rest(client: TaskClient, other: TaskClient):
    task = client.create_task("profile-my-data", ["unified-profiler"])
    task_id = task["task_id"]
    files = {
        "primary": {
            "filename": "big.csv",
            "size_bytes": SIZE,
            "multipart": True,
            "part_size_bytes": 5 * MIB,
        }
    }
    target = client.upload_urls(task_id, files)["uploads"]["primary"]
    assert {"url", "key", "method", "headers", "expires_at"} <= set(target)
    upload = target["multipart"]
    assert upload["part_count"] == 3 and upload["part_size_bytes"] == 5 * MIB
    # numbers as numbers (the contract), never int64's JSON strings
    assert type(upload["part_size_bytes"]) is int and type(upload["size_bytes"]) is int
    assert all(type(p["size_bytes"]) is int and type(p["offset"]) is int for p in upload["parts"])
    first = put(upload["parts"][0])

    state = client.upload_parts(task_id, "primary")
    assert [p["part_number"] for p in state["parts"]] == [1]
    assert state["parts"][0]["etag"] == first.strip('"')
    assert type(state["parts"][0]["size_bytes"]) is int
    assert state["missing_part_numbers"] == [2, 3]
    with pytest.raises(ApiError) as foreign:
        other.upload_parts(task_id, "primary")
    assert foreign.value.status == 404

    with pytest.raises(ApiError) as early:
        client.complete_upload(task_id, "primary")
    assert (early.value.status, early.value.code) == (400, "UPLOAD_INCOMPLETE")

    for part in state["upload"]["parts"]:
        put(part)
    done = client.complete_upload(task_id, "primary")  # the service lists the parts
    assert done["size_bytes"] == SIZE and type(done["size_bytes"]) is int
    assert done["part_count"] == 3

    client.process(task_id)
    final = client.wait(task_id, timeout=180)
    assert final["status"] == "COMPLETED", final["error_message"]


def test_size_and_part_limits_are_400_before_any_url(client: TaskClient):
    task_id = client.create_task("profile-my-data", ["unified-profiler"])["task_id"]
    with pytest.raises(ApiError) as large:
        client.upload_urls(task_id, {"primary": {"filename": "d.csv", "size_bytes": 600 * MIB}})
    assert (large.value.status, large.value.code) == (400, "FILE_TOO_LARGE")
    with pytest.raises(ApiError) as parts:
        client.upload_urls(
            task_id,
            {"primary": {"filename": "d.csv", "size_bytes": 100 * MIB, "part_size_bytes": MIB}},
        )
    assert (parts.value.status, parts.value.code) == (400, "MULTIPART_LIMIT_EXCEEDED")
    with pytest.raises(ApiError) as none:
        client.complete_upload(task_id, "primary")
    assert none.value.status in (400, 404)
    assert client.get(task_id)["status"] == "CREATED"
