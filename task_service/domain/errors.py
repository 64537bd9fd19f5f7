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


def task_not_found(task_id: str) -> ServiceError:
    return ServiceError(
        C.NOT_FOUND,
        "TASK_NOT_FOUND",
        f"Task {task_id} does not exist.",
        metadata={"task_id": task_id},
    )


def task_unauthorized(task_id: str) -> ServiceError:
    return ServiceError(
        C.PERMISSION_DENIED,
        "TASK_UNAUTHORIZED",
        f"Task {task_id} belongs to another user.",
        metadata={"task_id": task_id},
    )


def invalid_tool(tool_id: str, known: Sequence[str]) -> ServiceError:
    return ServiceError(
        C.INVALID_ARGUMENT,
        "INVALID_TOOL_ID",
        f"Unknown tool '{tool_id}'. Available tools: {', '.join(known)}.",
        metadata={"tool_id": tool_id, "available_tools": ",".join(known)},
        field_violations=(FieldViolation("tool_id", f"'{tool_id}' is not a tool"),),
    )


def invalid_agents(tool_id: str, unknown: Sequence[str], known: Sequence[str]) -> ServiceError:
    return ServiceError(
        C.INVALID_ARGUMENT,
        "INVALID_AGENT_ID",
        f"Unknown agent(s) {', '.join(unknown)} for {tool_id}. Agents: {', '.join(known)}.",
        metadata={"invalid_agents": ",".join(unknown), "available_agents": ",".join(known)},
        field_violations=tuple(
            FieldViolation("agents", f"'{a}' is not an agent of {tool_id}") for a in unknown
        ),
    )


def repeated_agents(repeated: Sequence[str]) -> ServiceError:
    return ServiceError(
        C.INVALID_ARGUMENT,
        "INVALID_AGENT_ID",
        f"Agent(s) listed more than once: {', '.join(repeated)}.",
        metadata={"repeated_agents": ",".join(repeated)},
        field_violations=tuple(FieldViolation("agents", f"'{a}' is repeated") for a in repeated),
    )


def agents_not_available(
    tool_id: str, agents: Sequence[str], available: Sequence[str]
) -> ServiceError:
    return ServiceError(
        C.INVALID_ARGUMENT,
        "AGENT_NOT_AVAILABLE",
        f"Agent(s) {', '.join(agents)} of {tool_id} are not available in this version. "
        f"Available: {', '.join(available) or 'none'}.",
        metadata={"unavailable_agents": ",".join(agents), "available_agents": ",".join(available)},
        field_violations=tuple(
            FieldViolation("agents", f"'{a}' is not available yet") for a in agents
        ),
    )


def invalid_parameters(violations: Iterable[tuple[str, str]], source: str) -> ServiceError:
    items = tuple(FieldViolation(f, d) for f, d in violations)
    summary = "; ".join(f"{v.field}: {v.description}" for v in items[:5])
    more = f" (and {len(items) - 5} more)" if len(items) > 5 else ""
    return ServiceError(
        C.INVALID_ARGUMENT,
        "INVALID_PARAMETERS",
        f"Invalid parameters in {source}: {summary}{more}.",
        metadata={"violations": str(len(items)), "source": source},
        field_violations=items,
    )


def invalid_state(task_id: str, status: TaskStatus, action: str, hint: str = "") -> ServiceError:
    message = f"Cannot {action}: task {task_id} is {status.value}."
    if hint:
        message += f" {hint}"
    return ServiceError(
        C.FAILED_PRECONDITION,
        "INVALID_TASK_STATE",
        message,
        metadata={"task_id": task_id, "status": status.value},
        precondition_violations=(PreconditionViolation("TASK_STATUS", task_id, message),),
    )


def already_processing(task_id: str, status: TaskStatus) -> ServiceError:
    return ServiceError(
        C.ABORTED,
        "TASK_ALREADY_PROCESSING",
        f"Task {task_id} is already {status.value}; processing was requested before.",
        metadata={"task_id": task_id, "status": status.value},
    )


def not_completed(task_id: str, status: TaskStatus) -> ServiceError:
    return ServiceError(
        C.FAILED_PRECONDITION,
        "TASK_NOT_COMPLETED",
        f"Task {task_id} is {status.value}; downloads exist once it is COMPLETED.",
        metadata={"task_id": task_id, "status": status.value},
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
        f"Required file(s) not uploaded: {', '.join(missing)}. The task is now UPLOAD_FAILED; "
        "request upload URLs again and upload the file(s) before processing.",
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
        f"Task {task_id} is already {status.value}; only unfinished tasks can be cancelled.",
        metadata={"task_id": task_id, "status": status.value},
    )


def outputs_expired(task_id: str, detail: str) -> ServiceError:
    return ServiceError(
        C.FAILED_PRECONDITION,
        "OUTPUTS_EXPIRED",
        f"No outputs for task {task_id}: {detail}",
        metadata={"task_id": task_id},
    )
