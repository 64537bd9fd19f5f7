"""TaskService use cases: creation, uploads, processing, reading, listing."""

from __future__ import annotations

import dataclasses
import json

import grpc
import pytest

from dqcommon.errors import ServiceError
from dqcommon.tools import Catalog
from task_service.domain.identity import check_user_id, storage_user_segment
from task_service.domain.model import TaskStatus
from task_service.domain.ports import TaskObject
from task_service.domain.requests import MAX_AGENTS
from task_service.domain.service import TaskPolicy, TaskUseCases, UploadRequest

pytestmark = pytest.mark.unit
USER = "alice"
CSV = UploadRequest("My Data (final).CSV", "text/csv", 1234)


def available_profile_agents() -> tuple[str, ...]:
    """The profile agents the catalog marks available, in the tool's order."""
    from dqcommon.tools import default_catalog

    tool = default_catalog().tool("profile-my-data")
    return tuple(a.agent_id for a in tool.agents if a.available)


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


@pytest.mark.parametrize("bad", [None, "", " alice", "alice ", "a\nb", "a\x00b", "x" * 256])
def test_missing_or_invalid_identity_is_unauthenticated(bad):
    error = error_of(check_user_id, bad)
    assert error.code is grpc.StatusCode.UNAUTHENTICATED
    assert error.reason == "AUTHENTICATION_REQUIRED"


@pytest.mark.parametrize(
    "subject", ["alice@example.com", "auth0|5f7c/8e", "Bob Smith", "ü@例え.jp", "x" * 255]
)
def test_any_verified_subject_is_an_identity_with_a_safe_stable_key_segment(subject):
    assert check_user_id(subject) == subject
    segment = storage_user_segment(subject)
    assert segment == storage_user_segment(subject)
    assert len(segment) == 34 and segment.startswith("u-")
    assert all(c in "0123456789abcdef" for c in segment[2:])
    assert storage_user_segment(subject + "x") != segment


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
    assert task.agents == available_profile_agents()


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


def test_an_agent_the_catalog_lists_but_does_not_run_yet_is_refused(
    use_cases, repo, storage, clock
):
    """Every agent of this version runs; a catalog entry marked unavailable
    (a new agent announced before it ships) is refused at creation."""
    clean = use_cases.catalog.tool("clean-my-data")
    held_back = clean.agent("type-fixer")
    tool = dataclasses.replace(
        clean,
        agents=tuple(
            dataclasses.replace(a, available=False) if a is held_back else a for a in clean.agents
        ),
    )
    use_cases = TaskUseCases(
        repo=repo,
        storage=storage,
        catalog=Catalog(tools=(use_cases.catalog.tool("profile-my-data"), tool)),
        clock=clock,
        policy=TaskPolicy(),
        start_processing=lambda task_id, timeout: None,
    )
    error = error_of(use_cases.create_task, USER, "clean-my-data", ["type-fixer"], {})
    assert (error.reason, error.code) == ("AGENT_NOT_AVAILABLE", grpc.StatusCode.INVALID_ARGUMENT)
    assert repo.list_for_user(USER, status=None, tool_id=None, limit=10, after=None) == ([], 0)
    assert storage.objects == {}
    task = use_cases.create_task(USER, "clean-my-data", [], {})
    assert "type-fixer" not in task.agents and "null-handler" in task.agents


def test_missing_tool_id_is_a_validation_error(use_cases):
    error = error_of(use_cases.create_task, USER, "  ", [], {})
    assert (error.reason, error.code) == ("VALIDATION_ERROR", grpc.StatusCode.INVALID_ARGUMENT)
    assert [v.field for v in error.field_violations] == ["tool_id"]


def test_contract_messages_of_agent_errors(use_cases):
    error = error_of(new_task, use_cases, agents=["x", "unified-profiler", "x"])
    assert error.message == (
        f"Invalid agents for profile-my-data: ['x']. Available: {list(available_profile_agents())}"
    )
    error = error_of(new_task, use_cases, tool_id="nope")
    assert error.message == "Invalid tool_id. Must be one of: ['profile-my-data', 'clean-my-data']"


