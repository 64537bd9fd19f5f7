"""One worksheet's rows, parsed with expat callbacks (no element tree).

Why not openpyxl's row iterator: it pads every gap up to the row number
the file claims (a crafted ``r="1000000000"`` would spin for hours) and
keeps each row's attributes; and why not ``ElementTree.iterparse``: it
builds an element for every cell and queues two events per element, about
five times slower than these callbacks. Rows and columns are checked
against Excel's limits. DTDs were refused before (:mod:`.archive`), and
an entity declaration here would still be refused.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable, Iterator
from typing import IO, Any
from xml.parsers import expat

from openpyxl.utils.datetime import from_excel, from_ISO8601

from analysis_service.domain.errors import InvalidWorkbookError

MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL, _VALUE, _FORMULA = f"{_NS}row", f"{_NS}c", f"{_NS}v", f"{_NS}f"
_INLINE, _TEXT, _PHONETIC = f"{_NS}is", f"{_NS}t", f"{_NS}rPh"
_REFERENCE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_READ_BYTES = 256 * 1024

Row = tuple[int, list[tuple[int, Any]]]


def damaged(detail: str = "") -> InvalidWorkbookError:
    extra = f" ({detail})" if detail else ""
    return InvalidWorkbookError(
        f"The workbook is damaged or is not a valid .xlsx file{extra}; open it in Excel, save "
        "it again as .xlsx (or CSV) and upload that"
    )


def column_index(letters: str) -> int:
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    return index


class SheetRows:
    """Iterates (row number, [(column, typed value)]) of the non-empty rows.

    ``shared`` are the workbook's shared strings, ``date_kinds`` maps a
    style index to "date", "datetime" or "time", ``duration_styles`` the
    styles that are durations, ``epoch`` the workbook's date system.
    """

    def __init__(
        self,
        open_sheet: Callable[[], IO[bytes]],
        shared: list[str],
        date_kinds: dict[int, str],
        duration_styles: set[int],
        epoch: dt.datetime,
    ) -> None:
        self._open = open_sheet
        self._shared = shared
        self._date_kinds = date_kinds
        self._durations = duration_styles
        self._epoch = epoch
        self.formulas_without_value = 0

    def _value(self, kind: str, style: str | None, raw: str | None, formula: bool) -> Any:
        if raw is None or raw == "":
            if formula:
                self.formulas_without_value += 1
            return None
        if kind == "s":
            try:
                return self._shared[int(raw)]
            except (ValueError, IndexError):
                raise damaged(f"shared string {raw[:20]} does not exist") from None
        if kind in ("str", "inlineStr", "e"):
            return raw
        if kind == "b":
            return raw.strip() in ("1", "true")
        if kind == "d":
            try:
                return from_ISO8601(raw)
            except (ValueError, TypeError):
                return raw
        try:
            number: int | float = float(raw) if any(c in raw for c in ".eE") else int(raw)
        except ValueError:
            return raw
        date_kind = self._date_kinds.get(int(style)) if style and style.isdigit() else None
        if date_kind is None:
            return number
        try:
            value = from_excel(number, self._epoch, timedelta=int(style or 0) in self._durations)
        except (OverflowError, ValueError):
            return number
        if date_kind == "date" and isinstance(value, dt.datetime):
            return value.date()
        if date_kind == "time" and isinstance(value, dt.datetime):
            return value.time()
        return value

    def __iter__(self) -> Iterator[Row]:
        done: list[Row] = []
        row_number = column = 0
        cells: list[tuple[int, Any]] = []
        collecting: list[str] | None = None
        kind = "n"
        style: str | None = None
        raw: str | None = None
        formula = phonetic = False
        inline: list[str] = []
        value_of = self._value
        columns: dict[str, int] = {}  # cell reference letters -> column (they repeat every row)

        def column_of(reference: str) -> int:
            letters = reference.rstrip("0123456789")
            index = columns.get(letters)
            if index is None:
                match = _REFERENCE.match(reference)
                if match is None:
                    return column + 1
                index = columns[letters] = column_index(match.group(1))
            return index

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal row_number, column, cells, collecting, kind, style, raw, formula, phonetic
            if name == _VALUE:
                collecting = []
            elif name == _CELL:
                reference = attrs.get("r")
                column = column_of(reference) if reference else column + 1
                if column > MAX_COLUMNS:
                    raise damaged(f"cell {reference} is beyond Excel's last column")
                kind = attrs.get("t", "n")
                style = attrs.get("s")
                raw = None
                formula = phonetic = False
                inline.clear()
            elif name == _ROW:
                declared = attrs.get("r")
                try:
                    number = int(declared) if declared else row_number + 1
                except ValueError:
                    raise damaged(f"row number {declared!r:.20} is not a number") from None
                if not 0 < number <= MAX_ROWS:
                    raise damaged(f"row number {number:,} is out of range")
                row_number, column, cells = number, 0, []
            elif name == _TEXT:
                collecting = None if phonetic else []
            elif name == _FORMULA:
                formula = True
            elif name == _PHONETIC:
                phonetic = True

        def text(data: str) -> None:
            if collecting is not None:
                collecting.append(data)

        def end(name: str) -> None:
            nonlocal collecting, raw, phonetic
            if name == _VALUE:
                raw = "".join(collecting) if collecting is not None else None
                collecting = None
            elif name == _CELL:
                value = value_of(
                    kind, style, "".join(inline) if kind == "inlineStr" else raw, formula
                )
                if value is not None and value != "":
                    cells.append((column, value))
            elif name == _ROW:
                if cells:
                    done.append((row_number, cells))
            elif name == _TEXT:
                if collecting is not None:
                    inline.append("".join(collecting))
                collecting = None
            elif name == _PHONETIC:
                phonetic = False

        def refuse_entities(*_args: Any) -> None:
            raise InvalidWorkbookError("The worksheet declares XML entities; it is not opened")

        parser = expat.ParserCreate(namespace_separator="}")
        parser.buffer_text = True
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = text
        parser.EntityDeclHandler = refuse_entities
        with self._open() as source:
            try:
                while chunk := source.read(_READ_BYTES):
                    parser.Parse(chunk, False)
                    yield from done
                    done.clear()
                parser.Parse(b"", True)
            except expat.ExpatError as exc:
                raise damaged(f"invalid XML: {expat.errors.messages[exc.code]}") from None
            except zipfile.BadZipFile as exc:
                raise damaged(f"{exc}") from None
            except (OSError, EOFError) as exc:
                raise damaged(type(exc).__name__) from None
        yield from done
