"""The sweeper with a controllable clock: expiry of abandoned tasks and
retention of input and output files."""

from __future__ import annotations

import pytest

from task_service.domain.model import OutputFile, TaskStatus
from task_service.domain.ports import TaskObject
from task_service.domain.service import UploadRequest
from task_service.domain.sweeper import Sweeper, SweepPolicy, SweepReport
from tests.unit.task.test_use_cases import USER, new_task, upload

pytestmark = pytest.mark.unit
MINUTE, DAY = 60, 24 * 3600


@pytest.fixture
def sweeper(repo, storage, clock):
    return Sweeper(repo=repo, storage=storage, clock=clock, policy=SweepPolicy())


def uploading_task(use_cases, storage):
    task = new_task(use_cases)
    use_cases.generate_upload_urls(
        USER, task.task_id, {"primary": UploadRequest("d.csv", "text/csv", 8)}
    )
    upload(storage, task)
    return task


def completed_task(use_cases, storage, repo, clock):
    task = uploading_task(use_cases, storage)
    use_cases.process_task(USER, task.task_id, None)
    claimed = repo.claim_next(owner="w", lease_until=clock.now, now=clock.now)
    output = OutputFile("attempt-1.r.json", "r.json", "report", "json", "application/json", 2)
    storage.put(TaskObject(USER, task.task_id, "outputs", output.object_name), b"{}")
    repo.transition(
        claimed.task_id,
        allowed_from=frozenset({TaskStatus.PROCESSING}),
        to=TaskStatus.COMPLETED,
        reason="done",
        lease_owner="w",
        changes={"outputs": (output,), "lease_owner": None},
    )
    return task


def objects_of(storage, task, area=""):
    prefix = f"users/{USER}/tasks/{task.task_id}/{area}"
    return sorted(k.removeprefix(prefix) for k in storage.objects if k.startswith(prefix))


def test_abandoned_tasks_expire_and_lose_their_uploads(use_cases, storage, repo, clock, sweeper):
    created = new_task(use_cases, parameters={"unified-profiler": {"top_n_values": 3}})
    uploading = uploading_task(use_cases, storage)
    clock.advance(14 * MINUTE)
    assert sweeper.sweep() == SweepReport()
    active = uploading_task(use_cases, storage)  # recent activity: stays
    clock.advance(2 * MINUTE)
    report = sweeper.sweep()
    assert report.expired == 2 and report.files_deleted == 2
    for task in (created, uploading):
        expired = repo.get(task.task_id)
        assert expired.status is TaskStatus.EXPIRED
        assert expired.error_code == "TASK_EXPIRED"
        assert expired.inputs_deleted_at == clock.now and expired.expired_at == clock.now
        assert objects_of(storage, task) == []
    assert repo.get(active.task_id).status is TaskStatus.UPLOADING
    assert objects_of(storage, active) == ["inputs/primary.csv"]
    assert repo.history(created.task_id)[-1].reason.startswith("no activity for 15 minutes")


def test_queued_and_running_tasks_never_expire(use_cases, storage, repo, clock, sweeper):
    task = uploading_task(use_cases, storage)
    use_cases.process_task(USER, task.task_id, None)
    clock.advance(DAY)
    assert sweeper.sweep().expired == 0
    assert repo.get(task.task_id).status is TaskStatus.QUEUED


def test_retention_deletes_inputs_after_7_days_and_outputs_after_30(
    use_cases, storage, repo, clock, sweeper
):
    task = completed_task(use_cases, storage, repo, clock)
    clock.advance(7 * DAY - 1)
    assert sweeper.sweep() == SweepReport()
    clock.advance(2)
    report = sweeper.sweep()
    assert (report.inputs_deleted, report.outputs_deleted) == (1, 0)
    assert objects_of(storage, task) == ["outputs/attempt-1.r.json"]
    assert repo.get(task.task_id).inputs_deleted_at == clock.now
    assert use_cases.downloads(USER, task.task_id)[0]  # outputs still downloadable
    clock.advance(23 * DAY)
    report = sweeper.sweep()
    assert (report.inputs_deleted, report.outputs_deleted) == (0, 1)
    assert objects_of(storage, task) == []
    assert repo.get(task.task_id).outputs_deleted_at == clock.now
    with pytest.raises(Exception) as info:
        use_cases.downloads(USER, task.task_id)
    assert info.value.reason == "OUTPUTS_EXPIRED"
    assert sweeper.sweep() == SweepReport()  # each task is cleaned once


def test_a_task_that_moved_on_is_not_expired(use_cases, storage, repo, clock, sweeper, monkeypatch):
    task = uploading_task(use_cases, storage)
    clock.advance(16 * MINUTE)
    stale = repo.find_abandoned(updated_before=clock.now, limit=10)
    use_cases.process_task(USER, task.task_id, None)  # the user acts meanwhile
    monkeypatch.setattr(repo, "find_abandoned", lambda **_: stale)
    assert sweeper.sweep().expired == 0
    assert repo.get(task.task_id).status is TaskStatus.QUEUED
    assert objects_of(storage, task) == ["inputs/primary.csv"]
