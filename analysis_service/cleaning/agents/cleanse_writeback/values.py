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

#: type-fixer target types and the check that verifies each
NUMERIC_TARGETS = ("integer", "float", "boolean")
DATETIME_TARGETS = ("datetime",)

_INT = re.compile(r"[+-]?\d+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INT64 = 2**63
_BOOL_WORDS = frozenset({"true", "false", "yes", "no", "t", "f", "y", "n", "1", "0"})
_POLARS_BOOL = frozenset({"true", "false"})


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
        return None if text.strip().lower() in _BOOL_WORDS else "not a boolean"
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
        self.non_null += 1
        if self.int64 and not is_int(text):
            self.int64 = False
        if self.float64 and as_float(text) is None:
            self.float64 = False
        if self.boolean and text.lower() not in _POLARS_BOOL:
            self.boolean = False
        if self.date and not is_iso_date(text):
            self.date = False
        if self.datetime and not is_iso_datetime(text):
            self.datetime = False

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
