"""Part planning within B2's rules and the per-slot size limits."""

from __future__ import annotations

import pytest

from dqcommon.errors import ServiceError
from task_service.config import TaskSettings
from task_service.domain.limits import (
    MAX_PART_BYTES,
    MAX_PARTS,
    MIB,
    MIN_PART_BYTES,
    PartPlan,
    UploadLimits,
    plan_parts,
)

pytestmark = pytest.mark.unit


def plan(size: int, requested: int = 0, default: int = 16 * MIB) -> PartPlan:
    return plan_parts(
        size, requested_part_bytes=requested, default_part_bytes=default, field_name="files.primary"
    )


def test_parts_cover_the_file_exactly_and_only_the_last_is_short():
    p = plan(200_000_000)
    parts = p.parts()
    assert p.count == 12 == len(parts)
    assert sum(x.size for x in parts) == 200_000_000
    assert all(x.size == 16 * MIB for x in parts[:-1]) and 0 < parts[-1].size <= 16 * MIB
    assert [x.offset for x in parts] == [i * 16 * MIB for i in range(12)]


def test_exact_multiple_and_tiny_files():
    assert plan(32 * MIB).count == 2 and plan(32 * MIB).part(2).size == 16 * MIB
    assert plan(1).count == 1 and plan(1).part(1).size == 1


def test_the_default_part_grows_to_stay_within_ten_thousand_parts():
    size = 200 * 1024 * MIB  # 200 GiB: 16 MiB parts would need 12,800
    p = plan(size)
    assert p.count <= MAX_PARTS and p.part_bytes % MIB == 0
    assert p.part_bytes >= size / MAX_PARTS


@pytest.mark.parametrize("requested", [MIN_PART_BYTES - 1, MAX_PART_BYTES + 1, 1])
def test_a_requested_part_size_outside_b2_rules_is_refused(requested):
    with pytest.raises(ServiceError) as info:
        plan(100 * MIB, requested)
    assert info.value.reason == "MULTIPART_LIMIT_EXCEEDED"
    assert "5 MiB" in info.value.message and "part_size_bytes" in info.value.message


def test_a_requested_part_size_needing_too_many_parts_is_refused():
    with pytest.raises(ServiceError) as info:
        plan(MAX_PARTS * MIN_PART_BYTES + 1, MIN_PART_BYTES)
    assert info.value.reason == "MULTIPART_LIMIT_EXCEEDED"
    assert "10000" in info.value.message


def test_a_file_beyond_ten_thousand_of_the_largest_parts_is_refused():
    with pytest.raises(ServiceError) as info:
        plan(MAX_PARTS * MAX_PART_BYTES + 1)
    assert info.value.reason == "MULTIPART_LIMIT_EXCEEDED"


def test_slot_limits_prefer_the_tool_qualified_key():
    limits = UploadLimits(
        default_max_bytes=500 * MIB,
        slot_max_bytes={"baseline": 100, "profile-my-data.baseline": 200},
    )
    assert limits.max_bytes("profile-my-data", "baseline") == 200
    assert limits.max_bytes("clean-my-data", "baseline") == 100
    assert limits.max_bytes("clean-my-data", "primary") == 500 * MIB


def test_multipart_from_the_threshold_or_on_request_and_never_without_a_size():
    limits = UploadLimits(multipart_threshold_bytes=64 * MIB)
    assert limits.wants_multipart(64 * MIB, False)
    assert not limits.wants_multipart(64 * MIB - 1, False)
    assert limits.wants_multipart(10, True)
    assert not limits.wants_multipart(None, True)


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("TASK_UPLOAD_MAX_BYTES", "1048576")
    monkeypatch.setenv("TASK_UPLOAD_SLOT_MAX_BYTES", '{"baseline": 2097152}')
    monkeypatch.setenv("TASK_MULTIPART_THRESHOLD_BYTES", "10485760")
    settings = TaskSettings()
    assert settings.upload_max_bytes == MIB
    assert settings.upload_slot_max_bytes == {"baseline": 2 * MIB}
    assert settings.multipart_threshold_bytes == 10 * MIB


def test_configured_limits_apply_to_declared_sizes_and_show_in_the_tool(repo, storage, clock):
    from dqcommon.tools import default_catalog
    from task_service.domain.requests import UploadRequest
    from task_service.domain.service import TaskPolicy, TaskUseCases

    limits = UploadLimits(slot_max_bytes={"primary": 2 * MIB})
    use_cases = TaskUseCases(
        repo=repo,
        storage=storage,
        catalog=default_catalog(),
        clock=clock,
        policy=TaskPolicy(limits=limits),
    )
    tool = use_cases.tool("profile-my-data")
    assert tool.slot("primary").max_size_mb == 2
    task = use_cases.create_task("alice", "profile-my-data", ["unified-profiler"], {})
    with pytest.raises(ServiceError) as info:
        use_cases.generate_upload_urls(
            "alice", task.task_id, {"primary": UploadRequest("d.csv", "text/csv", 2 * MIB + 1)}
        )
    assert info.value.reason == "FILE_TOO_LARGE"
    assert "at most 2097152 bytes" in info.value.message
    assert use_cases.get_task("alice", task.task_id).status.value == "CREATED"