def test_an_agent_listed_twice_runs_once(use_cases):
    task = new_task(
        use_cases, agents=["score-risk", "unified-profiler", "score-risk", "unified-profiler"]
    )
    assert list(task.agents) == ["score-risk", "unified-profiler"]


def test_a_huge_agent_list_is_refused_at_once(use_cases, repo):
    # 100,000 repeats (2 MB of JSON) used to take minutes in a quadratic
    # duplicate check; the length bound answers before any other check.
    error = error_of(new_task, use_cases, agents=["unified-profiler"] * 100_000)
    assert (error.reason, error.code) == (
        "REQUEST_LIMIT_EXCEEDED",
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert "100000" in error.message and str(MAX_AGENTS) in error.message
    assert repo.list_for_user(USER, status=None, tool_id=None, limit=10, after=None) == ([], 0)


def test_parameters_of_agents_the_task_does_not_run_are_ignored(use_cases, storage):
    task = new_task(
        use_cases,
        parameters={
            "unified-profiler": {"top_n_values": 3, "null_alert_threshold": None},
            "drift-detector": {"statistical_test": "not-a-test"},
            "no-such-agent": {"anything": [1, 2]},
        },
    )
    assert task.status is TaskStatus.CREATED
    data, _ = storage.objects[f"users/{USER}/tasks/{task.task_id}/inputs/parameters.json"]
    assert json.loads(data) == {
        "unified-profiler": {"top_n_values": 3, "null_alert_threshold": None}
    }


def test_parameters_larger_than_a_parameters_json_are_refused(repo, storage, clock):
    import dataclasses

    from dqcommon.tools import Catalog, default_catalog
    from task_service.domain.service import TaskPolicy, TaskUseCases

    profile = default_catalog().tool("profile-my-data")
    agents = tuple(dataclasses.replace(a, available=True) for a in profile.agents)
    catalog = Catalog((dataclasses.replace(profile, agents=agents),))
    use_cases = TaskUseCases(
        repo=repo, storage=storage, catalog=catalog, clock=clock, policy=TaskPolicy()
    )
    big = {"test-coverage-agent": {"format_tests": {f"c{i}": "x" * 200 for i in range(9_000)}}}
    error = error_of(use_cases.create_task, USER, "profile-my-data", ["test-coverage-agent"], big)
    assert error.reason == "REQUEST_LIMIT_EXCEEDED" and "at most 1048576" in error.message
    assert storage.objects == {}
    huge_elsewhere = {"unified-profiler": {"top_n_values": 3}, "drift-detector": {"x": "y" * 10**6}}
    task = use_cases.create_task(USER, "profile-my-data", ["unified-profiler"], huge_elsewhere)
    assert task.status is TaskStatus.CREATED  # the other agent's values are dropped


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
            "FILE_TOO_LARGE",
            "files.primary.size_bytes",
        ),
        (
            {"parameters": UploadRequest("p.json", "application/json", 2 * 1024 * 1024)},
            "FILE_TOO_LARGE",
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
        "VALIDATION_ERROR"
    )


def test_sizes_are_optional_and_has_parameters_adds_the_parameters_file(use_cases, storage):
    task = new_task(use_cases)
    updated, grants = use_cases.generate_upload_urls(
        USER, task.task_id, {"primary": UploadRequest("d.csv", "")}, has_parameters=True
    )
    assert sorted(g.slot for g in grants) == ["parameters", "primary"]
    base = f"users/{USER}/tasks/{task.task_id}/inputs/"
    assert sorted(storage.signed) == [
        (base + "parameters.json", "application/json", None),
        (base + "primary.csv", "text/csv", None),
    ]
    assert updated.files["primary"].size_bytes == 0


