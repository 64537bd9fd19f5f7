"""The finished profile of one column: decided facts plus the mergeable
state, so agents can ask parameterised questions (IQR fences with their own
multiplier, z-score cut-offs, any quantile, a histogram) without another
pass."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

import numpy as np
import pandas as pd

from analysis_service.domain.cell_kinds import Kind
from analysis_service.domain.column_state import ColumnState
from analysis_service.domain.sketches import (
    DistinctEstimate,
    LengthStats,
    Moments,
    QuantileState,
    TopKEntry,
)


class InferredType(Enum):
    INTEGER = "integer"
    FLOAT = "float"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    STRING = "string"

    @property
    def is_numeric(self) -> bool:
        return self in (InferredType.INTEGER, InferredType.FLOAT)


# --- results -------------------------------------------------------------------


@dataclass(frozen=True)
class OutlierCount:
    """Values outside [lower, upper]; ``exact`` or within ±``error_bound``."""

    lower: float
    upper: float
    below: int
    above: int
    exact: bool
    error_bound: int
    method: str
    examples: list[tuple[int, float]]  # (row, value), most extreme first

    @property
    def count(self) -> int:
        return self.below + self.above


@dataclass(frozen=True)
class Histogram:
    """Equal-width bins from min to max (the last bin closed). Counts are
    exact, or each within ±``error_bound`` (from the KLL sketch)."""

    edges: list[float]
    counts: list[int]
    exact: bool
    error_bound: int


@dataclass(frozen=True)
class Entropy:
    """Shannon entropy (natural log) of the non-null value counts, and the
    number of distinct values it was computed over. Exact while every
    distinct value has its own counter; past the top-k cap the values
    without a counter are assumed to share the rest of the mass equally."""

    value: float
    categories: int
    exact: bool

    @property
    def normalised(self) -> float | None:
        """H / ln(k): 1 for a uniform column, None when k < 2."""
        if self.categories < 2:
            return None
        return self.value / math.log(self.categories)


@dataclass
class ColumnProfile:
    """The finished profile of one column.

    Plain fields hold the decided facts; the state objects stay attached so
    agents can ask parameterised questions (IQR fences with their own
    multiplier, z-score cut-offs, any quantile) without another pass.
    """

    name: str
    state: ColumnState
    inferred_type: InferredType
    type_confidence: float | None
    majority_kind: Kind | None
    type_mismatch_count: int
    mismatch_kinds: tuple[Kind, ...]

    # -- counts ----------------------------------------------------------
    @property
    def rows(self) -> int:
        return self.state.rows

    @property
    def null_count(self) -> int:
        return self.state.nulls

    @property
    def empty_count(self) -> int:
        return self.state.blanks

    @property
    def non_null_count(self) -> int:
        return self.state.rows - self.state.nulls

    @property
    def classified_count(self) -> int:
        return sum(self.state.kind_counts.values())

    @property
    def kind_counts(self) -> dict[Kind, int]:
        return dict(self.state.kind_counts)

    @property
    def numeric_count(self) -> int:
        return self.state.kind_counts[Kind.NUMERIC]

    def distinct(self) -> DistinctEstimate:
        """Distinct non-null values; a sketch estimate is clamped to the
        number of non-null values (HLL can overshoot a fully distinct column)."""
        estimate = self.state.distinct.estimate()
        if estimate.exact:
            return estimate
        ceiling = self.non_null_count
        return DistinctEstimate(
            value=min(estimate.value, ceiling),
            exact=False,
            lower=min(estimate.lower, ceiling),
            upper=min(estimate.upper, ceiling),
            relative_standard_error=estimate.relative_standard_error,
        )

    def top_values(self, n: int) -> list[TopKEntry]:
        return self.state.top.top(n)

    @property
    def top_values_exact(self) -> bool:
        return self.state.top.is_exact

    @property
    def top_values_error_bound(self) -> int:
        return self.state.top.error_bound

    # -- numeric ---------------------------------------------------------
    @property
    def moments(self) -> Moments:
        return self.state.moments

    @property
    def quantile_state(self) -> QuantileState:
        return self.state.quantiles

    def quantiles(self, qs: Iterable[float]) -> list[float | None]:
        return self.state.quantiles.quantiles(list(qs))

    def iqr_outliers(self, multiplier: float) -> OutlierCount | None:
        """Values outside [Q1 - k·IQR, Q3 + k·IQR]."""
        q1, q3 = self.quantiles([0.25, 0.75])
        if q1 is None or q3 is None:
            return None
        iqr = q3 - q1
        return self._outside(q1 - multiplier * iqr, q3 + multiplier * iqr, "iqr")

    def z_outliers(self, threshold: float = 3.0) -> OutlierCount | None:
        """Values with |x - mean| > threshold · std (sample std)."""
        std = self.moments.std
        if std is None or std == 0:
            return None
        mean = self.moments.mean
        return self._outside(mean - threshold * std, mean + threshold * std, "z_score")

    def _outside(self, lower: float, upper: float, method: str) -> OutlierCount:
        """Counts from the exact buffer; else from the kept extremes when
        they contain every value past a fence (fewer outliers than k on that
        side); else from the KLL cdf with an explicit bound."""
        quantiles = self.state.quantiles
        extremes = self.state.extremes
        low_mask = extremes.low_values < lower
        high_mask = extremes.high_values > upper
        examples = [
            *zip(
                extremes.low_rows[low_mask].tolist(),
                extremes.low_values[low_mask].tolist(),
                strict=True,
            ),
            *zip(
                extremes.high_rows[high_mask].tolist(),
                extremes.high_values[high_mask].tolist(),
                strict=True,
            ),
        ]
        centre = (lower + upper) / 2.0
        examples.sort(key=lambda item: -abs(item[1] - centre))
        if quantiles.is_exact:
            below, above, _ = quantiles.count_outside(lower, upper)
            return OutlierCount(lower, upper, below, above, True, 0, method, examples)
        sketch_below, sketch_above, _ = quantiles.count_outside(lower, upper)
        n = quantiles.count
        side_bound = math.ceil(quantiles.rank_error * n)
        bound = 0
        if int(low_mask.sum()) < len(extremes.low_values):
            below = int(low_mask.sum())
        else:
            below, bound = max(sketch_below, int(low_mask.sum())), bound + side_bound
        if int(high_mask.sum()) < len(extremes.high_values):
            above = int(high_mask.sum())
        else:
            above, bound = max(sketch_above, int(high_mask.sum())), bound + side_bound
        return OutlierCount(lower, upper, below, above, bound == 0, bound, method, examples)

    @property
    def zero_count(self) -> int:
        return self.state.zeros

    @property
    def infinite_count(self) -> int:
        return self.state.infinite

    def infinite_examples(self) -> list[tuple[int, str | None]]:
        return self.state.infinite_rows.items()

    @property
    def formula_like_count(self) -> int:
        """Text cells starting with =, +, -, @ (exact)."""
        return self.state.formula_like

    def formula_like_examples(self) -> list[tuple[int, str | None]]:
        return self.state.formula_rows.items()

    def histogram(self, bins: int = 20) -> Histogram | None:
        """Equal-width histogram of the finite numeric values (None when
        there are none). A constant column gets one bin."""
        moments = self.moments
        if moments.count == 0:
            return None
        low, high = moments.min, moments.max
        if low == high:
            return Histogram([low, high], [moments.count], True, 0)
        edges = np.linspace(low, high, bins + 1).tolist()
        counts, bound = self.state.quantiles.histogram(edges)
        return Histogram(edges, counts, bound == 0, bound)

    def entropy(self) -> Entropy:
        top = self.state.top
        total = top.total
        distinct = self.distinct().value
        if total == 0:
            return Entropy(0.0, 0, True)
        counted = np.asarray([e.count for e in top.top(top.counters())], dtype=np.float64)
        p = counted / total
        value = float(-(p * np.log(p)).sum()) if p.size else 0.0
        exact = top.is_exact and self.distinct().exact
        rest = total - counted.sum()
        others = max(distinct - len(counted), 0)
        if rest > 0 and others > 0:
            share = rest / total
            value -= share * math.log(share / others)
        return Entropy(value, max(distinct, len(counted)), exact and rest == 0)

    # -- other -----------------------------------------------------------
    @property
    def lengths(self) -> LengthStats:
        return self.state.lengths

    @property
    def date_order(self) -> str | None:
        """The column's day/month convention from all its DD/MM vs MM/DD
        dates: ``day_first`` or ``month_first`` when some value allows only
        that order and none the other, ``mixed`` when values need both,
        ``ambiguous`` when every such value allows either; None without any."""
        state = self.state
        if state.day_first and state.month_first:
            return "mixed"
        if state.day_first:
            return "day_first"
        if state.month_first:
            return "month_first"
        return "ambiguous" if state.either_order else None

    @property
    def date_counts(self) -> dict[str, int]:
        """Datetime values by form: year first (ISO and YYYY/MM/DD), day/month
        values valid only day first, only month first, or in either order."""
        state = self.state
        return {
            "year_first": state.kind_counts[Kind.DATETIME]
            - state.day_first
            - state.month_first
            - state.either_order,
            "day_first": state.day_first,
            "month_first": state.month_first,
            "either_order": state.either_order,
        }

    def _resolved_range(self) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        state = self.state
        low, high = state.datetime_min, state.datetime_max
        extra = {"day_first": state.dmy_range, "month_first": state.mdy_range}.get(
            self.date_order or ""
        )
        if extra is not None:
            low = extra[0] if low is None else min(low, extra[0])
            high = extra[1] if high is None else max(high, extra[1])
        return low, high

    @property
    def datetime_min(self) -> pd.Timestamp | None:
        """Earliest date; day/month values count once their order is known
        (an ambiguous or mixed column's range is that of its year-first values)."""
        return self._resolved_range()[0]

    @property
    def datetime_max(self) -> pd.Timestamp | None:
        return self._resolved_range()[1]

    @property
    def has_time(self) -> bool:
        return self.state.has_time

    @property
    def true_count(self) -> int:
        return self.state.true_count

    @property
    def special_characters(self) -> bool:
        return self.state.special_characters

    @property
    def non_ascii(self) -> bool:
        return self.state.non_ascii

    def null_rows(self) -> list[int]:
        return [row for row, _ in self.state.null_rows.items()]

    def mismatch_examples(self) -> list[tuple[int, str | None, Kind]]:
        """First cells (by row) that do not fit the inferred type."""
        cap = self.state.config.examples_per_kind
        merged = [
            (row, value, kind)
            for kind in self.mismatch_kinds
            for row, value in self.state.examples[kind].items()
        ]
        merged.sort(key=lambda item: item[0])
        return merged[:cap]

    def sample_values(self, n: int = 100) -> list[str]:
        """The first ``n`` non-blank values of the column, in row order."""
        merged = [
            (row, value)
            for kind in Kind
            for row, value in self.state.examples[kind].items()
            if value is not None
        ]
        merged.sort(key=lambda item: item[0])
        return [value for _, value in merged[:n] if value is not None]

    def kind_examples(self, kind: Kind) -> list[tuple[int, str | None]]:
        return self.state.examples[kind].items()
