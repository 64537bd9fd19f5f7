"""Excel workbooks (.xlsx, .xlsm) as a table, streamed.

Random access
    A workbook is a ZIP archive whose directory sits at its end, so the
    chunk stream is first copied to a bounded anonymous temporary file
    (:func:`.spool.spool_raw`). We chose the spool over a seekable reader
    of ranged ReadObject calls: zipfile and the XML parser seek back and
    forth in small steps (directory, shared strings, styles, then the
    sheet), each range would be a round trip to the bucket (and a paid B2
    transaction), and the archive checks below need the directory before
    anything is inflated. Local disk is cheap and the file is at most the
    slot's size limit.

Safety
    :func:`.archive.inspect_zip` refuses what is not a workbook, encrypted
    parts, zip bombs and XML parts that declare a DTD (entity bombs, external
    entities: Excel never writes a DTD) before openpyxl sees the file.

Reading
    openpyxl's read-only reader reads the workbook (sheet list, shared
    strings, which styles are dates, the 1900/1904 epoch); the sheet itself
    is parsed row by row by :mod:`.sheet_parser` (see there why not with
    openpyxl's row iterator). Formulas are read as their cached values
    (``data_only``); a formula without a cached value is empty and counted
    in the notes. Numbers, booleans and dates keep their cell types: they
    become the text a CSV of the same data would hold (:mod:`.cells`), so
    the profile infers numbers and dates from them as it does for CSV.

Header
    The first non-empty row of the sheet holds the column names (made
    unique like CSV's). Empty rows are skipped (as pandas does); a value in
    a column without a header name is refused with its cell reference
    rather than dropped.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.numbers import BUILTIN_FORMATS_MAX_SIZE, builtin_format_code, is_datetime
from openpyxl.styles.stylesheet import apply_stylesheet

from analysis_service.domain.errors import (
    AnalysisCancelled,
    EmptyFileError,
    InvalidWorkbookError,
    SheetNotFoundError,
)
from analysis_service.domain.sources.archive import inspect_zip
from analysis_service.domain.sources.cells import text_of
from analysis_service.domain.sources.headers import check_column_count, unique_names
from analysis_service.domain.sources.model import ReaderLimits, SourceStats, TableBatch
from analysis_service.domain.sources.sheet_parser import SheetRows, damaged
from analysis_service.domain.sources.spool import spool_raw
from analysis_service.domain.sources.text import RawChunks


def _column_letter(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _load_error(exc: BaseException) -> InvalidWorkbookError:
    """What openpyxl's failure means (it wraps the cause in a ValueError)."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ET.ParseError):
            return damaged(f"invalid XML: {cause}")
        cause = cause.__cause__ or cause.__context__
    return damaged(type(exc).__name__)


class _Book:
    """What openpyxl read of the workbook (sheet list, shared strings, date
    styles, epoch), and the one sheet we read.

    openpyxl's ``ExcelReader`` steps are called one by one instead of
    ``load_workbook``: the latter also builds a read-only worksheet object
    per sheet, which scans a whole sheet that lacks a ``<dimension>``
    element (openpyxl's own files) just to size it. The attributes used are
    openpyxl's (pinned version; a unit test guards them).
    """

    def __init__(self, handle: IO[bytes], sheet: str | None) -> None:
        try:
            reader = ExcelReader(handle, read_only=True, data_only=True, keep_links=False)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on bad files
            raise _load_error(exc) from None
        self._archive = reader.archive
        try:
            try:
                reader.read_manifest()
                reader.read_strings()
                reader.read_workbook()
                apply_stylesheet(reader.archive, reader.wb)
                found = [
                    (ws.name, rel.target, "chartsheet" in rel.Type)
                    for ws, rel in reader.parser.find_sheets()
                    if rel.target in reader.valid_files
                ]
            except Exception as exc:  # noqa: BLE001
                raise _load_error(exc) from None
            self._choose(sheet, found)
            book = reader.wb
            self.shared: list[str] = reader.shared_strings
            self.duration_styles: set[int] = set(book._timedelta_formats)
            self.epoch: dt.datetime = book.epoch
            # Style -> "date", "datetime" or "time": a date-only cell becomes 2024-01-31,
            # a date-time cell 2024-01-31 00:00:00 even at midnight.
            self.date_kinds: dict[int, str] = {}
            for index in book._date_formats:
                number_format = book._cell_styles[index].numFmtId
                if number_format >= BUILTIN_FORMATS_MAX_SIZE:
                    code = book._number_formats[number_format - BUILTIN_FORMATS_MAX_SIZE]
                else:
                    code = builtin_format_code(number_format) or ""
                self.date_kinds[index] = is_datetime(code) or "datetime"
        except BaseException:
            self._archive.close()
            raise

    def _choose(self, sheet: str | None, found: list[tuple[str, str, bool]]) -> None:
        self.sheets = tuple(name for name, _, _ in found)
        worksheets = [(name, path) for name, path, chart in found if not chart]
        if not worksheets:
            raise InvalidWorkbookError("The workbook has no worksheet (only charts)")
        if sheet is None:
            chosen = worksheets[0]
        else:
            matches = [w for w in worksheets if w[0] == sheet] or [
                w for w in worksheets if w[0].strip().lower() == sheet.strip().lower()
            ]
            if len(matches) != 1:
                listed = ", ".join(f"'{name}'" for name in self.sheets)
                raise SheetNotFoundError(
                    f"The workbook has no worksheet named '{sheet}'; its sheets are {listed}. "
                    "Name one of them in the file option 'sheet', or leave it out to read the "
                    "first sheet"
                )
            chosen = matches[0]
        self.title, self.path = chosen

    def open_sheet(self) -> IO[bytes]:
        return self._archive.open(self.path)

    def close(self) -> None:
        self._archive.close()


