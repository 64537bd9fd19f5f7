"""Format and range tests are checked at task creation: an invalid regex
(or one RE2 cannot run in linear time) is a 400 INVALID_PARAMETERS naming
the parameter and the column."""

from __future__ import annotations

import grpc
import pytest

from dqcommon.errors import ServiceError

pytestmark = pytest.mark.unit


def create(use_cases, tests: dict) -> ServiceError:
    with pytest.raises(ServiceError) as info:
        use_cases.create_task(
            "alice", "profile-my-data", ["test-coverage-agent"], {"test-coverage-agent": tests}
        )
    return info.value


@pytest.mark.parametrize(
    ("tests", "field", "words"),
    [
        ({"format_tests": {"email": "([a-"}}, "format_tests.email", "missing ]"),
        ({"format_tests": {"d": {"pattern": "(?=x)a"}}}, "format_tests.d", "invalid regular"),
        ({"format_tests": {"d": {"description": "no pattern"}}}, "format_tests.d", "pattern"),
        ({"range_tests": {"age": {"min": "zero"}}}, "range_tests.age", "numbers"),
        ({"range_tests": {"age": {"min": 5, "max": 1}}}, "range_tests.age", "exceed"),
    ],
)
def test_bad_tests_are_refused_at_creation(use_cases, repo, tests, field, words) -> None:
    error = create(use_cases, tests)
    assert error.reason == "INVALID_PARAMETERS"
    assert error.code is grpc.StatusCode.INVALID_ARGUMENT
    (violation,) = error.field_violations
    assert violation.field == f"parameters.test-coverage-agent.{field}"
    assert words in violation.description


def test_valid_tests_create_the_task(use_cases) -> None:
    tests = {"format_tests": {"email": "[^@]+@[^@]+"}, "range_tests": {"age": {"max": 120}}}
    task = use_cases.create_task(
        "alice", "profile-my-data", ["test-coverage-agent"], {"test-coverage-agent": tests}
    )
    assert task.task_id
