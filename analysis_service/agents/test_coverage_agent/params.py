"""test-coverage-agent's parameters (the catalog entry, typed)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from analysis_service.agents.params import AgentParams

#: The parameters echoed in ``data`` (upstream echoes only these five).
ECHOED = (
    "uniqueness_weight",
    "range_weight",
    "format_weight",
    "excellent_threshold",
    "good_threshold",
)


@dataclass(frozen=True)
class CoverageParams(AgentParams):
    """Every parameter has an effect:

    * ``unique_columns`` / ``range_tests`` / ``format_tests``: the tests,
      each run over every row (none at all: status ``not_configured``);
    * ``uniqueness_weight`` / ``range_weight`` / ``format_weight``: weights
      of the three dimension scores in the overall score (normalised, over
      the dimensions that have tests);
    * ``excellent_threshold`` / ``good_threshold``: status floors.
    """

    unique_columns: tuple[str, ...] = ()
    range_tests: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    format_tests: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    uniqueness_weight: float = 0.4
    range_weight: float = 0.3
    format_weight: float = 0.3
    excellent_threshold: int = 90
    good_threshold: int = 75

    @property
    def configured(self) -> bool:
        return bool(self.unique_columns or self.range_tests or self.format_tests)
