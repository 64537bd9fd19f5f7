"""Bounded local spools: anonymous temporary files that vanish on close.

An Excel workbook is a ZIP archive, whose directory is at its end, so it
cannot be read from a forward-only stream: the raw bytes are spooled to a
temporary file first (:func:`spool_raw`). A JSON file's columns are known
only once every record has been seen, so its parsed records are spooled as
Arrow record batches (:class:`RecordSpool`) and handed out afterwards.

Both are ``tempfile.TemporaryFile``: on Linux the file has no name from the
start, so nothing is left behind even if the process dies, and both are
capped (``ANALYSIS_SPOOL_MAX_BYTES``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pyarrow as pa

from analysis_service.domain.errors import FileTooLargeError
from analysis_service.domain.sources.text import RawChunks

_MIB = 1024 * 1024


def _too_large(limit: int, what: str) -> FileTooLargeError:
    return FileTooLargeError(
        f"The file is too large to analyse: {what} more than {limit / _MIB:,.0f} MiB of "
        "working space. Split it into smaller files."
    )


def spool_raw(raw: RawChunks, work_dir: Path | None, max_bytes: int) -> IO[bytes]:
    """Copies the rest of ``raw`` to an anonymous temporary file (positioned
    at 0). Raises :class:`FileTooLargeError` past ``max_bytes``."""
    handle = tempfile.TemporaryFile(prefix="dq-spool-", dir=work_dir)  # noqa: SIM115 - returned
    try:
        written = 0
        while (piece := raw.next()) is not None:
            written += len(piece)
            if written > max_bytes:
                raise _too_large(max_bytes, "it needs")
            handle.write(piece)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return handle


class RecordSpool:
    """Record batches written one after another, read back in order."""

    def __init__(self, work_dir: Path | None, max_bytes: int) -> None:
        self._file = tempfile.TemporaryFile(prefix="dq-records-", dir=work_dir)  # noqa: SIM115
        self._max = max_bytes
        self._segments: list[tuple[int, int]] = []
        self.bytes = 0

    def append(self, batch: pa.RecordBatch) -> None:
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, batch.schema) as writer:
            writer.write_batch(batch)
        data = sink.getvalue()
        if self.bytes + data.size > self._max:
            raise _too_large(self._max, "its records take")
        self._file.seek(self.bytes)
        self._file.write(memoryview(data))
        self._segments.append((self.bytes, data.size))
        self.bytes += data.size

    def __len__(self) -> int:
        return len(self._segments)

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        for offset, size in self._segments:
            self._file.seek(offset)
            data = self._file.read(size)
            yield pa.ipc.open_stream(pa.py_buffer(data)).read_next_batch()

    def close(self) -> None:
        self._file.close()
