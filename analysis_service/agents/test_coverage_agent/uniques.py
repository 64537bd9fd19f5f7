"""Exact uniqueness of one column over the whole file, in bounded memory.

Every non-null cell becomes a pair (64-bit value hash, 0-based row of the
original file); pairs are kept in memory up to ``memory_pairs`` (16 bytes
each: 2^21 pairs = 32 MiB by default). Past that the buffer is *spilled*:
the pairs are partitioned by the top bits of the hash into
``PARTITIONS`` temporary files and the buffer is emptied, so memory stays
at the buffer whatever the file size. At the end each partition (all the
pairs of the hashes in it) is loaded alone, sorted and counted, so the
peak is one partition (about spilled pairs / 64 * 16 bytes).

The counts are exact up to 64-bit hash collisions (two different values
with one hash: for n distinct values the chance of any is about
n^2 / 2^65, 3e-8 for a million). GE's meaning: a value is *unexpected*
when it occurs more than once, and then every occurrence is unexpected
(``unexpected_count``); ``duplicate_count`` (upstream's) counts the
occurrences after the first. The first ``index_cap`` unexpected rows are
listed, in row order. Values for ``partial_unexpected_list`` come from the
first ``value_cap`` distinct values seen (kept with their hash); a value
first seen later is listed by row only.
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
_PAIR = np.dtype([("h", "<u8"), ("r", "<i8")])
_SHIFT = np.uint64(64 - 6)  # log2(PARTITIONS) top bits pick the partition


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

    memory_pairs: int = 1 << 21
    index_cap: int = 100
    value_cap: int = 65_536
    element_count: int = 0
    _buffer: list[npt.NDArray[Any]] = field(default_factory=list, repr=False)
    _buffered: int = 0
    _spill_dir: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)
    _values: dict[int, str] = field(default_factory=dict, repr=False)

    def consume(self, column: pa.Array, first_row: int) -> None:
        """Adds one batch's cells (``column`` a string array, nulls allowed)."""
        valid = column.is_valid().to_numpy(zero_copy_only=False)
        if not valid.any():
            return
        rows = np.nonzero(valid)[0].astype(np.int64) + first_row
        encoded = pc.dictionary_encode(column.filter(pa.array(valid)))
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.combine_chunks()
        dictionary = encoded.dictionary
        value_hashes = hash_strings(dictionary)
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        pairs = np.empty(len(rows), dtype=_PAIR)
        pairs["h"] = value_hashes[codes]
        pairs["r"] = rows
        self._add(pairs)
        if len(self._values) < self.value_cap:
            for h, v in zip(value_hashes.tolist(), dictionary.to_pylist(), strict=True):
                if len(self._values) >= self.value_cap:
                    break
                self._values.setdefault(h, v)

    def _add(self, pairs: npt.NDArray[Any]) -> None:
        self.element_count += len(pairs)
        self._buffer.append(pairs)
        self._buffered += len(pairs)
        if self._buffered > self.memory_pairs:
            self._spill()

    def _spill(self) -> None:
        if not self._buffer:
            return
        if self._spill_dir is None:
            self._spill_dir = tempfile.TemporaryDirectory(prefix="dq-unique-")
        pairs = np.concatenate(self._buffer)
        part = (pairs["h"] >> _SHIFT).astype(np.int64)
        order = np.argsort(part, kind="stable")
        pairs, part = pairs[order], part[order]
        bounds = np.searchsorted(part, np.arange(PARTITIONS + 1))
        for p in range(PARTITIONS):
            lo, hi = int(bounds[p]), int(bounds[p + 1])
            if hi > lo:
                with open(self._path(p), "ab") as out:
                    pairs[lo:hi].tofile(out)
        self._buffer, self._buffered = [], 0

    def _path(self, partition: int) -> str:
        assert self._spill_dir is not None
        return os.path.join(self._spill_dir.name, f"{partition:02d}.bin")

    def merge(self, other: UniqueState) -> None:
        """Adds what ``other`` saw (other rows of the same file)."""
        for pairs in other._partitions():
            self._add(pairs)
        for h, v in other._values.items():
            if len(self._values) >= self.value_cap:
                break
            self._values.setdefault(h, v)
        other.close()

    def _partitions(self) -> list[npt.NDArray[Any]]:
        if self._spill_dir is None:
            return [np.concatenate(self._buffer)] if self._buffer else []
        self._spill()
        return [
            np.fromfile(self._path(p), dtype=_PAIR)
            for p in range(PARTITIONS)
            if os.path.exists(self._path(p))
        ]

    def result(self) -> UniqueResult:
        spilled = self._spill_dir is not None
        unexpected = duplicates = duplicated_values = 0
        heads: list[npt.NDArray[Any]] = []
        for pairs in self._partitions():
            pairs.sort(order=("h", "r"))
            _, counts = np.unique(pairs["h"], return_counts=True)
            repeated = counts > 1
            duplicated_values += int(repeated.sum())
            unexpected += int(counts[repeated].sum())
            duplicates += int((counts[repeated] - 1).sum())
            mask = np.repeat(repeated, counts)
            chosen = pairs[mask]
            if len(chosen) > self.index_cap:
                chosen = chosen[np.argpartition(chosen["r"], self.index_cap)[: self.index_cap]]
            heads.append(chosen)
        first = np.concatenate(heads) if heads else np.empty(0, dtype=_PAIR)
        first = first[np.argsort(first["r"], kind="stable")][: self.index_cap]
        return UniqueResult(
            element_count=self.element_count,
            unexpected_count=unexpected,
            duplicate_count=duplicates,
            duplicated_values=duplicated_values,
            unexpected_rows=[int(r) for r in first["r"]],
            unexpected_values=[self._values.get(int(h)) for h in first["h"]],
            spilled=spilled,
        )

    def close(self) -> None:
        if self._spill_dir is not None:
            self._spill_dir.cleanup()
            self._spill_dir = None
        self._buffer, self._buffered = [], 0
