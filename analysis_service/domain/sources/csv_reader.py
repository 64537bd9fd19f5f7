"""Incremental CSV reading from a stream of byte chunks.

Nothing here ever holds the whole file: memory is about one batch of
``batch_rows`` rows plus the parser's read-ahead plus one chunk.

Parser choice
    The decoded chunks are wrapped in a read-only file object and parsed by
    pyarrow's streaming CSV reader (``pyarrow.csv.open_csv``), single-threaded,
    not by ``pandas.read_csv``. The reason is ragged rows: pandas' C tokenizer
    pads a row that is *short* with empty fields, which is indistinguishable
    from real empty values, and it has no bad-line callback on the C engine,
    so a short row would silently become nulls. pyarrow checks every row's
    field count and reports the 1-based record number (when single-threaded),
    so both short and long rows are refused with their row number. The
    batches are still handed out as pandas DataFrames with the ``str`` dtype.

    pyarrow reads ahead on its own I/O thread: the chunk iterator and
    ``cancel`` are called from that thread (one call at a time), and about
    34 parse blocks are buffered ahead of the batch being handed out. That is
    a constant, independent of the file size: with the default 256 KiB block
    about 9 MiB. The block size also bounds the longest row (a row may span
    at most two blocks).

Header
    The first non-blank record is parsed here (not by the parser). Empty
    and repeated names are made unique (``column_3``, ``id_2``) and listed
    in the stats (:attr:`SourceStats.renamed_columns`); a table wider than
    the column limit is refused before any per-column state exists.

Dialect, encoding
    Sniffed from the head of the stream: see :mod:`.dialect` and
    :mod:`.text`. What was decided is in :attr:`CsvStreamReader.stats`.

Nulls
    A field is null (NA) when it is one of pandas' default NA tokens
    (:data:`NA_TOKENS`), quoted or not, exactly as ``pandas.read_csv`` does
    by default. Whitespace-only fields are *not* null. Blank lines are
    skipped, as pandas does.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from analysis_service.domain.errors import (
    EmptyFileError,
    InvalidCsvError,
    InvalidFileFormatError,
    RecordTooLargeError,
)
from analysis_service.domain.sources.detect import sniff
from analysis_service.domain.sources.dialect import sniff_dialect
from analysis_service.domain.sources.headers import check_column_count, unique_names
from analysis_service.domain.sources.model import (
    NA_TOKENS,
    CsvDialect,
    ReaderLimits,
    SourceStats,
    TableBatch,
)
from analysis_service.domain.sources.text import (
    ENCODING_SAMPLE_BYTES,
    DecodedStream,
    RawChunks,
    decide_8bit_encoding,
)

PARSE_BLOCK_BYTES = 256 * 1024
_TERMINATOR = re.compile(rb"[\r\n]")


def open_text(raw: RawChunks) -> DecodedStream:
    """Decides the encoding of a text stream (see :mod:`.text`)."""
    sniffed = sniff(raw.head())
    if sniffed.encoding:
        return DecodedStream(raw, sniffed.encoding, bom=sniffed.bom, evidence=sniffed.evidence)
    encoding, evidence = decide_8bit_encoding(
        raw.head(ENCODING_SAMPLE_BYTES), complete=raw.exhausted
    )
    return DecodedStream(raw, encoding, bom=False, evidence=evidence)


class Utf8File(io.RawIOBase):
    """Read-only file object over a :class:`DecodedStream` for pyarrow, with
    a peekable head, the header reader, and a count of quote characters."""

    def __init__(self, stream: DecodedStream) -> None:
        super().__init__()
        self.stream = stream
        self._buffer = memoryview(b"")
        self._ahead: list[bytes] = []
        self.quotechar = b'"'
        self.quotes = 0  # quote characters handed to the parser: odd at EOF = unclosed

    def _next_piece(self) -> bytes | None:
        if self._ahead:
            return self._ahead.pop(0)
        return self.stream.read()

    def _refill(self) -> bool:
        """Loads the next decoded piece into the buffer; False at the end."""
        piece = self._next_piece()
        if piece is None:
            return False
        self.quotes += piece.count(self.quotechar)
        self._buffer = memoryview(piece)
        return True

    def peek(self, size: int) -> tuple[bytes, bool]:
        """The first ``size`` decoded bytes not yet consumed, and whether
        they are all that is left."""
        have = [bytes(self._buffer), *self._ahead]
        total = sum(len(p) for p in have)
        while total < size:
            piece = self.stream.read()
            if piece is None:
                return b"".join(have), True
            self._ahead.append(piece)
            have.append(piece)
            total += len(piece)
        return b"".join(have)[:size], False

    def at_end(self) -> bool:
        """True when no data is left (pulls the next chunk to find out)."""
        return not self._buffer and not self._refill()

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        """Fills ``target`` completely unless the stream ends: the parser
        treats a short read as a block of its own, and a row straddling
        several tiny blocks is an error for it."""
        view = memoryview(target).cast("B")
        filled = 0
        while filled < len(view):
            if not self._buffer and not self._refill():
                break
            size = min(len(view) - filled, len(self._buffer))
            view[filled : filled + size] = self._buffer[:size]
            self._buffer = self._buffer[size:]
            filled += size
        return filled

    def read_first_record(self, limit: int, escapechar: str | None) -> bytes | None:
        """Consumes and returns the next record without its line terminator;
        None at the end. A line break inside quotes does not end the record."""
        quote = self.quotechar
        escaped = (escapechar.encode() + quote) if escapechar else b""
        collected = bytearray()
        search_from = 0
        while True:
            match = _TERMINATOR.search(collected, search_from)
            while match is not None:
                end = match.start()
                quotes = collected.count(quote, 0, end)
                if escaped:
                    quotes -= collected.count(escaped, 0, end)
                if quotes % 2 == 0:
                    break
                match = _TERMINATOR.search(collected, end + 1)
            if match is not None:
                end = match.start()
                after = end + 1
                if collected[end : end + 2] == b"\r\n":
                    after = end + 2
                rest = bytes(collected[after:]) + bytes(self._buffer)
                self._buffer = memoryview(rest)
                self.quotes -= collected.count(quote, 0, after)  # not the parser's
                return bytes(collected[:end])
            if len(collected) > limit:
                raise RecordTooLargeError(
                    f"The first line of the file is longer than {limit // (1024 * 1024):,} MiB: "
                    "it does not look like a CSV header row (or the file has no line breaks)",
                    row=1,
                )
            search_from = len(collected)
            if not self._buffer and not self._refill():
                if not collected:
                    return None
                self.quotes -= collected.count(quote)
                return bytes(collected)
            collected += self._buffer
            self._buffer = memoryview(b"")


class CsvStreamReader:
    """Reads the header on construction, then iterates :class:`TableBatch` es.

    Use :func:`~analysis_service.domain.sources.open_table` to read any
    supported format; this class reads CSV only (refusing binary content).
    """

    def __init__(
        self,
        chunks: Iterable[bytes] | None = None,
        *,
        batch_rows: int = 50_000,
        cancel: Callable[[], bool] | None = None,
        parse_block_bytes: int = PARSE_BLOCK_BYTES,
        limits: ReaderLimits | None = None,
        declared_format: str = "",
        stream: DecodedStream | None = None,
        null_values: Sequence[str] = NA_TOKENS,
    ) -> None:
        if batch_rows < 1:
            raise ValueError("batch_rows must be positive")
        self._limits = limits or ReaderLimits()
        self._block_bytes = parse_block_bytes
        self._declared = declared_format
        self._null_values = list(null_values)
        if stream is None:
            if chunks is None:
                raise ValueError("chunks or stream is required")
            raw = RawChunks(chunks, cancel)
            head = raw.head()
            if not head:
                raise EmptyFileError("The file is empty (0 bytes)")
            sniffed = sniff(head)
            if sniffed.kind != "text":
                what = "a ZIP archive" if sniffed.kind == "zip" else sniffed.what
                raise InvalidFileFormatError(f"The file is {what}, not a CSV file")
            stream = open_text(raw)
        self._file = Utf8File(stream)
        text_head, complete = self._file.peek(ENCODING_SAMPLE_BYTES)
        self.dialect, self._notes = sniff_dialect(
            text_head.decode("utf-8", errors="ignore"), complete=complete
        )
        self._file.quotechar = self.dialect.quotechar.encode()
        self._blank_lines = 0
        header = self._read_header()
        names = next(
            csv.reader(
                [header],
                delimiter=self.dialect.delimiter,
                quotechar=self.dialect.quotechar,
                doublequote=self.dialect.doublequote,
                escapechar=self.dialect.escapechar,
            )
        )
        check_column_count(len(names), self._limits.max_columns)
        self.columns, self._renamed = unique_names(names)
        self._batch_rows = self._limits.rows_per_batch(batch_rows, len(self.columns))
        self._invalid_row: tuple[int | None, int, int, str] | None = None
        self._rows = 0

    def _read_header(self) -> str:
        while True:
            record = self._file.read_first_record(
                self._limits.max_record_bytes, self.dialect.escapechar
            )
            if record is None:
                if self._blank_lines:
                    raise EmptyFileError("The file contains only blank lines")
                raise EmptyFileError("The file is empty (it holds only a byte-order mark)")
            if record.strip():
                return record.decode("utf-8")
            self._blank_lines += 1

    @property
    def delimiter(self) -> str:
        return self.dialect.delimiter

    @property
    def stats(self) -> SourceStats:
        stream = self._file.stream
        return SourceStats(
            format="csv",
            declared_format=self._declared,
            encoding=stream.encoding,
            bom=stream.bom,
            encoding_evidence=stream.evidence,
            delimiter=self.dialect.delimiter,
            dialect=self.dialect,
            bytes_read=stream.bytes_read,
            replaced_characters=stream.replaced,
            nul_bytes_removed=stream.nul_removed,
            rows=self._rows,
            renamed_columns=self._renamed,
            blank_rows_skipped=self._blank_lines,
            notes=tuple(self._notes),
        )

    def close(self) -> None:
        """Nothing to release (the chunk stream is the caller's)."""

    def _on_invalid_row(self, row: pa_csv.InvalidRow) -> str:
        self._invalid_row = (row.number, row.expected_columns, row.actual_columns, row.text)
        return "error"

    def _ragged_error(self) -> InvalidCsvError:
        assert self._invalid_row is not None
        number, expected, actual, text = self._invalid_row
        snippet = text if len(text) <= 80 else text[:77] + "..."
        if number is None:
            return InvalidCsvError(
                f'A row has {actual:,} fields but the header has {expected:,}: "{snippet}"'
            )
        file_row = number + 1  # pyarrow counts data records from 1; the header is row 1
        return InvalidCsvError(
            f"Row {file_row:,} has {actual:,} fields but the header has {expected:,} "
            f'(rows counted from the header as row 1): "{snippet}"',
            row=file_row,
        )

    def _open(self) -> pa_csv.CSVStreamingReader:
        dialect = self.dialect
        return pa_csv.open_csv(
            self._file,
            read_options=pa_csv.ReadOptions(
                column_names=self.columns,
                block_size=self._block_bytes,
                # Single-threaded: row numbers in errors are only known then, and
                # the profiler is the bottleneck anyway.
                use_threads=False,
            ),
            parse_options=pa_csv.ParseOptions(
                delimiter=dialect.delimiter,
                quote_char=dialect.quotechar,
                double_quote=dialect.doublequote,
                escape_char=dialect.escapechar or False,
                newlines_in_values=True,
                ignore_empty_lines=True,
                invalid_row_handler=self._on_invalid_row,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(self.columns, pa.string()),
                null_values=self._null_values,
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )

    def _batch(self, pieces: list[pa.RecordBatch], rows: int) -> TableBatch:
        table = pa.Table.from_batches(pieces, schema=pieces[0].schema) if pieces else None
        if table is None:
            frame = pd.DataFrame({c: pd.Series([], dtype="str") for c in self.columns})
        else:
            frame = table.to_pandas()
        batch = TableBatch(frame=frame, first_row=self._rows, stats=self.stats)
        self._rows += rows
        return replace(batch, stats=replace(batch.stats, rows=self._rows))

    def __iter__(self) -> Iterator[TableBatch]:
        """Yields batches of exactly ``batch_rows`` rows (fewer for wide
        tables, see :meth:`ReaderLimits.rows_per_batch`; the last may be
        shorter). A header-only file yields one empty batch, so a consumer
        always sees the columns."""
        if self._file.at_end():
            yield self._batch([], 0)
            return
        try:
            reader = self._open()
        except pa.ArrowInvalid as exc:
            if "empty" in str(exc).lower():  # nothing but blank lines after the header
                yield self._batch([], 0)
                return
            raise self._translate(exc) from None
        try:
            yield from self._batches(reader)
        finally:
            reader.close()

    def _batches(self, reader: pa_csv.CSVStreamingReader) -> Iterator[TableBatch]:
        pending: list[pa.RecordBatch] = []
        pending_rows = 0
        yielded = False
        while True:
            try:
                record_batch = reader.read_next_batch()
            except StopIteration:
                break
            except pa.ArrowInvalid as exc:
                raise self._translate(exc) from None
            pending.append(record_batch)
            pending_rows += record_batch.num_rows
            while pending_rows >= self._batch_rows:
                table = pa.Table.from_batches(pending)
                head = table.slice(0, self._batch_rows)
                rest = table.slice(self._batch_rows)
                yield self._batch(head.to_batches(), self._batch_rows)
                yielded = True
                pending = rest.to_batches() if rest.num_rows else []
                pending_rows = rest.num_rows
        pieces = [p for p in pending if p.num_rows]
        unclosed = self._file.quotes % 2 and self.dialect.escapechar is None
        if unclosed and pieces and _last_row_has_newline(pieces[-1]):
            raise InvalidCsvError(
                "The file ends inside a quoted value: a double quote is not closed"
            )
        if pending_rows or not yielded:
            yield self._batch(pieces, pending_rows)

    def _translate(self, exc: pa.ArrowInvalid) -> InvalidCsvError | RecordTooLargeError:
        if self._invalid_row is not None:
            return self._ragged_error()
        message = str(exc)
        if "straddl" in message:
            return RecordTooLargeError(
                f"A row is longer than {self._block_bytes // 1024:,} KiB (or a quoted value is "
                "never closed); rows that long are not supported"
            )
        if "quote" in message.lower() or "end of file" in message.lower():
            return InvalidCsvError(
                "The file ends inside a quoted value: a double quote is not closed"
            )
        return InvalidCsvError(f"The file could not be read as CSV: {message}")


def _last_row_has_newline(batch: pa.RecordBatch) -> bool:
    """Whether a value of the last row spans lines (the parser swallowed the
    rest of the file into one quoted value)."""
    last = batch.slice(batch.num_rows - 1, 1)
    return any(
        value is not None and "\n" in value
        for column in last.columns
        for value in column.to_pylist()
    )


def iter_csv_batches(
    chunks: Iterable[bytes],
    *,
    batch_rows: int = 50_000,
    cancel: Callable[[], bool] | None = None,
    parse_block_bytes: int = PARSE_BLOCK_BYTES,
    limits: ReaderLimits | None = None,
) -> Iterator[TableBatch]:
    """Parses a CSV arriving as byte chunks into batches of string columns.

    Raises :class:`~analysis_service.domain.errors.InputError` subclasses
    (empty file, binary content, too many columns, ragged row, unclosed
    quote) and :class:`AnalysisCancelled` (``cancel()`` returned True; it is
    polled before every chunk is pulled). The header is read when the first
    batch is requested.
    """
    yield from CsvStreamReader(
        chunks,
        batch_rows=batch_rows,
        cancel=cancel,
        parse_block_bytes=parse_block_bytes,
        limits=limits,
    )


__all__ = ["PARSE_BLOCK_BYTES", "CsvDialect", "CsvStreamReader", "iter_csv_batches"]
