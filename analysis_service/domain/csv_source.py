"""Historical names of the input reader (kept importable).

The readers live in :mod:`analysis_service.domain.sources`: ``CsvBatch`` is
:class:`~.sources.TableBatch` and ``CsvStats`` is
:class:`~.sources.SourceStats` (the same types serve CSV, JSON and XLSX).
New code should call :func:`~.sources.open_table`.
"""

from __future__ import annotations

from analysis_service.domain.sources import (
    DELIMITER_CANDIDATES,
    NA_TOKENS,
    PARSE_BLOCK_BYTES,
    CsvDialect,
    CsvStreamReader,
    iter_csv_batches,
    sniff_delimiter,
)
from analysis_service.domain.sources import SourceStats as CsvStats
from analysis_service.domain.sources import TableBatch as CsvBatch
from analysis_service.domain.sources.text import ENCODING_SAMPLE_BYTES

__all__ = [
    "DELIMITER_CANDIDATES",
    "ENCODING_SAMPLE_BYTES",
    "NA_TOKENS",
    "PARSE_BLOCK_BYTES",
    "CsvBatch",
    "CsvDialect",
    "CsvStats",
    "CsvStreamReader",
    "iter_csv_batches",
    "sniff_delimiter",
]
