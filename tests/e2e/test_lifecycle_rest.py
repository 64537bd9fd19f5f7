"""The lifecycle through the real Envoy: the event stream (server-sent
events), the report, cancel, delete, and crashes (kill -9) of
AnalysisService and TaskService in the middle of an analysis."""

from __future__ import annotations

import json
import threading
import time

import pytest
import requests

from dqclient.client import ApiError, TaskClient
from tests.e2e.conftest import ALICE, keys_of

pytestmark = pytest.mark.e2e


def csv_of(megabytes: float) -> bytes:
    line = b"1234567,some text value,3.14159,2024-01-01,true\n"
    return b"id,text,number,day,flag\n" + line * int(megabytes * 1024 * 1024 // len(line))


def uploaded(client: TaskClient, data: bytes) -> str:
    task_id = client.create_task("profile-my-data")["task_id"]
    grant = client.upload_urls(
        task_id,
        {"primary": {"filename": "data.csv", "content_type": "text/csv", "size_bytes": len(data)}},
    )
    upload = grant["uploads"]["primary"]
    response = requests.put(upload["url"], data=data, headers=upload["headers"], timeout=60)
    assert response.status_code == 200
    return task_id


def wait_running(client: TaskClient, task_id: str, above: int = 20, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while True:
        task = client.get(task_id)
        if task["status"] == "PROCESSING" and task["progress"] > above:
            return task
        assert task["status"] in ("QUEUED", "PROCESSING"), json.dumps(task)  # all of it
        assert time.monotonic() < deadline, "analysis never got going"
        time.sleep(0.05)


def output_objects(stack, task_id: str) -> list[str]:
    client = stack.seaweed.client()
    prefix = f"{keys_of(ALICE)}/tasks/{task_id}/outputs/"
    listing = client.list_objects_v2(Bucket="dataquality-dev", Prefix=prefix)
    return sorted(o["Key"].removeprefix(prefix) for o in listing.get("Contents", []))


def test_events_stream_as_server_sent_events_until_the_terminal_event(client, stack):
    # Large enough for the analysis to last seconds, so progress events come.
    task_id = uploaded(client, csv_of(40))
    response = requests.get(
        f"{stack.base_url}/tasks/{task_id}/events",
        headers=client.auth,
        stream=True,
        timeout=(10, 120),
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    threading.Timer(0.5, lambda: client.process(task_id)).start()
    events = []
    for line in response.iter_lines(decode_unicode=True):
        if line.startswith("data:"):
            events.append(json.loads(line[5:]))
            if events[-1]["terminal"]:
                break
    response.close()
    assert events[0]["type"] == "TYPE_SNAPSHOT" and events[0]["task"]["status"] == "UPLOADING"
    assert events[-1]["terminal"] and events[-1]["task"]["status"] == "COMPLETED"
    assert events[-1]["task"]["execution_time_ms"] > 0
    assert [e["sequence"] for e in events] == list(range(1, len(events) + 1))
    changes = [e["transition"]["to_status"] for e in events if e["type"] == "TYPE_STATUS"]
    assert changes == ["QUEUED", "PROCESSING", "COMPLETED"]
    progress = [e["task"]["progress"] for e in events if "task" in e]
    assert progress == sorted(progress)
    assert any(e["type"] == "TYPE_PROGRESS" for e in events)


def test_events_of_a_finished_task_and_errors(client, other, stack):
    task_id = client.create_task("profile-my-data")["task_id"]
    client.cancel(task_id)
    events = list(client.events(task_id, timeout=30))
    assert len(events) == 1 and events[0]["terminal"]
    assert events[0]["task"]["status"] == "CANCELLED"
    with pytest.raises(ApiError) as info:
        list(other.events(task_id, timeout=30))
    assert (info.value.status, info.value.code) == (404, "TASK_NOT_FOUND")


def test_deleting_a_watched_task_ends_the_stream(client):
    task_id = client.create_task("profile-my-data")["task_id"]
    threading.Timer(1.0, lambda: client.delete(task_id)).start()
    events = list(client.events(task_id, timeout=30))
    last = events[-1]
    assert last["terminal"]
    # Deleting cancels first: the stream sees CANCELLED, or (if its next read
    # comes after the row is gone) an error event instead of a lost trailer.
    if last["type"] == "TYPE_ERROR":
        assert last["error"]["code"] == "TASK_NOT_FOUND"
    else:
        assert last["type"] == "TYPE_STATUS" and last["task"]["status"] == "CANCELLED"


def test_report_cancel_and_delete_over_rest(client, stack):
    data = csv_of(0.2)
    task_id = uploaded(client, data)
    client.process(task_id)
    assert client.wait(task_id, timeout=120)["status"] == "COMPLETED"
    report = client.report(task_id)
    downloads = {d["format"]: d for d in client.downloads(task_id)["downloads"]}
    stored = requests.get(downloads["json"]["url"], timeout=30).json()
    # /report is the stored file in the frontend's shape.
    assert report["analysis_id"] == stored["metadata"]["analysis_id"] == task_id
    assert report["report"]["alerts"] == stored["alerts"]
    assert report["report"]["executiveSummary"] == stored["executive_summary"]
    profiler = stored["agent_results"]["unified-profiler"]
    assert report["report"]["unified-profiler"]["data"] == profiler["data"]
    response = requests.get(
        f"{stack.base_url}/tasks/{task_id}/report", headers=client.auth, timeout=30
    )
    assert response.headers["content-type"].startswith("application/json")

    with pytest.raises(ApiError) as info:
        client.cancel(task_id)
    assert (info.value.status, info.value.code) == (400, "TASK_NOT_CANCELLABLE")

    deleted = client.delete(task_id)
    assert deleted["task_id"] == task_id and deleted["files_deleted"] == 3
    with pytest.raises(ApiError) as info:
        client.get(task_id)
    assert info.value.status == 404
    history = client.get(client.create_task("profile-my-data")["task_id"])["history"]
    assert history[0]["to_status"] == "CREATED"


def test_cancel_mid_run_over_rest(client, stack):
    task_id = uploaded(client, csv_of(40))
    client.process(task_id)
    wait_running(client, task_id)
    cancelled = client.cancel(task_id)
    assert (
        cancelled["status"] == "CANCELLED" and cancelled["message"] == "Task cancelled successfully"
    )
    time.sleep(2.0)
    final = client.get(task_id)
    assert final["status"] == "CANCELLED"
    assert output_objects(stack, task_id) == []


def crash_mid_run_and_recover(client: TaskClient, stack, service: str) -> dict:
    """Kills ``service`` with SIGKILL in the middle of an analysis, starts it
    again, and checks that the task completes on its second attempt with
    that attempt's outputs only."""
    task_id = uploaded(client, csv_of(40))
    client.process(task_id)
    wait_running(client, task_id)
    stack.kill_service(service)
    stack.start_service(service)
    final = client.wait(task_id, timeout=180)
    assert final["status"] == "COMPLETED", (final["error_code"], final["error_message"])
    # Attempt 1 was lost; waiting for the restarted service used no attempt.
    assert final["attempt"] == 2
    assert output_objects(stack, task_id) == [
        "attempt-2.profile_my_data_analysis.json",
        "attempt-2.profile_my_data_analysis.xlsx",
    ]
    names = sorted(d["filename"] for d in client.downloads(task_id)["downloads"])
    assert names == ["profile_my_data_analysis.json", "profile_my_data_analysis.xlsx"]
    return final


def test_kill_9_of_the_analysis_service_mid_run_is_retried(client, stack):
    final = crash_mid_run_and_recover(client, stack, "analysis")
    assert any("attempt 1 failed" in h["reason"] for h in final["history"])


def test_kill_9_of_the_task_service_mid_run_is_retried_after_its_lease(client, stack):
    final = crash_mid_run_and_recover(client, stack, "task")
    assert any("WORKER_LOST" in h["reason"] for h in final["history"])
