"""What decides drift: the user's three parameters and the fixed rules.

:class:`DriftParameters` mirrors the drift-detector's catalog entry
(``statistical_test``, ``significance_level``, ``min_sample_size``).
:class:`DriftRules` holds everything else that shapes a result (bin count,
PSI floor, effect-size cut-offs, evidence caps). Its defaults are the usual
conventions (PSI 0.1 / 0.25 as in credit-risk monitoring and upstream,
normalised Wasserstein 0.1 as Evidently); they are data, not constants buried
in code, so an agent can expose any of them as a parameter later.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum


class StatisticalTest(Enum):
    """The test that decides whether one column drifted (see ``decide``)."""

    KOLMOGOROV_SMIRNOV = "kolmogorov_smirnov"
    CHI2 = "chi2"
    WASSERSTEIN = "wasserstein"

    @property
    def is_significance_test(self) -> bool:
        """Whether the rule compares a p-value with the significance level
        (the Wasserstein rule compares an effect size with a threshold)."""
        return self is not StatisticalTest.WASSERSTEIN


@dataclass(frozen=True)
class DriftParameters:
    """The agent's parameters, already validated against the catalog."""

    statistical_test: StatisticalTest = StatisticalTest.KOLMOGOROV_SMIRNOV
    significance_level: float = 0.05
    min_sample_size: int = 100

    def __post_init__(self) -> None:
        if not isinstance(self.statistical_test, StatisticalTest):
            object.__setattr__(self, "statistical_test", StatisticalTest(self.statistical_test))
        if not 0.0 < self.significance_level < 1.0:
            raise ValueError("significance_level must be strictly between 0 and 1")
        if self.min_sample_size < 1:
            raise ValueError("min_sample_size must be at least 1")


@dataclass(frozen=True)
class DriftRules:
    """Fixed rules with their conventional defaults.

    * ``psi_bins``: quantile bins of the baseline's range (deciles), plus the
      two edge bins for values below / above the baseline's range;
    * ``psi_floor``: shares below it count as it in PSI (only there: JS,
      chi-square and TVD take zero shares as they are);
    * ``psi_medium`` / ``psi_high``: severity cut-offs on PSI;
    * ``wasserstein_threshold``: the Wasserstein rule's cut-off, on the
      Wasserstein distance divided by the baseline's std for numeric columns
      and on the total variation distance for categorical ones;
    * ``std_floor_relative`` / ``std_floor_absolute``: the scale of a
      constant baseline (no spread to divide by): that share of the
      constant's magnitude, at least the absolute floor;
    * ``z_threshold``: row evidence for ``|x - baseline mean| / baseline std``
      above it; ``shift_band``: row evidence beyond ``mean ± band·std``
      (what the mean-shift row rule shows);
    * ``evidence_per_rule``: rows kept per column and rule (first in file
      order; the count of matching rows is always exact);
    * ``new_category_cap``: distinct new categories counted exactly per
      column (then a Misra-Gries summary of that size);
    * ``sketch_category_min_ratio``: when the baseline has more distinct
      values than its summary holds, a value is compared on its own only if
      its kept count is at least this multiple of the summary's error bound
      (the rest is one "other" cell).
    """

    psi_bins: int = 10
    psi_floor: float = 1e-4
    psi_medium: float = 0.1
    psi_high: float = 0.25
    wasserstein_threshold: float = 0.1
    std_floor_relative: float = 1e-3
    std_floor_absolute: float = 1e-3
    z_threshold: float = 3.0
    shift_band: float = 1.5
    evidence_per_rule: int = 100
    new_category_cap: int = 1024
    sketch_category_min_ratio: float = 4.0

    def __post_init__(self) -> None:
        if self.psi_bins < 1:
            raise ValueError("psi_bins must be at least 1")
        if not 0.0 < self.psi_floor < 1.0:
            raise ValueError("psi_floor must be strictly between 0 and 1")
        if not 0.0 <= self.psi_medium <= self.psi_high:
            raise ValueError("psi_medium must not exceed psi_high")
        for name in (
            "wasserstein_threshold",
            "z_threshold",
            "shift_band",
            "sketch_category_min_ratio",
        ):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number")
        if self.std_floor_absolute <= 0 or self.std_floor_relative < 0:
            raise ValueError("the std floors must be positive")
        if self.evidence_per_rule < 0 or self.new_category_cap < 1:
            raise ValueError("evidence_per_rule >= 0 and new_category_cap >= 1 are required")
