"""Mergeable sketches against pandas / scipy / exact answers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis_service.domain.sketches import DistinctState, Moments, QuantileState, TopK

pytestmark = pytest.mark.unit

REL = 1e-9


def _datasets(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {
        "normal": rng.normal(10, 3, 20_000),
        "lognormal": rng.lognormal(0, 1.5, 20_000),
        "integers": rng.integers(-50, 50, 5_000).astype(float),
        "large_offset": 1e9 + rng.normal(0, 1, 10_000),
        "tiny": np.array([1.0, 2.0, 4.0, 8.0, 100.0]),
    }


def _moments(values: np.ndarray, pieces: int = 1) -> Moments:
    acc = Moments()
    for part in np.array_split(values, pieces):
        piece = Moments()
        piece.update(part)
        acc.merge(piece)
    return acc


@pytest.mark.parametrize("pieces", [1, 3, 17])
def test_moments_match_pandas_and_scipy(rng: np.random.Generator, pieces: int) -> None:
    for name, values in _datasets(rng).items():
        m = _moments(values, pieces)
        series = pd.Series(values)
        assert m.count == len(values), name
        assert m.mean == pytest.approx(series.mean(), rel=REL), name
        assert m.variance == pytest.approx(series.var(), rel=1e-8), name
        assert m.std == pytest.approx(series.std(), rel=1e-8), name
        if name == "large_offset":
            # 1e9 + N(0, 1): third/fourth moments lose ~7 digits to the offset in
            # any float64 algorithm; compare with the exactly shifted data.
            shifted = values - 1e9
            assert m.skewness == pytest.approx(stats.skew(shifted, bias=False), rel=1e-3)
            assert m.kurtosis == pytest.approx(stats.kurtosis(shifted, bias=False), rel=1e-3)
            continue
        assert m.skewness == pytest.approx(series.skew(), rel=1e-6, abs=1e-9), name
        assert m.skewness == pytest.approx(stats.skew(values, bias=False), rel=1e-6, abs=1e-9)
        assert m.kurtosis == pytest.approx(series.kurt(), rel=1e-6, abs=1e-9), name
        assert m.kurtosis == pytest.approx(stats.kurtosis(values, bias=False), rel=1e-6, abs=1e-9)
        assert (m.min, m.max) == (values.min(), values.max())


def test_moments_tight_on_well_conditioned_data(rng: np.random.Generator) -> None:
    values = rng.gamma(2.0, 3.0, 100_000)
    m = _moments(values, 7)
    series = pd.Series(values)
    for got, want in [
        (m.mean, series.mean()),
        (m.variance, series.var()),
        (m.skewness, series.skew()),
        (m.kurtosis, series.kurt()),
    ]:
        assert got == pytest.approx(want, rel=1e-9)


def test_moments_edge_cases() -> None:
    m = Moments()
    assert (m.variance, m.skewness, m.kurtosis) == (None, None, None)
    m.update([5.0, 5.0, 5.0, 5.0, 5.0])
    series = pd.Series([5.0] * 5)
    assert m.variance == 0.0
    assert math.isnan(series.skew()) and math.isnan(series.kurt())
    assert m.skewness is None and m.kurtosis is None
    tenth = Moments()
    tenth.update([0.1] * 7)  # constant up to round-off
    assert tenth.skewness is None
    two = Moments()
    two.update([1.0, 2.0])
    assert two.skewness is None and two.kurtosis is None
    assert two.variance == pytest.approx(0.5)
    empty = Moments()
    two.merge(empty)
    assert two.count == 2


def test_exact_quantiles_equal_pandas(rng: np.random.Generator) -> None:
    values = rng.lognormal(0, 1, 5_001)
    q = QuantileState(exact_limit=10_000)
    for part in np.array_split(values, 4):
        q.update(part)
    assert q.is_exact and q.rank_error == 0.0
    qs = [0.0, 0.01, 0.25, 0.5, 0.75, 0.9, 1.0]
    assert q.quantiles(qs) == pd.Series(values).quantile(qs).tolist()
    below, above, bound = q.count_outside(0.5, 3.0)
    assert (below, above, bound) == (int((values < 0.5).sum()), int((values > 3.0).sum()), 0)
    assert q.cdf(1.0) == pytest.approx((values <= 1.0).mean())


def test_approximate_quantiles_within_rank_bound(rng: np.random.Generator) -> None:
    values = rng.standard_t(3, 1_000_000)
    q = QuantileState(exact_limit=100_000, k=200)
    for part in np.array_split(values, 20):
        q.update(part)
    assert not q.is_exact
    eps = q.rank_error
    assert 0.005 < eps < 0.02
    ordered = np.sort(values)
    n = len(values)
    for p in (0.01, 0.25, 0.5, 0.75, 0.99):
        estimate = q.quantile(p)
        rank = np.searchsorted(ordered, estimate, side="right") / n
        assert abs(rank - p) <= eps, p
    below, above, bound = q.count_outside(-3.0, 3.0)
    true = int((values < -3).sum() + (values > 3).sum())
    assert abs(below + above - true) <= bound


@pytest.mark.parametrize("sizes", [(300, 300, 300), (300, 900, 200), (900, 1200, 1500)])
def test_quantile_merge_exact_and_sketch(rng: np.random.Generator, sizes: tuple[int, ...]) -> None:
    """exact+exact, exact+sketch and sketch+sketch merges (limit 1000)."""
    parts = [rng.normal(0, 1, n) for n in sizes]
    states = []
    for part in parts:
        state = QuantileState(exact_limit=1000, k=200)
        state.update(part)
        states.append(state)
    merged = states[0]
    for other in states[1:]:
        merged.merge(other)
    values = np.concatenate(parts)
    assert merged.count == len(values)
    if len(values) <= 1000:
        assert merged.is_exact
        assert merged.quantile(0.5) == pd.Series(values).quantile(0.5)
    else:
        assert not merged.is_exact
        rank = (values <= merged.quantile(0.5)).mean()
        assert abs(rank - 0.5) <= merged.rank_error + 1 / len(values)


def test_distinct_exact_below_limit_and_merge() -> None:
    a, b = DistinctState(exact_limit=100), DistinctState(exact_limit=100)
    a.update([f"v{i}" for i in range(60)])
    b.update([f"v{i}" for i in range(30, 90)])
    a.merge(b)
    estimate = a.estimate()
    assert estimate.exact and estimate.value == 90


def test_distinct_hll_within_three_rse(rng: np.random.Generator) -> None:
    truth = 200_000
    parts = [DistinctState(exact_limit=10_000) for _ in range(3)]
    values = np.array([f"user-{i}@example.org" for i in range(truth)], dtype=object)
    for i, state in enumerate(parts):  # overlapping thirds
        state.update(values[i * 60_000 : i * 60_000 + 80_000])
    merged = parts[0]
    merged.merge(parts[1])
    merged.merge(parts[2])
    estimate = merged.estimate()
    assert not estimate.exact
    assert 0.005 < estimate.relative_standard_error < 0.02
    assert abs(estimate.value - truth) <= 3 * estimate.relative_standard_error * truth
    assert estimate.lower <= truth <= estimate.upper


def test_distinct_exact_to_sketch_merge() -> None:
    small, big = DistinctState(exact_limit=1000), DistinctState(exact_limit=1000)
    small.update([f"s{i}" for i in range(500)])
    big.update([f"b{i}" for i in range(5000)])
    small.merge(big)
    assert not small.estimate().exact
    assert abs(small.estimate().value - 5500) < 5500 * 0.06


def _feed(top: TopK, values: np.ndarray, pieces: int) -> None:
    for part in np.array_split(values, pieces):
        uniques, counts = np.unique(part, return_counts=True)
        top.update(uniques, counts)


def test_topk_exact_when_small(rng: np.random.Generator) -> None:
    values = rng.choice(
        np.array(["a", "b", "c", "d"], dtype=object), 10_000, p=[0.5, 0.3, 0.15, 0.05]
    )
    top = TopK(cap=16)
    _feed(top, values, 5)
    assert top.is_exact and top.error_bound == 0
    expected = pd.Series(values).value_counts()
    assert [(e.value, e.count) for e in top.top(4)] == list(expected.items())


def test_topk_bounded_error_and_merge(rng: np.random.Generator) -> None:
    n = 200_000
    heavy = rng.zipf(1.3, n) % 50_000
    values = np.array([f"k{v}" for v in heavy], dtype=object)
    parts = np.array_split(values, 3)
    tops = []
    for part in parts:
        top = TopK(cap=256)
        _feed(top, part, 4)
        tops.append(top)
    merged = tops[0]
    merged.merge(tops[1])
    merged.merge(tops[2])
    assert merged.total == n
    assert not merged.is_exact
    assert merged.error_bound <= n / 257
    truth = pd.Series(values).value_counts()
    for entry in merged.top(20):
        true = int(truth[entry.value])
        assert true - merged.error_bound <= entry.count <= true
    # every value more frequent than the bound is reported
    reported = {e.value for e in merged.top(256)}
    for value, count in truth.items():
        if count > merged.error_bound:
            assert value in reported
        else:
            break
    assert math.isfinite(merged.error_bound)
