"""Memory stays bounded whatever the file size.

A generated CSV is streamed as 1 MiB chunks (never materialised); the peak
of Python-heap allocations (tracemalloc, which numpy reports to) and of
Arrow's memory pool are compared for N and 4N rows. pyarrow's read-ahead
(about 34 parse blocks, held as Python bytes) fills up over the first
blocks, so the test uses 64 KiB blocks to reach that plateau with a small
file: with the default 256 KiB block the plateau is about 9 MiB higher.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pytest

from analysis_service.domain.csv_source import CsvStreamReader
from analysis_service.domain.profile import DatasetProfiler, ProfileConfig

pytestmark = pytest.mark.unit

CHUNK = 1 << 20


def generated_csv(rows: int, seed: int = 7) -> Iterator[bytes]:
    """Rows of (float, high-cardinality text, category), in ~1 MiB chunks."""
    rng = np.random.default_rng(seed)
    yield b"amount,user,segment\n"
    block = 20_000
    pending = b""
    for start in range(0, rows, block):
        n = min(block, rows - start)
        amounts = rng.lognormal(3, 1, n)
        users = rng.integers(0, 10**12, n)
        segments = rng.integers(0, 5, n)
        text = "".join(
            f"{a:.2f},user{u},seg{s}\n" for a, u, s in zip(amounts, users, segments, strict=True)
        ).encode()
        pending += text
        while len(pending) >= CHUNK:
            yield pending[:CHUNK]
            pending = pending[CHUNK:]
    if pending:
        yield pending


def peak_while_profiling(rows: int) -> tuple[int, int, int]:
    """(tracemalloc peak, Arrow pool peak, bytes streamed)."""
    gc.collect()
    # The duplicate-row state grows by 24 bytes per distinct row up to its
    # cap (24 MiB at the default) and is flat past it; a small cap shows
    # the flat part with small files.
    config = ProfileConfig(duplicate_row_cap=50_000)
    arrow_base = pa.total_allocated_bytes()
    arrow_peak = 0
    tracemalloc.start()
    try:
        reader = CsvStreamReader(
            generated_csv(rows), batch_rows=20_000, parse_block_bytes=64 * 1024
        )
        profiler = DatasetProfiler(reader.columns, config)
        for batch in reader:
            profiler.consume(batch)
            arrow_peak = max(arrow_peak, pa.total_allocated_bytes() - arrow_base)
        profile = profiler.finish()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert profile.rows == rows
    return peak, arrow_peak, reader.stats.bytes_read


@pytest.mark.timeout(120)
def test_peak_memory_independent_of_rows() -> None:
    small_peak, small_arrow, small_bytes = peak_while_profiling(120_000)
    big_peak, big_arrow, big_bytes = peak_while_profiling(480_000)
    assert big_bytes > 3.9 * small_bytes  # about 13 MB streamed
    mib = 1024 * 1024
    assert big_peak < 32 * mib, big_peak / mib  # measured: 9.3 MiB for both sizes
    assert big_peak < 1.2 * small_peak + 2 * mib, (small_peak / mib, big_peak / mib)
    assert big_arrow < 1.2 * small_arrow + 2 * mib, (small_arrow / mib, big_arrow / mib)
