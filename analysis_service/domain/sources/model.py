"""What every reader hands out: batches of string columns and the facts
it decided about the file (format, encoding, dialect, renamed columns).

The same types serve CSV, JSON and XLSX, so the agents never know which
format a table came from. ``CsvBatch`` and ``CsvStats`` are the historical
names and stay importable from ``analysis_service.domain.csv_source``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

MIB = 1024 * 1024

#: pandas' default NA tokens (``pandas.read_csv`` with ``keep_default_na=True``).
#: A unit test checks this list against pandas itself.
NA_TOKENS: tuple[str, ...] = (
    "",
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "<NA>",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "None",
    "n/a",
    "nan",
    "null",
)

FORMATS: tuple[str, ...] = ("csv", "json", "xlsx")
_BOMS = {
    "utf-8": b"\xef\xbb\xbf",
    "utf-16-le": b"\xff\xfe",
    "utf-16-be": b"\xfe\xff",
    "utf-32-le": b"\xff\xfe\x00\x00",
    "utf-32-be": b"\x00\x00\xfe\xff",
}
FORMAT_NAMES = {"csv": "CSV", "json": "JSON", "xlsx": "Excel (.xlsx)"}


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV file is written, as sniffed from its head.

    Enough to write a file back the way it came: :meth:`writer_options`
    gives the keyword arguments of :func:`csv.writer`, and
    :attr:`SourceStats.write_encoding` the codec to encode it with.
    ``decimal`` is ``","`` when numbers use a decimal comma (only decided
    for files whose delimiter is not a comma); cells keep their text, the
    profile reads ``3,14`` as 3.14 (see :func:`.cells.to_float64`).
    """

    delimiter: str = ","
    quotechar: str = '"'
    doublequote: bool = True
    escapechar: str | None = None
    lineterminator: str = "\n"
    decimal: str = "."

    def writer_options(self) -> dict[str, Any]:
        """Keyword arguments for :func:`csv.writer` that reproduce the dialect."""
        return {
            "delimiter": self.delimiter,
            "quotechar": self.quotechar,
            "doublequote": self.doublequote,
            "escapechar": self.escapechar,
            "lineterminator": self.lineterminator,
            "quoting": csv.QUOTE_MINIMAL,
        }


@dataclass(frozen=True)
class RenamedColumn:
    """A header name that was empty or repeated and was given a unique one.
    ``position`` is 1-based (the spreadsheet's column number)."""

    position: int
    original: str
    name: str


@dataclass(frozen=True)
class SourceStats:
    """What the reader found out and decided about the file (a snapshot).

    Common to all formats: ``format`` (what the content is), ``declared_format``
    (what the name claimed; "" when unknown), ``bytes_read`` (raw bytes
    consumed, for progress), ``rows`` (data rows handed out so far),
    ``renamed_columns``, ``notes`` (human-readable decisions worth stating in
    a report). Text formats add the encoding decision and its ``encoding_evidence``,
    ``replaced_characters`` (invalid byte sequences turned into U+FFFD) and
    ``nul_bytes_removed``; CSV adds ``dialect``; XLSX adds ``sheet`` and
    ``sheets``; JSON adds ``json_layout`` ("array" or "lines").
    """

    encoding: str = "utf-8"
    bom: bool = False
    delimiter: str = ","
    bytes_read: int = 0
    replaced_characters: int = 0
    rows: int = 0
    format: str = "csv"
    declared_format: str = ""
    encoding_evidence: str = ""
    nul_bytes_removed: int = 0
    dialect: CsvDialect | None = None
    renamed_columns: tuple[RenamedColumn, ...] = ()
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    json_layout: str | None = None
    blank_rows_skipped: int = 0
    notes: tuple[str, ...] = field(default=())

    @property
    def decimal(self) -> str:
        """The decimal separator of numbers written as text ("." or ",")."""
        return self.dialect.decimal if self.dialect is not None else "."

    @property
    def write_encoding(self) -> str:
        """Python codec that writes text back in the file's encoding (write
        :attr:`bom_bytes` first; XLSX and JSON sources give utf-8)."""
        return self.encoding if self.format == "csv" else "utf-8"

    @property
    def bom_bytes(self) -> bytes:
        """The byte-order mark the file started with (b"" when none)."""
        if not self.bom or self.format != "csv":
            return b""
        return _BOMS.get(self.encoding, b"")

    def describe(self) -> dict[str, Any]:
        """The decisions as plain JSON values, for reports."""
        described: dict[str, Any] = {
            "format": self.format,
            "declared_format": self.declared_format or None,
            "bytes_read": self.bytes_read,
            "rows": self.rows,
        }
        if self.format in ("csv", "json"):
            described.update(
                encoding=self.encoding,
                byte_order_mark=self.bom,
                encoding_evidence=self.encoding_evidence,
                replaced_characters=self.replaced_characters,
                nul_bytes_removed=self.nul_bytes_removed,
            )
        if self.dialect is not None:
            described.update(
                delimiter=self.dialect.delimiter,
                quote_character=self.dialect.quotechar,
                escape_character=self.dialect.escapechar,
                line_terminator=self.dialect.lineterminator,
                decimal_separator=self.dialect.decimal,
            )
        if self.format == "xlsx":
            described.update(sheet=self.sheet, sheets=list(self.sheets))
        if self.json_layout:
            described["json_layout"] = self.json_layout
        if self.blank_rows_skipped:
            described["blank_rows_skipped"] = self.blank_rows_skipped
        described["renamed_columns"] = [
            {"position": r.position, "original": r.original, "name": r.name}
            for r in self.renamed_columns
        ]
        described["notes"] = list(self.notes)
        return described


@dataclass(frozen=True)
class TableBatch:
    """One batch of consecutive data rows.

    ``frame`` has one ``str``-dtype column per column name, in file order;
    nulls are NA. ``first_row`` is the 0-based index of the batch's first
    data row (header and skipped blank lines excluded), so data row
    ``first_row + i`` of the file is ``frame.iloc[i]``. ``source_rows``, when
    the format knows it, is the 1-based row (XLSX) or line (JSON) of the
    file where each frame row starts, for messages that point into the file.
    ``stats`` is the reader's state when the batch was cut (``bytes_read`` is
    cumulative, for progress).
    """

    frame: pd.DataFrame
    first_row: int
    stats: SourceStats
    source_rows: npt.NDArray[np.int64] | None = None

    @property
    def bytes_read(self) -> int:
        return self.stats.bytes_read

    @property
    def num_rows(self) -> int:
        return len(self.frame)


@dataclass(frozen=True)
class ReaderLimits:
    """Bounds that keep one bad file from hurting the service (typed from
    ``AnalysisSettings``; see the README's configuration table)."""

    max_columns: int = 2_000
    batch_cells: int = 4_000_000
    max_record_bytes: int = 4 * MIB
    spool_max_bytes: int = 1024 * MIB
    json_max_depth: int = 64
    xlsx_max_uncompressed_bytes: int = 4096 * MIB
    xlsx_max_compression_ratio: int = 500
    xlsx_max_loaded_part_bytes: int = 128 * MIB

    def rows_per_batch(self, batch_rows: int, columns: int) -> int:
        """``batch_rows``, reduced so a batch holds at most ``batch_cells`` cells."""
        return max(1, min(batch_rows, self.batch_cells // max(1, columns)))


class TableReader(Protocol):
    """What :func:`~.factory.open_table` returns, whatever the format."""

    columns: list[str]

    @property
    def stats(self) -> SourceStats: ...

    def __iter__(self) -> Iterator[TableBatch]: ...

    def close(self) -> None: ...
