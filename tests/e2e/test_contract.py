"""The frontend's wire contract (frontend-contract.md), replayed through the
real Envoy as the frontend sends each request: Bearer token, no sizes,
``has_parameters`` and a parameters.json built like its form, ``?limit=20``.
Every field the frontend reads is checked for presence, name and JSON type.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import requests

from tests.contract_catalogue import form_values
from tests.e2e.conftest import ALICE, MALLORY, token_for

pytestmark = pytest.mark.e2e

NULL = type(None)
DB_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")
Z_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
OFFSET_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")

TASK_RESPONSE = {
    "task_id": str,
    "status": str,
    "tool_id": str,
    "agents": list,
    "progress": int,
    "created_at": str,
    "upload_started_at": (str, NULL),
    "processing_started_at": (str, NULL),
    "completed_at": (str, NULL),
    "failed_at": (str, NULL),
    "downloads_available": bool,
    "execution_time_ms": (int, NULL),
    "error_code": (str, NULL),
    "error_message": (str, NULL),
    "message": (str, NULL),
}
CSV = b"customer_id,email,age,city\n" + b"".join(
    f"{i},user{i}@example.com,{20 + i % 50},{['Paris', 'Lyon', 'Nice'][i % 3]}\n".encode()
    for i in range(500)
)


def is_a(value: Any, kind: Any) -> bool:
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, kind)


def check(obj: Any, schema: dict[str, Any], where: str = "") -> None:
    """Every key of ``schema`` is present in ``obj`` with one of its types."""
    assert isinstance(obj, dict), f"{where or 'body'} is not an object: {obj!r}"
    for key, kinds in schema.items():
        assert key in obj, f"{where}{key} is missing from {sorted(obj)}"
        options = kinds if isinstance(kinds, tuple) else (kinds,)
        assert any(is_a(obj[key], k) for k in options), (
            f"{where}{key} is {type(obj[key]).__name__} ({obj[key]!r}), expected {options}"
        )


class Frontend:
    """The calls the frontend makes, with its headers and bodies."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return requests.request(method, self.base + path, headers=headers, timeout=60, **kwargs)


@pytest.fixture
def frontend(stack) -> Frontend:
    return Frontend(stack.base_url, token_for(stack, ALICE))


def test_tools_api_without_a_token(stack):
    listing = requests.get(f"{stack.base_url}/tools", timeout=10)
    assert listing.status_code == 200
    tools = listing.json()["tools"]
    for tool in tools:
        check(
            tool,
            {
                "id": str,
                "name": str,
                "description": str,
                "icon": str,
                "category": str,
                "status": str,
                "isAvailable": bool,
                "tags": list,
                "available_agents": list,
                "isFree": bool,
                "required_files": list,
            },
        )
    assert {t["id"] for t in tools} == {"profile-my-data", "clean-my-data"}

    detail = requests.get(f"{stack.base_url}/tools/profile-my-data", timeout=10).json()
    check(detail, {"tool": dict, "agents": dict, "file_requirements": dict})
    check(
        detail["tool"],
        {
            "id": str,
            "name": str,
            "icon": str,
            "category": str,
            "isAvailable": bool,
            "status": str,
            "show": bool,
            "version": str,
            "available_agents": list,
            "files": dict,
        },
    )
    for slot in detail["file_requirements"].values():
        check(slot, {"description": str, "required": bool, "formats": list, "max_size_mb": int})
    for agent_id, agent in detail["agents"].items():
        check(
            agent,
            {
                "id": str,
                "name": str,
                "description": str,
                "icon": str,
                "category": str,
                "isAvailable": bool,
                "accuracy": str,
                "features": list,
                "input": dict,
                "version": str,
                "required_files": list,
                "parameters": dict,
            },
            f"agents.{agent_id}.",
        )
        for name, spec in agent["parameters"].items():
            check(
                spec,
                {
                    "type": str,
                    "description": str,
                    "show_description": bool,
                    "show": bool,
                    "required": bool,
                },
                f"{agent_id}.{name}.",
            )
            assert "default" in spec
            for bound in ("min", "max"):
                if bound in spec:
                    assert is_a(spec[bound], float), (agent_id, name, bound)
    assert detail["agents"]["drift-detector"]["required_files"] == ["primary", "baseline"]

    missing = requests.get(f"{stack.base_url}/tools/nope", timeout=10)
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Tool 'nope' not found", "error_code": "TOOL_NOT_FOUND"}


