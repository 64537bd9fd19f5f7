"""How a re-read text value round-trips to a type (no pandas: one value
at a time, as the streaming re-read sees it).

* integer: optional sign and digits, within int64;
* float: Python's ``float`` syntax without underscores; NaN and infinities
  parse but are not finite (the numeric check fails them);
* boolean: true/false, yes/no, t/f, y/n, 1/0 (any case);
* datetime: ISO 8601 (``datetime.fromisoformat``) or a valid day/month/year
  date in the shared convention (:mod:`analysis_service.cleaning.dates`).

:class:`TypeTracker` infers the dtype name a column re-reads as
("Int64", "Float64", "Boolean", "Date", "Datetime", "String"; Polars'
names, which upstream reports), from every non-null value.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime

from analysis_service.cleaning.dates import standardize_date

#: Examples kept per column and per kind of problem.
MAX_EXAMPLES = 5
#: type-fixer target types and the check that verifies each
NUMERIC_TARGETS = ("integer", "float", "boolean")
DATETIME_TARGETS = ("datetime",)

_INT = re.compile(r"[+-]?\d+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: a day/month/year or year-month-day shape (dates.py's two forms)
_DATE_SHAPE = re.compile(
    r"\s*(?:(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})|(\d{1,2})([-/.])(\d{1,2})\5(\d{4}))\s*"
)
_NON_FINITE = re.compile(r"\s*[+-]?(?:nan|inf|infinity)\s*", re.IGNORECASE)
_INT64 = 2**63
#: what a boolean target accepts (trimmed, any case), and what Polars reads as Boolean
BOOL_WORDS = frozenset({"true", "false", "yes", "no", "t", "f", "y", "n", "1", "0"})
POLARS_BOOL = frozenset({"true", "false"})


def as_float(text: str) -> float | None:
    if "_" in text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def is_int(text: str) -> bool:
    t = text.strip()
    return bool(_INT.fullmatch(t)) and abs(int(t)) < _INT64


#: many integers at once: each field short enough to be within int64
_INTS = re.compile(r"(?:[+-]?\d{1,18}\x00)*")


def all_ints(values: list[str]) -> bool:
    """Whether every value :func:`is_int` (one regex over the joined values
    when they are plain short integers, else value by value)."""
    joined = "\x00".join(values)
    if joined.count("\x00") == len(values) - 1 and _INTS.fullmatch(joined + "\x00"):
        return True
    return all(map(is_int, values))


def is_iso_date(text: str) -> bool:
    if not _ISO_DATE.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def is_iso_datetime(text: str) -> bool:
    if len(text) <= 10:
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def is_datetime(text: str) -> bool:
    t = text.strip()
    try:
        datetime.fromisoformat(t)
        return True
    except ValueError:
        pass
    return standardize_date(t, "dmy", "%Y-%m-%d").status in ("converted", "unchanged")


def is_non_finite(text: str) -> bool:
    """A NaN or infinity spelling Python's ``float`` accepts."""
    return _NON_FINITE.fullmatch(text) is not None


def _real(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def date_shape(text: str) -> bool | None:
    """None: not shaped like a date; else whether it is a real date under
    some reading (day/month order does not matter for that)."""
    m = _DATE_SHAPE.fullmatch(text)
    if m is None:
        return None
    if m.group(1):
        return _real(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    a, b, year = int(m.group(4)), int(m.group(6)), int(m.group(7))
    return _real(year, b, a) or _real(year, a, b)


def problem(target: str, text: str) -> str | None:
    """Why ``text`` does not round-trip to ``target`` (None: it does)."""
    if target == "integer":
        return None if is_int(text) else "not an integer"
    if target == "float":
        number = as_float(text)
        if number is None:
            return "not a number"
        return None if math.isfinite(number) else "not finite (NaN or infinity)"
    if target == "boolean":
        return None if text.strip().lower() in BOOL_WORDS else "not a boolean"
    if target == "datetime":
        return None if is_datetime(text) else "not a date or datetime"
    return None


@dataclass
class TypeTracker:
    """Which dtypes every non-null value of a column still fits."""

    non_null: int = 0
    int64: bool = True
    float64: bool = True
    boolean: bool = True
    date: bool = True
    datetime: bool = True

    def add(self, text: str) -> None:
        self.add_many([text])

    def add_many(self, values: list[str]) -> None:
        """Non-null values (a flag, once false, is never tested again)."""
        self.non_null += len(values)
        if self.int64:
            self.int64 = all_ints(values)
        if self.float64:
            self.float64 = all(as_float(v) is not None for v in values)
        if self.boolean:
            self.boolean = all(v.lower() in POLARS_BOOL for v in values)
        if self.date:
            self.date = all(map(is_iso_date, values))
        if self.datetime:
            self.datetime = all(map(is_iso_datetime, values))

    @property
    def dtype(self) -> str:
        if not self.non_null:
            return "String"
        for flag, name in (
            (self.int64, "Int64"),
            (self.float64, "Float64"),
            (self.boolean, "Boolean"),
            (self.date, "Date"),
            (self.datetime, "Datetime"),
        ):
            if flag:
                return name
        return "String"
