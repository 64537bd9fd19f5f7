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
    parts and zip bombs before openpyxl sees the file; XML that declares
    entities (billion laughs, external entities) is refused by defusedxml,
    which openpyxl uses when it is installed and which parses the sheet here.

Reading
    openpyxl opens the workbook in read-only mode (sheet list, shared
    strings, which styles are dates, the 1900/1904 epoch); the sheet itself
    is parsed here with ``iterparse``, row by row, clearing each parsed row,
    because openpyxl's own row iterator pads every gap up to the row number
    the file claims (a crafted ``r="1000000000"`` would spin for hours) and
    keeps every row's attributes. Formulas are read as their cached values
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
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

import numpy as np
import openpyxl
import pyarrow as pa
from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml.ElementTree import iterparse  # type: ignore[import-untyped]
from openpyxl.styles.numbers import BUILTIN_FORMATS_MAX_SIZE, builtin_format_code, is_datetime
from openpyxl.utils.datetime import from_excel, from_ISO8601

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
from analysis_service.domain.sources.spool import spool_raw
from analysis_service.domain.sources.text import RawChunks

MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL, _VALUE, _FORMULA = f"{_NS}row", f"{_NS}c", f"{_NS}v", f"{_NS}f"
_INLINE, _TEXT, _RUN, _SHEET_DATA = f"{_NS}is", f"{_NS}t", f"{_NS}r", f"{_NS}sheetData"
_REFERENCE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def _column_letter(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_index(letters: str) -> int:
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    return index


def _entities() -> InvalidWorkbookError:
    return InvalidWorkbookError(
        "The workbook declares XML entities, which Excel never writes (an XML bomb or an "
        "attempt to read other files); it is not opened"
    )


def _damaged(detail: str = "") -> InvalidWorkbookError:
    extra = f" ({detail})" if detail else ""
    return InvalidWorkbookError(
        f"The workbook is damaged or is not a valid .xlsx file{extra}; open it in Excel, save "
        "it again as .xlsx (or CSV) and upload that"
    )


def _load_error(exc: BaseException) -> InvalidWorkbookError:
    """What openpyxl's failure means (it wraps the cause in a ValueError)."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, DefusedXmlException):
            return _entities()
        if isinstance(cause, ET.ParseError):
            return _damaged(f"invalid XML: {cause}")
        cause = cause.__cause__ or cause.__context__
    return _damaged(type(exc).__name__)


class _Book:
    """What openpyxl read of the workbook, and the one sheet we read."""

    def __init__(self, handle: IO[bytes], sheet: str | None) -> None:
        try:
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True, keep_links=False)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on bad files
            raise _load_error(exc) from None
        self.book = book
        try:
            self._choose(sheet)
        except BaseException:
            book.close()
            raise

    def _choose(self, sheet: str | None) -> None:
        book = self.book
        self.sheets = tuple(book.sheetnames)
        worksheets = list(book.worksheets)
        if not worksheets:
            raise InvalidWorkbookError("The workbook has no worksheet (only charts)")
        if sheet is None:
            chosen = worksheets[0]
        else:
            matches = [ws for ws in worksheets if ws.title == sheet] or [
                ws for ws in worksheets if ws.title.strip().lower() == sheet.strip().lower()
            ]
            if len(matches) != 1:
                listed = ", ".join(f"'{name}'" for name in self.sheets)
                raise SheetNotFoundError(
                    f"The workbook has no worksheet named '{sheet}'; its sheets are {listed}. "
                    "Name one of them in the file option 'sheet', or leave it out to read the "
                    "first sheet"
                )
            chosen = matches[0]
        self.title: str = chosen.title
        # openpyxl's read-only internals (pinned version; a unit test guards them).
        self.path: str = chosen._worksheet_path
        self.shared: list[str] = chosen._shared_strings
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

    def open_sheet(self) -> IO[bytes]:
        return self.book._archive.open(self.path)  # type: ignore[no-any-return,unused-ignore]

    def close(self) -> None:
        self.book.close()


class _SheetRows:
    """(row number, [(column, value)]) of the sheet's non-empty rows."""

    def __init__(self, book: _Book) -> None:
        self._book = book
        self.formulas_without_value = 0

    def _cell(self, element: ET.Element) -> Any:
        kind = element.get("t", "n")
        if kind == "inlineStr":
            inline = element.find(_INLINE)
            if inline is None:
                return None
            parts = [c.text or "" for c in inline if c.tag == _TEXT]
            parts += [t.text or "" for r in inline if r.tag == _RUN for t in r if t.tag == _TEXT]
            return "".join(parts)
        raw = element.findtext(_VALUE)
        if raw is None or raw == "":
            if element.find(_FORMULA) is not None:
                self.formulas_without_value += 1
            return None
        if kind == "s":
            try:
                return self._book.shared[int(raw)]
            except (ValueError, IndexError):
                raise _damaged(f"shared string {raw[:20]} does not exist") from None
        if kind == "b":
            return raw.strip() in ("1", "true")
        if kind in ("str", "e"):
            return raw
        if kind == "d":
            try:
                return from_ISO8601(raw)
            except (ValueError, TypeError):
                return raw
        try:
            number: int | float = float(raw) if any(c in raw for c in ".eE") else int(raw)
        except ValueError:
            return raw
        style = int(element.get("s", "0") or 0)
        date_kind = self._book.date_kinds.get(style)
        if date_kind is None:
            return number
        try:
            value = from_excel(
                number, self._book.epoch, timedelta=style in self._book.duration_styles
            )
        except (OverflowError, ValueError):
            return number
        if date_kind == "date" and isinstance(value, dt.datetime):
            return value.date()
        if date_kind == "time" and isinstance(value, dt.datetime):
            return value.time()
        return value

    def __iter__(self) -> Iterator[tuple[int, list[tuple[int, Any]]]]:
        row_number = 0
        with self._book.open_sheet() as source:
            sheet_data: ET.Element | None = None
            cells: list[tuple[int, Any]] = []
            column = 0
            try:
                for event, element in iterparse(source, events=("start", "end")):
                    tag = element.tag
                    if event == "start":
                        if tag == _SHEET_DATA:
                            sheet_data = element
                        elif tag == _ROW:
                            declared = element.get("r")
                            row_number = int(declared) if declared else row_number + 1
                            column = 0
                            if not 0 < row_number <= MAX_ROWS:
                                raise _damaged(f"row number {row_number:,} is out of range")
                        continue
                    if tag == _CELL:
                        reference = element.get("r")
                        match = _REFERENCE.match(reference) if reference else None
                        column = _column_index(match.group(1)) if match else column + 1
                        if column > MAX_COLUMNS:
                            raise _damaged(f"cell {reference} is beyond Excel's last column")
                        value = self._cell(element)
                        if value is not None and value != "":
                            cells.append((column, value))
                    elif tag == _ROW:
                        if cells:
                            yield row_number, cells
                            cells = []
                        if sheet_data is not None:
                            sheet_data.clear()  # keep memory at one row
            except DefusedXmlException:
                raise _entities() from None
            except ET.ParseError as exc:
                raise _damaged(f"invalid XML: {exc}") from None
            except (zipfile.BadZipFile, EOFError, OSError) as exc:
                raise _damaged(f"{type(exc).__name__}: {exc}") from None


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
    ) -> None:
        self._limits = limits or ReaderLimits()
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
            self._sheet_rows = _SheetRows(self._book)
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
                    filled[column - 1] = text_of(value, na_tokens=True)
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
