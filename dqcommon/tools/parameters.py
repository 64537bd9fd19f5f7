"""Validation of task parameters against the catalog's schemas.

Parameters are one JSON object keyed by agent id, each value an object of
that agent's parameters. Validation reports every violation at once (the
frontend shows them next to the fields), and returns the effective values:
each selected agent's defaults overlaid with what the user gave.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dqcommon.tools.catalog import AgentDef, ParamDef, ParamType, ToolDef


@dataclass(frozen=True)
class Violation:
    """One invalid parameter: ``field`` is a dotted path such as
    ``parameters.unified-profiler.top_n_values``."""

    field: str
    description: str


@dataclass(frozen=True)
class ValidatedParameters:
    """Effective parameters of the selected agents, defaults filled in."""

    by_agent: dict[str, dict[str, Any]]


class ParameterError(Exception):
    """Raised with every violation found."""

    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations = tuple(violations)
        super().__init__("; ".join(f"{v.field}: {v.description}" for v in violations))


def validate_parameters(
    tool: ToolDef, agents: Sequence[str], raw: Any, *, root: str = "parameters"
) -> ValidatedParameters:
    """Checks ``raw`` against the schemas of ``tool``'s agents.

    Parameters may be given for any agent of the tool (a form may send them
    all); only the selected ``agents`` appear in the result.
    Raises :class:`ParameterError` listing every violation.
    """
    violations: list[Violation] = []
    given: Mapping[str, Any] = {}
    if raw is None:
        given = {}
    elif not isinstance(raw, Mapping):
        violations.append(Violation(root, "must be a JSON object keyed by agent id"))
    else:
        given = raw

    for agent_id, values in given.items():
        agent = tool.agent(agent_id)
        path = f"{root}.{agent_id}"
        if agent is None:
            known = ", ".join(a.agent_id for a in tool.agents)
            violations.append(
                Violation(path, f"'{agent_id}' is not an agent of {tool.tool_id} (agents: {known})")
            )
            continue
        if not isinstance(values, Mapping):
            violations.append(Violation(path, "must be a JSON object of parameter values"))
            continue
        violations.extend(_check_agent(agent, values, path))

    if violations:
        raise ParameterError(violations)

    effective: dict[str, dict[str, Any]] = {}
    for agent_id in agents:
        agent = tool.agent(agent_id)
        if agent is None:
            continue
        values = agent.defaults()
        values.update(
            {
                k: _normalise(agent.parameter(k), v)
                for k, v in dict(given.get(agent_id) or {}).items()
            }
        )
        effective[agent_id] = values
    return ValidatedParameters(by_agent=effective)


def _check_agent(agent: AgentDef, values: Mapping[str, Any], path: str) -> list[Violation]:
    violations: list[Violation] = []
    for name, value in values.items():
        spec = agent.parameter(name)
        field = f"{path}.{name}"
        if spec is None:
            known = ", ".join(p.name for p in agent.parameters) or "none"
            violations.append(
                Violation(field, f"unknown parameter of {agent.agent_id} (parameters: {known})")
            )
            continue
        problem = _check_value(spec, value)
        if problem:
            violations.append(Violation(field, problem))
    if not violations:
        merged = agent.defaults()
        merged.update(values)
        for low, high in agent.orderings:
            if merged[low] > merged[high]:
                violations.append(
                    Violation(
                        f"{path}.{low}", f"must not exceed {high} ({merged[low]} > {merged[high]})"
                    )
                )
    return violations


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _check_value(spec: ParamDef, value: Any) -> str | None:
    kind = spec.type
    if kind is ParamType.BOOLEAN:
        return None if isinstance(value, bool) else "must be true or false"
    if kind in (ParamType.INTEGER, ParamType.NUMBER):
        if not _is_number(value):
            return "must be a number"
        if kind is ParamType.INTEGER and float(value) != int(value):
            return "must be a whole number"
        if spec.minimum is not None and value < spec.minimum:
            return f"must be at least {_fmt(spec.minimum)} (got {_fmt(value)})"
        if spec.maximum is not None and value > spec.maximum:
            return f"must be at most {_fmt(spec.maximum)} (got {_fmt(value)})"
        return None
    if kind is ParamType.STRING:
        if not isinstance(value, str):
            return "must be a string"
        if spec.allowed and value not in spec.allowed:
            return f"must be one of {', '.join(spec.allowed)} (got '{value}')"
        return None
    if kind is ParamType.STRING_LIST:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "must be a list of strings"
        if spec.allowed:
            bad = [v for v in value if v not in spec.allowed]
            if bad:
                return f"unknown values {', '.join(bad)} (allowed: {', '.join(spec.allowed)})"
        if len(set(value)) != len(value):
            return "must not repeat values"
        return None
    if kind is ParamType.OBJECT:
        return None if isinstance(value, Mapping) else "must be a JSON object"
    if kind is ParamType.OBJECT_LIST:
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            return "must be a list of JSON objects"
        return None
    return f"unsupported parameter type {kind.value}"  # pragma: no cover - catalog bug


def _normalise(spec: ParamDef | None, value: Any) -> Any:
    """JSON numbers arrive as floats (protobuf Struct): give integers back."""
    if spec is not None and spec.type is ParamType.INTEGER and _is_number(value):
        return int(value)
    return value


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
