"""Properties of the drift core over generated inputs (hypothesis).

* The bounds of every binned metric contain its value for every share
  vector inside the boxes (the claim of ``estimates``' docstring).
* For any small pair of columns (numbers, text, nulls, blanks, constants,
  empty), every result is finite, the observer's bin counts add up to the
  profile's numeric count, and observers merged from split batches give the
  same result as one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from analysis_service.domain.drift import DriftParameters, StatisticalTest
from analysis_service.domain.drift.estimates import (
    Shares,
    chi_square,
    js_distance,
    psi,
    total_variation,
)
from analysis_service.domain.drift.observer import NumericObservation
from tests.unit.analysis.drift_support import assert_all_finite, run_drift

pytestmark = pytest.mark.unit

FAST = settings(
    max_examples=60,
    deadline=None,
    database=None,  # no .hypothesis directory in the work tree
    derandomize=True,  # the same examples on every run: CI never flakes on a new draw
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@st.composite
def boxed(draw: st.DrawFn) -> tuple[Shares, Shares, np.ndarray, np.ndarray]:
    """Two boxed share vectors and one share vector inside each box."""
    cells = draw(st.integers(1, 8))
    unit = st.floats(0.0, 1.0, allow_nan=False)
    p = np.array(draw(st.lists(unit, min_size=cells, max_size=cells))) + 1e-9
    q = np.array(draw(st.lists(unit, min_size=cells, max_size=cells))) + 1e-9
    p, q = p / p.sum(), q / q.sum()
    width = draw(st.floats(0.0, 0.2))

    def box(values: np.ndarray, exact: bool) -> tuple[Shares, np.ndarray]:
        if exact:
            return Shares(values, values, values), values
        low = np.maximum(
            values - width * np.array(draw(st.lists(unit, min_size=cells, max_size=cells))), 0
        )
        high = np.minimum(
            values + width * np.array(draw(st.lists(unit, min_size=cells, max_size=cells))), 1
        )
        inside = low + (high - low) * np.array(draw(st.lists(unit, min_size=cells, max_size=cells)))
        # The bounds promise to contain every *distribution* in the box: the
        # drawn point must be one (shares summing to 1), or it proves nothing.
        inside = inside / inside.sum() if inside.sum() > 0 else values
        assume(bool(np.all(inside >= low - 1e-12) and np.all(inside <= high + 1e-12)))
        return Shares(values, low, high), inside

    base, true_p = box(p, draw(st.booleans()))
    cur, true_q = box(q, draw(st.booleans()))
    return base, cur, true_p, true_q


@FAST
@given(boxed(), st.integers(10, 10_000), st.integers(10, 10_000))
def test_bounds_contain_every_value_in_the_box(
    case: tuple[Shares, Shares, np.ndarray, np.ndarray], n_base: int, n_cur: int
) -> None:
    base, cur, true_p, true_q = case
    exact_p, exact_q = Shares(true_p, true_p, true_p), Shares(true_q, true_q, true_q)
    tolerance = 1e-9
    for metric in (
        lambda b, c: psi(b, c, 1e-4),
        js_distance,
        total_variation,
        lambda b, c: chi_square(b, c, n_base, n_cur).statistic,
    ):
        bounded, truth = metric(base, cur), metric(exact_p, exact_q)
        assert bounded.lower - tolerance <= truth.value <= bounded.upper + tolerance
        assert bounded.lower <= bounded.value <= bounded.upper
        assert all(np.isfinite([bounded.lower, bounded.value, bounded.upper]))
    bounded_test = chi_square(base, cur, n_base, n_cur)
    true_test = chi_square(exact_p, exact_q, n_base, n_cur)
    assert true_test.p_value.upper <= bounded_test.p_value.upper + tolerance


cell = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False).map(repr),
    st.integers(-5, 5).map(str),
    st.sampled_from(["a", "b", "c", " ", "n/a", "", "1e999", "x1", "true"]),
)


@st.composite
def column(draw: st.DrawFn) -> list[str]:
    kind = draw(st.sampled_from(["mixed", "constant", "empty", "null", "numeric"]))
    size = draw(st.integers(0, 400))
    if kind == "constant":
        return [draw(cell)] * size
    if kind == "empty":
        return []
    if kind == "null":
        return [""] * size
    if kind == "numeric":
        return [repr(v) for v in draw(st.lists(st.floats(-1e3, 1e3), min_size=size, max_size=size))]
    return draw(st.lists(cell, min_size=size, max_size=size))


def frame(values: list[str]) -> pd.DataFrame:
    # A second, always-filled column keeps rows that are all empty from being blank lines.
    return pd.DataFrame({"v": pd.Series(values, dtype=object), "row": range(len(values))})


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(column(), column(), st.sampled_from(list(StatisticalTest)), st.integers(1, 50))
def test_any_columns_give_finite_mergeable_results(
    baseline: list[str], current: list[str], test: StatisticalTest, min_size: int
) -> None:
    params = DriftParameters(statistical_test=test, min_sample_size=min_size)
    single = run_drift(frame(baseline), frame(current), params, batch_rows=37)
    split = run_drift(frame(baseline), frame(current), params, batch_rows=37, observers=3)
    assert_all_finite(single.result)
    assert split.result == single.result
    observation = single.observer.observation("v")
    if isinstance(observation, NumericObservation):
        column = single.current.column("v")
        assert observation.total == column.numeric_count - column.infinite_count
