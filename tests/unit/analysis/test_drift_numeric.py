"""Numeric drift statistics against scipy computed on the raw values.

Exact cases (both sides within the profile's exact buffers) must equal scipy;
sketch cases (small ``exact_quantile_limit`` so a few thousand rows already
use the KLL sketch) must hold the true value within their stated bounds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from analysis_service.domain.drift import (
    ColumnStatus,
    DriftParameters,
    NumericReference,
    Severity,
    StatisticalTest,
)
from analysis_service.domain.profile import ProfileConfig
from tests.unit.analysis.drift_support import (
    SKETCH_CONFIG,
    DriftRun,
    assert_all_finite,
    run_drift,
)

pytestmark = pytest.mark.unit


def binned(run: DriftRun, column: str) -> tuple[np.ndarray, np.ndarray]:
    """(baseline counts, current counts) per bin, computed with numpy from
    the raw values and the reference's edges: below, inner bins, above."""
    ref = run.reference.columns[column]
    assert isinstance(ref, NumericReference)
    edges = np.append(ref.bins.edges, ref.maximum)

    def counts(values: np.ndarray) -> np.ndarray:
        inner, _ = np.histogram(values, bins=edges)  # last bin closed, as ours
        if edges.size == 2 and edges[0] == edges[1]:  # constant baseline: one point
            inner = np.array([np.count_nonzero(values == edges[0])])
        below = np.count_nonzero(values < edges[0])
        above = np.count_nonzero(values > edges[-1])
        return np.concatenate([[below], inner, [above]])

    return counts(run.numbers("baseline", column)), counts(run.numbers("current", column))


def reference_psi(base: np.ndarray, cur: np.ndarray, floor: float = 1e-4) -> float:
    p = np.maximum(base / base.sum(), floor)
    q = np.maximum(cur / cur.sum(), floor)
    return float(np.sum((q - p) * np.log(q / p)))


def reference_chi2(base: np.ndarray, cur: np.ndarray) -> tuple[float, float, int]:
    table = np.vstack([base, cur]).astype(float)
    table = table[:, table.sum(axis=0) > 0]
    statistic, p, dof, _ = stats.chi2_contingency(table, correction=False)
    return float(statistic), float(p), int(dof)


