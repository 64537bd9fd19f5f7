"""A seeded, mergeable reservoir of ``sample_size`` values per column.

The sample is a *bottom-k* sample: every data row gets a pseudo-random
64-bit key, a pure function of the seed and the row's number in the file
(SplitMix64's mixer, a bijection, so no two rows share a key), and each
column keeps the ``sample_size`` non-blank values with the smallest keys.
That is a uniform random sample without replacement of the column's
non-null, non-blank values, and it depends only on the seed and the file:

* not on how the file was cut into batches, nor on the order batches come
  in, nor on how partial samplers are merged (the union of two bottom-k
  samples, cut to k, is the bottom-k sample of the union);
* the same rows are chosen in every column (where their values are not
  null), so the samples line up row by row.

Per batch the keys are computed once for all columns (a few vectorised
integer operations); once a column's reservoir is full only rows whose key
is below its current largest key are looked at (about ``k / rows seen`` of
them), so the steady-state cost per batch is one comparison per row and
column plus a handful of values. Memory per column is ``sample_size`` x
(16 bytes + the value, cut at ``max_value_chars``), whatever the file size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis_service.domain.csv_source import CsvBatch

_U64 = npt.NDArray[np.uint64]
_I64 = npt.NDArray[np.int64]
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def row_keys(rows: _I64, seed: int) -> _U64:
    """SplitMix64 of ``row + seed * golden`` (wrapping 64-bit arithmetic)."""
    offset = np.array([seed % (1 << 64)], dtype=np.uint64) * _GOLDEN
    z = rows.astype(np.uint64) + offset + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


def _arrow(column: pd.Series) -> pa.Array | pa.ChunkedArray:
    """The column's Arrow data without a copy (the ``__arrow_array__``
    protocol of pandas' Arrow-backed strings), as large strings."""
    values = column.array
    if hasattr(values, "__arrow_array__"):
        data = values.__arrow_array__()
        if data.type == pa.large_string():
            return data
    return pa.array(column, type=pa.large_string(), from_pandas=True)


def _valid(array: pa.Array | pa.ChunkedArray) -> npt.NDArray[np.bool_]:
    valid = pc.is_valid(array)
    if isinstance(valid, pa.ChunkedArray):
        valid = valid.combine_chunks()
    return valid.to_numpy(zero_copy_only=False)


@dataclass(frozen=True)
class ColumnSample:
    """The sampled values of one column in file order.

    ``rows[i]`` is the 0-based data row of the file (header excluded) that
    holds ``values[i]`` (trimmed, cut at the sampler's ``max_value_chars``).
    ``non_null`` counts every non-null value the sampler saw in the column
    (blanks included), the population the sample was drawn from.
    """

    column: str
    rows: tuple[int, ...]
    values: tuple[str, ...]
    non_null: int

    def __len__(self) -> int:
        return len(self.values)


@dataclass
class _Reservoir:
    """The bottom-k state of one column.

    Candidates (keys below ``ceiling``) wait in ``pending`` and are merged
    into the kept arrays only when ``k`` of them have gathered (or when the
    sample is read): the ceiling then is the largest kept key, a bound that
    only lets in rows that may belong, so the result is the same as merging
    each batch at once, at a fraction of the cost.
    """

    k: int
    keys: _U64 = field(default_factory=lambda: np.empty(0, dtype=np.uint64))
    rows: _I64 = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    values: pa.Array = field(default_factory=lambda: pa.array([], type=pa.large_string()))
    non_null: int = 0
    #: Keys at or above this cannot enter (None: fewer than ``k`` kept yet).
    ceiling: np.uint64 | None = None
    pending: list[tuple[_U64, _I64, pa.Array]] = field(default_factory=list)
    pending_count: int = 0

    def add(self, keys: _U64, rows: _I64, values: pa.Array) -> None:
        if len(keys) == 0:
            return
        self.pending.append((keys, rows, values))
        self.pending_count += len(keys)
        if self.ceiling is None or self.pending_count >= self.k:
            self.compact()

    def compact(self) -> None:
        if not self.pending:
            return
        keys = np.concatenate([self.keys, *(p[0] for p in self.pending)])
        rows = np.concatenate([self.rows, *(p[1] for p in self.pending)])
        values = pa.concat_arrays([self.values, *(p[2] for p in self.pending)])
        self.pending, self.pending_count = [], 0
        if len(keys) > self.k:
            keep = np.argpartition(keys, self.k - 1)[: self.k]
            keys, rows = keys[keep], rows[keep]
            values = values.take(pa.array(keep, type=pa.int64()))
        self.keys, self.rows, self.values = keys, rows, values
        self.ceiling = np.uint64(keys.max()) if len(keys) >= self.k else None