def test_only_parameters_may_be_declared_again(use_cases, storage):
    task = new_task(use_cases)
    use_cases.generate_upload_urls(USER, task.task_id, {"primary": CSV})
    again, grants = use_cases.generate_upload_urls(USER, task.task_id, {}, has_parameters=True)
    assert [g.slot for g in grants] == ["parameters"] and set(again.files) == {
        "primary",
        "parameters",
    }


def test_too_many_or_too_long_declarations_are_refused(use_cases):
    task = new_task(use_cases)
    many = {f"s{i}": CSV for i in range(9)}
    assert error_of(use_cases.generate_upload_urls, USER, task.task_id, many).reason == (
        "REQUEST_LIMIT_EXCEEDED"
    )
    long_name = {"primary": UploadRequest("x" * 300 + ".csv", "text/csv")}
    error = error_of(use_cases.generate_upload_urls, USER, task.task_id, long_name)
    assert error.reason == "REQUEST_LIMIT_EXCEEDED"


# --- ownership -------------------------------------------------------------------


def test_another_users_task_answers_like_an_unknown_one(use_cases):
    task = new_task(use_cases)
    foreign = error_of(use_cases.get_task, "mallory", task.task_id)
    unknown = error_of(use_cases.get_task, USER, "00000000-0000-4000-8000-000000000000")
    malformed = error_of(use_cases.get_task, USER, "../etc")
    for error in (foreign, unknown, malformed):
        assert (error.code, error.reason, error.message) == (
            grpc.StatusCode.NOT_FOUND,
            "TASK_NOT_FOUND",
            "Task not found",
        )
    calls = [
        (use_cases.process_task, ("mallory", task.task_id, None)),
        (use_cases.generate_upload_urls, ("mallory", task.task_id, {"primary": CSV})),
        (use_cases.downloads, ("mallory", task.task_id)),
        (use_cases.report, ("mallory", task.task_id)),
        (use_cases.cancel_task, ("mallory", task.task_id)),
        (use_cases.delete_task, ("mallory", task.task_id)),
    ]
    for action, args in calls:
        assert error_of(action, *args).reason == "TASK_NOT_FOUND"
    assert use_cases.get_task(USER, task.task_id).status is TaskStatus.CREATED


# --- processing --------------------------------------------------------------------


def test_process_queues_a_task_whose_files_exist(use_cases, storage, starts, repo):
    task = new_task(use_cases)
    use_cases.generate_upload_urls(USER, task.task_id, {"primary": CSV})
    upload(storage, task)
    queued = use_cases.process_task(USER, task.task_id, "req-1")
    assert queued.status is TaskStatus.QUEUED
    assert queued.files["primary"].etag  # pinned to the verified version
    assert queued.request_id == "req-1"
    assert queued.progress.stage == "queued" and queued.progress.percent == 15
    # The dispatcher is asked to take it before the answer goes out.
    assert starts == [(task.task_id, 3.0)]
    assert [e.to_status for e in repo.history(task.task_id)] == [
        TaskStatus.CREATED,
        TaskStatus.UPLOADING,
        TaskStatus.QUEUED,
    ]


def test_baseline_is_required_only_once_declared(use_cases, storage):
    """Every agent (``agents`` omitted) includes drift-detector: without a
    declared baseline the task runs and drift-detector is skipped; a
    declared baseline that was never uploaded is missing."""
    task = new_task(use_cases, agents=[])
    assert "drift-detector" in task.agents
    use_cases.generate_upload_urls(USER, task.task_id, {"primary": CSV})
    upload(storage, task)
    assert use_cases.process_task(USER, task.task_id, None).status is TaskStatus.QUEUED

    declared = new_task(use_cases, agents=["drift-detector"])
    use_cases.generate_upload_urls(
        USER, declared.task_id, {"primary": CSV, "baseline": UploadRequest("b.csv", "text/csv")}
    )
    upload(storage, declared)
    error = error_of(use_cases.process_task, USER, declared.task_id, None)
    assert (error.reason, error.metadata["missing_files"]) == ("FILES_NOT_FOUND", "baseline")


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
    assert (error.code, error.reason) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "TASK_ALREADY_PROCESSING",
    )
    assert error.message == (
        "Cannot process task in status: QUEUED. Allowed statuses: UPLOADING, UPLOAD_FAILED"
    )


