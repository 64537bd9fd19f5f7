"""null-handler's strategies: the one list, and the check of its
``column_strategies`` / ``fill_values`` parameters.

Task creation (:mod:`dqcommon.tools.parameters`) and the analysis
(``analysis_service/cleaning/agents/null_handler``) both use
:func:`column_strategy_problems`, so a strategy accepted at creation is one
the agent runs, and an unknown one is a 400, never silently skipped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

#: Every strategy a column of ``column_strategies`` may name.
NULL_STRATEGIES: tuple[str, ...] = (
    "mean",
    "median",
    "mode",
    "forward_fill",
    "backward_fill",
    "constant",
    "knn_imputation",
    "drop_column",
)


def _mapping(value: Any) -> Mapping[str, Any]:
    """``fill_values`` as given (a JSON-encoded string is decoded); anything
    else counts as empty (its own check reports it)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            return {}
    return value if isinstance(value, Mapping) else {}


def column_strategy_problems(
    strategies: Mapping[str, Any], fill_values: Any = None
) -> list[tuple[str, str]]:
    """(column, problem) for every column whose strategy is unknown, and for
    every ``constant`` column without a ``fill_values`` entry."""
    fills = _mapping(fill_values)
    problems = []
    for column, strategy in strategies.items():
        if strategy not in NULL_STRATEGIES:
            shown = strategy if isinstance(strategy, str) else json.dumps(strategy)
            problems.append(
                (
                    column,
                    f"unknown null strategy '{shown[:80]}' (allowed: {', '.join(NULL_STRATEGIES)})",
                )
            )
        elif strategy == "constant" and fills.get(column) is None:
            problems.append(
                (column, f"the constant strategy needs a fill_values entry for '{column}'")
            )
    return problems
