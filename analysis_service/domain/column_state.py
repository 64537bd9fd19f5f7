"""The mergeable state kept about one column during the pass.

Per batch a column is dictionary-encoded once: the distinct values of the
batch are classified (:mod:`.cell_kinds`), counted, hashed (for duplicate
rows) and fed to the sketches with their counts, and only what needs rows
(numeric values with their rows, examples by row) is gathered back per row.
Everything here is fixed-size (see :class:`ProfileConfig`) and ``merge``
combines the states of two readers of disjoint rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis_service.domain import cell_kinds
from analysis_service.domain.cell_kinds import KINDS, Kind
from analysis_service.domain.row_hashes import cell_hashes, hash_strings
from analysis_service.domain.sketches import (
    DistinctState,
    LengthStats,
    Moments,
    QuantileState,
    TopK,
)

IntArray = npt.NDArray[np.int64]
HashArray = npt.NDArray[np.uint64]


@dataclass(frozen=True)
class ProfileConfig:
    """Caps that bound memory per column, whatever the file size.

    At the defaults one column holds at most about 0.8 MB of exact numeric
    values, 10,000 distinct strings, 1,024 top-k counters, 2 x 1,000
    extreme values and 6 x 100 example cells: a few MB per column in the
    worst case (long strings included, as examples are cut at 200 chars).
    The dataset keeps at most ``duplicate_row_cap`` distinct row hashes
    (24 bytes each; see :mod:`.row_hashes`).
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
    duplicate_row_cap: int = 1 << 20
    count_duplicate_rows: bool = True
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
            + 6 * self.examples_per_kind * (self.max_example_chars + 80)
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

DateRange = tuple[pd.Timestamp, pd.Timestamp]


