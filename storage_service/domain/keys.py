"""Object references and the bucket keys built from them.

Every key has the layout ``users/{user_id}/tasks/{task_id}/{area}/{name}``.
Each part is validated against a strict alphabet before it is joined, so a
caller-supplied string can never add a path segment, climb out of a task's
prefix (``..``), or smuggle characters that URL normalisation might rewrite.
Client file names never become keys: callers choose ``name`` from their own
vocabulary (slot names, report names).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

import grpc

from dqcommon.errors import FieldViolation, ServiceError

_USER_ID_RE = re.compile(r"[A-Za-z0-9_.@-]{1,64}")
_TASK_ID_RE = re.compile(
    r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
)
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_KEY_RE = re.compile(r"users/([^/]+)/tasks/([^/]+)/([^/]+)/([^/]+)")


class Area(enum.Enum):
    """Folder of a task that an object lives in."""

    INPUTS = "inputs"
    OUTPUTS = "outputs"


@dataclass(frozen=True)
class ObjectRef:
    """A validated reference to one object of one task. Build it with
    :func:`object_ref`; the constructor itself does not validate."""

    user_id: str
    task_id: str
    area: Area
    name: str

    @property
    def key(self) -> str:
        """The object's key in the bucket."""
        return f"{task_prefix(self.user_id, self.task_id, self.area, validate=False)}{self.name}"


def invalid_ref(field: str, description: str) -> ServiceError:
    """The error for a malformed part of an object reference."""
    return ServiceError(
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_OBJECT_REF",
        f"Invalid object reference: {field} {description}.",
        metadata={"field": field},
        field_violations=(FieldViolation(field, description),),
    )


def validate_user_id(value: str, field: str = "user_id") -> str:
    """Returns ``value`` if it is a valid user id, else raises INVALID_OBJECT_REF."""
    if not value:
        raise invalid_ref(field, "is required")
    if not _USER_ID_RE.fullmatch(value) or value in {".", ".."}:
        raise invalid_ref(
            field, "must be 1 to 64 characters of letters, digits, '_', '.', '@' or '-'"
        )
    return value


def validate_task_id(value: str, field: str = "task_id") -> str:
    """Returns the canonical (lowercase, hyphenated) form of a task UUID."""
    if not value:
        raise invalid_ref(field, "is required")
    if not _TASK_ID_RE.fullmatch(value):
        raise invalid_ref(field, "must be a UUID such as 123e4567-e89b-12d3-a456-426614174000")
    return value.lower()


def validate_name(value: str, field: str = "name") -> str:
    """Returns ``value`` if it is a valid object name, else raises INVALID_OBJECT_REF."""
    if not value:
        raise invalid_ref(field, "is required")
    if not _NAME_RE.fullmatch(value) or ".." in value:
        raise invalid_ref(
            field,
            "must be 1 to 128 characters of letters, digits, '.', '_' or '-', starting with a "
            "letter or digit, without '..'",
        )
    return value


def object_ref(
    user_id: str, task_id: str, area: Area | None, name: str, *, field_prefix: str = ""
) -> ObjectRef:
    """Validates every part and returns the reference. ``field_prefix`` (e.g.
    ``"object."``) makes the reported field name match the request."""
    if area is None:
        raise invalid_ref(f"{field_prefix}area", "is required")
    return ObjectRef(
        user_id=validate_user_id(user_id, f"{field_prefix}user_id"),
        task_id=validate_task_id(task_id, f"{field_prefix}task_id"),
        area=area,
        name=validate_name(name, f"{field_prefix}name"),
    )


def task_prefix(
    user_id: str, task_id: str, area: Area | None = None, *, validate: bool = True
) -> str:
    """The prefix of every object of a task (ending in ``/``), or of one area
    of it. Used to list and delete."""
    if validate:
        user_id = validate_user_id(user_id)
        task_id = validate_task_id(task_id)
    prefix = f"users/{user_id}/tasks/{task_id}/"
    return f"{prefix}{area.value}/" if area is not None else prefix


def parse_key(key: str) -> ObjectRef:
    """The reference a key was built from. Raises ``ValueError`` for a key
    that does not follow the layout (written by something else)."""
    match = _KEY_RE.fullmatch(key)
    if match is None:
        raise ValueError("key does not follow the users/.../tasks/.../area/name layout")
    user_id, task_id, area_text, name = match.groups()
    try:
        area = Area(area_text)
        ref = object_ref(user_id, task_id, area, name)
    except (ValueError, ServiceError) as exc:
        raise ValueError(f"key has an invalid part: {exc}") from None
    if ref.key != key:  # e.g. an uppercase task id: not one of ours
        raise ValueError("key is not in canonical form")
    return ref
