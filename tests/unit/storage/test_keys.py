"""Object references → keys: every part is validated; nothing escapes a task."""

from __future__ import annotations

import grpc
import pytest

from dqcommon.errors import ServiceError
from storage_service.domain.keys import (
    Area,
    ObjectRef,
    object_ref,
    parse_key,
    task_prefix,
)

pytestmark = pytest.mark.unit

TASK = "123e4567-e89b-12d3-a456-426614174000"


def _error_field(exc: pytest.ExceptionInfo[ServiceError]) -> str:
    error = exc.value
    assert error.code is grpc.StatusCode.INVALID_ARGUMENT
    assert error.reason == "INVALID_OBJECT_REF"
    assert len(error.field_violations) == 1
    return error.field_violations[0].field


def test_key_layout() -> None:
    ref = object_ref("user-1", TASK, Area.INPUTS, "primary.csv")
    assert ref.key == f"users/user-1/tasks/{TASK}/inputs/primary.csv"
    out = object_ref("u@example.com", TASK, Area.OUTPUTS, "data_profile_report.xlsx")
    assert out.key == f"users/u@example.com/tasks/{TASK}/outputs/data_profile_report.xlsx"


def test_task_id_is_canonicalised_to_lowercase() -> None:
    ref = object_ref("u", TASK.upper(), Area.INPUTS, "a.csv")
    assert ref.task_id == TASK
    assert TASK in ref.key


@pytest.mark.parametrize(
    "user_id",
    ["", ".", "..", "a/b", "a\\b", "../etc", "a b", "ü", "a%2Fb", "a\n", "x" * 65, "a:b", "🙂"],
)
def test_invalid_user_ids(user_id: str) -> None:
    with pytest.raises(ServiceError) as exc:
        object_ref(user_id, TASK, Area.INPUTS, "a.csv", field_prefix="object.")
    assert _error_field(exc) == "object.user_id"


@pytest.mark.parametrize("user_id", ["u", "x" * 64, "user@example.com", "a_b.c-d", "...", "42"])
def test_valid_user_ids(user_id: str) -> None:
    assert object_ref(user_id, TASK, Area.INPUTS, "a.csv").user_id == user_id


@pytest.mark.parametrize(
    "task_id",
    [
        "",
        "not-a-uuid",
        "123e4567e89b12d3a456426614174000",  # no hyphens
        "{123e4567-e89b-12d3-a456-426614174000}",
        "urn:uuid:123e4567-e89b-12d3-a456-426614174000",
        "123e4567-e89b-12d3-a456-42661417400g",
        f"{TASK}/../x",
        f"{TASK}\n",
        " " + TASK,
    ],
)
def test_invalid_task_ids(task_id: str) -> None:
    with pytest.raises(ServiceError) as exc:
        object_ref("u", task_id, Area.INPUTS, "a.csv")
    assert _error_field(exc) == "task_id"


@pytest.mark.parametrize(
    "name",
    [
        "",
        ".",
        "..",
        "../x.csv",
        "a/b.csv",
        "a\\b.csv",
        ".hidden",
        "-rf",
        "_x",
        "a..b",
        "report..csv",
        "x" * 129,
        "résumé.csv",
        "a b.csv",
        "a\x00.csv",
        "a.csv\n",
        "a%2F.csv",
        "\uff41.csv",  # fullwidth letter a
    ],
)
def test_invalid_names(name: str) -> None:
    with pytest.raises(ServiceError) as exc:
        object_ref("u", TASK, Area.OUTPUTS, name)
    assert _error_field(exc) == "name"


@pytest.mark.parametrize("name", ["a", "primary.csv", "x" * 128, "9.csv", "a-b_c.d.json", "A.CSV"])
def test_valid_names(name: str) -> None:
    assert object_ref("u", TASK, Area.OUTPUTS, name).name == name


def test_area_is_required() -> None:
    with pytest.raises(ServiceError) as exc:
        object_ref("u", TASK, None, "a.csv", field_prefix="spec.object.")
    assert _error_field(exc) == "spec.object.area"


def test_error_message_names_the_field_but_not_internals() -> None:
    with pytest.raises(ServiceError) as exc:
        object_ref("u", TASK, Area.INPUTS, "../../secret")
    assert "name" in exc.value.message
    assert exc.value.metadata == {"field": "name"}


def test_prefixes() -> None:
    assert task_prefix("u", TASK) == f"users/u/tasks/{TASK}/"
    assert task_prefix("u", TASK, Area.INPUTS) == f"users/u/tasks/{TASK}/inputs/"
    assert task_prefix("u", TASK.upper(), Area.OUTPUTS) == f"users/u/tasks/{TASK}/outputs/"
    with pytest.raises(ServiceError):
        task_prefix("", TASK)
    with pytest.raises(ServiceError):
        task_prefix("u", "*")


def test_parse_key_round_trip() -> None:
    ref = object_ref("user.name@x", TASK, Area.OUTPUTS, "report.json")
    assert parse_key(ref.key) == ref
    assert parse_key(ref.key) == ObjectRef("user.name@x", TASK, Area.OUTPUTS, "report.json")


@pytest.mark.parametrize(
    "key",
    [
        "",
        "users/u/tasks/x/inputs/a.csv",
        f"users/u/tasks/{TASK}/other/a.csv",
        f"users/u/tasks/{TASK}/inputs/sub/a.csv",
        f"users/u/tasks/{TASK}/inputs/",
        f"users/../tasks/{TASK}/inputs/a.csv",
        f"users/u/tasks/{TASK.upper()}/inputs/a.csv",
        f"prefix/users/u/tasks/{TASK}/inputs/a.csv",
    ],
)
def test_parse_key_rejects_foreign_keys(key: str) -> None:
    with pytest.raises(ValueError):
        parse_key(key)
