"""Listing pages: ``limit``/``offset`` (the contract) and opaque cursor
tokens (ours, stable while tasks are added)."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from dqcommon.errors import FieldViolation, ServiceError
from task_service.domain import errors
from task_service.domain.model import Task, TaskStatus
from task_service.domain.ports import Cursor, TaskRepository

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass(frozen=True)
class TaskPage:
    """One page of a listing."""

    tasks: list[Task]
    total: int
    limit: int
    offset: int
    next_page_token: str

    @property
    def has_more(self) -> bool:
        return self.offset + self.limit < self.total


def check_limit(limit: int | None, offset: int) -> tuple[int, int]:
    """The effective limit and offset, or VALIDATION_ERROR (HTTP 422)."""
    problems = []
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        problems.append(FieldViolation("limit", f"must be between 1 and {MAX_LIMIT} (got {limit})"))
    if offset < 0:
        problems.append(FieldViolation("offset", f"must be 0 or more (got {offset})"))
    if problems:
        raise errors.validation_error(
            "Invalid query: " + "; ".join(f"{p.field} {p.description}" for p in problems),
            *problems,
        )
    return (DEFAULT_LIMIT if limit is None else limit), offset


def filters_fingerprint(status: str | None, tool_id: str | None) -> str:
    raw = f"{status or ''}|{tool_id or ''}"
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


def encode_token(cursor: Cursor, fingerprint: str, offset: int) -> str:
    payload = json.dumps(
        {"c": cursor.created_at.isoformat(), "i": cursor.task_id, "f": fingerprint, "o": offset},
        separators=(",", ":"),
    )
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_token(token: str, fingerprint: str) -> tuple[Cursor, int]:
    """The cursor and the offset of the page the token starts."""
    bad = errors.invalid_request(
        "page_token is invalid or was issued for other filters; start again without it.",
        FieldViolation("page_token", "invalid"),
    )
    if len(token) > 1024:
        raise bad
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if data.get("f") != fingerprint:
            raise bad
        return Cursor(datetime.fromisoformat(data["c"]), str(data["i"])), int(data.get("o", 0))
    except ServiceError:
        raise
    except Exception:  # noqa: BLE001 - any malformed token is the same client error
        raise bad from None


def list_page(
    repo: TaskRepository,
    user_id: str,
    *,
    status: str | None,
    tool_id: str | None,
    limit: int | None,
    offset: int = 0,
    page_token: str = "",
) -> TaskPage:
    """The caller's tasks, newest first: ``limit``/``offset`` pages, or
    opaque ``page_token`` cursors (stable while tasks are added)."""
    size, skip = check_limit(limit, offset)
    wanted: TaskStatus | None = None
    if status:
        if status not in TaskStatus.__members__:
            # As the contract says: an unknown status matches nothing.
            return TaskPage([], 0, size, skip, "")
        wanted = TaskStatus(status)
    fingerprint = filters_fingerprint(status, tool_id)
    after: Cursor | None = None
    if page_token:
        after, skip = decode_token(page_token, fingerprint)
    tasks, total = repo.list_for_user(
        user_id,
        status=wanted,
        tool_id=tool_id or None,
        limit=size + 1,
        after=after,
        offset=0 if after is not None else skip,
    )
    next_token = ""
    if len(tasks) > size:
        tasks = tasks[:size]
        last = tasks[-1]
        next_token = encode_token(Cursor(last.created_at, last.task_id), fingerprint, skip + size)
    return TaskPage(tasks, total, size, skip, next_token)
