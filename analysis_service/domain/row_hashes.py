"""Full-row duplicates in one pass and bounded memory.

Row hashes
    Every cell is hashed from its UTF-8 bytes with a polynomial hash modulo
    2^64 (vectorised over Arrow's offsets and data buffers, in pieces of at
    most 64 KiB so the power tables stay at 2 MiB), finalised with splitmix64;
    a row's hash combines its cells' hashes in column order, nulls with a
    salt of their own. The hash is deterministic (the same in every process),
    so states built by separate readers merge. :func:`hash_strings` hashes
    an array of *distinct* values; the profiler hashes each batch's
    dictionary once and gathers, so a column with few distinct values costs
    almost nothing.

Duplicate state (:class:`DuplicateRowState`)
    Keeps, per distinct row hash, the number of rows with that hash and the
    first row that had it: 8 + 8 + 8 = 24 bytes per distinct row, in sorted
    runs merged like a log-structured tree (amortised O(n log n), lookups by
    binary search). At most ``cap`` distinct rows are kept (default 2^20:
    24 MiB, plus the merged copy of the two largest runs while they merge,
    so about 50 MiB at the peak). Past the cap the
    state turns into a *hash-space sample*: it keeps only hashes below a
    threshold (halving the kept set each time it fills up), so every copy of
    a row is either in the sample or not, and the duplicate count is
    estimated as (sampled rows - sampled distinct rows) / sampling rate,
    flagged as approximate with the rate. Below the cap the count is exact
    up to 64-bit hash collisions (for a million distinct rows the chance of
    any collision is about 3e-8).

A "duplicate row" is a row equal, cell by cell (nulls equal to nulls), to an
earlier row of the file; the first occurrence is not counted, as in
``pandas.DataFrame.duplicated().sum()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

U64 = npt.NDArray[np.uint64]
HashArray = U64
I64 = npt.NDArray[np.int64]

_P = 0x100000001B3  # the 64-bit FNV prime: odd, so invertible modulo 2^64
_P_INV = pow(_P, -1, 1 << 64)
_PIECE_BYTES = 1 << 16
_NULL_SALT = np.uint64(0x9E3779B97F4A7C15)
_ROW_MULTIPLIER = np.uint64(0xD6E8FEB86659FD93)
_EVERYTHING = 1 << 64  # a threshold that keeps every hash


def _powers(base: int, n: int) -> U64:
    out = np.empty(n, dtype=np.uint64)
    out[0] = 1
    with np.errstate(over="ignore"):
        np.cumprod(np.full(n - 1, base, dtype=np.uint64), out=out[1:])
    return out


class _PowerTables:
    """P^i and P^-i modulo 2^64 for i < size (grown on demand, 8 B each)."""

    def __init__(self) -> None:
        self.size = 0
        self.up: U64 = np.empty(0, dtype=np.uint64)
        self.down: U64 = np.empty(0, dtype=np.uint64)

    def ensure(self, size: int) -> None:
        if size > self.size:
            size = max(size, 2 * _PIECE_BYTES)
            self.up, self.down, self.size = _powers(_P, size), _powers(_P_INV, size), size


_TABLES = _PowerTables()


def _mix(values: U64) -> U64:
    """splitmix64's finaliser: spreads every input bit over the output."""
    with np.errstate(over="ignore"):
        z = values ^ (values >> np.uint64(30))
        z = z * np.uint64(0xBF58476D1CE4E5B9)
        z ^= z >> np.uint64(27)
        z = z * np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    return z


def hash_strings(array: pa.Array) -> U64:
    """A 64-bit hash of every value of a (large_)string array without
    nulls; equal strings get equal hashes in every process."""
    n = len(array)
    if n == 0:
        return np.empty(0, dtype=np.uint64)
    if pa.types.is_string(array.type):
        array = array.cast(pa.large_string())
    buffers = array.buffers()
    offsets: I64 = np.frombuffer(buffers[1], dtype=np.int64)[array.offset : array.offset + n + 1]
    data = (
        np.frombuffer(buffers[2], dtype=np.uint8)
        if buffers[2] is not None
        else np.empty(0, dtype=np.uint8)
    )
    out = np.empty(n, dtype=np.uint64)
    i = 0
    while i < n:
        base = int(offsets[i])
        j = int(np.searchsorted(offsets, base + _PIECE_BYTES, side="right")) - 1
        j = min(max(j, i + 1), n)
        local = offsets[i : j + 1] - base
        length = int(local[-1])
        _TABLES.ensure(length + 1)
        prefix = np.zeros(length + 1, dtype=np.uint64)
        with np.errstate(over="ignore"):
            np.cumsum(
                np.multiply(data[base : base + length], _TABLES.up[:length], dtype=np.uint64),
                out=prefix[1:],
            )
            starts, ends = local[:-1], local[1:]
            value = (prefix[ends] - prefix[starts]) * _TABLES.down[starts]
            value ^= (ends - starts).astype(np.uint64) * _ROW_MULTIPLIER
        out[i:j] = value
        i = j
    return _mix(out)


