"""One-pass, mergeable dataset profile: the finished facts agents read.

:class:`DatasetProfiler` consumes :class:`~.csv_source.CsvBatch` es once and
keeps, per column, only fixed-size state (:mod:`.column_state`, bounded by
:class:`ProfileConfig`), plus one bounded duplicate-row state for the
dataset (:mod:`.row_hashes`), so a file of any size profiles in constant
memory per column. Two profilers that saw disjoint batches of the same file
can be merged into the profiler that saw both (partial results from
parallel readers).

Cell kinds are described in :mod:`.cell_kinds`; one finished column is a
:class:`~.column_profile.ColumnProfile`.

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

from collections.abc import Iterable
from dataclasses import dataclass, replace

import pyarrow as pa

from analysis_service.domain import cell_kinds
from analysis_service.domain.cell_kinds import Kind
from analysis_service.domain.column_profile import (
    ColumnProfile,
    Entropy,
    Histogram,
    InferredType,
    OutlierCount,
)
from analysis_service.domain.column_state import ColumnState, ProfileConfig
from analysis_service.domain.csv_source import CsvBatch, CsvStats
from analysis_service.domain.row_hashes import (
    DuplicateRows,
    DuplicateRowState,
    HashArray,
    combine_row_hashes,
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
        self.config = (config or ProfileConfig()).fitted(len(columns))
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
        decimal = batch.stats.decimal
        for state, name in zip(self._states, self._columns, strict=True):
            array = pa.array(frame[name], type=pa.large_string(), from_pandas=True)
            cells = state.consume(array, batch.first_row, self._tokens, decimal)
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