def test_the_whole_flow_as_the_frontend_sends_it(frontend: Frontend, stack):
    # 1. POST /tasks -> 201 (agents omitted: every available agent)
    created = frontend.call("POST", "/tasks", json={"tool_id": "profile-my-data", "size": 3})
    assert created.status_code == 201, created.text
    body = created.json()
    check(body, {"task_id": str, "status": str, "tool_id": str, "agents": list, "created_at": str})
    assert body["status"] == "CREATED"
    assert body["agents"] == ["unified-profiler", "drift-detector", "score-risk"]
    assert body["message"] == "Task created. Request upload URLs to proceed."
    assert DB_TIME.match(body["created_at"])
    task_id = body["task_id"]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", task_id)

    # 2. POST upload-urls: no size, no content type, has_parameters
    grant = frontend.call(
        "POST",
        f"/tasks/{task_id}/upload-urls",
        json={
            "files": {"primary": {"filename": "customers.csv", "size": 99}},
            "has_parameters": True,
        },
    )
    assert grant.status_code == 200, grant.text
    grant_body = grant.json()
    check(
        grant_body,
        {"task_id": str, "status": str, "uploads": dict, "expires_in_seconds": int, "message": str},
    )
    assert grant_body["status"] == "UPLOADING"
    assert set(grant_body["uploads"]) == {"primary", "parameters"}
    for slot, upload in grant_body["uploads"].items():
        check(
            upload,
            {"url": str, "key": str, "method": str, "headers": dict, "expires_at": str},
            f"uploads.{slot}.",
        )
        assert upload["method"] == "PUT" and Z_TIME.match(upload["expires_at"])
    assert grant_body["uploads"]["primary"]["headers"] == {"Content-Type": "text/csv"}
    assert grant_body["uploads"]["parameters"]["headers"] == {"Content-Type": "application/json"}
    assert grant_body["uploads"]["parameters"]["key"].endswith("/inputs/parameters.json")

    # 3. PUT the file and the form's parameters.json straight to the store
    primary = grant_body["uploads"]["primary"]
    assert requests.put(primary["url"], data=CSV, headers=primary["headers"], timeout=30).ok
    form = {agent: form_values(agent) for agent in ("unified-profiler", "drift-detector")}
    form["unified-profiler"]["top_n_values"] = 3
    params = grant_body["uploads"]["parameters"]
    assert requests.put(
        params["url"], data=json.dumps(form), headers=params["headers"], timeout=30
    ).ok

    # 4. POST process (no body): the worker has room, so PROCESSING 15
    started = frontend.call("POST", f"/tasks/{task_id}/process")
    assert started.status_code == 200, started.text
    check(started.json(), TASK_RESPONSE)
    assert started.json()["status"] == "PROCESSING" and started.json()["progress"] >= 15
    assert started.json()["message"] == "Processing started. Track progress from the Tasks page."

    # 5. GET /tasks/{id}: the call the frontend polls
    final = poll(frontend, task_id)
    check(final, TASK_RESPONSE)
    assert final["status"] == "COMPLETED" and final["progress"] == 100
    assert final["downloads_available"] is True and final["message"] is None
    for key in ("upload_started_at", "processing_started_at", "completed_at"):
        assert DB_TIME.match(final[key]), key
    assert final["failed_at"] is None and final["error_code"] is None

    # 6. GET /tasks?limit=20
    listing = frontend.call("GET", "/tasks", params={"limit": 20, "sort": "-created_at"})
    assert listing.status_code == 200
    listed = listing.json()
    check(listed, {"tasks": list, "pagination": dict})
    check(listed["pagination"], {"total": int, "limit": int, "offset": int, "has_more": bool})
    assert listed["pagination"]["limit"] == 20 and listed["pagination"]["offset"] == 0
    item = next(t for t in listed["tasks"] if t["task_id"] == task_id)
    check(
        item,
        {
            "task_id": str,
            "status": str,
            "tool_id": str,
            "progress": int,
            "created_at": str,
            "completed_at": (str, NULL),
        },
    )
    filtered = frontend.call(
        "GET", "/tasks", params={"status": "COMPLETED", "tool_id": "profile-my-data", "offset": 0}
    ).json()
    assert task_id in [t["task_id"] for t in filtered["tasks"]]

    # 7. GET downloads
    downloads = frontend.call("GET", f"/tasks/{task_id}/downloads").json()
    check(downloads, {"task_id": str, "downloads": list, "expires_in_seconds": int})
    assert downloads["expires_in_seconds"] == 3600
    names = [d["filename"] for d in downloads["downloads"]]
    assert (
        names == sorted(names) == ["profile_my_data_analysis.json", "profile_my_data_analysis.xlsx"]
    )
    for entry in downloads["downloads"]:
        check(
            entry,
            {
                "download_id": str,
                "filename": str,
                "type": str,
                "mime_type": str,
                "size_bytes": int,
                "url": str,
                "expires_at": str,
            },
        )
        assert entry["type"] == "report" and Z_TIME.match(entry["expires_at"])
    assert downloads["downloads"][0]["download_id"] == "profile_my_data_analysis_json"

    # 8. GET report
    report = frontend.call("GET", f"/tasks/{task_id}/report")
    assert report.status_code == 200 and report.headers["content-type"] == "application/json"
    check_report(report.json(), task_id)

    # 9./10. cancel a finished task, then delete it
    refused = frontend.call("POST", f"/tasks/{task_id}/cancel")
    assert refused.status_code == 400
    check(refused.json(), {"detail": str, "error_code": str})
    deleted = frontend.call("DELETE", f"/tasks/{task_id}")
    assert deleted.status_code == 200
    check(deleted.json(), {"task_id": str, "message": str, "files_deleted": int})
    assert deleted.json()["message"] == "Task and associated files deleted"
    assert deleted.json()["files_deleted"] == 4  # primary, parameters.json, json, xlsx
    gone = frontend.call("GET", f"/tasks/{task_id}")
    assert (gone.status_code, gone.json()) == (
        404,
        {"detail": "Task not found", "error_code": "TASK_NOT_FOUND"},
    )