def _union(a: DateRange | None, b: DateRange | None) -> DateRange | None:
    if a is None or b is None:
        return a or b
    return min(a[0], b[0]), max(a[1], b[1])


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
    zeros: int = 0
    infinite: int = 0
    #: text cells a spreadsheet would run as formulas (=, +, -, @ first)
    formula_like: int = 0
    has_time: bool = False
    special_characters: bool = False
    non_ascii: bool = False
    datetime_min: pd.Timestamp | None = None
    datetime_max: pd.Timestamp | None = None
    #: day/month dates: values only valid day first, only month first, either
    day_first: int = 0
    month_first: int = 0
    either_order: int = 0
    dmy_range: tuple[pd.Timestamp, pd.Timestamp] | None = None
    mdy_range: tuple[pd.Timestamp, pd.Timestamp] | None = None
    moments: Moments = field(default_factory=Moments)
    quantiles: QuantileState = field(init=False)
    extremes: Extremes = field(init=False)
    lengths: LengthStats = field(default_factory=LengthStats)
    distinct: DistinctState = field(init=False)
    top: TopK = field(init=False)
    null_rows: RowSample = field(init=False)
    infinite_rows: RowSample = field(init=False)
    formula_rows: RowSample = field(init=False)
    examples: dict[Kind, RowSample] = field(init=False)

    def __post_init__(self) -> None:
        cfg = self.config
        self.quantiles = QuantileState(exact_limit=cfg.exact_quantile_limit, k=cfg.kll_k)
        self.extremes = Extremes(k=cfg.extremes_k)
        self.distinct = DistinctState(exact_limit=cfg.exact_distinct_limit, lg_k=cfg.hll_lg_k)
        self.top = TopK(cap=cfg.top_k_cap)
        self.null_rows = RowSample(cap=cfg.examples_per_kind)
        self.infinite_rows = RowSample(cap=cfg.examples_per_kind)
        self.formula_rows = RowSample(cap=cfg.examples_per_kind)
        self.examples = {kind: RowSample(cap=cfg.examples_per_kind) for kind in Kind}

    # -- one batch -----------------------------------------------------------
    def consume(
        self,
        column: pa.Array | pa.ChunkedArray,
        first_row: int,
        tokens: pa.Array,
        decimal: str = ".",
    ) -> HashArray:
        """Adds one batch of the column (rows ``first_row``...); returns the
        cells' hashes (for duplicate rows). ``decimal`` is the source's
        decimal separator."""
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        n = len(column)
        if n == 0:
            return np.empty(0, dtype=np.uint64)
        self.rows += n
        is_valid = pc.is_valid(column)
        valid = is_valid.to_numpy(zero_copy_only=False)
        valid_positions = np.flatnonzero(valid)
        nulls = n - int(valid_positions.size)
        self.nulls += nulls
        if nulls and not self.null_rows.full:
            null_positions = np.flatnonzero(~valid)[: self.null_rows.room]
            self.null_rows.add(null_positions + first_row, [None] * len(null_positions))
        if valid_positions.size == 0:
            return cell_hashes(np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int32), valid)
        values = column.filter(is_valid) if nulls else column
        rows = valid_positions.astype(np.int64) + first_row

        encoded = pc.dictionary_encode(values)
        dictionary = encoded.dictionary
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        counts = np.bincount(codes, minlength=len(dictionary))
        distinct_values = dictionary.to_numpy(zero_copy_only=False)
        self.distinct.update(distinct_values)
        self.top.update(distinct_values, counts)
        self.lengths.update(pc.utf8_length(dictionary).to_numpy(zero_copy_only=False), counts)

        kinds = cell_kinds.classify(dictionary, tokens, decimal)
        self._count_kinds(kinds, counts)
        self._numbers(kinds, counts, codes, rows)
        row_codes = kinds.codes[codes]
        for code, kind in enumerate(KINDS):
            sample = self.examples[kind]
            if not sample.full and self.kind_counts[kind]:
                positions = np.flatnonzero(row_codes == code)[: sample.room]
                sample.add(rows[positions], self._texts(values, positions))
        if kinds.infinite.any() and not self.infinite_rows.full:
            positions = np.flatnonzero(kinds.infinite[codes])[: self.infinite_rows.room]
            self.infinite_rows.add(rows[positions], self._texts(values, positions))
        text = kinds.codes == cell_kinds.TEXT
        if text.any():
            self._formulas(dictionary, text, counts, codes, rows, values)
        if text.any() and not (self.special_characters and self.non_ascii):
            text_values = dictionary.filter(pa.array(text))
            if not self.special_characters:
                self.special_characters = cell_kinds.has_special_characters(text_values)
            if not self.non_ascii:
                self.non_ascii = cell_kinds.has_non_ascii(text_values)
        return cell_hashes(hash_strings(dictionary), codes, valid)

    def _formulas(
        self,
        dictionary: pa.Array,
        text: npt.NDArray[np.bool_],
        counts: IntArray,
        codes: npt.NDArray[np.integer],
        rows: IntArray,
        values: pa.Array,
    ) -> None:
        """Counts text cells that would run as formulas (numbers such as -5
        are not text, so they never count)."""
        formula = text & cell_kinds.formula_like(dictionary)
        if not formula.any():
            return
        self.formula_like += int(counts[formula].sum())
        if not self.formula_rows.full:
            positions = np.flatnonzero(formula[codes])[: self.formula_rows.room]
            self.formula_rows.add(rows[positions], self._texts(values, positions))

    def _count_kinds(self, kinds: cell_kinds.Classified, counts: IntArray) -> None:
        per_code = np.bincount(kinds.codes, weights=counts, minlength=len(KINDS) + 1)
        for code, kind in enumerate(KINDS):
            self.kind_counts[kind] += int(per_code[code])
        self.blanks += int(per_code[cell_kinds.BLANK])
        self.integral += int(counts[kinds.integral].sum())
        self.true_count += int(counts[kinds.true].sum())
        self.infinite += int(counts[kinds.infinite].sum())
        if kinds.datetime_min is not None and kinds.datetime_max is not None:
            low, high = kinds.datetime_min, kinds.datetime_max
            self.datetime_min = low if self.datetime_min is None else min(self.datetime_min, low)
            self.datetime_max = high if self.datetime_max is None else max(self.datetime_max, high)
            self.has_time = self.has_time or kinds.has_time
        self.day_first += int(counts[kinds.day_first].sum())
        self.month_first += int(counts[kinds.month_first].sum())
        self.either_order += int(counts[kinds.either_order].sum())
        self.dmy_range = _union(self.dmy_range, kinds.dmy_range)
        self.mdy_range = _union(self.mdy_range, kinds.mdy_range)

    def _numbers(
        self,
        kinds: cell_kinds.Classified,
        counts: IntArray,
        codes: npt.NDArray[np.integer],
        rows: IntArray,
    ) -> None:
        finite = kinds.finite_numeric
        if not finite.any():
            return
        values, weights = kinds.numbers[finite], counts[finite]
        self.zeros += int(weights[values == 0].sum())
        self.moments.update(values, weights)
        in_rows = finite[codes]
        row_values = kinds.numbers[codes[in_rows]]
        self.quantiles.update(row_values)
        self.extremes.update(row_values, rows[in_rows])

    def _texts(self, values: pa.Array, positions: npt.NDArray[np.intp]) -> list[str | None]:
        limit = self.config.max_example_chars
        taken = values.take(pa.array(positions, type=pa.int64())).to_pylist()
        return [v if v is None or len(v) <= limit else v[: limit - 1] + "…" for v in taken]

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
        self.zeros += other.zeros
        self.infinite += other.infinite
        self.formula_like += other.formula_like
        self.has_time = self.has_time or other.has_time
        self.special_characters = self.special_characters or other.special_characters
        self.non_ascii = self.non_ascii or other.non_ascii
        for attr, pick in (("datetime_min", min), ("datetime_max", max)):
            mine, theirs = getattr(self, attr), getattr(other, attr)
            if theirs is not None:
                setattr(self, attr, theirs if mine is None else pick(mine, theirs))
        self.day_first += other.day_first
        self.month_first += other.month_first
        self.either_order += other.either_order
        self.dmy_range = _union(self.dmy_range, other.dmy_range)
        self.mdy_range = _union(self.mdy_range, other.mdy_range)
        self.moments.merge(other.moments)
        self.quantiles.merge(other.quantiles)
        self.extremes.merge(other.extremes)
        self.lengths.merge(other.lengths)
        self.distinct.merge(other.distinct)
        self.top.merge(other.top)
        self.null_rows.merge(other.null_rows)
        self.infinite_rows.merge(other.infinite_rows)
        self.formula_rows.merge(other.formula_rows)
        for kind in Kind:
            self.examples[kind].merge(other.examples[kind])
