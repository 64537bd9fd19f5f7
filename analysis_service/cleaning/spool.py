"""Local spools of the chain: an agent's output as an Arrow IPC file (its
rows' text and their ORIGINAL row_index), read back batch by batch, and
each agent's removed rows as a small log in file order.

Why: every data-changing agent needs statistics over its own input, the
previous agent's output. Re-reading the input from StorageService and
re-applying every earlier agent per statistics pass costs a CSV parse and
k-1 applications for agent k (quadratic in the agents). Spooled, the input
is fetched and parsed once, each agent is applied once, and each pass
reads the previous agent's output from local disk (memory-mapped Arrow,
no parsing). Memory stays one batch; disk holds the original rows (for the
quarantine file's original values) and at most two agents' outputs.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from analysis_service.cleaning.model import CleanBatch

#: The row_index field (a name no header can have: readers drop NUL bytes).
ROW_INDEX = "\x00row_index"

_STRING = pd.StringDtype("pyarrow")


class BatchSpool:
    """Write CleanBatches, then read them back in the same order."""

    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        self.path = path
        self.columns = tuple(columns)
        self.rows = 0
        self._schema = pa.schema(
            [pa.field(c, pa.large_string()) for c in self.columns]
            + [pa.field(ROW_INDEX, pa.int64())]
        )
        self._sink: pa.OSFile | None = pa.OSFile(str(path), "wb")
        self._writer: pa.ipc.RecordBatchFileWriter | None = pa.ipc.new_file(
            self._sink, self._schema
        )

    def write(self, batch: CleanBatch) -> None:
        if batch.num_rows == 0 or self._writer is None:
            return
        arrays: list[pa.Array | pa.ChunkedArray] = [
            pa.array(batch.frame[c], type=pa.large_string(), from_pandas=True) for c in self.columns
        ]
        arrays.append(pa.array(batch.row_index, type=pa.int64()))
        # One record batch per CleanBatch: a column read from CSV is chunked
        # by the reader's blocks, and written as is it would come back as
        # dozens of small batches, each paying every agent's per-batch cost.
        table = pa.Table.from_arrays(arrays, schema=self._schema).combine_chunks()
        self._writer.write_table(table, max_chunksize=max(table.num_rows, 1))
        self.rows += batch.num_rows

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._sink is not None:
            self._sink.close()
            self._sink = None

    def batches(self) -> Iterator[CleanBatch]:
        """The spooled batches (after :meth:`close`)."""
        self.close()
        # Read, not memory-mapped: a mapped file's pages count as the
        # process's resident memory and would grow with the file.
        with pa.OSFile(str(self.path), "rb") as source:
            reader = pa.ipc.open_file(source)
            for i in range(reader.num_record_batches):
                rb = reader.get_batch(i)
                frame = pd.DataFrame(
                    {c: pd.array(rb.column(j), dtype=_STRING) for j, c in enumerate(self.columns)}
                )
                index = rb.column(len(self.columns)).to_numpy().astype(np.int64, copy=False)
                yield CleanBatch(frame, index)

    def delete(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)


class RemovalLog:
    """One agent's removed rows: row_index, rule, reason, read back sorted
    by row_index. Appliers return rows in file order, so the log is written
    sorted (each call's records are sorted); only an applier that holds rows
    back past later removals makes it unsorted, and then it is sorted when
    read (it holds only removed rows)."""

    def __init__(self, path: Path, agent_id: str) -> None:
        self.path = path
        self.agent_id = agent_id
        self.rows = 0
        self._last = -1
        self._sorted = True
        self._fh = path.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._fh)

    def add(self, records: Sequence[tuple[int, str, str]]) -> None:
        """(row_index, rule, reason) of one applier call."""
        if not records:
            return
        ordered = sorted(records, key=lambda r: r[0])
        if ordered[0][0] <= self._last:
            self._sorted = False
        self._last = max(self._last, ordered[-1][0])
        self._writer.writerows(ordered)
        self.rows += len(ordered)

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()

    def records(self) -> Iterator[tuple[int, str, str, str]]:
        """(row_index, agent_id, rule, reason) in the order written."""
        self.close()
        with self.path.open(encoding="utf-8", newline="") as fh:
            rows: Iterator[tuple[int, str, str]] = (
                (int(row), rule, reason) for row, rule, reason in csv.reader(fh)
            )
            if not self._sorted:
                rows = iter(sorted(rows, key=lambda r: r[0]))
            for row, rule, reason in rows:
                yield row, self.agent_id, rule, reason
