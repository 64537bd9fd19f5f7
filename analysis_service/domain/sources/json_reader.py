"""Streaming JSON: an array of objects, or JSON Lines, as a table.

Parsing
    The text (UTF-8, or UTF-16/32 with a BOM; see :mod:`.text`) is read in
    pieces into a sliding buffer, and each record is decoded on its own with
    ``json.JSONDecoder.raw_decode``, so memory is one record plus a piece,
    never the file. A record cut by the end of the buffer is retried once
    more text is in; a record larger than ``max_record_bytes`` is refused.
    ``[`` at the start means an array of objects; ``{`` means JSON Lines
    (one object per line; pretty-printed objects one after another work
    too). A malformed record fails the file with its line and column: we do
    not skip records silently.

Flattening
    Nested objects become dotted column names (``{"a": {"b": 1}}`` →
    ``a.b``), at most ``json_max_depth`` levels deep; arrays stay one cell,
    as compact JSON text. Values become the text a CSV would hold (see
    :mod:`.cells`): ``null`` is null, ``""`` is an empty string.

Columns known only at the end
    Records may have different keys; the table's columns are their union,
    in order of first appearance, with nulls where a record lacks a key.
    The agents need the columns before the first batch, so the pass is in
    two steps without holding the file: the records are parsed once and
    spooled to an anonymous temporary file as Arrow record batches (each
    with the columns it has), and only then handed out, widened to the
    union. The spool costs local disk about the size of the data, not
    memory; the column limit is checked as soon as a new key appears.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from analysis_service.domain.errors import (
    AnalysisCancelled,
    EmptyFileError,
    InvalidJsonError,
    NestingTooDeepError,
    RecordTooLargeError,
)
from analysis_service.domain.sources.cells import text_of
from analysis_service.domain.sources.headers import check_column_count, unique_names
from analysis_service.domain.sources.model import ReaderLimits, SourceStats, TableBatch
from analysis_service.domain.sources.spool import RecordSpool
from analysis_service.domain.sources.text import DecodedStream

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_COMPACT_AT = 1 << 20
_LINE = "line"  # spooled column with each record's line number
_KIND = {dict: "an object", list: "an array", str: "a string", bool: "true or false"}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return _KIND.get(type(value), type(value).__name__)


class _Records:
    """Decodes top-level records one at a time from a sliding text buffer."""

    def __init__(self, stream: DecodedStream, limits: ReaderLimits) -> None:
        self._stream = stream
        self._limit = limits.max_record_bytes
        self._decoder = json.JSONDecoder()
        self._buf = ""
        self._pos = 0
        self._eof = False
        self._line_pos = 0  # buffer position whose line number is _line_no
        self._line_no = 1
        self.layout = ""

    # -- buffer ---------------------------------------------------------
    def _fill(self) -> bool:
        if self._eof:
            return False
        piece = self._stream.read()
        if piece is None:
            self._eof = True
            return False
        if self._pos > _COMPACT_AT:
            self.line_at(self._pos)
            self._buf = self._buf[self._pos :]
            self._line_pos -= self._pos
            self._pos = 0
        self._buf += piece.decode("utf-8")
        return True

    def line_at(self, pos: int) -> int:
        """1-based line of buffer position ``pos`` (never before the last asked)."""
        if pos > self._line_pos:
            self._line_no += self._buf.count("\n", self._line_pos, pos)
            self._line_pos = pos
        return self._line_no

    def _column_at(self, pos: int) -> int:
        return pos - (self._buf.rfind("\n", 0, pos) + 1) + 1

    def _skip_whitespace(self) -> str:
        """Skips whitespace; the next character, "" at the end."""
        while True:
            self._pos = _WHITESPACE.match(self._buf, self._pos).end()  # type: ignore[union-attr]
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._fill():
                return ""

    # -- records ---------------------------------------------------------
    def _decode(self, number: int) -> tuple[Any, int]:
        start = self._pos
        line = self.line_at(start)
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as exc:
                incomplete = exc.msg.startswith("Unterminated string") or (
                    len(self._buf) - exc.pos <= 16
                )
                if incomplete and not self._eof:
                    if len(self._buf) - start > self._limit:
                        raise self._too_large(number, line) from None
                    if self._fill():
                        start = self._pos
                        continue
                raise self._malformed(exc, number, line) from None
            except RecursionError:
                raise NestingTooDeepError(
                    f"Record {number:,} (line {line:,}) is nested more than a thousand levels "
                    "deep; a table can only be made of records nested a few levels deep",
                    row=line,
                ) from None
            if end - start > self._limit:
                raise self._too_large(number, line)
            self._pos = end
            return value, line

    def _too_large(self, number: int, line: int) -> RecordTooLargeError:
        return RecordTooLargeError(
            f"Record {number:,} (line {line:,}) is larger than "
            f"{self._limit / (1024 * 1024):,.0f} MiB; records that large are not supported",
            row=line,
        )

    def _malformed(self, exc: json.JSONDecodeError, number: int, start: int) -> InvalidJsonError:
        pos = min(exc.pos, len(self._buf))
        line, column = self.line_at(pos), self._column_at(pos)
        if self.layout == "lines":
            return InvalidJsonError(
                f"Line {start:,} is not valid JSON: {exc.msg} (at line {line:,}, column "
                f"{column:,}). Fix or remove that line: every line of a JSON Lines file must be "
                "one complete JSON object",
                row=start,
            )
        return InvalidJsonError(
            f"Record {number:,} of the JSON array (starting on line {start:,}) is not valid "
            f"JSON: {exc.msg} (at line {line:,}, column {column:,})",
            row=line,
        )

    def _expect_object(self, value: Any, number: int, line: int) -> dict[str, Any]:
        if isinstance(value, dict):
            return value
        where = "line" if self.layout == "lines" else "record"
        place = f"Line {line:,}" if where == "line" else f"Record {number:,} (line {line:,})"
        raise InvalidJsonError(
            f"{place} is {_kind(value)}, not an object; each record must be an object such "
            'as {"name": "Ada", "born": 1815}',
            row=line,
        )

    def __iter__(self) -> Iterator[tuple[dict[str, Any], int]]:
        first = self._skip_whitespace()
        if first == "[":
            self.layout = "array"
            yield from self._array()
        elif first == "{":
            self.layout = "lines"
            yield from self._lines()
        elif first == "":
            raise EmptyFileError("The file contains only whitespace")
        else:
            raise InvalidJsonError(
                "The JSON file does not start with [ (an array of objects) or { (JSON Lines)",
                row=self.line_at(self._pos),
            )

    def _array(self) -> Iterator[tuple[dict[str, Any], int]]:
        self._pos += 1
        number = 0
        if self._skip_whitespace() == "]":
            self._pos += 1
        else:
            while True:
                number += 1
                self._skip_whitespace()
                value, line = self._decode(number)
                yield self._expect_object(value, number, line), line
                following = self._skip_whitespace()
                self._pos += 1
                if following == ",":
                    continue
                if following == "]":
                    break
                line = self.line_at(self._pos - 1)
                found = f"'{following}'" if following else "the end of the file"
                raise InvalidJsonError(
                    f"The JSON is malformed at line {line:,}, column "
                    f"{self._column_at(self._pos - 1):,}: expected ',' or ']' after record "
                    f"{number:,}, found {found}",
                    row=line,
                )
        if self._skip_whitespace():
            line = self.line_at(self._pos)
            raise InvalidJsonError(
                f"Unexpected data after the end of the JSON array, at line {line:,}; the file "
                "must hold one array",
                row=line,
            )

    def _lines(self) -> Iterator[tuple[dict[str, Any], int]]:
        number = 0
        while self._skip_whitespace():
            number += 1
            value, line = self._decode(number)
            yield self._expect_object(value, number, line), line


def _flatten(record: dict[str, Any], max_depth: int, line: int) -> dict[str, str | None]:
    """Nested objects as dotted names, in order; iterative (no recursion)."""
    flat: dict[str, str | None] = {}
    stack: list[tuple[str, Iterator[tuple[str, Any]]]] = [("", iter(record.items()))]
    while stack:
        prefix, items = stack[-1]
        for key, value in items:
            name = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict) and value:
                if len(stack) >= max_depth:
                    raise NestingTooDeepError(
                        f"The record on line {line:,} nests objects more than {max_depth:,} "
                        "levels deep; flatten the data, or keep deep structures inside arrays",
                        row=line,
                    )
                stack.append((name, iter(value.items())))
                break
            if isinstance(value, list) and _too_deep(value, max_depth - len(stack)):
                raise NestingTooDeepError(
                    f"The record on line {line:,} nests arrays more than {max_depth:,} levels deep",
                    row=line,
                )
            flat[name] = None if isinstance(value, dict) else text_of(value)
        else:
            stack.pop()
    return flat


def _too_deep(value: list[Any], budget: int) -> bool:
    level: list[Any] = [value]
    while level:
        budget -= 1
        if budget < 0:
            return True
        level = [
            child
            for item in level
            for child in (item if isinstance(item, list) else item.values())
            if isinstance(child, list | dict)
        ]
    return False


class JsonReader:
    """Parses and spools on construction (so :attr:`columns` is the union of
    every record's keys), then iterates :class:`TableBatch` es."""

    def __init__(
        self,
        stream: DecodedStream,
        *,
        batch_rows: int = 50_000,
        limits: ReaderLimits | None = None,
        declared_format: str = "",
        work_dir: Path | None = None,
        cancel: Callable[[], bool] | None = None,
    ) -> None:
        self._limits = limits or ReaderLimits()
        self._stream = stream
        self._declared = declared_format
        self._cancel = cancel
        self._spool = RecordSpool(work_dir, self._limits.spool_max_bytes)
        self._rows = 0
        try:
            self._layout, names, self._records = self._parse(batch_rows)
        except BaseException:
            self._spool.close()
            raise
        if not names:
            self._spool.close()
            raise EmptyFileError("The JSON file holds no records (or only empty objects)")
        self.columns, self._renamed = unique_names(names)
        self._batch_rows = self._limits.rows_per_batch(batch_rows, len(self.columns))

    def _parse(self, batch_rows: int) -> tuple[str, list[str], int]:
        records = _Records(self._stream, self._limits)
        union: dict[str, int] = {}
        rows: list[dict[str, str | None]] = []
        lines: list[int] = []
        count = 0
        limit = self._limits.max_columns
        for record, line in records:
            flat = _flatten(record, self._limits.json_max_depth, line)
            for key in flat:
                if key not in union:
                    union[key] = len(union)
                    check_column_count(len(union), limit, exact=False)
            rows.append(flat)
            lines.append(line)
            count += 1
            if len(rows) >= self._limits.rows_per_batch(batch_rows, len(union)):
                self._spool_rows(rows, lines, union)
                rows, lines = [], []
        if rows:
            self._spool_rows(rows, lines, union)
        return records.layout, list(union), count

    def _spool_rows(
        self, rows: list[dict[str, str | None]], lines: list[int], union: dict[str, int]
    ) -> None:
        present: dict[str, None] = {}
        for row in rows:
            present.update(dict.fromkeys(row))
        names = [str(union[key]) for key in present]
        arrays = [pa.array([row.get(key) for row in rows], type=pa.string()) for key in present]
        arrays.append(pa.array(lines, type=pa.int64()))
        self._spool.append(pa.RecordBatch.from_arrays(arrays, names=[*names, _LINE]))

    @property
    def stats(self) -> SourceStats:
        stream = self._stream
        return SourceStats(
            format="json",
            declared_format=self._declared,
            encoding=stream.encoding,
            bom=stream.bom,
            encoding_evidence=stream.evidence,
            bytes_read=stream.bytes_read,
            replaced_characters=stream.replaced,
            nul_bytes_removed=stream.nul_removed,
            rows=self._rows,
            renamed_columns=self._renamed,
            json_layout=self._layout,
        )

    def close(self) -> None:
        self._spool.close()

    def _widen(self, batch: pa.RecordBatch) -> tuple[pa.Table, np.ndarray]:
        n = batch.num_rows
        have = dict(zip(batch.schema.names, batch.columns, strict=True))
        arrays = [have.get(str(i), pa.nulls(n, pa.string())) for i in range(len(self.columns))]
        lines = have[_LINE].to_numpy(zero_copy_only=False)
        return pa.Table.from_arrays(arrays, names=self.columns), lines

    def _batch(self, table: pa.Table, lines: np.ndarray) -> TableBatch:
        if self._cancel is not None and self._cancel():
            raise AnalysisCancelled()
        batch = TableBatch(
            frame=table.to_pandas(),
            first_row=self._rows,
            stats=self.stats,
            source_rows=lines.astype(np.int64),
        )
        self._rows += table.num_rows
        return replace(batch, stats=replace(batch.stats, rows=self._rows))

    def __iter__(self) -> Iterator[TableBatch]:
        size = self._batch_rows
        pending: list[pa.Table] = []
        pending_lines: list[np.ndarray] = []
        pending_rows = 0
        try:
            for spooled in self._spool:
                table, lines = self._widen(spooled)
                pending.append(table)
                pending_lines.append(lines)
                pending_rows += table.num_rows
                while pending_rows >= size:
                    joined = pa.concat_tables(pending)
                    all_lines = np.concatenate(pending_lines)
                    yield self._batch(joined.slice(0, size), all_lines[:size])
                    rest = joined.slice(size)
                    pending = [rest] if rest.num_rows else []
                    pending_lines = [all_lines[size:]] if rest.num_rows else []
                    pending_rows = rest.num_rows
            if pending_rows:
                yield self._batch(pa.concat_tables(pending), np.concatenate(pending_lines))
        finally:
            self.close()
