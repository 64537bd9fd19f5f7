"""Validation of task parameters against the catalog's schemas.

Parameters are one JSON object keyed by agent id, each value an object of
that agent's parameters. Validation reports every violation at once (the
frontend shows them next to the fields), and returns the effective values:
each selected agent's defaults overlaid with what the user gave.

Beside the agent ids, the key ``files`` (:data:`FILE_OPTIONS_KEY`) holds
options of the input files, by slot: ``{"files": {"primary": {"sheet":
"Sales"}}}`` reads the worksheet "Sales" of an Excel primary file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dqcommon.tools.catalog import (
    FILE_OPTIONS_KEY,
    PARAMETERS_SLOT,
    AgentDef,
    ParamDef,
    ParamType,
    ToolDef,
)

#: Options a file may have, with what each must be.
FILE_OPTIONS = {"sheet": "the name of a worksheet of an Excel file (1 to 31 characters)"}


@dataclass(frozen=True)
class Violation:
    """One invalid parameter: ``field`` is a dotted path such as
    ``parameters.unified-profiler.top_n_values``."""

    field: str
    description: str


@dataclass(frozen=True)
class ValidatedParameters:
    """Effective parameters of the selected agents, defaults filled in, and
    the file options by slot."""

    by_agent: dict[str, dict[str, Any]]
    files: dict[str, dict[str, Any]] = field(default_factory=dict)

    def for_analysis(self) -> dict[str, dict[str, Any]]:
        """What the analysis receives: the agents' parameters and, under
        :data:`FILE_OPTIONS_KEY`, the file options (when there are any)."""
        if not self.files:
            return dict(self.by_agent)
        return {**self.by_agent, FILE_OPTIONS_KEY: {k: dict(v) for k, v in self.files.items()}}


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

    files: dict[str, dict[str, Any]] = {}
    for agent_id, values in given.items():
        path = f"{root}.{agent_id}"
        if agent_id == FILE_OPTIONS_KEY:
            violations.extend(_check_files(tool, values, path))
            if isinstance(values, Mapping):
                files = {k: dict(v) for k, v in values.items() if isinstance(v, Mapping)}
            continue
        agent = tool.agent(agent_id)
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
    return ValidatedParameters(by_agent=effective, files=files)


def _check_files(tool: ToolDef, values: Any, path: str) -> list[Violation]:
    if not isinstance(values, Mapping):
        return [Violation(path, "must be a JSON object keyed by file slot")]
    violations: list[Violation] = []
    slots = [s.slot for s in tool.files if s.slot != PARAMETERS_SLOT]
    for slot, options in values.items():
        where = f"{path}.{slot}"
        if slot not in slots:
            violations.append(
                Violation(where, f"'{slot}' is not a data file slot (slots: {', '.join(slots)})")
            )
            continue
        if not isinstance(options, Mapping):
            violations.append(Violation(where, "must be a JSON object of file options"))
            continue
        for name, value in options.items():
            if name not in FILE_OPTIONS:
                known = ", ".join(FILE_OPTIONS)
                violations.append(Violation(f"{where}.{name}", f"unknown file option ({known})"))
            elif not isinstance(value, str) or not 1 <= len(value) <= 31:
                violations.append(Violation(f"{where}.{name}", f"must be {FILE_OPTIONS[name]}"))
    return violations


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
