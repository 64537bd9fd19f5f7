"""Exact uniqueness of one column over the whole file, in bounded memory.

Every non-null cell is kept as (0-based row of the original file, value),
in memory up to ``memory_cells`` cells or ``memory_bytes`` bytes of values
(2^21 cells / 64 MiB by default). Past that the buffer is *spilled*: the
cells are partitioned by a 64-bit hash of the value into ``PARTITIONS``
Arrow files in a temporary directory and the buffer is emptied, so memory
stays at the buffer whatever the file size. Equal values always land in
the same partition, so at the end each partition is loaded alone and its
values compared exactly (dictionary-encoded, no hash comparison): the
peak is one partition, about 1/64 of the column's cells (more when one
value fills most of the column: all its cells share a partition).

GE's meaning: a value is *unexpected* when it occurs more than once, and
then every occurrence is unexpected (``unexpected_count``);
``duplicate_count`` (upstream's) counts the occurrences after the first.
The first ``index_cap`` unexpected rows are listed in row order, with
their values.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from analysis_service.domain.row_hashes import hash_strings

PARTITIONS = 64
_SHIFT = np.uint64(64 - 6)  # the hash's top log2(PARTITIONS) bits pick the partition
_SCHEMA = pa.schema([("r", pa.int64()), ("v", pa.large_string())])

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class UniqueResult:
    element_count: int
    unexpected_count: int
    duplicate_count: int
    duplicated_values: int
    unexpected_rows: list[int]
    unexpected_values: list[Any]
    spilled: bool


@dataclass
class UniqueState:
    """Mergeable (``merge``) state of one unique-column test."""

    memory_cells: int = 1 << 21
    memory_bytes: int = 64 << 20
    index_cap: int = 100
    element_count: int = 0
    _rows: list[I64] = field(default_factory=list, repr=False)
    _values: list[pa.Array] = field(default_factory=list, repr=False)
    _cells: int = 0
    _bytes: int = 0
    _spills: int = 0
    _spill_dir: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    def consume(self, column: pa.Array, first_row: int) -> None:
        """Adds one batch's cells (``column`` a string array, nulls allowed)."""
        valid = column.is_valid().to_numpy(zero_copy_only=False)
        if not valid.any():
            return
        rows = np.nonzero(valid)[0].astype(np.int64) + first_row
        self._add(rows, column.filter(pa.array(valid)).cast(pa.large_string()))

    def _add(self, rows: I64, values: pa.Array) -> None:
        self.element_count += len(rows)
        self._rows.append(rows)
        self._values.append(values)
        self._cells += len(rows)
        self._bytes += values.nbytes
        if self._cells > self.memory_cells or self._bytes > self.memory_bytes:
            self._spill()

    def _spill(self) -> None:
        if not self._rows:
            return
        if self._spill_dir is None:
            self._spill_dir = tempfile.TemporaryDirectory(prefix="dq-unique-")
        rows = np.concatenate(self._rows)
        values = pa.concat_arrays(self._values)
        encoded = pc.dictionary_encode(values)
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        part = (hash_strings(encoded.dictionary) >> _SHIFT).astype(np.int64)[codes]
        order = np.argsort(part, kind="stable")
        bounds = np.searchsorted(part[order], np.arange(PARTITIONS + 1))
        for p in range(PARTITIONS):
            lo, hi = int(bounds[p]), int(bounds[p + 1])
            if hi <= lo:
                continue
            take = order[lo:hi]
            table = pa.table({"r": rows[take], "v": values.take(pa.array(take))}, schema=_SCHEMA)
            with (
                pa.OSFile(self._path(p, self._spills), "wb") as sink,
                pa.ipc.new_file(sink, _SCHEMA) as writer,
            ):
                writer.write_table(table)
        self._spills += 1
        self._rows, self._values, self._cells, self._bytes = [], [], 0, 0

    def _path(self, partition: int, spill: int) -> str:
        assert self._spill_dir is not None
        return os.path.join(self._spill_dir.name, f"{partition:02d}-{spill:06d}.arrow")

    def _partitions(self) -> list[tuple[I64, pa.Array]]:
        """(rows, values) of every partition (everything at once when nothing spilled)."""
        if self._spill_dir is None:
            if not self._rows:
                return []
            return [(np.concatenate(self._rows), pa.concat_arrays(self._values))]
        self._spill()
        out = []
        for p in range(PARTITIONS):
            paths = [self._path(p, s) for s in range(self._spills)]
            tables = [
                pa.ipc.open_file(pa.memory_map(path)).read_all()
                for path in paths
                if os.path.exists(path)
            ]
            if tables:
                table = pa.concat_tables(tables).combine_chunks()
                out.append(
                    (
                        table.column("r").to_numpy().astype(np.int64),
                        table.column("v").combine_chunks(),
                    )
                )
        return out

    def merge(self, other: UniqueState) -> None:
        """Adds what ``other`` saw (other rows of the same file)."""
        for rows, values in other._partitions():
            self._add(rows, values)
        other.close()

    def result(self) -> UniqueResult:
        spilled = self._spill_dir is not None
        unexpected = duplicates = duplicated_values = 0
        head_rows: list[I64] = []
        head_values: list[pa.Array] = []
        for rows, values in self._partitions():
            encoded = pc.dictionary_encode(values)
            codes = encoded.indices.to_numpy(zero_copy_only=False)
            counts = np.bincount(codes, minlength=len(encoded.dictionary))
            repeated = counts > 1
            duplicated_values += int(repeated.sum())
            unexpected += int(counts[repeated].sum())
            duplicates += int((counts[repeated] - 1).sum())
            chosen = np.nonzero(repeated[codes])[0]
            if len(chosen) > self.index_cap:
                chosen = chosen[np.argpartition(rows[chosen], self.index_cap)[: self.index_cap]]
            head_rows.append(rows[chosen])
            head_values.append(values.take(pa.array(chosen, type=pa.int64())))
        if head_rows:
            all_rows = np.concatenate(head_rows)
            all_values = pa.concat_arrays(head_values)
            order = np.argsort(all_rows, kind="stable")[: self.index_cap]
            listed_rows = [int(r) for r in all_rows[order]]
            listed_values = all_values.take(pa.array(order, type=pa.int64())).to_pylist()
        else:
            listed_rows, listed_values = [], []
        return UniqueResult(
            element_count=self.element_count,
            unexpected_count=unexpected,
            duplicate_count=duplicates,
            duplicated_values=duplicated_values,
            unexpected_rows=listed_rows,
            unexpected_values=listed_values,
            spilled=spilled,
        )

    def close(self) -> None:
        if self._spill_dir is not None:
            self._spill_dir.cleanup()
            self._spill_dir = None
        self._rows, self._values, self._cells, self._bytes = [], [], 0, 0
