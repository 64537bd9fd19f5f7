"""Mergeable per-column summaries with fixed memory.

Every state here is updated with whole arrays (one call per batch), can
``merge`` another state of the same kind (partial results of parallel readers
combine into the result of one reader) and tells whether what it reports is
exact. Each one is exact while the data is small and switches to a sketch
with a known error bound once a fixed cap is passed, so memory per column is
a constant that does not depend on the file size.

Distinct-count sketch choice (measured on this machine, 1M distinct strings,
see ``bench/distinct_bench.py``): datasketches ``hll_sketch`` updated per
item took 0.14-0.3 s, while a vectorised NumPy HyperLogLog spent 0.5-0.75 s
in ``pandas.util.hash_pandas_object`` alone (1.5-3 s via ``hash_array`` on
object arrays) before its 0.03 s register update. So we use datasketches (lg_k=12,
HLL_8: 4 KiB per column, relative standard error about 1.6%), fed once per
*distinct value of a batch*, never per row.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import datasketches as ds
import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]


def _as_float_array(values: Any) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    return array.ravel()


# --- moments ----------------------------------------------------------------


@dataclass
class Moments:
    """Count, mean and central moment sums M2..M4, plus min and max.

    Batches are reduced with a two-pass computation (stable) and combined
    with the pairwise update formulas of Chan et al. / Pébay (2008), which
    is also what ``merge`` uses. Statistics follow pandas' definitions:
    sample variance (ddof=1), adjusted Fisher-Pearson skewness G1
    (``Series.skew``) and bias-corrected excess kurtosis G2
    (``Series.kurt``), including pandas' conventions: undefined (None, NaN
    in pandas) for a constant column and below 3 resp. 4 values.
    """

    count: int = 0
    mean: float = 0.0
    m2: float = 0.0
    m3: float = 0.0
    m4: float = 0.0
    min: float = math.inf
    max: float = -math.inf

    def update(self, values: Any, weights: Any = None) -> None:
        """Adds ``values``; ``weights`` (integer counts) adds each value that
        many times, e.g. the distinct values of a batch with their counts."""
        x = _as_float_array(values)
        if x.size == 0:
            return
        if weights is None:
            mean = float(x.mean())
            d = x - mean
            d2 = d * d
            count = int(x.size)
            m2, m3, m4 = float(d2.sum()), float((d2 * d).sum()), float((d2 * d2).sum())
        else:
            w = _as_float_array(weights)
            count = int(w.sum())
            if count == 0:
                return
            mean = float((w * x).sum() / count)
            d = x - mean
            d2 = d * d
            m2, m3, m4 = (
                float((w * d2).sum()),
                float((w * d2 * d).sum()),
                float((w * d2 * d2).sum()),
            )
        batch = Moments(
            count=count, mean=mean, m2=m2, m3=m3, m4=m4, min=float(x.min()), max=float(x.max())
        )
        self.merge(batch)

    def merge(self, other: Moments) -> None:
        if other.count == 0:
            return
        if self.count == 0:
            self.count, self.mean = other.count, other.mean
            self.m2, self.m3, self.m4 = other.m2, other.m3, other.m4
            self.min, self.max = other.min, other.max
            return
        na, nb = float(self.count), float(other.count)
        n = na + nb
        delta = other.mean - self.mean
        delta_n = delta / n
        m2 = self.m2 + other.m2 + delta * delta_n * na * nb
        m3 = (
            self.m3
            + other.m3
            + delta * delta_n * delta_n * na * nb * (na - nb)
            + 3.0 * delta_n * (na * other.m2 - nb * self.m2)
        )
        m4 = (
            self.m4
            + other.m4
            + delta * delta_n**3 * na * nb * (na * na - na * nb + nb * nb)
            + 6.0 * delta_n * delta_n * (na * na * other.m2 + nb * nb * self.m2)
            + 4.0 * delta_n * (na * other.m3 - nb * self.m3)
        )
        self.mean = self.mean + delta_n * nb
        self.m2, self.m3, self.m4 = m2, m3, m4
        self.count = int(n)
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)

    # -- results (None when undefined) -----------------------------------
    @property
    def variance(self) -> float | None:
        if self.count < 2:
            return None
        return max(self.m2, 0.0) / (self.count - 1)

    @property
    def std(self) -> float | None:
        var = self.variance
        return None if var is None else math.sqrt(var)

    def _constant(self) -> bool:
        # A constant column has m2 == 0 up to round-off; pandas 3 returns NaN
        # for its skewness and kurtosis, and so do we (None).
        spread = max(self.m2, 0.0) / self.count
        return spread == 0.0 or spread <= (1e-14 * abs(self.mean)) ** 2

    @property
    def skewness(self) -> float | None:
        n = self.count
        if n < 3 or self._constant():
            return None
        m2, m3 = self.m2 / n, self.m3 / n
        return math.sqrt(n * (n - 1)) / (n - 2) * (m3 / m2**1.5)

    @property
    def kurtosis(self) -> float | None:
        n = self.count
        if n < 4 or self._constant():
            return None
        numer = n * (n + 1) * (n - 1) * self.m4
        denom = (n - 2) * (n - 3) * self.m2 * self.m2
        adj = 3.0 * (n - 1) ** 2 / ((n - 2) * (n - 3))
        return numer / denom - adj

    def min_or_none(self) -> float | None:
        return None if self.count == 0 else self.min

    def max_or_none(self) -> float | None:
        return None if self.count == 0 else self.max


@dataclass
class LengthStats:
    """Text length statistics (characters, not bytes) over non-null values."""

    moments: Moments = field(default_factory=Moments)

    def update(self, lengths: Any, weights: Any = None) -> None:
        self.moments.update(lengths, weights)

    def merge(self, other: LengthStats) -> None:
        self.moments.merge(other.moments)

    @property
    def min(self) -> int | None:
        value = self.moments.min_or_none()
        return None if value is None else int(value)

    @property
    def max(self) -> int | None:
        value = self.moments.max_or_none()
        return None if value is None else int(value)

    @property
    def mean(self) -> float | None:
        return self.moments.mean if self.moments.count else None


# --- quantiles --------------------------------------------------------------


@dataclass
class QuantileState:
    """Quantiles: exact up to ``exact_limit`` values, then a KLL sketch.

    Exact quantiles use NumPy's 'linear' interpolation, which is pandas'
    default, so they equal ``Series.quantile``. Past the limit the buffer
    seeds a datasketches ``kll_doubles_sketch(k)``; its quantiles have a
    normalised rank error of about 1.33% for k=200 (99% confidence): the
    returned value's true rank is within ``rank_error * n`` of the asked
    rank. Memory: ``exact_limit`` floats at most, then a few KiB.
    """

    exact_limit: int = 100_000
    k: int = 200
    _parts: list[FloatArray] = field(default_factory=list, repr=False)
    _buffered: int = 0
    _sketch: Any = field(default=None, repr=False)
    _sorted: FloatArray | None = field(default=None, repr=False)

    @property
    def count(self) -> int:
        return int(self._sketch.n) if self._sketch is not None else self._buffered

    @property
    def is_exact(self) -> bool:
        return self._sketch is None

    @property
    def rank_error(self) -> float:
        """Normalised rank error of single quantiles (0 while exact)."""
        if self._sketch is None:
            return 0.0
        return float(self._sketch.normalized_rank_error(False))

    @property
    def pmf_error(self) -> float:
        """Normalised error of the share of values between two points
        (datasketches' double-sided bound, 99% confidence; 0 while exact)."""
        if self._sketch is None:
            return 0.0
        return float(self._sketch.normalized_rank_error(True))

    def update(self, values: Any) -> None:
        x = _as_float_array(values)
        if x.size == 0:
            return
        if self._sketch is not None:
            # The binding refuses read-only arrays (e.g. zero-copy from Arrow).
            self._sketch.update(x if x.flags.writeable else x.copy())
            return
        self._parts.append(x.copy())
        self._buffered += int(x.size)
        self._sorted = None
        if self._buffered > self.exact_limit:
            self._to_sketch()

    def _to_sketch(self) -> None:
        sketch = ds.kll_doubles_sketch(self.k)
        if self._parts:
            sketch.update(np.concatenate(self._parts))  # a fresh, writable array
        self._sketch = sketch
        self._parts = []
        self._buffered = 0
        self._sorted = None

    def merge(self, other: QuantileState) -> None:
        if other.count == 0:
            return
        if other._sketch is None:
            for part in other._parts:
                self.update(part)
            return
        if self._sketch is None:
            self._to_sketch()
        self._sketch.merge(other._sketch)

    def sorted_values(self) -> FloatArray:
        """The buffered values, sorted (exact mode only)."""
        if self._sketch is not None:
            raise ValueError("values are not kept once the state is a sketch")
        if self._sorted is None:
            merged = np.concatenate(self._parts) if self._parts else np.empty(0)
            self._sorted = np.sort(merged)
            self._parts = [self._sorted]
        return self._sorted

    def weighted_items(self) -> tuple[FloatArray, FloatArray]:
        """The retained values, sorted, and their weights (summing to
        ``count``): the exact buffer with weight 1 each, or the KLL sketch's
        retained items, whose weighted cdf is the sketch's cdf."""
        if self._sketch is None:
            values = self.sorted_values()
            return values, np.ones(values.size)
        if self._sketch.is_empty():
            return np.empty(0), np.empty(0)
        pairs = np.array(list(self._sketch), dtype=np.float64)
        order = np.argsort(pairs[:, 0], kind="stable")
        return pairs[order, 0], pairs[order, 1]

    def quantile(self, q: float) -> float | None:
        return self.quantiles([q])[0]

    def quantiles(self, qs: Sequence[float]) -> list[float | None]:
        if self.count == 0:
            return [None for _ in qs]
        if self._sketch is None:
            values = np.quantile(self.sorted_values(), list(qs), method="linear")
            return [float(v) for v in values]
        return [float(self._sketch.get_quantile(float(q))) for q in qs]

    def cdf(self, x: float, *, inclusive: bool = True) -> float:
        """Fraction of values <= x (or < x when not inclusive)."""
        n = self.count
        if n == 0:
            return 0.0
        if self._sketch is None:
            ordered = self.sorted_values()
            position = np.searchsorted(ordered, x, side="right" if inclusive else "left")
            return float(position) / n
        return float(self._sketch.get_cdf([float(x)], inclusive)[0])

    def histogram(self, edges: Sequence[float]) -> tuple[list[int], int]:
        """Counts per bin between consecutive ``edges`` (the last bin
        includes its upper edge, as ``numpy.histogram``) and the bound on
        each count's error: 0 while exact, else 2·ε·n from the KLL pmf."""
        n = self.count
        bins = len(edges) - 1
        if n == 0 or bins < 1:
            return [0] * max(bins, 0), 0
        if self._sketch is None:
            exact, _ = np.histogram(self.sorted_values(), bins=np.asarray(edges, dtype=np.float64))
            return [int(c) for c in exact], 0
        inner = [float(e) for e in edges[1:-1]]
        if not inner:
            return [n], 0
        # Exclusive split points give B masses: (-inf, e1), [e1, e2) ... [e(B-1), +inf);
        # every value lies in [min, max] = [e0, eB], so these are the bins.
        masses = self._sketch.get_pmf(inner, False)
        counts = [max(round(float(m) * n), 0) for m in masses]
        return counts, math.ceil(2.0 * self.rank_error * n)

    def count_outside(self, lower: float, upper: float) -> tuple[int, int, int]:
        """(values < lower, values > upper, error bound of their sum).

        Exact while the buffer is kept (bound 0); from the KLL cdf
        afterwards, with a bound of 2·ε·n (two rank estimates).
        """
        n = self.count
        if n == 0:
            return 0, 0, 0
        if self._sketch is None:
            values = self.sorted_values()
            below = int(np.searchsorted(values, lower, side="left"))
            above = int(n - np.searchsorted(values, upper, side="right"))
            return below, above, 0
        below = round(self.cdf(lower, inclusive=False) * n)
        above = round((1.0 - self.cdf(upper, inclusive=True)) * n)
        bound = math.ceil(2.0 * self.rank_error * n)
        return int(below), int(above), bound


# --- distinct counts ----------------------------------------------------------


@dataclass
class DistinctEstimate:
    """A distinct count; ``lower``/``upper`` are a ~95% interval when approximate."""

    value: int
    exact: bool
    lower: int
    upper: int
    relative_standard_error: float


@dataclass
class DistinctState:
    """Distinct values: an exact set up to ``exact_limit``, then HyperLogLog.

    Values are the raw text of the cells (so "1" and "1.0" differ). The
    sketch is datasketches ``hll_sketch(lg_k)``; for lg_k=12 the relative
    standard error is about 1.6% and the reported interval is ±2 standard
    deviations from the sketch's own bounds.
    """

    exact_limit: int = 10_000
    lg_k: int = 12
    _values: set[str] | None = field(default_factory=set, repr=False)
    _sketch: Any = field(default=None, repr=False)

    @property
    def is_exact(self) -> bool:
        return self._sketch is None

    def update(self, distinct_values: Sequence[str] | npt.NDArray[Any]) -> None:
        """Adds values; pass each batch's *distinct* values (a value seen
        again is harmless, just slower)."""
        if self._sketch is not None:
            sketch = self._sketch
            for value in distinct_values:
                sketch.update(value)
            return
        assert self._values is not None
        self._values.update(distinct_values)
        if len(self._values) > self.exact_limit:
            self._to_sketch()

    def _to_sketch(self) -> None:
        sketch = ds.hll_sketch(self.lg_k, ds.tgt_hll_type.HLL_8)
        for value in self._values or ():
            sketch.update(value)
        self._sketch = sketch
        self._values = None

    def merge(self, other: DistinctState) -> None:
        if other._sketch is None:
            self.update(list(other._values or ()))
            return
        if self._sketch is None:
            self._to_sketch()
        union = ds.hll_union(self.lg_k)
        union.update(self._sketch)
        union.update(other._sketch)
        self._sketch = union.get_result(ds.tgt_hll_type.HLL_8)

    def estimate(self) -> DistinctEstimate:
        if self._sketch is None:
            n = len(self._values or ())
            return DistinctEstimate(n, True, n, n, 0.0)
        sketch = self._sketch
        rse = abs(float(ds.hll_sketch.get_rel_err(True, False, self.lg_k, 1)))
        return DistinctEstimate(
            value=round(sketch.get_estimate()),
            exact=False,
            lower=math.floor(sketch.get_lower_bound(2)),
            upper=math.ceil(sketch.get_upper_bound(2)),
            relative_standard_error=rse,
        )


# --- heavy hitters ------------------------------------------------------------


@dataclass
class TopKEntry:
    value: str
    count: int


@dataclass
class TopK:
    """Most frequent values: exact counts, then Misra-Gries with ``cap`` counters.

    While at most ``cap`` distinct values have been seen every count is
    exact. Past that the summary keeps ``cap`` counters and is merged the
    way of Agarwal et al. ("Mergeable summaries", 2012): add the counters,
    subtract the (cap+1)-th largest from all, drop the non-positive ones.
    Every reported count is then an underestimate by at most ``error``,
    which never exceeds n/(cap+1); a value whose true frequency is above
    that bound is guaranteed to be present.
    """

    cap: int = 1024
    total: int = 0
    error: int = 0
    # Created with the first values: a column that never has any costs nothing.
    _counts: pd.Series | None = field(default=None, repr=False)

    @property
    def is_exact(self) -> bool:
        return self.error == 0

    @property
    def error_bound(self) -> int:
        """Maximum undercount of any reported count (0 when exact)."""
        return self.error

    def update(self, values: Any, counts: Any) -> None:
        """Adds one batch's value counts (``values`` unique)."""
        counts_array = np.asarray(counts, dtype=np.int64)
        if counts_array.size == 0:
            return
        total = int(counts_array.sum())
        error = 0
        values_array = np.asarray(values, dtype=object)
        if counts_array.size > self.cap:
            # Reduce the batch to its own Misra-Gries summary first (a valid
            # step of the mergeable-summary tree, same n/(cap+1) guarantee);
            # aligning 50k batch values with the counters would dominate.
            threshold = int(
                np.partition(counts_array, counts_array.size - self.cap - 1)[-self.cap - 1]
            )
            keep = counts_array > threshold
            values_array, counts_array = values_array[keep], counts_array[keep] - threshold
            error = threshold
        batch = pd.Series(counts_array, index=pd.Index(values_array, dtype=object))
        self._absorb(batch, total, error)

    def merge(self, other: TopK) -> None:
        if other._counts is not None:
            self._absorb(other._counts, other.total, other.error)

    def _absorb(self, counts: pd.Series, total: int, error: int) -> None:
        if len(counts) == 0 and total == 0:
            return
        if self._counts is None or len(self._counts) == 0:
            combined = counts.astype(np.int64).copy()
        else:
            combined = self._counts.add(counts, fill_value=0).astype(np.int64)
        self.total += total
        self.error += error
        if len(combined) > self.cap:
            values = combined.to_numpy()
            threshold = int(np.partition(values, len(values) - self.cap - 1)[-self.cap - 1])
            combined = combined - threshold
            combined = combined[combined > 0]
            self.error += threshold
        self._counts = combined

    def top(self, n: int) -> list[TopKEntry]:
        """The ``n`` largest counters, ties broken by value for stable output."""
        if n <= 0 or self._counts is None or len(self._counts) == 0:
            return []
        frame = pd.DataFrame(
            {"value": self._counts.index.astype(str), "count": self._counts.to_numpy()}
        )
        frame = frame.sort_values(["count", "value"], ascending=[False, True], kind="stable")
        return [
            TopKEntry(value=str(v), count=int(c))
            for v, c in zip(frame["value"].head(n), frame["count"].head(n), strict=True)
        ]

    def counters(self) -> int:
        return 0 if self._counts is None else len(self._counts)
