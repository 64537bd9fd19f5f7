"""drift-detector's parameters (the catalog entry, typed)."""

from __future__ import annotations

from dataclasses import dataclass

from analysis_service.agents.params import AgentParams, ParameterMismatch
from analysis_service.domain.drift import DriftParameters, StatisticalTest


@dataclass(frozen=True)
class DriftParams(AgentParams):
    """Every parameter has an effect:

    * ``statistical_test``: the rule that decides drift, per column kind
      (``kolmogorov_smirnov``: KS p-value for numeric columns, chi-square
      over the categories for categorical ones; ``chi2``: chi-square on the
      baseline-quantile bins / over the categories; ``wasserstein``: W1 over
      the baseline std / total variation, against an effect-size cut-off);
    * ``significance_level``: alpha of the p-value rules and the FDR of the
      Benjamini-Hochberg dataset verdict;
    * ``min_sample_size``: fewer non-null values on a side and the column is
      reported as ``insufficient_data`` (defined result, no statistics).
    """

    statistical_test: str = "kolmogorov_smirnov"
    significance_level: float = 0.05
    min_sample_size: int = 100

    def __post_init__(self) -> None:
        # The catalog's bounds are inclusive (0..1); a p-value rule and the
        # Benjamini-Hochberg level need 0 < alpha < 1.
        if not 0.0 < self.significance_level < 1.0:
            raise ParameterMismatch(
                f"significance_level must be strictly between 0 and 1 "
                f"(got {self.significance_level:g})"
            )

    def domain(self) -> DriftParameters:
        return DriftParameters(
            statistical_test=StatisticalTest(self.statistical_test),
            significance_level=self.significance_level,
            min_sample_size=self.min_sample_size,
        )
