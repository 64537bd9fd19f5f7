"""Input tables: CSV, JSON and Excel read as the same batches of strings.

Start at :func:`open_table` (the one factory: the content decides the
format) and :class:`SourceOptions`; every reader yields
:class:`TableBatch` es and describes what it decided in
:class:`SourceStats`. See the README ("Input formats") for the contract.
"""

from analysis_service.domain.sources.cells import text_of, to_float64
from analysis_service.domain.sources.csv_reader import (
    PARSE_BLOCK_BYTES,
    CsvStreamReader,
    iter_csv_batches,
)
from analysis_service.domain.sources.dialect import DELIMITER_CANDIDATES, sniff_delimiter
from analysis_service.domain.sources.factory import (
    OpenedTable,
    SourceOptions,
    declared_format,
    open_table,
)
from analysis_service.domain.sources.headers import describe_renamed, unique_names
from analysis_service.domain.sources.model import (
    FORMAT_NAMES,
    FORMATS,
    NA_TOKENS,
    CsvDialect,
    ReaderLimits,
    RenamedColumn,
    SourceStats,
    TableBatch,
    TableReader,
)

__all__ = [
    "DELIMITER_CANDIDATES",
    "FORMATS",
    "FORMAT_NAMES",
    "NA_TOKENS",
    "PARSE_BLOCK_BYTES",
    "CsvDialect",
    "CsvStreamReader",
    "OpenedTable",
    "ReaderLimits",
    "RenamedColumn",
    "SourceOptions",
    "SourceStats",
    "TableBatch",
    "TableReader",
    "declared_format",
    "describe_renamed",
    "iter_csv_batches",
    "open_table",
    "sniff_delimiter",
    "text_of",
    "to_float64",
    "unique_names",
]
