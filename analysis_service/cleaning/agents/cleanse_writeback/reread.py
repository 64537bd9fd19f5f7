"""The streaming re-read of the REAL written outputs (nothing is loaded
whole): the cleaned CSV through Arrow's reader, column by column
(:mod:`.arrow_reread`), or, when Arrow cannot read a file exactly as the
csv module does, with the csv module, row by row; the quarantine CSV with
the csv module.

Cleaned CSV, per column: nulls (an empty field, the chain's null, or a
pandas NA token, as the input's null count read them), the dtype it
re-reads as (:class:`~.values.TypeTracker`), values that parse as a number
but are NaN or infinite, the values that do not round-trip to the column's
type-fixer target (counted, first examples kept), date-shaped values that
are no real date, a blake2b hash of the column's values in order; per row:
its 16-byte digest for the duplicate count (:mod:`.duplicates`) and
whether it has as many fields as the header.

Quarantine CSV: its rows, and each ``_row_number`` checked against a bit
set of the input's rows (1 bit per input row: distinct and within
1..rows_in), counted per ``_agent``.

Memory: O(columns) for the cleaned file plus the duplicate counter (16
bytes per row, see :mod:`.duplicates`); rows_in / 8 bytes for the
quarantine bit set. The dialect is found by matching the header the chain
wrote (comma, semicolon, tab or pipe).
"""

from __future__ import annotations

import csv
import hashlib
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from analysis_service.cleaning.agents.cleanse_writeback.arrow_reread import scan_blocks
from analysis_service.cleaning.agents.cleanse_writeback.duplicates import (
    DuplicateCount,
    DuplicateCounter,
    row_digest,
)
from analysis_service.cleaning.agents.cleanse_writeback.values import (
    MAX_EXAMPLES,
    TypeTracker,
    all_ints,
    date_shape,
    is_non_finite,
    problem,
)
from analysis_service.cleaning.model import QUARANTINE_COLUMNS
from analysis_service.domain.sources import NA_TOKENS

#: Rows read before the columns are scanned (memory: this many rows' text).
CHUNK_ROWS = 4096
_UTF8, _RAW = "utf-8", "surrogatepass"
_DELIMITERS = (",", ";", "\t", "|")
#: What re-reads as null: an empty field (the chain's null) or a token
#: pandas and our reader take for null, as the input's null count did.
_NULL = frozenset(NA_TOKENS)


@contextmanager
def _large_fields() -> Iterator[None]:
    """The chain writes cells of any size; the csv module refuses fields
    above 128 KiB by default (restored afterwards)."""
    old = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _open(path: Path) -> IO[str]:
    """Text as the chain wrote it (UTF-8; undecodable bytes kept as
    surrogates, so a file in another encoding is still counted)."""
    return path.open(newline="", encoding="utf-8-sig", errors="surrogateescape")


def _delimiter(path: Path, expected: Sequence[str]) -> tuple[str, bool, list[str]]:
    """The delimiter whose header row equals ``expected`` (else a comma),
    whether one did, and the header it reads."""
    by_comma: list[str] = []
    with _large_fields():
        for delimiter in _DELIMITERS:
            with _open(path) as fh:
                header = next(csv.reader(fh, delimiter=delimiter), [])
            if header == list(expected):
                return delimiter, True, header
            if delimiter == ",":
                by_comma = header
    return ",", False, by_comma


@dataclass
class ColumnScan:
    name: str
    target: str | None = None
    nulls: int = 0
    types: TypeTracker = field(default_factory=TypeTracker)
    non_finite: int = 0
    non_finite_examples: list[tuple[int, str]] = field(default_factory=list)
    failures: int = 0
    failure_examples: list[tuple[int, str, str]] = field(default_factory=list)
    date_shaped: int = 0  # values shaped like a day/month/year date
    invalid_dates: int = 0  # ... that are no real date (2024-02-30)
    invalid_date_examples: list[tuple[int, str]] = field(default_factory=list)
    hasher: Any = field(default_factory=lambda: hashlib.blake2b(digest_size=16))

    def add_chunk(self, start: int, values: Sequence[str]) -> None:
        """Consecutive values of the column, the first at data row ``start``."""
        self.hasher.update("".join([f"{len(v)}:{v}" for v in values]).encode(_UTF8, _RAW))
        present = [v for v in values if v not in _NULL]
        self.nulls += len(values) - len(present)
        if not present:
            return
        self.types.add_many(present)
        shapes = [date_shape(v) for v in present]
        shaped = [s for s in shapes if s is not None]
        self.date_shaped += len(shaped)
        if not all(shaped):
            self.invalid_dates += shaped.count(False)
            self._examples(start, values, lambda v: date_shape(v) is False, "no such date")
        if self.types.float64 and any(map(is_non_finite, present)):
            self.non_finite += sum(map(is_non_finite, present))
            self._examples(start, values, is_non_finite, "not finite (NaN or infinity)")
        if self.target is not None:
            target = self.target
            if target == "integer" and all_ints(present):
                return
            failing = sum(1 for v in present if problem(target, v) is not None)
            if failing:
                self.failures += failing
                self._target_examples(start, values)

    def finish(self) -> None:
        """NaN and infinities count as failures only in a column whose every
        value re-reads as a number (counted while it still did)."""
        if not self.types.float64:
            self.non_finite = 0
            self.non_finite_examples.clear()

    def _examples(
        self, start: int, values: Sequence[str], hit: Callable[[str], bool], why: str
    ) -> None:
        kept = self.invalid_date_examples if why == "no such date" else self.non_finite_examples
        for i, v in enumerate(values):
            if len(kept) >= MAX_EXAMPLES:
                return
            if v not in _NULL and hit(v):
                kept.append((start + i, v))

    def _target_examples(self, start: int, values: Sequence[str]) -> None:
        assert self.target is not None
        for i, v in enumerate(values):
            if len(self.failure_examples) >= MAX_EXAMPLES:
                return
            why = problem(self.target, v) if v not in _NULL else None
            if why is not None:
                self.failure_examples.append((start + i, v, why))


