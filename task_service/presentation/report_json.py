"""``GET /tasks/{task_id}/report``: the stored JSON report re-shaped as the
frontend's results page reads it (frontend-contract.md §5.1, §5.2).

The stored file (§5.7) is read defensively: a missing or mistyped list
becomes ``[]``, a missing summary ``{}``, ``NaN``/``Infinity`` become
``null``. Only successful agents get a ``report.<agent-id>`` entry (with
the five keys of the contract); agents that failed are listed beside, in
the top-level ``failed_agents`` (ours), never inside ``report`` where the
frontend looks for agent results.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from task_service.domain import errors
from task_service.domain.model import Task
from task_service.domain.service import StoredReport
from task_service.presentation.files import download_id, extension, mime_type, output_kind
from task_service.presentation.times import normalise_z, offset_time

#: report key <- key of the stored file, for the lists.
_LISTS = (
    ("alerts", "alerts"),
    ("issues", "issues"),
    ("recommendations", "recommendations"),
    ("executiveSummary", "executive_summary"),
    ("rowLevelIssues", "row_level_issues"),
    ("routing_decisions", "routing_decisions"),
)
#: ... and for the summaries (objects).
_OBJECTS = (("analysisSummary", "analysis_summary"), ("issueSummary", "issue_summary"))
#: One gRPC message at most (8 MiB), with room for its framing.
MAX_RESPONSE_BYTES = 8 * 1024 * 1024 - 64 * 1024
_RESERVED = {k for k, _ in _LISTS} | {k for k, _ in _OBJECTS} | {"downloads"}


class ReportUnreadable(ValueError):
    """The stored report is not a JSON document."""


@dataclass(frozen=True)
class ReportFile:
    """One output with its presigned URL, for ``report.downloads``."""

    filename: str
    size_bytes: int
    url: str
    expires_at: datetime
    description: str = ""
    kind: str = ""


def render(stored: StoredReport, *, now: datetime) -> bytes:
    """The ``/report`` body (JSON bytes) of a completed task's stored report,
    or REPORT_UNREADABLE when the stored file is not a JSON object."""
    try:
        parsed = parse_stored(stored.data)
    except ReportUnreadable as exc:
        raise errors.report_unreadable(stored.task.task_id, str(exc)) from None
    files = [
        ReportFile(
            filename=link.output.filename,
            size_bytes=link.output.size_bytes,
            url=link.signed.url,
            expires_at=link.signed.expires_at,
            description=link.output.description,
            kind=output_kind(link.output.type, link.output.filename),
        )
        for link in stored.links
    ]
    document = report_document(
        parsed, task=stored.task, tool_name=stored.tool.name, files=files, now=now
    )
    data = encode(document)
    if len(data) > MAX_RESPONSE_BYTES:
        raise errors.report_too_large(stored.task.task_id, len(data), MAX_RESPONSE_BYTES)
    return data


def parse_stored(data: bytes) -> dict[str, Any]:
    """The stored file as a dict (``NaN``/``Infinity`` -> None)."""
    try:
        parsed = json.loads(data.decode("utf-8"), parse_constant=lambda _token: None)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ReportUnreadable(str(exc)[:200]) from None
    if not isinstance(parsed, dict):
        raise ReportUnreadable("the report is not a JSON object")
    return parsed


def report_document(
    stored: Mapping[str, Any],
    *,
    task: Task,
    tool_name: str,
    files: Sequence[ReportFile],
    now: datetime,
) -> dict[str, Any]:
    """The ``/report`` body for ``task`` from its stored report."""
    metadata = _object(stored.get("metadata"))
    timestamp = metadata.get("timestamp")
    execution = metadata.get("execution_time_ms")
    if not _is_whole(execution):
        execution = task.execution_time_ms
    report: dict[str, Any] = {}
    for key, source in _LISTS:
        report[key] = _list(stored.get(source))
    for key, source in _OBJECTS:
        report[key] = _object(stored.get(source))
    report["downloads"] = [_download(f, tool_name) for f in files]

    results = _object(stored.get("agent_results"))
    failed: list[dict[str, Any]] = []
    for agent_id in _ordered(results, task.agents):
        entry = results[agent_id]
        if not isinstance(entry, Mapping) or agent_id in _RESERVED:
            continue
        if str(entry.get("status", "")).lower() == "success":
            report[agent_id] = {
                "status": "success",
                "execution_time_ms": _int(entry.get("execution_time_ms")),
                "summary_metrics": _object(entry.get("summary_metrics")),
                "data": _object(entry.get("data")),
                "timestamp": entry["timestamp"] if isinstance(entry.get("timestamp"), str) else "",
            }
        else:
            failed.append(_failure(agent_id, entry))
    recorded = {f["agent_id"] for f in failed} | set(report)
    for outcome in task.agent_results:
        if outcome.status != "SUCCEEDED" and outcome.agent_id not in recorded:
            failed.append(
                {
                    "agent_id": outcome.agent_id,
                    "status": "error",
                    "error_code": outcome.error_code,
                    "error_message": outcome.error_message,
                }
            )
    return {
        "analysis_id": task.task_id,
        "tool": task.tool_id,
        "status": "success",
        "timestamp": normalise_z(timestamp) if isinstance(timestamp, str) else offset_time(now),
        "execution_time_ms": int(execution) if execution is not None else None,
        "report": report,
        "failed_agents": failed,
    }


def encode(document: Mapping[str, Any]) -> bytes:
    return json.dumps(_finite(document), ensure_ascii=False, allow_nan=False).encode("utf-8")


def _download(file: ReportFile, tool_name: str) -> dict[str, Any]:
    suffix = extension(file.filename)
    lower = file.filename.lower()
    if suffix == "xlsx":
        name, kind = f"{tool_name} - Complete Analysis Report", "complete_report"
        description = "Excel workbook with every sheet of the analysis."
    elif suffix == "json" and file.kind == "manifest":
        name, kind = f"{tool_name} - Audit Manifest", "report"
        description = "Every transformation and the SHA-256 of each output, as JSON."
    elif suffix == "json":
        name, kind = f"{tool_name} - JSON Report", "report"
        description = "The complete analysis as JSON."
    elif suffix == "csv":
        kind = "cleaned_data"
        if file.kind == "quarantine":
            name = f"{tool_name} - Quarantined Rows"
        elif "cleaned" in lower:
            name = f"{tool_name} - Cleaned Data"
        elif "master" in lower or "golden" in lower:
            name = f"{tool_name} - Master Data"
        else:
            name = f"{tool_name} - Data Export"
        description = "Data as CSV."
    else:
        name, kind, description = file.filename, "other", "Output file."
    expires = offset_time(file.expires_at)
    return {
        "download_id": download_id(file.filename),
        "name": name,
        "format": suffix or "unknown",
        "file_name": file.filename,
        "description": file.description or description,
        "mimeType": mime_type(file.filename),
        "url": file.url,
        "size_bytes": file.size_bytes,
        # The contract's quirk: creation_date holds the URL's expiry.
        "creation_date": expires,
        "type": kind,
        "expires_at": expires,
        "kind": output_kind(file.kind, file.filename),
    }


def _failure(agent_id: str, entry: Mapping[str, Any]) -> dict[str, Any]:
    error = entry.get("error")
    code, message = "", ""
    if isinstance(error, Mapping):
        code, message = str(error.get("code", "")), str(error.get("message", ""))
    elif isinstance(error, str):
        message = error
    return {"agent_id": agent_id, "status": "error", "error_code": code, "error_message": message}


def _ordered(results: Mapping[str, Any], agents: Iterable[str]) -> list[str]:
    """The task's agents first, in its order, then any others of the file."""
    first = [a for a in dict.fromkeys(agents) if a in results]
    seen = set(first)
    return first + [a for a in results if a not in seen]


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def _object(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def _is_whole(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and float(value).is_integer()
    )


def _int(value: Any) -> int:
    return int(value) if _is_whole(value) else 0


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
