"""What the baseline fixes before the primary pass: bins and categories.

:meth:`DriftReference.from_profile` reads the baseline's finished
:class:`~analysis_service.domain.profile.DatasetProfile` once and derives,
per column, everything the primary pass and the comparison need. Nothing of
the baseline is copied beyond that: the reference points at the baseline's
column profiles (their bounded state) and adds bin edges and category lists.

Numeric columns (baseline type integer or float)
    Bins fixed from the baseline: ``psi_bins`` quantile bins covering the
    baseline's range ``[min, max]`` (edges at the baseline quantiles
    ``i / psi_bins``; repeated edges of tied values are merged, so a constant
    baseline has one bin), plus two edge bins for values below the baseline's
    minimum and above its maximum. Bins are half-open ``[e_i, e_i+1)``; the
    last inner bin is closed at the baseline's maximum. The baseline's share
    per bin is exact while its quantile buffer is exact; from the sketch it is
    known within the cdf error of its two edges (the edge bins are exactly 0).

Categorical columns (every other baseline type)
    The baseline's categories are its distinct raw values (nulls excluded;
    whitespace-only values are a category) with their counts, from the
    profile's Misra-Gries summary. While the baseline has at most
    ``ProfileConfig.top_k_cap`` distinct values the list is complete and every
    count exact (``exact``). Past that the summary's counts are low by up to
    its bound ``error`` (at most n / (cap + 1)); a value becomes a category
    of its own only when its kept count is at least
    ``sketch_category_min_ratio`` (4) times that bound, so its share is known
    within about ±12%, and everything else is one "other" cell. (Kept counts
    near the bound are noise: comparing them with exact current counts would
    show drift that is not there.) A high-cardinality column without frequent
    values is then one "other" cell on both sides: nothing to compare.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from analysis_service.domain.drift.distribution import NumericDistribution
from analysis_service.domain.drift.estimates import Shares
from analysis_service.domain.drift.settings import DriftRules
from analysis_service.domain.profile import ColumnProfile, DatasetProfile

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class NumericBins:
    """Bin edges fixed from the baseline (see the module docstring).

    ``edges[0]`` is the baseline minimum; bin 0 is "below the baseline's
    range", bin ``i`` (1 <= i <= len(edges)) is ``[edges[i-1], edges[i])``
    (the last one ``[edges[-1], maximum]``), and bin ``len(edges) + 1`` is
    "above the baseline's range".
    """

    edges: FloatArray
    maximum: float

    @property
    def count(self) -> int:
        return int(self.edges.size) + 2

    def assign(self, values: FloatArray) -> npt.NDArray[np.intp]:
        """The bin of every value (vectorised)."""
        index = np.searchsorted(self.edges, values, side="right")
        index[values > self.maximum] = self.edges.size + 1
        return index

    def bounds(self) -> list[tuple[float | None, float | None]]:
        """(lower, upper) per bin; None is unbounded (the edge bins)."""
        inner = [*self.edges.tolist(), self.maximum]
        result: list[tuple[float | None, float | None]] = [(None, float(self.edges[0]))]
        result += [(float(lo), float(hi)) for lo, hi in itertools.pairwise(inner)]
        result.append((self.maximum, None))
        return result


@dataclass(frozen=True)
class NumericReference:
    """A numeric baseline column: its facts, bins and per-bin shares."""

    name: str
    profile: ColumnProfile
    count: int
    mean: float
    std: float | None
    minimum: float
    maximum: float
    p5: float
    p95: float
    median: float
    quantiles_exact: bool
    bins: NumericBins
    shares: Shares

    @property
    def constant(self) -> bool:
        return self.minimum == self.maximum


@dataclass(frozen=True)
class CategoricalReference:
    """A categorical baseline column: its categories and their counts."""

    name: str
    profile: ColumnProfile
    total: int
    categories: tuple[str, ...]
    counts: IntArray
    exact: bool
    error: int
    value_set: pa.Array = field(repr=False)

    def shares(self) -> Shares:
        """Shares of the categories plus one last cell: values the baseline
        did not have (exact reference: always 0) or, for a sketched
        reference, every value outside the kept ones ("other")."""
        n = float(self.total)
        kept = self.counts.astype(np.float64)
        if n == 0:
            zeros = np.zeros(kept.size + 1)
            return Shares(zeros, zeros, zeros)
        if self.exact:
            point = np.append(kept, max(n - float(kept.sum()), 0.0)) / n
            return Shares(point, point, point)
        # A kept count is low by at most ``error``: the true one lies in
        # [count, count + error]; the midpoint is the point estimate.
        err = float(self.error)
        middle = kept + err / 2.0
        rest_high = max(n - float(kept.sum()), 0.0)
        rest_low = max(n - float((kept + err).sum()), 0.0)
        point = np.append(middle, max(n - float(middle.sum()), 0.0)) / n
        lower = np.append(kept, rest_low) / n
        upper = np.minimum(np.append(kept + err, rest_high) / n, 1.0)
        return Shares(point, lower, upper)


ColumnReference = NumericReference | CategoricalReference


@dataclass(frozen=True)
class DriftReference:
    """Per baseline column, what drift needs (numeric or categorical)."""

    baseline: DatasetProfile
    rules: DriftRules
    columns: dict[str, ColumnReference]
    fingerprint: str

    @classmethod
    def from_profile(
        cls, baseline: DatasetProfile, rules: DriftRules | None = None
    ) -> DriftReference:
        rules = rules or DriftRules()
        columns: dict[str, ColumnReference] = {}
        digest = hashlib.sha256(repr(rules).encode())
        for column in baseline.columns:
            reference: ColumnReference
            if column.inferred_type.is_numeric and column.quantile_state.count > 0:
                reference = _numeric(column, rules)
                digest.update(b"n" + column.name.encode() + reference.bins.edges.tobytes())
                facts = (reference.mean, reference.std, reference.minimum, reference.maximum)
                digest.update(repr(facts).encode())
            else:
                reference = _categorical(column, rules)
                digest.update(b"c" + column.name.encode() + repr(reference.exact).encode())
                for value in reference.categories:
                    digest.update(value.encode() + b"\0")
            columns[column.name] = reference
        return cls(baseline, rules, columns, digest.hexdigest())


def _numeric(column: ColumnProfile, rules: DriftRules) -> NumericReference:
    moments = column.moments
    state = column.quantile_state
    minimum, maximum = float(moments.min), float(moments.max)
    steps = [i / rules.psi_bins for i in range(1, rules.psi_bins)]
    inner = [q for q in column.quantiles(steps) if q is not None and minimum < q <= maximum]
    edges = np.unique(np.asarray([minimum, *inner], dtype=np.float64))
    bins = NumericBins(edges=edges, maximum=maximum)
    p5, median, p95 = (
        minimum if v is None else float(v) for v in column.quantiles([0.05, 0.5, 0.95])
    )
    return NumericReference(
        name=column.name,
        profile=column,
        count=state.count,
        mean=float(moments.mean),
        std=moments.std,
        minimum=minimum,
        maximum=maximum,
        p5=p5,
        p95=p95,
        median=median,
        quantiles_exact=state.is_exact,
        bins=bins,
        shares=_bin_shares(column, bins),
    )


def _bin_shares(column: ColumnProfile, bins: NumericBins) -> Shares:
    state = column.quantile_state
    if state.is_exact:
        counts = np.bincount(bins.assign(state.sorted_values()), minlength=bins.count)
        return Shares.exact(counts, float(state.count))
    distribution = NumericDistribution.from_profile(column)
    # Share of values below each edge; the last inner bin ends at the maximum
    # (everything is <= maximum), the edge bins are empty by construction.
    edges = bins.edges
    below = distribution.cdf(edges, inclusive=False)
    below[0] = 0.0
    inner = np.maximum(np.diff(np.append(below, 1.0)), 0.0)
    lower_ends = edges.copy()
    lower_ends[0] = -np.inf  # nothing is below the minimum: exact
    upper_ends = np.append(edges[1:], np.inf)  # everything is <= the maximum
    inner_error = distribution.share_errors(lower_ends, upper_ends)
    point = np.concatenate([[0.0], inner, [0.0]])
    delta = np.concatenate([[0.0], inner_error, [0.0]])
    return Shares(point, np.maximum(point - delta, 0.0), np.minimum(point + delta, 1.0))


def _categorical(column: ColumnProfile, rules: DriftRules) -> CategoricalReference:
    top = column.state.top
    entries = top.top(top.counters())
    if not top.is_exact:  # only values whose share the summary knows well enough
        floor = rules.sketch_category_min_ratio * top.error_bound
        entries = [entry for entry in entries if entry.count >= floor]
    categories = tuple(entry.value for entry in entries)
    counts = np.asarray([entry.count for entry in entries], dtype=np.int64)
    return CategoricalReference(
        name=column.name,
        profile=column,
        total=int(top.total),
        categories=categories,
        counts=counts,
        exact=top.is_exact,
        error=top.error_bound,
        value_set=pa.array(list(categories), type=pa.large_string()),
    )
