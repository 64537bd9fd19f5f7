"""Upload size limits per slot, and the plan of a multipart upload within
the object store's rules (Backblaze B2 and S3 alike: parts of 5 MiB to
5 GiB, the last one may be smaller, at most 10,000 parts)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dqcommon.errors import FieldViolation, ServiceError
from task_service.domain import errors

MIB = 1024 * 1024
MIN_PART_BYTES = 5 * MIB
MAX_PART_BYTES = 5 * 1024 * MIB
MAX_PARTS = 10_000


@dataclass(frozen=True)
class UploadLimits:
    """Size limits (``tool.slot`` keys win over ``slot`` keys, which win
    over ``default_max_bytes``) and the multipart settings."""

    default_max_bytes: int = 500 * MIB
    slot_max_bytes: Mapping[str, int] = field(default_factory=dict)
    multipart_threshold_bytes: int = 64 * MIB
    multipart_part_bytes: int = 16 * MIB

    def max_bytes(self, tool_id: str, slot: str, _catalog_default: int = 0) -> int:
        for key in (f"{tool_id}.{slot}", slot):
            if key in self.slot_max_bytes:
                return int(self.slot_max_bytes[key])
        return self.default_max_bytes

    def wants_multipart(self, size_bytes: int | None, asked: bool) -> bool:
        if size_bytes is None:
            return False
        return asked or size_bytes >= self.multipart_threshold_bytes


@dataclass(frozen=True)
class Part:
    """One planned part."""

    number: int
    offset: int
    size: int


@dataclass(frozen=True)
class PartPlan:
    """How a file of ``size_bytes`` is cut: every part ``part_bytes`` long
    except the last."""

    size_bytes: int
    part_bytes: int

    @property
    def count(self) -> int:
        return max(1, -(-self.size_bytes // self.part_bytes))

    def part(self, number: int) -> Part:
        offset = (number - 1) * self.part_bytes
        return Part(number, offset, min(self.part_bytes, self.size_bytes - offset))

    def parts(self) -> list[Part]:
        return [self.part(n) for n in range(1, self.count + 1)]


def limit_error(field_name: str, description: str) -> ServiceError:
    return errors.file_violations(
        "MULTIPART_LIMIT_EXCEEDED", [FieldViolation(field_name, description)]
    )


def plan_parts(
    size_bytes: int, *, requested_part_bytes: int, default_part_bytes: int, field_name: str
) -> PartPlan:
    """The parts of a file. A requested part size is kept or refused; the
    default is raised (to whole MiB) so that the file fits in 10,000 parts."""
    if size_bytes < 1:
        raise limit_error(f"{field_name}.size_bytes", "must be at least 1 byte")
    if requested_part_bytes:
        if not MIN_PART_BYTES <= requested_part_bytes <= MAX_PART_BYTES:
            raise limit_error(
                f"{field_name}.part_size_bytes",
                f"must be between {MIN_PART_BYTES} (5 MiB) and {MAX_PART_BYTES} (5 GiB) bytes "
                f"(got {requested_part_bytes})",
            )
        plan = PartPlan(size_bytes, requested_part_bytes)
        if plan.count > MAX_PARTS:
            raise limit_error(
                f"{field_name}.part_size_bytes",
                f"{requested_part_bytes}-byte parts cut {size_bytes} bytes into {plan.count} "
                f"parts; at most {MAX_PARTS} are allowed (use parts of at least "
                f"{-(-size_bytes // MAX_PARTS)} bytes)",
            )
        return plan
    part = max(MIN_PART_BYTES, min(default_part_bytes, MAX_PART_BYTES))
    needed = -(-size_bytes // MAX_PARTS)
    if needed > part:
        part = -(-needed // MIB) * MIB
    if part > MAX_PART_BYTES:
        raise limit_error(
            f"{field_name}.size_bytes",
            f"{size_bytes} bytes do not fit in {MAX_PARTS} parts of at most {MAX_PART_BYTES} bytes",
        )
    return PartPlan(size_bytes, part)
