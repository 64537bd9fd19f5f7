"""The reservoir sampler: uniform, bounded, deterministic, mergeable."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from scipy import stats

from analysis_service.domain.csv_source import CsvBatch, CsvStats, iter_csv_batches
from analysis_service.domain.pii import PiiSampler
from analysis_service.domain.pii.sampler import row_keys
from tests.unit.analysis.conftest import chunked

pytestmark = pytest.mark.unit


def csv_bytes(rows: int) -> bytes:
    lines = ["id,email,sparse"]
    for i in range(rows):
        sparse = "" if i % 3 else f" v{i} "  # two rows in three are null
        lines.append(f"{i},user{i}@example.com,{sparse}")
    return ("\n".join(lines) + "\n").encode()


def sample_file(data: bytes, size: int, batch_rows: int, seed: int = 0) -> PiiSampler:
    # Small parse blocks: a batch's columns are then made of several chunks, as
    # in production (50,000-row batches over 256 KiB blocks).
    batches = iter_csv_batches(chunked(data, 4096), batch_rows=batch_rows, parse_block_bytes=4096)
    first = next(batches)
    sampler = PiiSampler(list(first.frame.columns), size, seed=seed)
    sampler.consume(first)
    for batch in batches:
        sampler.consume(batch)
    return sampler


def batch(frame: pd.DataFrame, first_row: int) -> CsvBatch:
    return CsvBatch(frame.astype("str"), first_row, CsvStats())


def test_size_rows_and_values():
    data = csv_bytes(5000)
    sampler = sample_file(data, 100, batch_rows=333)
    email = sampler.sample("email")
    assert len(email) == 100 and email.non_null == 5000
    assert list(email.rows) == sorted(email.rows)
    assert all(v == f"user{r}@example.com" for r, v in zip(email.rows, email.values, strict=True))
    sparse = sampler.sample("sparse")
    assert len(sparse) == 100 and sparse.non_null == 1667
    assert all(r % 3 == 0 and v == f"v{r}" for r, v in zip(sparse.rows, sparse.values, strict=True))


def test_batches_of_several_chunks_are_read():
    data = csv_bytes(3000)
    first = next(iter_csv_batches([data], batch_rows=3000, parse_block_bytes=4096))
    assert isinstance(pa.array(first.frame["email"], from_pandas=True), pa.ChunkedArray)
    assert len(sample_file(data, 3000, batch_rows=3000).sample("email")) == 3000


def test_small_columns_are_taken_whole():
    sampler = sample_file(csv_bytes(40), 100, batch_rows=7)
    assert sampler.sample("id").rows == tuple(range(40))
    assert sampler.sample("sparse").rows == tuple(range(0, 40, 3))


def test_independent_of_batching_and_merge_order():
    data = csv_bytes(3000)
    reference = sample_file(data, 50, batch_rows=3000).samples()
    for batch_rows in (7, 256, 1000):
        assert sample_file(data, 50, batch_rows=batch_rows).samples() == reference
    # Two readers over disjoint halves, merged either way round.
    frame = pd.read_csv(pd.io.common.BytesIO(data), dtype=str, keep_default_na=True)
    halves = []
    for start, stop in ((0, 1200), (1200, 3000)):
        part = PiiSampler(list(frame.columns), 50)
        part.consume(batch(frame.iloc[start:stop].reset_index(drop=True), start))
        halves.append(part)
    ab, ba = halves[0], PiiSampler(list(frame.columns), 50)
    ba.merge(halves[1])
    ba.merge(halves[0])
    ab.merge(halves[1])
    assert ab.sample("email") == ba.sample("email") == reference["email"]


@pytest.mark.parametrize(("blank_share", "k"), [(0.0, 10), (0.5, 10), (0.97, 10), (0.3, 5000)])
def test_equals_the_bottom_k_of_non_blank_rows(blank_share, k):
    rng = np.random.default_rng(int(blank_share * 100) + k)
    n = 20_000
    values = np.array([f"v{i}" for i in range(n)], dtype=object)
    values[rng.random(n) < blank_share] = "  "
    values[rng.random(n) < 0.1] = None
    frame = pd.DataFrame({"c": pd.array(values, dtype="str")})
    sampler = PiiSampler(["c"], k, seed=11)
    for start in range(0, n, 3000):
        sampler.consume(batch(frame.iloc[start : start + 3000].reset_index(drop=True), start))
    eligible = np.array([i for i, v in enumerate(values) if v is not None and v.strip()])
    keys = row_keys(eligible.astype(np.int64), 11)
    expected = np.sort(eligible[np.argsort(keys)[:k]])
    sample = sampler.sample("c")
    assert sample.rows == tuple(int(r) for r in expected)
    assert sample.values == tuple(f"v{r}" for r in expected)


def test_rows_line_up_across_columns():
    sampler = sample_file(csv_bytes(2000), 60, batch_rows=128)
    ids, emails = sampler.sample("id"), sampler.sample("email")
    assert ids.rows == emails.rows
    # One key per row for every column: a row sampled for "id" whose "sparse"
    # value is not null is in the sparse sample too.
    sparse_rows = set(sampler.sample("sparse").rows)
    assert {r for r in ids.rows if r % 3 == 0} <= sparse_rows


def test_seeds_give_different_samples():
    data = csv_bytes(2000)
    a = sample_file(data, 50, 500, seed=1).sample("id").rows
    b = sample_file(data, 50, 500, seed=2).sample("id").rows
    assert a != b and len(set(a) & set(b)) < 25


def test_uniform_over_rows():
    # Pool the sampled rows of many seeds: they must be uniform over the file.
    n, k = 1000, 20
    rows = np.concatenate([np.sort(np.argsort(row_keys(np.arange(n), s))[:k]) for s in range(300)])
    assert stats.kstest(rows / n, "uniform").pvalue > 0.01
    counts = np.bincount(rows, minlength=n)  # each row kept with probability k / n
    assert stats.chisquare(np.bincount(rows // 100, minlength=10)).pvalue > 0.01
    assert counts.max() < 20


def test_row_keys_are_a_bijection_of_rows():
    keys = row_keys(np.arange(200_000, dtype=np.int64), seed=7)
    assert len(np.unique(keys)) == 200_000
    assert row_keys(np.array([5], dtype=np.int64), 7)[0] == keys[5]


def test_blanks_are_skipped_and_long_values_cut():
    frame = pd.DataFrame({"c": ["   ", "x" * 1000, None, " keep "]})
    sampler = PiiSampler(["c"], 10, max_value_chars=64)
    sampler.consume(batch(frame, 10))
    sample = sampler.sample("c")
    assert sample.rows == (11, 13)
    assert sample.values == ("x" * 64, "keep")
    assert sample.non_null == 3  # the population counts the blank too


def test_guards():
    with pytest.raises(ValueError, match="sample_size"):
        PiiSampler(["a"], 0)
    sampler = PiiSampler(["a"], 5)
    with pytest.raises(ValueError, match="columns"):
        sampler.consume(batch(pd.DataFrame({"b": ["1"]}), 0))
    with pytest.raises(ValueError, match="cannot merge"):
        sampler.merge(PiiSampler(["a"], 5, seed=1))
    sampler.consume(batch(pd.DataFrame({"a": []}, dtype="str"), 0))
    assert len(sampler.sample("a")) == 0
