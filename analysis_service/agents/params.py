"""Typed agent parameters.

Each agent declares its parameters as a frozen dataclass deriving from
:class:`AgentParams`: one field per catalog parameter, same name, same
default (a unit test checks every registered agent against its catalog
entry). Values arrive already validated by ``dqcommon.tools.parameters``
(types, bounds, allowed values); :meth:`AgentParams.from_mapping` only
overlays them on the defaults and converts JSON shapes to the field types
(a JSON list becomes a tuple, an integral float an int). Unknown keys are
refused, so a catalog parameter the agent does not declare cannot be
silently ignored.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any, Self, get_args, get_origin


class ParameterMismatch(ValueError):
    """Parameters that do not fit the agent's dataclass (a bug in the
    caller or a catalog that moved ahead of the agent)."""


@dataclasses.dataclass(frozen=True)
class AgentParams:
    """Base of every agent's parameter dataclass."""

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """The defaults, as JSON values (echoed as ``data.defaults``)."""
        return cls().to_dict()

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any] | None) -> Self:
        raw = dict(raw or {})
        unknown = sorted(set(raw) - set(cls.field_names()))
        if unknown:
            raise ParameterMismatch(f"unknown parameter(s): {', '.join(unknown)}")
        hints = typing.get_type_hints(cls)
        values = {name: _convert(name, value, hints[name]) for name, value in raw.items()}
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """Effective values as JSON (echoed as ``data.parameters``)."""
        return {f.name: _to_json(getattr(self, f.name)) for f in dataclasses.fields(self)}


def _to_json(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_to_json(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _to_json(v) for k, v in value.items()}
    return value


def _convert(name: str, value: Any, hint: Any) -> Any:
    origin = get_origin(hint)
    if hint is bool:
        if not isinstance(value, bool):
            raise ParameterMismatch(f"{name} must be a boolean")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
            raise ParameterMismatch(f"{name} must be an integer")
        return int(value)
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParameterMismatch(f"{name} must be a number")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ParameterMismatch(f"{name} must be a string")
        return value
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise ParameterMismatch(f"{name} must be a list")
        (item,) = get_args(hint)[:1]
        return tuple(_convert(name, v, item) if item is not Any else v for v in value)
    if origin in (Mapping, dict, typing.Mapping) or hint is dict:
        if not isinstance(value, Mapping):
            raise ParameterMismatch(f"{name} must be an object")
        return types.MappingProxyType(dict(value))
    return value
