"""Distinct-count sketch choice: datasketches HLL vs a NumPy HLL.

Usage: ``.venv/bin/python -m bench.distinct_bench [--values 1000000]``

Times feeding 1M distinct strings (as they come out of a batch's
``value_counts``) into datasketches ``hll_sketch(12)`` one item at a time,
against hashing them with pandas (the input a vectorised NumPy HLL needs)
plus the register update. The result decided ``DistinctState``'s choice.
"""

from __future__ import annotations

import argparse
import time

import datasketches as ds
import numpy as np
import pandas as pd


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--values", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    values = [f"user_{i}@example.com" for i in range(args.values)]

    started = time.perf_counter()
    sketch = ds.hll_sketch(12, ds.tgt_hll_type.HLL_8)
    for value in values:
        sketch.update(value)
    datasketches_s = time.perf_counter() - started

    series = pd.Series(values, dtype="str")
    started = time.perf_counter()
    hashes = pd.util.hash_pandas_object(series, index=False).to_numpy()
    hash_s = time.perf_counter() - started
    started = time.perf_counter()
    p = 12
    index = (hashes >> np.uint64(64 - p)).astype(np.intp)
    rest = (hashes << np.uint64(p)) | np.uint64(1 << (p - 1))
    rank = (64 - np.floor(np.log2(rest.astype(np.float64))).astype(np.int64)).astype(np.uint8)
    registers = np.zeros(1 << p, dtype=np.uint8)
    np.maximum.at(registers, index, rank)
    register_s = time.perf_counter() - started

    print(
        f"datasketches hll_sketch per item : {datasketches_s:.3f} s "
        f"(estimate {sketch.get_estimate():,.0f})"
    )
    print(f"numpy HLL: hash_pandas_object    : {hash_s:.3f} s")
    print(f"numpy HLL: register update       : {register_s:.3f} s")
    print(f"numpy HLL total                  : {hash_s + register_s:.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
