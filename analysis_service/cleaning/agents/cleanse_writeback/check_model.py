"""What a check returns: :class:`Check` (the contract's fields, ours, and
the :class:`Failure` behind a failed check) and :class:`TypeTargets` (what
type-fixer says it converted)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from analysis_service.cleaning.agents.cleanse_writeback.rules import CHECK_NAMES


@dataclass(frozen=True)
class Failure:
    """What made a check fail, in one column ("global": the whole file)."""

    column: str
    issue: str
    details: str
    extras: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"column": self.column, "issue": self.issue, "details": self.details}


@dataclass(frozen=True)
class Check:
    key: str
    passed: bool
    message: str
    details: str
    fields: Mapping[str, Any]
    failures: tuple[Failure, ...] = ()

    @property
    def name(self) -> str:
        return CHECK_NAMES[self.key]

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "check_name": self.name,
            **self.fields,
            "message": self.message,
            "details": self.details,
        }


@dataclass(frozen=True)
class TypeTargets:
    """The columns type-fixer converted (column -> target type) and how many
    values it reported it could not convert: per column when its manifest
    says so, else one pool shared by its columns (its remaining issues)."""

    targets: Mapping[str, str]
    allowed: Mapping[str, int]
    pooled: int
    source: str  # "type-fixer" | "inferred"
