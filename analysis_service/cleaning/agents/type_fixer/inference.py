"""type-fixer's evidence: what one value parses as, and its canonical text.

Every non-null value (surrounding whitespace ignored) falls in one class
(digits are ASCII digits: "٣" is text, as for the Arrow fast path):

* ``INT``: signed digits ("42", "-7", "+3");
* ``INTEGRAL``: a whole number written as a decimal or with an exponent
  ("1.0", "2.50e1", "1e3") that fits int64 (beyond it, "1e20" is a float);
* ``FLOAT``: any other finite decimal ("3.14", "-.5", "6.02e23"); values
  beyond float64's range ("1e400") and "inf"/"nan" are ``OTHER``;
* ``BOOL``: true/false/yes/no in any case (single letters such as "y" or
  "F" are not booleans: they are often codes);
* ``DATE``: a date or date-time whose reading is certain: year first
  (2024-03-04), a day/month part above 12 (25/03/2024) or day == month;
  an optional time "HH:MM[:SS[.f]]" with an optional offset ("Z", "+01:00")
  after "T" or a space;
* ``DATE_DM``: a day/month date with both parts <= 12 and different
  (03/04/2024): its reading depends on the column (cleaning/dates.py);
* ``NA``: a missing-value spelling of pandas' list (NA_TOKENS: "NA",
  "N/A", "null", "nan" ...; the cleaning reader keeps them as text): not a
  value of any type, never converted, never a mismatch (null-handler's);
* ``OTHER``: everything else (text, 31/02/2024, "1,5", "N°3").

Thousands separators: "1,234" / "1,234.5" (first group 1-3 digits, then
groups of 3) are numbers *only if the column is consistent*: no number of
four or more integer digits in the column is written without them
(``long_plain``). Otherwise the grouped values are reported, not read.

Numbers are parsed with :class:`~decimal.Decimal` (exact): canonical integer
text is the integer's digits ("1.0" -> "1", "+5" -> "5", "1,234" -> "1234");
canonical float text is the value as written, only whitespace and thousands
separators removed ("1e3" stays "1e3": every reader parses it, so rewriting
it would only change how it looks). A digit string with a leading zero
("02134", "007"), or a "+" followed by :data:`PHONE_DIGITS` or more digits
("+41791234567", a phone number), or beyond int64 (a 20-digit identifier:
no integer type holds it), marks its column as a code column.

Canonical date: ``YYYY-MM-DD``; with a time ``YYYY-MM-DDTHH:MM:SS`` (hour
padded, ":00" seconds added when absent, a fraction kept as written, an
offset written "Z" or "+HH:MM"). Booleans: ``true`` / ``false``.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis_service.cleaning.dates import standardize_date
from analysis_service.domain.sources import NA_TOKENS

#: The canonical date format (ISO 8601).
ISO_DATE = "%Y-%m-%d"
#: Integers of this magnitude or more do not fit int64 (what readers convert to).
INT64 = 2**63
#: A "+" followed by this many digits or more is a phone number, not a number.
PHONE_DIGITS = 7
#: Integers beyond this magnitude lose digits in a float64 reader.
EXACT_INTEGER = 2**53
#: Floats with more significant digits than this lose digits in a float64 reader.
EXACT_FLOAT_DIGITS = 15

NA_SPELLINGS = frozenset(t for t in NA_TOKENS if t)
TRUE_WORDS = frozenset({"true", "yes"})
FALSE_WORDS = frozenset({"false", "no"})

_INT = re.compile(r"[+-]?\d+", re.ASCII)
_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_DECIMAL = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+)", re.ASCII)
_GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d*)?", re.ASCII)
_LEADING_DIGITS = re.compile(r"\d*", re.ASCII)
_DATE_HEAD = re.compile(r"(\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4})(?:(?:T|\s+)(.+))?", re.ASCII)
_TIME = re.compile(
    r"(\d{1,2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?", re.ASCII
)


#: Fast paths, matched vectorised on a whole batch: values whose reading is
#: known without looking at them one by one. A canonical integer of at most
#: 15 digits, and a canonical decimal of at most 15 digits whose last
#: fraction digit is not 0 (so not whole): INT / FLOAT, nothing to rewrite
#: for the integer and float targets, no leading zero, exact in float64.
FAST_INT = r"(?:0|-?[1-9][0-9]{0,14})"
FAST_FLOAT = r"-?(?:0|[1-9][0-9]*)\.[0-9]*[1-9]"
FAST_FLOAT_DIGITS = 15
#: Fast values with four or more integer digits (``long_plain``).
FAST_LONG = r"-?[0-9]{4}"


def text_array(values: pd.Series) -> pa.Array:
    """A text column as one Arrow array (nulls kept)."""
    arr = pa.array(values.array) if isinstance(values.dtype, pd.StringDtype) else None
    if arr is None:
        objs = values.to_numpy(dtype=object)
        arr = pa.array([None if pd.isna(v) else str(v) for v in objs], type=pa.large_string())
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _full(arr: pa.Array, pattern: str) -> npt.NDArray[np.bool_]:
    found = pc.fill_null(pc.match_substring_regex(arr, f"^(?:{pattern})$"), False)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)


def fast_numbers(values: pd.Series) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """(fast INT, fast FLOAT) masks of a batch of non-null text values."""
    arr = text_array(values)
    ints = _full(arr, FAST_INT)
    floats = _full(arr, FAST_FLOAT)
    if floats.any():
        # a fast float is ASCII: its digits are its bytes but "." and a "-"
        digits = pc.subtract(pc.binary_length(arr), 1).to_numpy(zero_copy_only=False)
        negative = pc.fill_null(pc.starts_with(arr, "-"), False).to_numpy(zero_copy_only=False)
        digits = np.where(negative, digits - 1, digits)
        floats &= digits <= FAST_FLOAT_DIGITS
    return ints, floats


class Cls(StrEnum):
    INT = "integer"
    INTEGRAL = "integral_float"
    FLOAT = "float"
    BOOL = "boolean"
    DATE = "datetime"
    DATE_DM = "day_month_date"
    NA = "missing_placeholder"
    OTHER = "other"


class Reading(NamedTuple):
    """What one value is; the texts are its canonical forms (a tuple:
    millions are made per pass)."""

    cls: Cls
    grouped: bool = False  # written with thousands separators
    code_like: bool = False  # "0..." with more than one digit, or "+" and PHONE_DIGITS digits
    long_plain: bool = False  # four or more integer digits, no separators
    imprecise: bool = False  # a float64 reader would lose digits
    int_text: str = ""  # INT / INTEGRAL
    float_text: str = ""  # INT / INTEGRAL / FLOAT
    bool_text: str = ""  # BOOL
    date_part: str = ""  # DATE / DATE_DM: the date as written
    time_text: str = ""  # DATE / DATE_DM: canonical "THH:MM:SS[.f][offset]" or ""
    date_text: str = ""  # DATE: canonical date-time

    def canonical(self, target: str, order: str | None) -> str | None:
        """The value's text as ``target`` (None: it is not one, or a
        day/month date whose ``order`` is unknown)."""
        if target == "integer" and self.cls in (Cls.INT, Cls.INTEGRAL):
            return self.int_text
        if target == "float" and self.cls in (Cls.INT, Cls.INTEGRAL, Cls.FLOAT):
            return self.float_text
        if target == "boolean" and self.cls is Cls.BOOL:
            return self.bool_text
        if target == "datetime" and self.cls is Cls.DATE:
            return self.date_text
        if target == "datetime" and self.cls is Cls.DATE_DM and order is not None:
            result = standardize_date(self.date_part, order, ISO_DATE)
            if result.status in ("converted", "unchanged"):
                return result.value + self.time_text
        return None


_OTHER = Reading(Cls.OTHER)
_NA = Reading(Cls.NA)


def _beyond_int64(digits: str) -> bool:
    """``digits`` (no sign, no leading zeros) is a magnitude int64 cannot hold."""
    return len(digits) > 19 or (len(digits) == 19 and int(digits) >= INT64)


def read(value: str) -> Reading:
    """The class and canonical texts of one non-null value."""
    v = value.strip()
    if not v:
        return _OTHER
    if v in NA_SPELLINGS:
        return _NA
    low = v.lower()
    if low in TRUE_WORDS or low in FALSE_WORDS:
        return Reading(Cls.BOOL, bool_text="true" if low in TRUE_WORDS else "false")
    return _number(v) or _date(v) or _OTHER


class Reader:
    """:func:`read` with a bounded memo (values repeat across batches)."""

    def __init__(self, cap: int = 256) -> None:
        self.cap = cap
        self.memo: dict[str, Reading] = {}

    def __call__(self, value: str) -> Reading:
        found = self.memo.get(value)
        if found is None:
            found = read(value)
            if len(self.memo) < self.cap:
                self.memo[value] = found
        return found


def _int_reading(text: str, grouped: bool) -> Reading:
    """Signed digits (no int() of the whole text: any length is fine)."""
    digits = text.lstrip("+-")
    stripped = digits.lstrip("0") or "0"
    negative = text.startswith("-") and stripped != "0"
    return Reading(
        Cls.INT,
        grouped=grouped,
        code_like=(len(digits) > 1 and digits[0] == "0")
        or (not grouped and text.startswith("+") and len(digits) >= PHONE_DIGITS)
        or _beyond_int64(stripped),
        long_plain=not grouped and len(digits) >= 4,
        imprecise=len(stripped) > 16 or (len(stripped) == 16 and int(stripped) > EXACT_INTEGER),
        int_text=("-" if negative else "") + stripped,
        float_text=text,
    )


def _decimal_reading(text: str, grouped: bool) -> Reading:
    """A decimal without exponent ("12.50", "-.5"), read from its digits."""
    sign = "-" if text.startswith("-") else ""
    whole, _, fraction = text.lstrip("+-").partition(".")
    significant = (whole + fraction).lstrip("0").rstrip("0")
    stripped = whole.lstrip("0")
    if len(stripped) > 308:
        return _OTHER  # beyond float64
    integral = fraction.strip("0") == "" and not _beyond_int64(stripped)
    return Reading(
        Cls.INTEGRAL if integral else Cls.FLOAT,
        grouped=grouped,
        code_like=len(whole) > 1 and whole[0] == "0",
        long_plain=not grouped and len(whole) >= 4,
        imprecise=len(stripped) >= 16 and int(stripped) > EXACT_INTEGER
        if integral
        else len(significant) > EXACT_FLOAT_DIGITS,
        int_text=((sign if stripped else "") + (stripped or "0")) if integral else "",
        float_text=text,
    )


def _number(v: str) -> Reading | None:
    if _INT.fullmatch(v):
        return _int_reading(v, False)
    if _DECIMAL.fullmatch(v):
        return _decimal_reading(v, False)
    if _GROUPED.fullmatch(v):
        text = v.replace(",", "")
        return _decimal_reading(text, True) if "." in text else _int_reading(text, True)
    if not _PLAIN.fullmatch(v):
        return None
    d = Decimal(v)  # an exponent: rare, exact
    if not math.isfinite(float(d)):
        return _OTHER
    whole = _LEADING_DIGITS.match(v.lstrip("+-"))
    digits = whole.group() if whole else ""
    cls, int_text, imprecise = Cls.FLOAT, "", False
    if d == d.to_integral_value() and d.adjusted() < 19 and abs(int(d)) < INT64:
        i = int(d)
        cls, int_text, imprecise = Cls.INTEGRAL, str(i), abs(i) > EXACT_INTEGER
    else:
        imprecise = len(d.normalize().as_tuple().digits) > EXACT_FLOAT_DIGITS
    return Reading(
        cls,
        code_like=len(digits) > 1 and digits[0] == "0",
        long_plain=len(digits) >= 4,
        imprecise=imprecise,
        int_text=int_text,
        float_text=v,
    )


def _time(text: str) -> str | None:
    m = _TIME.fullmatch(text)
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2))
    second = m.group(3) or "00"
    if hour > 23 or minute > 59 or int(second) > 59:
        return None
    offset = m.group(5) or ""
    if offset and offset != "Z":
        hh, mm = offset[1:3], offset[3:].lstrip(":") or "00"
        if int(hh) > 14 or int(mm) > 59:
            return None
        offset = f"{offset[0]}{hh}:{mm}"
    return f"T{hour:02d}:{minute:02d}:{second}{m.group(4) or ''}{offset}"


def _date(v: str) -> Reading | None:
    m = _DATE_HEAD.fullmatch(v)
    if not m:
        return None
    part, rest = m.group(1), m.group(2)
    time_text = ""
    if rest is not None:
        parsed = _time(rest.strip())
        if parsed is None:
            return None
        time_text = parsed
    result = standardize_date(part, None, ISO_DATE)
    if result.status == "ambiguous":
        return Reading(Cls.DATE_DM, date_part=part, time_text=time_text)
    if result.status in ("converted", "unchanged"):
        return Reading(
            Cls.DATE, date_part=part, time_text=time_text, date_text=result.value + time_text
        )
    return None
