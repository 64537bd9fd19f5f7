"""The agent interface: every profile agent is computed from ONE streaming pass.

The pass (see :mod:`analysis_service.agents.runner`) reads the primary file
once into a shared :class:`~analysis_service.domain.profile.DatasetProfile`
(and the baseline, when an agent needs one). An agent that needs more than
the shared profile during the pass (for example drift bins fixed from the
baseline, or a user's regex tests) returns a :class:`BatchObserver` from
:meth:`ProfileAgent.observer`; the runner feeds it the same batches. Agents
then turn profile + observer state into an :class:`AgentOutput` in
:meth:`ProfileAgent.finalize`, which must not read data again. Observers,
like the profile, must be mergeable so the pass can be split across
readers.

Severity vocabulary (one set per kind of item, used everywhere):

* alerts, issues and recommendation priorities: ``critical`` > ``high`` >
  ``medium`` > ``low``;
* row-level issues: ``critical`` > ``warning`` > ``info``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, Self, runtime_checkable

from analysis_service.domain.csv_source import CsvBatch
from analysis_service.domain.profile import DatasetProfile

SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low")
ROW_SEVERITIES: tuple[str, ...] = ("critical", "warning", "info")
MAX_ROW_LEVEL_ISSUES = 1000


@runtime_checkable
class BatchObserver(Protocol):
    """Agent-specific streaming state, fed the same batches as the profile."""

    def consume(self, batch: CsvBatch) -> None: ...

    def merge(self, other: Self) -> None: ...


@dataclass(frozen=True)
class AgentContext:
    """Everything ``finalize`` may use.

    ``parameters`` are the effective values (catalog defaults overlaid with
    the user's, already validated by ``dqcommon.tools.parameters``);
    ``overrides`` are what the user gave (None when nothing), echoed in the
    envelope's ``data.overrides``.
    """

    primary: DatasetProfile
    parameters: Mapping[str, Any]
    overrides: Mapping[str, Any] | None = None
    baseline: DatasetProfile | None = None
    observer: BatchObserver | None = None


@dataclass(frozen=True)
class AgentError:
    """Why an agent produced no result. ``code`` is stable, ``message`` is
    for people."""

    code: str
    message: str


@dataclass
class AgentOutput:
    """One agent's result, in the upstream envelope (see ``to_dict``)."""

    agent_id: str
    agent_name: str
    status: str = "success"
    execution_time_ms: int = 0
    summary_metrics: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)
    recommendations: list[dict[str, Any]] = field(default_factory=list)
    executive_summary: list[dict[str, Any]] = field(default_factory=list)
    ai_analysis_text: str = ""
    row_level_issues: list[dict[str, Any]] = field(default_factory=list)
    issue_summary: dict[str, Any] = field(default_factory=dict)
    error: AgentError | None = None

    @property
    def ok(self) -> bool:
        return self.status == "success"

    @classmethod
    def failed(
        cls, agent_id: str, agent_name: str, error: AgentError, execution_time_ms: int = 0
    ) -> AgentOutput:
        return cls(
            agent_id=agent_id,
            agent_name=agent_name,
            status="error",
            execution_time_ms=execution_time_ms,
            error=error,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON envelope (plain types only)."""
        result: dict[str, Any] = {
            "status": self.status,
            "agent_id": self.agent_id,
            "agent_name": self.agent_name,
            "execution_time_ms": self.execution_time_ms,
        }
        if self.error is not None:
            result["error"] = {"code": self.error.code, "message": self.error.message}
            return result
        result.update(
            summary_metrics=self.summary_metrics,
            data=self.data,
            alerts=self.alerts,
            issues=self.issues,
            recommendations=self.recommendations,
            executive_summary=self.executive_summary,
            ai_analysis_text=self.ai_analysis_text,
            row_level_issues=self.row_level_issues,
            issue_summary=self.issue_summary,
        )
        return result


class ProfileAgent(Protocol):
    """A profile agent.

    ``needs_baseline``: the runner profiles the baseline file too (only
    when at least one selected agent says so).
    """

    agent_id: str
    agent_name: str
    needs_baseline: bool

    def observer(self, parameters: Mapping[str, Any], columns: list[str]) -> BatchObserver | None:
        """Optional state fed during the pass (None: the profile is enough)."""
        ...

    def finalize(self, ctx: AgentContext) -> AgentOutput:
        """Builds the result from the finished pass; raises on failure (the
        runner turns the exception into an error result)."""
        ...
