"""The tests, run over every row of the primary in the streaming pass.

One :class:`CoverageObserver` holds a state per configured test on a
column of the file (tests on absent columns are reported by the agent, not
run). Every state is mergeable. Each keeps the Great Expectations result
fields: ``element_count`` (non-null cells), ``unexpected_count``, the
first ``PARTIAL_VALUES`` unexpected values and the first ``INDEX_CAP``
unexpected rows (0-based rows of the original file).

* Range: a value is unexpected when it is not a number (as the profile
  reads numbers: its numeric pattern, the file's decimal separator,
  infinities) or lies outside
  [min, max] (inclusive, as GE's ``expect_column_values_to_be_between``);
  ``non_numeric_count`` says how many were not numbers.
* Format: a value is unexpected when the pattern does not match it in
  FULL, on RE2 (linear time, no catastrophic backtracking): the pattern
  is validated with ``google-re2`` and run, anchored as ``^(?:p)$``, by
  Arrow's vectorised RE2 kernel.
* Uniqueness: :mod:`.uniques` (exact, bounded memory, spills to disk).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis_service.agents.test_coverage_agent.params import CoverageParams
from analysis_service.agents.test_coverage_agent.uniques import UniqueState
from analysis_service.domain import cell_kinds
from analysis_service.domain.csv_source import CsvBatch
from dqcommon.tools.patterns import compile_pattern, pattern_of

#: GE's partial_unexpected_list length, and our cap of unexpected_index_list.
PARTIAL_VALUES = 20
INDEX_CAP = 100


@dataclass
class Unexpected:
    """Counts plus the first unexpected (row, value) pairs, in row order."""

    element_count: int = 0
    unexpected_count: int = 0
    rows: list[int] = field(default_factory=list)
    values: list[Any] = field(default_factory=list)

    def add(self, elements: int, rows: npt.NDArray[np.int64], values: Sequence[Any]) -> None:
        self.element_count += elements
        self.unexpected_count += len(rows)
        room = INDEX_CAP - len(self.rows)
        if room > 0:
            self.rows.extend(int(r) for r in rows[:room])
            self.values.extend(list(values[:room]))

    def merge(self, other: Unexpected) -> None:
        self.element_count += other.element_count
        self.unexpected_count += other.unexpected_count
        pairs = sorted(zip(self.rows + other.rows, self.values + other.values, strict=True))
        self.rows = [r for r, _ in pairs[:INDEX_CAP]]
        self.values = [v for _, v in pairs[:INDEX_CAP]]


@dataclass
class RangeState:
    minimum: float | None
    maximum: float | None
    found: Unexpected = field(default_factory=Unexpected)
    non_numeric_count: int = 0

    def consume(self, column: pd.Series, first_row: int, decimal: str = ".") -> None:
        present = column.notna().to_numpy()
        values = column[present]
        numbers = _numbers(pa.array(values, type=pa.large_string()), decimal)
        bad = np.isnan(numbers)
        self.non_numeric_count += int(bad.sum())
        outside = bad.copy()
        if self.minimum is not None:
            outside |= numbers < self.minimum
        if self.maximum is not None:
            outside |= numbers > self.maximum
        rows = np.nonzero(present)[0][outside].astype(np.int64) + first_row
        self.found.add(int(present.sum()), rows, values.to_numpy()[outside][:INDEX_CAP].tolist())

    def merge(self, other: RangeState) -> None:
        self.found.merge(other.found)
        self.non_numeric_count += other.non_numeric_count


def _numbers(texts: pa.Array, decimal: str) -> npt.NDArray[np.float64]:
    """The values as numbers where the profile reads them as numbers (its
    numeric pattern and decimal separator, infinities included), else NaN."""
    stripped = pc.utf8_trim_whitespace(texts)
    out = np.full(len(texts), np.nan)
    numeric = pc.match_substring_regex(stripped, cell_kinds.number_pattern(decimal))
    mask = numeric.to_numpy(zero_copy_only=False)
    if mask.any():
        converted = cell_kinds.as_float64(stripped.filter(numeric), decimal)
        out[mask] = converted.to_numpy(zero_copy_only=False)
    lowered = pc.utf8_lower(stripped).to_numpy(zero_copy_only=False)
    out[np.isin(lowered, cell_kinds.INFINITY_POSITIVE)] = np.inf
    out[np.isin(lowered, cell_kinds.INFINITY_NEGATIVE)] = -np.inf
    return out


@dataclass
class FormatState:
    pattern: str
    description: str = ""
    found: Unexpected = field(default_factory=Unexpected)

    def __post_init__(self) -> None:
        compile_pattern(self.pattern)  # refused at task creation already; fail loudly if not
        # Arrow's regex kernels run RE2 too: anchored, this is RE2's full match
        # ("$" without the multi-line flag is the end of the text), vectorised.
        self._anchored = f"^(?:{self.pattern})$"

    def consume(self, column: pd.Series, first_row: int) -> None:
        array = pa.array(column, type=pa.large_string(), from_pandas=True)
        valid = array.is_valid().to_numpy(zero_copy_only=False)
        values = array.filter(pa.array(valid))
        matched = pc.match_substring_regex(values, pattern=self._anchored)
        failing = ~matched.to_numpy(zero_copy_only=False)
        rows = np.nonzero(valid)[0][failing].astype(np.int64) + first_row
        listed = values.filter(pa.array(failing)).slice(0, INDEX_CAP).to_pylist()
        self.found.add(int(valid.sum()), rows, listed)

    def merge(self, other: FormatState) -> None:
        self.found.merge(other.found)


class CoverageObserver:
    """Runs every configured test whose column is in the file."""

    def __init__(self, params: CoverageParams, columns: Sequence[str]) -> None:
        present = set(columns)
        self.unique: dict[str, UniqueState] = {
            c: UniqueState(index_cap=INDEX_CAP)
            for c in dict.fromkeys(params.unique_columns)
            if c in present
        }
        self.ranges: dict[str, RangeState] = {
            c: RangeState(_bound(spec, "min"), _bound(spec, "max"))
            for c, spec in params.range_tests.items()
            if c in present
        }
        self.formats: dict[str, FormatState] = {}
        for c, spec in params.format_tests.items():
            parsed = pattern_of(spec)
            if c in present and parsed is not None:
                self.formats[c] = FormatState(*parsed)

    def consume(self, batch: CsvBatch) -> None:
        frame = batch.frame
        for name, unique in self.unique.items():
            unique.consume(
                pa.array(frame[name], type=pa.large_string(), from_pandas=True), batch.first_row
            )
        for name, ranged in self.ranges.items():
            ranged.consume(frame[name], batch.first_row, batch.stats.decimal)
        for name, formatted in self.formats.items():
            formatted.consume(frame[name], batch.first_row)

    def merge(self, other: CoverageObserver) -> None:
        for name, unique in self.unique.items():
            unique.merge(other.unique[name])
        for name, ranged in self.ranges.items():
            ranged.merge(other.ranges[name])
        for name, formatted in self.formats.items():
            formatted.merge(other.formats[name])


def _bound(spec: Mapping[str, Any], key: str) -> float | None:
    value = spec.get(key) if isinstance(spec, Mapping) else None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
