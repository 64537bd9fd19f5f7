"""How quarantine-agent reads values: blanks, types, numbers, RE2 matches
(one batch at a time, vectorised on Arrow; the value conventions are in
:mod:`.checks`). :data:`TYPE_TESTS` are the reference per-value tests; the
vectorised :func:`type_hits` agrees with them (tests/unit/cleaning)."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis_service.cleaning.agents.quarantine_agent.rules import (
    BOOLEAN_WORDS,
    INTEGER_TEXT,
    NUMBER_TEXT,
    NUMERIC_TYPES,
    QUOTED_CHARS,
)
from analysis_service.cleaning.dates import standardize_date

Mask = npt.NDArray[np.bool_]


def quote(value: str) -> str:
    text = value if len(value) <= QUOTED_CHARS else value[: QUOTED_CHARS - 1] + "…"
    return "'" + text.replace("\n", "\\n") + "'"


def fmt_number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def as_number(text: str) -> float | None:
    v = text.strip()
    if not NUMBER_TEXT.fullmatch(v):
        return None
    x = float(v)
    return x if math.isfinite(x) else None


def is_datetime(text: str) -> bool:
    v = text.strip()
    for order in ("dmy", "mdy"):
        if standardize_date(v, order, "%Y-%m-%d").status in ("converted", "unchanged"):
            return True
    try:
        datetime.fromisoformat(v)
    except ValueError:
        return False
    return True


TYPE_TESTS: dict[str, Callable[[str], bool]] = {
    "integer": lambda v: INTEGER_TEXT.fullmatch(v.strip()) is not None,
    "float": lambda v: as_number(v) is not None,
    "numeric": lambda v: as_number(v) is not None,
    "boolean": lambda v: v.strip().lower() in BOOLEAN_WORDS,
    "datetime": is_datetime,
    "string": lambda v: True,
}


class View:
    """One batch's frame, read through Arrow (RE2 regex kernels, vectorised)
    with the blank masks, trimmed text and numbers computed once per column."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.n = len(frame)
        self._arrow: dict[str, pa.Array] = {}
        self._trimmed: dict[str, pa.Array] = {}
        self._blank: dict[str, Mask] = {}
        self._numbers: dict[str, tuple[Mask, npt.NDArray[np.float64]]] = {}

    def arrow(self, column: str) -> pa.Array:
        if column not in self._arrow:
            self._arrow[column] = pa.array(
                self.frame[column], type=pa.large_string(), from_pandas=True
            )
        return self._arrow[column]

    def trimmed(self, column: str) -> pa.Array:
        if column not in self._trimmed:
            self._trimmed[column] = pc.utf8_trim_whitespace(self.arrow(column))
        return self._trimmed[column]

    def blank(self, column: str) -> Mask:
        if column not in self._blank:
            empty = pc.fill_null(pc.equal(self.trimmed(column), ""), True)
            self._blank[column] = np.asarray(empty.to_numpy(zero_copy_only=False), dtype=bool)
        return self._blank[column]

    def text(self, column: str, pos: int) -> str:
        value = self.arrow(column)[pos].as_py()
        return "" if value is None else str(value)

    def matches(
        self, column: str, pattern: str, *, trimmed: bool, ignore_case: bool = False
    ) -> Mask:
        """Filled values that ``pattern`` (RE2, unanchored) finds a match in."""
        values = self.trimmed(column) if trimmed else self.arrow(column)
        found = pc.match_substring_regex(values, pattern=pattern, ignore_case=ignore_case)
        mask = np.asarray(pc.fill_null(found, False).to_numpy(zero_copy_only=False), dtype=bool)
        return mask & ~self.blank(column)

    def numbers(self, column: str) -> tuple[Mask, npt.NDArray[np.float64]]:
        """Which values are finite numbers (see :func:`as_number`), and their values."""
        if column not in self._numbers:
            ok = self.matches(column, f"^(?:{NUMBER_TEXT.pattern})$", trimmed=True)
            values = np.full(self.n, np.nan)
            if ok.any():
                text = self.trimmed(column).filter(pa.array(ok))
                # float() reads every text NUMBER_TEXT accepts (huge ones as inf)
                values[ok] = np.array([float(t) for t in text.to_pylist()], dtype=np.float64)
                ok &= np.isfinite(values)
            self._numbers[column] = (ok, values)
        return self._numbers[column]

    def each_filled(self, column: str, test: Callable[[str], bool]) -> Mask:
        """``test`` over the distinct non-blank values (True where it holds)."""
        return self.each_of(column, ~self.blank(column), test)

    def each_of(self, column: str, rows: Mask, test: Callable[[str], bool]) -> Mask:
        out = np.zeros(self.n, dtype=bool)
        if not rows.any():
            return out
        values = pd.Series(self.arrow(column).filter(pa.array(rows)).to_pylist(), dtype=object)
        verdict = {v: test(v) for v in pd.unique(values)}
        out[rows] = values.map(verdict).to_numpy(dtype=bool)
        return out


def type_hits(v: View, column: str, kind: str) -> Mask:
    """Filled values that are not of ``kind`` (vectorised :data:`TYPE_TESTS`)."""
    filled = ~v.blank(column)
    if kind == "integer":
        ok = v.matches(column, f"^(?:{INTEGER_TEXT.pattern})$", trimmed=True)
    elif kind in NUMERIC_TYPES:
        ok = v.numbers(column)[0]
    elif kind == "boolean":
        lower = pc.utf8_lower(v.trimmed(column))
        found = pc.is_in(lower, value_set=pa.array(sorted(BOOLEAN_WORDS), type=pa.large_string()))
        ok = np.asarray(pc.fill_null(found, False).to_numpy(zero_copy_only=False), dtype=bool)
    else:
        return v.each_filled(column, lambda x: not TYPE_TESTS[kind](x))
    return filled & ~ok
