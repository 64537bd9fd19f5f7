"""The errors TaskService answers with, each with its code and a message a
person can act on."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import grpc

from dqcommon.errors import FieldViolation, PreconditionViolation, ServiceError
from task_service.domain.model import TaskStatus

C = grpc.StatusCode


def authentication_required(detail: str) -> ServiceError:
    return ServiceError(C.UNAUTHENTICATED, "AUTHENTICATION_REQUIRED", detail)


def invalid_request(message: str, *violations: FieldViolation) -> ServiceError:
    return ServiceError(
        C.INVALID_ARGUMENT, "INVALID_REQUEST", message, field_violations=tuple(violations)
    )


def validation_error(message: str, *violations: FieldViolation) -> ServiceError:
    """The request's shape is wrong (HTTP 422 through the gateway)."""
    return ServiceError(
        C.INVALID_ARGUMENT, "VALIDATION_ERROR", message, field_violations=tuple(violations)
    )


def limit_exceeded(field: str, message: str) -> ServiceError:
    return ServiceError(
        C.INVALID_ARGUMENT,
        "REQUEST_LIMIT_EXCEEDED",
        message,
        metadata={"field": field},
        field_violations=(FieldViolation(field, message),),
    )


def task_not_found(task_id: str) -> ServiceError:
    """Unknown and foreign tasks answer alike, so ids cannot be probed."""
    return ServiceError(
        C.NOT_FOUND, "TASK_NOT_FOUND", "Task not found", metadata={"task_id": task_id[:64]}
    )


def invalid_tool(tool_id: str, known: Sequence[str]) -> ServiceError:
    return ServiceError(
        C.INVALID_ARGUMENT,
        "INVALID_TOOL_ID",
        f"Invalid tool_id. Must be one of: {list(known)!r}",
        metadata={"tool_id": tool_id[:64], "available_tools": ",".join(known)},
        field_violations=(FieldViolation("tool_id", f"'{tool_id[:64]}' is not a tool"),),
    )


def tool_not_found(tool_id: str) -> ServiceError:
    return ServiceError(
        C.NOT_FOUND,
        "TOOL_NOT_FOUND",
        f"Tool '{tool_id[:64]}' not found",
        metadata={"tool_id": tool_id[:64]},
    )


def invalid_agents(tool_id: str, unknown: Sequence[str], available: Sequence[str]) -> ServiceError:
    shown = [a[:64] for a in unknown[:20]]
    return ServiceError(
        C.INVALID_ARGUMENT,
        "INVALID_AGENT_ID",
        f"Invalid agents for {tool_id}: {shown!r}. Available: {list(available)!r}",
        metadata={"invalid_agents": ",".join(shown), "available_agents": ",".join(available)},
        field_violations=tuple(
            FieldViolation("agents", f"'{a}' is not an agent of {tool_id}") for a in shown
        ),
    )


def agents_not_available(
    tool_id: str, agents: Sequence[str], available: Sequence[str]
) -> ServiceError:
    return ServiceError(
        C.INVALID_ARGUMENT,
        "AGENT_NOT_AVAILABLE",
        f"Agents not available yet for {tool_id}: {list(agents)!r}. Available: {list(available)!r}",
        metadata={"unavailable_agents": ",".join(agents), "available_agents": ",".join(available)},
        field_violations=tuple(
            FieldViolation("agents", f"'{a}' is not available yet") for a in agents
        ),
    )


def invalid_parameters(
    violations: Iterable[tuple[str, str]], source: str, omitted: int = 0
) -> ServiceError:
    items = tuple(FieldViolation(f, d) for f, d in violations)
    summary = "; ".join(f"{v.field}: {v.description}" for v in items[:5])
    rest = len(items) - 5 + omitted if len(items) > 5 else omitted
    more = f" (and {rest} more)" if rest > 0 else ""
    return ServiceError(
        C.INVALID_ARGUMENT,
        "INVALID_PARAMETERS",
        f"Invalid parameters in {source}: {summary}{more}.",
        metadata={"violations": str(len(items) + omitted), "source": source},
        field_violations=items,
    )


def invalid_state(task_id: str, status: TaskStatus, message: str) -> ServiceError:
    return ServiceError(
        C.FAILED_PRECONDITION,
        "INVALID_TASK_STATE",
        message,
        metadata={"task_id": task_id, "status": status.value},
        precondition_violations=(PreconditionViolation("TASK_STATUS", task_id, message),),
    )


