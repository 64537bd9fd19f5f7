"""Typed cells and tables for the write-only workbook.

* Numbers are written as numbers, percentages as fractions formatted
  ``0.00%`` (the JSON's 0-100 values divided by 100), booleans as booleans,
  text as text: a string is ALWAYS a string cell (``data_type`` "s"), and
  one starting with ``=`` ``+`` ``-`` ``@`` also gets Excel's quote prefix,
  so no value from the data can become a formula, in our file or after a
  user edits the cell.
* A table has its header in row 1, frozen (with the first column), an
  autofilter over its range, and widths from its content. Facts that
  upstream put above the table (status, scores ...) go in a *side block*
  to the right of it, so the frozen header stays one row.
* Columns whose every value is empty are left out (no blank columns).

openpyxl's write-only mode streams rows to a temporary file, so a sheet's
widths and frozen pane must be known before its first row: :func:`write_table`
takes all rows at once (they are bounded: at most 1,000 row-level issues,
one row per field ...).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

HEADER_FILL = PatternFill("solid", fgColor="1F3864")
HEADER_FONT = Font(bold=True, color="FFFFFF")
LABEL_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")
MAX_CELL_CHARS = 32_000  # Excel's limit is 32,767
FORMULA_STARTS = ("=", "+", "-", "@")
MIN_WIDTH, MAX_WIDTH = 8, 60


class Kind(Enum):
    AUTO = "auto"  # by each value's Python type (a column of mixed values)
    TEXT = "text"
    INT = "int"
    FLOAT = "float"
    PERCENT = "percent"  # a 0-100 value, shown as a percentage
    BOOL = "bool"


_FORMATS = {Kind.INT: "#,##0", Kind.FLOAT: "#,##0.00", Kind.PERCENT: "0.00%"}


@dataclass(frozen=True)
class Pct:
    """A 0-100 value to show as a percentage (in side blocks)."""

    value: float | None


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = Kind.TEXT
    number_format: str | None = None
    width: int | None = None


def _kind_of(value: Any) -> Kind:
    if isinstance(value, Pct):
        return Kind.PERCENT
    if isinstance(value, bool):
        return Kind.BOOL
    if isinstance(value, int):
        return Kind.INT
    if isinstance(value, float):
        return Kind.FLOAT
    return Kind.TEXT


def cell(
    sheet: WriteOnlyWorksheet,
    value: Any,
    kind: Kind | None = None,
    *,
    number_format: str | None = None,
    font: Font | None = None,
    fill: PatternFill | None = None,
) -> WriteOnlyCell | None:
    """One typed cell (None for an empty value)."""
    if isinstance(value, Pct):
        value = value.value
        kind = Kind.PERCENT
    if value is None:
        return None
    if kind is None or kind is Kind.AUTO:
        kind = _kind_of(value)
    result = WriteOnlyCell(sheet)
    if kind is Kind.TEXT or not isinstance(value, int | float | bool):
        text = value if isinstance(value, str) else str(value)
        # Control characters from a damaged source cannot be stored in XML:
        # replaced, never a failed report.
        text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
        if len(text) > MAX_CELL_CHARS:
            text = text[: MAX_CELL_CHARS - 1] + "…"
        result.value = text
        result.data_type = "s"  # never a formula, whatever the text
        if text.startswith(FORMULA_STARTS):
            result.quotePrefix = True
    elif kind is Kind.BOOL:
        result.value = bool(value)
    elif kind is Kind.PERCENT:
        result.value = float(value) / 100.0
    elif kind is Kind.INT:
        result.value = int(value)
    else:
        result.value = float(value)
    fmt = number_format or _FORMATS.get(kind)
    if fmt and kind is not Kind.TEXT:
        result.number_format = fmt
    if font is not None:
        result.font = font
    if fill is not None:
        result.fill = fill
    return result


def _display_length(value: Any, kind: Kind) -> int:
    if value is None:
        return 0
    if kind in (Kind.INT, Kind.FLOAT, Kind.PERCENT):
        return 12
    return max((len(line) for line in str(value).splitlines()), default=0)


@dataclass
class Placement:
    """Where a table landed: its sheet, data rows and columns by header."""

    sheet: WriteOnlyWorksheet
    first_row: int
    last_row: int
    columns: dict[str, int]
    side_column: int

    def column(self, header: str) -> int:
        return self.columns[header]


def write_table(
    book: Workbook,
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    *,
    side: Sequence[tuple[str, Any]] = (),
    keep_empty_columns: bool = False,
) -> Placement:
    """A sheet holding one table (header row 1, frozen, filtered) and an
    optional side block of (label, value) pairs to its right; a pair with
    value None is a bold section heading."""
    data = [list(row) for row in rows]
    keep = [
        i
        for i, _ in enumerate(columns)
        if keep_empty_columns or any(i < len(r) and r[i] not in (None, "") for r in data)
    ]
    if not keep:
        keep = list(range(len(columns)))
    shown = [columns[i] for i in keep]
    data = [[r[i] if i < len(r) else None for i in keep] for r in data]
    sheet = book.create_sheet(title)
    for index, column in enumerate(shown):
        longest = max(
            [len(column.header) + 2, *(_display_length(r[index], column.kind) for r in data)]
        )
        sheet.column_dimensions[get_column_letter(index + 1)].width = column.width or min(
            MAX_WIDTH, max(MIN_WIDTH, longest + 1)
        )
    side_col = len(shown) + 2
    if side:
        label_width = max(len(str(k)) for k, _ in side) + 2
        value_width = max(_display_length(v, _kind_of(v)) for _, v in side) + 2
        sheet.column_dimensions[get_column_letter(side_col)].width = min(MAX_WIDTH, label_width)
        sheet.column_dimensions[get_column_letter(side_col + 1)].width = min(
            MAX_WIDTH, max(MIN_WIDTH, value_width)
        )
    sheet.freeze_panes = "B2"
    header = [cell(sheet, c.header, Kind.TEXT, font=HEADER_FONT, fill=HEADER_FILL) for c in shown]
    total_rows = max(len(data) + 1, len(side))
    for r in range(total_rows):
        if r == 0:
            values: list[Any] = header
        elif r <= len(data):
            values = [
                cell(sheet, v, c.kind, number_format=c.number_format)
                for v, c in zip(data[r - 1], shown, strict=True)
            ]
        else:
            values = [None] * len(shown)
        if r < len(side):
            label, value = side[r]
            values += [None, cell(sheet, label, Kind.TEXT, font=LABEL_FONT), cell(sheet, value)]
        sheet.append(values)
    last = len(data) + 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(shown))}{last}"
    return Placement(
        sheet=sheet,
        first_row=2,
        last_row=last,
        columns={c.header: i + 1 for i, c in enumerate(shown)},
        side_column=side_col,
    )


def write_blocks(book: Workbook, title: str, widths: Sequence[int]) -> WriteOnlyWorksheet:
    """A sheet for free-form blocks (title rows, small tables)."""
    sheet = book.create_sheet(title)
    for index, width in enumerate(widths):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    return sheet


def header_row(sheet: WriteOnlyWorksheet, names: Sequence[str]) -> list[WriteOnlyCell | None]:
    return [cell(sheet, name, Kind.TEXT, font=HEADER_FONT, fill=HEADER_FILL) for name in names]
