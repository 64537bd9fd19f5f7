"""The typed findings every agent produces and the report renders.

One severity vocabulary per kind of item, used by every agent:

* :class:`Severity` for alerts and issues: critical > high > medium > low;
* :class:`Priority` for recommendations: critical > high > medium > low;
* :class:`RowSeverity` for row-level issues: critical > warning > info
  (the three keys the tool-level ``issue_summary`` counts);
* :class:`CardStatus` for executive-summary cards: the statuses the frontend
  knows (``frontend-contract.md`` §5.3).

Items are frozen; ``to_dict`` gives the upstream JSON shape
(``frontend-contract.md`` §6.0), with our additions beside the upstream keys
(never instead of them). Numbers in ``extras`` and ``value`` pass through the
one sanitiser (:func:`~analysis_service.findings.jsonsafe.jsonable`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from analysis_service.findings.jsonsafe import jsonable

#: At most this many affected field names are listed in an alert (the count is exact).
MAX_LISTED_FIELDS = 50


class Severity(StrEnum):
    """Alerts and issues."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """0 for the most severe."""
        return _SEVERITY_ORDER.index(self)


_SEVERITY_ORDER = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)


class Priority(StrEnum):
    """Recommendations."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return _PRIORITY_ORDER.index(self)


_PRIORITY_ORDER = (Priority.CRITICAL, Priority.HIGH, Priority.MEDIUM, Priority.LOW)


class RowSeverity(StrEnum):
    """Row-level issues."""

    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"


class CardStatus(StrEnum):
    """Executive-summary card statuses (the frontend's vocabulary)."""

    SUCCESS = "success"
    WARNING = "warning"
    CRITICAL = "critical"
    INFO = "info"
    EXCELLENT = "excellent"
    GOOD = "good"
    FAIR = "fair"
    NEEDS_REVIEW = "needs_review"
    NEEDS_IMPROVEMENT = "needs_improvement"
    READY = "ready"
    NOT_READY = "not_ready"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


def _frozen(extras: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(extras))


@dataclass(frozen=True)
class Alert:
    """A dataset-level finding. ``affected_fields_count`` defaults to the
    number of ``affected_fields``; a dataset-wide alert may set it."""

    alert_id: str
    agent_id: str
    severity: Severity
    category: str
    message: str
    recommendation: str
    affected_fields: tuple[str, ...] = ()
    affected_fields_count: int | None = None
    extras: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "extras", _frozen(self.extras))

    @property
    def field_count(self) -> int:
        if self.affected_fields_count is not None:
            return self.affected_fields_count
        return len(self.affected_fields)

    def to_dict(self) -> dict[str, Any]:
        return {
            "alert_id": self.alert_id,
            "severity": self.severity.value,
            "category": self.category,
            "message": self.message,
            "affected_fields_count": self.field_count,
            "recommendation": self.recommendation,
            "agent_id": self.agent_id,
            "affected_fields": list(self.affected_fields[:MAX_LISTED_FIELDS]),
            **jsonable(dict(self.extras)),
        }


@dataclass(frozen=True)
class Issue:
    """A field-level finding; ``issue_type`` is a key of
    :data:`~analysis_service.findings.issue_types.ISSUE_TYPES`."""

    issue_id: str
    agent_id: str
    field_name: str
    issue_type: str
    severity: Severity
    message: str
    extras: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "extras", _frozen(self.extras))

    def to_dict(self) -> dict[str, Any]:
        return {
            "issue_id": self.issue_id,
            "agent_id": self.agent_id,
            "field_name": self.field_name,
            "issue_type": self.issue_type,
            "severity": self.severity.value,
            "message": self.message,
            **jsonable(dict(self.extras)),
        }


@dataclass(frozen=True)
class Recommendation:
    """Something to do. ``field_name`` names the field(s) it concerns
    (comma-joined, or empty for the whole dataset)."""

    recommendation_id: str
    agent_id: str
    field_name: str
    priority: Priority
    recommendation: str
    timeline: str
    extras: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "extras", _frozen(self.extras))

    def to_dict(self) -> dict[str, Any]:
        return {
            "recommendation_id": self.recommendation_id,
            "agent_id": self.agent_id,
            "field_name": self.field_name,
            "priority": self.priority.value,
            "recommendation": self.recommendation,
            "timeline": self.timeline,
            **jsonable(dict(self.extras)),
        }


@dataclass(frozen=True)
class RowIssue:
    """Evidence in one cell (or one row: ``column`` "global" / "all").

    ``row_index`` is the 0-based data row of the ORIGINAL input file (header
    excluded, blank lines skipped as pandas does), whatever agent found it.
    """

    row_index: int
    column: str
    issue_type: str
    severity: RowSeverity
    message: str
    value: Any = None
    extras: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "extras", _frozen(self.extras))

    def to_dict(self) -> dict[str, Any]:
        return {
            "row_index": self.row_index,
            "column": self.column,
            "issue_type": self.issue_type,
            "severity": self.severity.value,
            "message": self.message,
            "value": jsonable(self.value),
            **jsonable(dict(self.extras)),
        }


@dataclass(frozen=True)
class Card:
    """An executive-summary card; ``value`` is always text."""

    summary_id: str
    title: str
    value: str
    status: CardStatus
    description: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary_id": self.summary_id,
            "title": self.title,
            "value": self.value,
            "status": self.status.value,
            "description": self.description,
        }
