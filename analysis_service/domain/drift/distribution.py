"""One side's numeric distribution as a cdf, from the profile's bounded state.

A column's numeric values are either kept exactly (the profile's quantile
buffer, up to ``ProfileConfig.exact_quantile_limit`` values) or summarised by
a KLL sketch. :class:`NumericDistribution` turns either into a step cdf that
can be evaluated anywhere, with a stated error:

* exact: the empirical cdf of the values, error 0;
* sketch: the weighted cdf of the sketch's retained items (it *is* the
  sketch's own cdf). Its error is at most the sketch's normalised rank
  error ``eps`` (datasketches' single-sided bound at 99% confidence; about
  1.3% for k=200). In the tails the profile also keeps the ``k`` smallest and
  ``k`` largest values exactly (``Extremes``): below the k-th smallest value
  ``L`` and above the k-th largest ``H`` the cdf is computed from those and is
  exact, and between them the sketch's cdf is clipped to what the tails
  prove (``[k/n, 1 - k/n]``), so the error ``eps`` only applies on
  ``[L, H]``.

Two-sample statistics from two such cdfs (both are step functions, so the
supremum and the integral are attained on the union of their jump points):

* Kolmogorov-Smirnov ``D = sup |F_b - F_c|``: error at most
  ``eps_b + eps_c``;
* Wasserstein-1 ``W = integral |F_b - F_c| dx``: error at most
  ``eps_b (H_b - L_b) + eps_c (H_c - L_c)``.

Both equal scipy's ``ks_2samp`` / ``wasserstein_distance`` on the raw values
when both sides are exact (the same definitions, evaluated the same way).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from analysis_service.domain.profile import ColumnProfile

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class NumericDistribution:
    """A step cdf with its error (see the module docstring)."""

    n: int
    exact: bool
    raw: bool  # items are the values themselves (the exact buffer)
    rank_error: float
    pmf_error: float
    minimum: float
    maximum: float
    items: FloatArray  # sorted values (exact) or sketch items
    cumulative: FloatArray  # inclusive cdf at each item, in [0, 1]
    low_tail: FloatArray  # sorted k smallest values (sketch with tails only)
    high_tail: FloatArray  # sorted k largest values (sketch with tails only)

    @classmethod
    def from_profile(cls, column: ColumnProfile) -> NumericDistribution:
        state = column.quantile_state
        n = state.count
        moments = column.moments
        empty = np.empty(0)
        if n == 0:
            return cls(0, True, True, 0.0, 0.0, 0.0, 0.0, empty, empty, empty, empty)
        if not state.is_exact and moments.min == moments.max:
            # A sketched constant column: its cdf is known exactly.
            value = float(moments.min)
            single = np.array([value])
            return cls(n, True, False, 0.0, 0.0, value, value, single, np.ones(1), empty, empty)
        values, weights = state.weighted_items()
        cumulative = np.cumsum(weights) / float(weights.sum())
        if state.is_exact:
            return cls(
                n,
                True,
                True,
                0.0,
                0.0,
                float(values[0]),
                float(values[-1]),
                values,
                cumulative,
                empty,
                empty,
            )
        extremes = column.state.extremes
        low, high = np.sort(extremes.low_values), np.sort(extremes.high_values)
        with_tails = low.size == extremes.k == high.size and low.size > 0 and low[-1] < high[0]
        return cls(
            n=n,
            exact=False,
            raw=False,
            rank_error=state.rank_error,
            pmf_error=state.pmf_error,
            minimum=float(moments.min),
            maximum=float(moments.max),
            items=values,
            cumulative=cumulative,
            low_tail=low if with_tails else empty,
            high_tail=high if with_tails else empty,
        )

    @property
    def has_tails(self) -> bool:
        return self.low_tail.size > 0

    @property
    def uncertain_span(self) -> tuple[float, float]:
        """Where the cdf may be off by ``rank_error`` (empty when exact)."""
        if self.exact:
            return (0.0, 0.0)
        if self.has_tails:
            return (float(self.low_tail[-1]), float(self.high_tail[0]))
        return (self.minimum, self.maximum)

    def support(self) -> FloatArray:
        """The points where the cdf jumps (sorted, unique)."""
        if self.exact or not self.has_tails:
            return self.items
        low, high = self.uncertain_span
        middle = self.items[(self.items >= low) & (self.items <= high)]
        return np.unique(np.concatenate([self.low_tail, middle, self.high_tail]))

    def cdf(self, x: npt.ArrayLike, *, inclusive: bool = True) -> FloatArray:
        """Share of values ``<= x`` (``< x`` when not inclusive), vectorised."""
        points = np.asarray(x, dtype=np.float64)
        if self.n == 0:
            return np.zeros_like(points)
        side: Literal["left", "right"] = "right" if inclusive else "left"
        index = np.searchsorted(self.items, points, side=side)
        prefix = np.concatenate([[0.0], self.cumulative])
        result = prefix[index]
        if self.exact or not self.has_tails:
            return np.asarray(result, dtype=np.float64)
        k, n = float(self.low_tail.size), float(self.n)
        low, high = self.uncertain_span
        below_low = np.searchsorted(self.low_tail, points, side=side) / n
        above_high = 1.0 - (k - np.searchsorted(self.high_tail, points, side=side)) / n
        clipped = np.clip(result, k / n, 1.0 - k / n)
        if inclusive:
            in_low, in_high = points < low, points >= high
        else:
            in_low, in_high = points <= low, points > high
        return np.asarray(
            np.where(in_low, below_low, np.where(in_high, above_high, clipped)), dtype=np.float64
        )

    def error_at(self, x: npt.ArrayLike) -> FloatArray:
        """Bound of ``|cdf(x) - true cdf(x)|`` (either side), vectorised."""
        points = np.asarray(x, dtype=np.float64)
        if self.exact:
            return np.zeros_like(points)
        low, high = self.uncertain_span
        inside = (points >= low) & (points <= high)
        return np.where(inside, self.rank_error, 0.0)

    def share_errors(self, lower: FloatArray, upper: FloatArray) -> FloatArray:
        """Bound of the error of ``cdf(upper, exclusive) - cdf(lower,
        exclusive)`` (the share in ``[lower, upper)``), vectorised: the two
        cdf errors, or the sketch's own bound for shares when both ends are
        plain sketch values (datasketches' pmf error, smaller than twice
        the rank error). Pass ``-inf`` / ``+inf`` for ends known exactly."""
        e_low = np.where(np.isfinite(lower), self.error_at(lower), 0.0)
        e_high = np.where(np.isfinite(upper), self.error_at(upper), 0.0)
        plain = (e_low > 0) & (e_high > 0) & ~self._clipped(lower) & ~self._clipped(upper)
        return np.asarray(
            np.where(plain, np.minimum(e_low + e_high, self.pmf_error), e_low + e_high),
            dtype=np.float64,
        )

    def _clipped(self, points: FloatArray) -> npt.NDArray[np.bool_]:
        """Where the exclusive cdf was clipped to what the tails prove."""
        if self.exact or not self.has_tails:
            return np.zeros(points.shape, dtype=bool)
        prefix = np.concatenate([[0.0], self.cumulative])
        raw = prefix[np.searchsorted(self.items, points, side="left")]
        k, n = float(self.low_tail.size), float(self.n)
        return np.asarray((raw < k / n) | (raw > 1.0 - k / n))

    @property
    def wasserstein_error(self) -> float:
        """This side's share of the Wasserstein error bound."""
        low, high = self.uncertain_span
        return 0.0 if self.exact else self.rank_error * (high - low)


