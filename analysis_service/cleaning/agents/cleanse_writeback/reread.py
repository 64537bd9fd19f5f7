"""The streaming re-read of the REAL written outputs (csv module, one row
at a time; nothing is loaded whole).

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
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analysis_service.cleaning.agents.cleanse_writeback.duplicates import (
    DuplicateCount,
    DuplicateCounter,
    row_digest,
)
from analysis_service.cleaning.agents.cleanse_writeback.values import (
    TypeTracker,
    as_float,
    problem,
)
from analysis_service.cleaning.dates import standardize_date
from analysis_service.cleaning.model import QUARANTINE_COLUMNS
from analysis_service.domain.sources import NA_TOKENS

#: Examples kept per column and per kind of problem.
MAX_EXAMPLES = 5
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


def _delimiter(path: Path, expected: Sequence[str]) -> tuple[str, bool]:
    """The delimiter whose header row equals ``expected`` (else a comma)."""
    for delimiter in _DELIMITERS:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            header = next(csv.reader(fh, delimiter=delimiter), [])
        if header == list(expected):
            return delimiter, True
    return ",", False


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

    def add(self, pos: int, value: str) -> None:
        data = value.encode("utf-8", "surrogatepass")
        self.hasher.update(len(data).to_bytes(8, "little") + data)
        if value in _NULL:
            self.nulls += 1
            return
        self.types.add(value)
        status = standardize_date(value, "dmy", "%Y-%m-%d").status
        if status != "not_a_date":
            self.date_shaped += 1
            if status == "invalid":
                self.invalid_dates += 1
                if len(self.invalid_date_examples) < MAX_EXAMPLES:
                    self.invalid_date_examples.append((pos, value))
        if self.types.float64:
            number = as_float(value)
            if number is not None and not math.isfinite(number):
                self.non_finite += 1
                if len(self.non_finite_examples) < MAX_EXAMPLES:
                    self.non_finite_examples.append((pos, value))
        if self.target is not None:
            why = problem(self.target, value)
            if why is not None:
                self.failures += 1
                if len(self.failure_examples) < MAX_EXAMPLES:
                    self.failure_examples.append((pos, value, why))


@dataclass
class CleanedScan:
    header: list[str]
    header_matches: bool
    rows: int = 0
    ragged_rows: int = 0
    ragged_examples: list[int] = field(default_factory=list)
    columns: dict[str, ColumnScan] = field(default_factory=dict)
    duplicates: DuplicateCount | None = None

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
) -> CleanedScan:
    delimiter, matches = _delimiter(path, expected_columns)
    counter = DuplicateCounter() if count_duplicates else None
    with _large_fields(), path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        header = next(reader, [])
        scan = CleanedScan(header=header, header_matches=matches)
        scans = [ColumnScan(name, targets.get(name)) for name in header]
        scan.columns = {s.name: s for s in scans}
        width = len(header)
        for pos, row in enumerate(reader):
            if len(row) != width:
                scan.ragged_rows += 1
                if len(scan.ragged_examples) < MAX_EXAMPLES:
                    scan.ragged_examples.append(pos)
                row = (row + [""] * width)[:width]
            if counter is not None:
                counter.add(row_digest(row))
            for column, value in zip(scans, row, strict=True):
                column.add(pos, value)
            scan.rows += 1
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
    delimiter, matches = _delimiter(path, expected)
    at = len(original_columns)
    seen = bytearray((max(rows_in, 0) >> 3) + 1)
    with _large_fields(), path.open(newline="", encoding="utf-8-sig") as fh:
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
