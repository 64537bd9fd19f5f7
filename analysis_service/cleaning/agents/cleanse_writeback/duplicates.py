"""Full-row duplicates of a re-read file, exact, in bounded memory.

Each row is reduced to its 16-byte blake2b digest (:func:`row_digest`) and
its position in the file. Memory per row: 16 bytes while a run is
buffered; a run of :data:`RUN_ROWS` rows is then sorted (digest, position)
with numpy, which peaks at about 72 bytes per buffered row (about 72 MB for
the default run), and, when more rows follow, written to a temporary file
(24 bytes per row on disk). At the end the sorted runs are merged, so the
count is exact for any file size and memory stays flat. The first row of
each group of equal rows is the original; every later one is a duplicate.
"""

from __future__ import annotations

import hashlib
import heapq
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO

import numpy as np
import numpy.typing as npt

#: Rows buffered (and sorted in memory) before a run spills to disk.
RUN_ROWS = 1_000_000
#: Duplicate examples kept (duplicate position, original position).
MAX_EXAMPLES = 5

_RECORD = np.dtype([("hi", "<u8"), ("lo", "<u8"), ("pos", "<i8")])
_READ_RECORDS = 1 << 16


def row_digest(fields: Sequence[str]) -> bytes:
    """16-byte digest of a row's fields (length-prefixed, so no separator
    inside a value can make two different rows equal)."""
    text = "".join([f"{len(f)}:{f}" for f in fields])
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


@dataclass(frozen=True)
class DuplicateCount:
    rows: int
    duplicates: int
    examples: tuple[tuple[int, int], ...] = ()  # (0-based row, 0-based row it repeats)
    spilled_runs: int = 0


def _sorted_run(buffer: bytearray, start: int) -> npt.NDArray[np.void]:
    words = np.frombuffer(buffer, dtype=">u8").reshape(-1, 2)
    run = np.empty(len(words), dtype=_RECORD)
    run["hi"] = words[:, 0]
    run["lo"] = words[:, 1]
    run["pos"] = np.arange(start, start + len(words), dtype=np.int64)
    order = np.lexsort((run["pos"], run["lo"], run["hi"]))
    return run[order]


def _count_sorted(run: npt.NDArray[np.void]) -> tuple[int, list[tuple[int, int]]]:
    if len(run) < 2:
        return 0, []
    same = (run["hi"][1:] == run["hi"][:-1]) & (run["lo"][1:] == run["lo"][:-1])
    starts = np.concatenate(([True], ~same))
    group_first = run["pos"][starts][np.cumsum(starts) - 1]
    dup = np.flatnonzero(np.concatenate(([False], same)))
    examples = sorted((int(run["pos"][i]), int(group_first[i])) for i in dup[:MAX_EXAMPLES])
    return int(same.sum()), examples


def _records(fh: IO[bytes]) -> Iterator[tuple[int, int, int]]:
    fh.seek(0)
    while True:
        block = fh.read(_READ_RECORDS * _RECORD.itemsize)
        if not block:
            return
        chunk = np.frombuffer(block, dtype=_RECORD)
        yield from zip(
            chunk["hi"].tolist(), chunk["lo"].tolist(), chunk["pos"].tolist(), strict=True
        )


@dataclass
class DuplicateCounter:
    """Feed every row's digest in file order, then :meth:`finish`."""

    run_rows: int = RUN_ROWS
    rows: int = 0
    _buffer: bytearray = field(default_factory=bytearray)
    _start: int = 0
    _runs: list[IO[bytes]] = field(default_factory=list)

    def add(self, digest: bytes) -> None:
        self._buffer += digest
        self.rows += 1
        if self.rows - self._start >= self.run_rows:
            self._spill()

    def add_many(self, digests: bytes) -> None:
        """The digests of consecutive rows, concatenated."""
        view = memoryview(digests)
        while len(view):
            room = 16 * (self.run_rows - (self.rows - self._start))
            part, view = view[:room], view[room:]
            self._buffer += part
            self.rows += len(part) // 16
            if self.rows - self._start >= self.run_rows:
                self._spill()

    def _spill(self) -> None:
        run = _sorted_run(self._buffer, self._start)
        fh = tempfile.TemporaryFile()  # noqa: SIM115 (closed in finish)
        fh.write(run.tobytes())
        self._runs.append(fh)
        self._buffer = bytearray()
        self._start = self.rows

    def finish(self) -> DuplicateCount:
        try:
            if not self._runs:
                duplicates, examples = _count_sorted(_sorted_run(self._buffer, self._start))
                return DuplicateCount(self.rows, duplicates, tuple(examples))
            if self._buffer:
                self._spill()
            return self._merge()
        finally:
            for fh in self._runs:
                fh.close()
            self._buffer = bytearray()

    def _merge(self) -> DuplicateCount:
        duplicates = 0
        examples: list[tuple[int, int]] = []
        prev: tuple[int, int] | None = None
        first = -1
        for hi, lo, pos in heapq.merge(*(_records(fh) for fh in self._runs)):
            if prev == (hi, lo):
                duplicates += 1
                if len(examples) < MAX_EXAMPLES:
                    examples.append((pos, first))
            else:
                prev, first = (hi, lo), pos
        return DuplicateCount(self.rows, duplicates, tuple(sorted(examples)), len(self._runs))
