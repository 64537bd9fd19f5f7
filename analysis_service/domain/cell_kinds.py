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
  converted to UTC, naive times are taken as UTC);
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
DATETIME_PATTERN = (
    r"^\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$"
)
BOOLEAN_TRUE = ("true", "yes", "t", "y")
BOOLEAN_FALSE = ("false", "no", "f", "n")
INFINITY_POSITIVE = ("inf", "+inf", "infinity", "+infinity")
INFINITY_NEGATIVE = ("-inf", "-infinity")
SPECIAL_PATTERN = r"[^\p{L}\p{N}\s]"
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
    datetime entries.
    """

    codes: npt.NDArray[np.int8]
    numbers: npt.NDArray[np.float64]
    integral: npt.NDArray[np.bool_]
    true: npt.NDArray[np.bool_]
    infinite: npt.NDArray[np.bool_]
    datetime_min: pd.Timestamp | None
    datetime_max: pd.Timestamp | None
    has_time: bool

    @property
    def finite_numeric(self) -> npt.NDArray[np.bool_]:
        return (self.codes == NUMERIC) & ~self.infinite


def _numpy(array: pa.Array | pa.ChunkedArray) -> npt.NDArray[np.bool_]:
    return np.asarray(array.to_numpy(zero_copy_only=False))


def classify(values: pa.Array, tokens: pa.Array | None = None) -> Classified:
    """Classifies every value of a string array without nulls."""
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

    numeric = _numpy(pc.match_substring_regex(trimmed, NUMBER_PATTERN)) & left
    if numeric.any():
        positions = np.flatnonzero(numeric)
        candidates = trimmed.take(pa.array(positions, type=pa.int64()))
        numbers[positions] = _numpy(pc.cast(candidates, pa.float64()))
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

    datetime_min = datetime_max = None
    has_time = False
    if left.any():
        positions = np.flatnonzero(left)
        subset = trimmed.take(pa.array(positions, type=pa.int64()))
        looks = _numpy(pc.match_substring_regex(subset, DATETIME_PATTERN))
        if looks.any():
            matched = subset.filter(pa.array(looks))
            parsed = pd.to_datetime(
                pd.Series(matched.to_pandas(), copy=False),
                format="ISO8601",
                utc=True,
                errors="coerce",
            )
            ok = parsed.notna().to_numpy()
            if ok.any():
                codes[positions[looks][ok]] = DATETIME
                good = parsed[ok]
                datetime_min, datetime_max = good.min(), good.max()
                text_lengths = _numpy(pc.utf8_length(matched))
                has_time = bool((text_lengths[ok] > 10).any())
    return Classified(
        codes=codes,
        numbers=numbers,
        integral=integral,
        true=true,
        infinite=infinite,
        datetime_min=datetime_min,
        datetime_max=datetime_max,
        has_time=has_time,
    )


def has_special_characters(text_values: pa.Array) -> bool:
    """Any value with a character that is not a letter, digit or space."""
    return bool(pc.any(pc.match_substring_regex(text_values, SPECIAL_PATTERN)).as_py())


def has_non_ascii(text_values: pa.Array) -> bool:
    return bool(pc.any(pc.match_substring_regex(text_values, NON_ASCII_PATTERN)).as_py())