def already_processing(task_id: str, status: TaskStatus, message: str) -> ServiceError:
    return ServiceError(
        C.FAILED_PRECONDITION,
        "TASK_ALREADY_PROCESSING",
        message,
        metadata={"task_id": task_id, "status": status.value},
    )


def not_completed(task_id: str, status: TaskStatus, what: str) -> ServiceError:
    return ServiceError(
        C.FAILED_PRECONDITION,
        "TASK_NOT_COMPLETED",
        f"{what} not available for task in status: {status.value}. Task must be COMPLETED.",
        metadata={"task_id": task_id, "status": status.value},
    )


def report_not_found(task_id: str) -> ServiceError:
    return ServiceError(
        C.NOT_FOUND,
        "REPORT_NOT_FOUND",
        "JSON report not found in task outputs",
        metadata={"task_id": task_id},
    )


def report_too_large(task_id: str, size_bytes: int, limit: int) -> ServiceError:
    return ServiceError(
        C.FAILED_PRECONDITION,
        "REPORT_TOO_LARGE",
        f"The report of this task is too large to return here ({size_bytes} bytes; at most "
        f"{limit}). Download the JSON report from GET /tasks/{task_id}/downloads.",
        metadata={"task_id": task_id, "size_bytes": str(size_bytes), "limit": str(limit)},
    )


def report_unreadable(task_id: str, why: str) -> ServiceError:
    return ServiceError(
        C.INTERNAL,
        "REPORT_UNREADABLE",
        "The stored report of this task could not be read; it may be damaged. "
        "Its files can still be downloaded.",
        metadata={"task_id": task_id, "why": why[:200]},
    )


def file_violations(reason: str, violations: Sequence[FieldViolation]) -> ServiceError:
    return ServiceError(
        C.INVALID_ARGUMENT,
        reason,
        "Invalid upload request: " + "; ".join(f"{v.field}: {v.description}" for v in violations),
        field_violations=tuple(violations),
    )


def files_not_found(task_id: str, missing: Sequence[str]) -> ServiceError:
    return ServiceError(
        C.FAILED_PRECONDITION,
        "FILES_NOT_FOUND",
        f"Required files not found in storage: {', '.join(missing)}. The task is now "
        "UPLOAD_FAILED; request upload URLs again and upload the files before processing.",
        metadata={
            "task_id": task_id,
            "missing_files": ",".join(missing),
            "task_status": TaskStatus.UPLOAD_FAILED.value,
        },
        precondition_violations=tuple(
            PreconditionViolation("FILE_MISSING", slot, f"'{slot}' was not uploaded")
            for slot in missing
        ),
    )


def storage_unavailable() -> ServiceError:
    return ServiceError(
        C.UNAVAILABLE,
        "STORAGE_UNAVAILABLE",
        "File storage is unavailable; nothing was changed. Please retry.",
    )


def input_changed(what: str) -> ServiceError:
    return ServiceError(
        C.FAILED_PRECONDITION,
        "INPUT_CHANGED",
        f"{what} was replaced after processing was requested; create a new task to analyse "
        "the new file.",
    )


def not_cancellable(task_id: str, status: TaskStatus) -> ServiceError:
    return ServiceError(
        C.FAILED_PRECONDITION,
        "TASK_NOT_CANCELLABLE",
        f"Cannot cancel task in status: {status.value}. Only unfinished tasks can be cancelled.",
        metadata={"task_id": task_id, "status": status.value},
    )


def outputs_expired(task_id: str, detail: str) -> ServiceError:
    return ServiceError(
        C.FAILED_PRECONDITION,
        "OUTPUTS_EXPIRED",
        f"No outputs for task {task_id}: {detail}",
        metadata={"task_id": task_id},
    )


def upload_problem(reason: str, message: str, **metadata: str) -> ServiceError:
    """A multipart upload that cannot be completed (UPLOAD_INCOMPLETE) or
    does not exist (MULTIPART_UPLOAD_NOT_FOUND)."""
    code = C.NOT_FOUND if reason == "MULTIPART_UPLOAD_NOT_FOUND" else C.FAILED_PRECONDITION
    return ServiceError(code, reason, message, metadata=metadata)
