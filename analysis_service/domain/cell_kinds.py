"""What a single cell looks like: the classification behind type inference.

Every non-null, non-blank value is classified once (after trimming
whitespace) into exactly one *kind*:

* numeric: ``[+-]digits[.digits][e±digits]`` (scientific notation
  included, thousands separators and currency signs not); "integral" when
  it is ``[+-]digits`` only. Infinities are numeric too: ``inf``,
  ``infinity`` (any case, optional sign) and numbers that overflow float64
  (``1e999``), which is how pandas reads them; they are counted apart
  (``infinite``) and take no part in moments or quantiles;
* boolean: true/false/yes/no/t/f/y/n in any case (``0``/``1`` are numbers,
  never booleans);
* datetime: ISO-8601-like ``YYYY-MM-DD`` with an optional ``T``/space time,
  fraction and zone, that pandas also parses (ISO8601 format; zones are
  converted to UTC, naive times are taken as UTC); ``YYYY/MM/DD`` and
  ``YYYY.MM.DD``; and ``DD/MM/YYYY`` or ``MM/DD/YYYY`` (separator ``/``
  ``.`` or ``-``, the same twice, four-digit years) when the value is a
  real date in at least one of the two orders. Which order a value allows
  is recorded (day first only: 13/04/2024; month first only: 04/13/2024;
  either: 03/04/2024), so the column's convention is decided from all its
  values and ambiguity is reported, never guessed;
* text: everything else.

Whitespace-only values are *blank* and take no part in type evidence.

:func:`classify` works on any string array; the profiler passes each batch's
distinct values (its dictionary), so the regular expressions and the date
parser run once per distinct value, not once per row. A transform pass
(type-fixer) can call it the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

INT_PATTERN = r"^[+-]?\d+$"
NUMBER_PATTERN = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
#: The same with a decimal comma (CSV sources whose reader decided ``decimal=","``):
#: ``3,14`` is then the number 3.14 while the cell keeps its text.
NUMBER_PATTERN_DECIMAL_COMMA = r"^[+-]?(?:\d+,?\d*|,\d+)(?:[eE][+-]?\d+)?$"


def number_pattern(decimal: str = ".") -> str:
    """The numeric pattern for a source's decimal separator."""
    return NUMBER_PATTERN if decimal == "." else NUMBER_PATTERN_DECIMAL_COMMA


def as_float64(texts: pa.Array, decimal: str = ".") -> pa.Array:
    """Casts numeric-looking texts (already matched by :func:`number_pattern`)
    to float64, honouring the decimal separator."""
    if decimal != ".":
        texts = pc.replace_substring(texts, decimal, ".")
    return pc.cast(texts, pa.float64())


DATETIME_PATTERN = (
    r"^\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$"
)
BOOLEAN_TRUE = ("true", "yes", "t", "y")
BOOLEAN_FALSE = ("false", "no", "f", "n")
INFINITY_POSITIVE = ("inf", "+inf", "infinity", "+infinity")
INFINITY_NEGATIVE = ("-inf", "-infinity")
YMD_PATTERN = r"^(?P<y>\d{4})(?P<s1>[/.])(?P<m>\d{1,2})(?P<s2>[/.])(?P<d>\d{1,2})$"
DAY_MONTH_PATTERN = r"^(?P<a>\d{1,2})(?P<s1>[/.-])(?P<b>\d{1,2})(?P<s2>[/.-])(?P<y>\d{4})$"
SPECIAL_PATTERN = r"[^\p{L}\p{N}\s]"
#: Text a spreadsheet program may run as a formula when the CSV is opened
#: (CSV injection, OWASP): it starts with =, +, -, @, a tab or a carriage return.
FORMULA_START_PATTERN = r"^[=+\-@\t\r]"
NON_ASCII_PATTERN = r"[^\x00-\x7f]"
_TOKENS = (*BOOLEAN_TRUE, *BOOLEAN_FALSE, *INFINITY_POSITIVE, *INFINITY_NEGATIVE)
_LONGEST_TOKEN = max(len(t) for t in _TOKENS)
_TRUE_END = len(BOOLEAN_TRUE)
_BOOL_END = _TRUE_END + len(BOOLEAN_FALSE)
_POS_INF_END = _BOOL_END + len(INFINITY_POSITIVE)


class Kind(Enum):
    """What a single cell looks like."""

    NUMERIC = "numeric"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    TEXT = "text"


#: Kinds by code (the code of a value is its kind's index; BLANK after them).
KINDS: tuple[Kind, ...] = (Kind.NUMERIC, Kind.BOOLEAN, Kind.DATETIME, Kind.TEXT)
NUMERIC, BOOLEAN, DATETIME, TEXT, BLANK = range(5)


def token_set() -> pa.Array:
    """The short tokens looked up per value (booleans, then infinities)."""
    return pa.array(list(_TOKENS), type=pa.large_string())