def poll(frontend: Frontend, task_id: str, timeout: float = 120) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + timeout
    while True:
        task = frontend.call("GET", f"/tasks/{task_id}").json()
        if task["status"] in ("COMPLETED", "FAILED", "CANCELLED", "EXPIRED"):
            return task
        assert time.monotonic() < deadline, task
        time.sleep(0.2)


def check_report(body: dict[str, Any], task_id: str) -> None:
    check(
        body,
        {
            "analysis_id": str,
            "tool": str,
            "status": str,
            "timestamp": str,
            "execution_time_ms": (int, NULL),
            "report": dict,
        },
    )
    assert (body["analysis_id"], body["tool"], body["status"]) == (
        task_id,
        "profile-my-data",
        "success",
    )
    assert Z_TIME.match(body["timestamp"]), body["timestamp"]
    report = body["report"]
    check(
        report,
        {
            "alerts": list,
            "issues": list,
            "recommendations": list,
            "executiveSummary": list,
            "analysisSummary": dict,
            "rowLevelIssues": list,
            "issueSummary": dict,
            "routing_decisions": list,
            "downloads": list,
        },
    )
    for card in report["executiveSummary"]:
        check(
            card,
            {"summary_id": str, "title": str, "value": str, "status": str, "description": str},
        )
    for item in report["downloads"]:
        check(
            item,
            {
                "download_id": str,
                "name": str,
                "format": str,
                "file_name": str,
                "description": str,
                "mimeType": str,
                "url": str,
                "size_bytes": int,
                "creation_date": str,
                "type": str,
                "expires_at": str,
            },
        )
        assert OFFSET_TIME.match(item["creation_date"]) and OFFSET_TIME.match(item["expires_at"])
    assert {d["type"] for d in report["downloads"]} == {"complete_report", "report"}
    agent = report["unified-profiler"]
    check(
        agent,
        {
            "status": str,
            "execution_time_ms": int,
            "summary_metrics": dict,
            "data": dict,
            "timestamp": str,
        },
    )
    assert set(agent) == {"status", "execution_time_ms", "summary_metrics", "data", "timestamp"}
    assert agent["status"] == "success"


def test_create_defaults_and_create_errors(frontend: Frontend):
    for agents in (None, []):
        created = frontend.call(
            "POST", "/tasks", json={"tool_id": "profile-my-data", "agents": agents}
        )
        assert created.status_code == 201 and created.json()["agents"] == ["unified-profiler"]
    unknown = frontend.call("POST", "/tasks", json={"tool_id": "make-coffee"})
    assert unknown.status_code == 400
    assert unknown.json()["detail"] == (
        "Invalid tool_id. Must be one of: ['profile-my-data', 'clean-my-data']"
    )
    assert unknown.json()["error_code"] == "INVALID_TOOL_ID"
    bad_agent = frontend.call(
        "POST", "/tasks", json={"tool_id": "profile-my-data", "agents": ["x"]}
    )
    assert bad_agent.status_code == 400
    assert bad_agent.json()["detail"] == (
        "Invalid agents for profile-my-data: ['x']. Available: ['unified-profiler']"
    )
    missing = frontend.call("POST", "/tasks", json={})
    assert missing.status_code == 422 and missing.json()["error_code"] == "VALIDATION_ERROR"
    not_a_list = frontend.call("POST", "/tasks", json={"tool_id": "profile-my-data", "agents": 7})
    assert not_a_list.status_code == 422 and isinstance(not_a_list.json()["detail"], str)


