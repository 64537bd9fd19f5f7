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
from collections.abc import Callable, Iterable, Iterator

import numpy as np
import pyarrow as pa
import pytest

from analysis_service.domain.csv_source import CsvStreamReader
from analysis_service.domain.profile import DatasetProfiler, ProfileConfig
from analysis_service.domain.sources import open_table

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


def _jsonl(records: int) -> Iterator[bytes]:
    rng = np.random.default_rng(3)
    for start in range(0, records, 2_000):
        n = min(2_000, records - start)
        values = rng.lognormal(3, 1, n)
        yield "".join(
            f'{{"amount": {v:.2f}, "user": "user{start + i}", '
            f'"extra": {{"k{(start + i) % 7}": 1}}}}\n'
            for i, v in enumerate(values)
        ).encode()


def _xlsx(rows: int) -> bytes:
    import io

    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("data")
    sheet.append(["amount", "user", "segment"])
    for i in range(rows):
        sheet.append([i * 0.5, f"user{i}", f"seg{i % 5}"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def peak_while_reading(make_chunks: Callable[[], Iterable[bytes]]) -> tuple[int, int]:
    """(tracemalloc peak while reading every batch, rows)."""
    chunks = make_chunks()
    gc.collect()
    tracemalloc.start()
    try:
        reader = open_table(chunks, batch_rows=2_000)
        rows = sum(batch.num_rows for batch in reader)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, rows


@pytest.mark.timeout(180)
@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_json_and_xlsx_memory_independent_of_rows(fmt: str) -> None:
    """JSON records are spooled to disk, workbook rows parsed one at a time:
    four times the rows, about the same peak."""
    mib = 1024 * 1024
    if fmt == "json":
        small, small_rows = peak_while_reading(lambda: _jsonl(8_000))
        big, big_rows = peak_while_reading(lambda: _jsonl(32_000))
    else:
        small_file, big_file = _xlsx(3_000), _xlsx(12_000)
        small, small_rows = peak_while_reading(lambda: iter([small_file]))
        # the input bytes themselves are not part of the reader's peak
        big, big_rows = peak_while_reading(lambda: iter([big_file]))
    assert big_rows == 4 * small_rows
    assert big < 1.3 * small + 2 * mib, (fmt, small / mib, big / mib)


@pytest.mark.timeout(120)
def test_profile_state_is_bounded_in_the_number_of_columns() -> None:
    """Per-column state starts small (no top-k table until a value comes)
    and a wide table gets smaller exact buffers, within the state budget."""
    config = ProfileConfig()
    fitted = config.fitted(2_000)
    assert fitted.column_bytes() * 2_000 <= config.state_budget_bytes * 1.1
    assert config.fitted(10) == config  # narrow tables keep every cap
    columns = 1_000
    header = ",".join(f"c{i}" for i in range(columns))
    rows = "\n".join(",".join(str(r * i % 97) for i in range(columns)) for r in range(10))
    data = f"{header}\n{rows}\n".encode()
    gc.collect()
    tracemalloc.start()
    try:
        reader = open_table([data])
        profiler = DatasetProfiler(reader.columns)
        after_init = tracemalloc.get_traced_memory()[0]
        for batch in reader:
            profiler.consume(batch)
        profile = profiler.finish()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert profile.rows == 10 and len(profile.columns) == columns
    mib = 1024 * 1024
    assert after_init < 6 * mib, after_init / mib  # about 4 KB per empty column
    assert peak < 48 * mib, peak / mib
