"""The re-openable input of the chain: every pass opens the file again
(from StorageService in the service, from disk in the bench and the tests),
through the one reader factory, so each agent's statistics are those of its
own input without holding the file."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from analysis_service.domain.sources import SourceOptions, SourceStats, TableBatch, open_table

#: Bytes per chunk when a local file is read.
FILE_CHUNK = 1 << 20


class TableSource:
    """``source()`` for :func:`~analysis_service.cleaning.chain.run_chain`.

    ``chunks()`` returns a fresh byte stream of the whole file each call.
    The file is read with ``keep_na_text``: only an empty cell is null, so
    "NA" or "null" reach the agents (and the outputs) as the text they are,
    and only an agent asked to may call them placeholders.
    ``stats`` is the reader's view of the file after the first opening
    (format, encoding, CSV dialect), ``opened`` counts the openings and
    ``bytes_read`` the bytes all passes read.
    """

    def __init__(
        self,
        chunks: Callable[[], Iterable[bytes]],
        *,
        options: SourceOptions | None = None,
        batch_rows: int = 50_000,
        cancel: Callable[[], bool] | None = None,
        on_batch: Callable[[TableBatch], None] | None = None,
    ) -> None:
        self._chunks = chunks
        self._options = replace(options or SourceOptions(), keep_na_text=True)
        self._batch_rows = batch_rows
        self._cancel = cancel
        self._on_batch = on_batch
        self.stats: SourceStats | None = None
        self.opened = 0
        self.bytes_read = 0

    def __call__(self) -> tuple[Sequence[str], Iterable[TableBatch]]:
        table = open_table(
            self._chunks(),
            options=self._options,
            batch_rows=self._batch_rows,
            cancel=self._cancel,
        )
        self.opened += 1
        if self.stats is None:
            self.stats = table.stats
        return list(table.columns), self._batches(table)

    def _batches(self, table: Iterable[TableBatch]) -> Iterator[TableBatch]:
        last = 0
        for batch in table:
            self.bytes_read += batch.bytes_read - last
            last = batch.bytes_read
            if self._on_batch is not None:
                self._on_batch(batch)
            yield batch


def file_chunks(path: Path, size: int = FILE_CHUNK) -> Callable[[], Iterator[bytes]]:
    """A local file as re-openable chunks."""

    def chunks() -> Iterator[bytes]:
        with path.open("rb") as fh:
            while block := fh.read(size):
                yield block

    return chunks
