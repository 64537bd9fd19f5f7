"""The one numeric reading of the cleaning agents and the batch reservoir."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis_service.cleaning.numbers import Reservoir, numeric_cells


def test_numeric_cells() -> None:
    col = pd.Series([" 12 ", "1e3", "inf", "1,000", "nan", "-.5", None, "٣", "7."], dtype="string")
    mask, values, _ = numeric_cells(col)
    assert mask.tolist() == [True, True, False, False, False, True, False, False, True]
    assert values.tolist() == [12.0, 1000.0, -0.5, 7.0]


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