@pytest.fixture
def shifted(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    baseline = pd.DataFrame({"x": rng.normal(10, 2, 3_000), "skewed": rng.lognormal(1, 0.8, 3_000)})
    current = pd.DataFrame(
        {"x": rng.normal(10.6, 2.5, 2_500), "skewed": rng.lognormal(1.1, 0.8, 2_500)}
    )
    current.loc[:9, "x"] = [40, 41, -20, 55, 60, 61, 62, 63, -30, 70]  # outside the range
    return baseline, current


def test_exact_statistics_equal_scipy(shifted: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    run = run_drift(*shifted)
    for column in ("x", "skewed"):
        drift = run.result.column(column).numeric
        assert drift is not None
        base, cur = run.numbers("baseline", column), run.numbers("current", column)
        ks = stats.ks_2samp(base, cur)
        assert drift.ks_statistic.exact and drift.ks_p_value.exact
        assert drift.ks_statistic.value == pytest.approx(ks.statistic, abs=1e-12)
        assert drift.ks_p_value.value == pytest.approx(ks.pvalue, rel=1e-9, abs=1e-300)
        w1 = stats.wasserstein_distance(base, cur)
        assert drift.wasserstein.exact
        assert drift.wasserstein.value == pytest.approx(w1, rel=1e-9)
        assert drift.wasserstein_normalised.value == pytest.approx(
            w1 / np.std(base, ddof=1), rel=1e-9
        )
        assert not drift.scale_floored

        base_counts, cur_counts = binned(run, column)
        assert [b.current_count for b in drift.bins] == cur_counts.tolist()
        assert [b.baseline_share.value for b in drift.bins] == pytest.approx(
            (base_counts / base_counts.sum()).tolist(), abs=1e-12
        )
        assert drift.psi.exact
        assert drift.psi.value == pytest.approx(reference_psi(base_counts, cur_counts), rel=1e-9)
        js = jensenshannon(base_counts / base_counts.sum(), cur_counts / cur_counts.sum(), base=2)
        assert drift.js_distance.value == pytest.approx(js, rel=1e-9, abs=1e-12)
        statistic, p, dof = reference_chi2(base_counts, cur_counts)
        assert drift.binned_chi2.statistic.value == pytest.approx(statistic, rel=1e-9)
        assert drift.binned_chi2.p_value.value == pytest.approx(p, rel=1e-6, abs=1e-300)
        assert drift.binned_chi2.dof == dof

        assert drift.baseline.mean == pytest.approx(base.mean(), rel=1e-12)
        assert drift.current.median == pytest.approx(np.median(cur), rel=1e-12)
        assert drift.change_in_mean == pytest.approx(cur.mean() - base.mean(), rel=1e-9)


def test_bins_are_baseline_deciles_with_edge_bins_never_dropped(
    shifted: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    run = run_drift(*shifted)
    drift = run.result.column("x").numeric
    assert drift is not None
    base, cur = run.numbers("baseline", "x"), run.numbers("current", "x")
    ref = run.reference.columns["x"]
    assert isinstance(ref, NumericReference)
    expected = np.unique([base.min(), *np.quantile(base, np.arange(1, 10) / 10)])
    assert ref.bins.edges.tolist() == pytest.approx(expected.tolist(), rel=1e-12)
    assert drift.bins[0].lower is None and drift.bins[-1].upper is None
    assert drift.bins[0].baseline_share.value == 0.0 == drift.bins[-1].baseline_share.value
    assert drift.below_range_share == pytest.approx(np.mean(cur < base.min()))
    assert drift.above_range_share == pytest.approx(np.mean(cur > base.max()))
    assert drift.bins[-1].current_count == np.count_nonzero(cur > base.max()) > 0
    assert sum(b.current_count for b in drift.bins) == cur.size  # nothing dropped


def test_sketch_values_are_within_their_bounds(rng: np.random.Generator) -> None:
    n = 20_000  # ten times the exact limit of SKETCH_CONFIG
    baseline = pd.DataFrame({"x": rng.lognormal(2, 0.7, n)})
    current = pd.DataFrame({"x": rng.lognormal(2.05, 0.75, n + 1_000)})
    run = run_drift(baseline, current, config=SKETCH_CONFIG, batch_rows=2_500)
    drift = run.result.column("x").numeric
    assert drift is not None
    base, cur = run.numbers("baseline", "x"), run.numbers("current", "x")

    ks = stats.ks_2samp(base, cur)
    assert not drift.ks_statistic.exact and drift.ks_p_value.value is None
    assert drift.ks_statistic.lower <= ks.statistic <= drift.ks_statistic.upper
    assert drift.ks_statistic.error_bound <= 2 * 0.0134  # eps_b + eps_c for k=200
    assert ks.pvalue <= drift.ks_p_value.upper
    w1 = stats.wasserstein_distance(base, cur)
    assert drift.wasserstein.lower <= w1 <= drift.wasserstein.upper
    assert not drift.wasserstein.exact

    base_counts, cur_counts = binned(run, "x")
    assert [b.current_count for b in drift.bins] == cur_counts.tolist()  # always exact
    true_shares = base_counts / base_counts.sum()
    for share, bin_ in zip(true_shares, drift.bins, strict=True):
        assert bin_.baseline_share.lower - 1e-12 <= share <= bin_.baseline_share.upper + 1e-12
    true_psi = reference_psi(base_counts, cur_counts)
    assert drift.psi.lower <= true_psi <= drift.psi.upper
    true_js = jensenshannon(true_shares, cur_counts / cur_counts.sum(), base=2)
    assert drift.js_distance.lower <= true_js <= drift.js_distance.upper
    statistic, p, _ = reference_chi2(base_counts, cur_counts)
    chi2 = drift.binned_chi2
    assert chi2.statistic.lower <= statistic <= chi2.statistic.upper
    assert chi2.p_value.value is None and p <= chi2.p_value.upper


def test_default_caps_sketch_above_the_exact_limit(rng: np.random.Generator) -> None:
    n = 110_000  # past the default exact_quantile_limit of 100,000
    baseline = pd.DataFrame({"v": rng.normal(0, 1, n)})
    current = pd.DataFrame({"v": rng.normal(0.03, 1, n)})
    run = run_drift(baseline, current, batch_rows=50_000)
    drift = run.result.column("v").numeric
    assert drift is not None and not drift.ks_statistic.exact
    base, cur = run.numbers("baseline", "v"), run.numbers("current", "v")
    ks = stats.ks_2samp(base, cur)
    assert drift.ks_statistic.lower <= ks.statistic <= drift.ks_statistic.upper
    w1 = stats.wasserstein_distance(base, cur)
    assert drift.wasserstein.lower <= w1 <= drift.wasserstein.upper
    # A 0.03 std shift is real here (the exact test's p is about 1e-15) but
    # close to the sketch's error, and the KLL sketches compact at random:
    # most runs cannot decide (no drift claimed), about one in twenty gets
    # bounds tight enough to be certain. Whenever the decision is certain it
    # must be the exact test's.
    decision = run.result.column("v").decision
    assert decision is not None
    if decision.certain:
        assert decision.drift_detected is bool(ks.pvalue < decision.threshold)
    else:
        assert not decision.drift_detected


def test_mixed_exact_and_sketch_sides(rng: np.random.Generator) -> None:
    baseline = pd.DataFrame({"x": rng.normal(0, 1, 1_500)})  # exact (limit 2,000)
    current = pd.DataFrame({"x": rng.normal(0.5, 1, 12_000)})  # sketch
    run = run_drift(baseline, current, config=SKETCH_CONFIG, batch_rows=3_000)
    drift = run.result.column("x").numeric
    assert drift is not None
    base, cur = run.numbers("baseline", "x"), run.numbers("current", "x")
    ks = stats.ks_2samp(base, cur)
    assert drift.ks_statistic.lower <= ks.statistic <= drift.ks_statistic.upper
    assert drift.psi.exact  # the baseline is exact, current bins always are
    assert drift.psi.value == pytest.approx(reference_psi(*binned(run, "x")), rel=1e-9)
    assert run.result.column("x").drift_detected  # half a std is far beyond the bound


def test_constant_columns_have_defined_results() -> None:
    same = run_drift(pd.DataFrame({"k": [5] * 300}), pd.DataFrame({"k": [5] * 200}))
    column = same.result.column("k")
    drift = column.numeric
    assert drift is not None
    assert drift.ks_statistic.value == 0.0 and drift.ks_p_value.value == 1.0
    assert drift.wasserstein.value == 0.0 and drift.psi.value == 0.0
    assert drift.js_distance.value == 0.0 and drift.scale_floored
    assert not column.drift_detected and column.severity is Severity.NONE
    assert len(drift.bins) == 3  # below, the constant, above

    moved = run_drift(pd.DataFrame({"k": [5] * 300}), pd.DataFrame({"k": [6] * 200}))
    drift = moved.result.column("k").numeric
    assert drift is not None
    assert drift.ks_statistic.value == 1.0 and drift.wasserstein.value == pytest.approx(1.0)
    assert drift.scale == pytest.approx(0.005)  # 0.1% of the constant, at least 0.001
    assert drift.wasserstein_normalised.value == pytest.approx(200.0)
    assert drift.above_range_share == 1.0
    for test in StatisticalTest:
        result = run_drift(
            pd.DataFrame({"k": [5] * 300}),
            pd.DataFrame({"k": [6] * 200}),
            DriftParameters(statistical_test=test),
        )
        assert result.result.column("k").drift_detected
        assert result.result.column("k").severity is Severity.HIGH
        assert_all_finite(result.result)
    assert_all_finite(same.result)


def test_sketched_constant_column_is_exact() -> None:
    run = run_drift(
        pd.DataFrame({"k": [7.5] * 5_000}),
        pd.DataFrame({"k": [7.5] * 4_000}),
        config=SKETCH_CONFIG,
        batch_rows=1_000,
    )
    drift = run.result.column("k").numeric
    assert drift is not None
    assert drift.ks_statistic.exact and drift.ks_statistic.value == 0.0
    assert drift.ks_p_value.value == 1.0 and drift.wasserstein.value == 0.0


def test_type_change_empty_and_too_small_columns(rng: np.random.Generator) -> None:
    baseline = pd.DataFrame(
        {
            "num_to_text": rng.normal(0, 1, 400),
            "emptied": rng.normal(0, 1, 400),
            "small": [1.0] * 150 + [None] * 250,
            "text_to_num": rng.choice(["a", "b"], 400),
        }
    )
    current = pd.DataFrame(
        {
            "num_to_text": rng.choice(["x", "y", "z"], 300),
            "emptied": [None] * 300,
            "small": rng.normal(0, 1, 300),
            "text_to_num": rng.integers(0, 9, 300),
        }
    )
    run = run_drift(baseline, current, DriftParameters(min_sample_size=200))
    changed = run.result.column("num_to_text")
    assert changed.status is ColumnStatus.TYPE_CHANGED and changed.drift_detected
    assert changed.severity is Severity.HIGH
    assert changed.baseline_numeric_share == 1.0 and changed.current_numeric_share == 0.0
    assert run.result.column("text_to_num").status is ColumnStatus.TYPE_CHANGED
    emptied = run.result.column("emptied")
    assert emptied.status is ColumnStatus.INSUFFICIENT_DATA and not emptied.drift_detected
    assert emptied.current_null_share == 1.0 and "current file has 0" in emptied.reason
    small = run.result.column("small")
    assert small.status is ColumnStatus.INSUFFICIENT_DATA and "150" in small.reason
    assert run.result.compared == 2 and run.result.drifted == 2
    assert_all_finite(run.result)

    allowed = run_drift(baseline, current, DriftParameters(min_sample_size=100))
    assert allowed.result.column("small").status is ColumnStatus.COMPARED


def test_header_only_current_file(rng: np.random.Generator) -> None:
    baseline = pd.DataFrame({"x": rng.normal(0, 1, 500), "c": rng.choice(["a", "b"], 500)})
    run = run_drift(baseline, b"x,c\n")
    assert all(c.status is ColumnStatus.INSUFFICIENT_DATA for c in run.result.columns)
    assert run.result.compared == 0 and run.result.drifted_share == 0.0
    assert not run.result.drift_detected and run.result.average_psi is None
    assert_all_finite(run.result)


def test_integer_and_float_sides_compare_as_numbers(rng: np.random.Generator) -> None:
    baseline = pd.DataFrame({"q": rng.poisson(5, 2_000)})  # integer
    current = pd.DataFrame({"q": rng.poisson(5, 2_000) + 0.5})  # float
    run = run_drift(baseline, current, config=ProfileConfig())
    column = run.result.column("q")
    assert column.status is ColumnStatus.COMPARED and column.numeric is not None
    assert column.numeric.change_in_mean == pytest.approx(
        run.numbers("current", "q").mean() - run.numbers("baseline", "q").mean()
    )


def test_exact_p_value_above_the_exact_method_size(rng: np.random.Generator) -> None:
    """Above 10,000 values per side scipy switches to the asymptotic
    distribution; the buffers are still exact, and so is the equality."""
    run = run_drift(
        pd.DataFrame({"x": rng.normal(0, 1, 12_000)}),
        pd.DataFrame({"x": rng.normal(0.02, 1, 11_000)}),
        batch_rows=5_000,
    )
    drift = run.result.column("x").numeric
    assert drift is not None and drift.ks_p_value.exact
    ks = stats.ks_2samp(run.numbers("baseline", "x"), run.numbers("current", "x"))
    assert drift.ks_statistic.value == pytest.approx(ks.statistic, abs=1e-12)
    assert drift.ks_p_value.value == pytest.approx(ks.pvalue, rel=1e-9)


@pytest.mark.parametrize("n", [2_000, 20_000])
def test_smirnov_limit_is_conservative_for_the_sketch_bounds(n: int) -> None:
    """The sketch's p-value bounds use kstwobign(sqrt(n) D); it must not be
    below scipy's finite-n kstwo, or the upper bound would not be one."""
    for d in np.linspace(0.2, 4.0, 12) / np.sqrt(n):
        assert stats.kstwobign.sf(d * np.sqrt(n)) >= stats.kstwo.sf(d, n)
