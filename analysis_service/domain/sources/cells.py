"""Typed values (JSON, Excel) as the text the agents see, and back.

Every reader hands out string columns, so that a value reaches the profile
the same way whatever the format: a JSON or Excel number becomes the text a
CSV of the same data would hold (``12``, ``3.5``, ``1e+20``), a boolean
``true``/``false``, a date ``2024-01-31`` (a date-time ``2024-01-31
10:30:00``), and the profile infers numbers and dates from that text just as
it does for CSV. Nulls stay nulls.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from analysis_service.domain.sources.model import NA_TOKENS

_NA = frozenset(NA_TOKENS)


def text_of(value: Any, *, na_tokens: bool = False) -> str | None:
    """The canonical text of one typed value (None for a null).

    ``na_tokens``: a string equal to one of pandas' NA tokens (``N/A``,
    ``#N/A``, ``NULL``...) is a null, as a CSV reader would make it; used
    for spreadsheet cells, not for JSON strings (JSON has ``null``).
    """
    if value is None:
        return None
    if isinstance(value, str):
        if na_tokens and value in _NA:
            return None
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return _duration(value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _duration(value: dt.timedelta) -> str:
    """``[-]H:MM:SS[.ffffff]`` with hours unbounded (Excel's [h]:mm:ss)."""
    total = value.total_seconds()
    sign = "-" if total < 0 else ""
    seconds = abs(total)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    whole = int(secs)
    fraction = f"{secs - whole:.6f}"[1:].rstrip("0").rstrip(".")
    return f"{sign}{int(hours)}:{int(minutes):02d}:{whole:02d}{fraction}"


def to_float64(values: pa.Array, decimal: str = ".") -> npt.NDArray[np.float64]:
    """Numbers written as text to float64, honouring the decimal separator
    a CSV reader decided (:attr:`SourceStats.decimal`); NaN where a value
    does not parse. For agents that need the numbers of a column."""
    if decimal != ".":
        values = pc.replace_substring(values, decimal, ".")
    result = np.full(len(values), np.nan)
    valid = pc.match_substring_regex(
        pc.utf8_trim_whitespace(values), r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
    )
    mask = pc.fill_null(valid, False).to_numpy(zero_copy_only=False).astype(bool)
    if mask.any():
        picked = pc.utf8_trim_whitespace(values.filter(pa.array(mask)))
        result[mask] = pc.cast(picked, pa.float64()).to_numpy(zero_copy_only=False)
    return result
