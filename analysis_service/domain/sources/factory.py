"""The one entry point: a chunk stream in, a table reader out.

:func:`open_table` decides the format from the content, never from the
name: ZIP bytes are an Excel workbook (or are refused naming what the
archive is), text starting with ``[`` or ``{`` is JSON, other text is CSV,
and anything else is refused naming what it is (a PNG image, a PDF, gzip
data, binary data). A content format the slot does not accept is refused
too. When the name claimed another accepted format (a ``.csv`` that holds
JSON) the file is read as what it is and the stats say so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from types import TracebackType

from analysis_service.domain.errors import EmptyFileError, InputError, InvalidFileFormatError
from analysis_service.domain.sources.csv_reader import CsvStreamReader, open_text
from analysis_service.domain.sources.detect import sniff
from analysis_service.domain.sources.json_reader import JsonReader
from analysis_service.domain.sources.model import (
    FORMAT_NAMES,
    FORMATS,
    NA_TOKENS,
    ReaderLimits,
    SourceStats,
    TableBatch,
    TableReader,
)
from analysis_service.domain.sources.text import RawChunks
from analysis_service.domain.sources.xlsx_reader import XlsxReader

_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".json": "json",
    ".jsonl": "json",
    ".ndjson": "json",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
}
_CONTENT_TYPES = {
    "text/csv": "csv",
    "application/csv": "csv",
    "text/tab-separated-values": "csv",
    "application/json": "json",
    "application/x-ndjson": "json",
    "application/jsonl": "json",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}
_JSON_START = re.compile(r"^(?:\{|\[\s*(?:[\[\]{\"\d-]|true|false|null|$))")


@dataclass(frozen=True)
class SourceOptions:
    """How to read one input: its slot, the name and content type it was
    uploaded with (for the declared format and messages), the formats the
    slot accepts, the sheet of a workbook (None: the first), the limits and
    where spool files go."""

    slot: str = "primary"
    name: str = ""
    content_type: str = ""
    formats: tuple[str, ...] = FORMATS
    sheet: str | None = None
    limits: ReaderLimits = field(default_factory=ReaderLimits)
    work_dir: Path | None = None
    #: Only an empty cell is null; "NA", "NULL", "N/A"... stay text. The
    #: cleaning tool reads so: only an agent whose parameters ask for it
    #: may decide a spelling is a placeholder (the profile reads as pandas).
    keep_na_text: bool = False


def declared_format(name: str, content_type: str = "") -> str:
    """The format a file name (or else a content type) claims; "" if none."""
    suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    return _CONTENT_TYPES.get(content_type.split(";", 1)[0].strip().lower(), "")


def _accepted(formats: tuple[str, ...]) -> str:
    names = [FORMAT_NAMES[f] for f in formats]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _refuse(what: str, declared: str, formats: tuple[str, ...]) -> InvalidFileFormatError:
    claimed = f"; it is not a {FORMAT_NAMES[declared]} file" if declared else ""
    return InvalidFileFormatError(
        f"The file is {what}{claimed}. Upload the data itself as {_accepted(formats)}."
    )


class OpenedTable:
    """A format's reader with the slot attached to its errors and the
    factory's own notes added to its stats. Closes on exhaustion; use it as
    a context manager (or call :meth:`close`) when stopping early."""

    def __init__(self, reader: TableReader, slot: str, notes: tuple[str, ...]) -> None:
        self._reader = reader
        self._slot = slot
        self._notes = notes
        self.columns: list[str] = reader.columns

    @property
    def stats(self) -> SourceStats:
        stats = self._reader.stats
        return replace(stats, notes=self._notes + stats.notes) if self._notes else stats

    def __iter__(self) -> Iterator[TableBatch]:
        try:
            yield from self._reader
        except InputError as exc:
            exc.slot = exc.slot or self._slot
            raise
        finally:
            self._reader.close()

    def close(self) -> None:
        self._reader.close()

    def __enter__(self) -> OpenedTable:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def open_table(
    chunks: Iterable[bytes],
    *,
    options: SourceOptions | None = None,
    batch_rows: int = 50_000,
    cancel: Callable[[], bool] | None = None,
) -> OpenedTable:
    """Opens a CSV, JSON or XLSX table arriving as byte chunks.

    The header (CSV, XLSX) or the whole record pass (JSON) is read here, so
    ``columns`` is known on return. Raises an
    :class:`~analysis_service.domain.errors.InputError` (with ``slot`` set)
    when the file cannot be read as a table the slot accepts, and
    :class:`~analysis_service.domain.errors.AnalysisCancelled` when
    ``cancel()`` turns true (polled before each chunk and each batch).
    """
    options = options or SourceOptions()
    try:
        return _open(chunks, options, batch_rows, cancel)
    except InputError as exc:
        exc.slot = exc.slot or options.slot
        raise


def _open(
    chunks: Iterable[bytes],
    options: SourceOptions,
    batch_rows: int,
    cancel: Callable[[], bool] | None,
) -> OpenedTable:
    declared = declared_format(options.name, options.content_type)
    limits = options.limits
    raw = RawChunks(chunks, cancel)
    head = raw.head()
    if not head:
        raise EmptyFileError("The file is empty (0 bytes)")
    sniffed = sniff(head)
    if sniffed.kind == "other":
        raise _refuse(sniffed.what, declared, options.formats)
    reader: TableReader
    if sniffed.kind == "zip":
        fmt = "xlsx"
        if fmt not in options.formats:
            raise _refuse("an Excel workbook or another ZIP archive", declared, options.formats)
        reader = XlsxReader(
            raw,
            sheet=options.sheet,
            na_tokens=not options.keep_na_text,
            batch_rows=batch_rows,
            limits=limits,
            declared_format=declared,
            work_dir=options.work_dir,
            cancel=cancel,
        )
    else:
        stream = open_text(raw)
        start = stream.peek(512).decode("utf-8", errors="ignore").lstrip(" \t\r\n")
        if not start:
            raise EmptyFileError("The file contains only whitespace")
        fmt = "json" if _JSON_START.match(start) else "csv"
        if fmt not in options.formats:
            raise _refuse(f"{FORMAT_NAMES[fmt]} text", declared, options.formats)
        if fmt == "json":
            reader = JsonReader(
                stream,
                batch_rows=batch_rows,
                limits=limits,
                declared_format=declared,
                work_dir=options.work_dir,
                cancel=cancel,
            )
        else:
            reader = CsvStreamReader(
                batch_rows=batch_rows,
                limits=limits,
                declared_format=declared,
                stream=stream,
                null_values=("",) if options.keep_na_text else NA_TOKENS,
            )
    notes: tuple[str, ...] = ()
    if declared and declared != fmt:
        notes = (
            f"The file is named as {FORMAT_NAMES[declared]} but contains {FORMAT_NAMES[fmt]}; "
            f"it was read as {FORMAT_NAMES[fmt]}.",
        )
    return OpenedTable(reader, options.slot, notes)
