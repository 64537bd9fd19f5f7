"""Checks of request shapes: what a create or upload request may hold.

Every check is linear in the size of the request and bounded: a list or map
longer than its limit is refused before anything else looks at it, so a
megabyte of repeated agent ids costs microseconds, not minutes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from dqcommon.errors import FieldViolation
from dqcommon.tools import PARAMETERS_FILE, PARAMETERS_SLOT, FileSlotDef, ToolDef
from task_service.domain import errors

#: Limits of one request (README "Request limits").
MAX_AGENTS = 32
MAX_FILES = 8
MAX_ID_LENGTH = 64
MAX_FILENAME_LENGTH = 255
MAX_CONTENT_TYPE_LENGTH = 255

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_DEFAULT_CONTENT_TYPE = {
    "csv": "text/csv",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class UploadRequest:
    """One file the user declares; ``size_bytes`` is None when not given."""

    filename: str
    content_type: str
    size_bytes: int | None = None
    multipart: bool = False
    part_size_bytes: int = 0


@dataclass(frozen=True)
class DeclaredFile:
    """A declared file that passed the checks."""

    slot: str
    request: UploadRequest
    format: str
    content_type: str


def is_task_id(task_id: str) -> bool:
    return bool(_UUID.fullmatch(task_id or ""))


def check_tool_id(tool_id: str) -> str:
    if not tool_id.strip():
        raise errors.validation_error(
            "tool_id is required.", FieldViolation("tool_id", "field required")
        )
    return tool_id.strip()


def check_agents(tool: ToolDef, agents: Sequence[str]) -> list[str]:
    """The agents a new task runs: all available ones when none are named;
    an agent listed twice runs once (the first mention is kept; the
    analysis runs them in the tool's declared order)."""
    if len(agents) > MAX_AGENTS:
        raise errors.limit_exceeded(
            "agents",
            f"agents lists {len(agents)} entries; a task runs at most {MAX_AGENTS} agents "
            f"({tool.tool_id} has {len(tool.agents)}).",
        )
    if not agents:
        return list(tool.available_agents())
    known = {a.agent_id for a in tool.agents}
    unknown = list(dict.fromkeys(a for a in agents if a not in known))
    if unknown:
        raise errors.invalid_agents(tool.tool_id, unknown, tool.available_agents())
    agents = list(dict.fromkeys(agents))
    unavailable = [a for a in agents if not _agent_available(tool, a)]
    if unavailable:
        raise errors.agents_not_available(tool.tool_id, unavailable, tool.available_agents())
    return list(agents)


def _agent_available(tool: ToolDef, agent_id: str) -> bool:
    agent = tool.agent(agent_id)
    return agent is not None and agent.available


def check_files(
    tool: ToolDef,
    files: Mapping[str, UploadRequest],
    *,
    has_parameters: bool,
    limit: Callable[[str, str, int], int] = lambda _tool, _slot, default: default,
) -> dict[str, DeclaredFile]:
    """The declared files, or one error listing every problem."""
    if len(files) > MAX_FILES:
        raise errors.limit_exceeded(
            "files", f"files declares {len(files)} slots; at most {MAX_FILES} are accepted."
        )
    if not files and not has_parameters:
        raise errors.validation_error(
            'files must declare at least one file, e.g. {"primary": {"filename": "data.csv"}}.',
            FieldViolation("files", "field required"),
        )
    violations: list[tuple[str, FieldViolation]] = []
    accepted: dict[str, DeclaredFile] = {}
    declared = dict(files)
    if has_parameters and PARAMETERS_SLOT not in declared:
        declared[PARAMETERS_SLOT] = UploadRequest("parameters.json", "application/json")
    for slot, request in sorted(declared.items()):
        spec = PARAMETERS_FILE if slot == PARAMETERS_SLOT else tool.slot(slot)
        problem = _check_file(tool, slot, spec, request, limit)
        if isinstance(problem, tuple):
            violations.append(problem)
        else:
            accepted[slot] = problem
    if violations:
        raise errors.file_violations(violations[0][0], [v for _, v in violations])
    return accepted


def _check_file(
    tool: ToolDef,
    slot: str,
    spec: FileSlotDef | None,
    request: UploadRequest,
    limit: Callable[[str, str, int], int],
) -> DeclaredFile | tuple[str, FieldViolation]:
    path = f"files.{slot[:MAX_ID_LENGTH]}"
    if spec is None:
        slots = ", ".join(s.slot for s in tool.files)
        return (
            "INVALID_FILE_SLOT",
            FieldViolation(
                path,
                f"'{slot[:MAX_ID_LENGTH]}' is not a file slot of {tool.tool_id} (slots: {slots})",
            ),
        )
    if not request.filename:
        return ("VALIDATION_ERROR", FieldViolation(f"{path}.filename", "field required"))
    if len(request.filename) > MAX_FILENAME_LENGTH:
        return (
            "REQUEST_LIMIT_EXCEEDED",
            FieldViolation(f"{path}.filename", f"at most {MAX_FILENAME_LENGTH} characters"),
        )
    fmt = PurePosixPath(request.filename.replace("\\", "/")).suffix.lower().lstrip(".")
    if fmt not in spec.formats:
        return (
            "INVALID_FILE_TYPE",
            FieldViolation(
                f"{path}.filename",
                f"'{request.filename[:100]}' must have extension "
                f"{' or '.join('.' + f for f in spec.formats)}",
            ),
        )
    content_type = request.content_type.strip()[: MAX_CONTENT_TYPE_LENGTH + 1]
    if not content_type:
        content_type = _DEFAULT_CONTENT_TYPE.get(fmt, "application/octet-stream")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if len(content_type) > MAX_CONTENT_TYPE_LENGTH or media_type not in spec.content_types:
        return (
            "INVALID_FILE_TYPE",
            FieldViolation(
                f"{path}.content_type",
                f"'{content_type[:100]}' is not accepted (accepted: "
                f"{', '.join(spec.content_types)})",
            ),
        )
    size = request.size_bytes
    max_bytes = (
        spec.max_size_bytes
        if slot == PARAMETERS_SLOT
        else limit(tool.tool_id, slot, spec.max_size_bytes)
    )
    if size is not None and size < 1:
        return (
            "INVALID_FILE_SIZE",
            FieldViolation(f"{path}.size_bytes", f"must be at least 1 byte (got {size})"),
        )
    if size is not None and size > max_bytes:
        return (
            "FILE_TOO_LARGE",
            FieldViolation(
                f"{path}.size_bytes",
                f"the file has {size} bytes; this slot accepts at most {max_bytes} bytes "
                f"({max_bytes // (1024 * 1024)} MiB)",
            ),
        )
    if request.multipart and size is None:
        return (
            "VALIDATION_ERROR",
            FieldViolation(f"{path}.size_bytes", "is required for a multipart upload"),
        )
    return DeclaredFile(slot, request, fmt, content_type)