def test_unsigned_uploads_are_checked_at_process_time(use_cases, storage):
    task = new_task(use_cases)
    use_cases.generate_upload_urls(USER, task.task_id, {"primary": UploadRequest("d.csv", "")})
    upload(storage, task, data=b"")
    error = error_of(use_cases.process_task, USER, task.task_id, None)
    assert error.reason == "INVALID_FILE_SIZE" and "empty" in error.message
    assert use_cases.get_task(USER, task.task_id).status is TaskStatus.UPLOAD_FAILED

    use_cases.generate_upload_urls(USER, task.task_id, {}, has_parameters=True)
    upload(storage, task)
    params = TaskObject(USER, task.task_id, "inputs", "parameters.json")
    storage.put(params, b" " * (1024 * 1024 + 1), "application/json")
    error = error_of(use_cases.process_task, USER, task.task_id, None)
    assert error.reason == "FILE_TOO_LARGE"
    assert [v.field for v in error.field_violations] == ["files.parameters"]


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


def list_of(use_cases, user=USER, **kwargs):
    args = {"status": None, "tool_id": None, "limit": None}
    args.update(kwargs)
    return use_cases.list_tasks(user, **args)


def test_listing_is_newest_first_paginated_filtered_and_private(use_cases, clock, storage):
    ids = []
    for _ in range(5):
        ids.append(new_task(use_cases).task_id)
        clock.advance(1)
    use_cases.create_task("bob", "profile-my-data", [], {})
    use_cases.generate_upload_urls(USER, ids[0], {"primary": CSV})

    first = list_of(use_cases, limit=2)
    assert [t.task_id for t in first.tasks] == ids[::-1][:2]
    assert (first.total, first.limit, first.offset, first.has_more) == (5, 2, 0, True)
    second = list_of(use_cases, limit=2, offset=2)
    assert [t.task_id for t in second.tasks] == ids[::-1][2:4] and second.has_more
    third = list_of(use_cases, limit=2, offset=4)
    assert [t.task_id for t in third.tasks] == [ids[0]] and not third.has_more
    assert list_of(use_cases, limit=2, offset=10).tasks == []

    # Cursor tokens walk the same pages.
    by_token = list_of(use_cases, limit=2, page_token=first.next_page_token)
    assert [t.task_id for t in by_token.tasks] == ids[::-1][2:4] and by_token.offset == 2
    last = list_of(use_cases, limit=2, page_token=by_token.next_page_token)
    assert [t.task_id for t in last.tasks] == [ids[0]] and last.next_page_token == ""

    uploading = list_of(use_cases, status="UPLOADING")
    assert [t.task_id for t in uploading.tasks] == [ids[0]] and uploading.total == 1
    assert uploading.limit == 20
    assert list_of(use_cases, status="NO_SUCH_STATUS").total == 0
    assert list_of(use_cases, tool_id="clean-my-data").total == 0
    assert list_of(use_cases, user="bob").total == 1


@pytest.mark.parametrize("token", ["garbage", "eyJ4IjoxfQ", "x" * 2000])
def test_bad_page_tokens(use_cases, token):
    assert error_of(list_of, use_cases, limit=5, page_token=token).reason == "INVALID_REQUEST"


def test_page_token_of_other_filters_is_refused(use_cases, clock):
    for _ in range(3):
        new_task(use_cases)
        clock.advance(1)
    page = list_of(use_cases, limit=1)
    error = error_of(list_of, use_cases, status="CREATED", limit=1, page_token=page.next_page_token)
    assert error.reason == "INVALID_REQUEST"


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (101, 0), (-1, 0), (20, -1)])
def test_limit_and_offset_bounds_are_validation_errors(use_cases, limit, offset):
    error = error_of(list_of, use_cases, limit=limit, offset=offset)
    assert error.reason == "VALIDATION_ERROR"
    assert len(error.field_violations) == 1


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