def combine_row_hashes(row: U64 | None, column: U64) -> U64:
    """Folds one column's cell hashes into the row hashes (column order matters)."""
    if row is None:
        return _mix(column ^ _NULL_SALT)
    with np.errstate(over="ignore"):
        return _mix(row * _ROW_MULTIPLIER + column)


def cell_hashes(
    value_hashes: U64, codes: npt.NDArray[np.integer], valid: npt.NDArray[np.bool_]
) -> U64:
    """Per-row cell hashes of a column from its dictionary's hashes: nulls
    get the null salt, valid cells their value's hash."""
    out = np.full(len(valid), _NULL_SALT, dtype=np.uint64)
    out[valid] = value_hashes[codes]
    return out


@dataclass(frozen=True)
class DuplicateRows:
    """The finished duplicate count (see the module docstring)."""

    rows: int
    duplicate_rows: int
    exact: bool
    sample_rate: float
    examples: list[tuple[int, int]]  # (row_index, row_index of its first occurrence)

    @property
    def distinct_rows(self) -> int:
        return self.rows - self.duplicate_rows


@dataclass
class _Run:
    hashes: U64
    counts: I64
    first: I64


@dataclass
class DuplicateRowState:
    """Mergeable, bounded state for full-row duplicates."""

    cap: int = 1 << 20
    examples_cap: int = 100
    rows: int = 0
    sampled_rows: int = 0
    distinct: int = 0
    threshold: int = _EVERYTHING
    _runs: list[_Run] = field(default_factory=list, repr=False)
    _example_rows: I64 = field(default_factory=lambda: np.empty(0, dtype=np.int64), repr=False)
    _example_first: I64 = field(default_factory=lambda: np.empty(0, dtype=np.int64), repr=False)

    @property
    def exact(self) -> bool:
        return self.threshold == _EVERYTHING

    @property
    def sample_rate(self) -> float:
        return self.threshold / _EVERYTHING

    def update(self, hashes: U64, first_row: int) -> None:
        """Adds consecutive rows ``first_row, first_row + 1, ...``."""
        n = len(hashes)
        if n == 0:
            return
        self.rows += n
        rows = np.arange(first_row, first_row + n, dtype=np.int64)
        if not self.exact:
            keep = hashes < np.uint64(self.threshold)
            hashes, rows = hashes[keep], rows[keep]
            if len(hashes) == 0:
                return
        self.sampled_rows += len(hashes)
        unique, first_index, inverse, counts = np.unique(
            hashes, return_index=True, return_inverse=True, return_counts=True
        )
        earlier = self._lookup_and_count(unique, counts.astype(np.int64))
        new = earlier < 0
        group_first = np.where(new, rows[first_index], earlier)
        if np.any(new):
            self._add_run(_Run(unique[new], counts[new].astype(np.int64), rows[first_index][new]))
            self.distinct += int(new.sum())
        if len(self._example_rows) < self.examples_cap:
            row_first = group_first[inverse]
            duplicate = row_first != rows
            self._add_examples(rows[duplicate], row_first[duplicate])
        if self.distinct > self.cap:
            self._shrink()

    def _lookup_and_count(self, unique: U64, counts: I64) -> I64:
        """First row of each hash already kept (-1 if new); adds the counts."""
        earlier = np.full(len(unique), -1, dtype=np.int64)
        for run in self._runs:
            pos = np.searchsorted(run.hashes, unique)
            inside = pos < len(run.hashes)
            found = np.zeros(len(unique), dtype=bool)
            found[inside] = run.hashes[pos[inside]] == unique[inside]
            if np.any(found):
                earlier[found] = run.first[pos[found]]
                run.counts[pos[found]] += counts[found]
        return earlier

    def _add_run(self, run: _Run) -> None:
        self._runs.append(run)
        while len(self._runs) > 1 and len(self._runs[-2].hashes) <= 2 * len(self._runs[-1].hashes):
            b = self._runs.pop()
            a = self._runs.pop()
            self._runs.append(_merge_disjoint(a, b))

    def _add_examples(self, rows: I64, first: I64) -> None:
        if len(rows) == 0:
            return
        all_rows = np.concatenate([self._example_rows, rows])
        all_first = np.concatenate([self._example_first, first])
        order = np.argsort(all_rows, kind="stable")[: self.examples_cap]
        self._example_rows, self._example_first = all_rows[order], all_first[order]

    def _shrink(self) -> None:
        """Keeps the lower half of the hash space that is kept now."""
        while self.distinct > self.cap:
            merged = self._single_run()
            threshold = int(merged.hashes[len(merged.hashes) // 2])
            keep = merged.hashes < np.uint64(threshold)
            self._runs = [_Run(merged.hashes[keep], merged.counts[keep], merged.first[keep])]
            self.threshold = threshold
            self.distinct = int(keep.sum())
            self.sampled_rows = int(merged.counts[keep].sum())

    def _single_run(self) -> _Run:
        while len(self._runs) > 1:
            b = self._runs.pop()
            a = self._runs.pop()
            self._runs.append(_merge_disjoint(a, b))
        if not self._runs:
            empty = np.empty(0, dtype=np.int64)
            return _Run(np.empty(0, dtype=np.uint64), empty, empty.copy())
        return self._runs[0]

    def merge(self, other: DuplicateRowState) -> None:
        """Adds what ``other`` saw (other rows of the same file)."""
        mine, theirs = self._single_run(), other._single_run()
        threshold = min(self.threshold, other.threshold)
        hashes = np.concatenate([mine.hashes, theirs.hashes])
        counts = np.concatenate([mine.counts, theirs.counts])
        first = np.concatenate([mine.first, theirs.first])
        unique, inverse = np.unique(hashes, return_inverse=True)
        merged_counts = np.zeros(len(unique), dtype=np.int64)
        np.add.at(merged_counts, inverse, counts)
        merged_first = np.full(len(unique), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(merged_first, inverse, first)
        # A hash both states kept: the later first occurrence is a duplicate
        # of the earlier one, and so is every example that pointed at it.
        later = first != merged_first[inverse]
        remap_from, remap_to = first[later], merged_first[inverse][later]
        rows = np.concatenate([self._example_rows, other._example_rows, remap_from])
        firsts = np.concatenate([self._example_first, other._example_first, remap_to])
        if len(remap_from):
            order = np.argsort(remap_from)
            pos = np.searchsorted(remap_from[order], firsts)
            pos = np.minimum(pos, len(remap_from) - 1)
            hit = remap_from[order][pos] == firsts
            firsts = np.where(hit, remap_to[order][pos], firsts)
        self.rows += other.rows
        keep = unique < np.uint64(threshold) if threshold != _EVERYTHING else slice(None)
        self._runs = [_Run(unique[keep], merged_counts[keep], merged_first[keep])]
        self.threshold = threshold
        self.distinct = len(self._runs[0].hashes)
        self.sampled_rows = int(self._runs[0].counts.sum())
        self._example_rows = np.empty(0, dtype=np.int64)
        self._example_first = np.empty(0, dtype=np.int64)
        self._add_examples(rows, firsts)
        if self.distinct > self.cap:
            self._shrink()

    def result(self) -> DuplicateRows:
        duplicates = self.sampled_rows - self.distinct
        if not self.exact:
            duplicates = min(self.rows, round(duplicates / self.sample_rate))
        return DuplicateRows(
            rows=self.rows,
            duplicate_rows=int(duplicates),
            exact=self.exact,
            sample_rate=self.sample_rate,
            examples=[
                (int(r), int(f))
                for r, f in zip(self._example_rows, self._example_first, strict=True)
            ],
        )


def _merge_disjoint(a: _Run, b: _Run) -> _Run:
    """Two sorted runs with no hash in common, as one sorted run: every
    element of ``b`` goes to its insertion position (linear after the
    binary searches, and no concatenated or sorted copies)."""
    if len(b.hashes) > len(a.hashes):
        a, b = b, a
    n = len(a.hashes) + len(b.hashes)
    at = np.searchsorted(a.hashes, b.hashes) + np.arange(len(b.hashes))
    rest = np.ones(n, dtype=bool)
    rest[at] = False

    def place(mine: npt.NDArray[Any], theirs: npt.NDArray[Any]) -> npt.NDArray[Any]:
        out = np.empty(n, dtype=mine.dtype)
        out[at] = theirs
        out[rest] = mine
        return out

    return _Run(place(a.hashes, b.hashes), place(a.counts, b.counts), place(a.first, b.first))


def hash_rows(columns: Sequence[pa.Array]) -> U64:
    """Row hashes of whole string columns (nulls allowed): a convenience
    for tests and callers without a dictionary at hand."""
    row: U64 | None = None
    for column in columns:
        valid = column.is_valid().to_numpy(zero_copy_only=False)
        values = column.filter(column.is_valid())
        hashes = hash_strings(values)
        cells = np.full(len(column), _NULL_SALT, dtype=np.uint64)
        cells[valid] = hashes
        row = combine_row_hashes(row, cells)
    return row if row is not None else np.empty(0, dtype=np.uint64)
