"""Excel inputs: cell types kept, sheets chosen, damage and bombs refused."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

from analysis_service.domain.errors import (
    EmptyFileError,
    InvalidFileFormatError,
    InvalidWorkbookError,
    SheetNotFoundError,
)
from analysis_service.domain.sources import SourceOptions, open_table
from analysis_service.domain.sources.xlsx_reader import _Book
from tests.support.bad_files import SHEET_HEAD, SHEET_TAIL, minimal_xlsx
from tests.unit.analysis.conftest import chunked

pytestmark = pytest.mark.unit


def workbook(*sheets: tuple[str, list[list[object]]], formats: dict[str, str] | None = None):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for cell, number_format in (formats or {}).items():
            sheet[cell].number_format = number_format
        for row in sheet.iter_rows():
            for cell in row:  # a text that merely starts with "=" (not a formula)
                if isinstance(cell.value, str) and cell.value.startswith("=TEXT"):
                    cell.value = cell.value.removeprefix("=TEXT")
                    cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read(data: bytes, **options: object):
    reader = open_table(chunked(data, 1000), options=SourceOptions(**options), batch_rows=2)  # type: ignore[arg-type]
    batches = list(reader)
    frame = pd.concat([b.frame for b in batches], ignore_index=True)
    return reader, batches, {c: [None if pd.isna(v) else v for v in frame[c]] for c in frame}


def test_cell_types_become_the_text_a_csv_would_hold() -> None:
    rows: list[list[object]] = [
        ["int", "float", "big", "flag", "day", "moment", "text", "missing", "na", "formula"],
        [
            12,
            3.5,
            1e20,
            True,
            dt.date(2024, 1, 31),
            dt.datetime(2024, 1, 31, 10, 30),
            "x",
            None,
            "N/A",
            "=1+1",
        ],
        [
            -3,
            0.1,
            2**53,
            False,
            dt.date(2023, 12, 1),
            dt.datetime(2024, 2, 1),
            "=TEXT=SUM",
            None,
            "#N/A",
            None,
        ],
    ]
    reader, batches, values = read(workbook(("Data", rows)))
    assert values == {
        "int": ["12", "-3"],
        "float": ["3.5", "0.1"],
        "big": ["1e+20", str(2**53)],
        "flag": ["true", "false"],
        "day": ["2024-01-31", "2023-12-01"],
        "moment": ["2024-01-31 10:30:00", "2024-02-01 00:00:00"],
        "text": ["x", "=SUM"],
        "missing": [None, None],
        "na": [None, None],
        "formula": [None, None],  # no saved result (openpyxl does not compute it)
    }
    stats = reader.stats
    assert (stats.format, stats.sheet, stats.sheets) == ("xlsx", "Data", ("Data",))
    assert any("formula cells have no saved result" in n for n in stats.notes)
    assert [int(r) for r in batches[0].source_rows] == [2, 3]  # type: ignore[union-attr]


def test_sheet_choice() -> None:
    data = workbook(("First", [["a"], [1]]), ("Sales 2024", [["b"], [2]]))
    assert read(data)[2] == {"a": ["1"]}
    assert read(data, sheet="Sales 2024")[2] == {"b": ["2"]}
    assert read(data, sheet="sales 2024 ")[2] == {"b": ["2"]}
    with pytest.raises(SheetNotFoundError, match="its sheets are 'First', 'Sales 2024'"):
        read(data, sheet="Costs")


def test_header_below_blank_rows_blank_rows_skipped_and_names_made_unique() -> None:
    sheet = (
        SHEET_HEAD
        + '<row r="3"><c r="B3" t="inlineStr"><is><t>id</t></is></c>'
        + '<c r="C3" t="inlineStr"><is><t>id</t></is></c>'
        + '<c r="D3" t="inlineStr"><is><r><t>na</t></r><r><t>me</t></r></is></c></row>'
        + '<row r="4"><c r="B4"><v>1</v></c><c r="D4" t="str"><v>x</v></c></row>'
        + '<row r="9"><c r="C9" t="b"><v>1</v></c></row>'
        + SHEET_TAIL
    )
    reader, batches, values = read(minimal_xlsx(sheet))
    assert reader.columns == ["column_1", "id", "id_2", "name"]
    assert values == {
        "column_1": [None, None],
        "id": ["1", None],
        "id_2": [None, "true"],
        "name": ["x", None],
    }
    assert reader.stats.blank_rows_skipped == 4
    assert "The header is row 3 of the sheet." in reader.stats.notes
    assert [int(r) for b in batches for r in b.source_rows] == [4, 9]  # type: ignore[union-attr]


def test_a_value_without_a_column_name_is_refused_with_its_cell() -> None:
    data = workbook(("S", [["a", "b"], [1, 2], [3, 4, 5]]))
    with pytest.raises(InvalidWorkbookError, match="Cell C3 has a value but its column has no"):
        read(data)


@pytest.mark.parametrize(
    ("sheet", "error", "message"),
    [
        (SHEET_HEAD + SHEET_TAIL, EmptyFileError, "sheet 'Sheet1' of the workbook is empty"),
        (
            SHEET_HEAD + '<row r="1000000000"><c><v>1</v></c></row>' + SHEET_TAIL,
            InvalidWorkbookError,
            "row number 1,000,000,000 is out of range",
        ),
        (SHEET_HEAD + "<row><c><v>1</v>" + SHEET_TAIL, InvalidWorkbookError, "invalid XML"),
        (
            SHEET_HEAD + '<row r="1"><c t="s"><v>7</v></c></row>' + SHEET_TAIL,
            InvalidWorkbookError,
            "shared string 7 does not exist",
        ),
        (
            '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetData><row r="1"><c t="inlineStr"><is><t>&b;</t></is></c></row>' + SHEET_TAIL,
            InvalidWorkbookError,
            "declares a DTD",
        ),
    ],
)
def test_broken_sheets_fail_precisely(sheet: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        read(minimal_xlsx(sheet))


def test_workbook_with_macros_and_the_openpyxl_internals_we_use() -> None:
    data = minimal_xlsx(
        SHEET_HEAD + '<row r="1"><c t="inlineStr"><is><t>a</t></is></c></row>' + SHEET_TAIL,
        extra={"xl/vbaProject.bin": b"\x00" * 10},
    )
    reader, _, _ = read(data)
    assert "The workbook contains macros; they were not run." in reader.stats.notes
    handle = io.BytesIO(workbook(("S", [["a"], [dt.date(2024, 1, 1)]])))
    book = _Book(handle, None)  # fails loudly if openpyxl's read-only internals move
    try:
        assert book.path.endswith(".xml") and isinstance(book.shared, list)
        assert "date" in book.date_kinds.values()
    finally:
        book.close()


def test_old_xls_and_an_xlsx_slot_that_refuses_json() -> None:
    with pytest.raises(InvalidFileFormatError, match=r"old-format Excel \.xls workbook"):
        read(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), name="old.xls")
    with pytest.raises(InvalidFileFormatError, match="Excel workbook or another ZIP archive"):
        read(workbook(("S", [["a"]])), formats=("csv",))


def test_keep_na_text_leaves_na_spellings_as_text_and_only_empty_cells_null():
    data = workbook(("S", [["v", "k"], ["NA", 1], ["N/A", 2], [None, 3], ["x", 4]]))
    table = open_table([data], options=SourceOptions(keep_na_text=True))
    column = next(iter(table)).frame["v"]
    assert [None if pd.isna(v) else v for v in column] == ["NA", "N/A", None, "x"]
