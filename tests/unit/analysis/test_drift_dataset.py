"""Decision rules, severity, Benjamini-Hochberg and the dataset verdict.

Numeric samples here are deterministic (normal quantiles on a grid), so a
shift of the grid gives a known KS statistic and Wasserstein distance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis_service.domain.drift import (
    ColumnStatus,
    DriftParameters,
    DriftRules,
    Severity,
    StatisticalTest,
)
from analysis_service.domain.drift.estimates import benjamini_hochberg
from tests.unit.analysis.drift_support import assert_all_finite, run_drift

pytestmark = pytest.mark.unit

KS, CHI2, WASSERSTEIN = (
    StatisticalTest.KOLMOGOROV_SMIRNOV,
    StatisticalTest.CHI2,
    StatisticalTest.WASSERSTEIN,
)


def grid(n: int, shift: float = 0.0) -> np.ndarray:
    return stats.norm.ppf((np.arange(n) + 0.5) / n) + shift


def labels(counts: dict[str, int]) -> list[str]:
    return [value for value, count in counts.items() for _ in range(count)]


@pytest.fixture
def small_shift() -> tuple[pd.DataFrame, pd.DataFrame]:
    """x: a 0.08 std shift (KS significant at n=5,000, Wasserstein < 0.1);
    c: 50/50 -> 56/44 (chi-square significant, total variation 0.06)."""
    baseline = pd.DataFrame({"x": grid(5_000), "c": labels({"a": 2_500, "b": 2_500})})
    current = pd.DataFrame({"x": grid(5_000, 0.08), "c": labels({"a": 2_800, "b": 2_200})})
    return baseline, current


def test_each_test_has_its_own_rule_on_each_kind(
    small_shift: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    results = {
        t: run_drift(*small_shift, DriftParameters(statistical_test=t)).result
        for t in (KS, CHI2, WASSERSTEIN)
    }
    ks_x = results[KS].column("x")
    assert ks_x.numeric is not None and ks_x.decision is not None
    assert ks_x.decision.statistic_name == "ks_p_value"
    assert ks_x.decision.statistic == ks_x.numeric.ks_p_value.value < 0.05
    assert ks_x.drift_detected and ks_x.decision.certain

    chi2_x = results[CHI2].column("x")
    assert chi2_x.numeric is not None and chi2_x.decision is not None
    assert chi2_x.decision.statistic_name == "binned_chi2_p_value"
    assert chi2_x.decision.statistic == chi2_x.numeric.binned_chi2.p_value.value
    assert chi2_x.drift_detected == (chi2_x.numeric.binned_chi2.p_value.upper < 0.05)

    w_x = results[WASSERSTEIN].column("x")
    assert w_x.numeric is not None and w_x.decision is not None
    assert w_x.decision.statistic_name == "wasserstein_normalised"
    assert w_x.decision.threshold == 0.1 and w_x.decision.p_value is None
    assert w_x.numeric.wasserstein_normalised.value == pytest.approx(0.08, rel=0.02)
    assert not w_x.drift_detected and w_x.severity is Severity.NONE

    for test in (KS, CHI2):  # KS orders values: categories use chi-square
        c = results[test].column("c")
        assert c.categorical is not None and c.decision is not None
        assert c.decision.statistic_name == "chi2_p_value"
        assert c.decision.statistic == c.categorical.chi2.p_value.value < 0.05
        assert c.drift_detected
    w_c = results[WASSERSTEIN].column("c")
    assert w_c.categorical is not None and w_c.decision is not None
    assert w_c.decision.statistic_name == "total_variation_distance"
    assert w_c.categorical.tvd.value == pytest.approx(0.06)
    assert not w_c.drift_detected
    assert results[WASSERSTEIN].multiple_testing is None
    assert not results[WASSERSTEIN].drift_detected
    assert results[KS].drift_detected and results[KS].multiple_testing is not None


def test_significance_level_is_honoured(small_shift: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    strict = run_drift(*small_shift, DriftParameters(significance_level=0.001)).result
    x = strict.column("x")
    assert x.numeric is not None and 0.001 < x.numeric.ks_p_value.upper < 0.05
    assert not x.drift_detected


def test_wasserstein_threshold_comes_from_the_rules(
    small_shift: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    lenient = run_drift(
        *small_shift,
        DriftParameters(statistical_test=WASSERSTEIN),
        rules=DriftRules(wasserstein_threshold=0.05),
    ).result
    assert lenient.column("x").drift_detected and lenient.column("c").drift_detected


def test_severity_follows_psi() -> None:
    baseline = pd.DataFrame({f"s{i}": grid(5_000) for i in range(4)})
    current = pd.DataFrame(
        {f"s{i}": grid(5_000, shift) for i, shift in enumerate((0.0, 0.2, 0.45, 1.0))}
    )
    result = run_drift(baseline, current).result
    severities = [result.column(f"s{i}").severity for i in range(4)]
    assert severities == [Severity.NONE, Severity.LOW, Severity.MEDIUM, Severity.HIGH]
    for column in result.columns[1:]:
        psi = column.psi
        assert psi is not None and column.drift_detected
        expected = Severity.HIGH if psi >= 0.25 else Severity.MEDIUM if psi >= 0.1 else Severity.LOW
        assert column.severity is expected
    assert result.severity_counts[Severity.NONE] == 1
    assert sum(result.severity_counts.values()) == len(result.columns)
    psis = [c.psi for c in result.columns if c.psi is not None]
    assert result.average_psi == pytest.approx(np.mean(psis))


def test_benjamini_hochberg_equals_scipy(rng: np.random.Generator) -> None:
    for size in (1, 2, 7, 50):
        p = rng.random(size) ** 3
        q, rejected = benjamini_hochberg(p.tolist(), 0.05)
        assert q == pytest.approx(stats.false_discovery_control(p, method="bh").tolist())
        assert rejected == [v <= 0.05 for v in q]
    assert benjamini_hochberg([], 0.05) == ([], [])


def test_dataset_verdict_controls_false_discoveries() -> None:
    """One column with p ~ 0.012 among nine identical ones: the flat share
    says 1 of 10 drifted, Benjamini-Hochberg (0.012 * 10 > 0.05) does not."""
    baseline = pd.DataFrame({f"k{i}": grid(5_000) for i in range(10)})
    current = baseline.copy()
    current["k0"] = grid(5_000, 0.08)
    result = run_drift(baseline, current).result
    k0 = result.column("k0")
    assert k0.drift_detected and k0.decision is not None and not k0.bh_rejected
    assert k0.q_value == pytest.approx(min(1.0, k0.decision.statistic * 10))
    assert result.drifted == 1 and result.drifted_share == pytest.approx(0.1)
    assert result.multiple_testing is not None and result.multiple_testing.tested == 10
    assert result.multiple_testing.rejected == () and not result.drift_detected

    current["k1"] = grid(5_000, 0.5)  # a clear shift is a discovery
    result = run_drift(baseline, current).result
    assert result.multiple_testing is not None and result.multiple_testing.rejected == ("k1",)
    assert result.drift_detected and result.column("k1").bh_rejected


def test_missing_and_new_columns(rng: np.random.Generator) -> None:
    baseline = pd.DataFrame({"a": grid(500), "b": labels({"x": 250, "y": 250}), "gone": 1})
    current = pd.DataFrame({"new": 2, "b": labels({"x": 250, "y": 250}), "a": grid(500)})
    result = run_drift(baseline, current).result
    assert result.missing_columns == ("gone",) and result.new_columns == ("new",)
    assert [c.name for c in result.columns] == ["b", "a"]  # the primary's order
    assert not result.drift_detected and result.drifted == 0 and result.compared == 2
    assert all(c.status is ColumnStatus.COMPARED for c in result.columns)
    assert_all_finite(result)


def test_type_change_makes_the_dataset_drift_under_every_test() -> None:
    baseline = pd.DataFrame({"v": grid(300), "w": grid(300)})
    current = pd.DataFrame({"v": ["text"] * 300, "w": grid(300)})
    for test in StatisticalTest:
        result = run_drift(baseline, current, DriftParameters(statistical_test=test)).result
        assert result.column("v").status is ColumnStatus.TYPE_CHANGED
        assert result.drift_detected and result.drifted == 1
        assert result.column("v").q_value is None  # no p-value, not in the BH family


def test_parameters_are_validated() -> None:
    assert DriftParameters(statistical_test="chi2").statistical_test is CHI2  # type: ignore[arg-type]
    for bad in ({"significance_level": 0.0}, {"significance_level": 1.0}, {"min_sample_size": 0}):
        with pytest.raises(ValueError):
            DriftParameters(**bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        DriftParameters(statistical_test="anderson")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        DriftRules(psi_medium=0.3, psi_high=0.2)
