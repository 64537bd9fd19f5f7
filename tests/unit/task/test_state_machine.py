"""The task state machine: every allowed and every refused transition."""

from __future__ import annotations

import itertools

import pytest

from task_service.domain.model import (
    TERMINAL,
    TRANSITIONS,
    TaskStatus,
    can_transition,
    sources_of,
    task_progress,
)

pytestmark = pytest.mark.unit
S = TaskStatus

ALLOWED = {
    (S.CREATED, S.UPLOADING),
    (S.CREATED, S.CANCELLED),
    (S.CREATED, S.EXPIRED),
    (S.UPLOADING, S.UPLOADING),
    (S.UPLOADING, S.UPLOAD_FAILED),
    (S.UPLOADING, S.QUEUED),
    (S.UPLOADING, S.CANCELLED),
    (S.UPLOADING, S.EXPIRED),
    (S.UPLOAD_FAILED, S.UPLOADING),
    (S.UPLOAD_FAILED, S.UPLOAD_FAILED),
    (S.UPLOAD_FAILED, S.QUEUED),
    (S.UPLOAD_FAILED, S.CANCELLED),
    (S.UPLOAD_FAILED, S.EXPIRED),
    (S.QUEUED, S.PROCESSING),
    (S.QUEUED, S.FAILED),
    (S.QUEUED, S.CANCELLED),
    (S.PROCESSING, S.COMPLETED),
    (S.PROCESSING, S.FAILED),
    (S.PROCESSING, S.CANCELLED),
    (S.PROCESSING, S.QUEUED),
}


@pytest.mark.parametrize(("source", "target"), list(itertools.product(S, S)))
def test_transition_table(source, target):
    assert can_transition(source, target) == ((source, target) in ALLOWED)


def test_terminal_statuses_have_no_way_out():
    assert (
        {s for s in S if s.terminal} == TERMINAL == {S.COMPLETED, S.FAILED, S.CANCELLED, S.EXPIRED}
    )
    for status in TERMINAL:
        assert TRANSITIONS[status] == frozenset()


def test_sources_of():
    assert sources_of(S.QUEUED) == {S.UPLOADING, S.UPLOAD_FAILED, S.PROCESSING}
    assert sources_of(S.QUEUED, frozenset({S.UPLOADING, S.UPLOAD_FAILED})) == {
        S.UPLOADING,
        S.UPLOAD_FAILED,
    }
    assert sources_of(S.UPLOADING) == {S.CREATED, S.UPLOADING, S.UPLOAD_FAILED}


def test_status_names_match_the_api_strings():
    assert [s.value for s in S] == [
        "CREATED",
        "UPLOADING",
        "UPLOAD_FAILED",
        "QUEUED",
        "PROCESSING",
        "COMPLETED",
        "FAILED",
        "CANCELLED",
        "EXPIRED",
    ]


def test_processing_progress_is_the_frontends_15_to_95_window():
    assert task_progress(0) == 15
    assert task_progress(50) == 55
    assert task_progress(100) == 95
    assert task_progress(150) == 95
    assert task_progress(-5) == 15
    # Agent k of n at the frontend's 15 + 80k/n when the analysis reports
    # its agents evenly.
    assert [task_progress(100 * k // 5) for k in range(5)] == [15, 31, 47, 63, 79]
