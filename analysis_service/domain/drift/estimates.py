"""Statistics with their error bounds, over shares of a fixed partition.

Every binned or categorical drift metric here compares a baseline share
vector ``p`` with a current share vector ``q`` over the same cells (bins or
categories). When a side comes from a sketch its shares are only known to lie
in a box ``[lo, hi]`` per cell; the metric is then reported as the value at
the point estimates together with a lower and an upper bound that hold for
every share vector in the box.

Why the bounds are valid: each metric is a sum of per-cell terms ``f(p, q)``
that are jointly convex, zero where ``p == q``, growing as ``p`` and ``q``
move apart (PSI: ``(q - p) ln(q / p)``; Jensen-Shannon; total variation;
Pearson's chi-square as ``n_b n_c (p - q)^2 / (n_b p + n_c q)``). A convex
function reaches its maximum over a box at a corner, and such a term reaches
its minimum at the corner nearest the diagonal (zero if the box touches it).
Summing per-cell extremes ignores that shares add up to one, so the bounds are
conservative, never too narrow.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats
from scipy.special import xlogy

FloatArray = npt.NDArray[np.float64]
Term = Callable[[FloatArray, FloatArray], FloatArray]
LN2 = math.log(2.0)


@dataclass(frozen=True)
class Estimate:
    """A statistic: exact, or a point estimate within ``[lower, upper]``.

    When ``exact`` the three numbers are equal. All three are always finite.
    """

    value: float
    lower: float
    upper: float
    exact: bool

    @classmethod
    def of(cls, value: float) -> Estimate:
        v = float(value)
        return cls(v, v, v, True)

    @classmethod
    def bounded(cls, value: float, lower: float, upper: float) -> Estimate:
        lo, hi = float(min(lower, value)), float(max(upper, value))
        return cls(float(value), lo, hi, lo == hi)

    @property
    def error_bound(self) -> float:
        """Largest distance from ``value`` to the true value (0 when exact)."""
        return max(self.upper - self.value, self.value - self.lower)


@dataclass(frozen=True)
class PValue:
    """A p-value: exact (``value``), or only bounded when a side is a sketch.

    ``upper`` is a valid upper bound of the true p-value (equal to ``value``
    when exact): a decision ``upper < significance level`` can only be a
    false alarm with the test's own error rate. No point p-value is reported
    from sketched state (see the package docstring).
    """

    value: float | None
    lower: float
    upper: float

    @classmethod
    def of(cls, value: float) -> PValue:
        v = _clip01(value)
        return cls(v, v, v)

    @classmethod
    def bounded(cls, lower: float, upper: float) -> PValue:
        return cls(None, _clip01(min(lower, upper)), _clip01(upper))

    @property
    def exact(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class ChiSquare:
    """A chi-square test of homogeneity (no continuity correction)."""

    statistic: Estimate
    dof: int
    p_value: PValue


@dataclass(frozen=True)
class Shares:
    """One side's shares per cell: point values and a box around them."""

    point: FloatArray
    lower: FloatArray
    upper: FloatArray

    @classmethod
    def exact(cls, counts: npt.ArrayLike, total: float) -> Shares:
        values = np.asarray(counts, dtype=np.float64)
        point = values / total if total > 0 else np.zeros_like(values)
        return cls(point, point, point)

    @property
    def is_exact(self) -> bool:
        return bool(np.array_equal(self.lower, self.upper))


def _clip01(value: float) -> float:
    return float(min(max(value, 0.0), 1.0))


# --- per-cell terms ---------------------------------------------------------


def psi_terms(floor: float) -> Term:
    def term(p: FloatArray, q: FloatArray) -> FloatArray:
        pf, qf = np.maximum(p, floor), np.maximum(q, floor)
        return np.asarray((qf - pf) * np.log(qf / pf), dtype=np.float64)

    return term


def _js_terms(p: FloatArray, q: FloatArray) -> FloatArray:
    """Jensen-Shannon divergence terms in bits (log base 2)."""
    m = (p + q) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        left = np.where(p > 0, xlogy(p, p) - xlogy(p, m), 0.0)
        right = np.where(q > 0, xlogy(q, q) - xlogy(q, m), 0.0)
    return np.asarray(np.maximum((left + right) / (2.0 * LN2), 0.0), dtype=np.float64)


def _tvd_terms(p: FloatArray, q: FloatArray) -> FloatArray:
    return np.asarray(np.abs(p - q) / 2.0, dtype=np.float64)