@dataclass(frozen=True)
class Classified:
    """The kind of each value, and what the kind tells about it.

    ``codes`` (int8) index :data:`KINDS`, or are :data:`BLANK`;
    ``numbers`` is the float64 value of numeric entries (±inf for
    infinities, NaN elsewhere); ``integral``, ``true`` and ``infinite``
    are masks; ``datetime_min``/``max`` and ``has_time`` describe the
    unambiguous (year-first) datetime entries. Day/month dates: the masks
    ``day_first`` (a real date only as DD/MM), ``month_first`` (only as
    MM/DD) and ``either_order``, and the range of the entries valid in each
    order (``dmy_*``, ``mdy_*``).
    """

    codes: npt.NDArray[np.int8]
    numbers: npt.NDArray[np.float64]
    integral: npt.NDArray[np.bool_]
    true: npt.NDArray[np.bool_]
    infinite: npt.NDArray[np.bool_]
    datetime_min: pd.Timestamp | None
    datetime_max: pd.Timestamp | None
    has_time: bool
    day_first: npt.NDArray[np.bool_]
    month_first: npt.NDArray[np.bool_]
    either_order: npt.NDArray[np.bool_]
    dmy_range: tuple[pd.Timestamp, pd.Timestamp] | None = None
    mdy_range: tuple[pd.Timestamp, pd.Timestamp] | None = None

    @property
    def finite_numeric(self) -> npt.NDArray[np.bool_]:
        return (self.codes == NUMERIC) & ~self.infinite


def _numpy(array: pa.Array | pa.ChunkedArray) -> npt.NDArray[np.bool_]:
    return np.asarray(array.to_numpy(zero_copy_only=False))


def classify(values: pa.Array, tokens: pa.Array | None = None, decimal: str = ".") -> Classified:
    """Classifies every value of a string array without nulls (``decimal``:
    the source's decimal separator, see :func:`number_pattern`)."""
    k = len(values)
    tokens = tokens if tokens is not None else token_set()
    trimmed = pc.utf8_trim_whitespace(values)
    lengths = _numpy(pc.utf8_length(trimmed))
    codes = np.full(k, TEXT, dtype=np.int8)
    numbers = np.full(k, np.nan, dtype=np.float64)
    integral = np.zeros(k, dtype=bool)
    true = np.zeros(k, dtype=bool)
    infinite = np.zeros(k, dtype=bool)
    blank = lengths == 0
    codes[blank] = BLANK
    left = ~blank

    numeric = _numpy(pc.match_substring_regex(trimmed, number_pattern(decimal))) & left
    if numeric.any():
        positions = np.flatnonzero(numeric)
        candidates = trimmed.take(pa.array(positions, type=pa.int64()))
        numbers[positions] = _numpy(as_float64(candidates, decimal))
        integral[positions] = _numpy(pc.match_substring_regex(candidates, INT_PATTERN))
        overflow = positions[~np.isfinite(numbers[positions])]
        infinite[overflow] = True
        integral[overflow] = False
        codes[positions] = NUMERIC
        left &= ~numeric

    short = left & (lengths <= _LONGEST_TOKEN)
    if short.any():
        positions = np.flatnonzero(short)
        lowered = pc.utf8_lower(trimmed.take(pa.array(positions, type=pa.int64())))
        index = _numpy(pc.index_in(lowered, value_set=tokens)).astype(np.float64)
        hit = ~np.isnan(index)
        found, where = positions[hit], index[hit].astype(np.int64)
        is_bool = where < _BOOL_END
        codes[found[is_bool]] = BOOLEAN
        true[found[is_bool & (where < _TRUE_END)]] = True
        inf = found[~is_bool]
        codes[inf] = NUMERIC
        infinite[inf] = True
        numbers[inf] = np.where(where[~is_bool] < _POS_INF_END, np.inf, -np.inf)
        left[found] = False

    dates = _Dates(k)
    if left.any():
        dates.iso(trimmed, left, codes)
    if left.any():
        dates.year_first(trimmed, left, codes)
    if left.any():
        dates.day_month(trimmed, left, codes)
    return Classified(
        codes=codes,
        numbers=numbers,
        integral=integral,
        true=true,
        infinite=infinite,
        datetime_min=dates.low,
        datetime_max=dates.high,
        has_time=dates.has_time,
        day_first=dates.day_first,
        month_first=dates.month_first,
        either_order=dates.either,
        dmy_range=dates.dmy_range,
        mdy_range=dates.mdy_range,
    )


def _range(parsed: pd.Series) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    good = parsed.dropna()
    return (good.min(), good.max()) if len(good) else None


def _from_parts(
    year: npt.NDArray[np.int64], month: npt.NDArray[np.int64], day: npt.NDArray[np.int64]
) -> pd.Series:
    """Dates from parts (NaT where the parts are not a real date), in UTC."""
    return pd.to_datetime(
        pd.DataFrame({"year": year, "month": month, "day": day}), errors="coerce"
    ).dt.tz_localize("UTC")