#: Up to this many candidates are gathered one by one (cheaper than a take
#: over a column of many chunks); more are taken in one vectorised call.
_GATHER_ONE_BY_ONE = 64


def _gather(array: pa.Array | pa.ChunkedArray, positions: npt.NDArray[np.intp]) -> pa.Array:
    if len(positions) <= _GATHER_ONE_BY_ONE:
        return pa.array([array[int(p)].as_py() for p in positions], type=pa.large_string())
    taken = array.take(pa.array(positions, type=pa.int64()))
    return taken.combine_chunks() if isinstance(taken, pa.ChunkedArray) else taken


class PiiSampler:
    """The batch observer: feed it every batch of the pass, then read
    :meth:`sample` per column (see the module docstring)."""

    def __init__(
        self,
        columns: list[str],
        sample_size: int,
        *,
        seed: int = 0,
        max_value_chars: int = 256,
    ) -> None:
        if sample_size < 1:
            raise ValueError("sample_size must be positive")
        if max_value_chars < 1:
            raise ValueError("max_value_chars must be positive")
        self.columns = list(columns)
        self.sample_size = sample_size
        self.seed = seed
        self.max_value_chars = max_value_chars
        self._reservoirs = {name: _Reservoir(sample_size) for name in self.columns}

    def consume(self, batch: CsvBatch) -> None:
        frame = batch.frame
        if list(frame.columns) != self.columns:
            raise ValueError("batch columns differ from the sampler's columns")
        n = len(frame)
        if n == 0:
            return
        rows = np.arange(batch.first_row, batch.first_row + n, dtype=np.int64)
        keys = row_keys(rows, self.seed)
        for name, column in frame.items():
            reservoir = self._reservoirs[name]
            # Zero-copy view of the column (a ChunkedArray when the frame's
            # column has several chunks); only the candidates are copied.
            array = _arrow(column)
            reservoir.non_null += n - array.null_count
            if reservoir.ceiling is None:
                positions = np.flatnonzero(_valid(array))
            else:
                positions = np.flatnonzero(keys < reservoir.ceiling)
            limit = 2 * self.sample_size
            if positions.size > limit:
                # Filling up: only the smallest keys can enter, so offer those
                # first; the rest only if blanks left the reservoir short.
                order = np.argpartition(keys[positions], limit - 1)
                first, rest = np.sort(positions[order[:limit]]), np.sort(positions[order[limit:]])
                if self._offer(reservoir, array, first, keys, rows) < self.sample_size:
                    self._offer(reservoir, array, rest, keys, rows)
            elif positions.size:
                self._offer(reservoir, array, positions, keys, rows)

    def _offer(
        self,
        reservoir: _Reservoir,
        array: pa.Array | pa.ChunkedArray,
        positions: npt.NDArray[np.intp],
        keys: _U64,
        rows: _I64,
    ) -> int:
        """Adds the non-blank values at ``positions`` (ascending) to the
        reservoir; returns how many there were."""
        trimmed = pc.utf8_trim_whitespace(_gather(array, positions))
        keep = pc.and_kleene(pc.is_valid(trimmed), pc.greater(pc.utf8_length(trimmed), 0))
        keep_np = keep.to_numpy(zero_copy_only=False).astype(bool, copy=False)
        count = int(keep_np.sum())
        if count == 0:
            return 0
        kept = trimmed.filter(pa.array(keep_np))
        if pc.max(pc.utf8_length(kept)).as_py() > self.max_value_chars:
            kept = pc.utf8_slice_codeunits(kept, 0, self.max_value_chars)
        positions = positions[keep_np]
        reservoir.add(keys[positions], rows[positions], kept)
        return count

    def merge(self, other: PiiSampler) -> None:
        """Adds what ``other`` saw (disjoint rows of the same file)."""
        if (other.columns, other.sample_size, other.seed, other.max_value_chars) != (
            self.columns,
            self.sample_size,
            self.seed,
            self.max_value_chars,
        ):
            raise ValueError("cannot merge samplers with different columns, sizes or seeds")
        for name in self.columns:
            mine, theirs = self._reservoirs[name], other._reservoirs[name]
            theirs.compact()
            mine.add(theirs.keys, theirs.rows, theirs.values)
            mine.compact()
            mine.non_null += theirs.non_null

    def sample(self, column: str) -> ColumnSample:
        reservoir = self._reservoirs[column]
        reservoir.compact()
        order = np.argsort(reservoir.rows, kind="stable")
        values = reservoir.values.take(pa.array(order, type=pa.int64())).to_pylist()
        return ColumnSample(
            column=column,
            rows=tuple(int(r) for r in reservoir.rows[order]),
            values=tuple(values),
            non_null=reservoir.non_null,
        )

    def samples(self) -> dict[str, ColumnSample]:
        return {name: self.sample(name) for name in self.columns}
