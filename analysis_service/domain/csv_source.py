"""Incremental CSV reading from a stream of byte chunks.

The file arrives as an iterator of raw chunks (about 1 MiB each, straight
from object storage) and may be several GB, so nothing here ever holds the
whole file: memory is about one batch of ``batch_rows`` rows plus one parse
block plus one chunk.

Parser choice
    The chunks are wrapped in a read-only file object and parsed by
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
    34 parse blocks are buffered ahead of the batch being handed out (as
    Python bytes objects: pyarrow wraps what ``read`` returns without a
    copy). That is a constant, independent of the file size: with the
    default 256 KiB block about 9 MiB (1 MiB blocks: about 36 MiB, 64 KiB:
    about 2 MiB). The block size also bounds the longest row (a row may
    span at most two blocks); parsing is a small share of the pass, so the
    smaller block costs little (about 2% at 1M rows).

Header
    The first record is parsed here (not by the parser) so that empty and
    duplicate column names can be refused with their names instead of being
    silently renamed. A header longer than 1 MiB is refused.

Delimiter
    Sniffed from the header line only: the candidate among ``,`` ``;`` tab
    and ``|`` that occurs most often outside quotes wins; ties go to that
    order, and a header without any of them (one column) means comma. The
    header is the one line where every field is a name, so the count is a
    reliable signal and costs nothing; ``csv.Sniffer`` on data rows is slower
    and is fooled by commas inside free text.

Nulls
    A field is null (NA) when it is one of pandas' default NA tokens
    (:data:`NA_TOKENS`: the empty field, ``NA``, ``N/A``, ``null``, ``NaN``,
    ``None``, ``#N/A`` ...), quoted or not, exactly as ``pandas.read_csv``
    does by default. Whitespace-only fields are *not* null; the profiler
    reports them as empty strings. Blank lines are skipped, as pandas does.

Encoding
    UTF-8, with a leading byte-order mark removed. If the first 64 KiB are
    not valid UTF-8 the whole stream is read as Windows-1252 (the usual
    encoding of CSVs exported by Excel on Windows, which otherwise become
    garbage). If the start was valid UTF-8 but an invalid byte sequence
    turns up later, each bad sequence becomes U+FFFD and is counted in
    :attr:`CsvStats.replaced_characters`; in cp1252 mode the five undefined
    bytes are replaced and counted the same way. We never fail on encoding:
    the report warns instead, with the count, so the user knows the values
    with U+FFFD were damaged in the source, not by us.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from analysis_service.domain.errors import AnalysisCancelled, InvalidCsvError

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

DELIMITER_CANDIDATES: tuple[str, ...] = (",", ";", "\t", "|")
MAX_HEADER_BYTES = 1024 * 1024
ENCODING_SAMPLE_BYTES = 64 * 1024
PARSE_BLOCK_BYTES = 256 * 1024
_BOM = b"\xef\xbb\xbf"
_REPLACEMENT_UTF8 = "\ufffd".encode()


@dataclass(frozen=True)
class CsvStats:
    """What the reader found out about the file so far (a snapshot)."""

    encoding: str = "utf-8"
    bom: bool = False
    delimiter: str = ","
    bytes_read: int = 0
    replaced_characters: int = 0
    rows: int = 0


@dataclass(frozen=True)
class CsvBatch:
    """One batch of consecutive data rows.

    ``frame`` has one ``str``-dtype column per header name, in file order;
    nulls are NA (see the module docstring for which tokens). ``first_row``
    is the 0-based index of the batch's first data row (header excluded), so
    row ``first_row + i`` of the file is ``frame.iloc[i]``. ``stats`` is the
    reader's state when the batch was cut (``bytes_read`` is cumulative, for
    progress; it runs ahead of the rows by at most one parse block).
    """

    frame: pd.DataFrame
    first_row: int
    stats: CsvStats

    @property
    def bytes_read(self) -> int:
        return self.stats.bytes_read

    @property
    def num_rows(self) -> int:
        return len(self.frame)


def _split_incomplete_tail(data: bytes) -> tuple[bytes, bytes]:
    """Splits off a UTF-8 sequence cut by the chunk boundary, if any.

    Looks at most 3 bytes back for a lead byte whose sequence needs more
    bytes than are present; those bytes wait for the next chunk.
    """
    end = len(data)
    for back in range(1, min(3, end) + 1):
        byte = data[end - back]
        if byte & 0xC0 == 0x80:  # continuation byte: keep looking for the lead
            continue
        if byte >= 0xC0:
            need = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            if need > back:
                return data[: end - back], data[end - back :]
        break
    return data, b""


class _TranscodingStream(io.RawIOBase):
    """Read-only file object over the chunk iterator, emitting valid UTF-8.

    It also strips the BOM, detects the encoding, counts replacements, counts
    raw bytes consumed and polls ``cancel`` before pulling every chunk.
    """

    def __init__(self, chunks: Iterable[bytes], cancel: Callable[[], bool] | None) -> None:
        super().__init__()
        self._chunks = iter(chunks)
        self._cancel = cancel
        self._buffer = memoryview(b"")
        self._tail = b""
        self._exhausted = False
        self.encoding = "utf-8"
        self.bom = False
        self.bytes_read = 0
        self.replaced = 0
        self.quotes = 0  # double quotes seen (header included): odd at EOF = unclosed
        self._pending_raw: list[bytes] = []
        self._detect_encoding()

    # -- raw input -------------------------------------------------------
    def _next_raw(self) -> bytes | None:
        if self._exhausted:
            return None
        while True:
            if self._cancel is not None and self._cancel():
                raise AnalysisCancelled()
            try:
                chunk = next(self._chunks)
            except StopIteration:
                self._exhausted = True
                return None
            if chunk:
                data = bytes(chunk)
                self.bytes_read += len(data)
                return data

    def _detect_encoding(self) -> None:
        """Reads up to 64 KiB, strips a BOM and chooses utf-8 or cp1252."""
        total = 0
        while total < ENCODING_SAMPLE_BYTES:
            raw = self._next_raw()
            if raw is None:
                break
            self._pending_raw.append(raw)
            total += len(raw)
        sample = b"".join(self._pending_raw)[:ENCODING_SAMPLE_BYTES]
        if sample.startswith(_BOM):
            self.bom = True
            joined = b"".join(self._pending_raw)[len(_BOM) :]
            self._pending_raw = [joined] if joined else []
            return  # a UTF-8 BOM is proof enough
        body, _ = _split_incomplete_tail(sample)
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            self.encoding = "cp1252"

    def _decode(self, raw: bytes, final: bool) -> bytes:
        if self.encoding == "cp1252":
            text = raw.decode("cp1252", errors="replace")
            self.replaced += text.count("\ufffd") - raw.count(_REPLACEMENT_UTF8)
            return text.encode("utf-8")
        data = self._tail + raw
        if final:
            body, self._tail = data, b""
        else:
            body, self._tail = _split_incomplete_tail(data)
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            text = body.decode("utf-8", errors="replace")
            # A genuine U+FFFD in the source is valid UTF-8; do not count it.
            self.replaced += text.count("\ufffd") - body.count(_REPLACEMENT_UTF8)
            return text.encode("utf-8")
        return body

    def _refill(self) -> bool:
        """Loads the next decoded piece into the buffer; False at the end."""
        while True:
            raw = self._pending_raw.pop(0) if self._pending_raw else self._next_raw()
            if raw is None:
                if not self._tail:
                    return False
                decoded = self._decode(b"", final=True)
            else:
                decoded = self._decode(raw, final=False)
            if decoded:
                self.quotes += decoded.count(b'"')
                self._buffer = memoryview(decoded)
                return True

    def at_end(self) -> bool:
        """True when no data is left (pulls the next chunk to find out)."""
        return not self._buffer and not self._refill()

    # -- io.RawIOBase ----------------------------------------------------
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

    def read_first_record(self, limit: int) -> bytes | None:
        """Consumes and returns the first record (the header) without its
        line terminator; None if the stream is empty. A newline inside
        double quotes does not end the record."""
        collected = bytearray()
        search_from = 0
        while True:
            newline = collected.find(b"\n", search_from)
            while newline >= 0 and collected.count(b'"', 0, newline) % 2:
                newline = collected.find(b"\n", newline + 1)
            if newline >= 0:
                rest = bytes(collected[newline + 1 :]) + bytes(self._buffer)
                self._buffer = memoryview(rest)
                return bytes(collected[:newline]).rstrip(b"\r")
            if len(collected) > limit:
                raise InvalidCsvError(
                    "The first line of the file is longer than 1 MiB: it does not look like a "
                    "CSV header row (or the file has no line breaks)"
                )
            search_from = len(collected)
            if not self._buffer and not self._refill():
                return bytes(collected).rstrip(b"\r") if collected else None
            collected += self._buffer
            self._buffer = memoryview(b"")


def sniff_delimiter(header_line: str) -> str:
    """The candidate delimiter occurring most often outside quotes."""
    counts = dict.fromkeys(DELIMITER_CANDIDATES, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITER_CANDIDATES, key=lambda d: counts[d])  # first wins ties
    return best if counts[best] else ","


def parse_header(header_line: str, delimiter: str) -> list[str]:
    """Column names of the header, refusing empty and duplicate names."""
    names = next(csv.reader([header_line], delimiter=delimiter, quotechar='"'))
    empty = [i + 1 for i, name in enumerate(names) if not name.strip()]
    if empty:
        where = ", ".join(f"{i:,}" for i in empty[:10])
        noun = "column" if len(empty) == 1 else "columns"
        raise InvalidCsvError(
            f"The header row has an empty name for {noun} {where}; every column needs a name",
            row=1,
        )
    seen: dict[str, int] = {}
    for name in names:
        seen[name] = seen.get(name, 0) + 1
    duplicates = [name for name, count in seen.items() if count > 1]
    if duplicates:
        listed = ", ".join(f'"{name}"' for name in duplicates[:10])
        raise InvalidCsvError(
            f"The header row repeats the column name(s) {listed}; column names must be unique",
            row=1,
        )
    return names


class CsvStreamReader:
    """Reads the header on construction, then iterates :class:`CsvBatch` es.

    Use :func:`iter_csv_batches` unless you need ``columns`` or ``stats``
    before the first batch.
    """

    def __init__(
        self,
        chunks: Iterable[bytes],
        *,
        batch_rows: int = 50_000,
        cancel: Callable[[], bool] | None = None,
        parse_block_bytes: int = PARSE_BLOCK_BYTES,
    ) -> None:
        if batch_rows < 1:
            raise ValueError("batch_rows must be positive")
        self._batch_rows = batch_rows
        self._block_bytes = parse_block_bytes
        self._stream = _TranscodingStream(chunks, cancel)
        header = self._stream.read_first_record(MAX_HEADER_BYTES)
        if header is None or not header.strip():
            if header is None and self._stream.bytes_read <= len(_BOM):
                raise InvalidCsvError("The file is empty")
            raise InvalidCsvError(
                "The first line of the file is empty; it must be a header row with the "
                "column names",
                row=1,
            )
        header_text = header.decode("utf-8")
        self.delimiter = sniff_delimiter(header_text)
        self.columns = parse_header(header_text, self.delimiter)
        self._invalid_row: tuple[int | None, int, int, str] | None = None
        self._rows = 0

    @property
    def stats(self) -> CsvStats:
        return CsvStats(
            encoding=self._stream.encoding,
            bom=self._stream.bom,
            delimiter=self.delimiter,
            bytes_read=self._stream.bytes_read,
            replaced_characters=self._stream.replaced,
            rows=self._rows,
        )

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
        return pa_csv.open_csv(
            self._stream,
            read_options=pa_csv.ReadOptions(
                column_names=self.columns,
                block_size=self._block_bytes,
                # Single-threaded: row numbers in errors are only known then, and
                # the profiler is the bottleneck anyway.
                use_threads=False,
            ),
            parse_options=pa_csv.ParseOptions(
                delimiter=self.delimiter,
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=True,
                ignore_empty_lines=True,
                invalid_row_handler=self._on_invalid_row,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(self.columns, pa.string()),
                null_values=list(NA_TOKENS),
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )

    def _batch(self, pieces: list[pa.RecordBatch], rows: int) -> CsvBatch:
        table = pa.Table.from_batches(pieces, schema=pieces[0].schema) if pieces else None
        if table is None:
            frame = pd.DataFrame({c: pd.Series([], dtype="str") for c in self.columns})
        else:
            frame = table.to_pandas()
        batch = CsvBatch(frame=frame, first_row=self._rows, stats=self.stats)
        self._rows += rows
        return replace(batch, stats=replace(batch.stats, rows=self._rows))

    def __iter__(self) -> Iterator[CsvBatch]:
        """Yields batches of exactly ``batch_rows`` rows (the last may be
        shorter). A header-only file yields one empty batch, so a consumer
        always sees the columns."""
        if self._stream.at_end():
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

    def _batches(self, reader: pa_csv.CSVStreamingReader) -> Iterator[CsvBatch]:
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
        if self._stream.quotes % 2 and pieces and _last_row_has_newline(pieces[-1]):
            raise InvalidCsvError(
                "The file ends inside a quoted value: a double quote is not closed"
            )
        if pending_rows or not yielded:
            yield self._batch(pieces, pending_rows)

    def _translate(self, exc: pa.ArrowInvalid) -> InvalidCsvError:
        if self._invalid_row is not None:
            return self._ragged_error()
        message = str(exc)
        if "straddl" in message:
            return InvalidCsvError(
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
) -> Iterator[CsvBatch]:
    """Parses a CSV arriving as byte chunks into batches of string columns.

    Raises :class:`InvalidCsvError` (empty file, bad header, ragged row,
    unclosed quote) and :class:`AnalysisCancelled` (``cancel()`` returned
    True; it is polled before every chunk is pulled). The header is read
    when the first batch is requested. ``parse_block_bytes`` trades the
    read-ahead memory (about 34 blocks) against the longest row supported.
    """
    yield from CsvStreamReader(
        chunks, batch_rows=batch_rows, cancel=cancel, parse_block_bytes=parse_block_bytes
    )
