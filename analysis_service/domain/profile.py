"""One-pass, mergeable dataset profile: the finished facts agents read.

:class:`DatasetProfiler` consumes :class:`~.csv_source.CsvBatch` es once and
keeps, per column, only fixed-size state (:mod:`.column_state`, bounded by
:class:`ProfileConfig`), plus one bounded duplicate-row state for the
dataset (:mod:`.row_hashes`), so a file of any size profiles in constant
memory per column. Two profilers that saw disjoint batches of the same file
can be merged into the profiler that saw both (partial results from
parallel readers).

Cell kinds are described in :mod:`.cell_kinds`.

Type inference (decided at :meth:`DatasetProfiler.finish`, because it needs
the whole column)
    The majority kind wins if it covers at least ``type_threshold`` (95%)
    of the classified values: numeric becomes *integer* when every numeric
    value is integral (infinities are not), otherwise *float*; boolean and
    datetime map to themselves. Otherwise, and for a text majority, the
    type is *string*. ``type_confidence`` is the share of values that fit
    the inferred type (for string: the share that parses as nothing else).
    Values that do not fit are ``type_mismatch_count``: the non-majority
    kinds for a typed column or a mixed column, and the numeric/datetime
    values in a text-majority column (booleans are not counted there: "y"
    or "N" are ordinary text).

Whitespace-only values are counted as ``empty_count`` and take no part in
type evidence; nulls follow the reader (pandas' default NA tokens).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

import numpy as np
import pandas as pd
import pyarrow as pa

from analysis_service.domain import cell_kinds
from analysis_service.domain.cell_kinds import Kind
from analysis_service.domain.column_state import ColumnState, ProfileConfig
from analysis_service.domain.csv_source import CsvBatch, CsvStats
from analysis_service.domain.row_hashes import (
    DuplicateRows,
    DuplicateRowState,
    HashArray,
    combine_row_hashes,
)
from analysis_service.domain.sketches import (
    DistinctEstimate,
    LengthStats,
    Moments,
    QuantileState,
    TopKEntry,
)

__all__ = [
    "ColumnProfile",
    "ColumnState",
    "DatasetProfile",
    "DatasetProfiler",
    "DuplicateRows",
    "Entropy",
    "Histogram",
    "InferredType",
    "Kind",
    "OutlierCount",
    "ProfileConfig",
    "infer_type",
    "profile_batches",
]


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


@dataclass
class DatasetProfile:
    """The finished profile: columns in file order plus source facts and
    full-row duplicates (None when not counted)."""

    columns: list[ColumnProfile]
    rows: int
    source: CsvStats
    config: ProfileConfig
    duplicates: DuplicateRows | None = None

    def column(self, name: str) -> ColumnProfile:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def infer_type(
    state: ColumnState, threshold: float
) -> tuple[InferredType, float | None, Kind | None, int, tuple[Kind, ...]]:
    """(type, confidence, majority kind, mismatch count, mismatching kinds)."""
    counts = state.kind_counts
    total = sum(counts.values())
    if total == 0:
        return InferredType.STRING, None, None, 0, ()
    majority = max(Kind, key=lambda k: (counts[k], k is Kind.TEXT))
    share = counts[majority] / total
    if majority is not Kind.TEXT and share >= threshold:
        if majority is Kind.NUMERIC:
            inferred = (
                InferredType.INTEGER
                if state.integral == counts[Kind.NUMERIC]
                else InferredType.FLOAT
            )
        else:
            inferred = InferredType(majority.value)
        others = tuple(k for k in Kind if k is not majority and counts[k])
        return inferred, share, majority, total - counts[majority], others
    text_share = counts[Kind.TEXT] / total
    if majority is Kind.TEXT:
        others = tuple(k for k in (Kind.NUMERIC, Kind.DATETIME) if counts[k])
    else:  # mixed column: the minority kinds do not fit the majority
        others = tuple(k for k in Kind if k is not majority and counts[k])
    mismatches = sum(counts[k] for k in others)
    return InferredType.STRING, text_share, majority, mismatches, others


class DatasetProfiler:
    """Accumulates a :class:`DatasetProfile` over batches, in one pass."""

    def __init__(self, columns: list[str], config: ProfileConfig | None = None) -> None:
        self.config = config or ProfileConfig()
        self._columns = list(columns)
        self._states = [ColumnState(name, self.config) for name in self._columns]
        self._tokens = cell_kinds.token_set()
        self.rows = 0
        self._source = CsvStats()
        self._duplicates = (
            DuplicateRowState(
                cap=self.config.duplicate_row_cap, examples_cap=self.config.examples_per_kind
            )
            if self.config.count_duplicate_rows
            else None
        )

    @property
    def columns(self) -> list[str]:
        return list(self._columns)

    def consume(self, batch: CsvBatch) -> None:
        frame = batch.frame
        if list(frame.columns) != self._columns:
            raise ValueError("batch columns differ from the profiler's columns")
        row_hashes: HashArray | None = None
        for state, name in zip(self._states, self._columns, strict=True):
            array = pa.array(frame[name], type=pa.large_string(), from_pandas=True)
            cells = state.consume(array, batch.first_row, self._tokens)
            if self._duplicates is not None:
                row_hashes = combine_row_hashes(row_hashes, cells)
        if self._duplicates is not None and row_hashes is not None:
            self._duplicates.update(row_hashes, batch.first_row)
        self.rows += len(frame)
        self._source = batch.stats

    def merge(self, other: DatasetProfiler) -> None:
        """Adds what ``other`` saw (disjoint rows of the same file)."""
        if other._columns != self._columns:
            raise ValueError("cannot merge profiles of different columns")
        for mine, theirs in zip(self._states, other._states, strict=True):
            mine.merge(theirs)
        if self._duplicates is not None and other._duplicates is not None:
            self._duplicates.merge(other._duplicates)
        self.rows += other.rows
        a, b = self._source, other._source
        self._source = CsvStats(
            encoding=a.encoding if a.bytes_read else b.encoding,
            bom=a.bom or b.bom,
            delimiter=a.delimiter if a.bytes_read else b.delimiter,
            bytes_read=a.bytes_read + b.bytes_read,
            replaced_characters=a.replaced_characters + b.replaced_characters,
            rows=self.rows,
        )

    def set_source(self, stats: CsvStats) -> None:
        """Records the reader's final stats (bytes and replacements after
        the last batch, or for a header-only file)."""
        self._source = stats

    def finish(self) -> DatasetProfile:
        columns = []
        for state in self._states:
            inferred, confidence, majority, mismatches, kinds = infer_type(
                state, self.config.type_threshold
            )
            columns.append(
                ColumnProfile(
                    name=state.name,
                    state=state,
                    inferred_type=inferred,
                    type_confidence=confidence,
                    majority_kind=majority,
                    type_mismatch_count=mismatches,
                    mismatch_kinds=kinds,
                )
            )
        return DatasetProfile(
            columns=columns,
            rows=self.rows,
            source=self._source,
            config=self.config,
            duplicates=self._duplicates.result() if self._duplicates is not None else None,
        )


def profile_batches(
    batches: Iterable[CsvBatch], config: ProfileConfig | None = None
) -> DatasetProfile:
    """Convenience: profile an iterable of batches (at least one batch)."""
    profiler: DatasetProfiler | None = None
    last: CsvBatch | None = None
    for batch in batches:
        if profiler is None:
            profiler = DatasetProfiler(list(batch.frame.columns), config)
        profiler.consume(batch)
        last = batch
    if profiler is None or last is None:
        raise ValueError("no batches: iter_csv_batches always yields at least one")
    return profiler.finish()
