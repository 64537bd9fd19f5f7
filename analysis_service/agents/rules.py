"""Rules as data: an agent's alerts, issues and recommendations are tables
of rule rows, evaluated by the functions here.

A rule row says *when* it fires (a predicate over one field's facts, or
over the dataset's), *how severe* it is (a constant or a small function of
what fired), and *what it says* (a ``str.format`` template). Templates see:

* ``params``: the agent's typed parameters, so thresholds are written as
  ``{params.null_alert_threshold:g}`` and never as literals;
* ``dataset``: the agent's dataset facts;
* for alerts and recommendations: ``n`` (number of fields concerned),
  ``names`` (a short list of their names), ``fields`` (their facts) and
  whatever the rule's ``values`` function adds (averages, worst values);
* for issues: ``f`` (the field's facts) and ``column`` (its name).

Field facts must have a ``name``. A rule that fires for a set of fields
makes one alert (or recommendation) for the set; issue rules make one issue
per field, with the id ``issue_<agent key>_<issue kind>_<column>``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from analysis_service.findings import Alert, IdSequence, Issue, Priority, Recommendation, Severity


class Named(Protocol):
    @property
    def name(self) -> str: ...


F = TypeVar("F", bound=Named)
D = TypeVar("D")
P = TypeVar("P")
V = TypeVar("V")

#: How many names a message lists before "and N more".
LISTED_NAMES = 5


def short_list(names: Sequence[str], limit: int = LISTED_NAMES) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


@dataclass(frozen=True)
class Scope(Generic[F, D, P]):
    """What a set rule fired for: the fields (all of them for a dataset
    rule), the dataset facts and the parameters."""

    fields: Sequence[F]
    dataset: D
    params: P

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]


def _resolve(value: V | Callable[..., V], *args: Any) -> V:
    return value(*args) if callable(value) else value


@dataclass(frozen=True)
class SetRule(Generic[F, D, P]):
    """Common part of alert and recommendation rules. Exactly one of
    ``selects`` (a field rule) and ``holds`` (a dataset rule) is set."""

    name: str
    selects: Callable[[F, P], bool] | None = None
    holds: Callable[[D, P], bool] | None = None
    values: Callable[[Scope[F, D, P]], Mapping[str, Any]] = field(default=lambda _scope: {})

    def __post_init__(self) -> None:
        if (self.selects is None) == (self.holds is None):
            raise ValueError(f"rule {self.name}: give exactly one of selects and holds")

    def scope(self, fields: Sequence[F], dataset: D, params: P) -> Scope[F, D, P] | None:
        if self.selects is not None:
            chosen = [f for f in fields if self.selects(f, params)]
            return Scope(chosen, dataset, params) if chosen else None
        assert self.holds is not None
        return Scope(list(fields), dataset, params) if self.holds(dataset, params) else None

    def context(self, scope: Scope[F, D, P]) -> dict[str, Any]:
        names = scope.names
        return {
            "n": len(names),
            "names": short_list(names),
            "fields": scope.fields,
            "dataset": scope.dataset,
            "params": scope.params,
            **self.values(scope),
        }


@dataclass(frozen=True)
class AlertRule(SetRule[F, D, P]):
    category: str = ""
    severity: Severity | Callable[[Scope[F, D, P]], Severity] = Severity.MEDIUM
    message: str = ""
    recommendation: str = ""
    #: a dataset rule concerns every field unless it says otherwise
    dataset_wide: bool = True


@dataclass(frozen=True)
class RecommendationRule(SetRule[F, D, P]):
    priority: Priority | Callable[[Scope[F, D, P]], Priority] = Priority.MEDIUM
    text: str = ""
    timeline: str = ""
    effort_hours: int | Callable[[Scope[F, D, P]], int] = 1
    owner: str = ""


@dataclass(frozen=True)
class IssueRule(Generic[F, P]):
    """One issue per field for which ``when`` holds."""

    kind: str
    when: Callable[[F, P], bool]
    severity: Severity | Callable[[F, P], Severity]
    message: str
    extras: Callable[[F, P], Mapping[str, Any]] = field(default=lambda _f, _p: {})
    #: the issue type when it is not ``kind`` (``pii_<type>``)
    issue_type: Callable[[F, P], str] | None = None


def evaluate_alerts(
    rules: Sequence[AlertRule[F, D, P]],
    fields: Sequence[F],
    dataset: D,
    params: P,
    ids: IdSequence,
    agent_id: str,
) -> list[Alert]:
    alerts = []
    for rule in rules:
        scope = rule.scope(fields, dataset, params)
        if scope is None:
            continue
        context = rule.context(scope)
        field_rule = rule.selects is not None
        alerts.append(
            Alert(
                alert_id=ids.alert(rule.name),
                agent_id=agent_id,
                severity=_resolve(rule.severity, scope),
                category=rule.category,
                message=rule.message.format(**context),
                recommendation=rule.recommendation.format(**context),
                affected_fields=tuple(scope.names) if field_rule or rule.dataset_wide else (),
            )
        )
    return alerts


def evaluate_recommendations(
    rules: Sequence[RecommendationRule[F, D, P]],
    fields: Sequence[F],
    dataset: D,
    params: P,
    ids: IdSequence,
    agent_id: str,
) -> list[Recommendation]:
    recommendations = []
    for rule in rules:
        scope = rule.scope(fields, dataset, params)
        if scope is None:
            continue
        context = rule.context(scope)
        names = scope.names if rule.selects is not None else []
        recommendations.append(
            Recommendation(
                recommendation_id=ids.recommendation(rule.name),
                agent_id=agent_id,
                field_name=", ".join(names),
                priority=_resolve(rule.priority, scope),
                recommendation=rule.text.format(**context),
                timeline=rule.timeline,
                extras={
                    "estimated_effort_hours": _resolve(rule.effort_hours, scope),
                    "owner": rule.owner,
                    "affected_fields": names,
                },
            )
        )
    return recommendations


def evaluate_issues(
    rules: Sequence[IssueRule[F, P]],
    fields: Sequence[F],
    params: P,
    ids: IdSequence,
    agent_id: str,
    *,
    limit: int,
) -> list[Issue]:
    """Field by field (file order), each field's rules in table order; at
    most ``limit`` issues."""
    issues: list[Issue] = []
    for f in fields:
        for rule in rules:
            if len(issues) >= limit:
                return issues
            if not rule.when(f, params):
                continue
            issue_type = rule.issue_type(f, params) if rule.issue_type else rule.kind
            issues.append(
                Issue(
                    issue_id=ids.issue(issue_type, f.name),
                    agent_id=agent_id,
                    field_name=f.name,
                    issue_type=issue_type,
                    severity=_resolve(rule.severity, f, params),
                    message=rule.message.format(f=f, column=f.name, params=params),
                    extras=rule.extras(f, params),
                )
            )
    return issues