# --- calls whose client has gone ------------------------------------------------


def test_a_call_past_its_deadline_does_nothing_more(use_cases, repo, storage):
    from task_service.domain import scope

    with scope.opened(scope.CallScope(0.0)):
        error = error_of(new_task, use_cases, parameters={"unified-profiler": {"top_n_values": 3}})
    assert (error.code, error.reason) == (grpc.StatusCode.DEADLINE_EXCEEDED, "SERVICE_TIMEOUT")
    assert repo.list_for_user(USER, status=None, tool_id=None, limit=10, after=None)[1] == 0
    assert storage.objects == {}


def test_a_cancelled_call_stops_before_queueing(use_cases, storage, starts, repo):
    from task_service.domain import scope

    task = new_task(use_cases)
    use_cases.generate_upload_urls(USER, task.task_id, {"primary": CSV})
    upload(storage, task)
    call = scope.CallScope(30.0)
    call.cancel()
    with scope.opened(call):
        error = error_of(use_cases.process_task, USER, task.task_id, None)
    assert (error.code, error.reason) == (grpc.StatusCode.CANCELLED, "SERVICE_TIMEOUT")
    assert repo.get(task.task_id).status is TaskStatus.UPLOADING and starts == []


def test_waits_are_bounded_by_the_calls_deadline(use_cases, storage, starts):
    from task_service.domain import scope

    task = new_task(use_cases)
    use_cases.generate_upload_urls(USER, task.task_id, {"primary": CSV})
    upload(storage, task)
    with scope.opened(scope.CallScope(1.0)):
        use_cases.process_task(USER, task.task_id, None)
    ((_, waited),) = starts
    assert 0 < waited <= 1.0  # not the policy's 3 s: the call has 1 s left at most


def completed(use_cases, repo, storage, clock, outputs):
    """A task taken through the state machine to COMPLETED with ``outputs``."""
    task = new_task(use_cases)
    use_cases.generate_upload_urls(USER, task.task_id, {"primary": CSV})
    upload(storage, task)
    use_cases.process_task(USER, task.task_id, None)
    repo.claim_next(owner="w", lease_until=clock.now, now=clock.now)
    return repo.transition(
        task.task_id,
        allowed_from=frozenset({TaskStatus.PROCESSING}),
        to=TaskStatus.COMPLETED,
        reason="test",
        lease_owner="w",
        changes={"outputs": outputs, "lease_owner": None},
    )


def test_a_report_too_large_for_one_response_is_refused_clearly(use_cases, repo, storage, clock):
    from task_service.domain.model import OutputFile

    output = OutputFile("attempt-1.r.json", "r.json", "report", "json", "application/json", 9)
    task = completed(use_cases, repo, storage, clock, (output,))
    stored = TaskObject(USER, task.task_id, "outputs", "attempt-1.r.json")
    storage.put(stored, b"{" + b" " * (8 * 1024 * 1024) + b"}", "application/json")
    error = error_of(use_cases.report, USER, task.task_id)
    assert error.reason == "REPORT_TOO_LARGE" and "downloads" in error.message
    storage.put(stored, b'{"alerts": []}', "application/json")
    report = use_cases.report(USER, task.task_id)
    assert report.data == b'{"alerts": []}' and [link.output for link in report.links] == [output]
    del storage.objects[storage.key(stored)]
    assert error_of(use_cases.report, USER, task.task_id).reason == "REPORT_NOT_FOUND"


def test_a_completed_task_without_a_json_report(use_cases, repo, storage, clock):
    from task_service.domain.model import OutputFile

    xlsx = OutputFile("attempt-1.r.xlsx", "r.xlsx", "report", "xlsx", "application/x", 9)
    task = completed(use_cases, repo, storage, clock, (xlsx,))
    error = error_of(use_cases.report, USER, task.task_id)
    assert (error.code, error.reason) == (grpc.StatusCode.NOT_FOUND, "REPORT_NOT_FOUND")
    assert error.message == "JSON report not found in task outputs"
