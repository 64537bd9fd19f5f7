"""An invalid regex in format_tests is refused by CreateTask over gRPC
(INVALID_ARGUMENT, which the gateway answers as 400) with ErrorInfo
INVALID_PARAMETERS and a field violation naming the column."""

from __future__ import annotations

import grpc
import pytest

from tests.integration.task.test_task_service import create, rpc_error

pytestmark = pytest.mark.integration


def test_invalid_regex_is_refused_at_creation(tasks):
    error = rpc_error(
        create,
        tasks,
        {"test-coverage-agent": {"format_tests": {"email": "(unclosed", "code": "[0-9]{4}"}}},
        agents=("test-coverage-agent",),
    )
    assert (error.code, error.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_PARAMETERS")
    (violation,) = error.field_violations
    assert violation.field == "parameters.test-coverage-agent.format_tests.email"
    assert "invalid regular expression" in violation.description


def test_valid_tests_create_a_task(tasks):
    task = create(
        tasks,
        {"test-coverage-agent": {"format_tests": {"code": "[0-9]{4}"}, "unique_columns": ["id"]}},
        agents=("test-coverage-agent", "readiness-rater"),
    )
    assert list(task.agents) == ["test-coverage-agent", "readiness-rater"]
