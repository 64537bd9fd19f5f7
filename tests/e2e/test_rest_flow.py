"""The seed's five phases through the real Envoy, with real presigned
uploads and downloads, as the frontend (or curl) does them."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np
import openpyxl
import pandas as pd
import pytest
import requests

from devstack.gateway import DESCRIPTOR
from dqclient.client import ApiError, TaskClient
from tests.e2e.conftest import ALICE, UPLOAD_TTL_SECONDS, keys_of, token_for

pytestmark = pytest.mark.e2e


def dataset(rows: int = 2_000, seed: int = 7) -> bytes:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "customer_id": np.arange(1, rows + 1),
            "email": [f"user{i}@example.com" for i in range(rows)],
            "age": rng.integers(18, 90, rows).astype(float),
            "balance": rng.lognormal(8, 1.2, rows).round(2),
            "segment": rng.choice(["gold", "silver", "bronze"], rows, p=[0.1, 0.3, 0.6]),
            "joined": pd.date_range("2020-01-01", periods=rows, freq="D").strftime("%Y-%m-%d"),
        }
    )
    frame.loc[::13, "age"] = np.nan
    frame.loc[5, "balance"] = 10_000_000.0  # an outlier
    return frame.to_csv(index=False).encode()


def declare(data: bytes, filename="customers.csv", content_type="text/csv") -> dict:
    return {
        "primary": {"filename": filename, "content_type": content_type, "size_bytes": len(data)}
    }


def expect_error(call, *args, **kwargs) -> ApiError:
    with pytest.raises(ApiError) as info:
        call(*args, **kwargs)
    return info.value


def test_five_phases(client: TaskClient):
    data = dataset()
    # 1. create
    task = client.create_task(
        "profile-my-data", ["unified-profiler"], {"unified-profiler": {"top_n_values": 4}}
    )
    assert task["status"] == "CREATED" and task["progress"] == 0
    task_id = task["task_id"]
    # 2. upload URLs
    grant = client.upload_urls(task_id, declare(data))
    assert grant["status"] == "UPLOADING" and grant["expires_in_seconds"] == UPLOAD_TTL_SECONDS
    upload = grant["uploads"]["primary"]
    assert upload["method"] == "PUT" and upload["headers"] == {"Content-Type": "text/csv"}
    assert upload["key"] == f"{keys_of(ALICE)}/tasks/{task_id}/inputs/primary.csv"
    assert upload["expires_at"].endswith("Z")
    # 3. straight to the object store
    response = requests.put(upload["url"], data=data, headers=upload["headers"], timeout=30)
    assert response.status_code == 200
    # 4. process: an analysis worker has room, so it has the task already
    started = client.process(task_id)
    assert started["status"] == "PROCESSING" and started["progress"] >= 15
    # 5. poll until done
    seen = []
    final = client.wait(task_id, timeout=120, interval=0.1, on_change=seen.append)
    assert final["status"] == "COMPLETED", final
    assert final["progress"] == 100 and final["downloads_available"] is True
    assert final["progress_detail"] == {
        "current_stage": "completed",
        "current_agent": "",
        "agents_total": 1,
        "agents_completed": 1,
    }
    assert final["created_at"] <= final["processing_started_at"] <= final["completed_at"]
    assert [s["progress"] for s in seen] == sorted(s["progress"] for s in seen)

    downloads = client.downloads(task_id)
    assert downloads["expires_in_seconds"] == 3600
    items = {d["format"]: d for d in downloads["downloads"]}
    assert set(items) == {"xlsx", "json"}
    for item in items.values():
        assert item["type"] == "report" and item["size_bytes"] > 0
        assert item["expires_at"].endswith("Z")
    assert items["xlsx"]["mime_type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )

    xlsx = requests.get(items["xlsx"]["url"], timeout=30)
    assert xlsx.status_code == 200 and len(xlsx.content) == items["xlsx"]["size_bytes"]
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert {"Summary", "Profiler"} <= set(book.sheetnames)
    profiler_cells = [c for row in book["Profiler"].iter_rows(values_only=True) for c in row]
    assert "customer_id" in profiler_cells and "balance" in profiler_cells

    report = requests.get(items["json"]["url"], timeout=30).json()
    frame = pd.read_csv(io.BytesIO(data))
    fields = {
        f["field_name"]: f for f in report["agent_results"]["unified-profiler"]["data"]["fields"]
    }
    assert set(fields) == set(frame.columns)
    for column in ("age", "balance"):
        stats = fields[column]["statistics"]
        series = frame[column].dropna()
        assert stats["mean"] == pytest.approx(series.mean(), rel=1e-9)
        assert stats["stddev"] == pytest.approx(series.std(), rel=1e-9)
        assert stats["min"] == series.min() and stats["max"] == series.max()
        assert stats["p50"] == pytest.approx(series.quantile(0.5))
        assert stats["skewness"] == pytest.approx(series.skew(), rel=1e-6)
        assert stats["kurtosis"] == pytest.approx(series.kurt(), rel=1e-6)
        assert fields[column]["properties"]["null_count"] == int(frame[column].isna().sum())
    assert fields["segment"]["distinct_count"] == 3
    assert len(fields["segment"]["distribution"]["top_values"]) == 3
    assert fields["balance"]["statistics"]["outlier_count"] >= 1
    assert report["metadata"]["files"]["primary"]["name"] == "customers.csv"


def test_presigned_upload_refuses_tampering_wrong_size_type_and_expiry(client: TaskClient):
    data = dataset(50)
    task = client.create_task("profile-my-data")
    upload = client.upload_urls(task["task_id"], declare(data))["uploads"]["primary"]
    url, headers = upload["url"], upload["headers"]

    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query["X-Amz-Signature"] = "0" * 64
    forged = urlunsplit(parts._replace(query=urlencode(query)))
    assert requests.put(forged, data=data, headers=headers, timeout=30).status_code == 403
    other_key = url.replace("/inputs/primary.csv", "/inputs/baseline.csv")
    assert requests.put(other_key, data=data, headers=headers, timeout=30).status_code == 403
    assert requests.put(url, data=data + b"x", headers=headers, timeout=30).status_code == 403
    assert (
        requests.put(url, data=data, headers={"Content-Type": "text/plain"}, timeout=30).status_code
        == 403
    )
    time.sleep(UPLOAD_TTL_SECONDS + 1.5)
    assert requests.put(url, data=data, headers=headers, timeout=30).status_code == 403
    # Nothing reached the store: processing finds no file.
    error = expect_error(client.process, task["task_id"])
    assert (error.status, error.code) == (400, "FILES_NOT_FOUND")


def test_missing_file_is_upload_failed_and_recoverable(client: TaskClient, tmp_path):
    data = dataset(30)
    task_id = client.create_task("profile-my-data")["task_id"]
    client.upload_urls(task_id, declare(data))
    error = expect_error(client.process, task_id)
    assert (error.status, error.code) == (400, "FILES_NOT_FOUND")
    assert error.body["detail"]["missing_files"] == ["primary"]
    assert client.get(task_id)["status"] == "UPLOAD_FAILED"

    upload = client.upload_urls(task_id, declare(data))
    assert upload["status"] == "UPLOADING"
    path = tmp_path / "late.csv"
    path.write_bytes(data)
    client.put_file(upload["uploads"]["primary"], path)
    client.process(task_id)
    assert client.wait(task_id, timeout=120)["status"] == "COMPLETED"


def test_errors_are_json_with_codes(client: TaskClient, other: TaskClient, stack):
    task_id = client.create_task("profile-my-data")["task_id"]
    # another user's task: 404 like an unknown one, and never in their list
    error = expect_error(other.get, task_id)
    assert (error.status, error.code, error.message) == (404, "TASK_NOT_FOUND", "Task not found")
    assert task_id not in [t["task_id"] for t in other.list()["tasks"]]
    # a query parameter cannot smuggle another task past the ownership check
    mine = other.create_task("profile-my-data")["task_id"]
    smuggled = requests.get(
        f"{stack.base_url}/tasks/{mine}",
        params={"task_id": task_id},
        headers=other.auth,
        timeout=10,
    )
    # (Envoy lets the query parameter win; the service authorises the id it
    # actually receives, so the answer is 404, never alice's task.)
    assert smuggled.status_code == 404 or smuggled.json()["task_id"] == mine
    assert smuggled.status_code == 404 or task_id not in smuggled.text
    # unknown tool and agent
    assert expect_error(client.create_task, "nope").code == "INVALID_TOOL_ID"
    error = expect_error(client.create_task, "profile-my-data", ["not-an-agent"])
    assert (error.status, error.code) == (400, "INVALID_AGENT_ID")
    error = expect_error(client.create_task, "clean-my-data", ["unified-profiler"])
    assert (error.status, error.code) == (400, "INVALID_AGENT_ID")
    # no token
    response = requests.get(f"{stack.base_url}/tasks", timeout=10)
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Not authenticated",
        "error_code": "AUTHENTICATION_REQUIRED",
    }
    # unknown route, malformed body: JSON from the gateway itself
    response = requests.get(f"{stack.base_url}/nowhere", timeout=10)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found", "error_code": "ROUTE_NOT_FOUND"}
    response = requests.post(
        f"{stack.base_url}/tasks",
        data="{oops",
        headers={**client.auth, "content-type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 422
    assert response.json()["error_code"] == "VALIDATION_ERROR"
    # downloads before completion
    error = expect_error(client.downloads, task_id)
    assert (error.status, error.code) == (400, "TASK_NOT_COMPLETED")
    assert error.message == (
        "Downloads not available for task in status: CREATED. Task must be COMPLETED."
    )
    # no stack trace, no exception text
    assert "Traceback" not in json.dumps(error.body)


def test_listing_is_paginated_newest_first(stack):
    user = TaskClient(stack.base_url, token_for(stack, f"lister-{time.time_ns()}@example.com"))
    ids = [user.create_task("profile-my-data")["task_id"] for _ in range(5)]
    page = user.list(limit=2)
    assert [t["task_id"] for t in page["tasks"]] == ids[::-1][:2]
    assert page["pagination"] == {"total": 5, "limit": 2, "offset": 0, "has_more": True}
    rest = user.list(limit=10, offset=2)
    assert [t["task_id"] for t in rest["tasks"]] == ids[::-1][2:]
    assert rest["pagination"]["has_more"] is False
    by_token = user.list(limit=10, page_token=page["next_page_token"])
    assert [t["task_id"] for t in by_token["tasks"]] == ids[::-1][2:]
    assert by_token["next_page_token"] == ""
    assert user.list(status="UPLOADING")["tasks"] == []
    assert user.list(status="NOT_A_STATUS")["pagination"]["total"] == 0
    assert len(user.list(tool_id="profile-my-data", sort="created_at")["tasks"]) == 5


def test_cors_preflight_for_the_frontend(stack):
    for origin in (
        "http://localhost:5173",
        "https://agentsium.ai",
        "https://agensium2.netlify.app",
    ):
        response = requests.options(
            f"{stack.base_url}/tasks",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
            timeout=10,
        )
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == origin
        assert response.headers["access-control-allow-credentials"] == "true"
        assert "authorization" in response.headers["access-control-allow-headers"]
    refused = requests.options(
        f"{stack.base_url}/tasks",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert "access-control-allow-origin" not in refused.headers


def test_request_id_comes_back_and_follows_the_task(client: TaskClient, stack):
    response = requests.get(f"{stack.base_url}/tools", timeout=10)
    request_id = response.headers["x-request-id"]
    assert request_id
    logs = (stack.var / "logs" / "task.log").read_text()
    assert request_id in logs


def test_grpcurl_lists_every_service(stack):
    grpcurl = shutil.which("grpcurl") or str(Path(sys.executable).with_name("grpcurl"))
    for name, service in (
        ("task", "dataquality.task.v1.TaskService"),
        ("storage", "dataquality.storage.v1.StorageService"),
        ("analysis", "dataquality.analysis.v1.AnalysisService"),
    ):
        listed = subprocess.run(
            [grpcurl, "-plaintext", stack.target(name), "list"],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout
        assert service in listed and "grpc.health.v1.Health" in listed
        health = subprocess.run(
            [
                grpcurl,
                "-plaintext",
                "-d",
                f'{{"service": "{service}"}}',
                stack.target(name),
                "grpc.health.v1.Health/Check",
            ],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout
        assert "SERVING" in health
    # Through Envoy, with the descriptor set instead of reflection.
    through_envoy = subprocess.run(
        [
            grpcurl,
            "-plaintext",
            "-protoset",
            str(DESCRIPTOR),
            "-H",
            f"authorization: Bearer {token_for(stack, 'grpcurl@example.com')}",
            "-d",
            "{}",
            f"127.0.0.1:{stack.ports.envoy}",
            "dataquality.task.v1.TaskService/ListTasks",
        ],
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
    ).stdout
    assert '"pagination"' in through_envoy
    # Without a token the gateway refuses gRPC task calls too.
    refused = subprocess.run(
        [
            grpcurl,
            "-plaintext",
            "-protoset",
            str(DESCRIPTOR),
            "-H",
            "x-user-id: someone@example.com",
            "-d",
            "{}",
            f"127.0.0.1:{stack.ports.envoy}",
            "dataquality.task.v1.TaskService/ListTasks",
        ],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert refused.returncode != 0 and "Unauthenticated" in refused.stderr
    # Against the service port directly, with the identity metadata.
    direct = subprocess.run(
        [
            grpcurl,
            "-plaintext",
            "-H",
            "x-user-id: grpcurl@example.com",
            "-d",
            "{}",
            stack.target("task"),
            "dataquality.task.v1.TaskService/ListTasks",
        ],
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
    ).stdout
    assert '"pagination"' in direct


def test_the_small_client_runs_the_whole_flow(stack, tmp_path):
    path = tmp_path / "small.csv"
    path.write_bytes(dataset(100))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "dqclient",
            str(path),
            "--base-url",
            stack.base_url,
            "--user",
            "cli-user@example.com",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "GATEWAY_JWT_SECRET": stack.jwt_secret},
    )
    assert result.returncode == 0, result.stderr
    assert "profile_my_data_analysis.xlsx" in result.stdout
    assert "COMPLETED" in result.stdout
