"""TaskService use cases: creation, uploads, processing, reading, listing."""

from __future__ import annotations

import json

import grpc
import pytest

from dqcommon.errors import ServiceError
from task_service.domain.model import TaskStatus
from task_service.domain.ports import TaskObject
from task_service.domain.service import UploadRequest, check_user_id

pytestmark = pytest.mark.unit
USER = "alice"
CSV = UploadRequest("My Data (final).CSV", "text/csv", 1234)


def error_of(call, *args, **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as info:
        call(*args, **kwargs)
    return info.value


def new_task(use_cases, **kwargs):
    args = {"tool_id": "profile-my-data", "agents": ["unified-profiler"], "parameters": {}}
    args.update(kwargs)
    return use_cases.create_task(USER, args["tool_id"], args["agents"], args["parameters"])


def upload(storage, task, slot="primary", name="primary.csv", data=b"a,b\n1,2\n"):
    storage.put(TaskObject(task.user_id, task.task_id, "inputs", name), data)


# --- identity ----------------------------------------------------------------


@pytest.mark.parametrize("bad", [None, "", "a/b", "..", "x" * 65, "bob smith"])
def test_missing_or_invalid_identity_is_unauthenticated(bad):
    error = error_of(check_user_id, bad)
    assert error.code is grpc.StatusCode.UNAUTHENTICATED
    assert error.reason == "AUTHENTICATION_REQUIRED"


# --- creation ----------------------------------------------------------------


def test_create_task(use_cases, repo, storage):
    task = new_task(use_cases)
    assert task.status is TaskStatus.CREATED
    assert task.agents == ("unified-profiler",)
    assert task.progress.percent == 0 and task.progress.agents_total == 1
    stored = repo.get(task.task_id)
    assert stored == task
    assert [e.to_status for e in repo.history(task.task_id)] == [TaskStatus.CREATED]
    assert storage.objects == {}  # no parameters given, nothing stored


def test_empty_agent_list_means_every_available_agent(use_cases):
    task = use_cases.create_task(USER, "profile-my-data", [], {})
    assert task.agents == ("unified-profiler",)


def test_parameters_are_stored_as_parameters_json_not_in_the_row(use_cases, storage):
    task = new_task(use_cases, parameters={"unified-profiler": {"top_n_values": 3}})
    key = f"users/{USER}/tasks/{task.task_id}/inputs/parameters.json"
    data, content_type = storage.objects[key]
    assert json.loads(data) == {"unified-profiler": {"top_n_values": 3}}
    assert content_type == "application/json"


@pytest.mark.parametrize(
    ("kwargs", "reason", "code"),
    [
        ({"tool_id": "make-coffee"}, "INVALID_TOOL_ID", grpc.StatusCode.INVALID_ARGUMENT),
        (
            {"agents": ["unified-profiler", "nope"]},
            "INVALID_AGENT_ID",
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (
            {"agents": ["unified-profiler", "unified-profiler"]},
            "INVALID_AGENT_ID",
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        ({"agents": ["drift-detector"]}, "AGENT_NOT_AVAILABLE", grpc.StatusCode.INVALID_ARGUMENT),
        (
            {"tool_id": "clean-my-data", "agents": ["unified-profiler"]},
            "INVALID_AGENT_ID",
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (
            {"parameters": {"unified-profiler": {"top_n_values": -1, "x": 1}}},
            "INVALID_PARAMETERS",
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
    ],
)
def test_creation_errors_leave_nothing_behind(use_cases, repo, storage, kwargs, reason, code):
    error = error_of(new_task, use_cases, **kwargs)
    assert (error.reason, error.code) == (reason, code)
    assert repo.list_for_user(USER, status=None, tool_id=None, limit=10, after=None) == ([], 0)
    assert storage.objects == {}


def test_parameter_errors_list_every_violation(use_cases):
    error = error_of(
        new_task, use_cases, parameters={"unified-profiler": {"top_n_values": -1, "x": 1}}
    )
    fields = {v.field for v in error.field_violations}
    assert fields == {"parameters.unified-profiler.top_n_values", "parameters.unified-profiler.x"}


def test_clean_tool_with_no_available_agent_is_refused(use_cases):
    error = error_of(use_cases.create_task, USER, "clean-my-data", ["null-handler"], {})
    assert error.reason == "AGENT_NOT_AVAILABLE"


def test_storage_down_at_creation_creates_no_task(use_cases, repo, storage):
    storage.available = False
    error = error_of(new_task, use_cases, parameters={"unified-profiler": {"top_n_values": 3}})
    assert error.reason == "STORAGE_UNAVAILABLE"
    assert error.code is grpc.StatusCode.UNAVAILABLE
    assert repo.list_for_user(USER, status=None, tool_id=None, limit=10, after=None)[1] == 0


def test_database_failure_at_creation_removes_the_parameters(use_cases, repo, storage, monkeypatch):
    def broken(*_a, **_k):
        raise RuntimeError("database is down")

    monkeypatch.setattr(repo, "add", broken)
    with pytest.raises(RuntimeError):
        new_task(use_cases, parameters={"unified-profiler": {"top_n_values": 3}})
    assert storage.objects == {}


# --- upload URLs ---------------------------------------------------------------


def test_upload_urls_sign_type_and_size_and_use_slot_names(use_cases, storage, repo):
    task = new_task(use_cases)
    updated, grants = use_cases.generate_upload_urls(USER, task.task_id, {"primary": CSV})
    assert updated.status is TaskStatus.UPLOADING
    assert updated.upload_started_at is not None
    assert [g.slot for g in grants] == ["primary"]
    key = f"users/{USER}/tasks/{task.task_id}/inputs/primary.csv"
    assert grants[0].signed.key == key
    assert storage.signed == [(key, "text/csv", 1234)]
    assert updated.files["primary"].filename == "My Data (final).CSV"
    assert updated.files["primary"].object_name == "primary.csv"


def test_upload_urls_can_be_requested_again_while_uploading(use_cases):
    task = new_task(use_cases)
    use_cases.generate_upload_urls(USER, task.task_id, {"primary": CSV})
    again, _ = use_cases.generate_upload_urls(
        USER, task.task_id, {"parameters": UploadRequest("p.json", "application/json", 10)}
    )
    assert again.status is TaskStatus.UPLOADING
    assert set(again.files) == {"primary", "parameters"}
    assert again.files["parameters"].object_name == "parameters.json"


@pytest.mark.parametrize(
    ("files", "reason", "field"),
    [
        ({"secondary": CSV}, "INVALID_FILE_SLOT", "files.secondary"),
        (
            {"primary": UploadRequest("data.parquet", "text/csv", 10)},
            "INVALID_FILE_TYPE",
            "files.primary.filename",
        ),
        (
            {"primary": UploadRequest("../../etc/passwd", "text/csv", 10)},
            "INVALID_FILE_TYPE",
            "files.primary.filename",
        ),
        (
            {"primary": UploadRequest("d.csv", "image/png", 10)},
            "INVALID_FILE_TYPE",
            "files.primary.content_type",
        ),
        (
            {"primary": UploadRequest("d.csv", "text/csv", 0)},
            "INVALID_FILE_SIZE",
            "files.primary.size_bytes",
        ),
        (
            {"primary": UploadRequest("d.csv", "text/csv", 501 * 1024 * 1024)},
            "INVALID_FILE_SIZE",
            "files.primary.size_bytes",
        ),
        (
            {"parameters": UploadRequest("p.json", "application/json", 2 * 1024 * 1024)},
            "INVALID_FILE_SIZE",
            "files.parameters.size_bytes",
        ),
    ],
)
def test_upload_declarations_are_validated(use_cases, repo, files, reason, field):
    task = new_task(use_cases)
    error = error_of(use_cases.generate_upload_urls, USER, task.task_id, files)
    assert error.reason == reason
    assert error.code is grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in error.field_violations] == [field]
    assert repo.get(task.task_id).status is TaskStatus.CREATED


def test_default_content_type_and_charset_parameters(use_cases, storage):
    task = new_task(use_cases)
    use_cases.generate_upload_urls(
        USER,
        task.task_id,
        {
            "primary": UploadRequest("d.csv", "", 5),
            "baseline": UploadRequest("b.csv", "text/csv; charset=utf-8", 5),
        },
    )
    assert {(ct, size) for _, ct, size in storage.signed} == {
        ("text/csv", 5),
        ("text/csv; charset=utf-8", 5),
    }


def test_empty_upload_declaration(use_cases):
    task = new_task(use_cases)
    assert error_of(use_cases.generate_upload_urls, USER, task.task_id, {}).reason == (
        "INVALID_REQUEST"
    )


# --- ownership -------------------------------------------------------------------


def test_another_users_task_is_forbidden_and_unknown_is_not_found(use_cases):
    task = new_task(use_cases)
    error = error_of(use_cases.get_task, "mallory", task.task_id)
    assert (error.code, error.reason) == (grpc.StatusCode.PERMISSION_DENIED, "TASK_UNAUTHORIZED")
    error = error_of(use_cases.get_task, USER, "00000000-0000-4000-8000-000000000000")
    assert (error.code, error.reason) == (grpc.StatusCode.NOT_FOUND, "TASK_NOT_FOUND")
    error = error_of(use_cases.get_task, USER, "../etc")
    assert error.reason == "INVALID_REQUEST"
    for action in (use_cases.process_task,):
        assert error_of(action, "mallory", task.task_id, None).reason == "TASK_UNAUTHORIZED"
    assert (
        error_of(use_cases.generate_upload_urls, "mallory", task.task_id, {"primary": CSV}).reason
        == "TASK_UNAUTHORIZED"
    )
    assert error_of(use_cases.downloads, "mallory", task.task_id).reason == "TASK_UNAUTHORIZED"


# --- processing --------------------------------------------------------------------


def test_process_queues_a_task_whose_files_exist(use_cases, storage, wakes, repo):
    task = new_task(use_cases)
    use_cases.generate_upload_urls(USER, task.task_id, {"primary": CSV})
    upload(storage, task)
    queued = use_cases.process_task(USER, task.task_id, "req-1")
    assert queued.status is TaskStatus.QUEUED
    assert queued.files["primary"].etag  # pinned to the verified version
    assert queued.request_id == "req-1"
    assert queued.progress.stage == "queued"
    assert wakes == [1]
    assert [e.to_status for e in repo.history(task.task_id)] == [
        TaskStatus.CREATED,
        TaskStatus.UPLOADING,
        TaskStatus.QUEUED,
    ]


def test_missing_file_fails_the_upload_and_asking_for_urls_again_recovers(use_cases, storage):
    task = new_task(use_cases)
    use_cases.generate_upload_urls(USER, task.task_id, {"primary": CSV})
    error = error_of(use_cases.process_task, USER, task.task_id, None)
    assert (error.code, error.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "FILES_NOT_FOUND")
    assert error.metadata["missing_files"] == "primary"
    failed = use_cases.get_task(USER, task.task_id)
    assert failed.status is TaskStatus.UPLOAD_FAILED
    assert failed.error_code == "FILES_NOT_FOUND"

    recovered, _ = use_cases.generate_upload_urls(USER, task.task_id, {"primary": CSV})
    assert recovered.status is TaskStatus.UPLOADING and recovered.error_code is None
    upload(storage, task)
    assert use_cases.process_task(USER, task.task_id, None).status is TaskStatus.QUEUED


def test_process_straight_from_upload_failed(use_cases, storage):
    task = new_task(use_cases)
    use_cases.generate_upload_urls(USER, task.task_id, {"primary": CSV})
    error_of(use_cases.process_task, USER, task.task_id, None)
    upload(storage, task)
    assert use_cases.process_task(USER, task.task_id, None).status is TaskStatus.QUEUED


def test_a_required_slot_never_declared_is_missing(use_cases):
    task = new_task(use_cases)
    use_cases.generate_upload_urls(
        USER, task.task_id, {"parameters": UploadRequest("p.json", "application/json", 2)}
    )
    error = error_of(use_cases.process_task, USER, task.task_id, None)
    assert error.metadata["missing_files"] == "primary"


def test_process_twice_is_already_processing(use_cases, storage):
    task = new_task(use_cases)
    use_cases.generate_upload_urls(USER, task.task_id, {"primary": CSV})
    upload(storage, task)
    use_cases.process_task(USER, task.task_id, None)
    error = error_of(use_cases.process_task, USER, task.task_id, None)
    assert (error.code, error.reason) == (grpc.StatusCode.ABORTED, "TASK_ALREADY_PROCESSING")


def test_process_before_upload_urls_is_an_invalid_state(use_cases):
    task = new_task(use_cases)
    error = error_of(use_cases.process_task, USER, task.task_id, None)
    assert (error.code, error.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "INVALID_TASK_STATE")
    assert "upload" in error.message.lower()


def test_uploaded_parameters_are_validated_at_process_time(use_cases, storage):
    task = new_task(use_cases)
    use_cases.generate_upload_urls(
        USER,
        task.task_id,
        {"primary": CSV, "parameters": UploadRequest("p.json", "application/json", 40)},
    )
    upload(storage, task)
    params = TaskObject(USER, task.task_id, "inputs", "parameters.json")
    storage.put(params, b'{"unified-profiler": {"top_n_values": "ten"}}', "application/json")
    error = error_of(use_cases.process_task, USER, task.task_id, None)
    assert error.reason == "INVALID_PARAMETERS"
    assert [v.field for v in error.field_violations] == [
        "parameters.json.unified-profiler.top_n_values"
    ]
    assert use_cases.get_task(USER, task.task_id).status is TaskStatus.UPLOAD_FAILED

    storage.put(params, b"{not json", "application/json")
    assert error_of(use_cases.process_task, USER, task.task_id, None).reason == (
        "INVALID_PARAMETERS"
    )

    storage.put(params, b'{"unified-profiler": {"top_n_values": 4}}', "application/json")
    queued = use_cases.process_task(USER, task.task_id, None)
    assert queued.status is TaskStatus.QUEUED
    assert use_cases.load_parameters(queued)["unified-profiler"]["top_n_values"] == 4


def test_parameters_replaced_after_processing_are_detected(use_cases, storage):
    task = new_task(use_cases, parameters={"unified-profiler": {"top_n_values": 3}})
    use_cases.generate_upload_urls(USER, task.task_id, {"primary": CSV})
    upload(storage, task)
    queued = use_cases.process_task(USER, task.task_id, None)
    assert use_cases.load_parameters(queued)["unified-profiler"]["top_n_values"] == 3
    storage.put(
        TaskObject(USER, task.task_id, "inputs", "parameters.json"),
        b'{"unified-profiler": {"top_n_values": 9}}',
        "application/json",
    )
    assert error_of(use_cases.load_parameters, queued).reason == "INPUT_CHANGED"


# --- downloads ------------------------------------------------------------------


def test_downloads_need_a_completed_task(use_cases):
    task = new_task(use_cases)
    error = error_of(use_cases.downloads, USER, task.task_id)
    assert (error.code, error.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "TASK_NOT_COMPLETED")


# --- listing --------------------------------------------------------------------


def test_listing_is_newest_first_paginated_filtered_and_private(use_cases, clock, storage):
    ids = []
    for _ in range(5):
        ids.append(new_task(use_cases).task_id)
        clock.advance(1)
    use_cases.create_task("bob", "profile-my-data", [], {})
    use_cases.generate_upload_urls(USER, ids[0], {"primary": CSV})

    first = use_cases.list_tasks(USER, status=None, tool_id=None, page_size=2, page_token="")
    assert [t.task_id for t in first.tasks] == ids[::-1][:2]
    assert first.total_size == 5 and first.next_page_token
    second = use_cases.list_tasks(
        USER, status=None, tool_id=None, page_size=2, page_token=first.next_page_token
    )
    assert [t.task_id for t in second.tasks] == ids[::-1][2:4]
    third = use_cases.list_tasks(
        USER, status=None, tool_id=None, page_size=2, page_token=second.next_page_token
    )
    assert [t.task_id for t in third.tasks] == [ids[0]] and third.next_page_token == ""

    uploading = use_cases.list_tasks(
        USER, status=TaskStatus.UPLOADING, tool_id=None, page_size=0, page_token=""
    )
    assert [t.task_id for t in uploading.tasks] == [ids[0]] and uploading.total_size == 1
    assert (
        use_cases.list_tasks(
            USER, status=None, tool_id="clean-my-data", page_size=0, page_token=""
        ).total_size
        == 0
    )
    assert (
        use_cases.list_tasks(
            "bob", status=None, tool_id=None, page_size=0, page_token=""
        ).total_size
        == 1
    )


@pytest.mark.parametrize("token", ["garbage", "eyJ4IjoxfQ"])
def test_bad_page_tokens(use_cases, token):
    error = error_of(
        use_cases.list_tasks, USER, status=None, tool_id=None, page_size=5, page_token=token
    )
    assert error.reason == "INVALID_REQUEST"


def test_page_token_of_other_filters_is_refused(use_cases, clock):
    for _ in range(3):
        new_task(use_cases)
        clock.advance(1)
    page = use_cases.list_tasks(USER, status=None, tool_id=None, page_size=1, page_token="")
    error = error_of(
        use_cases.list_tasks,
        USER,
        status=TaskStatus.CREATED,
        tool_id=None,
        page_size=1,
        page_token=page.next_page_token,
    )
    assert error.reason == "INVALID_REQUEST"


def test_page_size_is_capped_and_negative_refused(use_cases):
    for _ in range(3):
        new_task(use_cases)
    assert (
        len(
            use_cases.list_tasks(
                USER, status=None, tool_id=None, page_size=1000, page_token=""
            ).tasks
        )
        == 3
    )
    assert (
        error_of(
            use_cases.list_tasks, USER, status=None, tool_id=None, page_size=-1, page_token=""
        ).reason
        == "INVALID_REQUEST"
    )


def test_a_stale_process_request_never_requeues_a_running_task(
    use_cases, storage, repo, clock, monkeypatch
):
    task = new_task(use_cases)
    use_cases.generate_upload_urls(USER, task.task_id, {"primary": CSV})
    upload(storage, task)
    stale = use_cases.get_task(USER, task.task_id)  # UPLOADING, as a slow caller saw it
    use_cases.process_task(USER, task.task_id, None)
    claimed = repo.claim_next(owner="w", lease_until=clock.now, now=clock.now)
    assert claimed.status is TaskStatus.PROCESSING
    real_get = repo.get
    calls = []

    def stale_first(task_id):
        calls.append(task_id)
        return stale if len(calls) == 1 else real_get(task_id)

    monkeypatch.setattr(repo, "get", stale_first)
    error = error_of(use_cases.process_task, USER, task.task_id, None)
    assert error.reason == "TASK_ALREADY_PROCESSING"
    assert real_get(task.task_id).status is TaskStatus.PROCESSING


def test_file_options_reach_the_analysis(use_cases, storage):
    files = {"primary": {"sheet": "Sales"}}
    task = new_task(use_cases, parameters={"files": files})
    use_cases.generate_upload_urls(
        USER,
        task.task_id,
        {"primary": UploadRequest("book.xlsx", "application/octet-stream", 10)},
    )
    upload(storage, task, name="primary.xlsx")
    queued = use_cases.process_task(USER, task.task_id, None)
    assert use_cases.load_parameters(queued)["files"] == files