@dataclass
class CleanedScan:
    header: list[str]
    header_matches: bool
    rows: int = 0
    ragged_rows: int = 0
    ragged_examples: list[int] = field(default_factory=list)
    columns: dict[str, ColumnScan] = field(default_factory=dict)
    duplicates: DuplicateCount | None = None
    reader: str = "csv"  # which reader re-read the file: "arrow" or "csv"

    @property
    def dtypes(self) -> dict[str, str]:
        return {c: s.types.dtype for c, s in self.columns.items()}

    @property
    def column_hashes(self) -> dict[str, str]:
        return {c: s.hasher.hexdigest() for c, s in self.columns.items()}


def scan_cleaned(
    path: Path,
    expected_columns: Sequence[str],
    targets: Mapping[str, str],
    *,
    count_duplicates: bool,
    use_arrow: bool = True,
) -> CleanedScan:
    """The cleaned file's facts; ``use_arrow=False`` forces the csv module
    (``reader`` says which one read it)."""
    delimiter, matches, header = _delimiter(path, expected_columns)
    scan = CleanedScan(header=header, header_matches=matches, reader="arrow")
    counter = DuplicateCounter() if count_duplicates else None
    scans = [ColumnScan(name, targets.get(name)) for name in header]
    rows = scan_blocks(path, delimiter, header, scans, counter) if use_arrow else None
    if rows is None:
        scan = _scan_rows(path, delimiter, matches, targets, count_duplicates)
    else:
        scan.columns = {s.name: s for s in scans}
        scan.rows = rows
        if counter is not None:
            scan.duplicates = counter.finish()
    for column in scan.columns.values():
        column.finish()
    return scan


def _scan_rows(
    path: Path,
    delimiter: str,
    matches: bool,
    targets: Mapping[str, str],
    count_duplicates: bool,
) -> CleanedScan:
    """The csv-module re-read (any file the csv module can read)."""
    counter = DuplicateCounter() if count_duplicates else None
    with (
        _large_fields(),
        path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as fh,
    ):
        reader = csv.reader(fh, delimiter=delimiter)
        header = next(reader, [])
        scan = CleanedScan(header=header, header_matches=matches)
        scans = [ColumnScan(name, targets.get(name)) for name in header]
        scan.columns = {s.name: s for s in scans}
        width = len(header)
        while True:
            chunk = list(itertools.islice(reader, CHUNK_ROWS))
            if not chunk:
                break
            start = scan.rows
            for i, row in enumerate(chunk):
                if len(row) != width:
                    scan.ragged_rows += 1
                    if len(scan.ragged_examples) < MAX_EXAMPLES:
                        scan.ragged_examples.append(start + i)
                    chunk[i] = (row + [""] * width)[:width]
                if counter is not None:
                    counter.add(row_digest(chunk[i]))
            for column, values in zip(scans, zip(*chunk, strict=True), strict=False):
                column.add_chunk(start, values)
            scan.rows += len(chunk)
    if counter is not None:
        scan.duplicates = counter.finish()
    return scan


@dataclass
class QuarantineScan:
    header_matches: bool
    rows: int = 0
    bad_numbers: int = 0  # not an integer
    out_of_range: int = 0  # outside 1..rows_in
    repeated: int = 0  # a row number seen before
    examples: list[str] = field(default_factory=list)
    by_agent: dict[str, int] = field(default_factory=dict)

    @property
    def row_numbers_ok(self) -> bool:
        return not (self.bad_numbers or self.out_of_range or self.repeated)


def scan_quarantine(path: Path, original_columns: Sequence[str], rows_in: int) -> QuarantineScan:
    expected = [*original_columns, *QUARANTINE_COLUMNS]
    delimiter, matches, _ = _delimiter(path, expected)
    at = len(original_columns)
    seen = bytearray((max(rows_in, 0) >> 3) + 1)
    with (
        _large_fields(),
        path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as fh,
    ):
        reader = csv.reader(fh, delimiter=delimiter)
        next(reader, None)
        scan = QuarantineScan(header_matches=matches)
        for row in reader:
            scan.rows += 1
            number_text = row[at] if len(row) > at else ""
            agent = row[at + 1] if len(row) > at + 1 else ""
            scan.by_agent[agent] = scan.by_agent.get(agent, 0) + 1
            try:
                number = int(number_text)
            except ValueError:
                scan.bad_numbers += 1
                _example(scan, f"_row_number {number_text!r} is not an integer")
                continue
            if not 1 <= number <= rows_in:
                scan.out_of_range += 1
                _example(scan, f"_row_number {number} is outside 1..{rows_in}")
                continue
            byte, bit = divmod(number - 1, 8)
            if seen[byte] >> bit & 1:
                scan.repeated += 1
                _example(scan, f"_row_number {number} appears more than once")
                continue
            seen[byte] |= 1 << bit
    return scan


def _example(scan: QuarantineScan, text: str) -> None:
    if len(scan.examples) < MAX_EXAMPLES:
        scan.examples.append(text)
