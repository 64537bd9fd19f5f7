"""duplicate-resolver's index past its memory limit: the rows whose key is
not in memory, kept on disk until the statistics pass is over, then only
those whose key repeats come back, in file order.

A row costs a 40-byte record (its key digest, row_index and where its
cells are) in one of :data:`PARTITIONS` files chosen by the digest's top
bits, plus its packed cells in a text file. Writing is sequential (one
write per partition per batch, no lookups). :meth:`Overflow.repeated`
sorts one partition at a time by digest (numpy), keeps the records whose
digest occurs twice or more, and returns them sorted by row_index with
their cells: a group never spans partitions, so the caller can group them
exactly as it would have while reading. Memory: one partition's records
(40 bytes x overflow rows / 64) and the repeated rows' records.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from typing import IO

import numpy as np
import numpy.typing as npt

from analysis_service.cleaning.agents.duplicate_resolver.keys import Packed

#: Partition files (a power of two: the digest's top bits pick one).
PARTITIONS = 64
_SHIFT = np.uint64(64 - PARTITIONS.bit_length() + 1)
_RECORD = np.dtype([("hi", ">u8"), ("lo", ">u8"), ("row", "<i8"), ("at", "<i8"), ("len", "<i8")])
#: Records read back from a partition file at a time.
_READ = 1 << 16


def _text(row: Packed) -> bytes:
    """A packed row as stored: "s" + the packed string, or "j" + the JSON
    of its cells when they could not be packed into one string."""
    text = "s" + row if isinstance(row, str) else "j" + json.dumps(list(row))
    return text.encode("utf-8", "surrogatepass")


def _row(data: bytes) -> Packed:
    text = data.decode("utf-8", "surrogatepass")
    return text[1:] if text[0] == "s" else tuple(json.loads(text[1:]))


class Overflow:
    """Rows whose key was first seen past the index's memory limit."""

    def __init__(self) -> None:
        self.rows = 0
        # closed in close()
        self._texts: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self._parts: list[IO[bytes]] = [
            tempfile.TemporaryFile()  # noqa: SIM115
            for _ in range(PARTITIONS)
        ]
        self._end = 0

    def add(self, keys: Sequence[bytes], row_index: Sequence[int], rows: Sequence[Packed]) -> None:
        if not keys:
            return
        texts = [_text(r) for r in rows]
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        records = np.empty(len(keys), dtype=_RECORD)
        words = np.frombuffer(b"".join(keys), dtype=">u8").reshape(-1, 2)
        records["hi"], records["lo"] = words[:, 0], words[:, 1]
        records["row"] = row_index
        records["len"] = lengths
        records["at"] = self._end + np.cumsum(lengths) - lengths
        self._texts.write(b"".join(texts))
        self._end += int(lengths.sum())
        part = (records["hi"] >> _SHIFT).astype(np.int64)
        order = np.argsort(part, kind="stable")
        bounds = np.searchsorted(part[order], np.arange(PARTITIONS + 1))
        for p in np.flatnonzero(np.diff(bounds)).tolist():
            self._parts[p].write(records[order[bounds[p] : bounds[p + 1]]].tobytes())
        self.rows += len(keys)

    def _partition(self, fh: IO[bytes]) -> npt.NDArray[np.void]:
        fh.flush()
        fh.seek(0)
        chunks = []
        while block := fh.read(_READ * _RECORD.itemsize):
            chunks.append(np.frombuffer(block, dtype=_RECORD))
        return np.concatenate(chunks) if chunks else np.empty(0, dtype=_RECORD)

    def repeated(self) -> Iterator[tuple[int, bytes, Packed]]:
        """(row_index, key, packed cells) of every row whose key occurs
        twice or more here, in row_index order."""
        found = []
        for fh in self._parts:
            records = self._partition(fh)
            if len(records) < 2:
                continue
            records = records[np.lexsort((records["lo"], records["hi"]))]
            same = (records["hi"][1:] == records["hi"][:-1]) & (
                records["lo"][1:] == records["lo"][:-1]
            )
            if not same.any():
                continue
            member = np.zeros(len(records), dtype=bool)
            member[1:] |= same
            member[:-1] |= same
            found.append(records[member])
        if not found:
            return
        members = np.concatenate(found)
        members = members[np.argsort(members["row"], kind="stable")]
        self._texts.flush()
        fd = self._texts.fileno()
        keys = np.empty((len(members), 2), dtype=">u8")
        keys[:, 0], keys[:, 1] = members["hi"], members["lo"]
        raw = keys.tobytes()
        for i, (row, at, length) in enumerate(
            zip(
                members["row"].tolist(),
                members["at"].tolist(),
                members["len"].tolist(),
                strict=True,
            )
        ):
            yield row, raw[16 * i : 16 * i + 16], _row(os.pread(fd, length, at))

    def close(self) -> None:
        self._texts.close()
        for fh in self._parts:
            fh.close()
