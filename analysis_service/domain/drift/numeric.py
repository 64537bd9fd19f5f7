"""Drift statistics of one numeric column (see the package docstring).

KS p-values: when both sides are exact the p-value is scipy's ``ks_2samp``
on the two exact buffers (its exact distribution up to 10,000 values per
side, Smirnov's asymptotic one above). When a side is a sketch no point
p-value is given: ``D`` is known within ``±(eps_b + eps_c)``, and the
asymptotic p-value at the two ends of that interval bounds the true one
(Smirnov's limiting distribution of ``sqrt(mn / (m + n)) D``,
``scipy.stats.kstwobign``: at these sizes within about 1% of scipy's finite-n
``kstwo`` and never below it in our checks, so the upper bound stays
conservative, while ``kstwo`` can take a second per call). At
the sizes where sketches are used (over 100,000 values) the sampling noise
of ``D`` (about ``1/sqrt(n)``) is smaller than the sketch error, so a point
p-value would mostly measure the sketch (the erratic whylogs p-values); the
upper bound only falls below the significance level when the shift is
larger than the sketch can explain.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import stats

from analysis_service.domain.drift.distribution import (
    NumericDistribution,
    ks_statistic,
    wasserstein,
)
from analysis_service.domain.drift.estimates import (
    Estimate,
    PValue,
    Shares,
    chi_square,
    js_distance,
    psi,
)
from analysis_service.domain.drift.observer import NumericObservation
from analysis_service.domain.drift.reference import NumericReference
from analysis_service.domain.drift.results import BinShare, NumericDrift, NumericSummary
from analysis_service.domain.drift.settings import DriftRules
from analysis_service.domain.profile import ColumnProfile


def summarise(column: ColumnProfile) -> NumericSummary:
    moments = column.moments
    p5, median, p95 = column.quantiles([0.05, 0.5, 0.95])
    minimum = float(moments.min) if moments.count else 0.0
    return NumericSummary(
        count=moments.count,
        mean=float(moments.mean) if moments.count else 0.0,
        std=moments.std,
        minimum=minimum,
        maximum=float(moments.max) if moments.count else 0.0,
        median=minimum if median is None else median,
        p5=minimum if p5 is None else p5,
        p95=minimum if p95 is None else p95,
        quantiles_exact=column.quantile_state.is_exact,
    )


def baseline_scale(ref: NumericReference, rules: DriftRules) -> tuple[float, bool]:
    """(scale, floored): the baseline std, or the floor for a constant
    baseline (or one with fewer than two values)."""
    if not ref.constant and ref.std is not None and ref.std > 0:
        return ref.std, False
    floor = max(rules.std_floor_relative * abs(ref.mean), rules.std_floor_absolute)
    return floor, True


def ks_test(base: NumericDistribution, cur: NumericDistribution) -> tuple[Estimate, PValue]:
    if base.raw and cur.raw:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # exact -> asymptotic fallback
            result = stats.ks_2samp(base.items, cur.items)
        return Estimate.of(float(result.statistic)), PValue.of(float(result.pvalue))
    statistic, low, high = ks_statistic(base, cur)
    m, n = sorted([float(base.n), float(cur.n)], reverse=True)
    effective = round(m * n / (m + n))
    if base.exact and cur.exact:  # a sketched constant side: over 10,000 values, asymptotic
        return Estimate.of(statistic), PValue.of(float(stats.kstwo.sf(statistic, effective)))
    root = math.sqrt(m * n / (m + n))
    return (
        Estimate.bounded(statistic, low, high),
        PValue.bounded(
            lower=float(stats.kstwobign.sf(high * root)),
            upper=float(stats.kstwobign.sf(low * root)),
        ),
    )


def compare_numeric(
    ref: NumericReference,
    current: ColumnProfile,
    observation: NumericObservation,
    rules: DriftRules,
) -> NumericDrift:
    base_dist = NumericDistribution.from_profile(ref.profile)
    cur_dist = NumericDistribution.from_profile(current)
    ks, ks_p = ks_test(base_dist, cur_dist)

    distance, distance_error = wasserstein(base_dist, cur_dist)
    w1 = Estimate.bounded(distance, max(distance - distance_error, 0.0), distance + distance_error)
    scale, floored = baseline_scale(ref, rules)
    w1_norm = Estimate.bounded(w1.value / scale, w1.lower / scale, w1.upper / scale)

    counts = observation.bin_counts
    total = observation.total
    base_shares = ref.shares
    cur_shares = Shares.exact(counts, float(total))
    bins = tuple(
        BinShare(
            lower=lower,
            upper=upper,
            baseline_share=Estimate.bounded(
                float(base_shares.point[i]),
                float(base_shares.lower[i]),
                float(base_shares.upper[i]),
            ),
            current_count=int(counts[i]),
            current_share=float(cur_shares.point[i]),
        )
        for i, (lower, upper) in enumerate(ref.bins.bounds())
    )
    baseline = summarise(ref.profile)
    summary = summarise(current)
    change_in_std = (
        None if summary.std is None or baseline.std is None else summary.std - baseline.std
    )
    return NumericDrift(
        baseline=baseline,
        current=summary,
        ks_statistic=ks,
        ks_p_value=ks_p,
        wasserstein=w1,
        wasserstein_normalised=w1_norm,
        scale=scale,
        scale_floored=floored,
        psi=psi(base_shares, cur_shares, rules.psi_floor),
        js_distance=js_distance(base_shares, cur_shares),
        binned_chi2=chi_square(base_shares, cur_shares, ref.count, total),
        bins=bins,
        below_range_share=float(cur_shares.point[0]),
        above_range_share=float(cur_shares.point[-1]),
        change_in_mean=summary.mean - baseline.mean,
        change_in_median=summary.median - baseline.median,
        change_in_std=change_in_std,
    )


def z_scores(values: list[float], ref: NumericReference) -> tuple[float, ...] | None:
    """(value - baseline mean) / baseline std, or None without a spread."""
    if ref.std is None or ref.std <= 0 or ref.constant:
        return None
    z = (np.asarray(values, dtype=np.float64) - ref.mean) / ref.std
    return tuple(float(v) if math.isfinite(v) else 0.0 for v in z)
