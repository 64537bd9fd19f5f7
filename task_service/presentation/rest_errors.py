"""The REST error bodies of TaskService's errors.

Through the gateway every error is JSON with a human ``detail`` string and
an ``error_code`` at the top level (frontend-contract.md §3), plus the
``violations`` list where a request had several problems. The service
knows its errors best, so it writes that body itself into the trailing
metadata ``x-error-body`` of the failed call (and ``x-http-status`` where
the HTTP status is not the one of the gRPC code); the gateway's Lua filter
puts it in place of the transcoder's google.rpc.Status JSON. gRPC clients
keep the rich google.rpc.Status.

One exception to "detail is a string": ``FILES_NOT_FOUND`` keeps the object
the frontend has always received in ``detail`` (§2.4), with ``error_code``
and the human ``message`` at the top level too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from dqcommon.errors import ServiceError

ERROR_BODY_HEADER = "x-error-body"
HTTP_STATUS_HEADER = "x-http-status"

#: Errors whose HTTP status differs from their gRPC code's.
HTTP_STATUS = {"VALIDATION_ERROR": 422}
#: Keep the body well inside HTTP/2 header limits.
MAX_BODY_BYTES = 16 * 1024
MAX_LISTED_VIOLATIONS = 50


def error_body(error: ServiceError) -> dict[str, Any]:
    """The REST body of ``error``."""
    if error.reason == "FILES_NOT_FOUND":
        missing = [s for s in error.metadata.get("missing_files", "").split(",") if s]
        return {
            "detail": {
                "error_code": "FILES_NOT_FOUND",
                "message": "Required files not found in storage",
                "missing_files": missing,
                "task_status": error.metadata.get("task_status", "UPLOAD_FAILED"),
            },
            "error_code": "FILES_NOT_FOUND",
            "message": error.message,
            "missing_files": missing,
        }
    body: dict[str, Any] = {"detail": error.message, "error_code": error.reason}
    if error.field_violations:
        body["violations"] = [
            {"field": v.field, "description": v.description}
            for v in error.field_violations[:MAX_LISTED_VIOLATIONS]
        ]
    return body


def error_metadata(error: ServiceError) -> Sequence[tuple[str, str]]:
    """Trailing metadata that carries the REST body (ASCII JSON, bounded)."""
    body = error_body(error)
    text = _ascii_json(body)
    while len(text) > MAX_BODY_BYTES and body.get("violations"):
        body["violations"] = body["violations"][: len(body["violations"]) // 2]
        text = _ascii_json(body)
    if len(text) > MAX_BODY_BYTES:
        text = _ascii_json({"detail": error.message[:2000], "error_code": error.reason})
    metadata = [(ERROR_BODY_HEADER, text)]
    status = HTTP_STATUS.get(error.reason)
    if status is not None:
        metadata.append((HTTP_STATUS_HEADER, str(status)))
    return metadata


def _ascii_json(body: dict[str, Any]) -> str:
    # ASCII only: header values cannot carry raw UTF-8 or control characters.
    return json.dumps(body, ensure_ascii=True, separators=(",", ":"))
