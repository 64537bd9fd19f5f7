"""Categorical drift statistics against scipy on the raw values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from analysis_service.domain.drift import (
    CategoricalReference,
    ColumnKind,
    DriftParameters,
    DriftRules,
    Severity,
    StatisticalTest,
)
from tests.unit.analysis.drift_support import (
    SKETCH_CONFIG,
    DriftRun,
    assert_all_finite,
    run_drift,
)

pytestmark = pytest.mark.unit


def union_table(run: DriftRun, column: str) -> pd.DataFrame:
    """Counts per category (rows: baseline, current) from pandas."""
    base = run.raw("baseline", column).dropna().value_counts()
    cur = run.raw("current", column).dropna().value_counts()
    return pd.concat([base, cur], axis=1, keys=["baseline", "current"]).fillna(0).T


@pytest.fixture
def categories(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    baseline = pd.DataFrame(
        {"c": rng.choice(["a", "b", "c", "d", "  "], 4_000, p=[0.4, 0.3, 0.15, 0.1, 0.05])}
    )
    current = pd.DataFrame(
        {
            "c": rng.choice(
                ["a", "b", "c", "e", "f", "  "], 3_000, p=[0.3, 0.3, 0.2, 0.1, 0.05, 0.05]
            )
        }
    )
    baseline.loc[::97, "c"] = None  # nulls take no part
    current.loc[::89, "c"] = None
    return baseline, current


def test_exact_statistics_equal_scipy(categories: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    run = run_drift(*categories)
    column = run.result.column("c")
    drift = column.categorical
    assert column.kind is ColumnKind.CATEGORICAL and drift is not None
    assert drift.categories_exact and drift.chi2_over_union
    table = union_table(run, "c")
    statistic, p, dof, _ = stats.chi2_contingency(table.to_numpy(), correction=False)
    assert drift.chi2.statistic.exact and drift.chi2.p_value.exact
    assert drift.chi2.statistic.value == pytest.approx(statistic, rel=1e-9)
    assert drift.chi2.p_value.value == pytest.approx(p, rel=1e-6, abs=1e-300)
    assert drift.chi2.dof == dof == 7 - 1  # a b c d blank e f

    shares = table.div(table.sum(axis=1), axis=0)
    p_base, q_cur = shares.loc["baseline"].to_numpy(), shares.loc["current"].to_numpy()
    assert drift.js_distance.value == pytest.approx(jensenshannon(p_base, q_cur, base=2), rel=1e-9)
    assert drift.tvd.value == pytest.approx(0.5 * np.abs(p_base - q_cur).sum(), rel=1e-9)

    new = [v for v in table.columns if table.loc["baseline", v] == 0]
    assert sorted(new) == ["e", "f"]
    known = [v for v in table.columns if v not in new]
    pooled_p = np.append(shares.loc["baseline", known].to_numpy(), 0.0)
    pooled_q = np.append(shares.loc["current", known].to_numpy(), shares.loc["current", new].sum())
    floor = 1e-4
    pp, qq = np.maximum(pooled_p, floor), np.maximum(pooled_q, floor)
    assert drift.psi.value == pytest.approx(float(np.sum((qq - pp) * np.log(qq / pp))), rel=1e-9)

    assert drift.new_category_share == pytest.approx(shares.loc["current", new].sum())
    assert drift.new_category_rows == int(table.loc["current", new].sum())
    assert drift.new_categories == 2 and drift.new_categories_exact
    assert drift.absent_categories == 1 and drift.absent_examples == ("d",)
    assert drift.absent_category_share == pytest.approx(1 / 5)
    assert drift.absent_baseline_row_share == pytest.approx(shares.loc["baseline", "d"])
    assert drift.baseline_categories == 5 and drift.current_categories == 6
    by_value = {cell.value: cell for cell in drift.categories}
    assert by_value["  "].current_count == int(table.loc["current", "  "])  # blank is a value
    assert by_value[None].current_count == drift.new_category_rows
    assert column.drift_detected and column.severity is Severity.HIGH


def test_more_new_categories_than_counted_keeps_the_statistic(
    rng: np.random.Generator,
) -> None:
    baseline = pd.DataFrame({"c": rng.choice(["a", "b", "c"], 3_000)})
    current = pd.DataFrame({"c": rng.choice(["a", "b", "c", *[f"n{i}" for i in range(40)]], 3_000)})
    run = run_drift(baseline, current, rules=DriftRules(new_category_cap=5))
    drift = run.result.column("c").categorical
    assert drift is not None and not drift.chi2_over_union and not drift.new_categories_exact
    table = union_table(run, "c").to_numpy()
    statistic, _, _, _ = stats.chi2_contingency(table, correction=False)
    # Same statistic as over the union; the pooled table has 3 + 1 cells.
    assert drift.chi2.statistic.value == pytest.approx(statistic, rel=1e-9)
    assert drift.chi2.dof == 3
    assert drift.chi2.p_value.value == pytest.approx(stats.chi2.sf(statistic, 3), rel=1e-9)
    assert drift.new_category_share == pytest.approx(
        np.mean(~run.raw("current", "c").isin(["a", "b", "c"]))
    )
    exact = run_drift(baseline, current)  # default cap 1,024: over the union
    assert exact.result.column("c").categorical.chi2.dof == 42  # type: ignore[union-attr]


def test_sketched_baseline_bounds_hold(rng: np.random.Generator) -> None:
    tail = [f"t{i}" for i in range(2_000)]

    def column(n: int, heavy: list[float]) -> pd.DataFrame:
        values = rng.choice(["H1", "H2", "H3", "rest"], n, p=[*heavy, 1 - sum(heavy)])
        rest = values == "rest"
        values[rest] = rng.choice(tail, int(rest.sum()))
        return pd.DataFrame({"c": values})

    run = run_drift(
        column(20_000, [0.3, 0.2, 0.1]),
        column(15_000, [0.25, 0.25, 0.1]),
        config=SKETCH_CONFIG,  # top_k_cap=16 < 2,003 distinct values
        batch_rows=2_000,
    )
    ref = run.reference.columns["c"]
    assert isinstance(ref, CategoricalReference) and not ref.exact
    assert set(ref.categories) == {"H1", "H2", "H3"}  # only well-known frequent values
    drift = run.result.column("c").categorical
    assert drift is not None and not drift.categories_exact
    assert drift.new_category_share is None and drift.new_category_rows is None

    cells = ["H1", "H2", "H3"]
    base = run.raw("baseline", "c").dropna()
    cur = run.raw("current", "c").dropna()
    base_counts = np.append([np.sum(base == v) for v in cells], np.sum(~base.isin(cells)))
    cur_counts = np.append([np.sum(cur == v) for v in cells], np.sum(~cur.isin(cells)))
    assert [c.current_count for c in drift.categories] == cur_counts.tolist()  # exact
    assert drift.unmatched_share == pytest.approx(cur_counts[-1] / cur_counts.sum())
    true_p = base_counts / base_counts.sum()
    true_q = cur_counts / cur_counts.sum()
    for share, cell in zip(true_p, drift.categories, strict=True):
        assert cell.baseline_share.lower - 1e-12 <= share <= cell.baseline_share.upper + 1e-12
    statistic, p, _, _ = stats.chi2_contingency(
        np.vstack([base_counts, cur_counts]), correction=False
    )
    assert drift.chi2.statistic.lower <= statistic <= drift.chi2.statistic.upper
    assert drift.chi2.p_value.value is None and p <= drift.chi2.p_value.upper
    js = jensenshannon(true_p, true_q, base=2)
    assert drift.js_distance.lower <= js <= drift.js_distance.upper
    tvd = 0.5 * np.abs(true_p - true_q).sum()
    assert drift.tvd.lower <= tvd <= drift.tvd.upper
    pp, qq = np.maximum(true_p, 1e-4), np.maximum(true_q, 1e-4)
    true_psi = float(np.sum((qq - pp) * np.log(qq / pp)))
    assert drift.psi.lower <= true_psi <= drift.psi.upper
    assert run.result.column("c").drift_detected  # H1 -5 points, H2 +5 points


def test_high_cardinality_without_frequent_values_compares_nothing(
    rng: np.random.Generator,
) -> None:
    ids = pd.DataFrame({"id": [f"u{i}" for i in range(5_000)]})
    other = pd.DataFrame({"id": [f"v{i}" for i in range(4_000)]})
    run = run_drift(ids, other, config=SKETCH_CONFIG, batch_rows=1_000)
    drift = run.result.column("id").categorical
    assert drift is not None and drift.compared_categories == 0
    assert drift.psi.value == 0.0 and drift.chi2.dof == 0 and drift.chi2.p_value.value == 1.0
    assert drift.unmatched_share == 1.0 and drift.new_category_share is None
    assert not run.result.column("id").drift_detected
    assert_all_finite(run.result)


def test_single_category_columns() -> None:
    same = run_drift(pd.DataFrame({"s": ["A"] * 300}), pd.DataFrame({"s": ["A"] * 200}))
    drift = same.result.column("s").categorical
    assert drift is not None
    assert drift.chi2.dof == 0 and drift.chi2.statistic.value == 0.0
    assert drift.chi2.p_value.value == 1.0 and drift.psi.value == 0.0
    assert not same.result.column("s").drift_detected

    swapped = run_drift(pd.DataFrame({"s": ["A"] * 300}), pd.DataFrame({"s": ["B"] * 200}))
    drift = swapped.result.column("s").categorical
    assert drift is not None
    statistic, p, dof, _ = stats.chi2_contingency([[300, 0], [0, 200]], correction=False)
    assert drift.chi2.statistic.value == pytest.approx(statistic)
    assert drift.chi2.dof == dof == 1 and drift.chi2.p_value.value == pytest.approx(p)
    assert drift.new_category_share == 1.0 and drift.absent_category_share == 1.0
    assert drift.tvd.value == 1.0 and drift.js_distance.value == pytest.approx(1.0)
    for test in StatisticalTest:
        result = run_drift(
            pd.DataFrame({"s": ["A"] * 300}),
            pd.DataFrame({"s": ["B"] * 200}),
            DriftParameters(statistical_test=test),
        ).result
        assert result.column("s").drift_detected
        assert_all_finite(result)
    assert_all_finite(same.result)


def test_booleans_and_dates_compare_as_categories(rng: np.random.Generator) -> None:
    baseline = pd.DataFrame(
        {
            "flag": rng.choice(["true", "false"], 1_000, p=[0.7, 0.3]),
            "day": rng.choice(["2024-01-01", "2024-01-02"], 1_000),
        }
    )
    current = pd.DataFrame(
        {
            "flag": rng.choice(["true", "false"], 1_000, p=[0.4, 0.6]),
            "day": rng.choice(["2024-01-01", "2024-01-02"], 1_000),
        }
    )
    run = run_drift(baseline, current)
    assert run.result.column("flag").kind is ColumnKind.CATEGORICAL
    assert run.result.column("flag").drift_detected
    assert not run.result.column("day").drift_detected
