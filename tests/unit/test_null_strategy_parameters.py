"""null-handler's column_strategies at task creation: an unknown strategy
and a constant without its fill value are refused (a 400), with the field
of the column; the analysis applies the same one list."""

from __future__ import annotations

import pytest

from analysis_service.cleaning.agents.null_handler.logic import STRATEGIES, validate_strategies
from dqcommon.tools import ParameterError, default_catalog, validate_parameters
from dqcommon.tools.null_strategies import NULL_STRATEGIES

CLEAN = default_catalog().tool("clean-my-data")
FIELD = "parameters.null-handler.column_strategies"


def violations(raw: dict) -> dict[str, str]:
    with pytest.raises(ParameterError) as caught:
        validate_parameters(CLEAN, ["null-handler"], raw)
    return {v.field: v.description for v in caught.value.violations}


def test_unknown_strategy_is_refused_with_the_allowed_list() -> None:
    found = violations({"null-handler": {"column_strategies": {"age": "average", "x": "mean"}}})
    assert list(found) == [f"{FIELD}.age"]
    assert found[f"{FIELD}.age"] == (
        "unknown null strategy 'average' (allowed: mean, median, mode, forward_fill, "
        "backward_fill, constant, knn_imputation, drop_column)"
    )


def test_constant_needs_a_fill_value() -> None:
    found = violations({"null-handler": {"column_strategies": {"code": "constant"}}})
    assert "fill_values entry for 'code'" in found[f"{FIELD}.code"]
    found = violations(
        {"null-handler": {"column_strategies": {"code": "constant"}, "fill_values": {"c": 1}}}
    )
    assert list(found) == [f"{FIELD}.code"]
    ok = validate_parameters(
        CLEAN,
        ["null-handler"],
        {
            "null-handler": {
                "fill_values": '{"code": "ZZ"}',  # JSON-encoded, as some forms send it
                "column_strategies": '{"code": "constant", "age": "knn_imputation"}',
            }
        },
    )
    assert ok.by_agent["null-handler"]["column_strategies"] == {
        "code": "constant",
        "age": "knn_imputation",
    }


def test_a_non_string_strategy_is_refused() -> None:
    found = violations({"null-handler": {"column_strategies": {"age": 3}}})
    assert "unknown null strategy '3'" in found[f"{FIELD}.age"]


def test_one_list_of_strategies() -> None:
    assert STRATEGIES is NULL_STRATEGIES
    with pytest.raises(ValueError, match="unknown null strategy 'average'"):
        validate_strategies({"age": "average"}, {})
