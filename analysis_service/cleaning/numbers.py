"""Numeric cells of a text column, and a seeded reservoir fed in batches:
the one reading of "is this cell a number" for the cleaning agents'
statistics passes and their appliers (so a plan and its applier always see
the same numbers).

A cell is a number when its trimmed text is a plain decimal or scientific
literal (``NUMBER``: digits 0-9, optional sign, point and exponent) and
finite; ``inf``, ``nan``, ``1,000`` and currency amounts are text.
"""

from __future__ import annotations

from array import array

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

NUMBER = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
INTEGER = r"[+-]?[0-9]+"


def stripped(column: pd.Series) -> pd.Series:
    """The column as pandas "string" with surrounding whitespace removed."""
    return column.astype("string").str.strip()


def numeric_cells(
    column: pd.Series,
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64], pd.Series]:
    """(mask of the numeric cells, their values in order, the trimmed text)."""
    text = stripped(column)
    mask = text.str.fullmatch(NUMBER).fillna(False).to_numpy(dtype=bool)
    # Arrow's cast parses the matched literals as Python's float() does
    # (correctly rounded; overflow gives inf, dropped below).
    picked = pa.array(text[mask].array, type=pa.large_string())
    values = pc.cast(picked, pa.float64()).to_numpy(zero_copy_only=False)
    finite = np.isfinite(values)
    if not finite.all():
        positions = np.flatnonzero(mask)
        mask = mask.copy()
        mask[positions[~finite]] = False
        values = values[finite]
    return mask, values, text


class Reservoir:
    """Algorithm R over batches: the first ``cap`` values exactly, then each
    new value replaces a uniform slot with probability cap / seen (a seeded
    generator: the same input gives the same sample). ``values`` is an
    ``array('d')`` (8 bytes per value); ``rows`` optionally the original row
    of each (8 more)."""

    def __init__(self, cap: int, seed: int = 0, *, with_rows: bool = False) -> None:
        self.cap = cap
        self.seen = 0
        self.values: array[float] = array("d")
        self.rows: array[int] | None = array("q") if with_rows else None
        self._rng = np.random.default_rng(seed)

    def extend(self, x: npt.NDArray[np.float64], rows: npt.NDArray[np.int64] | None = None) -> None:
        room = max(self.cap - len(self.values), 0)
        head = min(room, len(x))
        if head:
            self.values.extend(x[:head].tolist())
            if self.rows is not None and rows is not None:
                self.rows.extend(rows[:head].tolist())
        self.seen += head
        rest = x[head:]
        if not len(rest):
            return
        positions = self.seen + 1 + np.arange(len(rest))
        slots = np.floor(self._rng.random(len(rest)) * positions).astype(np.int64)
        self.seen += len(rest)
        keep = slots < self.cap
        view = np.frombuffer(self.values, dtype=np.float64)
        view[slots[keep]] = rest[keep]
        if self.rows is not None and rows is not None:
            np.frombuffer(self.rows, dtype=np.int64)[slots[keep]] = rows[head:][keep]

    @property
    def exact(self) -> bool:
        return self.seen <= self.cap

    def array(self) -> npt.NDArray[np.float64]:
        return np.frombuffer(self.values, dtype=np.float64) if self.values else np.empty(0)

    def row_array(self) -> npt.NDArray[np.int64]:
        if not self.rows:
            return np.empty(0, dtype=np.int64)
        return np.frombuffer(self.rows, dtype=np.int64)