class XlsxReader:
    """Spools and checks the workbook and reads the header on construction,
    then iterates :class:`TableBatch` es of the chosen sheet."""

    def __init__(
        self,
        raw: RawChunks,
        *,
        sheet: str | None = None,
        batch_rows: int = 50_000,
        limits: ReaderLimits | None = None,
        declared_format: str = "",
        work_dir: Path | None = None,
        cancel: Callable[[], bool] | None = None,
        na_tokens: bool = True,
    ) -> None:
        self._limits = limits or ReaderLimits()
        self._na_tokens = na_tokens
        self._raw = raw
        self._declared = declared_format
        self._cancel = cancel
        self._rows = 0
        self._blank = 0
        self._spool = spool_raw(raw, work_dir, self._limits.spool_max_bytes)
        self._book: _Book | None = None
        try:
            size = self._spool.seek(0, 2)
            workbook = inspect_zip(self._spool, size, self._limits)
            self._spool.seek(0)
            self._book = _Book(self._spool, sheet)
            book = self._book
            self._sheet_rows = SheetRows(
                book.open_sheet, book.shared, book.date_kinds, book.duration_styles, book.epoch
            )
            self._iterator = iter(self._sheet_rows)
            self._title, self._sheets = self._book.title, self._book.sheets
            self._header_row, header = self._header()
        except BaseException:
            self.close()
            raise
        width = max(column for column, _ in header)
        check_column_count(width, self._limits.max_columns)
        names = [""] * width
        for column, value in header:
            names[column - 1] = text_of(value) or ""
        self.columns, self._renamed = unique_names(names)
        self._batch_rows = self._limits.rows_per_batch(batch_rows, len(self.columns))
        self._notes = (
            ["The workbook contains macros; they were not run."] if workbook.macros else []
        )

    def _header(self) -> tuple[int, list[tuple[int, Any]]]:
        for row_number, cells in self._iterator:
            return row_number, cells
        assert self._book is not None
        raise EmptyFileError(f"The sheet '{self._book.title}' of the workbook is empty")

    @property
    def stats(self) -> SourceStats:
        notes = list(self._notes)
        if self._sheet_rows.formulas_without_value:
            notes.append(
                f"{self._sheet_rows.formulas_without_value:,} formula cells have no saved "
                "result and were read as empty; open and save the workbook in Excel to "
                "store their results"
            )
        if self._header_row > 1:
            notes.append(f"The header is row {self._header_row:,} of the sheet.")
        return SourceStats(
            format="xlsx",
            declared_format=self._declared,
            encoding="utf-8",
            bytes_read=self._raw.bytes_read,
            rows=self._rows,
            renamed_columns=self._renamed,
            sheet=self._title,
            sheets=self._sheets,
            blank_rows_skipped=self._blank,
            notes=tuple(notes),
        )

    def close(self) -> None:
        if self._book is not None:
            self._book.close()
            self._book = None
        self._spool.close()

    def _batch(self, columns: list[list[str | None]], lines: list[int]) -> TableBatch:
        if self._cancel is not None and self._cancel():
            raise AnalysisCancelled()
        arrays = [pa.array(values, type=pa.string()) for values in columns]
        frame = pa.Table.from_arrays(arrays, names=self.columns).to_pandas()
        batch = TableBatch(
            frame=frame,
            first_row=self._rows,
            stats=self.stats,
            source_rows=np.asarray(lines, dtype=np.int64),
        )
        self._rows += len(lines)
        return replace(batch, stats=replace(batch.stats, rows=self._rows))

    def __iter__(self) -> Iterator[TableBatch]:
        width = len(self.columns)
        columns: list[list[str | None]] = [[] for _ in range(width)]
        lines: list[int] = []
        yielded = False
        previous = self._header_row
        try:
            for row_number, cells in self._iterator:
                self._blank += max(0, row_number - previous - 1)
                previous = row_number
                filled: list[str | None] = [None] * width
                for column, value in cells:
                    if column > width:
                        raise InvalidWorkbookError(
                            f"Cell {_column_letter(column)}{row_number} has a value but its "
                            f"column has no header name (the header in row "
                            f"{self._header_row:,} ends at column {_column_letter(width)}); "
                            "name the column or delete the value",
                            row=row_number,
                        )
                    filled[column - 1] = text_of(value, na_tokens=self._na_tokens)
                for index in range(width):
                    columns[index].append(filled[index])
                lines.append(row_number)
                if len(lines) >= self._batch_rows:
                    yield self._batch(columns, lines)
                    yielded = True
                    columns, lines = [[] for _ in range(width)], []
            if lines or not yielded:
                yield self._batch(columns, lines)
        finally:
            self.close()