def test_huge_requests_get_a_quick_clear_400(frontend: Frontend):
    # 2 MB: one agent 100,000 times (it took minutes before a 504 once).
    body = json.dumps({"tool_id": "profile-my-data", "agents": ["unified-profiler"] * 100_000})
    assert len(body) > 2_000_000
    answer = frontend.call(
        "POST", "/tasks", data=body, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400
    assert answer.json()["error_code"] == "REQUEST_LIMIT_EXCEEDED"
    assert "at most 32" in answer.json()["detail"]
    too_large = frontend.call(
        "POST",
        "/tasks",
        data=json.dumps({"tool_id": "x" * (5 * 1024 * 1024)}),
        headers={"content-type": "application/json"},
    )
    assert too_large.status_code == 413
    assert too_large.json()["error_code"] == "REQUEST_TOO_LARGE"


def test_processing_errors_in_the_contracts_shapes(frontend: Frontend):
    task_id = frontend.call("POST", "/tasks", json={"tool_id": "profile-my-data"}).json()["task_id"]
    early = frontend.call("POST", f"/tasks/{task_id}/process")
    assert early.status_code == 400
    assert early.json()["detail"] == (
        "Cannot process task in status: CREATED. Allowed statuses: UPLOADING, UPLOAD_FAILED"
    )
    frontend.call(
        "POST", f"/tasks/{task_id}/upload-urls", json={"files": {"primary": {"filename": "a.csv"}}}
    )
    missing = frontend.call("POST", f"/tasks/{task_id}/process")
    assert missing.status_code == 400
    body = missing.json()
    assert body["detail"] == {
        "error_code": "FILES_NOT_FOUND",
        "message": "Required files not found in storage",
        "missing_files": ["primary"],
        "task_status": "UPLOAD_FAILED",
    }
    assert body["error_code"] == "FILES_NOT_FOUND"
    task = frontend.call("GET", f"/tasks/{task_id}").json()
    assert task["status"] == "UPLOAD_FAILED" and isinstance(task["error_message"], str)
    for path, what in (("downloads", "Downloads"), ("report", "Report")):
        answer = frontend.call("GET", f"/tasks/{task_id}/{path}")
        assert answer.status_code == 400
        assert answer.json()["detail"] == (
            f"{what} not available for task in status: UPLOAD_FAILED. Task must be COMPLETED."
        )
    cancelled = frontend.call("POST", f"/tasks/{task_id}/cancel")
    assert cancelled.status_code == 200
    check(cancelled.json(), {"task_id": str, "status": str, "message": str, "cancelled_at": str})
    assert cancelled.json()["status"] == "CANCELLED"
    assert DB_TIME.match(cancelled.json()["cancelled_at"])
    wrong_state = frontend.call(
        "POST", f"/tasks/{task_id}/upload-urls", json={"files": {"primary": {"filename": "a.csv"}}}
    )
    assert wrong_state.status_code == 400
    assert wrong_state.json()["detail"].startswith(
        "Cannot generate upload URLs for task in status: CANCELLED."
    )


def test_unknown_and_foreign_tasks_answer_alike_on_every_method(frontend: Frontend, stack):
    task_id = frontend.call("POST", "/tasks", json={"tool_id": "profile-my-data"}).json()["task_id"]
    intruder = Frontend(stack.base_url, token_for(stack, MALLORY))
    unknown = "0d3f0f61-7d8f-4b53-9d36-4a1d3a1e6a2b"
    calls = [
        ("GET", "/tasks/{}"),
        ("POST", "/tasks/{}/upload-urls"),
        ("POST", "/tasks/{}/process"),
        ("GET", "/tasks/{}/downloads"),
        ("GET", "/tasks/{}/report"),
        ("GET", "/tasks/{}/events"),
        ("POST", "/tasks/{}/cancel"),
        ("DELETE", "/tasks/{}"),
    ]
    for method, path in calls:
        kwargs = {"json": {"files": {"primary": {"filename": "a.csv"}}}} if "upload" in path else {}
        for who, target in ((intruder, task_id), (frontend, unknown), (frontend, "not-a-uuid")):
            answer = who.call(method, path.format(target), **kwargs)
            assert answer.status_code == 404, (method, path, answer.text)
            assert answer.json() == {"detail": "Task not found", "error_code": "TASK_NOT_FOUND"}
    still = frontend.call("GET", f"/tasks/{task_id}").json()
    assert still["status"] == "CREATED"  # nothing the intruder did reached it


def test_list_bounds_and_unknown_paths(frontend: Frontend, stack):
    for params in ({"limit": 0}, {"limit": 101}, {"offset": -1}):
        answer = frontend.call("GET", "/tasks", params=params)
        assert answer.status_code == 422, params
        check(answer.json(), {"detail": str, "error_code": str, "violations": list})
    assert frontend.call("GET", "/tasks", params={"limit": "many"}).status_code == 422
    nowhere = requests.get(f"{stack.base_url}/no/such/path", timeout=10)
    assert (nowhere.status_code, nowhere.json()) == (
        404,
        {"detail": "Not Found", "error_code": "ROUTE_NOT_FOUND"},
    )