def chi2_terms(n_baseline: float, n_current: float) -> Term:
    def term(p: FloatArray, q: FloatArray) -> FloatArray:
        denominator = n_baseline * p + n_current * q
        with np.errstate(divide="ignore", invalid="ignore"):
            value = n_baseline * n_current * (p - q) ** 2 / denominator
        return np.asarray(np.where(denominator > 0, value, 0.0), dtype=np.float64)

    return term


def _range(term: Term, base: Shares, cur: Shares) -> tuple[float, float, float]:
    """(point, lower, upper) of ``sum(term)`` over the boxes."""
    point = float(term(base.point, cur.point).sum())
    if base.is_exact and cur.is_exact:
        return point, point, point
    p_lo, p_hi, q_lo, q_hi = base.lower, base.upper, cur.lower, cur.upper
    corners = np.stack([term(p_lo, q_lo), term(p_lo, q_hi), term(p_hi, q_lo), term(p_hi, q_hi)])
    upper = corners.max(axis=0)
    lower = np.where(p_lo > q_hi, term(p_lo, q_hi), np.where(q_lo > p_hi, term(p_hi, q_lo), 0.0))
    return point, float(lower.sum()), float(upper.sum())


# --- metrics ------------------------------------------------------------------


def psi(base: Shares, cur: Shares, floor: float) -> Estimate:
    """Population stability index, sum of ``(q - p) ln(q / p)`` with shares
    below ``floor`` taken as ``floor`` (so empty cells stay finite)."""
    point, lo, hi = _range(psi_terms(floor), _floored(base, floor), _floored(cur, floor))
    return Estimate.bounded(point, lo, hi)


def _floored(shares: Shares, floor: float) -> Shares:
    return Shares(
        np.maximum(shares.point, floor),
        np.maximum(shares.lower, floor),
        np.maximum(shares.upper, floor),
    )


def js_distance(base: Shares, cur: Shares) -> Estimate:
    """Jensen-Shannon distance with log base 2, so it lies in [0, 1]
    (``scipy.spatial.distance.jensenshannon(p, q, base=2)``)."""
    point, lo, hi = _range(_js_terms, base, cur)
    return Estimate.bounded(
        math.sqrt(min(point, 1.0)), math.sqrt(min(lo, 1.0)), math.sqrt(min(hi, 1.0))
    )


def total_variation(base: Shares, cur: Shares) -> Estimate:
    """Half the L1 distance of the shares: the Wasserstein distance under
    the discrete metric (every two different categories one apart)."""
    point, lo, hi = _range(_tvd_terms, base, cur)
    return Estimate.bounded(point, lo, min(hi, 1.0))


def chi_square(
    base: Shares,
    cur: Shares,
    n_baseline: int,
    n_current: int,
    *,
    dof: int | None = None,
) -> ChiSquare:
    """Pearson's chi-square test of homogeneity of the 2 x K table of counts
    (``scipy.stats.chi2_contingency(table, correction=False)``).

    ``dof`` defaults to the number of cells with a positive total minus one;
    with boxes the upper p bound uses every cell that may be positive and the
    lower bound only those that surely are. A table with one cell (a single
    category on both sides) has no degrees of freedom: statistic 0, p = 1.
    """
    if n_baseline <= 0 or n_current <= 0:
        return ChiSquare(Estimate.of(0.0), 0, PValue.of(1.0))
    point, lo, hi = _range(chi2_terms(float(n_baseline), float(n_current)), base, cur)
    sure = int(np.count_nonzero((base.point > 0) | (cur.point > 0)))
    maybe = int(np.count_nonzero((base.upper > 0) | (cur.upper > 0)))
    dof_point = max(dof if dof is not None else sure - 1, 0)
    dof_max = dof_point if dof is not None else max(dof_point, maybe - 1)
    if dof_max == 0:
        return ChiSquare(Estimate.of(0.0), 0, PValue.of(1.0))
    statistic = Estimate.bounded(point, lo, hi)
    if statistic.exact:
        return ChiSquare(statistic, dof_point, PValue.of(float(stats.chi2.sf(point, dof_point))))
    return ChiSquare(
        statistic,
        dof_point,
        PValue.bounded(
            lower=float(stats.chi2.sf(statistic.upper, max(dof_point, 1))),
            upper=float(stats.chi2.sf(statistic.lower, dof_max)),
        ),
    )


def benjamini_hochberg(p_values: Sequence[float], level: float) -> tuple[list[float], list[bool]]:
    """BH-adjusted p-values (q-values) and which hypotheses are rejected at
    false-discovery rate ``level`` (step-up; ``q <= level``)."""
    p = np.asarray(p_values, dtype=np.float64)
    m = p.size
    if m == 0:
        return [], []
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(m)
    q[order] = np.minimum(adjusted, 1.0)
    return [float(v) for v in q], [bool(v <= level) for v in q]