def _parts(
    matched: pa.Array, pattern: str, names: tuple[str, ...]
) -> tuple[npt.NDArray[np.bool_], list[npt.NDArray[np.int64]]]:
    parts = pc.extract_regex(matched, pattern)
    same_separator = _numpy(pc.equal(parts.field("s1"), parts.field("s2")))
    numbers = [_numpy(pc.cast(parts.field(n), pa.int64())).astype(np.int64) for n in names]
    return same_separator, numbers


class _Dates:
    """The date checks of :func:`classify`, in order: ISO, then year-first
    with slashes or dots, then day/month orders. Each marks what it
    recognises in ``codes`` and removes it from ``left``."""

    def __init__(self, k: int) -> None:
        self.low: pd.Timestamp | None = None
        self.high: pd.Timestamp | None = None
        self.has_time = False
        self.day_first = np.zeros(k, dtype=bool)
        self.month_first = np.zeros(k, dtype=bool)
        self.either = np.zeros(k, dtype=bool)
        self.dmy_range: tuple[pd.Timestamp, pd.Timestamp] | None = None
        self.mdy_range: tuple[pd.Timestamp, pd.Timestamp] | None = None

    def _widen(self, found: tuple[pd.Timestamp, pd.Timestamp] | None) -> None:
        if found is not None:
            low, high = found
            self.low = low if self.low is None else min(self.low, low)
            self.high = high if self.high is None else max(self.high, high)

    @staticmethod
    def _candidates(
        trimmed: pa.Array, left: npt.NDArray[np.bool_], pattern: str
    ) -> tuple[npt.NDArray[np.intp], pa.Array] | None:
        positions = np.flatnonzero(left)
        subset = trimmed.take(pa.array(positions, type=pa.int64()))
        looks = _numpy(pc.match_substring_regex(subset, pattern))
        if not looks.any():
            return None
        return positions[looks], subset.filter(pa.array(looks))

    def iso(
        self, trimmed: pa.Array, left: npt.NDArray[np.bool_], codes: npt.NDArray[np.int8]
    ) -> None:
        found = self._candidates(trimmed, left, DATETIME_PATTERN)
        if found is None:
            return
        positions, matched = found
        parsed = pd.to_datetime(
            pd.Series(matched.to_pandas(), copy=False), format="ISO8601", utc=True, errors="coerce"
        )
        ok = parsed.notna().to_numpy()
        if ok.any():
            codes[positions[ok]] = DATETIME
            left[positions[ok]] = False
            self._widen(_range(parsed))
            self.has_time = bool((_numpy(pc.utf8_length(matched))[ok] > 10).any())

    def year_first(
        self, trimmed: pa.Array, left: npt.NDArray[np.bool_], codes: npt.NDArray[np.int8]
    ) -> None:
        found = self._candidates(trimmed, left, YMD_PATTERN)
        if found is None:
            return
        positions, matched = found
        same, (year, month, day) = _parts(matched, YMD_PATTERN, ("y", "m", "d"))
        parsed = _from_parts(year, month, day)
        ok = parsed.notna().to_numpy() & same
        if ok.any():
            codes[positions[ok]] = DATETIME
            left[positions[ok]] = False
            self._widen(_range(parsed[ok]))

    def day_month(
        self, trimmed: pa.Array, left: npt.NDArray[np.bool_], codes: npt.NDArray[np.int8]
    ) -> None:
        found = self._candidates(trimmed, left, DAY_MONTH_PATTERN)
        if found is None:
            return
        positions, matched = found
        same, (a, b, year) = _parts(matched, DAY_MONTH_PATTERN, ("a", "b", "y"))
        dmy = _from_parts(year, b, a)
        mdy = _from_parts(year, a, b)
        as_dmy = dmy.notna().to_numpy() & same
        as_mdy = mdy.notna().to_numpy() & same
        ok = as_dmy | as_mdy
        if not ok.any():
            return
        codes[positions[ok]] = DATETIME
        left[positions[ok]] = False
        self.day_first[positions[as_dmy & ~as_mdy]] = True
        self.month_first[positions[as_mdy & ~as_dmy]] = True
        self.either[positions[as_dmy & as_mdy]] = True
        self.dmy_range = _range(dmy[as_dmy])
        self.mdy_range = _range(mdy[as_mdy])


def has_special_characters(text_values: pa.Array) -> bool:
    """Any value with a character that is not a letter, digit or space."""
    return bool(pc.any(pc.match_substring_regex(text_values, SPECIAL_PATTERN)).as_py())


def formula_like(values: pa.Array) -> npt.NDArray[np.bool_]:
    """Per value: would a spreadsheet program read it as a formula?"""
    matched = pc.match_substring_regex(values, FORMULA_START_PATTERN)
    return np.asarray(matched.to_numpy(zero_copy_only=False), dtype=bool)


def has_non_ascii(text_values: pa.Array) -> bool:
    return bool(pc.any(pc.match_substring_regex(text_values, NON_ASCII_PATTERN)).as_py())
