"""The one numeric reading of the cleaning agents and the batch reservoir."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis_service.cleaning.numbers import Reservoir, numeric_cells


def test_numeric_cells() -> None:
    col = pd.Series([" 12 ", "1e3", "inf", "1,000", "nan", "-.5", None, "٣", "7."], dtype="string")
    mask, values, _ = numeric_cells(col)
    assert mask.tolist() == [True, True, False, False, False, True, False, False, True]
    assert values.tolist() == [12.0, 1000.0, -0.5, 7.0]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.from_regex(
            r"[+-]?([0-9]{1,25}\.?[0-9]{0,25}|\.[0-9]{1,25})([eE][+-]?[0-9]{1,3})?", fullmatch=True
        ),
        max_size=30,
    )
)
def test_numeric_cells_read_each_literal_as_python_float(texts: list[str]) -> None:
    mask, values, _ = numeric_cells(pd.Series(texts, dtype="string"))
    expected = [float(t) for t in texts if math.isfinite(float(t))]
    assert mask.tolist() == [math.isfinite(float(t)) for t in texts]
    assert values.tolist() == expected


def test_reservoir_is_exact_then_a_seeded_uniform_sample() -> None:
    def fill(seed: int) -> Reservoir:
        r = Reservoir(100, seed, with_rows=True)
        for start in range(0, 10_000, 999):
            x = np.arange(start, min(start + 999, 10_000), dtype=float)
            r.extend(x, x.astype(np.int64))
        return r

    r = fill(1)
    assert r.seen == 10_000 and len(r.values) == 100 and not r.exact
    assert (r.array() == r.row_array()).all()  # values and rows move together
    assert fill(1).array().tolist() == r.array().tolist()  # same seed, same sample
    assert 3_000 < r.array().mean() < 7_000
    small = Reservoir(100)
    small.extend(np.arange(50, dtype=float))
    assert small.exact and small.array().tolist() == list(range(50))
