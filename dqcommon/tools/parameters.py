"""Validation of task parameters against the catalog's schemas.

Parameters are one JSON object keyed by agent id, each value an object of
that agent's parameters: the ``parameters.json`` the frontend's form builds
(every parameter of the agent, hidden ones at their defaults). Only the
agents the task runs are read; values for other agents (even unknown ids)
are ignored. ``null`` means "the default". Arrays and objects may also come
as JSON-encoded strings, as some forms send them.

Validation is linear in the size of the input and bounded: every array,
object and string has a size limit, and at most ``MAX_VIOLATIONS`` problems
are listed (with a count of the rest). It returns the effective values:
each selected agent's defaults overlaid with what the user gave.

Beside the agent ids, the key ``files`` (:data:`FILE_OPTIONS_KEY`) holds
options of the input files, by slot: ``{"files": {"primary": {"sheet":
"Sales"}}}`` reads the worksheet "Sales" of an Excel primary file. Unlike
another agent's values, file options are always checked: they change how
every agent of the task reads its input.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dqcommon.tools.catalog import FILE_OPTIONS_KEY
from dqcommon.tools.model import AgentDef, ParamDef, ParamType, ToolDef
from dqcommon.tools.null_strategies import column_strategy_problems
from dqcommon.tools.patterns import format_test_problems, range_test_problems, schema_problems

#: Options a file may have, with what each must be.
FILE_OPTIONS = {"sheet": "the name of a worksheet of an Excel file (1 to 31 characters)"}

#: Limits of one parameter value (README "Parameters").
MAX_ITEMS = 10_000
MAX_KEYS = 10_000
MAX_STRING = 10_000
#: A JSON-encoded array or object given as a string.
MAX_ENCODED = 1024 * 1024
#: Problems listed in one error.
MAX_VIOLATIONS = 50


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
    """Raised with the violations found (at most ``MAX_VIOLATIONS``;
    ``omitted`` counts the others)."""

    def __init__(self, violations: Sequence[Violation], omitted: int = 0) -> None:
        self.violations = tuple(violations)
        self.omitted = omitted
        more = f" (and {omitted} more)" if omitted else ""
        super().__init__("; ".join(f"{v.field}: {v.description}" for v in violations) + more)


class _Collector:
    def __init__(self) -> None:
        self.items: list[Violation] = []
        self.omitted = 0

    @property
    def full(self) -> bool:
        return len(self.items) >= MAX_VIOLATIONS

    def add(self, field: str, description: str) -> None:
        if self.full:
            self.omitted += 1
        else:
            self.items.append(Violation(field, description))


def validate_parameters(
    tool: ToolDef, agents: Sequence[str], raw: Any, *, root: str = "parameters"
) -> ValidatedParameters:
    """Checks the parameters of ``agents`` in ``raw`` against their schemas
    and returns the effective values. Raises :class:`ParameterError`."""
    problems = _Collector()
    given: Mapping[str, Any] = {}
    if raw is None:
        given = {}
    elif not isinstance(raw, Mapping):
        problems.add(root, "must be a JSON object keyed by agent id")
    else:
        given = raw

    effective: dict[str, dict[str, Any]] = {}
    for agent_id in agents:
        agent = tool.agent(agent_id)
        if agent is None:
            continue
        values = agent.defaults()
        supplied = given.get(agent_id)
        path = f"{root}.{agent_id}"
        if supplied is None:
            pass
        elif not isinstance(supplied, Mapping):
            problems.add(path, "must be a JSON object of parameter values")
        else:
            values.update(_check_agent(agent, supplied, path, problems))
        effective[agent_id] = values

    files: dict[str, dict[str, Any]] = {}
    if FILE_OPTIONS_KEY in given and given[FILE_OPTIONS_KEY] is not None:
        files = _check_files(tool, given[FILE_OPTIONS_KEY], f"{root}.{FILE_OPTIONS_KEY}", problems)

    if problems.items:
        raise ParameterError(problems.items, problems.omitted)
    return ValidatedParameters(by_agent=effective, files=files)


def _check_files(
    tool: ToolDef, values: Any, path: str, problems: _Collector
) -> dict[str, dict[str, Any]]:
    """The file options by slot (bounded: a tool has a handful of slots and
    one option)."""
    if not isinstance(values, Mapping):
        problems.add(path, "must be a JSON object keyed by file slot")
        return {}
    slots = [s.slot for s in tool.files]
    accepted: dict[str, dict[str, Any]] = {}
    for slot, options in values.items():
        where = _clip(f"{path}.{slot}")
        if slot not in slots:
            problems.add(
                where, f"is not a data file slot of {tool.tool_id} (slots: {', '.join(slots)})"
            )
            continue
        if not isinstance(options, Mapping):
            problems.add(where, "must be a JSON object of file options")
            continue
        for name, value in options.items():
            if name not in FILE_OPTIONS:
                problems.add(
                    _clip(f"{where}.{name}"), f"unknown file option ({', '.join(FILE_OPTIONS)})"
                )
            elif not isinstance(value, str) or not 1 <= len(value) <= 31:
                problems.add(f"{where}.{name}", f"must be {FILE_OPTIONS[name]}")
            else:
                accepted.setdefault(str(slot), {})[name] = value
    return accepted


def _check_agent(
    agent: AgentDef, values: Mapping[str, Any], path: str, problems: _Collector
) -> dict[str, Any]:
    specs = {p.name: p for p in agent.parameters}
    known = ", ".join(specs) or "none"
    accepted: dict[str, Any] = {}
    for name, value in values.items():
        spec = specs.get(name)
        if spec is None:
            if problems.full:
                problems.omitted += 1
            else:
                problems.add(
                    _clip(f"{path}.{name}"),
                    f"unknown parameter of {agent.agent_id} (parameters: {known})",
                )
            continue
        field = f"{path}.{name}"
        if value is None:
            continue  # null: the default
        checked, problem = _check_value(spec, value)
        if problem:
            problems.add(field, problem)
            continue
        content = _CONTENT_CHECKS.get(name)
        inner = content(checked, values) if content is not None else []
        for column, what in inner:
            problems.add(_clip(f"{field}.{column}"), what)
        if not inner:
            accepted[name] = checked
    return accepted


#: Parameters whose content has a shape of its own (by parameter name):
#: regexes must compile on the engine that runs them, ranges be numbers,
#: null strategies be known ones (``constant`` with its fill value). Each
#: check gets the value and the agent's other supplied values; it returns
#: (key inside the value, problem) pairs.
_CONTENT_CHECKS: dict[str, Callable[[Any, Mapping[str, Any]], list[tuple[str, str]]]] = {
    "format_tests": lambda value, _others: format_test_problems(value),
    "range_tests": lambda value, _others: range_test_problems(value),
    "column_strategies": lambda value, others: column_strategy_problems(
        value, others.get("fill_values")
    ),
    # quarantine-agent: the same shapes as test-coverage-agent's tests
    "format_constraints": lambda value, _others: format_test_problems(value),
    "range_constraints": lambda value, _others: range_test_problems(value),
    "expected_schema": lambda value, _others: schema_problems(value),
}


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _check_value(spec: ParamDef, value: Any) -> tuple[Any, str | None]:
    """The normalised value, or a problem."""
    kind = spec.type
    if kind is ParamType.BOOLEAN:
        return value, None if isinstance(value, bool) else "must be true or false"
    if kind in (ParamType.INTEGER, ParamType.FLOAT):
        return _check_number(spec, value)
    if kind is ParamType.STRING:
        if not isinstance(value, str):
            return value, "must be a string"
        if len(value) > MAX_STRING:
            return value, f"must be at most {MAX_STRING} characters long"
        if spec.allowed and value not in spec.allowed:
            return value, f"must be one of {', '.join(spec.allowed)} (got '{_clip(value)}')"
        return value, None
    if isinstance(value, str):
        decoded, problem = _decode(value, kind)
        if problem:
            return value, problem
        value = decoded
    if kind is ParamType.ARRAY:
        return value, _check_array(spec, value)
    if kind is ParamType.OBJECT:
        if not isinstance(value, Mapping):
            return value, "must be a JSON object"
        if len(value) > MAX_KEYS:
            return value, f"must have at most {MAX_KEYS} keys (got {len(value)})"
        return dict(value), None
    return value, f"unsupported parameter type {kind.value}"  # pragma: no cover - catalog bug


def _check_number(spec: ParamDef, value: Any) -> tuple[Any, str | None]:
    if not _is_number(value):
        return value, "must be a number"
    if spec.type is ParamType.INTEGER:
        if float(value) != int(value):
            return value, "must be a whole number"
        value = int(value)
    if spec.minimum is not None and value < spec.minimum:
        return value, f"must be at least {_fmt(spec.minimum)} (got {_fmt(value)})"
    if spec.maximum is not None and value > spec.maximum:
        return value, f"must be at most {_fmt(spec.maximum)} (got {_fmt(value)})"
    return (float(value) if spec.type is ParamType.FLOAT else value), None


def _check_array(spec: ParamDef, value: Any) -> str | None:
    if not isinstance(value, list):
        return f"must be a JSON array{_of(spec)}"
    if len(value) > MAX_ITEMS:
        return f"must have at most {MAX_ITEMS} items (got {len(value)})"
    if spec.items == "string":
        if not all(isinstance(v, str) for v in value):
            return "must be a list of strings"
        if any(len(v) > MAX_STRING for v in value):
            return f"items must be at most {MAX_STRING} characters long"
        if spec.allowed:
            allowed = set(spec.allowed)
            bad = [v for v in value if v not in allowed]
            if bad:
                shown = ", ".join(_clip(v) for v in bad[:5])
                return f"unknown values {shown} (allowed: {', '.join(spec.allowed)})"
    elif spec.items == "object" and not all(isinstance(v, Mapping) for v in value):
        return "must be a list of JSON objects"
    return None


def _decode(text: str, kind: ParamType) -> tuple[Any, str | None]:
    """A JSON-encoded array or object given as a string."""
    expected = "array" if kind is ParamType.ARRAY else "object"
    if len(text) > MAX_ENCODED:
        return None, f"must be a JSON {expected} (the string is too long to decode)"
    try:
        return json.loads(text), None
    except (ValueError, RecursionError):
        return None, f"must be a JSON {expected} (or a string holding one)"


def _of(spec: ParamDef) -> str:
    return f" of {spec.items}s" if spec.items else ""


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