def _union(a: NumericDistribution, b: NumericDistribution) -> FloatArray:
    return np.union1d(a.support(), b.support())


def ks_statistic(a: NumericDistribution, b: NumericDistribution) -> tuple[float, float, float]:
    """(D, lower, upper) of the two-sample Kolmogorov-Smirnov statistic.

    The bounds use the pointwise cdf errors, so they are at most
    ``eps_a + eps_b`` away from ``D`` and tighter where the supremum lies in
    an exact tail.
    """
    if a.n == 0 or b.n == 0:
        return 0.0, 0.0, 0.0
    points = _union(a, b)
    gap = np.abs(a.cdf(points) - b.cdf(points))
    error = a.error_at(points) + b.error_at(points)
    statistic = min(float(np.max(gap)), 1.0)
    lower = max(float(np.max(gap - error)), 0.0)
    upper = min(float(np.max(gap + error)), 1.0)
    return statistic, lower, upper


def wasserstein(a: NumericDistribution, b: NumericDistribution) -> tuple[float, float]:
    """(W1, error bound) of the first Wasserstein distance."""
    if a.n == 0 or b.n == 0:
        return 0.0, 0.0
    points = _union(a, b)
    if points.size < 2:
        return 0.0, a.wasserstein_error + b.wasserstein_error
    gaps = np.diff(points)
    left = points[:-1]
    distance = float(np.sum(np.abs(a.cdf(left) - b.cdf(left)) * gaps))
    return distance, a.wasserstein_error + b.wasserstein_error
