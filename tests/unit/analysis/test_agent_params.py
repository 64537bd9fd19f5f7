"""Every implemented agent's typed parameters match its catalog entry, and
the registry matches the catalog's available agents."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping

import pytest

from analysis_service.agents.params import ParameterMismatch
from analysis_service.agents.registry import implemented_agents
from analysis_service.agents.unified_profiler.params import ProfilerParams
from analysis_service.cleaning.registry import cleaning_agents
from dqcommon.tools.catalog import ParamType, default_catalog

pytestmark = pytest.mark.unit

_TYPES: dict[ParamType, tuple[object, ...]] = {
    ParamType.INTEGER: (int,),
    ParamType.FLOAT: (float,),
    ParamType.BOOLEAN: (bool,),
    ParamType.STRING: (str,),
    ParamType.ARRAY: (tuple,),
    ParamType.OBJECT: (Mapping, dict),
}


def _without_none(hint: object) -> object:
    """``int | None`` (a parameter whose default is null) -> ``int``."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if type(None) in typing.get_args(hint) and len(args) == 1:
        return args[0]
    return hint


def _catalog_agent(agent_id: str):  # type: ignore[no-untyped-def]
    for tool in default_catalog().tools:
        agent = tool.agent(agent_id)
        if agent is not None:
            return tool, agent
    raise AssertionError(f"{agent_id} is not in the catalog")


def _all_agents() -> dict[str, typing.Any]:
    """Profile and cleaning agents by id."""
    return {**implemented_agents(), **cleaning_agents()}


def test_registry_matches_the_catalogs_available_agents() -> None:
    available = {a for tool in default_catalog().tools for a in tool.available_agents()}
    assert set(_all_agents()) == available


@pytest.mark.parametrize("agent_id", sorted(_all_agents()))
def test_params_dataclass_matches_the_catalog_entry(agent_id: str) -> None:
    agent = _all_agents()[agent_id]
    _, entry = _catalog_agent(agent_id)
    params_type = agent.params_type
    assert dataclasses.is_dataclass(params_type)
    fields = {f.name: f for f in dataclasses.fields(params_type)}
    assert set(fields) == {p.name for p in entry.parameters}
    assert params_type.defaults() == entry.defaults()
    hints = typing.get_type_hints(params_type)
    for param in entry.parameters:
        hint = _without_none(hints[param.name]) if param.nullable else hints[param.name]
        origin = typing.get_origin(hint) or hint
        assert origin in _TYPES[param.type], (param.name, hint, param.type)
    # the catalog's defaults parse, and so does every value the validator lets through
    assert agent.parse_params(entry.defaults()) == params_type()


def test_from_mapping_converts_json_shapes_and_refuses_what_does_not_fit() -> None:
    params = ProfilerParams.from_mapping({"top_n_values": 5.0, "outlier_iqr_multiplier": 3})
    assert params.top_n_values == 5 and type(params.top_n_values) is int
    assert params.outlier_iqr_multiplier == 3.0 and type(params.outlier_iqr_multiplier) is float
    assert params.to_dict()["top_n_values"] == 5
    with pytest.raises(ParameterMismatch, match="unknown"):
        ProfilerParams.from_mapping({"nope": 1})
    with pytest.raises(ParameterMismatch, match="integer"):
        ProfilerParams.from_mapping({"top_n_values": 2.5})
    with pytest.raises(ParameterMismatch, match="integer"):
        ProfilerParams.from_mapping({"top_n_values": True})
