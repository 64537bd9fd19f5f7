"""The task API, the way the frontend calls it: create, upload URLs, direct
upload to the object store, process, poll, downloads."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

TERMINAL = {"COMPLETED", "FAILED", "CANCELLED", "EXPIRED"}


@dataclass
class ApiError(Exception):
    """An error answer: HTTP status, ``error_code`` and ``detail`` (the
    REST contract's error body), and the whole body."""

    status: int
    code: str
    message: str
    body: Any = None

    def __str__(self) -> str:
        return f"HTTP {self.status} {self.code}: {self.message}"


class TaskClient:
    """REST client; ``token`` (an access token) goes in the Authorization
    header as a Bearer token."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 30.0,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.http = session or requests.Session()

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {**self.auth, **kwargs.pop("headers", {})}
        response = self.http.request(
            method, self.base_url + path, headers=headers, timeout=self.timeout, **kwargs
        )
        try:
            body = response.json()
        except ValueError:
            body = response.text
        if response.status_code >= 400:
            raise error_from(response.status_code, body)
        return body

    def tools(self) -> list[dict[str, Any]]:
        return self._call("GET", "/tools")["tools"]

    def tool(self, tool_id: str) -> dict[str, Any]:
        return self._call("GET", f"/tools/{tool_id}")

    def create_task(
        self,
        tool_id: str,
        agents: list[str] | None = None,
        parameters: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"tool_id": tool_id}
        if agents:
            body["agents"] = agents
        if parameters:
            body["parameters"] = dict(parameters)
        return self._call("POST", "/tasks", json=body)

    def upload_urls(
        self,
        task_id: str,
        files: Mapping[str, Mapping[str, Any]],
        *,
        has_parameters: bool = False,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"files": dict(files)}
        if has_parameters:
            body["has_parameters"] = True
        return self._call("POST", f"/tasks/{task_id}/upload-urls", json=body)

    def upload_parts(self, task_id: str, slot: str) -> dict[str, Any]:
        """The stored parts of a multipart upload, and URLs for the missing ones."""
        return self._call("GET", f"/tasks/{task_id}/uploads/{slot}/parts")

    def complete_upload(
        self, task_id: str, slot: str, etags: Mapping[int, str] | None = None
    ) -> dict[str, Any]:
        """Completes a multipart upload (the service lists the parts without etags)."""
        parts = [{"part_number": n, "etag": e} for n, e in sorted((etags or {}).items())]
        return self._call(
            "POST", f"/tasks/{task_id}/uploads/{slot}/complete", json={"parts": parts}
        )

    def process(self, task_id: str) -> dict[str, Any]:
        return self._call("POST", f"/tasks/{task_id}/process")

    def get(self, task_id: str) -> dict[str, Any]:
        return self._call("GET", f"/tasks/{task_id}")

    def list(self, **params: Any) -> dict[str, Any]:
        return self._call("GET", "/tasks", params=params)

    def downloads(self, task_id: str) -> dict[str, Any]:
        return self._call("GET", f"/tasks/{task_id}/downloads")

    def report(self, task_id: str) -> dict[str, Any]:
        return self._call("GET", f"/tasks/{task_id}/report")

    def cancel(self, task_id: str) -> dict[str, Any]:
        return self._call("POST", f"/tasks/{task_id}/cancel")

    def delete(self, task_id: str) -> dict[str, Any]:
        return self._call("DELETE", f"/tasks/{task_id}")

    def events(
        self, task_id: str, *, timeout: float = 600, token_in_query: bool = False
    ) -> Iterator[dict[str, Any]]:
        """Follows ``GET /tasks/{id}/events`` (server-sent events) until the
        terminal event; yields each event's JSON. ``token_in_query`` sends
        the token as a browser's EventSource must: ``?access_token=``."""
        headers = {"accept": "text/event-stream"}
        params = {}
        if token_in_query:
            params["access_token"] = self.token
        else:
            headers.update(self.auth)
        response = self.http.get(
            f"{self.base_url}/tasks/{task_id}/events",
            headers=headers,
            params=params,
            stream=True,
            timeout=(10, timeout),
        )
        with response:
            if response.status_code >= 400:
                raise error_from(response.status_code, response.json())
            for line in response.iter_lines(decode_unicode=True):
                if not line or not line.startswith("data:"):
                    continue
                event = json.loads(line[len("data:") :].strip())
                yield event
                if event.get("terminal"):
                    return

    @staticmethod
    def put_file(upload: Mapping[str, Any], path: Path, timeout: float = 600) -> None:
        """Sends the file straight to the object store with the signed headers."""
        with path.open("rb") as handle:
            response = requests.request(
                upload["method"],
                upload["url"],
                data=handle,
                headers=dict(upload.get("headers", {})),
                timeout=timeout,
            )
        if response.status_code >= 300:
            raise ApiError(
                response.status_code,
                "UPLOAD_REFUSED",
                f"The object store refused the upload: {response.text[:300]}",
            )

    def wait(
        self,
        task_id: str,
        *,
        timeout: float = 600,
        interval: float = 0.5,
        on_change: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Polls until the task reaches a terminal status."""
        deadline = time.monotonic() + timeout
        last: tuple[Any, ...] | None = None
        while True:
            task = self.get(task_id)
            state = (task["status"], task["progress"], task["progress_detail"]["current_stage"])
            if state != last and on_change is not None:
                on_change(task)
            last = state
            if task["status"] in TERMINAL:
                return task
            if time.monotonic() > deadline:
                raise TimeoutError(f"task {task_id} still {task['status']} after {timeout}s")
            time.sleep(interval)


def error_from(status: int, body: Any) -> ApiError:
    """Decodes a REST error body ``{"detail", "error_code"}`` (services and
    gateway alike; FILES_NOT_FOUND carries its human text in ``message``)."""
    code = "HTTP_ERROR"
    message = str(body)
    if isinstance(body, dict):
        code = str(body.get("error_code") or code)
        detail = body.get("detail")
        message = detail if isinstance(detail, str) else str(body.get("message", detail))
    return ApiError(status, code, message, body)
