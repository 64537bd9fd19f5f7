"""One-pass, mergeable dataset profile.

:class:`DatasetProfiler` consumes :class:`~.csv_source.CsvBatch` es once and
keeps, per column, only fixed-size state (see :class:`ProfileConfig`), so a
file of any size profiles in constant memory per column. Two profilers that
saw disjoint batches of the same file can be merged into the profiler that
saw both (partial results from parallel readers).

Type evidence
    Every non-null, non-blank value is classified once (after trimming
    whitespace) into exactly one *kind*:

    * numeric: ``[+-]digits[.digits][e±digits]`` (scientific notation
      included, thousands separators and currency signs not), finite in
      float64; "integral" when it is ``[+-]digits`` only; when the source's
      reader decided the file writes a decimal comma
      (``batch.stats.decimal == ","``, CSV only) the separator is ``,``
      instead, so ``3,14`` is the number 3.14 while the cell keeps its text;
    * boolean: true/false/yes/no/t/f/y/n in any case (``0``/``1`` are
      numbers, never booleans);
    * datetime: ISO-8601-like ``YYYY-MM-DD`` with an optional ``T``/space
      time, fraction and zone, that pandas also parses (ISO8601 format;
      zones are converted to UTC, naive times are taken as UTC);
    * text: everything else.

Type inference (decided at :meth:`DatasetProfiler.finish`, because it needs
the whole column)
    The majority kind wins if it covers at least ``type_threshold`` (95%)
    of the classified values: numeric becomes *integer* when every numeric
    value is integral, otherwise *float*; boolean and datetime map to
    themselves. Otherwise, and for a text majority, the type is *string*.
    ``type_confidence`` is the share of values that fit the inferred type
    (for string: the share that parses as nothing else). Values that do not
    fit are ``type_mismatch_count``: the non-majority kinds for a typed
    column or a mixed column, and the numeric/datetime values in a
    text-majority column (booleans are not counted there: "y" or "N" are
    ordinary text).

Whitespace-only values are counted as ``empty_count`` and take no part in
type evidence; nulls follow the reader (pandas' default NA tokens).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis_service.domain.sketches import (
    DistinctEstimate,
    DistinctState,
    LengthStats,
    Moments,
    QuantileState,
    TopK,
    TopKEntry,
)
from analysis_service.domain.sources import SourceStats as CsvStats
from analysis_service.domain.sources import TableBatch as CsvBatch

INT_PATTERN = r"^[+-]?\d+$"
NUMBER_PATTERN = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
#: The same with a decimal comma (CSV sources whose reader decided ``decimal=","``).
NUMBER_PATTERN_DECIMAL_COMMA = r"^[+-]?(?:\d+,?\d*|,\d+)(?:[eE][+-]?\d+)?$"
DATETIME_PATTERN = (
    r"^\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$"
)
BOOLEAN_TRUE = ("true", "yes", "t", "y")
BOOLEAN_FALSE = ("false", "no", "f", "n")
SPECIAL_PATTERN = r"[^\p{L}\p{N}\s]"
NON_ASCII_PATTERN = r"[^\x00-\x7f]"

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class ProfileConfig:
    """Caps that bound memory per column, whatever the file size.

    At the defaults one column holds at most about 0.8 MB of exact numeric
    values, 10,000 distinct strings, 1,024 top-k counters, 2 x 1,000
    extreme values and 5 x 100 example cells: a few MB per column in the
    worst case (long strings included, as examples are cut at 200 chars).
    """

    exact_quantile_limit: int = 100_000
    kll_k: int = 200
    exact_distinct_limit: int = 10_000
    hll_lg_k: int = 12
    top_k_cap: int = 1024
    examples_per_kind: int = 100
    extremes_k: int = 1000
    type_threshold: float = 0.95
    max_example_chars: int = 200
    #: Worst-case state of all columns together: a wide table gets smaller
    #: exact buffers per column (see :meth:`fitted`), so memory is bounded in
    #: the number of columns too, not only in the rows.
    state_budget_bytes: int = 512 * 1024 * 1024

    def column_bytes(self) -> int:
        """Estimated worst-case state of one column at these caps."""
        return (
            8 * self.exact_quantile_limit
            + 120 * self.exact_distinct_limit
            + 200 * self.top_k_cap
            + 32 * self.extremes_k
            + 5 * self.examples_per_kind * (self.max_example_chars + 80)
        )

    def fitted(self, columns: int) -> ProfileConfig:
        """These caps, scaled down (with floors) so that ``columns`` columns
        stay within :attr:`state_budget_bytes`; unchanged when they fit.
        Past a cap each state switches to its sketch and says so."""
        budget = self.state_budget_bytes / max(1, columns)
        if self.column_bytes() <= budget:
            return self
        f = budget / self.column_bytes()
        return replace(
            self,
            exact_quantile_limit=max(1_000, int(self.exact_quantile_limit * f)),
            exact_distinct_limit=max(256, int(self.exact_distinct_limit * f)),
            top_k_cap=max(64, int(self.top_k_cap * f)),
            extremes_k=max(50, int(self.extremes_k * f)),
            examples_per_kind=max(10, int(self.examples_per_kind * f)),
        )


class Kind(Enum):
    """What a single cell looks like."""

    NUMERIC = "numeric"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    TEXT = "text"


class InferredType(Enum):
    INTEGER = "integer"
    FLOAT = "float"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    STRING = "string"

    @property
    def is_numeric(self) -> bool:
        return self in (InferredType.INTEGER, InferredType.FLOAT)


# --- bounded row samples ------------------------------------------------------


@dataclass
class RowSample:
    """The first ``cap`` cells (by row index) of one kind: row and value."""

    cap: int
    rows: IntArray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    values: list[str | None] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return len(self.rows) >= self.cap

    @property
    def room(self) -> int:
        return max(self.cap - len(self.rows), 0)

    def add(self, rows: IntArray, values: list[str | None]) -> None:
        """Adds candidates (already in row order and at most ``room``)."""
        if len(rows) == 0:
            return
        self.rows = np.concatenate([self.rows, rows.astype(np.int64)])
        self.values = [*self.values, *values]
        if len(self.rows) > self.cap or (len(rows) and np.any(np.diff(self.rows) < 0)):
            self._trim()

    def _trim(self) -> None:
        order = np.argsort(self.rows, kind="stable")[: self.cap]
        self.rows = self.rows[order]
        self.values = [self.values[i] for i in order]

    def merge(self, other: RowSample) -> None:
        self.add(other.rows, list(other.values))
        self._trim()

    def items(self) -> list[tuple[int, str | None]]:
        return [(int(r), v) for r, v in zip(self.rows, self.values, strict=True)]


@dataclass
class Extremes:
    """The ``k`` smallest and ``k`` largest numeric values with their rows."""

    k: int
    low_values: npt.NDArray[np.float64] = field(default_factory=lambda: np.empty(0))
    low_rows: IntArray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    high_values: npt.NDArray[np.float64] = field(default_factory=lambda: np.empty(0))
    high_rows: IntArray = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    def update(self, values: npt.NDArray[np.float64], rows: IntArray) -> None:
        if values.size == 0:
            return
        k = self.k
        if values.size > k:
            low_idx = np.argpartition(values, k - 1)[:k]
            high_idx = np.argpartition(values, values.size - k)[-k:]
        else:
            low_idx = high_idx = np.arange(values.size)
        self._combine(values[low_idx], rows[low_idx], values[high_idx], rows[high_idx])

    def _combine(
        self,
        low_values: npt.NDArray[np.float64],
        low_rows: IntArray,
        high_values: npt.NDArray[np.float64],
        high_rows: IntArray,
    ) -> None:
        lv = np.concatenate([self.low_values, low_values])
        lr = np.concatenate([self.low_rows, low_rows.astype(np.int64)])
        order = np.lexsort((lr, lv))[: self.k]  # smallest value, then earliest row
        self.low_values, self.low_rows = lv[order], lr[order]
        hv = np.concatenate([self.high_values, high_values])
        hr = np.concatenate([self.high_rows, high_rows.astype(np.int64)])
        order = np.lexsort((hr, -hv))[: self.k]  # largest value, then earliest row
        self.high_values, self.high_rows = hv[order], hr[order]

    def merge(self, other: Extremes) -> None:
        self._combine(other.low_values, other.low_rows, other.high_values, other.high_rows)


# --- per column accumulation ----------------------------------------------------


def _bool_value_set() -> pa.Array:
    return pa.array([*BOOLEAN_TRUE, *BOOLEAN_FALSE], type=pa.large_string())


@dataclass
class ColumnState:
    """Everything kept about one column during the pass (mergeable)."""

    name: str
    config: ProfileConfig
    rows: int = 0
    nulls: int = 0
    blanks: int = 0
    kind_counts: dict[Kind, int] = field(default_factory=lambda: dict.fromkeys(Kind, 0))
    integral: int = 0
    true_count: int = 0
    has_time: bool = False
    special_characters: bool = False
    non_ascii: bool = False
    datetime_min: pd.Timestamp | None = None
    datetime_max: pd.Timestamp | None = None
    moments: Moments = field(default_factory=Moments)
    quantiles: QuantileState = field(init=False)
    extremes: Extremes = field(init=False)
    lengths: LengthStats = field(default_factory=LengthStats)
    distinct: DistinctState = field(init=False)
    top: TopK = field(init=False)
    null_rows: RowSample = field(init=False)
    examples: dict[Kind, RowSample] = field(init=False)

    def __post_init__(self) -> None:
        cfg = self.config
        self.quantiles = QuantileState(exact_limit=cfg.exact_quantile_limit, k=cfg.kll_k)
        self.extremes = Extremes(k=cfg.extremes_k)
        self.distinct = DistinctState(exact_limit=cfg.exact_distinct_limit, lg_k=cfg.hll_lg_k)
        self.top = TopK(cap=cfg.top_k_cap)
        self.null_rows = RowSample(cap=cfg.examples_per_kind)
        self.examples = {kind: RowSample(cap=cfg.examples_per_kind) for kind in Kind}

    # -- one batch -----------------------------------------------------------
    def consume(
        self, column: pa.Array, first_row: int, bool_set: pa.Array, decimal: str = "."
    ) -> None:
        n = len(column)
        if n == 0:
            return
        self.rows += n
        valid = pc.is_valid(column).to_numpy(zero_copy_only=False)
        valid_positions = np.flatnonzero(valid)
        nulls = n - int(valid_positions.size)
        self.nulls += nulls
        if nulls and not self.null_rows.full:
            null_positions = np.flatnonzero(~valid)[: self.null_rows.room]
            self.null_rows.add(null_positions + first_row, [None] * len(null_positions))
        if valid_positions.size == 0:
            return
        values = column.filter(pc.is_valid(column)) if nulls else column
        rows = valid_positions.astype(np.int64) + first_row

        self.lengths.update(pc.utf8_length(values).to_numpy(zero_copy_only=False))
        counts = pc.value_counts(values)
        distinct_values = counts.field("values").to_numpy(zero_copy_only=False)
        self.distinct.update(distinct_values)
        self.top.update(distinct_values, counts.field("counts").to_numpy(zero_copy_only=False))

        trimmed = pc.utf8_trim_whitespace(values)
        blank = pc.equal(pc.utf8_length(trimmed), 0).to_numpy(zero_copy_only=False)
        self.blanks += int(blank.sum())

        kinds_left = ~blank
        numeric = self._numbers(trimmed, rows, decimal)
        kinds_left &= ~numeric
        boolean = self._booleans(trimmed, kinds_left, bool_set)
        kinds_left &= ~boolean
        dates = self._datetimes(trimmed, kinds_left)
        text = kinds_left & ~dates
        for kind, mask in (
            (Kind.NUMERIC, numeric),
            (Kind.BOOLEAN, boolean),
            (Kind.DATETIME, dates),
            (Kind.TEXT, text),
        ):
            hits = int(mask.sum())
            self.kind_counts[kind] += hits
            sample = self.examples[kind]
            if hits and not sample.full:
                positions = np.flatnonzero(mask)[: sample.room]
                self.examples[kind].add(rows[positions], self._texts(values, positions))
        if text.any() and not (self.special_characters and self.non_ascii):
            text_values = values.filter(pa.array(text))
            if not self.special_characters:
                self.special_characters = bool(
                    pc.any(pc.match_substring_regex(text_values, SPECIAL_PATTERN)).as_py()
                )
            if not self.non_ascii:
                self.non_ascii = bool(
                    pc.any(pc.match_substring_regex(text_values, NON_ASCII_PATTERN)).as_py()
                )

    def _texts(self, values: pa.Array, positions: npt.NDArray[np.intp]) -> list[str | None]:
        limit = self.config.max_example_chars
        taken = values.take(pa.array(positions, type=pa.int64())).to_pylist()
        return [v if v is None or len(v) <= limit else v[: limit - 1] + "…" for v in taken]

    def _numbers(
        self, trimmed: pa.Array, rows: IntArray, decimal: str = "."
    ) -> npt.NDArray[np.bool_]:
        pattern = NUMBER_PATTERN if decimal == "." else NUMBER_PATTERN_DECIMAL_COMMA
        mask = pc.match_substring_regex(trimmed, pattern).to_numpy(zero_copy_only=False)
        if not mask.any():
            return mask
        positions = np.flatnonzero(mask)
        candidates = trimmed.take(pa.array(positions, type=pa.int64()))
        as_text = pc.replace_substring(candidates, ",", ".") if decimal != "." else candidates
        numbers = pc.cast(as_text, pa.float64()).to_numpy(zero_copy_only=False)
        finite = np.isfinite(numbers)
        integral = pc.match_substring_regex(candidates, INT_PATTERN).to_numpy(zero_copy_only=False)
        if not finite.all():  # e.g. 1e999: does not fit a float64, so not a number here
            mask[positions[~finite]] = False
            positions, numbers, integral = positions[finite], numbers[finite], integral[finite]
        self.integral += int(integral.sum())
        self.moments.update(numbers)
        self.quantiles.update(numbers)
        self.extremes.update(numbers, rows[positions])
        return mask

    def _booleans(
        self, trimmed: pa.Array, candidates: npt.NDArray[np.bool_], bool_set: pa.Array
    ) -> npt.NDArray[np.bool_]:
        short = candidates & (pc.utf8_length(trimmed).to_numpy(zero_copy_only=False) <= 5)
        mask = np.zeros(len(trimmed), dtype=bool)
        if not short.any():
            return mask
        positions = np.flatnonzero(short)
        lowered = pc.utf8_lower(trimmed.take(pa.array(positions, type=pa.int64())))
        index = pc.index_in(lowered, value_set=bool_set).to_numpy(zero_copy_only=False)
        hit = ~np.isnan(index.astype(np.float64))
        mask[positions[hit]] = True
        self.true_count += int((index[hit] < len(BOOLEAN_TRUE)).sum())
        return mask

    def _datetimes(
        self, trimmed: pa.Array, candidates: npt.NDArray[np.bool_]
    ) -> npt.NDArray[np.bool_]:
        mask = np.zeros(len(trimmed), dtype=bool)
        if not candidates.any():
            return mask
        positions = np.flatnonzero(candidates)
        subset = trimmed.take(pa.array(positions, type=pa.int64()))
        looks = pc.match_substring_regex(subset, DATETIME_PATTERN).to_numpy(zero_copy_only=False)
        if not looks.any():
            return mask
        positions = positions[looks]
        matched = subset.filter(pa.array(looks))
        parsed = pd.to_datetime(
            pd.Series(matched.to_pandas(), copy=False), format="ISO8601", utc=True, errors="coerce"
        )
        ok = parsed.notna().to_numpy()
        if not ok.any():
            return mask
        mask[positions[ok]] = True
        good = parsed[ok]
        low, high = good.min(), good.max()
        self.datetime_min = low if self.datetime_min is None else min(self.datetime_min, low)
        self.datetime_max = high if self.datetime_max is None else max(self.datetime_max, high)
        if not self.has_time:
            lengths = pc.utf8_length(matched).to_numpy(zero_copy_only=False)
            self.has_time = bool((lengths[ok] > 10).any())
        return mask

    # -- merge ---------------------------------------------------------------
    def merge(self, other: ColumnState) -> None:
        if other.name != self.name:
            raise ValueError(f"cannot merge column {other.name!r} into {self.name!r}")
        self.rows += other.rows
        self.nulls += other.nulls
        self.blanks += other.blanks
        for kind in Kind:
            self.kind_counts[kind] += other.kind_counts[kind]
        self.integral += other.integral
        self.true_count += other.true_count
        self.has_time = self.has_time or other.has_time
        self.special_characters = self.special_characters or other.special_characters
        self.non_ascii = self.non_ascii or other.non_ascii
        for attr, pick in (("datetime_min", min), ("datetime_max", max)):
            mine, theirs = getattr(self, attr), getattr(other, attr)
            if theirs is not None:
                setattr(self, attr, theirs if mine is None else pick(mine, theirs))
        self.moments.merge(other.moments)
        self.quantiles.merge(other.quantiles)
        self.extremes.merge(other.extremes)
        self.lengths.merge(other.lengths)
        self.distinct.merge(other.distinct)
        self.top.merge(other.top)
        self.null_rows.merge(other.null_rows)
        for kind in Kind:
            self.examples[kind].merge(other.examples[kind])


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

    # -- other -----------------------------------------------------------
    @property
    def lengths(self) -> LengthStats:
        return self.state.lengths

    @property
    def datetime_min(self) -> pd.Timestamp | None:
        return self.state.datetime_min

    @property
    def datetime_max(self) -> pd.Timestamp | None:
        return self.state.datetime_max

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
    """The finished profile: columns in file order plus source facts."""

    columns: list[ColumnProfile]
    rows: int
    source: CsvStats
    config: ProfileConfig

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
        self.config = (config or ProfileConfig()).fitted(len(columns))
        self._columns = list(columns)
        self._states = [ColumnState(name, self.config) for name in self._columns]
        self._bool_set = _bool_value_set()
        self.rows = 0
        self._source = CsvStats()

    @property
    def columns(self) -> list[str]:
        return list(self._columns)

    def consume(self, batch: CsvBatch) -> None:
        frame = batch.frame
        if list(frame.columns) != self._columns:
            raise ValueError("batch columns differ from the profiler's columns")
        decimal = batch.stats.decimal
        for state, name in zip(self._states, self._columns, strict=True):
            array = pa.array(frame[name], type=pa.large_string(), from_pandas=True)
            state.consume(array, batch.first_row, self._bool_set, decimal)
        self.rows += len(frame)
        self._source = batch.stats

    def merge(self, other: DatasetProfiler) -> None:
        """Adds what ``other`` saw (disjoint rows of the same file)."""
        if other._columns != self._columns:
            raise ValueError("cannot merge profiles of different columns")
        for mine, theirs in zip(self._states, other._states, strict=True):
            mine.merge(theirs)
        self.rows += other.rows
        a, b = self._source, other._source
        self._source = replace(
            a if a.bytes_read else b,
            bom=a.bom or b.bom,
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
            columns=columns, rows=self.rows, source=self._source, config=self.config
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


def as_jsonable_number(value: Any) -> Any:
    """A float/int safe for strict JSON: NaN and infinities become None."""
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    number = float(value)
    return number if math.isfinite(number) else None
