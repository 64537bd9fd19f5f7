"""Full-row duplicates: row hashes, the bounded state, merging, sampling."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from analysis_service.domain.row_hashes import DuplicateRowState, hash_rows, hash_strings

pytestmark = pytest.mark.unit


def columns(frame: pd.DataFrame) -> list[pa.Array]:
    return [pa.array(frame[c], type=pa.large_string(), from_pandas=True) for c in frame]


def feed(state: DuplicateRowState, hashes: np.ndarray, batch: int) -> DuplicateRowState:
    for start in range(0, len(hashes), batch):
        state.update(hashes[start : start + batch], start)
    return state


@pytest.fixture
def frame(rng: np.random.Generator) -> pd.DataFrame:
    n = 30_000
    return pd.DataFrame(
        {
            "a": rng.integers(0, 40, n).astype(str),
            "b": rng.choice(["x", "y", None, "zz", "é"], n),
            "c": rng.integers(0, 30, n).astype(str),
        }
    )


def test_hashes_are_deterministic_and_separate_cells() -> None:
    values = pa.array(["", "a", "a\x00", "ab", "ba", "é", "a" * 300_000], type=pa.large_string())
    first, again = hash_strings(values), hash_strings(values)
    assert (first == again).all() and len(set(first.tolist())) == len(values)
    # "ab","c" is not "a","bc"; a null is not an empty value
    left = hash_rows([pa.array(["ab"], pa.large_string()), pa.array(["c"], pa.large_string())])
    right = hash_rows([pa.array(["a"], pa.large_string()), pa.array(["bc"], pa.large_string())])
    assert left[0] != right[0]
    assert (
        hash_rows([pa.array([None], pa.large_string())])[0]
        != hash_rows([pa.array([""], pa.large_string())])[0]
    )
    sliced = pa.array(["q", "ab", "c"], pa.large_string()).slice(1)
    assert (hash_strings(sliced) == hash_strings(pa.array(["ab", "c"], pa.large_string()))).all()


def test_exact_count_and_first_occurrences_as_pandas(frame: pd.DataFrame) -> None:
    hashes = hash_rows(columns(frame))
    assert len(np.unique(hashes)) == len(frame.drop_duplicates())
    result = feed(DuplicateRowState(examples_cap=50), hashes, 7_000).result()
    duplicated = frame.duplicated()
    assert result.exact and result.duplicate_rows == int(duplicated.sum())
    rows = [r for r, _ in result.examples]
    assert rows == np.flatnonzero(duplicated.to_numpy())[:50].tolist()
    groups = frame.fillna("<null>").groupby(list(frame.columns), sort=False).ngroup()
    first_of = pd.Series(np.arange(len(frame))).groupby(groups.to_numpy()).transform("min")
    assert [f for _, f in result.examples] == [int(first_of[r]) for r in rows]


def test_merge_equals_one_pass(frame: pd.DataFrame) -> None:
    hashes = hash_rows(columns(frame))
    whole = feed(DuplicateRowState(), hashes, 5_000).result()
    left = feed(DuplicateRowState(), hashes[:12_000], 5_000)
    right = DuplicateRowState()
    for start in range(12_000, len(hashes), 5_000):
        right.update(hashes[start : start + 5_000], start)
    left.merge(right)
    merged = left.result()
    assert merged.duplicate_rows == whole.duplicate_rows and merged.rows == whole.rows
    assert merged.examples == whole.examples


def test_past_the_cap_the_count_is_an_estimate(rng: np.random.Generator) -> None:
    n = 60_000
    base = rng.integers(0, 20_000, n)  # about 19,000 distinct rows
    frame = pd.DataFrame({"k": base.astype(str)})
    hashes = hash_rows(columns(frame))
    state = feed(DuplicateRowState(cap=2_000), hashes, 10_000)
    result = state.result()
    truth = int(frame.duplicated().sum())
    assert not result.exact and 0 < result.sample_rate < 0.2
    assert state.distinct <= 2_000
    assert result.duplicate_rows == pytest.approx(truth, rel=0.1)
