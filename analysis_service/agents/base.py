"""The agent interface: every profile agent is computed from ONE streaming pass.

How an agent is built (copy ``unified_profiler/``)::

    agents/<agent_id with _>/
        __init__.py   the agent class (a ProfileAgent subclass): ids, names,
                      params_type, and the hooks below
        params.py     a frozen AgentParams dataclass, one field per catalog
                      parameter (a unit test checks names, types, defaults)
        rules.py      rules as data: tables of AlertRule / IssueRule /
                      RecommendationRule (``agents/rules.py``); long tables go
                      in their own modules (the profiler: rules.py for the
                      cut-offs and predicates, alerts.py, issues.py)
        output.py     builds the upstream result tree (``data``, metrics, card)
        observer.py   only if the shared profile is not enough
    report/sheets/<agent>.py   its workbook sheet(s) and charts, registered
                      in ``report/sheets/registry.py``

The pass (:mod:`analysis_service.agents.runner`)
    1. When a selected agent declares ``baseline`` (REQUIRED or OPTIONAL)
       and a baseline file was given, the baseline is read FIRST, into a
       shared :class:`~analysis_service.domain.profile.DatasetProfile` plus
       each such agent's :meth:`ProfileAgent.baseline_observer`.
    2. The primary is read once. Before its first batch every agent's
       :meth:`ProfileAgent.observer` is called with its typed parameters,
       the column names and the finished :class:`Baseline` (profile and the
       agent's own baseline observer), so an agent can fix what it needs
       from the baseline (drift bins from the baseline's quantiles) before
       it sees a primary row.
    3. Agents are finalized in the order of the request (the pipeline puts
       it in the tool's declared order). :meth:`ProfileAgent.finalize` gets
       an :class:`AgentContext`: the finished primary profile, the baseline,
       its own observer, and ``earlier``: the *published* results of the
       agents finalized before it (status, summary metrics, findings), never
       their private state. It must not read data again.

Observers, like the profile, are mergeable (``merge``), so a pass can be
split across readers. An observer that raises stops only its own agent.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from types import MappingProxyType
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar, runtime_checkable

from analysis_service.agents.params import AgentParams
from analysis_service.domain.csv_source import CsvBatch
from analysis_service.domain.profile import DatasetProfile
from analysis_service.findings import (
    Alert,
    Card,
    Issue,
    Recommendation,
    RowIssue,
    RowIssueSummary,
    jsonable,
)

P = TypeVar("P", bound=AgentParams)


@runtime_checkable
class Observer(Protocol):
    """Agent-specific streaming state, fed the same batches as the profile.

    ``batch.first_row`` is the 0-based data row of the original file of the
    batch's first row; ``batch.frame`` has one string column per header name.
    """

    def consume(self, batch: CsvBatch) -> None: ...

    def merge(self, other: Self) -> None: ...


class BaselineUse(Enum):
    """Whether an agent reads the baseline file."""

    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"


@dataclass(frozen=True)
class Baseline:
    """The finished baseline pass, as one agent sees it."""

    profile: DatasetProfile
    observer: Observer | None = None


class AgentStatus(StrEnum):
    SUCCESS = "success"
    ERROR = "error"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class AgentError:
    """Why an agent produced no result: ``code`` (an ErrorReason name) is
    stable, ``message`` is for people."""

    code: str
    message: str


@dataclass(frozen=True)
class Findings:
    """What an agent found, in the shared vocabulary."""

    alerts: tuple[Alert, ...] = ()
    issues: tuple[Issue, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()
    cards: tuple[Card, ...] = ()
    row_issues: tuple[RowIssue, ...] = ()
    row_summary: RowIssueSummary = field(default_factory=RowIssueSummary)


@dataclass(frozen=True)
class AgentOutput:
    """One agent's result; ``to_dict`` is the upstream envelope (§6.0)."""

    agent_id: str
    agent_name: str
    status: AgentStatus = AgentStatus.SUCCESS
    execution_time_ms: int = 0
    summary_metrics: Mapping[str, Any] = field(default_factory=dict)
    data: Mapping[str, Any] = field(default_factory=dict)
    findings: Findings = field(default_factory=Findings)
    ai_analysis_text: str = ""
    error: AgentError | None = None

    @property
    def ok(self) -> bool:
        return self.status is AgentStatus.SUCCESS

    @classmethod
    def failed(
        cls, agent_id: str, agent_name: str, error: AgentError, execution_time_ms: int = 0
    ) -> AgentOutput:
        return cls(
            agent_id=agent_id,
            agent_name=agent_name,
            status=AgentStatus.ERROR,
            execution_time_ms=execution_time_ms,
            error=error,
        )

    @classmethod
    def skipped(cls, agent_id: str, agent_name: str, reason: AgentError) -> AgentOutput:
        """Not run, and not a failure (for example no baseline was given to an
        agent that only runs with one)."""
        return cls(
            agent_id=agent_id, agent_name=agent_name, status=AgentStatus.SKIPPED, error=reason
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON envelope (plain types only). A failed agent has
        upstream's ``error`` text, and our ``error_code`` beside it."""
        result: dict[str, Any] = {
            "status": self.status.value,
            "agent_id": self.agent_id,
            "agent_name": self.agent_name,
            "execution_time_ms": self.execution_time_ms,
        }
        if self.error is not None:
            result["error"] = self.error.message
            result["error_code"] = self.error.code
        if not self.ok:
            return result
        f = self.findings
        result.update(
            summary_metrics=jsonable(self.summary_metrics),
            data=jsonable(self.data),
            alerts=[a.to_dict() for a in f.alerts],
            issues=[i.to_dict() for i in f.issues],
            recommendations=[r.to_dict() for r in f.recommendations],
            executive_summary=[c.to_dict() for c in f.cards],
            ai_analysis_text=self.ai_analysis_text,
            row_level_issues=[r.to_dict() for r in f.row_issues],
            issue_summary=f.row_summary.to_dict(),
        )
        return result

    def published(self) -> Published:
        return Published(
            agent_id=self.agent_id,
            status=self.status,
            summary_metrics=MappingProxyType(dict(self.summary_metrics)),
            findings=self.findings,
        )


@dataclass(frozen=True)
class Published:
    """What a later agent of the same task may read about an earlier one:
    its status, headline numbers and findings (not its ``data`` tree nor
    any private state)."""

    agent_id: str
    status: AgentStatus
    summary_metrics: Mapping[str, Any]
    findings: Findings


@dataclass(frozen=True)
class AgentContext(Generic[P]):
    """Everything ``finalize`` may use.

    ``params`` are the typed effective values; ``overrides`` what the user
    gave that differs from the defaults, echoed in ``data.overrides`` (every
    parameter name, null where nothing was given); ``earlier`` the published results of the agents
    finalized before this one, in that order, keyed by agent id.
    """

    params: P
    primary: DatasetProfile
    overrides: Mapping[str, Any] | None = None
    baseline: Baseline | None = None
    observer: Observer | None = None
    earlier: Mapping[str, Published] = field(default_factory=dict)

    def earlier_findings(self) -> Sequence[Published]:
        return list(self.earlier.values())

    def parameter_echo(self) -> dict[str, Any]:
        """The three parameter echoes that end every ``data`` object."""
        defaults = type(self.params).defaults()
        return {
            "defaults": defaults,
            "overrides": {name: (self.overrides or {}).get(name) for name in defaults},
            "parameters": self.params.to_dict(),
        }


class ProfileAgent(ABC, Generic[P]):
    """A profile agent. Subclasses set the class attributes and implement
    :meth:`finalize`; :meth:`observer` / :meth:`baseline_observer` are
    optional (the shared profile is enough for most agents).

    ``agent_name`` is the result's ``agent_name`` (upstream's, e.g.
    "UnifiedProfiler"), not the catalog's display name.
    """

    agent_id: ClassVar[str]
    agent_name: ClassVar[str]
    params_type: ClassVar[type[AgentParams]]
    baseline: ClassVar[BaselineUse] = BaselineUse.NONE

    def parse_params(self, raw: Mapping[str, Any] | None) -> P:
        """Typed parameters (raises ``ParameterMismatch``)."""
        params: P = self.params_type.from_mapping(raw)  # type: ignore[assignment]
        return params

    def baseline_observer(self, params: P, columns: Sequence[str]) -> Observer | None:
        """State fed during the baseline pass (None: the profile is enough)."""
        return None

    def observer(
        self, params: P, columns: Sequence[str], baseline: Baseline | None
    ) -> Observer | None:
        """State fed during the primary pass (None: the profile is enough)."""
        return None

    @abstractmethod
    def finalize(self, ctx: AgentContext[P]) -> AgentOutput:
        """Builds the result from the finished pass; raises on failure (the
        runner turns the exception into an error result)."""
